/* bench/floor/backend.c - the backend of bench/run's proxy scenarios, the same for every proxy.
 *
 * A bare edge-triggered epoll loop like floor.c, so that it takes as little as possible of
 * the load CPU it shares with the load generator: each request is answered from a response
 * built at start, picked by the first characters of its path:
 *
 *   /64k...  a 64 KiB body        /1m...  a 1 MiB body        anything else  "hello\n"
 *
 * with the headers nginx would send (fixed Date, Content-Length, Connection: keep-alive).
 * No other parsing: a request ends at "\r\n\r\n" and has no body (the proxies relay GETs).
 * Unlike floor.c it keeps an answer it could not write whole and finishes it on EPOLLOUT,
 * since a 1 MiB body does not fit in a socket buffer; requests pipelined behind it wait in
 * a small queue (proxies do not pipeline; a client that queues more than QUEUE is closed).
 *
 * Usage: backend ADDR:PORT   (e.g. backend 127.0.0.1:9000); runs until killed.
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

enum answer { SMALL, BODY_64K, BODY_1M, N_ANSWERS };

struct answer_bytes {
    size_t body_len;
    char *bytes; /* head + body, built at start */
    size_t len;
};

static struct answer_bytes answers[N_ANSWERS] = {
    [SMALL] = {6, NULL, 0}, [BODY_64K] = {64 * 1024, NULL, 0}, [BODY_1M] = {1024 * 1024, NULL, 0}};

#define QUEUE 64  /* answers waiting per connection, a power of two */
#define PATH_KEY 4 /* path characters kept to pick the answer */

/* Where the request parser of a connection is. */
enum req_state { IN_METHOD, IN_PATH, IN_REST };

struct conn {
    enum req_state state;
    uint8_t matched;         /* how much of "\r\n\r\n" ends the bytes read so far */
    uint8_t key_len;
    char key[PATH_KEY];       /* the path's first characters */
    uint8_t head, count;      /* the queue of answers owed, oldest first */
    uint8_t queue[QUEUE];
    size_t written;           /* bytes of the oldest answer already written */
};

static struct conn *conns;
static size_t conns_cap;
static char readbuf[16384];

static int build_answers(void)
{
    for (int i = 0; i < N_ANSWERS; i++) {
        char head[256];
        int n = snprintf(head, sizeof(head),
                         "HTTP/1.1 200 OK\r\n"
                         "Server: nginx/1.22.1\r\n"
                         "Date: Sat, 22 Nov 2025 05:13:00 GMT\r\n"
                         "Content-Type: %s\r\n"
                         "Content-Length: %zu\r\n"
                         "Connection: keep-alive\r\n"
                         "\r\n",
                         i == SMALL ? "text/plain" : "application/octet-stream",
                         answers[i].body_len);
        answers[i].len = (size_t)n + answers[i].body_len;
        answers[i].bytes = malloc(answers[i].len);
        if (answers[i].bytes == NULL)
            return -1;
        memcpy(answers[i].bytes, head, (size_t)n);
        char *body = answers[i].bytes + n;
        if (i == SMALL) {
            memcpy(body, "hello\n", 6);
        } else {
            for (size_t k = 0; k < answers[i].body_len; k++)
                body[k] = (char)('a' + k % 26);
        }
    }
    return 0;
}

static enum answer pick(const struct conn *c)
{
    if (c->key_len >= 4 && memcmp(c->key, "/64k", 4) == 0)
        return BODY_64K;
    if (c->key_len >= 3 && memcmp(c->key, "/1m", 3) == 0)
        return BODY_1M;
    return SMALL;
}

/* Advances c's request parser over buf, queueing an answer per complete request.
 * Returns -1 when the queue overflows. */
static int scan_requests(struct conn *c, const char *buf, size_t len)
{
    static const char term[4] = {'\r', '\n', '\r', '\n'};

    for (size_t i = 0; i < len; i++) {
        char ch = buf[i];
        if (c->state == IN_METHOD) {
            if (ch == ' ')
                c->state = IN_PATH;
        } else if (c->state == IN_PATH) {
            if (ch == ' ')
                c->state = IN_REST;
            else if (c->key_len < PATH_KEY)
                c->key[c->key_len++] = ch;
        }
        if (ch == term[c->matched]) {
            if (++c->matched < 4)
                continue;
            if (c->count == QUEUE)
                return -1;
            c->queue[(c->head + c->count++) % QUEUE] = (uint8_t)pick(c);
            c->state = IN_METHOD;
            c->key_len = 0;
            c->matched = 0;
        } else {
            c->matched = (ch == '\r') ? 1 : 0;
        }
    }
    return 0;
}

/* Writes the queued answers in order. Returns 0 when all are written or the socket is
 * full (EPOLLOUT resumes), -1 on an error. */
static int send_answers(int fd, struct conn *c)
{
    while (c->count > 0) {
        const struct answer_bytes *a = &answers[c->queue[c->head]];
        ssize_t w = write(fd, a->bytes + c->written, a->len - c->written);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return errno == EAGAIN ? 0 : -1;
        }
        c->written += (size_t)w;
        if (c->written < a->len)
            continue; /* the next write says EAGAIN, or takes more */
        c->written = 0;
        c->head = (uint8_t)((c->head + 1) % QUEUE);
        c->count--;
    }
    return 0;
}

static void close_conn(int fd)
{
    memset(&conns[fd], 0, sizeof(conns[fd]));
    close(fd); /* closing the last reference removes it from the epoll set */
}

static void on_event(int fd, uint32_t events)
{
    struct conn *c = &conns[fd];
    bool hangup = (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0;

    if ((events & EPOLLOUT) && c->count > 0 && send_answers(fd, c) != 0) {
        close_conn(fd);
        return;
    }
    if (!(events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
        return;
    for (;;) {
        ssize_t r = read(fd, readbuf, sizeof(readbuf));
        if (r <= 0) {
            if (r < 0 && (errno == EAGAIN || errno == EINTR))
                return;
            close_conn(fd); /* EOF or error */
            return;
        }
        bool idle = c->count == 0;
        if (scan_requests(c, readbuf, (size_t)r) != 0 ||
            (idle && c->count > 0 && send_answers(fd, c) != 0)) {
            close_conn(fd);
            return;
        }
        if ((size_t)r < sizeof(readbuf) && !hangup)
            return; /* drained: the next arrival raises a new edge */
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
        if ((size_t)fd >= conns_cap) {
            close(fd);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
                                 .data.fd = fd};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0)
            close(fd);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: backend ADDR:PORT\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);

    conns_cap = bench_raise_nofile(1u << 20);
    conns = calloc(conns_cap, sizeof(*conns));
    if (conns == NULL || build_answers() != 0) {
        fprintf(stderr, "backend: out of memory\n");
        return 1;
    }

    struct sockaddr_in sin;
    int lfd = bench_parse_addr(argv[1], "backend", &sin) == 0 ? bench_listen(&sin, "backend") : -1;
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (lfd < 0 || ep < 0)
        return 1;
    struct epoll_event lev = {.events = EPOLLIN | EPOLLET, .data.fd = lfd};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev) != 0) {
        perror("backend: epoll_ctl");
        return 1;
    }

    struct epoll_event events[512];
    for (;;) {
        int n = epoll_wait(ep, events, 512, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("backend: epoll_wait");
            return 1;
        }
        for (int i = 0; i < n; i++) {
            if (events[i].data.fd == lfd)
                on_listener(ep, lfd);
            else
                on_event(events[i].data.fd, events[i].events);
        }
    }
}
