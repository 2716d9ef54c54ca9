/* config/upstream.c - `upstream NAME { ... }` and the groups proxy_pass points at.
 *
 * nginx's rules and messages: a name twice is a "duplicate upstream", a block with no
 * server is refused, hash and ip_hash take no backup server, and a group needs at least
 * one server that is not a backup. Unlike nginx, where a balancing method only refuses
 * the parameters of the servers written after it, the check runs once the block is
 * read, so the order of lines does not matter. An implicit group (proxy_pass to a
 * host:port that names no block) is made once per host and port and shared, with the
 * same keep-alive defaults as a block (nginx 1.29.7's). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config/setters.h"
#include "config/upstream.h"
#include "config/values.h"
#include "config/variables.h"
#include "core/pt_types.h"

#define DEFAULT_WEIGHT 1
#define DEFAULT_MAX_FAILS 1
#define DEFAULT_FAIL_TIMEOUT 10000

/* Appends u to cfg->upstreams (index = position). */
static int add_group(struct pt_conf_load *ld, struct pt_conf_upstream_b *ub)
{
    struct pt_config *cfg = ld->cfg;

    if (cfg->upstream_count == ld->upstream_cap) {
        uint32_t cap = ld->upstream_cap ? ld->upstream_cap * 2 : 8;
        struct pt_conf_upstream **grown = pt_conf_alloc(ld, cap * sizeof(*grown));
        if (!grown)
            return PT_ERROR;
        if (cfg->upstream_count)
            memcpy(grown, cfg->upstreams, cfg->upstream_count * sizeof(*grown));
        cfg->upstreams = grown;
        ld->upstream_cap = cap;
    }
    ub->pub.index = cfg->upstream_count;
    cfg->upstreams[cfg->upstream_count++] = &ub->pub;
    return PT_OK;
}

/* A group with the upstream rows' defaults (keepalive 32 local, 60s, 1000, 1h). */
static struct pt_conf_upstream_b *new_group(struct pt_conf_load *ld, const char *name,
                                            const struct pt_conf_word *at)
{
    struct pt_conf_upstream_b *ub = pt_conf_alloc(ld, sizeof(*ub));

    if (!ub)
        return NULL;
    ub->pub.name = name;
    ub->pub.origin = pt_conf_origin_of(ld, at);
    for (uint32_t i = 0; i < pt_conf_row_count; i++) {
        const struct pt_conf_row *row = &pt_conf_rows[i];
        if (row->target == PT_TARGET_UPSTREAM && row->def &&
            pt_conf_apply_default(ld, row, &ub->pub) != PT_OK)
            return NULL;
    }
    return add_group(ld, ub) == PT_OK ? ub : NULL;
}

static int is_upstream_block(const struct pt_conf_node *n)
{
    return strcmp(n->words[0].text, "upstream") == 0 && n->is_block && n->word_count == 2;
}

static struct pt_conf_upstream_b *find_block(struct pt_conf_load *ld, const char *name,
                                             uint32_t len)
{
    for (uint32_t i = 0; i < ld->cfg->upstream_count; i++) {
        struct pt_conf_upstream_b *ub = (struct pt_conf_upstream_b *)ld->cfg->upstreams[i];
        if (ub->node && strlen(ub->pub.name) == len && strncasecmp(ub->pub.name, name, len) == 0)
            return ub;
    }
    return NULL;
}

struct pt_conf_upstream *pt_conf_upstream_find(struct pt_conf_load *ld, const char *name,
                                               uint32_t len)
{
    struct pt_conf_upstream_b *ub = find_block(ld, name, len);

    return ub ? &ub->pub : NULL;
}

int pt_conf_upstreams_declare(struct pt_conf_load *ld, const struct pt_conf_node *first)
{
    for (const struct pt_conf_node *n = first; n; n = n->next) {
        struct pt_conf_upstream_b *ub;
        if (!is_upstream_block(n) || find_block(ld, n->words[1].text, n->words[1].len))
            continue;
        ub = new_group(ld, n->words[1].text, &n->words[1]);
        if (!ub)
            return PT_ERROR;
        ub->node = n;
        for (const struct pt_conf_node *c = n->children; c; c = c->next)
            ub->server_cap += strcmp(c->words[0].text, "server") == 0;
        ub->pub.servers = pt_conf_alloc(ld, (ub->server_cap + 1) * sizeof(*ub->pub.servers));
        if (!ub->pub.servers)
            return PT_ERROR;
    }
    return PT_OK;
}

/* ---- server ADDRESS [PARAMETERS] ---- */

/* Parameters of nginx's server line that portico does not implement yet. */
static const char *const nginx_only_params[] = {
    "max_conns=", "route=", "service=", "drain", NULL,
};

static int param_value(const struct pt_conf_word *w, const char *name, const char **v,
                       uint32_t *len)
{
    size_t n = strlen(name);

    if (strncmp(w->text, name, n) != 0)
        return 0;
    *v = w->text + n;
    *len = w->len - (uint32_t)n;
    return 1;
}

/* A time in seconds as nginx's ngx_parse_time(s, 1) takes it: no "ms". */
static int parse_seconds(const char *v, uint32_t len, pt_msec_t *out)
{
    if (memmem(v, len, "ms", 2))
        return PT_ERROR;
    return pt_conf_parse_time(v, len, out);
}

static int invalid_param(struct pt_conf_load *ld, const struct pt_conf_word *w)
{
    return pt_conf_fail(ld, w, NULL, "invalid parameter \"%s\"",
                        pt_conf_show(ld, w->text, w->len));
}

/* A number from min to UINT32_MAX. */
static int read_u32(const char *v, uint32_t len, uint64_t min, uint32_t *out)
{
    uint64_t n;

    if (pt_conf_parse_number(v, len, &n) != PT_OK || n < min || n > UINT32_MAX)
        return PT_ERROR;
    *out = (uint32_t)n;
    return PT_OK;
}

static int nginx_only_param(const struct pt_conf_word *w)
{
    for (const char *const *o = nginx_only_params; *o; o++) {
        size_t k = strlen(*o);
        if ((*o)[k - 1] == '=' ? strncmp(w->text, *o, k) == 0 : strcmp(w->text, *o) == 0)
            return 1;
    }
    return 0;
}

/* One parameter of a server line into peer p (and resolve into *resolve). */
static int server_param(struct pt_conf_load *ld, const struct pt_conf_word *w,
                        struct pt_conf_peer *p, uint8_t *resolve)
{
    const char *v;
    uint32_t len;
    int rc = PT_OK;

    if (param_value(w, "weight=", &v, &len))
        rc = read_u32(v, len, 1, &p->weight);
    else if (param_value(w, "max_fails=", &v, &len))
        rc = read_u32(v, len, 0, &p->max_fails);
    else if (param_value(w, "fail_timeout=", &v, &len))
        rc = parse_seconds(v, len, &p->fail_timeout);
    else if (param_value(w, "slow_start=", &v, &len))
        rc = parse_seconds(v, len, &p->slow_start);
    else if (strcmp(w->text, "backup") == 0)
        p->backup = 1;
    else if (strcmp(w->text, "down") == 0)
        p->down = 1;
    else if (strcmp(w->text, "resolve") == 0)
        *resolve = 1;
    else if (nginx_only_param(w))
        return pt_conf_fail(ld, w, NULL, "server parameter \"%s\" is an nginx feature "
                            "portico does not support yet", pt_conf_show(ld, w->text, w->len));
    else
        rc = PT_ERROR;
    return rc == PT_OK ? PT_OK : invalid_param(ld, w);
}

/* Appends one peer per address of the line, each with the line's settings. */
static int add_peers(struct pt_conf_load *ld, struct pt_conf_upstream *u,
                     const struct pt_conf_peer *tmpl, const struct pt_conf_addr *addrs,
                     uint32_t count)
{
    struct pt_conf_peer *peers = pt_conf_alloc(ld, (u->peer_count + count + 1) * sizeof(*peers));

    if (!peers)
        return PT_ERROR;
    if (u->peer_count)
        memcpy(peers, u->peers, u->peer_count * sizeof(*peers));
    for (uint32_t i = 0; i < count; i++) {
        struct pt_conf_peer *p = &peers[u->peer_count + i];
        *p = *tmpl;
        p->addr = addrs[i].ss;
        p->addr_len = addrs[i].len;
        p->text = pt_conf_addr_text(ld, &addrs[i]);
        if (!p->text)
            return PT_ERROR;
    }
    u->peers = peers;
    u->peer_count += count;
    return PT_OK;
}

/* Fills server s from the address word; hp gets the split address. */
static int server_address(struct pt_conf_load *ld, const struct pt_conf_word *w,
                          struct pt_conf_upstream_server *s, struct pt_conf_hostport *hp)
{
    const char *err;
    uint32_t skip;

    if (strncmp(w->text, "unix:", 5) == 0)
        return pt_conf_fail(ld, w, "expected an address like 10.0.0.1:8080, app:8080 or "
                            "[::1]:8080", "\"server unix:\" is an nginx feature portico does "
                            "not support yet");
    err = pt_conf_parse_hostport(w->text, w->len, 80, 0, hp);
    if (err)
        return pt_conf_fail(ld, w, NULL, "%s in upstream \"%s\"", err,
                            pt_conf_show(ld, w->text, w->len));
    skip = hp->ipv6 ? 1 : 0;
    s->name = w->text;
    s->host = pt_conf_strdup(ld, hp->host + skip, hp->host_len - 2 * skip);
    s->port = hp->port;
    s->origin = pt_conf_origin_of(ld, w);
    return s->host ? PT_OK : PT_ERROR;
}

PT_SETTER(pt_conf_set_upstream_server)
{
    struct pt_conf_upstream_b *ub = ld->scope->upstream;
    struct pt_conf_upstream *u = &ub->pub;
    struct pt_conf_upstream_server *s;
    struct pt_conf_peer tmpl = {.weight = DEFAULT_WEIGHT, .max_fails = DEFAULT_MAX_FAILS,
                                .fail_timeout = DEFAULT_FAIL_TIMEOUT};
    struct pt_conf_hostport hp;
    struct pt_conf_addr *addrs = NULL;
    uint32_t count = 0;
    int rc;

    (void)row;
    (void)field;
    if (u->server_count == ub->server_cap)
        return pt_conf_fail_plain(ld, "internal error: upstream server count");
    s = &u->servers[u->server_count];
    /* nginx's order: the parameters, then the address */
    for (uint32_t i = 2; i < node->word_count; i++) {
        if (server_param(ld, &node->words[i], &tmpl, &s->resolve) != PT_OK)
            return PT_ERROR;
    }
    if (server_address(ld, &node->words[1], s, &hp) != PT_OK)
        return PT_ERROR;
    tmpl.name = s->name;
    tmpl.server = u->server_count++;
    s->params = tmpl;
    rc = pt_conf_resolve(ld, &hp, &addrs, &count);
    if (rc == PT_AGAIN && s->resolve)
        return PT_OK; /* found later, at run time, through `resolver` */
    if (rc == PT_AGAIN)
        return pt_conf_fail(ld, &node->words[1], NULL, "host not found in upstream \"%s\"",
                            pt_conf_show(ld, node->words[1].text, node->words[1].len));
    return rc == PT_OK ? add_peers(ld, u, &tmpl, addrs, count) : PT_ERROR;
}

/* ---- keepalive, balancers, zone, health_check ---- */

/* keepalive CONNECTIONS [local]: 0 turns keep-alive off (nginx 1.29.7). */
PT_SETTER(pt_conf_set_upstream_keepalive)
{
    struct pt_conf_upstream *u = field;
    const struct pt_conf_word *w = &node->words[1];
    uint64_t n;

    (void)row;
    if (pt_conf_parse_number(w->text, w->len, &n) != PT_OK || n > UINT32_MAX)
        return pt_conf_bad_value(ld, node, w, "a number of connections, 0 for none");
    if (node->word_count > 2 && strcmp(node->words[2].text, "local") != 0)
        return invalid_param(ld, &node->words[2]);
    u->keepalive = (uint32_t)n;
    u->keepalive_local = node->word_count > 2;
    return PT_OK;
}

/* least_conn | ip_hash | hash KEY [consistent] */
PT_SETTER(pt_conf_set_upstream_balancer)
{
    struct pt_conf_upstream *u = field;
    const char *name = node->words[0].text;

    (void)row;
    u->hash_consistent = 0;
    u->hash_key = (struct pt_conf_complex){0};
    if (strcmp(name, "least_conn") == 0) {
        u->balancer = PT_BALANCE_LEAST_CONN;
        return PT_OK;
    }
    if (strcmp(name, "ip_hash") == 0) {
        u->balancer = PT_BALANCE_IP_HASH;
        return PT_OK;
    }
    if (node->word_count > 2 && strcmp(node->words[2].text, "consistent") != 0)
        return invalid_param(ld, &node->words[2]);
    u->balancer = PT_BALANCE_HASH;
    u->hash_consistent = node->word_count > 2;
    return pt_conf_compile_complex(ld, &node->words[1], &u->hash_key);
}

#define ZONE_MIN (8 * 4096) /* nginx: eight pages */

/* zone NAME [SIZE]: without a size, a zone another upstream gives one (proxy_checks.c). */
PT_SETTER(pt_conf_set_upstream_zone)
{
    struct pt_conf_upstream *u = field;
    const struct pt_conf_word *name = &node->words[1];
    uint64_t size = 0;

    (void)row;
    if (name->len == 0)
        return pt_conf_bad_value(ld, node, name, "a zone name");
    if (node->word_count > 2) {
        const struct pt_conf_word *w = &node->words[2];
        if (pt_conf_parse_size(w->text, w->len, &size) != PT_OK)
            return pt_conf_fail(ld, w, NULL, "invalid zone size \"%s\"",
                                pt_conf_show(ld, w->text, w->len));
        if (size < ZONE_MIN)
            return pt_conf_fail(ld, w, NULL, "zone \"%s\" is too small",
                                pt_conf_show(ld, name->text, name->len));
    }
    u->zone = name->text;
    u->zone_size = size;
    return PT_OK;
}

static int health_param(struct pt_conf_load *ld, const struct pt_conf_word *w,
                        struct pt_conf_health_check *hc)
{
    const char *v;
    uint32_t len;
    int rc = PT_OK;

    if (param_value(w, "interval=", &v, &len))
        rc = pt_conf_parse_time(v, len, &hc->interval) == PT_OK && hc->interval > 0
                 ? PT_OK : PT_ERROR;
    else if (param_value(w, "fails=", &v, &len))
        rc = read_u32(v, len, 1, &hc->fails);
    else if (param_value(w, "passes=", &v, &len))
        rc = read_u32(v, len, 1, &hc->passes);
    else if (param_value(w, "uri=", &v, &len)) {
        hc->uri = v;
        rc = len > 0 && v[0] == '/' ? PT_OK : PT_ERROR;
    }
    else if (param_value(w, "match=", &v, &len) && strcmp(v, "status") != 0)
        return pt_conf_fail(ld, w, "expected match=status: a 2xx or 3xx answer is healthy",
                            "\"health_check\" match blocks are not supported yet");
    else if (strncmp(w->text, "match=", 6) != 0)
        rc = PT_ERROR;
    return rc == PT_OK ? PT_OK : invalid_param(ld, w);
}

/* health_check [interval=T] [fails=N] [passes=N] [uri=PATH] [match=status] */
PT_SETTER(pt_conf_set_health_check)
{
    struct pt_conf_health_check *hc = field;

    (void)row;
    *hc = (struct pt_conf_health_check){.enabled = 1, .interval = 5000, .fails = 1,
                                        .passes = 1, .uri = "/"};
    hc->origin = pt_conf_origin_of(ld, &node->words[0]);
    for (uint32_t i = 1; i < node->word_count; i++) {
        if (health_param(ld, &node->words[i], hc) != PT_OK)
            return PT_ERROR;
    }
    return PT_OK;
}

/* ---- the block ---- */

/* The word of a server line's parameter named param (prefix when it ends in '='). */
static const struct pt_conf_word *server_word(const struct pt_conf_node *block,
                                              const char *param)
{
    size_t n = strlen(param);

    for (const struct pt_conf_node *c = block->children; c; c = c->next) {
        if (strcmp(c->words[0].text, "server") != 0)
            continue;
        for (uint32_t i = 2; i < c->word_count; i++) {
            const char *t = c->words[i].text;
            if (param[n - 1] == '=' ? strncmp(t, param, n) == 0 : strcmp(t, param) == 0)
                return &c->words[i];
        }
    }
    return NULL;
}

/* nginx's checks on a block read whole. */
static int check_block(struct pt_conf_load *ld, const struct pt_conf_node *node,
                       const struct pt_conf_upstream *u)
{
    uint32_t primaries = 0;

    if (u->server_count == 0)
        return pt_conf_fail(ld, &node->words[0], NULL, "no servers are inside upstream");
    if (u->balancer == PT_BALANCE_HASH || u->balancer == PT_BALANCE_IP_HASH) {
        static const char *const refused[] = {"backup", "slow_start=", NULL};
        for (const char *const *p = refused; *p; p++) {
            const struct pt_conf_word *w = server_word(node, *p);
            if (w)
                return pt_conf_fail(ld, w, NULL, "balancing method does not support "
                                    "parameter \"%s\"", pt_conf_show(ld, w->text, w->len));
        }
    }
    for (const struct pt_conf_node *c = node->children; c; c = c->next) {
        int backup = 0;
        if (strcmp(c->words[0].text, "server") != 0)
            continue;
        for (uint32_t i = 2; i < c->word_count; i++)
            backup |= strcmp(c->words[i].text, "backup") == 0;
        primaries += !backup;
    }
    if (primaries == 0)
        return pt_conf_fail(ld, &node->words[1], NULL, "no servers in upstream \"%s\"",
                            pt_conf_show(ld, node->words[1].text, node->words[1].len));
    return PT_OK;
}

/* upstream NAME { ... } */
PT_SETTER(pt_conf_set_upstream)
{
    const struct pt_conf_word *name = &node->words[1];
    struct pt_conf_upstream_b *ub = find_block(ld, name->text, name->len);
    struct pt_conf_scope scope = {.ctx = PT_CTX_UPSTREAM};

    (void)row;
    (void)field;
    if (!ub || ub->node != node)
        return pt_conf_fail(ld, name, NULL, "duplicate upstream \"%s\"",
                            pt_conf_show(ld, name->text, name->len));
    scope.set = &ub->set;
    scope.upstream = ub;
    if (pt_conf_walk(ld, node->children, &scope) != PT_OK)
        return PT_ERROR;
    return check_block(ld, node, &ub->pub);
}

/* ---- implicit groups ---- */

static struct pt_conf_upstream_b *find_implicit(struct pt_conf_load *ld,
                                                const struct pt_conf_hostport *hp)
{
    for (uint32_t i = 0; i < ld->cfg->upstream_count; i++) {
        struct pt_conf_upstream_b *ub = (struct pt_conf_upstream_b *)ld->cfg->upstreams[i];
        if (!ub->node && ub->port == hp->port && ub->host_len == hp->host_len &&
            strncasecmp(ub->pub.name, hp->host, hp->host_len) == 0)
            return ub;
    }
    return NULL;
}

/* "host:port" for the group's name, the port always written. */
static char *implicit_name(struct pt_conf_load *ld, const struct pt_conf_hostport *hp)
{
    char *name = pt_conf_alloc(ld, hp->host_len + 8);

    if (!name)
        return NULL;
    memcpy(name, hp->host, hp->host_len);
    snprintf(name + hp->host_len, 8, ":%u", hp->port);
    return name;
}

static int fill_implicit(struct pt_conf_load *ld, struct pt_conf_upstream_b *ub,
                         const struct pt_conf_hostport *hp, const struct pt_conf_word *url)
{
    struct pt_conf_upstream_server *s = pt_conf_alloc(ld, sizeof(*s));
    struct pt_conf_peer tmpl = {.weight = DEFAULT_WEIGHT, .max_fails = DEFAULT_MAX_FAILS,
                                .fail_timeout = DEFAULT_FAIL_TIMEOUT};
    uint32_t skip = hp->ipv6 ? 1 : 0, count = 0;
    struct pt_conf_addr *addrs = NULL;
    int rc;

    if (!s)
        return PT_ERROR;
    s->name = pt_conf_strdup(ld, hp->host, (size_t)(hp->port_text ? hp->port_text + hp->port_len
                                                                  - hp->host : hp->host_len));
    s->host = pt_conf_strdup(ld, hp->host + skip, hp->host_len - 2 * skip);
    s->port = hp->port;
    s->origin = pt_conf_origin_of(ld, url);
    if (!s->name || !s->host)
        return PT_ERROR;
    ub->pub.servers = s;
    ub->pub.server_count = 1;
    tmpl.name = s->name;
    s->params = tmpl;
    rc = pt_conf_resolve(ld, hp, &addrs, &count);
    if (rc == PT_AGAIN)
        return pt_conf_fail(ld, url, NULL, "host not found in upstream \"%s\"",
                            pt_conf_show(ld, hp->host, hp->host_len));
    return rc == PT_OK ? add_peers(ld, &ub->pub, &tmpl, addrs, count) : PT_ERROR;
}

struct pt_conf_upstream *pt_conf_upstream_implicit(struct pt_conf_load *ld,
                                                   const struct pt_conf_hostport *hp,
                                                   const struct pt_conf_word *url)
{
    struct pt_conf_upstream_b *ub = find_implicit(ld, hp);
    char *name;

    if (ub)
        return &ub->pub;
    name = implicit_name(ld, hp);
    ub = name ? new_group(ld, name, url) : NULL;
    if (!ub)
        return NULL;
    ub->pub.implicit = 1;
    ub->port = hp->port;
    ub->host_len = hp->host_len;
    return fill_implicit(ld, ub, hp, url) == PT_OK ? &ub->pub : NULL;
}
