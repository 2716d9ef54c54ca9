/* proxy/upstream_conn.h - connections from a worker to its upstream peers, and the
 * keep-alive pool that holds the idle ones (per worker, per group, most recently used
 * first; `keepalive N` idle at most, closed after keepalive_timeout, not reused past
 * keepalive_requests requests or keepalive_time of life).
 *
 * An idle pooled connection stays registered with the reactor: if the peer closes it (or
 * sends anything, which no idle HTTP/1.1 connection may receive), it leaves the pool and
 * closes at once. A connection is never polled before reuse (DESIGN.md's syscall budget):
 * the proxy retries a request on a fresh connection when a reused one fails before any
 * response byte.
 */
#ifndef PT_PROXY_UPSTREAM_CONN_H
#define PT_PROXY_UPSTREAM_CONN_H

#include <stdint.h>

#include "config/config.h"
#include "core/conn.h"

struct pt_upstream_group;

struct pt_upstream_conn {
    struct pt_conn conn;
    struct pt_upstream_group *group;
    uint32_t peer;            /* index into the group's peers */
    uint32_t requests;        /* requests sent on it */
    uint64_t created_ms;
    uint8_t connecting;       /* the non-blocking connect has not completed */
    uint8_t reused;           /* came from the pool for this request */
    struct pt_upstream_conn *prev, *next; /* the pool's list while idle */
    void *owner;              /* the proxy session using it; NULL while idle */
    void (*on_event)(void *owner, uint32_t events);
    void (*on_timer)(void *owner);
};

/* A group's keep-alive pool: idle connections, most recently used first. */
struct pt_upstream_pool {
    struct pt_upstream_conn *head, *tail;
    uint32_t idle;
};

/* Opens a non-blocking connection to group's peer i, registered with the reactor; its
 * events and timer go to on_event/on_timer(owner). Returns it, or NULL with *err set to
 * the -errno of the failure (the peer counts it as an error). */
struct pt_upstream_conn *pt_upstream_conn_open(struct pt_upstream_group *g, uint32_t peer,
                                               void *owner,
                                               void (*on_event)(void *, uint32_t),
                                               void (*on_timer)(void *), int *err);

/* An idle connection to peer i from g's pool (most recent first), now owned by owner;
 * NULL when the pool has none for that peer. */
struct pt_upstream_conn *pt_upstream_conn_reuse(struct pt_upstream_group *g, uint32_t peer,
                                                void *owner,
                                                void (*on_event)(void *, uint32_t),
                                                void (*on_timer)(void *));

/* Done with uc: keep it idle in its group's pool when reusable is set and the group's
 * limits allow (the oldest idle one is closed to make room), else close it. */
void pt_upstream_conn_release(struct pt_upstream_conn *uc, int reusable);

/* Error on a connecting socket (SO_ERROR): 0 once connected, -errno. */
int pt_upstream_conn_connect_result(struct pt_upstream_conn *uc);

/* Closes every idle connection of every group (a worker that stops). */
void pt_upstream_pools_close(void);

#endif
