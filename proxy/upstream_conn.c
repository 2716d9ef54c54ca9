/* proxy/upstream_conn.c - upstream_conn.h. */
#include "proxy/upstream_conn.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "proxy/upstream_group.h"
#include "proxy/worker.h"

#define UC_OF_WATCH(w) \
    ((struct pt_upstream_conn *)((char *)(w) - offsetof(struct pt_upstream_conn, conn.watch)))
#define UC_OF_TIMER(t) \
    ((struct pt_upstream_conn *)((char *)(t) - offsetof(struct pt_upstream_conn, conn.timer)))

/* An event for it may still be in the reactor's batch: the memory goes after the turn. */
static void conn_destroy(struct pt_upstream_conn *uc)
{
    pt_timer_cancel(&pt_worker.reactor.timers, &uc->conn.timer);
    pt_conn_close(&uc->conn);
    pt_reactor_bury(&pt_worker.reactor, &uc->conn.watch, uc);
}

/* ---- the pool ---- */

static void pool_unlink(struct pt_upstream_pool *p, struct pt_upstream_conn *uc)
{
    if (uc->prev)
        uc->prev->next = uc->next;
    else
        p->head = uc->next;
    if (uc->next)
        uc->next->prev = uc->prev;
    else
        p->tail = uc->prev;
    uc->prev = uc->next = NULL;
    p->idle--;
}

static void pool_push_front(struct pt_upstream_pool *p, struct pt_upstream_conn *uc)
{
    uc->prev = NULL;
    uc->next = p->head;
    if (p->head)
        p->head->prev = uc;
    else
        p->tail = uc;
    p->head = uc;
    p->idle++;
}

/* An idle connection that becomes readable was closed by its peer (or broke the
 * protocol by sending unasked bytes): either way it cannot be reused. */
static void on_idle_event(struct pt_upstream_conn *uc)
{
    pool_unlink(&uc->group->pool, uc);
    conn_destroy(uc);
}

static void on_watch(struct pt_watch *w, uint32_t events)
{
    struct pt_upstream_conn *uc = UC_OF_WATCH(w);

    pt_conn_note_events(&uc->conn, events);
    if (uc->owner == NULL) {
        if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
            on_idle_event(uc);
        return;
    }
    uc->on_event(uc->owner, events);
}

static void on_conn_timer(struct pt_timer *t)
{
    struct pt_upstream_conn *uc = UC_OF_TIMER(t);

    if (uc->owner == NULL) { /* keepalive_timeout */
        pool_unlink(&uc->group->pool, uc);
        conn_destroy(uc);
        return;
    }
    uc->on_timer(uc->owner);
}

/* A group with resolve lines gives a dynamic peer's place to another address once the
 * old one is gone and no request holds it: a connection is to its peer only while the
 * addresses agree (and the peer is not gone). Other groups' peers never change. */
static int still_its_peer(const struct pt_upstream_conn *uc)
{
    const struct pt_upstream *up = uc->group->balancer;
    const struct pt_conf_peer *pc;

    if (up->dyn == NULL)
        return 1;
    if (uc->peer >= up->peer_count)
        return 0;
    pc = up->peers[uc->peer].conf;
    return !pc->down && pc->addr_len <= sizeof(uc->conn.peer) &&
           memcmp(&uc->conn.peer, &pc->addr, pc->addr_len) == 0;
}

/* A request takes uc: counted at once, as nginx counts c->requests at connect, so that
 * keepalive_requests closes it after that many (release checks the count). */
static void take(struct pt_upstream_conn *uc, void *owner, void (*on_event)(void *, uint32_t),
                 void (*on_timer)(void *))
{
    uc->requests++;
    uc->owner = owner;
    uc->on_event = on_event;
    uc->on_timer = on_timer;
}

struct pt_upstream_conn *pt_upstream_conn_reuse(struct pt_upstream_group *g, uint32_t peer,
                                                void *owner,
                                                void (*on_event)(void *, uint32_t),
                                                void (*on_timer)(void *))
{
    for (struct pt_upstream_conn *uc = g->pool.head; uc; uc = uc->next) {
        if (uc->peer != peer || !still_its_peer(uc))
            continue;
        pool_unlink(&g->pool, uc);
        pt_timer_cancel(&pt_worker.reactor.timers, &uc->conn.timer);
        take(uc, owner, on_event, on_timer);
        uc->reused = 1;
        return uc;
    }
    return NULL;
}

static int reusable_now(const struct pt_upstream_conn *uc)
{
    const struct pt_conf_upstream *u = uc->group->conf;

    return u->keepalive > 0 && uc->requests < u->keepalive_requests &&
           pt_now_ms - uc->created_ms < (uint64_t)u->keepalive_time && !uc->conn.eof &&
           !pt_worker.quitting && still_its_peer(uc);
}

void pt_upstream_conn_release(struct pt_upstream_conn *uc, int reusable)
{
    struct pt_upstream_pool *p = &uc->group->pool;
    const struct pt_conf_upstream *u = uc->group->conf;

    uc->owner = NULL;
    if (!reusable || !reusable_now(uc)) {
        conn_destroy(uc);
        return;
    }
    if (p->idle >= u->keepalive) { /* the least recently used makes room */
        struct pt_upstream_conn *old = p->tail;
        pool_unlink(p, old);
        conn_destroy(old);
    }
    uc->reused = 0;
    pool_push_front(p, uc);
    pt_timer_set(&pt_worker.reactor.timers, &uc->conn.timer,
                 pt_now_ms + (uint64_t)u->keepalive_timeout);
}

/* ---- connecting ---- */

struct pt_upstream_conn *pt_upstream_conn_open(struct pt_upstream_group *g, uint32_t peer,
                                               void *owner,
                                               void (*on_event)(void *, uint32_t),
                                               void (*on_timer)(void *), int *err)
{
    const struct pt_conf_peer *pc = g->balancer->peers[peer].conf;
    struct pt_upstream_conn *uc = calloc(1, sizeof(*uc));
    int fd, one = 1, rc;

    if (uc == NULL) {
        *err = -ENOMEM;
        return NULL;
    }
    fd = socket(pc->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *err = -errno;
        free(uc);
        return NULL;
    }
    if (pc->addr.ss_family != AF_UNIX)
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    pt_conn_init(&uc->conn, fd, on_watch, on_conn_timer);
    memcpy(&uc->conn.peer, &pc->addr,
           pc->addr_len < sizeof(uc->conn.peer) ? pc->addr_len : sizeof(uc->conn.peer));
    uc->group = g;
    uc->peer = peer;
    uc->created_ms = pt_now_ms;
    take(uc, owner, on_event, on_timer);
    rc = connect(fd, (const struct sockaddr *)&pc->addr, pc->addr_len);
    if (rc != 0 && errno != EINPROGRESS) {
        *err = -errno;
        pt_conn_close(&uc->conn);
        free(uc);
        return NULL;
    }
    uc->connecting = rc != 0;
    /* Until the connect completes, nothing can be written: the first EPOLLOUT says it did. */
    uc->conn.write_ready = !uc->connecting;
    uc->conn.read_ready = 0;
    if ((rc = pt_reactor_add(&pt_worker.reactor, &uc->conn.watch,
                             EPOLLIN | EPOLLOUT | EPOLLRDHUP)) != 0) {
        *err = rc;
        pt_conn_close(&uc->conn);
        free(uc);
        return NULL;
    }
    return uc;
}

int pt_upstream_conn_connect_result(struct pt_upstream_conn *uc)
{
    int soerr = 0;
    socklen_t len = sizeof(soerr);

    if (getsockopt(uc->conn.watch.fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
        return -errno;
    if (soerr == 0)
        uc->connecting = 0;
    return -soerr;
}

static void close_pool(struct pt_upstream_group *g)
{
    while (g->pool.head) {
        struct pt_upstream_conn *uc = g->pool.head;
        pool_unlink(&g->pool, uc);
        conn_destroy(uc);
    }
}

void pt_upstream_pools_close(void)
{
    pt_upstream_groups_each(close_pool);
}
