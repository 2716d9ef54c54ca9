/* config/variables.c - the variables portico knows, and values compiled into parts.
 *
 * The syntax is nginx's: "$" then letters, digits and "_", or "${name}" to end a name
 * before text that would continue it; "$1".."$9" are a regex's captures (one digit: "$12"
 * is capture 1 then "2"). A "$" that starts no valid name is an error, as in nginx. A
 * name is known when portico computes it, a map defines it, or a regex of the config
 * names a group so (capture_names.c gathers those before the walk). */
#include <string.h>

#include "config/registry.h"
#include "config/variables.h"
#include "core/pt_types.h"

/* An entry ending in "*" names a family: "http_*" is every "http_NAME". */
const char *const pt_conf_known_variables[] = {
    "host", "hostname", "remote_addr", "remote_port", "server_addr", "server_port",
    "server_name", "scheme", "request", "request_method", "request_uri", "uri",
    "document_uri", "args", "query_string", "is_args", "arg_*", "http_*", "cookie_*", "sent_http_*",
    "content_type", "content_length", "status", "body_bytes_sent", "bytes_sent",
    "request_length", "request_time", "time_local", "time_iso8601", "msec", "connection",
    "connection_requests", "pid", "nginx_version", "portico_version", "remote_user",
    /* the reverse proxy's (proxy/) */
    "proxy_host", "proxy_port", "proxy_add_x_forwarded_for", "upstream_addr",
    "upstream_status", "upstream_response_time", "upstream_connect_time",
    "upstream_header_time", "upstream_bytes_received", "upstream_bytes_sent",
    "upstream_http_*",
    "1", "2", "3", "4", "5", "6", "7", "8", "9",
    NULL,
};

int pt_conf_variable_known(const char *name, uint32_t len)
{
    for (const char *const *v = pt_conf_known_variables; *v; v++) {
        size_t n = strlen(*v);
        if ((*v)[n - 1] == '*') {
            if (len >= n - 1 && memcmp(name, *v, n - 1) == 0)
                return 1;
        } else if (n == len && memcmp(name, *v, n) == 0) {
            return 1;
        }
    }
    return 0;
}

const struct pt_conf_map *pt_conf_map_find(const struct pt_config *cfg, const char *name,
                                           uint32_t len)
{
    for (const struct pt_conf_map *m = cfg->maps; m; m = m->next) {
        if (m->name_len == len && memcmp(m->name, name, len) == 0)
            return m;
    }
    return NULL;
}

static int is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_';
}

/* A closer candidate than *best so far (distance below *best_d, and near enough for the
 * name's length)? */
static void consider(const char *buf, uint32_t len, const char *cand, const char **best,
                     uint32_t *best_d)
{
    uint32_t d = pt_conf_distance(buf, cand, 2);

    if (d < *best_d && d <= (len <= 4 ? 1u : 2u)) {
        *best = cand;
        *best_d = d;
    }
}

/* The known name (a built-in or a map's) nearest to name, for "did you mean"; NULL when
 * none is close. */
static const char *nearest_variable(const struct pt_conf_load *ld, const char *name,
                                    uint32_t len)
{
    char buf[64];
    const char *best = NULL;
    uint32_t best_d = 3;

    if (len >= sizeof(buf))
        return NULL;
    memcpy(buf, name, len);
    buf[len] = '\0';
    for (const char *const *v = pt_conf_known_variables; *v; v++) {
        if (!strchr(*v, '*') && (*v)[1] != '\0')
            consider(buf, len, *v, &best, &best_d);
    }
    for (const struct pt_conf_map *m = ld->cfg->maps; m; m = m->next)
        consider(buf, len, m->name, &best, &best_d);
    return best;
}

static int fail_unknown(struct pt_conf_load *ld, const struct pt_conf_word *w,
                        const char *name, uint32_t len)
{
    const char *near = nearest_variable(ld, name, len);
    const char *shown = pt_conf_show(ld, name, len);

    if (near)
        return pt_conf_fail(ld, w, NULL, "unknown \"%s\" variable, did you mean \"%s\"?",
                            shown, near);
    return pt_conf_fail(ld, w, NULL, "unknown \"%s\" variable", shown);
}

/* Reads the variable whose "$" is at s[*i]; on success (*name, *len) is its name and *i
 * is past it. */
static int scan_variable(struct pt_conf_load *ld, const struct pt_conf_word *w, uint32_t *i,
                         const char **name, uint32_t *len)
{
    const char *s = w->text;
    uint32_t j = *i + 1;
    int bracket = j < w->len && s[j] == '{';

    if (bracket)
        j++;
    *name = s + j;
    if (!bracket && j < w->len && s[j] >= '1' && s[j] <= '9') {
        *len = 1;
        *i = j + 1;
        return PT_OK;
    }
    while (j < w->len && is_name_char(s[j]))
        j++;
    *len = (uint32_t)(s + j - *name);
    if (bracket && (j >= w->len || s[j] != '}'))
        return pt_conf_fail(ld, w, "expected \"}\" after the name: ${name}",
                            "the closing bracket in \"%s\" variable is missing",
                            pt_conf_show(ld, *name, *len));
    if (*len == 0)
        return pt_conf_fail(ld, w, "expected letters, digits or \"_\" after \"$\"",
                            "invalid variable name");
    *i = j + (uint32_t)bracket;
    return PT_OK;
}

static void add_part(struct pt_conf_complex *out, const char *text, uint32_t len, int is_var)
{
    struct pt_conf_part *p = &out->parts[out->part_count++];

    p->text = text;
    p->len = len;
    p->is_var = (uint8_t)is_var;
}

int pt_conf_compile_complex(struct pt_conf_load *ld, const struct pt_conf_word *w,
                            struct pt_conf_complex *out)
{
    uint32_t i = 0, lit = 0, most = 1;

    /* Parts alternate at worst: one per "$" plus one literal around each. */
    for (uint32_t k = 0; k < w->len; k++)
        most += w->text[k] == '$' ? 2 : 0;
    out->raw = w->text;
    out->part_count = 0;
    out->parts = pt_conf_alloc(ld, most * sizeof(*out->parts));
    if (!out->parts)
        return PT_ERROR;
    while (i < w->len) {
        const char *name;
        uint32_t len;
        if (w->text[i] != '$') {
            i++;
            continue;
        }
        if (i > lit)
            add_part(out, w->text + lit, i - lit, 0);
        if (scan_variable(ld, w, &i, &name, &len) != PT_OK)
            return PT_ERROR;
        if (!pt_conf_variable_known(name, len) && !pt_conf_map_find(ld->cfg, name, len) &&
            !pt_conf_group_known(ld, name, len))
            return fail_unknown(ld, w, name, len);
        add_part(out, name, len, 1);
        lit = i;
    }
    if (i > lit)
        add_part(out, w->text + lit, i - lit, 0);
    return PT_OK;
}
