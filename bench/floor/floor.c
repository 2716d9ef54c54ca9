/* bench/floor/floor.c - the floor: the least any HTTP server can spend per request.
 *
 * One process, one epoll loop, nothing else: a non-blocking listener drained with accept4,
 * each connection registered once (edge-triggered, TCP_NODELAY set once), and for each
 * readable connection one read, a count of the complete requests in it ("\r\n\r\n", also
 * across reads) and one write of that many copies of a fixed response. No parsing, no
 * timers, no allocation after start, no per-request epoll_ctl: what remains is the kernel's
 * cost of a keep-alive request (epoll_wait, read, write), which bench/run sets every server
 * beside.
 *
 * The response has the same bytes as nginx's answer to `return 200 "hello\n"` (a fixed
 * Date of the same length). A read shorter than the buffer means the socket is drained, as
 * nginx assumes, so an edge-triggered loop needs no read that ends in EAGAIN. A write that
 * cannot complete closes the connection: the floor has no output buffering, and a
 * keep-alive client that waits for each answer never fills a socket buffer.
 *
 * Usage: floor ADDR:PORT   (e.g. floor 127.0.0.1:8080); runs until killed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_net.h"

static const char response[] =
    "HTTP/1.1 200 OK\r\n"
    "Server: nginx/1.22.1\r\n"
    "Date: Sat, 22 Nov 2025 05:13:00 GMT\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length: 6\r\n"
    "Connection: keep-alive\r\n"
    "\r\n"
    "hello\n";
#define RESPONSE_LEN (sizeof(response) - 1)

/* Pipelined requests answered per write; more complete requests in one read than this
 * (only possible with tiny requests and a 16 KiB read) are answered in several writes. */
#define BATCH 128
static char responses[BATCH * RESPONSE_LEN];

static char readbuf[16384];

/* How much of "\r\n\r\n" each connection has matched at the end of its last read, by fd:
 * the only per-connection state the floor keeps. */
static uint8_t *matched;
static size_t matched_cap;

/* Advances the "\r\n\r\n" matcher over buf; returns the complete requests it ends. */
static size_t count_requests(const char *buf, size_t len, uint8_t *state)
{
    static const char term[4] = {'\r', '\n', '\r', '\n'};
    size_t n = 0;
    unsigned s = *state;

    for (size_t i = 0; i < len; i++) {
        char c = buf[i];
        if (c == term[s]) {
            if (++s == 4) {
                n++;
                s = 0;
            }
        } else {
            s = (c == '\r') ? 1 : 0;
        }
    }
    *state = (uint8_t)s;
    return n;
}

static int answer(int fd, size_t n)
{
    while (n > 0) {
        size_t k = n < BATCH ? n : BATCH;
        size_t len = k * RESPONSE_LEN;
        ssize_t w = write(fd, responses, len);
        if (w != (ssize_t)len)
            return -1;
        n -= k;
    }
    return 0;
}

static void close_conn(int fd)
{
    matched[fd] = 0;
    close(fd); /* closing the last reference removes it from the epoll set */
}

/* hangup: the peer shut its side (or the socket failed), so read until EOF or error
 * rather than trusting a short read: no further edge will come. */
static void on_readable(int fd, int hangup)
{
    for (;;) {
        ssize_t r = read(fd, readbuf, sizeof(readbuf));
        if (r <= 0) {
            if (r < 0 && (errno == EAGAIN || errno == EINTR))
                return;
            close_conn(fd); /* EOF or error */
            return;
        }
        size_t n = count_requests(readbuf, (size_t)r, &matched[fd]);
        if (n > 0 && answer(fd, n) != 0) {
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
        if ((size_t)fd >= matched_cap) {
            close(fd);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.fd = fd};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0)
            close(fd);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: floor ADDR:PORT\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);

    matched_cap = bench_raise_nofile(1u << 20);
    matched = calloc(matched_cap, 1);
    for (size_t i = 0; i < BATCH; i++)
        memcpy(responses + i * RESPONSE_LEN, response, RESPONSE_LEN);

    struct sockaddr_in sin;
    int lfd = bench_parse_addr(argv[1], "floor", &sin) == 0 ? bench_listen(&sin, "floor") : -1;
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (lfd < 0 || ep < 0 || matched == NULL)
        return 1;
    struct epoll_event lev = {.events = EPOLLIN | EPOLLET, .data.fd = lfd};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev) != 0) {
        perror("floor: epoll_ctl");
        return 1;
    }

    struct epoll_event events[512];
    for (;;) {
        int n = epoll_wait(ep, events, 512, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("floor: epoll_wait");
            return 1;
        }
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;
            if (fd == lfd)
                on_listener(ep, lfd);
            else
                on_readable(fd, (events[i].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0);
        }
    }
}
