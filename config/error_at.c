/* config/error_at.c - errors found after loading, in the loader's message shape
 * (config.h, pt_config_error_at). */
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "config/config_error.h"

/* Characters, as config_error.c counts columns: a UTF-8 sequence is one. */
static uint32_t chars_in(const char *s, size_t n)
{
    uint32_t count = 0;

    for (size_t i = 0; i < n; i++)
        count += ((unsigned char)s[i] & 0xc0) != 0x80;
    return count;
}

/* Byte offset in text of the 1-based line, or len when the file is shorter. */
static size_t line_start(const char *text, size_t len, uint32_t line)
{
    size_t at = 0;

    for (uint32_t l = 1; l < line && at < len; l++) {
        const char *nl = memchr(text + at, '\n', len - at);
        at = nl ? (size_t)(nl - text) + 1 : len;
    }
    return at;
}

/* The column of token on the line, searching from byte offset `from` of that line. */
static uint32_t token_col(const char *line, size_t line_len, size_t from, uint32_t col,
                          const char *token, size_t token_len)
{
    for (size_t i = from; token && token_len && i + token_len <= line_len; i++) {
        if (memcmp(line + i, token, token_len) == 0)
            return col + chars_in(line + from, i - from);
    }
    return col;
}

/* Byte offset of the 1-based character column col in line. */
static size_t col_offset(const char *line, size_t line_len, uint32_t col)
{
    size_t at = 0;

    for (uint32_t c = 1; c < col && at < line_len; c++) {
        at++;
        while (at < line_len && ((unsigned char)line[at] & 0xc0) == 0x80)
            at++;
    }
    return at;
}

void pt_config_error_at(const struct pt_config *cfg, const struct pt_conf_origin *o,
                        const char *token, size_t token_len, const char *msg, char *out,
                        size_t cap)
{
    for (uint32_t i = 0; i < cfg->file_count; i++) {
        const char *text = cfg->file_data[i], *line, *nl;
        size_t len = cfg->file_sizes[i], at, line_len;
        uint32_t col;

        if (cfg->file_names[i] != o->file)
            continue;
        at = line_start(text, len, o->line);
        line = text + at;
        nl = memchr(line, '\n', len - at);
        line_len = nl ? (size_t)(nl - line) : len - at;
        col = token_col(line, line_len, col_offset(line, line_len, o->col), o->col, token,
                        token_len);
        pt_conf_format_error(out, cap, o->file, text, (uint32_t)len, o->line, col, msg, NULL);
        return;
    }
    snprintf(out, cap, "%s:%u:%u: %s\n", o->file ? o->file : "?", o->line, o->col, msg);
}
