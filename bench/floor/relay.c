/* bench/floor/relay.c - the relay floor: the least any reverse proxy can spend per request.
 *
 * One process, one epoll loop, nothing else: each accepted client connection gets its own
 * connection to the backend, opened at accept and kept for the client connection's life
 * (the best any upstream keep-alive pool can do), and bytes are copied blindly both ways
 * through fixed-size buffers. No HTTP parsing, no timers, no per-request epoll_ctl: each
 * socket is registered once, edge-triggered for reading and writing, TCP_NODELAY set once.
 * What remains per proxied keep-alive request is the kernel's cost of the relay
 * (epoll_wait, a read and a write each way), which bench/run sets every proxy beside.
 *
 * A direction holds a buffer only while bytes wait in it: buffers come from a LIFO free
 * list, so the copies go through the few buffers still hot in cache (as a proxy's
 * per-worker free list does) rather than through a cold buffer per direction per pair
 * (with 50 pairs, 6.4 MB: more than the L2 cache; a 1 MiB answer cost 10% more that way).
 *
 * A read shorter than the buffer means the socket is drained (as floor.c and nginx assume),
 * so the loop needs no read that ends in EAGAIN. A write that cannot complete keeps the rest
 * in that direction's buffer and stops reading the source until the sink's EPOLLOUT edge:
 * back-pressure, so a 1 MiB answer never needs more than the fixed buffer. An EOF from one
 * side is passed on as a shutdown(SHUT_WR) of the other once its buffer is flushed; the pair
 * is closed when both directions are done, or at once on an error or a reset.
 *
 * Usage: relay [ADDR:]PORT BACKEND_ADDR:PORT   (e.g. relay 8080 127.0.0.1:9000; ADDR
 * defaults to 127.0.0.1); runs until killed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_net.h"

/* Bytes read (and so written) at once: the largest TCP payload one IPv4 packet can carry
 * with the timestamp option (65535 - 20 - 32). On loopback a packet is not cut to an MTU,
 * so a 64 KiB write goes out as 65483 bytes and a 53-byte runt, and a 1 MiB answer then
 * costs the relay about twice the CPU of writes of 65483 (measured here against 16, 24,
 * 32, 48, 60 and 64 KiB and 2 x 65483). */
#ifndef RELAY_BUF
#define RELAY_BUF 65483
#endif

enum { CLIENT = 0, UPSTREAM = 1 };

/* A buffer, on the free list or held by a direction. */
struct buffer {
    struct buffer *next; /* on the free list */
    char data[RELAY_BUF];
};

/* One direction of a pair: bytes read from side `from` waiting to be written to the other. */
struct direction {
    struct buffer *buf; /* held only while bytes wait in it (off < len), else NULL */
    size_t off;    /* first byte not yet written */
    size_t len;    /* bytes read into buf; off == len means empty */
    bool eof;      /* the source sent its FIN */
    bool shut;     /* the sink got our shutdown(SHUT_WR) */
};

/* The epoll handle of one socket: which pair, which side. */
struct end {
    struct pair *pair;
    int side;
};

struct pair {
    int fd[2];              /* CLIENT, UPSTREAM */
    struct end ends[2];
    struct direction dir[2]; /* dir[s]: read from fd[s], written to fd[!s] */
    bool dead;              /* closed in this loop turn; freed after the batch */
    struct pair *next_dead;
};

static struct sockaddr_in backend;
static struct pair *dead_pairs;
static struct buffer *free_buffers; /* LIFO: the last put back is the hottest */

static struct buffer *buffer_get(void)
{
    struct buffer *b = free_buffers;
    if (b == NULL)
        return malloc(sizeof(*b));
    free_buffers = b->next;
    return b;
}

static void buffer_put(struct buffer **b)
{
    if (*b == NULL)
        return;
    (*b)->next = free_buffers;
    free_buffers = *b;
    *b = NULL;
}

static int parse_addr(const char *spec, const char *default_host, struct sockaddr_in *sin)
{
    char host[64];
    const char *colon = strrchr(spec, ':');
    const char *port = spec;

    if (colon != NULL) {
        if ((size_t)(colon - spec) >= sizeof(host))
            return -1;
        memcpy(host, spec, (size_t)(colon - spec));
        host[colon - spec] = '\0';
        port = colon + 1;
    } else if (default_host != NULL) {
        snprintf(host, sizeof(host), "%s", default_host);
    } else {
        return -1;
    }
    memset(sin, 0, sizeof(*sin));
    sin->sin_family = AF_INET;
    sin->sin_port = htons((uint16_t)atoi(port));
    return inet_pton(AF_INET, host, &sin->sin_addr) == 1 && atoi(port) > 0 ? 0 : -1;
}

static void pair_close(struct pair *p)
{
    if (p->dead)
        return;
    p->dead = true;
    close(p->fd[CLIENT]); /* closing the last reference removes it from the epoll set */
    close(p->fd[UPSTREAM]);
    p->next_dead = dead_pairs;
    dead_pairs = p;
}

/* Frees the pairs closed in this loop turn, once no event of the batch can name them. */
static void free_dead_pairs(void)
{
    while (dead_pairs != NULL) {
        struct pair *p = dead_pairs;
        dead_pairs = p->next_dead;
        buffer_put(&p->dir[0].buf);
        buffer_put(&p->dir[1].buf);
        free(p);
    }
}

/* Writes what direction d holds to its sink. Returns 1 if all is written, 0 if the sink is
 * full (its EPOLLOUT edge resumes), -1 on an error. */
static int flush(struct pair *p, int from)
{
    struct direction *d = &p->dir[from];
    int sink = p->fd[!from];

    while (d->off < d->len) {
        ssize_t w = write(sink, d->buf->data + d->off, d->len - d->off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return errno == EAGAIN ? 0 : -1;
        }
        d->off += (size_t)w;
    }
    d->off = d->len = 0;
    buffer_put(&d->buf);
    if (d->eof && !d->shut) {
        shutdown(sink, SHUT_WR);
        d->shut = true;
    }
    return 1;
}

/* Copies from fd[from] to the other side until the source is drained or the sink is full.
 * hangup: the source's peer shut its side, so read until EOF rather than trusting a short
 * read (no further edge will come). */
static void pump(struct pair *p, int from, bool hangup)
{
    struct direction *d = &p->dir[from];

    for (;;) {
        int done = flush(p, from);
        if (done < 0) {
            pair_close(p);
            return;
        }
        if (done == 0 || d->eof)
            break;
        if (d->buf == NULL && (d->buf = buffer_get()) == NULL) {
            pair_close(p);
            return;
        }
        ssize_t r = read(p->fd[from], d->buf->data, RELAY_BUF);
        if (r <= 0) {
            buffer_put(&d->buf); /* nothing waits in it */
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0) {
                if (errno != EAGAIN)
                    pair_close(p);
                return;
            }
            d->eof = true;
            continue; /* flush passes the EOF on */
        }
        d->len = (size_t)r;
        if ((size_t)r < RELAY_BUF && !hangup) {
            if (flush(p, from) < 0)
                pair_close(p);
            return; /* drained: the next arrival raises a new edge */
        }
    }
    if (p->dir[CLIENT].shut && p->dir[UPSTREAM].shut)
        pair_close(p);
}

static void on_event(struct end *e, uint32_t events)
{
    struct pair *p = e->pair;
    int s = e->side;

    if (p->dead)
        return;
    if (events & EPOLLERR) {
        pair_close(p); /* a refused connect or a reset */
        return;
    }
    struct direction *waiting = &p->dir[!s];
    if ((events & EPOLLOUT) && waiting->off < waiting->len) {
        /* the sink s drained: finish what waits for it, then read its source again. (Every
         * event carries EPOLLOUT while the socket has room: without bytes waiting, the
         * source was never stopped and needs no read.) */
        pump(p, !s, false);
        if (p->dead)
            return;
    }
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP))
        pump(p, s, (events & (EPOLLRDHUP | EPOLLHUP)) != 0);
}

static int watch(int ep, struct end *e, int fd)
{
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = e};
    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static struct pair *pair_new(int client)
{
    struct pair *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return NULL;
    p->fd[CLIENT] = client;
    p->fd[UPSTREAM] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (p->fd[UPSTREAM] < 0) {
        free(p);
        return NULL;
    }
    for (int s = 0; s < 2; s++) {
        p->ends[s].pair = p;
        p->ends[s].side = s;
    }
    return p;
}

/* Pairs a new client with its own backend connection (connect completes in the background:
 * the first request waits in its buffer for the upstream's EPOLLOUT edge). */
static void pair_client(int ep, int client)
{
    int one = 1;
    struct pair *p = pair_new(client);

    if (p == NULL) {
        close(client);
        return;
    }
    int up = p->fd[UPSTREAM];
    setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(up, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if ((connect(up, (struct sockaddr *)&backend, sizeof(backend)) != 0 && errno != EINPROGRESS) ||
        watch(ep, &p->ends[CLIENT], client) != 0 || watch(ep, &p->ends[UPSTREAM], up) != 0) {
        pair_close(p);
    }
}

static void on_listener(int ep, int lfd)
{
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            return; /* EAGAIN, or EMFILE: wait for the next edge */
        }
        pair_client(ep, fd);
    }
}

int main(int argc, char **argv)
{
    struct sockaddr_in local;
    static int listener_tag; /* data.ptr of the listener: not an end */

    if (argc != 3 || parse_addr(argv[1], "127.0.0.1", &local) != 0 ||
        parse_addr(argv[2], NULL, &backend) != 0) {
        fprintf(stderr, "usage: relay [ADDR:]PORT BACKEND_ADDR:PORT\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    bench_raise_nofile(1u << 20);

    int lfd = bench_listen(&local, "relay");
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (lfd < 0 || ep < 0)
        return 1;
    struct epoll_event lev = {.events = EPOLLIN | EPOLLET, .data.ptr = &listener_tag};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev) != 0) {
        perror("relay: epoll_ctl");
        return 1;
    }

    struct epoll_event events[512];
    for (;;) {
        int n = epoll_wait(ep, events, 512, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("relay: epoll_wait");
            return 1;
        }
        for (int i = 0; i < n; i++) {
            if (events[i].data.ptr == &listener_tag)
                on_listener(ep, lfd);
            else
                on_event(events[i].data.ptr, events[i].events);
        }
        free_dead_pairs();
    }
}
