/* proxy/resolver.c - the DNS client (resolver.h).
 *
 * A query owns one watch (its current socket) and one timer (the next resend, or the
 * deadline). Moving to another address closes the socket and opens a new one in the same
 * watch: an event the reactor still holds for the old one finds the new socket, whose
 * recv() says EAGAIN. A query's memory goes with pt_reactor_bury, never free() during a
 * turn. Each part (A, AAAA) is answered once; a part answered stays answered when the
 * other is sent again elsewhere.
 */
#include "proxy/resolver.h"

#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/clock.h"

#define RECV_BUF 4096       /* a UDP answer without EDNS is 512 bytes; room for more */
#define RECVS_PER_EVENT 64  /* datagrams read per call before yielding to the others */
#define RESEND_MIN_MS 100

struct part {
    uint16_t type;
    uint16_t id;
    uint8_t answered;
    struct pt_dns_result result;
};

struct pt_resolver_query {
    struct pt_watch watch;
    struct pt_timer timer;
    struct pt_reactor *reactor;
    const struct pt_conf_resolver *conf;
    pt_resolver_cb cb;
    void *arg;
    char name[PT_DNS_NAME_MAX + 2];
    struct part parts[2];
    uint32_t part_count;
    uint32_t server;       /* the address asked now */
    uint32_t tried;        /* addresses asked since the last resend */
    uint64_t deadline;     /* resolver_timeout from the start */
    uint64_t resend_ms;
    int err;               /* the last failure, for the callback when none answers */
    char why[160];
};

#define Q_OF_TIMER(t) \
    ((struct pt_resolver_query *)((char *)(t) - offsetof(struct pt_resolver_query, timer)))
#define Q_OF_WATCH(w) \
    ((struct pt_resolver_query *)((char *)(w) - offsetof(struct pt_resolver_query, watch)))

static uint32_t next_server; /* queries start on the addresses in turn, as nginx's */

static uint16_t random_id(void)
{
    static uint32_t fallback;
    uint16_t id;

    if (getrandom(&id, sizeof(id), GRND_NONBLOCK) == (ssize_t)sizeof(id))
        return id;
    /* No entropy yet (early boot): a xorshift over the clock is still unguessable enough
     * for a connected socket on a random port, and better than failing. */
    fallback ^= (uint32_t)pt_now_ms ^ (uint32_t)getpid() << 16;
    fallback ^= fallback << 13;
    fallback ^= fallback >> 17;
    fallback ^= fallback << 5;
    return (uint16_t)fallback;
}

static socklen_t addr_len(const struct sockaddr_storage *ss)
{
    return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

static void close_socket(struct pt_resolver_query *q)
{
    if (q->watch.fd >= 0)
        close(q->watch.fd);
    q->watch.fd = -1;
    pt_reactor_unpost(q->reactor, &q->watch);
}

static void note_failure(struct pt_resolver_query *q, int err, const char *fmt, const char *what)
{
    q->err = err;
    snprintf(q->why, sizeof(q->why), fmt, what);
}

/* ---- the end ---------------------------------------------------------------------------- */

static void merge(const struct pt_resolver_query *q, struct pt_resolver_answer *a)
{
    uint32_t nx = 0;

    memset(a, 0, sizeof(*a));
    a->ttl = UINT32_MAX;
    for (uint32_t p = 0; p < q->part_count; p++) {
        const struct pt_dns_result *r = &q->parts[p].result;
        nx += r->rcode == PT_DNS_RCODE_NXDOMAIN;
        if (r->ttl < a->ttl)
            a->ttl = r->ttl;
        a->extra += r->extra;
        for (uint32_t i = 0; i < r->count; i++) {
            if (a->count == PT_RESOLVER_MAX_ADDRS) {
                a->extra++;
                continue;
            }
            a->addrs[a->count++] = r->addrs[i];
        }
    }
    a->nxdomain = nx > 0 && a->count == 0;
}

static void finish(struct pt_resolver_query *q, int rc)
{
    struct pt_resolver_answer a;

    pt_timer_cancel(&q->reactor->timers, &q->timer);
    close_socket(q);
    if (rc == 0)
        merge(q, &a);
    pt_reactor_bury(q->reactor, &q->watch, q); /* freed after this turn: q stays valid below */
    q->cb(q->arg, rc, rc == 0 ? &a : NULL, rc == 0 ? "" : q->why);
}

static int all_answered(const struct pt_resolver_query *q)
{
    for (uint32_t p = 0; p < q->part_count; p++) {
        if (!q->parts[p].answered)
            return 0;
    }
    return 1;
}

/* ---- asking one address ------------------------------------------------------------------ */

/* Opens a socket to address q->server and sends the parts not answered yet. 0 or -errno
 * (the socket is closed then). */
static int send_queries(struct pt_resolver_query *q)
{
    const struct sockaddr_storage *ss = &q->conf->addrs[q->server];
    int fd = socket(ss->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), rc;

    if (fd < 0)
        return -errno;
    q->watch.fd = fd;
    if (connect(fd, (const struct sockaddr *)ss, addr_len(ss)) != 0)
        goto fail;
    if ((rc = pt_reactor_add(q->reactor, &q->watch, EPOLLIN)) != 0) {
        errno = -rc;
        goto fail;
    }
    for (uint32_t p = 0; p < q->part_count; p++) {
        struct part *pa = &q->parts[p];
        uint8_t msg[PT_DNS_QUERY_MAX];
        int n;

        if (pa->answered)
            continue;
        pa->id = random_id();
        n = pt_dns_query(msg, sizeof(msg), pa->id, q->name, pa->type);
        if (n < 0) {
            errno = EINVAL;
            goto fail;
        }
        if (send(fd, msg, (size_t)n, 0) != n)
            goto fail;
    }
    return 0;
fail:
    rc = -errno;
    close_socket(q);
    return rc;
}

/* Asks the next address not asked since the last resend (the current one first when
 * none was); when every one was (each failed at once), waits for the resend timer. */
static void ask_next(struct pt_resolver_query *q)
{
    uint32_t n = q->conf->addr_count;
    uint64_t at;

    close_socket(q);
    while (q->tried < n) {
        int rc;
        if (q->tried > 0)
            q->server = (q->server + 1) % n;
        q->tried++;
        rc = send_queries(q);
        if (rc == 0)
            break;
        note_failure(q, rc, "sending the query failed (%s)", strerror(-rc));
    }
    at = pt_now_ms + q->resend_ms;
    pt_timer_set(&q->reactor->timers, &q->timer, at < q->deadline ? at : q->deadline);
}

/* The resend interval passed, or resolver_timeout did. */
static void on_timer(struct pt_timer *t)
{
    struct pt_resolver_query *q = Q_OF_TIMER(t);

    if (q->watch.fd >= 0) /* the address asked last said nothing */
        note_failure(q, -ETIMEDOUT, "%s", "timed out");
    if (pt_now_ms >= q->deadline) {
        finish(q, q->err ? q->err : -ETIMEDOUT);
        return;
    }
    q->tried = 0;
    q->server = (q->server + 1) % q->conf->addr_count;
    ask_next(q);
}

/* One datagram: 1 when the query is over (finished, or moved to another address), 0 to
 * read on. */
static int on_datagram(struct pt_resolver_query *q, const uint8_t *msg, size_t len)
{
    for (uint32_t p = 0; p < q->part_count; p++) {
        struct part *pa = &q->parts[p];
        enum pt_dns_status st;

        if (pa->answered)
            continue;
        st = pt_dns_parse(msg, len, pa->id, q->name, pa->type, &pa->result);
        if (st == PT_DNS_OTHER)
            continue;
        if (st != PT_DNS_ANSWER) {
            char what[64];
            snprintf(what, sizeof(what), "%s%s", pt_dns_status_text(st),
                     st == PT_DNS_FAILED ? (pa->result.rcode == 2   ? " (SERVFAIL)"
                                            : pa->result.rcode == 5 ? " (REFUSED)"
                                                                    : "")
                                         : "");
            note_failure(q, -EPROTO, "%s", what);
            ask_next(q);
            return 1;
        }
        pa->answered = 1;
        if (all_answered(q)) {
            finish(q, 0);
            return 1;
        }
        return 0;
    }
    return 0; /* not ours: dropped, as nginx drops an answer with an unexpected id */
}

static void on_readable(struct pt_watch *w, uint32_t events)
{
    struct pt_resolver_query *q = Q_OF_WATCH(w);
    uint8_t buf[RECV_BUF];

    (void)events;
    for (int i = 0; i < RECVS_PER_EVENT; i++) {
        ssize_t n = recv(w->fd, buf, sizeof(buf), 0);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n < 0) {
            note_failure(q, -errno, "recv() failed (%s)", strerror(errno));
            ask_next(q);
            return;
        }
        if (on_datagram(q, buf, (size_t)n))
            return;
    }
    pt_reactor_post(q->reactor, w); /* more may be waiting: next turn, after the others */
}

/* ---- the API ---------------------------------------------------------------------------- */

struct pt_resolver_query *pt_resolver_start(struct pt_reactor *r,
                                            const struct pt_conf_resolver *conf,
                                            const char *name, pt_resolver_cb cb, void *arg,
                                            int *err)
{
    uint8_t probe[PT_DNS_QUERY_MAX];
    struct pt_resolver_query *q;
    uint64_t timeout = conf->timeout > 0 ? (uint64_t)conf->timeout : 1;

    if (conf->addr_count == 0 || strlen(name) > PT_DNS_NAME_MAX + 1 ||
        pt_dns_query(probe, sizeof(probe), 0, name, PT_DNS_TYPE_A) < 0) {
        *err = -EINVAL;
        return NULL;
    }
    q = calloc(1, sizeof(*q));
    if (q == NULL) {
        *err = -ENOMEM;
        return NULL;
    }
    q->watch.fd = -1;
    q->watch.cb = on_readable;
    q->timer.fire = on_timer;
    q->reactor = r;
    q->conf = conf;
    q->cb = cb;
    q->arg = arg;
    memcpy(q->name, name, strlen(name) + 1);
    q->parts[q->part_count++].type = PT_DNS_TYPE_A;
    if (conf->ipv6)
        q->parts[q->part_count++].type = PT_DNS_TYPE_AAAA;
    q->deadline = pt_now_ms + timeout;
    q->resend_ms = timeout / conf->addr_count;
    if (q->resend_ms > PT_RESOLVER_RESEND_MS)
        q->resend_ms = PT_RESOLVER_RESEND_MS;
    if (q->resend_ms < RESEND_MIN_MS)
        q->resend_ms = timeout < RESEND_MIN_MS ? timeout : RESEND_MIN_MS;
    q->server = next_server++ % conf->addr_count;
    ask_next(q);
    return q;
}

void pt_resolver_cancel(struct pt_resolver_query *q)
{
    if (q == NULL)
        return;
    pt_timer_cancel(&q->reactor->timers, &q->timer);
    close_socket(q);
    pt_reactor_bury(q->reactor, &q->watch, q);
}
