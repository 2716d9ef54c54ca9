/* config/config_error.c - how config errors look, and the load's error helpers.
 *
 * The convention, the same for every error so that tests compare it byte for byte:
 *
 *     FILE:LINE:COL: MESSAGE
 *     SOURCE LINE
 *     CARET LINE
 *     HINT                       (only when there is one, e.g. "expected: ...")
 *
 * FILE is the path as the user gave it (-c), and an included file's path is the
 * including file's folder joined with the include argument, so messages stay relative
 * when the user's paths were. LINE and COL are 1-based; COL counts characters: a tab and
 * a UTF-8 sequence are one each. The source line is printed verbatim with no added
 * indentation (a trailing CR dropped, other control bytes shown as "?"), and the caret
 * line repeats the line's tabs before the column and puts a space for every other
 * character, so the "^" sits under the token at fault whatever the tab width. A line
 * longer than 160 characters is shown as a window around the column, cut ends marked
 * "...". Errors with no position (a main file that cannot be read) are the message
 * alone. Every line, the last included, ends with "\n".
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config/config_error.h"
#include "config/load.h"
#include "core/pt_types.h"

#define WINDOW 160 /* characters of a source line shown at most */
#define LEAD 60    /* characters shown before the column when the line is cut */

struct out {
    char *buf;
    size_t cap, len;
};

static void put(struct out *o, const char *s, size_t n)
{
    if (o->len + 1 >= o->cap)
        return;
    if (n > o->cap - 1 - o->len)
        n = o->cap - 1 - o->len;
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

static void putc_(struct out *o, char c)
{
    put(o, &c, 1);
}

static int is_char_start(unsigned char c)
{
    return (c & 0xc0) != 0x80;
}

/* [start, end) of line `line` (1-based) in text, CR before LF excluded. */
static void find_line(const char *text, uint32_t len, uint32_t line, uint32_t *start,
                      uint32_t *end)
{
    uint32_t i = 0, n = 1;

    while (n < line && i < len) {
        if (text[i++] == '\n')
            n++;
    }
    *start = i;
    while (i < len && text[i] != '\n')
        i++;
    if (i > *start && text[i - 1] == '\r')
        i--;
    *end = i;
}

/* Byte offset in [start, end) of the character numbered col (1-based), or end. */
static uint32_t offset_of_col(const char *text, uint32_t start, uint32_t end, uint32_t col)
{
    uint32_t i = start, c = 1;

    while (i < end) {
        if (is_char_start((unsigned char)text[i])) {
            if (c == col)
                return i;
            c++;
        }
        i++;
    }
    return end;
}

/* Moves `from` back (or forward, with dir 1) by n characters within [start, end). */
static uint32_t step_chars(const char *text, uint32_t from, uint32_t start, uint32_t end,
                           uint32_t n, int forward)
{
    uint32_t i = from;

    while (n > 0 && (forward ? i < end : i > start)) {
        i = forward ? i + 1 : i - 1;
        while ((forward ? i < end : i > start) && !is_char_start((unsigned char)text[i]))
            i = forward ? i + 1 : i - 1;
        n--;
    }
    return i;
}

static void put_source(struct out *o, const char *text, uint32_t from, uint32_t to)
{
    for (uint32_t i = from; i < to; i++) {
        unsigned char c = (unsigned char)text[i];
        putc_(o, (c < 0x20 && c != '\t') || c == 0x7f ? '?' : (char)c);
    }
}

static void put_caret(struct out *o, const char *text, uint32_t from, uint32_t at, int cut)
{
    if (cut)
        put(o, "   ", 3);
    for (uint32_t i = from; i < at; i++) {
        if (text[i] == '\t')
            putc_(o, '\t');
        else if (is_char_start((unsigned char)text[i]))
            putc_(o, ' ');
    }
    put(o, "^\n", 2);
}

static void put_line_and_caret(struct out *o, const char *text, uint32_t len, uint32_t line,
                               uint32_t col)
{
    uint32_t start, end, at, from, to;

    find_line(text, len, line, &start, &end);
    at = offset_of_col(text, start, end, col);
    from = start;
    to = end;
    if (step_chars(text, from, start, end, WINDOW, 1) < end) {
        /* Too long: a window that starts LEAD characters before the column. */
        from = step_chars(text, at, start, end, LEAD, 0);
        to = step_chars(text, from, start, end, WINDOW, 1);
    }
    if (from > start)
        put(o, "...", 3);
    put_source(o, text, from, to);
    if (to < end)
        put(o, "...", 3);
    putc_(o, '\n');
    put_caret(o, text, from, at, from > start);
}

void pt_conf_format_error(char *out, size_t cap, const char *name, const char *text,
                          uint32_t len, uint32_t line, uint32_t col, const char *msg,
                          const char *hint)
{
    struct out o = {out, cap, 0};
    char head[64];

    if (cap == 0)
        return;
    out[0] = '\0';
    if (name) {
        put(&o, name, strlen(name));
        snprintf(head, sizeof(head), ":%u:%u: ", line, col);
        put(&o, head, strlen(head));
    }
    put(&o, msg, strlen(msg));
    putc_(&o, '\n');
    if (name && text)
        put_line_and_caret(&o, text, len, line, col);
    if (hint) {
        put(&o, hint, strlen(hint));
        putc_(&o, '\n');
    }
    /* A message cut short by the buffer still ends its last line. */
    if (o.len > 0 && out[o.len - 1] != '\n')
        out[o.len - 1] = '\n';
}

static int fail_v(struct pt_conf_load *ld, uint16_t file, uint32_t line, uint32_t col,
                  const char *hint, const char *fmt, va_list ap)
{
    char msg[1024];
    const struct pt_conf_source *src = NULL;

    if (ld->failed)
        return PT_ERROR;
    ld->failed = 1;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    if (file != PT_CONF_NO_FILE && file < ld->source_count)
        src = &ld->sources[file];
    pt_conf_format_error(ld->err->message, sizeof(ld->err->message), src ? src->name : NULL,
                         src ? src->text : NULL, src ? src->len : 0, line, col, msg, hint);
    return PT_ERROR;
}

int pt_conf_fail_pos(struct pt_conf_load *ld, uint16_t file, uint32_t line, uint32_t col,
                     const char *hint, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = fail_v(ld, file, line, col, hint, fmt, ap);
    va_end(ap);
    return rc;
}

int pt_conf_fail(struct pt_conf_load *ld, const struct pt_conf_word *at, const char *hint,
                 const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = fail_v(ld, at ? at->file : PT_CONF_NO_FILE, at ? at->line : 0, at ? at->col : 0,
                hint, fmt, ap);
    va_end(ap);
    return rc;
}

int pt_conf_fail_origin(struct pt_conf_load *ld, const struct pt_conf_origin *at,
                        const char *hint, const char *fmt, ...)
{
    va_list ap;
    uint16_t file = PT_CONF_NO_FILE;
    int rc;

    /* Origins keep the source's name pointer; find the source to show its line. */
    for (uint32_t i = 0; i < ld->source_count; i++) {
        if (ld->sources[i].name == at->file)
            file = (uint16_t)i;
    }
    va_start(ap, fmt);
    rc = fail_v(ld, file, at->line, at->col, hint, fmt, ap);
    va_end(ap);
    return rc;
}

int pt_conf_fail_plain(struct pt_conf_load *ld, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = fail_v(ld, PT_CONF_NO_FILE, 0, 0, NULL, fmt, ap);
    va_end(ap);
    return rc;
}
