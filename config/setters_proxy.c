/* config/setters_proxy.c - the proxy_* directives with a shape of their own, and the
 * resolver.
 *
 * proxy_pass is read as nginx reads it (scheme, then host[:port][uri] by
 * ngx_parse_url's rules): a host that names an upstream block is that group, any
 * other host:port an implicit group shared by every proxy_pass to it. What portico does
 * not do yet (https://, variables in the URL, unix: sockets) is refused by name rather
 * than half done. Lists (proxy_set_header, proxy_hide_header, proxy_pass_header) add up
 * within a level, and a level with any replaces its parent's, as nginx. */
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "config/blocks.h"
#include "config/setters.h"
#include "config/upstream.h"
#include "config/values.h"
#include "config/variables.h"
#include "core/pt_types.h"

static const char proxy_pass_hint[] = "expected: proxy_pass http://name[:port][/uri];";

static int is_regex_or_named(enum pt_loc_match m)
{
    return m == PT_LOC_REGEX || m == PT_LOC_REGEX_CASELESS || m == PT_LOC_NAMED;
}

/* The URL after "http://", checked for what portico does not support yet. NULL after
 * failing the load. */
static const char *url_rest(struct pt_conf_load *ld, const struct pt_conf_word *url)
{
    const char *rest;

    if (memchr(url->text, '$', url->len))
        return pt_conf_fail(ld, url, proxy_pass_hint, "variables in \"proxy_pass\" are an "
                            "nginx feature portico does not support yet"), NULL;
    if (strncasecmp(url->text, "https://", 8) == 0)
        return pt_conf_fail(ld, url, proxy_pass_hint, "\"proxy_pass https://\" is an nginx "
                            "feature portico does not support yet"), NULL;
    if (strncasecmp(url->text, "http://", 7) != 0)
        return pt_conf_fail(ld, url, proxy_pass_hint, "invalid URL prefix"), NULL;
    rest = url->text + 7;
    if (strncmp(rest, "unix:", 5) == 0)
        return pt_conf_fail(ld, url, proxy_pass_hint, "\"proxy_pass http://unix:\" is an "
                            "nginx feature portico does not support yet"), NULL;
    return rest;
}

/* The group hp names: an upstream block (no port may be written then), or an implicit
 * group of that host and port. */
static const struct pt_conf_upstream *pass_group(struct pt_conf_load *ld,
                                                 const struct pt_conf_hostport *hp,
                                                 const struct pt_conf_word *url)
{
    const struct pt_conf_upstream *u = pt_conf_upstream_find(ld, hp->host, hp->host_len);

    if (!u)
        return pt_conf_upstream_implicit(ld, hp, url);
    if (hp->port_text)
        return pt_conf_fail(ld, url, NULL, "upstream \"%s\" may not have port %u",
                            pt_conf_show(ld, hp->host, hp->host_len), hp->port), NULL;
    return u;
}

/* proxy_pass http://NAME[:PORT][URI] */
PT_SETTER(pt_conf_set_proxy_pass)
{
    struct pt_conf_proxy_pass *pass = field;
    const struct pt_conf_word *url = &node->words[1];
    const struct pt_conf_location *loc = &ld->scope->loc->pub;
    struct pt_conf_hostport hp;
    const char *rest = url_rest(ld, url), *err;
    uint32_t rest_len;

    (void)row;
    if (!rest)
        return PT_ERROR;
    rest_len = url->len - (uint32_t)(rest - url->text);
    err = pt_conf_parse_hostport(rest, rest_len, 80, 1, &hp);
    if (err)
        return pt_conf_fail(ld, url, NULL, "%s in upstream \"%s\"", err,
                            pt_conf_show(ld, rest, rest_len));
    if (hp.uri_len && is_regex_or_named(loc->match))
        return pt_conf_fail(ld, url, NULL, "\"proxy_pass\" cannot have URI part in location "
                            "given by regular expression, or inside named location, or "
                            "inside \"if\" statement, or inside \"limit_except\" block");
    pass->upstream = pass_group(ld, &hp, url);
    if (!pass->upstream)
        return PT_ERROR;
    pass->raw = url->text;
    /* $proxy_host: "host:port" as written, the port left out when it is 80 (nginx) */
    pass->host_len = hp.port_text && hp.port != 80
                         ? (uint32_t)(hp.port_text + hp.port_len - hp.host) : hp.host_len;
    pass->host = pt_conf_strdup(ld, hp.host, pass->host_len);
    pass->uri = hp.uri ? pt_conf_strdup(ld, hp.uri, hp.uri_len) : "";
    pass->uri_len = hp.uri_len;
    pass->has_uri = hp.uri_len > 0;
    pass->origin = pt_conf_origin_of(ld, url);
    return pass->host && pass->uri ? PT_OK : PT_ERROR;
}

/* proxy_set_header NAME VALUE */
PT_SETTER(pt_conf_set_proxy_header)
{
    struct pt_conf_proxy_headers *hs = field;
    struct pt_conf_proxy_header *list = pt_conf_alloc(ld, (hs->count + 1) * sizeof(*list));
    struct pt_conf_proxy_header *h;

    (void)row;
    if (!list)
        return PT_ERROR;
    if (hs->count)
        memcpy(list, hs->list, hs->count * sizeof(*list));
    h = &list[hs->count];
    h->name = node->words[1].text;
    h->name_len = node->words[1].len;
    if (pt_conf_compile_complex(ld, &node->words[2], &h->value) != PT_OK)
        return PT_ERROR;
    hs->list = list;
    hs->count++;
    return PT_OK;
}

/* proxy_hide_header NAME | proxy_pass_header NAME */
PT_SETTER(pt_conf_set_header_names)
{
    struct pt_conf_names *ns = field;
    const char **names = pt_conf_alloc(ld, (ns->count + 1) * sizeof(*names));
    uint32_t *lens = pt_conf_alloc(ld, (ns->count + 1) * sizeof(*lens));

    (void)row;
    if (!names || !lens)
        return PT_ERROR;
    if (ns->count) {
        memcpy(names, ns->names, ns->count * sizeof(*names));
        memcpy(lens, ns->lens, ns->count * sizeof(*lens));
    }
    names[ns->count] = node->words[1].text;
    lens[ns->count] = node->words[1].len;
    ns->names = names;
    ns->lens = lens;
    ns->count++;
    return PT_OK;
}

static const struct {
    const char *name;
    uint32_t bits;
} next_conditions[] = {
    {"error", PT_NEXT_ERROR},
    {"timeout", PT_NEXT_TIMEOUT},
    {"invalid_header", PT_NEXT_INVALID_HEADER},
    {"non_idempotent", PT_NEXT_NON_IDEMPOTENT},
    {"http_500", PT_NEXT_HTTP_500},
    {"http_502", PT_NEXT_HTTP_502},
    {"http_503", PT_NEXT_HTTP_503},
    {"http_504", PT_NEXT_HTTP_504},
    {"http_403", PT_NEXT_HTTP_403},
    {"http_404", PT_NEXT_HTTP_404},
    {"http_429", PT_NEXT_HTTP_429},
    {"updating", 0}, /* proxy_cache_use_stale's: nothing without a cache */
    {"off", PT_CONF_NEXT_OFF},
};
#define NEXT_CONDITIONS (sizeof(next_conditions) / sizeof(next_conditions[0]))

/* proxy_next_upstream CONDITION...: the lines of one level add up (nginx's bitmask). */
PT_SETTER(pt_conf_set_next_upstream)
{
    uint32_t *mask = field;

    (void)row;
    if (!ld->repeated)
        *mask = 0;
    for (uint32_t i = 1; i < node->word_count; i++) {
        const struct pt_conf_word *w = &node->words[i];
        size_t k = 0;
        while (k < NEXT_CONDITIONS && strcasecmp(next_conditions[k].name, w->text) != 0)
            k++;
        if (k == NEXT_CONDITIONS)
            return pt_conf_bad_value(ld, node, w, "error, timeout, invalid_header, "
                                     "non_idempotent, http_500, http_502, http_503, "
                                     "http_504, http_403, http_404, http_429 or off");
        *mask |= next_conditions[k].bits;
    }
    return PT_OK;
}

/* proxy_buffers NUMBER SIZE */
PT_SETTER(pt_conf_set_proxy_buffers)
{
    struct pt_conf_buffers *b = field;
    const struct pt_conf_word *num = &node->words[1], *size = &node->words[2];
    uint64_t n, s;

    (void)row;
    if (pt_conf_parse_number(num->text, num->len, &n) != PT_OK || n < 1 || n > UINT32_MAX)
        return pt_conf_bad_value(ld, node, num, "a number of buffers, at least 2");
    if (pt_conf_parse_size(size->text, size->len, &s) != PT_OK || s < 1 || s > UINT32_MAX)
        return pt_conf_bad_value(ld, node, size, "a size like 4k, 8k");
    b->num = (uint32_t)n;
    b->size = (uint32_t)s;
    return PT_OK;
}

/* proxy_busy_buffers_size SIZE: 0 stays "not written" (nginx's default, computed). */
PT_SETTER(pt_conf_set_busy_buffers)
{
    const struct pt_conf_word *w = &node->words[1];
    uint64_t s;

    (void)row;
    if (pt_conf_parse_size(w->text, w->len, &s) != PT_OK || s > UINT32_MAX)
        return pt_conf_bad_value(ld, node, w, "a size like 8k, 16k");
    if (s == 0)
        return pt_conf_fail(ld, w, NULL, "\"proxy_busy_buffers_size\" must be equal to or "
                            "greater than the maximum of the value of \"proxy_buffer_size\" "
                            "and one of the \"proxy_buffers\"");
    *(uint32_t *)field = (uint32_t)s;
    return PT_OK;
}

/* client_body_temp_path PATH [LEVEL1 [LEVEL2 [LEVEL3]]]: the levels are checked as
 * nginx's ngx_conf_set_path_slot does, and not kept (portico writes no temp tree). */
PT_SETTER(pt_conf_set_temp_path)
{
    const struct pt_conf_word *w = &node->words[1];
    uint32_t len = 0, levels = node->word_count - 2;
    const char *path;

    (void)row;
    if (w->len == 0)
        return pt_conf_bad_value(ld, node, w, "a directory path");
    for (uint32_t i = 2; i < node->word_count; i++) {
        uint64_t n;
        if (pt_conf_parse_number(node->words[i].text, node->words[i].len, &n) != PT_OK ||
            n < 1 || n > 10)
            return pt_conf_bad_value(ld, node, &node->words[i], "a directory level like 1 or 2");
        len += (uint32_t)n + 1;
    }
    if (len > 10 + levels)
        return pt_conf_bad_value(ld, node, &node->words[node->word_count - 1],
                                 "levels of at most 10 characters in all");
    path = pt_conf_prefixed(ld, w->text);
    if (!path)
        return PT_ERROR;
    *(const char **)field = path;
    return PT_OK;
}

/* valid=TIME or ipv6=on|off at w: 1 when it was one, 0 when not, -1 when bad. */
static int resolver_param(struct pt_conf_load *ld, const struct pt_conf_word *w,
                          struct pt_conf_resolver *r)
{
    if (strncmp(w->text, "valid=", 6) == 0) {
        if (memmem(w->text + 6, w->len - 6, "ms", 2) ||
            pt_conf_parse_time(w->text + 6, w->len - 6, &r->valid) != PT_OK)
            return pt_conf_fail(ld, w, "expected valid=TIME like 30s",
                                "invalid parameter: %s", pt_conf_show(ld, w->text, w->len)), -1;
        return 1;
    }
    if (strncmp(w->text, "ipv6=", 5) == 0) {
        if (strcmp(w->text + 5, "on") != 0 && strcmp(w->text + 5, "off") != 0)
            return pt_conf_fail(ld, w, "expected ipv6=on or ipv6=off",
                                "invalid parameter: %s", pt_conf_show(ld, w->text, w->len)), -1;
        r->ipv6 = w->text[6] == 'n';
        return 1;
    }
    return 0;
}

/* One name server address (port 53 unless written): a name gives all its addresses. */
static int resolver_address(struct pt_conf_load *ld, const struct pt_conf_word *w,
                            struct pt_conf_resolver *r)
{
    struct pt_conf_hostport hp;
    struct pt_conf_addr *addrs;
    struct sockaddr_storage *all;
    uint32_t count = 0;
    const char *err = pt_conf_parse_hostport(w->text, w->len, 53, 0, &hp);
    int rc;

    if (err)
        return pt_conf_fail(ld, w, NULL, "%s in resolver \"%s\"", err,
                            pt_conf_show(ld, w->text, w->len));
    rc = pt_conf_resolve(ld, &hp, &addrs, &count);
    if (rc == PT_AGAIN)
        return pt_conf_fail(ld, w, NULL, "host not found in resolver \"%s\"",
                            pt_conf_show(ld, w->text, w->len));
    if (rc != PT_OK)
        return PT_ERROR;
    all = pt_conf_alloc(ld, (r->addr_count + count) * sizeof(*all));
    if (!all)
        return PT_ERROR;
    if (r->addr_count)
        memcpy(all, r->addrs, r->addr_count * sizeof(*all));
    for (uint32_t i = 0; i < count; i++)
        all[r->addr_count + i] = addrs[i].ss;
    r->addrs = all;
    r->addr_count += count;
    return PT_OK;
}

/* resolver ADDRESS ... [valid=TIME] [ipv6=on|off] */
PT_SETTER(pt_conf_set_resolver)
{
    struct pt_conf_resolver *r = field;

    (void)row;
    r->addrs = NULL;
    r->addr_count = 0;
    r->valid = 0;
    r->ipv6 = 1;
    for (uint32_t i = 1; i < node->word_count; i++) {
        int param = resolver_param(ld, &node->words[i], r);
        if (param < 0)
            return PT_ERROR;
        if (!param && resolver_address(ld, &node->words[i], r) != PT_OK)
            return PT_ERROR;
    }
    if (r->addr_count == 0)
        return pt_conf_fail(ld, &node->words[0], NULL, "no name servers defined");
    return PT_OK;
}
