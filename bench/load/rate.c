/* bench/load/rate.c - a fixed-rate HTTP/1.1 load generator for bench/run (wrk2's idea).
 *
 * Latency compared at saturation measures queues, not servers: bench/run measures it at a
 * fixed rate (about half of peak) instead. Debian's wrk has no -R, and h2load's --rps times
 * each request from when it was sent, so a stalled server delays the requests behind it
 * and hides its stall (coordinated omission). This loader keeps a schedule: with -r RATE,
 * connection i of N sends its k-th request at t0 + (i + k*N) / RATE, one request in flight
 * per connection (keep-alive, no pipelining), and a request's latency runs from its
 * scheduled time, not from when it could be sent. How late the loader's timers sent their
 * requests is reported too (lag_p99_us; a send that waited for a late answer is the
 * server's delay, not counted there): when it grows, the loader or its CPU is behind.
 * Without -r it runs closed-loop (each connection sends its next request when the previous
 * answer is complete) and latency runs from the send.
 *
 * One thread, one epoll loop, precise timeouts (epoll_pwait2, timer slack 1 ns). Answers
 * are read to their end by Content-Length, chunked framing or close; nothing else of them is
 * checked but the status (2xx and 3xx count as good). Every run is bounded: -d seconds after
 * -w seconds of warm-up, or -n requests within -t seconds.
 *
 * Output on stdout: a line "start" when the measured window opens, "stop" when it closes
 * (bench/run reads the servers' CPU time at each), then "KEY VALUE" lines: requests,
 * seconds, rps, target_rps, p50_us p90_us p99_us p999_us max_us, lag_p99_us, errors,
 * non2xx, reconnects.
 *
 * Usage: rate [-c CONNS] [-r RATE] [-d SECONDS] [-w WARMUP_SECONDS] [-n COUNT]
 *             [-t TIMEOUT_SECONDS] [-H "Name: value"]... http://IPV4:PORT/PATH
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* epoll_pwait2 */
#endif
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
#include <strings.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define NS 1000000000ull
#define MAX_CONNS 10000
#define HEAD_MAX 16384

/* ---- histogram: log-linear buckets of nanoseconds, under 1% error (HdrHistogram's idea) */

#define SUB_BITS 7
#define SUB (1u << SUB_BITS)
#define HIST_SIZE (64 * (SUB / 2) + SUB)

struct histogram {
    uint64_t count[HIST_SIZE];
    uint64_t total, max;
};

static unsigned hist_index(uint64_t v)
{
    unsigned msb = 63u - (unsigned)__builtin_clzll(v | 1);
    unsigned shift = msb >= SUB_BITS ? msb - (SUB_BITS - 1) : 0;
    return shift * (SUB / 2) + (unsigned)(v >> shift);
}

static uint64_t hist_value(unsigned idx)
{
    if (idx < SUB)
        return idx;
    unsigned shift = (idx - SUB / 2) / (SUB / 2);
    uint64_t sub = idx - shift * (SUB / 2);
    return (sub << shift) + (1ull << shift) / 2; /* the bucket's middle */
}

static void hist_add(struct histogram *h, uint64_t v)
{
    h->count[hist_index(v)]++;
    h->total++;
    if (v > h->max)
        h->max = v;
}

static double hist_percentile_us(const struct histogram *h, double pct)
{
    if (h->total == 0)
        return 0;
    uint64_t want = (uint64_t)(h->total * pct / 100.0 + 0.5);
    uint64_t seen = 0;
    if (want == 0)
        want = 1;
    for (unsigned i = 0; i < HIST_SIZE; i++) {
        seen += h->count[i];
        if (seen >= want)
            return hist_value(i) / 1e3;
    }
    return h->max / 1e3;
}

/* ---- connections ------------------------------------------------------------------------ */

enum conn_state { C_DOWN, C_CONNECTING, C_IDLE, C_BUSY };

/* Where the answer being read is. */
enum resp_state {
    R_HEAD, R_LENGTH, R_UNTIL_CLOSE,
    R_CHUNK_SIZE, R_CHUNK_EXT, R_CHUNK_SIZE_LF, R_CHUNK_DATA, R_CHUNK_DATA_CR,
    R_CHUNK_DATA_LF, R_TRAILER_START, R_TRAILER_LINE, R_END_LF,
};

struct conn {
    int fd;
    enum conn_state state;
    int heap_pos;          /* index in the heap, or -1 */
    uint64_t due;          /* when to act: connect (C_DOWN) or send (C_IDLE) */
    uint64_t sched;        /* the scheduled time of the next or outstanding request */
    uint64_t sent;         /* when the outstanding request was written */
    enum resp_state rs;
    uint64_t remaining;    /* body or chunk bytes left */
    int status;
    bool close_after;      /* Connection: close */
    size_t head_len;
    char head[HEAD_MAX];
};

static struct {
    int conns;
    double rate;           /* requests/s over all connections; 0: closed loop */
    double seconds, warmup, timeout;
    uint64_t count;        /* -n; 0: run for -d seconds */
    struct sockaddr_in addr;
    char request[4096];
    size_t request_len;
} opt = {.conns = 50, .seconds = 10, .warmup = 0, .timeout = 60};

static struct conn *conns;
static struct conn **heap;
static int heap_len;
static int ep;

static struct {
    struct histogram latency, lag;
    uint64_t issued, completed, errors, non2xx, reconnects;
    bool measuring;
    uint64_t window_start, window_end;
} run;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

/* ---- a min-heap of connections by due time --------------------------------------------- */

static void heap_swap(int a, int b)
{
    struct conn *t = heap[a];
    heap[a] = heap[b];
    heap[b] = t;
    heap[a]->heap_pos = a;
    heap[b]->heap_pos = b;
}

static void sift_up(int i)
{
    while (i > 0 && heap[(i - 1) / 2]->due > heap[i]->due) {
        heap_swap(i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void sift_down(int i)
{
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        if (l < heap_len && heap[l]->due < heap[m]->due)
            m = l;
        if (r < heap_len && heap[r]->due < heap[m]->due)
            m = r;
        if (m == i)
            return;
        heap_swap(i, m);
        i = m;
    }
}

static void heap_push(struct conn *c)
{
    heap[heap_len] = c;
    c->heap_pos = heap_len++;
    sift_up(c->heap_pos);
}

static void heap_remove(struct conn *c)
{
    int i = c->heap_pos;
    if (i < 0)
        return;
    heap_swap(i, --heap_len);
    c->heap_pos = -1;
    if (i < heap_len) {
        sift_down(i);
        sift_up(i);
    }
}

static struct conn *heap_pop(void)
{
    struct conn *top = heap[0];
    heap_remove(top);
    return top;
}

/* ---- the schedule ----------------------------------------------------------------------- */

static uint64_t interval_ns(void)
{
    return (uint64_t)((double)opt.conns * NS / opt.rate);
}

static bool may_issue(uint64_t now)
{
    if (opt.count > 0)
        return run.issued < opt.count;
    return now < run.window_end;
}

static void conn_close(struct conn *c)
{
    heap_remove(c);
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->state = C_DOWN;
}

static void send_request(struct conn *c, uint64_t now, bool on_timer);

/* The connection is free for its next request at c->sched: send now if that is past. */
static void wait_turn(struct conn *c, uint64_t now)
{
    if (!may_issue(now)) {
        c->state = C_IDLE;
        return;
    }
    if (opt.rate == 0 || c->sched <= now) {
        send_request(c, now, false);
        return;
    }
    c->state = C_IDLE;
    c->due = c->sched;
    heap_push(c);
}

static void start_connect(struct conn *c)
{
    static const int one = 1;
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        perror("rate: socket");
        exit(1);
    }
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c->state = C_CONNECTING;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c};
    if ((connect(c->fd, (struct sockaddr *)&opt.addr, sizeof(opt.addr)) != 0 &&
         errno != EINPROGRESS) || epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) != 0) {
        run.errors++;
        conn_close(c);
        c->due = now_ns() + NS / 100; /* try again in 10 ms */
        heap_push(c);
    }
}

/* A failed or closed connection: count it, connect again; the schedule goes on. */
static void reconnect(struct conn *c, bool error)
{
    if (error)
        run.errors++;
    else
        run.reconnects++;
    conn_close(c);
    start_connect(c);
}

/* on_timer: sent because its time came (not because the previous answer came after it):
 * only those sends measure how late the loader itself is. */
static void send_request(struct conn *c, uint64_t now, bool on_timer)
{
    ssize_t w = write(c->fd, opt.request, opt.request_len);
    if (w != (ssize_t)opt.request_len) {
        reconnect(c, true);
        return;
    }
    run.issued++;
    c->sent = now;
    c->state = C_BUSY;
    c->rs = R_HEAD;
    c->head_len = 0;
    if (opt.rate > 0 && run.measuring && on_timer)
        hist_add(&run.lag, now > c->sched ? now - c->sched : 0);
}

/* ---- reading answers -------------------------------------------------------------------- */

static bool header_is(const char *line, const char *name, const char **value)
{
    size_t n = strlen(name);
    if (strncasecmp(line, name, n) != 0 || line[n] != ':')
        return false;
    *value = line + n + 1;
    while (**value == ' ' || **value == '\t')
        (*value)++;
    return true;
}

/* The head is complete (c->head, NUL-terminated): status and framing. */
static void parse_head(struct conn *c)
{
    const char *value;
    bool chunked = false, has_length = false;

    c->status = c->head_len > 12 ? atoi(c->head + 9) : 0;
    c->close_after = false;
    for (char *line = strstr(c->head, "\r\n"); line != NULL; line = strstr(line, "\r\n")) {
        line += 2;
        if (header_is(line, "content-length", &value)) {
            c->remaining = strtoull(value, NULL, 10);
            has_length = true;
        } else if (header_is(line, "transfer-encoding", &value)) {
            chunked = strncasecmp(value, "chunked", 7) == 0;
        } else if (header_is(line, "connection", &value)) {
            c->close_after = strncasecmp(value, "close", 5) == 0;
        }
    }
    if (c->status / 100 == 1 && c->status != 101) {
        c->head_len = 0; /* an interim answer: the final one follows */
        c->rs = R_HEAD;
    } else if (c->status == 204 || c->status == 304) {
        c->remaining = 0, c->rs = R_LENGTH;
    } else if (chunked) {
        c->remaining = 0, c->rs = R_CHUNK_SIZE;
    } else if (has_length) {
        c->rs = R_LENGTH;
    } else {
        c->rs = R_UNTIL_CLOSE;
    }
}

static int hex_digit(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    ch |= 0x20;
    return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* Consumes answer bytes; returns how many, and sets *done when the answer ended. Returns
 * -1 on bytes that cannot be an answer. */
static ssize_t consume(struct conn *c, const char *p, size_t len, bool *done)
{
    size_t i = 0;
    *done = false;
    while (i < len && !*done) {
        char ch = p[i];
        switch (c->rs) {
        case R_HEAD:
            if (c->head_len + 1 >= HEAD_MAX)
                return -1;
            c->head[c->head_len++] = ch;
            i++;
            if (c->head_len >= 4 && memcmp(c->head + c->head_len - 4, "\r\n\r\n", 4) == 0) {
                c->head[c->head_len] = '\0';
                parse_head(c);
                *done = c->rs == R_LENGTH && c->remaining == 0;
            }
            break;
        case R_LENGTH: {
            size_t k = len - i < c->remaining ? len - i : (size_t)c->remaining;
            i += k;
            c->remaining -= k;
            *done = c->remaining == 0;
            break;
        }
        case R_UNTIL_CLOSE:
            i = len;
            break;
        case R_CHUNK_SIZE:
            i++;
            if (hex_digit(ch) >= 0)
                c->remaining = c->remaining * 16 + (uint64_t)hex_digit(ch);
            else if (ch == ';')
                c->rs = R_CHUNK_EXT;
            else if (ch == '\r')
                c->rs = R_CHUNK_SIZE_LF;
            else
                return -1;
            break;
        case R_CHUNK_EXT:
            i++;
            if (ch == '\r')
                c->rs = R_CHUNK_SIZE_LF;
            break;
        case R_CHUNK_SIZE_LF:
            i++;
            if (ch != '\n')
                return -1;
            c->rs = c->remaining == 0 ? R_TRAILER_START : R_CHUNK_DATA;
            break;
        case R_CHUNK_DATA: {
            size_t k = len - i < c->remaining ? len - i : (size_t)c->remaining;
            i += k;
            c->remaining -= k;
            if (c->remaining == 0)
                c->rs = R_CHUNK_DATA_CR;
            break;
        }
        case R_CHUNK_DATA_CR:
        case R_CHUNK_DATA_LF:
            i++;
            if (ch != (c->rs == R_CHUNK_DATA_CR ? '\r' : '\n'))
                return -1;
            c->rs = c->rs == R_CHUNK_DATA_CR ? R_CHUNK_DATA_LF : R_CHUNK_SIZE;
            break;
        case R_TRAILER_START:
            i++;
            c->rs = ch == '\r' ? R_END_LF : R_TRAILER_LINE;
            break;
        case R_TRAILER_LINE:
            i++;
            if (ch == '\n')
                c->rs = R_TRAILER_START;
            break;
        case R_END_LF:
            i++;
            if (ch != '\n')
                return -1;
            *done = true;
            break;
        }
    }
    return (ssize_t)i;
}

static void answered(struct conn *c, uint64_t now)
{
    run.completed++;
    if (run.measuring) {
        uint64_t from = opt.rate > 0 ? c->sched : c->sent;
        hist_add(&run.latency, now > from ? now - from : 0);
        if (c->status < 200 || c->status >= 400)
            run.non2xx++;
    }
    c->sched += opt.rate > 0 ? interval_ns() : 0;
    if (c->close_after) {
        reconnect(c, false);
        return;
    }
    wait_turn(c, now);
}

static void on_readable(struct conn *c, uint64_t now)
{
    static char buf[65536];
    for (;;) {
        ssize_t r = read(c->fd, buf, sizeof(buf));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && errno == EAGAIN)
            return;
        if (r <= 0) {
            bool complete = c->state == C_BUSY && c->rs == R_UNTIL_CLOSE;
            if (complete) {
                c->close_after = true;
                answered(c, now);
            } else {
                reconnect(c, c->state == C_BUSY || r < 0);
            }
            return;
        }
        size_t off = 0;
        while (off < (size_t)r) {
            bool done;
            ssize_t k = c->state == C_BUSY ? consume(c, buf + off, (size_t)r - off, &done) : -1;
            if (k < 0) {
                reconnect(c, true); /* bytes nobody asked for, or not an answer */
                return;
            }
            off += (size_t)k;
            if (done) {
                answered(c, now);
                if (c->state != C_BUSY && off < (size_t)r) {
                    reconnect(c, true);
                    return;
                }
            }
        }
        if ((size_t)r < sizeof(buf))
            return;
    }
}

static void on_event(struct conn *c, uint32_t events, uint64_t now)
{
    if (c->state == C_CONNECTING) {
        int err = 0;
        socklen_t len = sizeof(err);
        if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
            return;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0 || (events & (EPOLLERR | EPOLLHUP))) {
            run.errors++;
            conn_close(c);
            c->due = now + NS / 100;
            heap_push(c);
            return;
        }
        wait_turn(c, now);
        return;
    }
    if (c->fd >= 0 && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
        on_readable(c, now);
}

/* ---- the loop ----------------------------------------------------------------------------- */

static void act_on_due(uint64_t now)
{
    while (heap_len > 0 && heap[0]->due <= now) {
        struct conn *c = heap_pop();
        if (c->state == C_DOWN)
            start_connect(c);
        else if (may_issue(now))
            send_request(c, now, true);
    }
}

static bool finished(uint64_t now)
{
    if (opt.count > 0)
        return run.completed >= opt.count;
    return now >= run.window_end;
}

static void open_window(uint64_t now)
{
    run.measuring = true;
    run.window_start = now;
    run.completed = 0;
    memset(&run.latency, 0, sizeof(run.latency));
    memset(&run.lag, 0, sizeof(run.lag));
    run.errors = run.non2xx = run.reconnects = 0;
    printf("start\n");
    fflush(stdout);
}

static void report(uint64_t end, bool timed_out)
{
    double secs = (double)(end - run.window_start) / NS;
    printf("stop\n");
    printf("requests %llu\n", (unsigned long long)run.latency.total);
    printf("seconds %.3f\n", secs);
    printf("rps %.1f\n", secs > 0 ? run.latency.total / secs : 0);
    printf("target_rps %.1f\n", opt.rate);
    printf("p50_us %.1f\np90_us %.1f\np99_us %.1f\np999_us %.1f\nmax_us %.1f\n",
           hist_percentile_us(&run.latency, 50), hist_percentile_us(&run.latency, 90),
           hist_percentile_us(&run.latency, 99), hist_percentile_us(&run.latency, 99.9),
           run.latency.max / 1e3);
    printf("lag_p99_us %.1f\n", hist_percentile_us(&run.lag, 99));
    printf("errors %llu\nnon2xx %llu\nreconnects %llu\n", (unsigned long long)run.errors,
           (unsigned long long)run.non2xx, (unsigned long long)run.reconnects);
    printf("timed_out %d\n", timed_out ? 1 : 0);
    fflush(stdout);
}

static int loop(void)
{
    static struct epoll_event events[1024];
    uint64_t t0 = now_ns();
    uint64_t open_at = t0 + (uint64_t)(opt.count > 0 ? 0 : opt.warmup * NS);
    uint64_t deadline = opt.count > 0 ? t0 + (uint64_t)(opt.timeout * NS)
                                      : open_at + (uint64_t)((opt.seconds + 10) * NS);
    run.window_end = opt.count > 0 ? deadline : open_at + (uint64_t)(opt.seconds * NS);

    for (int i = 0; i < opt.conns; i++) {
        struct conn *c = &conns[i];
        c->fd = -1;
        c->heap_pos = -1;
        c->sched = opt.rate > 0 ? t0 + (uint64_t)(i * (double)NS / opt.rate) : t0;
        start_connect(c);
    }
    for (;;) {
        uint64_t now = now_ns();
        if (!run.measuring && now >= open_at)
            open_window(now);
        if (run.measuring && finished(now)) {
            report(opt.count > 0 ? now : run.window_end, false);
            return 0;
        }
        if (now >= deadline) {
            report(now, true);
            return 1;
        }
        act_on_due(now);
        uint64_t wake = run.measuring ? run.window_end : open_at;
        if (heap_len > 0 && heap[0]->due < wake)
            wake = heap[0]->due;
        if (deadline < wake)
            wake = deadline;
        now = now_ns();
        uint64_t wait = wake > now ? wake - now : 0;
        struct timespec ts = {.tv_sec = (time_t)(wait / NS), .tv_nsec = (long)(wait % NS)};
        int n = epoll_pwait2(ep, events, 1024, &ts, NULL);
        if (n < 0 && errno != EINTR) {
            perror("rate: epoll_pwait2");
            return 1;
        }
        now = now_ns();
        for (int i = 0; i < n; i++)
            on_event(events[i].data.ptr, events[i].events, now);
    }
}

/* ---- options -------------------------------------------------------------------------- */

static int usage(void)
{
    fprintf(stderr, "usage: rate [-c CONNS] [-r RATE] [-d SECONDS] [-w WARMUP] [-n COUNT] "
                    "[-t TIMEOUT] [-H 'Name: value']... http://IPV4:PORT/PATH\n");
    return 2;
}

/* http://IPV4:PORT/PATH -> opt.addr and the request's target and Host. */
static int parse_url(const char *url, char *host, size_t host_size, const char **path)
{
    char addr[64];
    if (strncmp(url, "http://", 7) != 0)
        return -1;
    const char *authority = url + 7;
    const char *slash = strchr(authority, '/');
    *path = slash ? slash : "/";
    size_t alen = slash ? (size_t)(slash - authority) : strlen(authority);
    const char *colon = memchr(authority, ':', alen);
    if (colon == NULL || alen >= host_size || (size_t)(colon - authority) >= sizeof(addr))
        return -1;
    memcpy(host, authority, alen);
    host[alen] = '\0';
    memcpy(addr, authority, (size_t)(colon - authority));
    addr[colon - authority] = '\0';
    opt.addr.sin_family = AF_INET;
    opt.addr.sin_port = htons((uint16_t)atoi(colon + 1));
    return inet_pton(AF_INET, addr, &opt.addr.sin_addr) == 1 ? 0 : -1;
}

static int parse_options(int argc, char **argv)
{
    char extra[2048] = "";
    size_t extra_len = 0;
    bool has_host = false;
    int ch;
    while ((ch = getopt(argc, argv, "c:r:d:w:n:t:H:")) != -1) {
        switch (ch) {
        case 'c': opt.conns = atoi(optarg); break;
        case 'r': opt.rate = atof(optarg); break;
        case 'd': opt.seconds = atof(optarg); break;
        case 'w': opt.warmup = atof(optarg); break;
        case 'n': opt.count = strtoull(optarg, NULL, 10); break;
        case 't': opt.timeout = atof(optarg); break;
        case 'H': {
            int n = snprintf(extra + extra_len, sizeof(extra) - extra_len, "%s\r\n", optarg);
            if (n < 0 || (size_t)n >= sizeof(extra) - extra_len)
                return usage();
            extra_len += (size_t)n;
            has_host |= strncasecmp(optarg, "host:", 5) == 0;
            break;
        }
        default: return usage();
        }
    }
    char host[256];
    const char *path;
    if (optind != argc - 1 || parse_url(argv[optind], host, sizeof(host), &path) != 0 ||
        opt.conns < 1 || opt.conns > MAX_CONNS || opt.rate < 0 || opt.seconds <= 0 ||
        opt.seconds > 600 || opt.warmup < 0 || opt.warmup > 60 || opt.timeout <= 0 ||
        opt.timeout > 600)
        return usage();
    int n = snprintf(opt.request, sizeof(opt.request), "GET %s HTTP/1.1\r\n%s%s%s%s\r\n",
                     path, has_host ? "" : "Host: ", has_host ? "" : host,
                     has_host ? "" : "\r\n", extra);
    if (n < 0 || (size_t)n >= sizeof(opt.request))
        return usage();
    opt.request_len = (size_t)n;
    return 0;
}

int main(int argc, char **argv)
{
    if (parse_options(argc, argv) != 0)
        return 2;
    signal(SIGPIPE, SIG_IGN);
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0); /* wake at the schedule, not 50 µs after */
    conns = calloc((size_t)opt.conns, sizeof(*conns));
    heap = calloc((size_t)opt.conns, sizeof(*heap));
    ep = epoll_create1(EPOLL_CLOEXEC);
    if (conns == NULL || heap == NULL || ep < 0) {
        perror("rate");
        return 1;
    }
    return loop();
}
