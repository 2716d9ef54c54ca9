/* config/setters_log.c - log_format and access_log.
 *
 * Formats are compiled once at load into parts (config/variables.c), so a request only
 * fills in variables. Paths are listed once each in the snapshot's log_files and opened
 * by proxy/ after the load (proxy/log_files.h), as nginx opens its files after parsing:
 * only the paths some server or location uses, nginx's default included. */
#include <string.h>

#include "config/setters.h"
#include "config/values.h"
#include "config/variables.h"
#include "core/pt_types.h"

/* nginx's predefined format, byte for byte. */
static const char combined_text[] =
    "$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent "
    "\"$http_referer\" \"$http_user_agent\"";

#define PT_LOG_BUFFER_DEFAULT (64 * 1024) /* nginx's buffer when only flush= is given */

static struct pt_conf_log_format *format_add(struct pt_conf_load *ld, const char *name,
                                             const struct pt_conf_word *text,
                                             enum pt_log_escape escape)
{
    struct pt_conf_log_format *f = pt_conf_alloc(ld, sizeof(*f));

    if (!f)
        return NULL;
    f->name = name;
    f->escape = escape;
    if (pt_conf_compile_complex(ld, text, &f->line) != PT_OK)
        return NULL;
    f->next = ld->cfg->log_formats;
    ld->cfg->log_formats = f;
    return f;
}

/* The format named name; "combined" is made on first use (a config that never names it
 * pays nothing). */
static const struct pt_conf_log_format *format_find(struct pt_conf_load *ld, const char *name)
{
    struct pt_conf_word w = {.text = combined_text, .len = sizeof(combined_text) - 1,
                             .file = PT_CONF_NO_FILE};

    for (const struct pt_conf_log_format *f = ld->cfg->log_formats; f; f = f->next) {
        if (strcmp(f->name, name) == 0)
            return f;
    }
    if (strcmp(name, "combined") != 0)
        return NULL;
    return format_add(ld, "combined", &w, PT_LOG_ESCAPE_DEFAULT);
}

/* Reads escape=default|json|none at words[i]; 1 when it was one, 0 when not, -1 bad. */
static int parse_escape(struct pt_conf_load *ld, const struct pt_conf_node *node, uint32_t i,
                        enum pt_log_escape *out)
{
    const struct pt_conf_word *w = &node->words[i];
    const char *v = w->text + 7;

    if (w->quoted || strncmp(w->text, "escape=", 7) != 0)
        return 0;
    if (strcmp(v, "default") == 0)
        *out = PT_LOG_ESCAPE_DEFAULT;
    else if (strcmp(v, "json") == 0)
        *out = PT_LOG_ESCAPE_JSON;
    else if (strcmp(v, "none") == 0)
        *out = PT_LOG_ESCAPE_NONE;
    else {
        pt_conf_bad_value(ld, node, w, "escape=default, escape=json or escape=none");
        return -1;
    }
    return 1;
}

/* The strings of a log_format joined into one word (nginx concatenates them), placed
 * where the first was written so errors point there. */
static int join_words(struct pt_conf_load *ld, const struct pt_conf_node *node, uint32_t from,
                      struct pt_conf_word *out)
{
    size_t len = 0;
    char *p;

    for (uint32_t i = from; i < node->word_count; i++)
        len += node->words[i].len;
    p = pt_conf_alloc(ld, len + 1);
    if (!p)
        return PT_ERROR;
    *out = node->words[from];
    out->text = p;
    out->len = (uint32_t)len;
    for (uint32_t i = from; i < node->word_count; i++) {
        memcpy(p, node->words[i].text, node->words[i].len);
        p += node->words[i].len;
    }
    *p = '\0';
    return PT_OK;
}

/* log_format NAME [escape=default|json|none] STRING... */
PT_SETTER(pt_conf_set_log_format)
{
    const struct pt_conf_word *name = &node->words[1];
    enum pt_log_escape escape = PT_LOG_ESCAPE_DEFAULT;
    struct pt_conf_word text;
    int has_escape;

    (void)field;
    if (pt_conf_map_declare_ahead(ld, node->next) != PT_OK)
        return PT_ERROR;
    if (format_find(ld, name->text))
        return pt_conf_fail(ld, name, NULL, "duplicate \"log_format\" name \"%s\"",
                            pt_conf_show(ld, name->text, name->len));
    has_escape = node->word_count > 2 ? parse_escape(ld, node, 2, &escape) : 0;
    if (has_escape < 0)
        return PT_ERROR;
    if (node->word_count < 3u + (uint32_t)has_escape)
        return pt_conf_fail(ld, &node->words[0], row->syntax,
                            "invalid number of arguments in \"log_format\" directive");
    if (join_words(ld, node, 2u + (uint32_t)has_escape, &text) != PT_OK)
        return PT_ERROR;
    return format_add(ld, name->text, &text, escape) ? PT_OK : PT_ERROR;
}

/* path's entry in the snapshot's log_files, added (not opened) the first time. */
static struct pt_conf_log_file *log_file(struct pt_conf_load *ld, const char *path,
                                         int written)
{
    struct pt_config *cfg = ld->cfg;
    struct pt_conf_log_file **at = &cfg->log_files, *f;

    for (; *at; at = &(*at)->next) {
        if (strcmp((*at)->path, path) == 0) {
            (*at)->written |= (uint8_t)written;
            return *at;
        }
    }
    f = pt_conf_alloc(ld, sizeof(*f));
    if (!f)
        return NULL;
    f->path = path;
    f->fd = -1;
    f->index = cfg->log_file_count++;
    f->written = (uint8_t)written;
    f->next = NULL;
    *at = f;
    return f;
}

/* buffer=SIZE or flush=TIME at words[i]. */
static int parse_log_param(struct pt_conf_load *ld, const struct pt_conf_node *node,
                           uint32_t i, struct pt_conf_access_log *log)
{
    const struct pt_conf_word *w = &node->words[i];
    uint64_t size;

    if (strncmp(w->text, "buffer=", 7) == 0) {
        if (pt_conf_parse_size(w->text + 7, w->len - 7, &size) != PT_OK || size == 0 ||
            size > (64u << 20))
            return pt_conf_bad_value(ld, node, w, "buffer=SIZE like 32k, up to 64m");
        log->buffer = (uint32_t)size;
        return PT_OK;
    }
    if (strncmp(w->text, "flush=", 6) == 0) {
        if (pt_conf_parse_time(w->text + 6, w->len - 6, &log->flush) != PT_OK ||
            log->flush <= 0)
            return pt_conf_bad_value(ld, node, w, "flush=TIME like 5s");
        return PT_OK;
    }
    if (strncmp(w->text, "gzip", 4) == 0 || strncmp(w->text, "if=", 3) == 0)
        return pt_conf_fail(ld, w, NULL, "\"%s\" of \"access_log\" is not supported yet",
                            pt_conf_show(ld, w->text, w->len));
    return pt_conf_fail(ld, w, NULL, "invalid parameter \"%s\"",
                        pt_conf_show(ld, w->text, w->len));
}

/* Fills log from "PATH [FORMAT [buffer=] [flush=]]". */
static int parse_access_log(struct pt_conf_load *ld, const struct pt_conf_node *node,
                            struct pt_conf_access_log *log)
{
    const struct pt_conf_word *path = &node->words[1];
    const char *fmt = node->word_count > 2 ? node->words[2].text : "combined";

    if (path->len == 0 || strncmp(path->text, "syslog:", 7) == 0)
        return pt_conf_bad_value(ld, node, path, "a file path (syslog: is not supported yet)");
    log->path = pt_conf_prefixed(ld, path->text);
    if (!log->path)
        return PT_ERROR;
    log->format = format_find(ld, fmt);
    if (!log->format)
        return pt_conf_fail(ld, &node->words[2], NULL, "unknown log format \"%s\"",
                            pt_conf_show(ld, fmt, node->words[2].len));
    for (uint32_t i = 3; i < node->word_count; i++) {
        if (parse_log_param(ld, node, i, log) != PT_OK)
            return PT_ERROR;
    }
    if (log->flush && !log->buffer)
        log->buffer = PT_LOG_BUFFER_DEFAULT;
    log->origin = pt_conf_origin_of(ld, path);
    log->file = log_file(ld, log->path, path->file != PT_CONF_NO_FILE);
    return log->file ? PT_OK : PT_ERROR;
}

/* access_log off | access_log PATH [FORMAT [buffer=SIZE] [flush=TIME]]. Several at one
 * level all log; the first written at a level replaces what it held (the default). */
PT_SETTER(pt_conf_set_access_log)
{
    struct pt_conf_access_logs *set = field;
    struct pt_conf_access_log *logs;

    (void)row;
    if (set->from_default) {
        memset(set, 0, sizeof(*set));
    }
    set->from_default = node->words[0].file == PT_CONF_NO_FILE;
    if (strcmp(node->words[1].text, "off") == 0 && !node->words[1].quoted) {
        if (node->word_count > 2)
            return pt_conf_fail(ld, &node->words[2], NULL, "invalid parameter \"%s\"",
                                pt_conf_show(ld, node->words[2].text, node->words[2].len));
        set->off = 1;
        return PT_OK;
    }
    logs = pt_conf_alloc(ld, (set->count + 1) * sizeof(*logs));
    if (!logs)
        return PT_ERROR;
    if (set->count)
        memcpy(logs, set->logs, set->count * sizeof(*logs));
    memset(&logs[set->count], 0, sizeof(*logs));
    if (parse_access_log(ld, node, &logs[set->count]) != PT_OK)
        return PT_ERROR;
    set->logs = logs;
    set->count++;
    return PT_OK;
}
