/* proxy/upstream_zone.c - upstream state in shared memory zones (upstream_zone.h).
 *
 * Entries are keyed "upstream.v1:GROUP" (the group's lock) and
 * "upstream.v1:GROUP/ADDRESS#N" (the N-th peer of that address in the group, N from 0,
 * so a server listed twice keeps two states). The "v1" names the layout of
 * struct pt_upstream_zone_peer: a future layout takes other keys rather than misreading
 * these. A peer that leaves the config keeps its entry (an old generation of workers may
 * still use it; it is found again if the peer comes back), so a zone holds every peer
 * its groups ever had: a few dozen bytes each. The peers of `server NAME resolve` lines
 * have no such entries: each line has a record, "upstream.v1:GROUP/resolve:NAME#N", of a
 * fixed size whatever its addresses do (proxy/upstream_resolved.c).
 */
#include "proxy/upstream_zone.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/shm.h"
#include "proxy/upstream_resolved.h"

struct pt_upstream_zone_group {
    struct pt_shm_mutex lock;
};

/* A worker's view of its group's shared state. */
struct pt_upstream_shared {
    struct pt_upstream_zone_group *group;
    struct pt_upstream_zone_peer **peers; /* up->peers' order */
};

/* What the master acquired for one config. */
struct pt_upstream_zones {
    uint32_t count;
    struct pt_shm_zone *zones[]; /* one per zoned group (a zone may repeat) */
};

#define KEY_MAX 512

static int group_key(char *key, const struct pt_conf_upstream *u)
{
    int n = snprintf(key, KEY_MAX, "upstream.v1:%s", u->name);

    return n > 0 && n < KEY_MAX ? 0 : -1;
}

/* The ordinal of peer i's address among the group's peers before it. */
static uint32_t peer_ordinal(const struct pt_conf_upstream *u, uint32_t i)
{
    uint32_t n = 0;

    for (uint32_t k = 0; k < i; k++)
        n += strcmp(u->peers[k].text, u->peers[i].text) == 0;
    return n;
}

static int peer_key(char *key, const struct pt_conf_upstream *u, uint32_t i)
{
    int n = snprintf(key, KEY_MAX, "upstream.v1:%s/%s#%u", u->name, u->peers[i].text,
                     peer_ordinal(u, i));

    return n > 0 && n < KEY_MAX ? 0 : -1;
}

static void init_group(void *p, void *arg)
{
    struct pt_upstream_zone_group *g = p;

    (void)arg;
    pt_shm_mutex_init(&g->lock);
}

static void init_peer(void *p, void *arg)
{
    struct pt_upstream_zone_peer *s = p;
    const struct pt_conf_peer *c = arg;

    s->effective_weight = c->weight ? c->weight : 1;
}

/* Finds or makes u's entries in z; peers[i] gets conf peer i's (peers may be NULL). The
 * resolve lines' peers have none: their state is in the lines' records, made here too
 * (and remembered in up, a worker's; NULL in the master). */
static int make_entries(struct pt_shm_zone *z, const struct pt_conf_upstream *u,
                        struct pt_upstream_zone_group **group,
                        struct pt_upstream_zone_peer **peers, struct pt_upstream *up)
{
    char key[KEY_MAX];
    struct pt_upstream_zone_group *g;

    if (group_key(key, u) != 0 ||
        (g = pt_shm_entry(z, key, sizeof(*g), init_group, NULL)) == NULL)
        return -1;
    if (group)
        *group = g;
    for (uint32_t i = 0; i < u->peer_count; i++) {
        struct pt_upstream_zone_peer *s;
        if (pt_upstream_resolved_peer(u, i))
            continue;
        if (peer_key(key, u, i) != 0 ||
            (s = pt_shm_entry(z, key, sizeof(*s), init_peer, &u->peers[i])) == NULL)
            return -1;
        if (peers)
            peers[i] = s;
    }
    return pt_upstream_resolve_lines(u) ? pt_upstream_records_make(z, u, up) : 0;
}

/* sh->peers in up->peers' order: the other lines' peers from their conf entries, the
 * dynamic places on the dummy until the first lock looks at the records. */
static int map_dynamic(struct pt_shm_zone *z, struct pt_upstream *up,
                       struct pt_upstream_shared *sh)
{
    const struct pt_conf_upstream *u = up->conf;
    struct pt_upstream_zone_peer **by_conf = calloc(u->peer_count ? u->peer_count : 1,
                                                    sizeof(*by_conf));
    uint32_t cap = pt_upstream_capacity(up);
    int rc = -1;

    if (by_conf == NULL || make_entries(z, u, &sh->group, by_conf, up) != 0)
        goto out;
    for (uint32_t i = 0; i < cap; i++) {
        const struct pt_conf_peer *c = i < up->peer_count ? up->peers[i].conf : NULL;
        if (c && c >= u->peers && c < u->peers + u->peer_count)
            sh->peers[i] = by_conf[c - u->peers];
        else
            sh->peers[i] = pt_upstream_dynamic_dummy(up);
    }
    rc = 0;
out:
    free(by_conf);
    return rc;
}

/* ---- the master ---------------------------------------------------------------------- */

static uint32_t zoned_groups(const struct pt_config *cfg)
{
    uint32_t n = 0;

    for (uint32_t i = 0; i < cfg->upstream_count; i++)
        n += cfg->upstreams[i]->zone != NULL;
    return n;
}

struct pt_upstream_zones *pt_upstream_zones_prepare(const struct pt_config *cfg, char *msg,
                                                    size_t cap)
{
    struct pt_upstream_zones *zs =
        calloc(1, sizeof(*zs) + zoned_groups(cfg) * sizeof(zs->zones[0]));

    if (zs == NULL) {
        snprintf(msg, cap, "out of memory preparing the shared memory zones");
        return NULL;
    }
    for (uint32_t i = 0; i < cfg->upstream_count; i++) {
        const struct pt_conf_upstream *u = cfg->upstreams[i];
        struct pt_shm_zone *z;
        int err = 0;

        if (u->zone == NULL)
            continue;
        z = pt_shm_zone_acquire(u->zone, (size_t)u->zone_size, NULL, &err);
        if (z == NULL) {
            snprintf(msg, cap, "mmap(MAP_ANONYMOUS|MAP_SHARED, %llu) failed for shared memory "
                     "zone \"%s\" (%d: %s)", (unsigned long long)u->zone_size, u->zone, -err,
                     strerror(-err));
            goto fail;
        }
        zs->zones[zs->count++] = z;
        if (make_entries(z, u, NULL, NULL, NULL) != 0) {
            snprintf(msg, cap, "no memory in upstream zone \"%s\" for upstream \"%s\": "
                     "the zone is too small", u->zone, u->name);
            goto fail;
        }
    }
    return zs;
fail:
    pt_upstream_zones_release(zs);
    return NULL;
}

void pt_upstream_zones_release(struct pt_upstream_zones *zs)
{
    if (zs == NULL)
        return;
    for (uint32_t i = 0; i < zs->count; i++)
        pt_shm_zone_release(zs->zones[i]);
    free(zs);
}

/* ---- a worker ------------------------------------------------------------------------ */

int pt_upstream_zone_attach(struct pt_upstream *up)
{
    const struct pt_conf_upstream *u = up->conf;
    struct pt_shm_zone *z = pt_shm_zone_find(u->zone, (size_t)u->zone_size);
    struct pt_upstream_shared *sh;

    if (z == NULL) {
        pt_log(PT_LOG_ALERT, "shared memory zone \"%s\" of upstream \"%s\" is not mapped: "
               "its state stays per worker", u->zone, u->name);
        return -1;
    }
    sh = calloc(1, sizeof(*sh));
    if (sh == NULL || (sh->peers = calloc(pt_upstream_capacity(up) ? pt_upstream_capacity(up)
                                                                    : 1,
                                          sizeof(*sh->peers))) == NULL)
        goto fail;
    if ((up->dyn ? map_dynamic(z, up, sh) : make_entries(z, u, &sh->group, sh->peers, NULL))
        != 0) {
        pt_log(PT_LOG_ALERT, "no room in shared memory zone \"%s\" for upstream \"%s\": its "
               "state stays per worker", u->zone, u->name);
        goto fail;
    }
    up->shared = sh;
    return 0;
fail:
    if (sh)
        free(sh->peers);
    free(sh);
    return -1;
}

void pt_upstream_zone_detach(struct pt_upstream *up)
{
    if (up->shared == NULL)
        return;
    free(up->shared->peers);
    free(up->shared);
    up->shared = NULL;
}

/* Copies in: health marks count only while the group has health_check (a reload that
 * drops it must not leave a peer out for good). */
static void pull(struct pt_upstream *up)
{
    uint8_t hc = up->conf->health_check.enabled;

    for (uint32_t i = 0; i < up->peer_count; i++) {
        struct pt_upstream_peer *p = &up->peers[i];
        const struct pt_upstream_zone_peer *s = up->shared->peers[i];

        p->current_weight = s->current_weight;
        p->effective_weight = s->effective_weight;
        p->active = s->active;
        p->fails = s->fails;
        p->window_start_ms = s->window_start_ms;
        p->down_until_ms = s->down_until_ms;
        p->up_since_ms = s->up_since_ms;
        p->unhealthy = hc && s->unhealthy;
    }
}

static void push(struct pt_upstream *up)
{
    for (uint32_t i = 0; i < up->peer_count; i++) {
        const struct pt_upstream_peer *p = &up->peers[i];
        struct pt_upstream_zone_peer *s = up->shared->peers[i];

        s->current_weight = p->current_weight;
        s->effective_weight = p->effective_weight;
        s->active = p->active;
        s->fails = p->fails;
        s->window_start_ms = p->window_start_ms;
        s->down_until_ms = p->down_until_ms;
        s->up_since_ms = p->up_since_ms;
    }
}

/* Takes the group's lock; a group with resolve lines then follows its records (sync 1),
 * so that every index used under the lock means what the records say. */
static int lock_group(struct pt_upstream *up, int sync)
{
    int rc = pt_shm_mutex_lock(&up->shared->group->lock);

    if (rc == 1)
        pt_log(PT_LOG_ALERT, "a worker died holding the lock of upstream \"%s\": taken over",
               up->conf->name);
    else if (rc < 0)
        pt_log(PT_LOG_ALERT, "locking upstream \"%s\" failed (%d: %s)", up->conf->name, -rc,
               strerror(-rc));
    if (rc >= 0 && sync && up->dyn)
        pt_upstream_dynamic_sync(up, up->shared->peers);
    return rc < 0 ? -1 : 0;
}

int pt_upstream_zone_lock(struct pt_upstream *up)
{
    if (lock_group(up, 1) != 0)
        return -1;
    pull(up);
    return 0;
}

void pt_upstream_zone_unlock(struct pt_upstream *up)
{
    push(up);
    pt_shm_mutex_unlock(&up->shared->group->lock);
}

int pt_upstream_zone_lock_bare(struct pt_upstream *up)
{
    return up->shared ? lock_group(up, 0) : -1;
}

void pt_upstream_zone_unlock_bare(struct pt_upstream *up)
{
    pt_shm_mutex_unlock(&up->shared->group->lock);
}

void pt_upstream_zone_refresh(struct pt_upstream *up)
{
    if (up->shared && lock_group(up, 1) == 0)
        pt_shm_mutex_unlock(&up->shared->group->lock);
}

/* ---- health ---------------------------------------------------------------------------- */

static enum pt_upstream_health_change health_locked(struct pt_upstream_zone_peer *s,
                                                    const struct pt_conf_health_check *hc,
                                                    int passed, uint64_t now_ms,
                                                    uint32_t *streak)
{
    if (passed) {
        s->hc_fails = 0;
        if (!s->unhealthy)
            return PT_HEALTH_SAME;
        *streak = ++s->hc_passes;
        if (s->hc_passes < hc->passes)
            return PT_HEALTH_SAME;
        s->unhealthy = 0;
        s->hc_passes = 0;
        s->up_since_ms = now_ms ? now_ms : 1; /* slow_start ramps it up from here */
        return PT_HEALTH_UP;
    }
    s->hc_passes = 0;
    if (s->unhealthy)
        return PT_HEALTH_SAME;
    *streak = ++s->hc_fails;
    if (s->hc_fails < hc->fails)
        return PT_HEALTH_SAME;
    s->unhealthy = 1;
    s->hc_fails = 0;
    s->up_since_ms = 0;
    return PT_HEALTH_DOWN;
}

enum pt_upstream_health_change pt_upstream_zone_health(struct pt_upstream *up, uint32_t i,
                                                       int passed, uint64_t now_ms,
                                                       uint32_t *streak)
{
    enum pt_upstream_health_change c;
    uint32_t dummy = 0;

    if (up->shared == NULL || i >= up->peer_count || lock_group(up, 1) != 0)
        return PT_HEALTH_SAME;
    c = health_locked(up->shared->peers[i], &up->conf->health_check, passed, now_ms,
                      streak ? streak : &dummy);
    pt_shm_mutex_unlock(&up->shared->group->lock);
    return c;
}
