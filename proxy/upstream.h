/* proxy/upstream.h - a worker's run-time state for the snapshot's upstream groups: each
 * peer's balancer weights, active request count and passive health (max_fails within
 * fail_timeout), and the balancers that pick a peer for a request: smooth weighted
 * round-robin (nginx's), least_conn, ip_hash (nginx's: three octets of IPv4, all of
 * IPv6) and hash KEY [consistent] (a ketama-style ring).
 *
 * State is per worker (what nginx does without a `zone`); a group is built the first time
 * a request of a snapshot needs it and freed with the snapshot's routing state. With a
 * `zone`, the peers' state lives in shared memory and every worker's picks take the
 * group's lock (proxy/upstream_zone.h); active health checks (proxy/health_check.h) mark
 * peers unhealthy there. Nothing here does I/O: the proxy (proxy/proxy.c) asks for a
 * peer, connects, and reports back.
 *
 * A group with `server NAME resolve` lines also has dynamic peers, following the
 * addresses its zone publishes (proxy/upstream_resolved.h): peer indexes stay what they
 * are while a request holds them, but peer_count and the peers' addresses may change at
 * any pick, so a peer is named through up->peers[i].conf, never conf->peers[i].
 */
#ifndef PT_PROXY_UPSTREAM_H
#define PT_PROXY_UPSTREAM_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

struct pt_upstream_peer {
    const struct pt_conf_peer *conf;
    int64_t current_weight;   /* smooth round-robin */
    int64_t effective_weight;
    uint32_t active;          /* requests in flight to it (least_conn) */
    uint32_t fails;           /* failures counted in the current fail_timeout window */
    uint64_t window_start_ms; /* when that window began (the first failure in it) */
    uint64_t down_until_ms;   /* max_fails reached: skipped until then */
    uint64_t up_since_ms;     /* slow_start: when it came back */
    uint8_t unhealthy;        /* health_check took it out (zone state, copied in) */
    uint32_t held;            /* dynamic peers: this worker's requests and health probes
                               * on it (pick to done): its place is not given to another
                               * address while any is */
};

struct pt_upstream_shared;
struct pt_upstream_dynamic;

struct pt_upstream {
    const struct pt_conf_upstream *conf;
    struct pt_upstream_peer *peers; /* conf->peers, same order (but see dyn) */
    uint32_t peer_count;
    void *ring;                      /* hash consistent: the ring (upstream.c) */
    uint32_t rr_next;                /* least_conn ties and ip_hash fallback */
    struct pt_upstream_shared *shared; /* `zone`: where peers' state lives; NULL: here */
    struct pt_upstream_dynamic *dyn; /* resolve lines: their peers come after the other
                                      * lines' ones (upstream_resolved.h); NULL when the
                                      * group has none */
};

/* What one request has tried so far: a peer is not picked twice for it. */
#define PT_UPSTREAM_MAX_TRIES 64
struct pt_upstream_tries {
    uint64_t tried[4];  /* a bit per peer index, the first 256 peers */
    uint32_t count;
};

/* Builds the worker's state for u (calloc'd; weights as configured); a group with a
 * zone is attached to its shared state (proxy/upstream_zone.h). NULL: no memory. */
struct pt_upstream *pt_upstream_new(const struct pt_conf_upstream *u);
void pt_upstream_free(struct pt_upstream *up);

/* Picks a peer for a request: key is the client address bytes for ip_hash (4 for IPv4,
 * 16 for IPv6), the evaluated KEY for hash, ignored otherwise. Skips peers that are down
 * (`down`, unhealthy by health_check, or failed max_fails times within fail_timeout until
 * fail_timeout passes) and peers in *tries; backups only when no primary is usable.
 * Marks the pick in *tries and counts it active. Returns the peer index, or -1 when none
 * is usable (the caller answers 502). */
int pt_upstream_pick(struct pt_upstream *up, const void *key, size_t key_len,
                     struct pt_upstream_tries *tries, uint64_t now_ms);

/* Peer i's address as text ("10.0.0.1:8080", "[::1]:8080"): $upstream_addr, logs. */
static inline const char *pt_upstream_peer_text(const struct pt_upstream *up, uint32_t i)
{
    return up->peers[i].conf->text;
}

/* A group with resolve lines: its dynamic peers brought up to what its zone publishes now
 * (picks do it themselves; a health check round calls this first). Nothing otherwise. */
void pt_upstream_refresh(struct pt_upstream *up);

/* Holds peer i (a health probe between its start and its result; picks hold their own)
 * and lets it go: see pt_upstream_peer.held. */
void pt_upstream_hold(struct pt_upstream *up, uint32_t i);
void pt_upstream_unhold(struct pt_upstream *up, uint32_t i);

/* The request to peer i ended: failed says whether it counts towards max_fails (an
 * error, a timeout, or a status proxy_next_upstream names). Ends it being active. */
void pt_upstream_done(struct pt_upstream *up, uint32_t i, int failed, uint64_t now_ms);

#endif
