/* proxy/upstream_zone.h - upstream state shared by all workers: nginx's `zone NAME SIZE`
 * in an upstream block.
 *
 * The master acquires the zones a config names when it loads it (core/shm.h keeps a zone
 * across reloads by name and size) and makes each zoned group's entries there: one lock
 * per group, and per peer the balancer and health state of proxy/upstream.h (weights,
 * active count, passive failures, slow_start's start, active health). Peers are keyed by
 * group name and address, so a reload that keeps a peer keeps its state, and the old and
 * the new generation of workers share it while both run.
 *
 * A worker's struct pt_upstream keeps its own array of peers, which the balancers work
 * on unchanged: with a zone, pt_upstream_pick and pt_upstream_done take the group's lock,
 * copy the shared state in, decide, and copy it back (proxy/upstream.c). A group without
 * a zone never comes here: no lock, no copy. The peers of `server NAME resolve` lines live
 * in records of their own (proxy/upstream_resolved.h); a group with any brings its peers
 * up to them each time it takes the lock, before copying in.
 */
#ifndef PT_PROXY_UPSTREAM_ZONE_H
#define PT_PROXY_UPSTREAM_ZONE_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "proxy/upstream.h"

/* One peer's state in a zone (no pointers: every generation's workers read it). */
struct pt_upstream_zone_peer {
    int64_t current_weight;
    int64_t effective_weight;
    uint32_t active;
    uint32_t fails;
    uint64_t window_start_ms;
    uint64_t down_until_ms;
    uint64_t up_since_ms;
    uint32_t hc_fails;  /* health checks failed in a row while healthy */
    uint32_t hc_passes; /* health checks passed in a row while unhealthy */
    uint8_t unhealthy;  /* health_check took it out of rotation */
};

struct pt_upstream_zones;

/* In the master, at a config load: acquires every zone cfg names and makes every zoned
 * group's entries. NULL with msg filled (nginx's wording) when a zone cannot be mapped or
 * is full; an empty set when no group has a zone. */
struct pt_upstream_zones *pt_upstream_zones_prepare(const struct pt_config *cfg, char *msg,
                                                    size_t cap);
/* Releases what prepare acquired (a config dropped or replaced). NULL is a no-op. */
void pt_upstream_zones_release(struct pt_upstream_zones *zs);

/* In a worker: points up (built for a group with a zone) at the group's shared state.
 * Returns 0, or -1 after logging (the zone is not mapped in this process, or full): up
 * then keeps per-worker state. */
int pt_upstream_zone_attach(struct pt_upstream *up);
void pt_upstream_zone_detach(struct pt_upstream *up);

/* Takes the group's lock and copies the shared state of every peer into up->peers.
 * Returns 0 (call unlock after), or -1 when the lock could not be taken (logged; the
 * caller goes on with the copies it has, and does not call unlock). */
int pt_upstream_zone_lock(struct pt_upstream *up);
/* Copies up->peers' state back into the zone and releases the lock. */
void pt_upstream_zone_unlock(struct pt_upstream *up);

/* The group's lock without copying any state (publishing a resolve line's addresses,
 * proxy/upstream_resolved.h): 0, or -1 (logged; no unlock then). */
int pt_upstream_zone_lock_bare(struct pt_upstream *up);
void pt_upstream_zone_unlock_bare(struct pt_upstream *up);

/* Takes the lock only to bring up's dynamic peers up to their records. */
void pt_upstream_zone_refresh(struct pt_upstream *up);

/* What a health check result changed. */
enum pt_upstream_health_change {
    PT_HEALTH_SAME = 0,
    PT_HEALTH_DOWN, /* `fails` failures in a row: out of rotation */
    PT_HEALTH_UP,   /* `passes` passes in a row: back, ramped by slow_start */
};

/* Records one health check of peer i (passed: a 2xx/3xx answer) at now_ms under the
 * group's lock. *streak (may be NULL) gets the run of equal results that counted. */
enum pt_upstream_health_change pt_upstream_zone_health(struct pt_upstream *up, uint32_t i,
                                                       int passed, uint64_t now_ms,
                                                       uint32_t *streak);

#endif
