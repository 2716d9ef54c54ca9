/* proxy/routing.c - the per-snapshot routing side table (routing.h). */
#include "proxy/routing.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/log.h"
#include "proxy/request.h"

enum entry_kind { ENTRY_NAMES = 1, ENTRY_REGEX };

/* Config struct address -> what routing built for it. Open addressing, at most half
 * full; entries are few (listeners + regex locations) and read on every request. */
struct entry {
    const void *key; /* NULL: empty slot */
    void *val;
    enum entry_kind kind;
};

struct pt_routing {
    const struct pt_config *cfg;
    struct entry *slots;
    uint32_t mask;
};

static uint32_t hash_ptr(const void *p)
{
    uint64_t x = (uint64_t)(uintptr_t)p;
    x = (x ^ (x >> 33)) * 0xff51afd7ed558ccdull; /* murmur3's finaliser */
    return (uint32_t)(x ^ (x >> 33));
}

static struct entry *slot_of(const struct pt_routing *rt, const void *key)
{
    uint32_t i = hash_ptr(key) & rt->mask;

    while (rt->slots[i].key && rt->slots[i].key != key)
        i = (i + 1) & rt->mask;
    return &rt->slots[i];
}

static void *lookup(const struct pt_routing *rt, const void *key)
{
    return slot_of(rt, key)->val;
}

static void put(struct pt_routing *rt, const void *key, void *val, enum entry_kind kind)
{
    *slot_of(rt, key) = (struct entry){key, val, kind};
}

static uint32_t count_regex_locations(struct pt_conf_location *const *locs, uint32_t n)
{
    uint32_t count = 0;

    for (uint32_t i = 0; i < n; i++)
        count += (locs[i]->match == PT_LOC_REGEX || locs[i]->match == PT_LOC_REGEX_CASELESS) +
                 count_regex_locations(locs[i]->children, locs[i]->child_count);
    return count;
}

/* Compiles pattern for key, or fills err at origin ("invalid regex ..."). */
static int add_regex(struct pt_routing *rt, const void *key, const char *pattern,
                     uint32_t len, int caseless, const struct pt_conf_origin *origin,
                     char *err, size_t errlen)
{
    char msg[300], text[400];
    struct pt_regex *re = pt_regex_new(pattern, len, caseless, msg, sizeof(msg));

    if (re == NULL) {
        snprintf(text, sizeof(text), "invalid regex \"%.*s\": %s", (int)len, pattern, msg);
        pt_config_error_at(rt->cfg, origin, pattern, len, text, err, errlen);
        return -1;
    }
    put(rt, key, re, ENTRY_REGEX);
    return 0;
}

static int add_locations(struct pt_routing *rt, struct pt_conf_location *const *locs,
                         uint32_t n, char *err, size_t errlen)
{
    for (uint32_t i = 0; i < n; i++) {
        const struct pt_conf_location *loc = locs[i];
        int caseless = loc->match == PT_LOC_REGEX_CASELESS;
        if ((loc->match == PT_LOC_REGEX || caseless) &&
            add_regex(rt, loc, loc->pattern, loc->pattern_len, caseless, &loc->origin, err,
                      errlen) != 0)
            return -1;
        if (add_locations(rt, loc->children, loc->child_count, err, errlen) != 0)
            return -1;
    }
    return 0;
}

/* Every map's regex keys, keyed by the struct pt_conf_map_regex. */
static int add_map_regexes(struct pt_routing *rt, char *err, size_t errlen)
{
    for (const struct pt_conf_map *m = rt->cfg->maps; m; m = m->next) {
        for (uint32_t i = 0; i < m->regex_count; i++) {
            const struct pt_conf_map_regex *mr = &m->regexes[i];
            if (add_regex(rt, mr, mr->pattern, mr->pattern_len, mr->caseless, &mr->origin, err,
                          errlen) != 0)
                return -1;
        }
    }
    return 0;
}

static int init_slots(struct pt_routing *rt)
{
    const struct pt_config *cfg = rt->cfg;
    uint32_t n = cfg->listener_count, size = 16;

    for (uint32_t i = 0; i < cfg->server_count; i++)
        n += count_regex_locations(cfg->servers[i]->locations, cfg->servers[i]->location_count);
    for (const struct pt_conf_map *m = cfg->maps; m; m = m->next)
        n += m->regex_count;
    while (size < n * 2)
        size *= 2;
    rt->slots = calloc(size, sizeof(*rt->slots));
    rt->mask = size - 1;
    return rt->slots ? 0 : -1;
}

struct pt_routing *pt_routing_new(const struct pt_config *cfg, char *err, size_t errlen)
{
    struct pt_routing *rt = calloc(1, sizeof(*rt));

    if (rt == NULL || (rt->cfg = cfg, init_slots(rt)) != 0) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    for (uint32_t i = 0; i < cfg->listener_count; i++) {
        struct pt_server_names *sn = pt_server_names_new(cfg, cfg->listeners[i], err,
                                                            errlen);
        if (sn == NULL)
            goto fail;
        put(rt, cfg->listeners[i], sn, ENTRY_NAMES);
    }
    for (uint32_t i = 0; i < cfg->server_count; i++)
        if (add_locations(rt, cfg->servers[i]->locations, cfg->servers[i]->location_count, err,
                          errlen) != 0)
            goto fail;
    if (add_map_regexes(rt, err, errlen) != 0)
        goto fail;
    return rt;
fail:
    pt_routing_free(rt);
    return NULL;
}

void pt_routing_free(struct pt_routing *rt)
{
    if (rt == NULL)
        return;
    for (uint32_t i = 0; rt->slots && i <= rt->mask; i++) {
        if (rt->slots[i].kind == ENTRY_NAMES)
            pt_server_names_free(rt->slots[i].val);
        else if (rt->slots[i].kind == ENTRY_REGEX)
            pt_regex_free(rt->slots[i].val);
    }
    free(rt->slots);
    free(rt);
}

int pt_routing_check(const struct pt_config *cfg, char *err, size_t errlen)
{
    struct pt_routing *rt = pt_routing_new(cfg, err, errlen);

    pt_routing_free(rt);
    return rt ? 0 : -1;
}

const struct pt_routing *pt_routing_for(const struct pt_config *cfg)
{
    static struct pt_routing *current;
    char err[512];

    if (current && current->cfg == cfg)
        return current;
    pt_routing_free(current);
    current = pt_routing_new(cfg, err, sizeof(err));
    if (current == NULL)
        pt_log(PT_LOG_EMERG, "%s", err);
    return current;
}

const struct pt_server_names *pt_routing_names(const struct pt_routing *rt,
                                               const struct pt_conf_listener *l)
{
    return lookup(rt, l);
}

const struct pt_regex *pt_routing_regex(const struct pt_routing *rt,
                                        const struct pt_conf_location *loc)
{
    return lookup(rt, loc);
}

const struct pt_regex *pt_routing_map_regex(const struct pt_routing *rt,
                                            const struct pt_conf_map_regex *mr)
{
    return lookup(rt, mr);
}

long pt_request_capture(const struct pt_request *r, unsigned n, const char **out)
{
    size_t len;

    if (r->loc_caps.re)
        return pt_captures_get(&r->loc_caps, pt_request_uri(r, &len), n, out);
    return pt_captures_get(&r->server_caps, r->host, n, out);
}

long pt_request_capture_named(const struct pt_request *r, const char *name, size_t len,
                              const char **out)
{
    size_t ulen;
    int n;

    if (r->loc_caps.re && (n = pt_regex_group(r->loc_caps.re, name, len)) > 0)
        return pt_captures_get(&r->loc_caps, pt_request_uri(r, &ulen), (uint32_t)n, out);
    if (r->server_caps.re && (n = pt_regex_group(r->server_caps.re, name, len)) > 0)
        return pt_captures_get(&r->server_caps, r->host, (uint32_t)n, out);
    return -1;
}
