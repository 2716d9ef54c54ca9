/* config/setters_http.c - http, server and location directives with a shape of their
 * own: two-argument values, return, server_name. */
#include <stddef.h>
#include <string.h>

#include "config/blocks.h"
#include "config/setters.h"
#include "config/values.h"
#include "config/variables.h"
#include "core/pt_types.h"

/* The values struct a field of which the row points at. */
static struct pt_conf_http_values *values_of(const struct pt_conf_row *row, void *field)
{
    return (struct pt_conf_http_values *)((char *)field - row->offset);
}

/* keepalive_timeout TIMEOUT [HEADER_TIMEOUT] */
PT_SETTER(pt_conf_set_keepalive_timeout)
{
    struct pt_conf_http_values *v = values_of(row, field);
    pt_msec_t t, header = 0;

    if (pt_conf_parse_time(node->words[1].text, node->words[1].len, &t) != PT_OK)
        return pt_conf_bad_value(ld, node, &node->words[1], "a time like 30s, 500ms, 1h30m");
    if (node->word_count > 2 &&
        pt_conf_parse_time(node->words[2].text, node->words[2].len, &header) != PT_OK)
        return pt_conf_bad_value(ld, node, &node->words[2], "a time like 30s, 500ms, 1h30m");
    v->keepalive_timeout = t;
    v->keepalive_header_timeout = header;
    return PT_OK;
}

/* large_client_header_buffers NUMBER SIZE */
PT_SETTER(pt_conf_set_large_buffers)
{
    struct pt_conf_http_values *v = values_of(row, field);
    uint64_t num, size;

    if (pt_conf_parse_number(node->words[1].text, node->words[1].len, &num) != PT_OK ||
        num < 1 || num > 1024)
        return pt_conf_bad_value(ld, node, &node->words[1], "a number of buffers from 1 to 1024");
    if (pt_conf_parse_size(node->words[2].text, node->words[2].len, &size) != PT_OK ||
        size < 1 || size > UINT32_MAX)
        return pt_conf_bad_value(ld, node, &node->words[2], "a size like 8k, 16k, 1m");
    v->large_client_header_buffers_num = (uint32_t)num;
    v->large_client_header_buffers_size = (uint32_t)size;
    return PT_OK;
}

/* A lone argument that is a URL: nginx takes these three starts as "return 302 URL". */
static int looks_like_url(const struct pt_conf_word *w)
{
    return strncmp(w->text, "http://", 7) == 0 || strncmp(w->text, "https://", 8) == 0 ||
           strncmp(w->text, "$scheme", 7) == 0;
}

/* return CODE [TEXT] | return CODE URL | return URL. For 301 302 303 307 308 the text is
 * the Location; otherwise the body. The first return at a level wins, as in nginx,
 * where a return ends the request and what follows never runs. */
PT_SETTER(pt_conf_set_return)
{
    struct pt_conf_return *ret = field;
    const struct pt_conf_word *code = &node->words[1];
    const struct pt_conf_word *text = node->word_count > 2 ? &node->words[2] : NULL;
    uint64_t n;

    if (ret->origin.file)
        return PT_OK;
    if (pt_conf_parse_number(code->text, code->len, &n) != PT_OK || n > 999) {
        if (text || !looks_like_url(code))
            return pt_conf_fail(ld, code, "expected: return code [text]; or return URL;",
                                "invalid return code \"%s\"",
                                pt_conf_show(ld, code->text, code->len));
        n = 302;
        text = code;
    }
    (void)row;
    ret->code = (uint16_t)n;
    ret->origin = pt_conf_origin_of(ld, &node->words[0]);
    if (!text)
        return PT_OK;
    ret->has_text = 1;
    return pt_conf_compile_complex(ld, text, &ret->text);
}

/* server_name NAME...: names accumulate over every server_name of the server, kept as
 * written (wildcards and ~regexes are routing's to interpret). */
PT_SETTER(pt_conf_set_server_name)
{
    struct pt_conf_server_b *sb = ld->scope->server;

    (void)row;
    (void)field;
    for (uint32_t i = 1; i < node->word_count; i++) {
        if (sb->pub.name_count == sb->name_cap)
            return pt_conf_fail_plain(ld, "internal error: server_name count");
        sb->pub.name_origins[sb->pub.name_count] = pt_conf_origin_of(ld, &node->words[i]);
        sb->pub.names[sb->pub.name_count++] = node->words[i].text;
    }
    return PT_OK;
}
