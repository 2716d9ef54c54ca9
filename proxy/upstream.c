/* proxy/upstream.c - a worker's upstream group state: building it, passive health
 * (max_fails within fail_timeout, one recovery probe, slow_start), smooth weighted
 * round-robin and least_conn; pt_upstream_pick dispatches to the balancer and marks the
 * pick. The hash balancers are in proxy/balancer_hash.c.
 *
 * Passive health, nginx's behaviour in the header's fields:
 *   - failures count within a window of fail_timeout that starts at the window's first
 *     failure (window_start_ms); a failure after the window has passed starts a new one.
 *     A success inside the window does not forgive it (nginx neither);
 *   - the max_fails-th failure marks the peer down until now + fail_timeout
 *     (down_until_ms); from then on window_start_ms holds the time of the last failure;
 *   - once that passes, the peer is usable again for one request, the probe: picking
 *     it moves down_until_ms to now + fail_timeout, so concurrent requests keep away
 *     (nginx's `checked`). The probe's success ends the down state (fails = 0), its
 *     failure starts another period. A success of a request that was in flight before
 *     the probe does not count: down_until_ms > window_start_ms + fail_timeout tells a
 *     probe happened after the last failure (nginx: accessed < checked);
 *   - each failure lowers effective_weight by weight / max_fails; every pick that
 *     considers the peer raises it by 1 again, up to the weight (nginx);
 *   - slow_start: from the probe's success (up_since_ms) the weight the peer may reach
 *     grows linearly from 1 to its weight over slow_start;
 *   - a group of one peer ignores max_fails (nginx: such a server is never considered
 *     unavailable unless `down`).
 *
 * With a `zone`, the state above is the zone's (proxy/upstream_zone.h): pick and done
 * take the group's lock around the same code, which works on the worker's copies; a peer
 * that health_check took out (`unhealthy`) is skipped like a `down` one, even alone.
 */
#include "proxy/upstream.h"

#include <stdlib.h>

#include "proxy/upstream_balancer.h"
#include "proxy/upstream_resolved.h"
#include "proxy/upstream_zone.h"

uint32_t pt_upstream_weight(const struct pt_upstream_peer *p)
{
    return p->conf->weight ? p->conf->weight : 1;
}

static uint64_t fail_timeout(const struct pt_upstream_peer *p)
{
    return p->conf->fail_timeout > 0 ? (uint64_t)p->conf->fail_timeout : 0;
}

/* The weight p may reach now: its weight, or less while slow_start ramps it up. */
static uint32_t ramped_weight(const struct pt_upstream_peer *p, uint64_t now_ms)
{
    uint32_t w = pt_upstream_weight(p);
    uint64_t ss = p->conf->slow_start > 0 ? (uint64_t)p->conf->slow_start : 0;

    if (ss == 0 || p->up_since_ms == 0 || now_ms < p->up_since_ms ||
        now_ms - p->up_since_ms >= ss)
        return w;
    return 1 + (uint32_t)((uint64_t)(w - 1) * (now_ms - p->up_since_ms) / ss);
}

/* 1 while p has failed max_fails times and not yet come back (down or probing). */
static int failed_state(const struct pt_upstream_peer *p)
{
    return p->conf->max_fails && p->fails >= p->conf->max_fails;
}

int pt_upstream_usable(const struct pt_upstream_peer *p, uint64_t now_ms)
{
    if (p->conf->down || p->unhealthy)
        return 0;
    return !(failed_state(p) && now_ms <= p->down_until_ms);
}

int pt_upstream_tried(const struct pt_upstream_tries *t, uint32_t i)
{
    if (!t || i >= 256)
        return 0;
    return (int)((t->tried[i / 64] >> (i % 64)) & 1);
}

/* A group whose peers are its config's, index for index. */
static int static_peers(struct pt_upstream *up)
{
    const struct pt_conf_upstream *u = up->conf;

    up->peer_count = u->peer_count;
    if (u->peer_count) {
        up->peers = calloc(u->peer_count, sizeof(*up->peers));
        if (!up->peers)
            return -1;
    }
    for (uint32_t i = 0; i < u->peer_count; i++) {
        up->peers[i].conf = &u->peers[i];
        up->peers[i].effective_weight = pt_upstream_weight(&up->peers[i]);
    }
    return 0;
}

struct pt_upstream *pt_upstream_new(const struct pt_conf_upstream *u)
{
    struct pt_upstream *up = calloc(1, sizeof(*up));

    if (!up)
        return NULL;
    up->conf = u;
    if ((pt_upstream_resolve_lines(u) ? pt_upstream_dynamic_new(up) : static_peers(up)) != 0)
        goto fail;
    if (u->balancer == PT_BALANCE_HASH && u->hash_consistent) {
        up->ring = pt_balancer_ring_new(up);
        if (!up->ring)
            goto fail;
    }
    if (u->zone)
        pt_upstream_zone_attach(up); /* failing (logged), the state stays per worker */
    return up;
fail:
    pt_upstream_free(up);
    return NULL;
}

void pt_upstream_free(struct pt_upstream *up)
{
    if (!up)
        return;
    pt_upstream_zone_detach(up);
    pt_balancer_ring_free(up->ring);
    up->ring = NULL;
    pt_upstream_dynamic_free(up);
    free(up->peers);
    up->peers = NULL;
    free(up);
}

int pt_upstream_smooth(struct pt_upstream *up, const struct pt_upstream_tries *t,
                       uint64_t now_ms, int backup, pt_upstream_want_fn want,
                       const void *arg)
{
    struct pt_upstream_peer *best = NULL;
    int64_t total = 0;
    int best_i = -1;

    for (uint32_t i = 0; i < up->peer_count; i++) {
        struct pt_upstream_peer *p = &up->peers[i];
        int64_t cap;

        if (!p->conf->backup != !backup || pt_upstream_tried(t, i) ||
            !pt_upstream_usable(p, now_ms) || (want && !want(up, i, arg)))
            continue;
        cap = ramped_weight(p, now_ms);
        if (p->effective_weight > cap)
            p->effective_weight = cap;
        p->current_weight += p->effective_weight;
        total += p->effective_weight;
        if (p->effective_weight < cap)
            p->effective_weight++;
        if (!best || p->current_weight > best->current_weight) {
            best = p;
            best_i = (int)i;
        }
    }
    if (best)
        best->current_weight -= total;
    return best_i;
}

int pt_upstream_pick_rr(struct pt_upstream *up, const struct pt_upstream_tries *t,
                        uint64_t now_ms)
{
    int i = pt_upstream_smooth(up, t, now_ms, 0, NULL, NULL);

    return i >= 0 ? i : pt_upstream_smooth(up, t, now_ms, 1, NULL, NULL);
}

/* a.active / a.weight < b.active / b.weight, without dividing (nginx's comparison). */
static int64_t load_cmp(const struct pt_upstream_peer *a, const struct pt_upstream_peer *b,
                        uint64_t now_ms)
{
    return (int64_t)a->active * ramped_weight(b, now_ms) -
           (int64_t)b->active * ramped_weight(a, now_ms);
}

struct tie {
    uint32_t best;
    uint64_t now_ms;
};

static int same_load(const struct pt_upstream *up, uint32_t i, const void *arg)
{
    const struct tie *tie = arg;

    return load_cmp(&up->peers[i], &up->peers[tie->best], tie->now_ms) == 0;
}

/* The fewest active requests relative to weight; a tie goes round-robin among the
 * tied, by their smooth weights (nginx's least_conn). */
static int least_conn_in(struct pt_upstream *up, const struct pt_upstream_tries *t,
                         uint64_t now_ms, int backup)
{
    int best = -1, many = 0;

    for (uint32_t i = 0; i < up->peer_count; i++) {
        const struct pt_upstream_peer *p = &up->peers[i];
        int64_t c;

        if (!p->conf->backup != !backup || pt_upstream_tried(t, i) ||
            !pt_upstream_usable(p, now_ms))
            continue;
        c = best < 0 ? -1 : load_cmp(p, &up->peers[best], now_ms);
        if (c < 0) {
            best = (int)i;
            many = 0;
        } else if (c == 0) {
            many = 1;
        }
    }
    if (best >= 0 && many) {
        struct tie tie = {.best = (uint32_t)best, .now_ms = now_ms};

        best = pt_upstream_smooth(up, t, now_ms, backup, same_load, &tie);
    }
    return best;
}

static int pick_least_conn(struct pt_upstream *up, const struct pt_upstream_tries *t,
                           uint64_t now_ms)
{
    int i = least_conn_in(up, t, now_ms, 0);

    return i >= 0 ? i : least_conn_in(up, t, now_ms, 1);
}

/* A group of one peer: only `down` (or unhealthy) and having tried it already keep it
 * from a request. */
static int pick_single(struct pt_upstream *up, const struct pt_upstream_tries *t)
{
    const struct pt_upstream_peer *p = &up->peers[0];

    return p->conf->down || p->unhealthy || pt_upstream_tried(t, 0) ? -1 : 0;
}

static int choose(struct pt_upstream *up, const void *key, size_t key_len,
                  const struct pt_upstream_tries *t, uint64_t now_ms)
{
    if (up->peer_count == 1)
        return pick_single(up, t);
    switch (up->conf->balancer) {
    case PT_BALANCE_LEAST_CONN:
        return pick_least_conn(up, t, now_ms);
    case PT_BALANCE_IP_HASH:
        return pt_balancer_ip_hash(up, key, key_len, t, now_ms);
    case PT_BALANCE_HASH:
        if (up->ring)
            return pt_balancer_chash(up, key, key_len, t, now_ms);
        return pt_balancer_hash(up, key, key_len, t, now_ms);
    case PT_BALANCE_ROUND_ROBIN:
    default:
        return pt_upstream_pick_rr(up, t, now_ms);
    }
}

/* Chooses and marks the pick; with a zone, under the group's lock. */
static int pick(struct pt_upstream *up, const void *key, size_t key_len,
                struct pt_upstream_tries *tries, uint64_t now_ms)
{
    struct pt_upstream_peer *p;
    int i = choose(up, key, key_len, tries, now_ms);

    if (i < 0)
        return -1;
    p = &up->peers[i];
    if (tries) {
        if (i < 256)
            tries->tried[i / 64] |= (uint64_t)1 << (i % 64);
        tries->count++;
    }
    p->active++;
    if (failed_state(p)) /* its period has passed: this request is the probe */
        p->down_until_ms = now_ms + fail_timeout(p);
    return i;
}

int pt_upstream_pick(struct pt_upstream *up, const void *key, size_t key_len,
                     struct pt_upstream_tries *tries, uint64_t now_ms)
{
    int locked, i;

    if (!up || (up->peer_count == 0 && !up->dyn))
        return -1;
    if (tries && tries->count >= PT_UPSTREAM_MAX_TRIES)
        return -1;
    locked = up->shared && pt_upstream_zone_lock(up) == 0; /* dynamic peers follow here */
    i = up->peer_count ? pick(up, key, key_len, tries, now_ms) : -1;
    if (i >= 0 && up->dyn)
        up->peers[i].held++;
    if (locked)
        pt_upstream_zone_unlock(up);
    return i;
}

void pt_upstream_refresh(struct pt_upstream *up)
{
    if (up && up->dyn && up->shared)
        pt_upstream_zone_refresh(up);
}

void pt_upstream_hold(struct pt_upstream *up, uint32_t i)
{
    if (up->dyn && i < up->peer_count)
        up->peers[i].held++;
}

void pt_upstream_unhold(struct pt_upstream *up, uint32_t i)
{
    if (up->dyn && i < up->peer_count && up->peers[i].held)
        up->peers[i].held--;
}

static void record_failure(struct pt_upstream_peer *p, uint64_t now_ms)
{
    uint32_t max_fails = p->conf->max_fails;
    uint64_t ft = fail_timeout(p);

    if (max_fails == 0)
        return;
    p->effective_weight -= pt_upstream_weight(p) / max_fails;
    if (p->effective_weight < 0)
        p->effective_weight = 0;
    if (p->fails < max_fails &&
        (p->fails == 0 || now_ms < p->window_start_ms || now_ms - p->window_start_ms > ft)) {
        p->fails = 0;
        p->window_start_ms = now_ms;
    }
    if (p->fails < UINT32_MAX)
        p->fails++;
    if (p->fails >= max_fails) {
        p->window_start_ms = now_ms;
        p->down_until_ms = now_ms + ft;
        p->up_since_ms = 0;
    }
}

static void record_success(struct pt_upstream_peer *p, uint64_t now_ms)
{
    uint64_t ft = fail_timeout(p);

    if (p->fails == 0)
        return;
    if (failed_state(p)) {
        if (p->down_until_ms > p->window_start_ms + ft) { /* the probe answered */
            p->fails = 0;
            p->down_until_ms = 0;
            p->up_since_ms = now_ms ? now_ms : 1;
        }
        return;
    }
    if (now_ms < p->window_start_ms || now_ms - p->window_start_ms > ft)
        p->fails = 0;
}

static void done(struct pt_upstream_peer *p, int failed, uint64_t now_ms)
{
    if (p->active)
        p->active--;
    if (failed)
        record_failure(p, now_ms);
    else
        record_success(p, now_ms);
}

void pt_upstream_done(struct pt_upstream *up, uint32_t i, int failed, uint64_t now_ms)
{
    int locked;

    if (!up || i >= up->peer_count)
        return;
    locked = up->shared && pt_upstream_zone_lock(up) == 0;
    done(&up->peers[i], failed, now_ms);
    if (up->dyn && up->peers[i].held)
        up->peers[i].held--;
    if (locked)
        pt_upstream_zone_unlock(up);
}
