/* config/proxy_checks.c - the reverse proxy's checks that need the whole config read.
 *
 * nginx makes them when it merges each level or initialises the upstreams, after
 * parsing: a zone named without a size must be given one by another upstream, and two
 * sizes for one zone conflict; `resolve` needs its group in a zone and a resolver at
 * http level (nginx >= 1.27.3's rules); `health_check` needs its group in a zone; and
 * the proxy buffers of every server and location must leave room for busy buffers
 * (ngx_http_proxy_merge_loc_conf's checks).
 * Messages are nginx's; they point at the group or the block the merged values fail in,
 * since the values may come from several levels. */
#include <string.h>

#include "config/blocks.h"
#include "config/upstream.h"
#include "core/pt_types.h"

static const struct pt_conf_upstream *zone_sized(const struct pt_config *cfg,
                                                 const struct pt_conf_upstream *u)
{
    for (uint32_t i = 0; i < cfg->upstream_count; i++) {
        const struct pt_conf_upstream *o = cfg->upstreams[i];
        if (o != u && o->zone && o->zone_size && strcmp(o->zone, u->zone) == 0)
            return o;
    }
    return NULL;
}

static int check_zones(struct pt_conf_load *ld)
{
    struct pt_config *cfg = ld->cfg;

    for (uint32_t i = 0; i < cfg->upstream_count; i++) {
        struct pt_conf_upstream *u = cfg->upstreams[i];
        const struct pt_conf_upstream *o;
        if (!u->zone)
            continue;
        o = zone_sized(cfg, u);
        if (u->zone_size && o && o->zone_size != u->zone_size && o->index < u->index)
            return pt_conf_fail_origin(ld, &u->origin, NULL, "the size %llu of shared memory "
                                       "zone \"%s\" conflicts with already declared size %llu",
                                       (unsigned long long)u->zone_size, u->zone,
                                       (unsigned long long)o->zone_size);
        if (!u->zone_size && !o)
            return pt_conf_fail_origin(ld, &u->origin, NULL,
                                       "zero size shared memory zone \"%s\"", u->zone);
    }
    for (uint32_t i = 0; i < cfg->upstream_count; i++) {
        struct pt_conf_upstream *u = cfg->upstreams[i];
        if (u->zone && !u->zone_size)
            u->zone_size = zone_sized(cfg, u)->zone_size;
    }
    return PT_OK;
}

static int check_resolve(struct pt_conf_load *ld)
{
    const struct pt_config *cfg = ld->cfg;

    for (uint32_t i = 0; i < cfg->upstream_count; i++) {
        const struct pt_conf_upstream *u = cfg->upstreams[i];
        for (uint32_t k = 0; k < u->server_count; k++) {
            const struct pt_conf_upstream_server *s = &u->servers[k];
            if (!s->resolve)
                continue;
            if (!u->zone)
                return pt_conf_fail_origin(ld, &s->origin, NULL, "resolving names at run time "
                                           "requires upstream \"%s\" to be in shared memory",
                                           u->name);
            if (cfg->http_values.proxy.resolver.addr_count == 0)
                return pt_conf_fail_origin(ld, &s->origin, NULL, "no resolver defined to "
                                           "resolve names at run time in upstream \"%s\"",
                                           u->name);
        }
    }
    return PT_OK;
}

/* health_check keeps its state where every worker sees it: nginx (Plus) requires the
 * group to be in a zone, and so does portico. Plus's wording is not public: the message
 * follows nginx's for `resolve` above. */
static int check_health(struct pt_conf_load *ld)
{
    const struct pt_config *cfg = ld->cfg;

    for (uint32_t i = 0; i < cfg->upstream_count; i++) {
        const struct pt_conf_upstream *u = cfg->upstreams[i];
        if (u->health_check.enabled && !u->zone)
            return pt_conf_fail_origin(ld, &u->health_check.origin,
                                       "expected: zone NAME SIZE; in the upstream block",
                                       "health checks require upstream \"%s\" to be in "
                                       "shared memory", u->name);
    }
    return PT_OK;
}

/* One level's merged proxy buffers, as ngx_http_proxy_merge_loc_conf checks them. */
static int check_buffers(struct pt_conf_load *ld, const struct pt_conf_proxy *p,
                         const struct pt_conf_origin *at)
{
    uint64_t size = p->buffer_size > p->buffers.size ? p->buffer_size : p->buffers.size;
    uint64_t busy = p->busy_buffers_size ? p->busy_buffers_size : 2 * size;

    if (p->buffers.num < 2)
        return pt_conf_fail_origin(ld, at, NULL, "there must be at least 2 \"proxy_buffers\"");
    if (busy < size)
        return pt_conf_fail_origin(ld, at, NULL, "\"proxy_busy_buffers_size\" must be equal "
                                   "to or greater than the maximum of the value of "
                                   "\"proxy_buffer_size\" and one of the \"proxy_buffers\"");
    if (busy > (uint64_t)(p->buffers.num - 1) * p->buffers.size)
        return pt_conf_fail_origin(ld, at, "expected: proxy_busy_buffers_size (by default twice "
                                   "the larger of proxy_buffer_size and one of proxy_buffers) "
                                   "at most (number - 1) * size of proxy_buffers",
                                   "\"proxy_busy_buffers_size\" must be less than the size of "
                                   "all \"proxy_buffers\" minus one buffer");
    return PT_OK;
}

/* A level's proxy values made final: "off" in proxy_next_upstream wins. */
static void finish_values(struct pt_conf_proxy *p)
{
    if (p->next_upstream & PT_CONF_NEXT_OFF)
        p->next_upstream = 0;
}

static int finish_locations(struct pt_conf_load *ld, struct pt_conf_location **locs,
                            uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) {
        struct pt_conf_location *l = locs[i];
        finish_values(&l->values.proxy);
        if (check_buffers(ld, &l->values.proxy, &l->origin) != PT_OK ||
            finish_locations(ld, l->children, l->child_count) != PT_OK)
            return PT_ERROR;
    }
    return PT_OK;
}

int pt_conf_proxy_finish(struct pt_conf_load *ld)
{
    struct pt_config *cfg = ld->cfg;

    if (check_zones(ld) != PT_OK || check_resolve(ld) != PT_OK ||
        check_health(ld) != PT_OK)
        return PT_ERROR;
    finish_values(&cfg->http_values.proxy);
    for (uint32_t i = 0; i < cfg->server_count; i++) {
        struct pt_conf_server *s = cfg->servers[i];
        finish_values(&s->values.proxy);
        if (check_buffers(ld, &s->values.proxy, &s->origin) != PT_OK ||
            finish_locations(ld, s->locations, s->location_count) != PT_OK)
            return PT_ERROR;
    }
    return PT_OK;
}
