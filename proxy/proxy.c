/* proxy/proxy.c - proxy.h: picking peers, connections, sending the request, reading the
 * response head, and what happens when an attempt fails. The body and the tunnel are
 * relayed by proxy/proxy_relay.c.
 */
#include "proxy/proxy.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "core/clock.h"
#include "core/log.h"
#include "proxy/access_log.h"
#include "proxy/http_conn.h"
#include "proxy/proxy_request.h"
#include "proxy/proxy_session.h"
#include "proxy/request.h"
#include "proxy/static.h"
#include "proxy/static_file.h"
#include "proxy/upstream_conn.h"
#include "proxy/upstream_group.h"
#include "proxy/variables.h"
#include "proxy/worker.h"

struct pt_proxy_stats pt_proxy_stats;

static const struct pt_conf_proxy *conf_of(const struct pt_proxy *p)
{
    return &p->r->values->proxy;
}

/* pt_proxy_drive's steps return this to go on with the next state at once. */
#define STEP_ON ((enum pt_proxy_step)PT_PROXY_STEP_ON)

static void on_upstream_event(void *owner, uint32_t events);
static void on_upstream_timer(void *owner);

/* ---- the log and the variables ---- */

static void note_addr(struct pt_proxy *p)
{
    struct pt_proxy_info *in = &p->info;

    if (in->addr_count < PT_PROXY_NOTED)
        in->addrs[in->addr_count++] = pt_upstream_peer_text(p->g->balancer, (uint32_t)p->peer);
}

static void note_status(struct pt_proxy *p, uint16_t status)
{
    struct pt_proxy_info *in = &p->info;

    if (in->status_count < PT_PROXY_NOTED)
        in->statuses[in->status_count++] = status;
}

const struct pt_proxy_info *pt_proxy_info(const struct pt_request *r)
{
    return r->proxy ? &r->proxy->info : NULL;
}

const char *pt_proxy_upstream_header(const struct pt_request *r, const char *name,
                                     size_t len, size_t *value_len)
{
    const struct pt_proxy *p = r->proxy;
    const char *base;

    if (p == NULL || !p->status || p->in.data == NULL || p->own_page)
        return NULL;
    base = p->in.data + p->in.start;
    for (uint16_t i = 0; i < p->resp.head.header_count; i++) {
        const struct pt_http_header *h = &p->resp.head.headers[i];
        const char *n = base + h->name.off;
        size_t k = 0;
        if (h->name.len != len)
            continue;
        while (k < len && (n[k] | 0x20) == ((name[k] == '_' ? '-' : name[k]) | 0x20))
            k++;
        if (k == len) {
            *value_len = h->value.len;
            return base + h->value.off;
        }
    }
    return NULL;
}

void pt_proxy_log(struct pt_request *r)
{
    struct pt_proxy *p = r->proxy;

    if (p->own_page) { /* portico's page is in out, as any response of its own */
        pt_access_log_request(r);
        return;
    }
    const struct pt_log_response lr = {
        .status = p->status ? p->status : 502,
        .bytes_sent = p->client_head_len + p->client_body_bytes,
        .body_bytes_sent = p->client_body_bytes,
    };

    pt_access_log_response(r, &lr);
}

/* ---- life ---- */

static void drop_connection(struct pt_proxy *p, int reusable)
{
    if (p->uc) {
        pt_timer_cancel(&pt_worker.reactor.timers, &p->uc->conn.timer);
        pt_upstream_conn_release(p->uc, reusable);
        p->uc = NULL;
    }
}

/* Sessions are reused (a proxied request does not cost a malloc): a few kept per worker. */
#define KEEP_FREE 64
static struct pt_proxy *free_sessions;
static unsigned free_count;

static struct pt_proxy *session_alloc(void)
{
    struct pt_proxy *p = free_sessions;

    if (p == NULL)
        return malloc(sizeof(*p));
    free_sessions = p->next_free;
    free_count--;
    return p;
}

void pt_proxy_free(struct pt_proxy *p)
{
    if (p == NULL)
        return;
    drop_connection(p, 0);
    if (p->peer >= 0)
        pt_upstream_done(p->g->balancer, (uint32_t)p->peer, 0, pt_now_ms);
    pt_buf_release(&p->head_out);
    pt_buf_release(&p->in);
    pt_buf_release(&p->up_out);
    if (free_count >= KEEP_FREE) {
        free(p);
        return;
    }
    p->next_free = free_sessions;
    free_sessions = p;
    free_count++;
}

void pt_proxy_finish(struct pt_proxy *p, int complete)
{
    p->info.end_ms = pt_now_ms;
    drop_connection(p, complete && p->upstream_keep);
    if (p->peer >= 0)
        pt_upstream_done(p->g->balancer, (uint32_t)p->peer, 0, pt_now_ms);
    p->peer = -1;
    p->state = P_FINISHED;
}

/* The key ip_hash and hash pick by. */
static size_t balance_key(struct pt_proxy *p, struct pt_buf *scratch, const void **key)
{
    const struct pt_conf_upstream *u = p->g->conf;
    const union pt_sockaddr *a = &p->hc->conn.peer;

    if (u->balancer == PT_BALANCE_IP_HASH) {
        if (a->sa.sa_family == AF_INET6) {
            *key = &a->in6.sin6_addr;
            return 16;
        }
        *key = &a->in.sin_addr;
        return 4;
    }
    if (u->balancer == PT_BALANCE_HASH && pt_complex_eval(p->r, &u->hash_key, scratch) == 0) {
        *key = scratch->data ? scratch->data + scratch->start : "";
        return pt_buf_len(scratch);
    }
    *key = "";
    return 0;
}

int pt_proxy_start(struct pt_request *r)
{
    struct pt_proxy *p = session_alloc();

    if (p == NULL)
        return -1;
    memset(p, 0, offsetof(struct pt_proxy, headers));
    p->r = r;
    p->hc = r->hc;
    p->peer = -1;
    p->g = pt_upstream_group_of(r->values->proxy.pass.upstream);
    if (p->g == NULL) {
        free(p);
        return -1;
    }
    p->info.start_ms = pt_now_ms;
    r->proxy = p;
    pt_proxy_stats.requests++;
    return 0;
}

/* ---- answering for the upstream ---- */

/* 502 / 504 as portico's own page (through error_page, as nginx). */
static enum pt_proxy_step answer_error(struct pt_proxy *p, uint16_t status)
{
    int rc;

    p->status = status;
    if (p->started)
        return PT_PROXY_CLOSE; /* a response is under way: only a cut can tell */
    rc = pt_static_page(p->r, status, NULL, 0);
    if (rc == PT_STATIC_REDIRECT)
        return PT_PROXY_REDIRECT;
    if (rc != 0)
        return PT_PROXY_CLOSE;
    p->started = 1;
    p->own_page = 1;
    p->state = P_FINISHED;
    return PT_PROXY_DONE;
}

static int idempotent(const struct pt_request *r)
{
    enum pt_http_method m = r->head.method_id;

    return m != PT_METHOD_POST && m != PT_METHOD_PATCH &&
           !(m == PT_METHOD_OTHER && r->head.method.len == 4 &&
             memcmp(r->hc->in.data + r->hc->in.start + r->head.method.off, "LOCK", 4) == 0);
}

/* proxy_next_upstream: whether another peer may get the request after a failure. */
static int may_try_next(const struct pt_proxy *p, uint32_t condition)
{
    const struct pt_conf_proxy *pc = conf_of(p);

    if (!(pc->next_upstream & condition) || p->started)
        return 0;
    if (pc->next_upstream_tries && p->attempts >= pc->next_upstream_tries)
        return 0;
    if (pc->next_upstream_timeout &&
        pt_now_ms - p->info.start_ms >= (uint64_t)pc->next_upstream_timeout)
        return 0;
    if (p->body_streamed) /* what went is gone from the client's buffer */
        return 0;
    return !p->sent_any || idempotent(p->r) || (pc->next_upstream & PT_NEXT_NON_IDEMPOTENT);
}

static void log_fault(const struct pt_proxy *p, enum proxy_fault f, int err, const char *what)
{
    char addr[INET6_ADDRSTRLEN] = "?";

    pt_sockaddr_text(&p->hc->conn.peer, addr, sizeof(addr));
    pt_log(PT_LOG_ERR, "%s%s%s while %s, client: %s, upstream: \"%s\"",
           f == F_TIMEOUT ? "upstream timed out" : what, err ? ": " : "",
           err ? strerror(-err) : "",
           p->state == P_SEND      ? "sending request to upstream"
           : p->state == P_CONNECT ? "connecting to upstream"
           : p->state == P_HEAD    ? "reading response header from upstream"
                                   : "reading upstream",
           addr,
           p->peer >= 0 ? pt_upstream_peer_text(p->g->balancer, (uint32_t)p->peer) : "");
}

/* An attempt failed before the response head was complete. */
static enum pt_proxy_step attempt_failed(struct pt_proxy *p, enum proxy_fault f, int err,
                                         const char *what)
{
    int stale = p->uc && p->uc->reused && !p->got_bytes && f == F_ERROR && !p->stale_retried &&
                !p->body_streamed;

    drop_connection(p, 0);
    if (stale) {
        /* The backend closed an idle connection as it was reused: not the peer's fault,
         * and not the request's: once more on a fresh connection, whatever the method. */
        p->stale_retried = 1;
        p->retry_same_peer = 1;
        pt_proxy_stats.stale_retries++;
        pt_log(PT_LOG_INFO, "upstream \"%s\" closed a kept-alive connection before answering "
               "(%s); retrying on a new connection",
               pt_upstream_peer_text(p->g->balancer, (uint32_t)p->peer), what);
        p->state = P_CONNECT;
        return STEP_ON;
    }
    log_fault(p, f, err, what);
    p->fail_status = f == F_TIMEOUT ? 504 : 502;
    note_status(p, f == F_TIMEOUT ? 504 : 502);
    if (p->peer >= 0)
        pt_upstream_done(p->g->balancer, (uint32_t)p->peer, 1, pt_now_ms);
    p->peer = -1;
    if (may_try_next(p, f)) {
        pt_proxy_stats.next_upstream++;
        p->state = P_CONNECT;
        return STEP_ON;
    }
    return answer_error(p, f == F_TIMEOUT ? 504 : 502);
}

/* ---- connecting ---- */

static void arm(struct pt_proxy *p, pt_msec_t timeout)
{
    pt_timer_set(&pt_worker.reactor.timers, &p->uc->conn.timer, pt_now_ms + (uint64_t)timeout);
}

static int build_request(struct pt_proxy *p)
{
    const struct pt_request *r = p->r;
    const struct pt_conf_proxy *pc = conf_of(p);
    int keep = p->g->conf->keepalive > 0 && pc->http_version == 11;

    enum pt_proxy_body body = PT_PROXY_BODY_NONE;
    uint64_t len = r->body.len;

    p->head_out.start = p->head_out.end = 0;
    p->body_sent = 0;
    p->sent_any = 0;
    if (p->head_out.data == NULL && pt_buf_alloc(&p->head_out, 1024) != 0)
        return -1;
    if (pc->pass_request_body && r->stream_body) {
        body = r->body_chunked ? PT_PROXY_BODY_CHUNKED : PT_PROXY_BODY_LENGTH;
        len = r->head.head.content_length;
    } else if (pc->pass_request_body && (len || r->head.head.framing != PT_BODY_NONE)) {
        body = PT_PROXY_BODY_LENGTH;
    }
    return pt_proxy_request_head(r, keep, body, len, &p->head_out);
}

static enum pt_proxy_step step_connect(struct pt_proxy *p)
{
    struct pt_buf scratch = {0};
    const void *key;
    size_t key_len;
    int err = 0;

    /* A retry reads a new response: the last attempt's bytes and parser state go (else
     * its head, say a 503 that proxy_next_upstream skips, is parsed again). */
    pt_buf_release(&p->in);
    if (!p->retry_same_peer) {
        key_len = balance_key(p, &scratch, &key);
        p->peer = pt_upstream_pick(p->g->balancer, key, key_len, &p->tries, pt_now_ms);
        pt_buf_release(&scratch);
        if (p->peer < 0) {
            if (p->attempts == 0)
                pt_log(PT_LOG_ERR, "no live upstreams while connecting to upstream \"%s\"",
                       p->g->conf->name);
            /* after failed attempts, the last one's status (nginx: 504 after a timeout) */
            return answer_error(p, p->fail_status ? p->fail_status : 502);
        }
        p->uc = pt_upstream_conn_reuse(p->g, (uint32_t)p->peer, p, on_upstream_event,
                                       on_upstream_timer);
    }
    p->retry_same_peer = 0;
    p->attempts++;
    note_addr(p);
    p->got_bytes = 0;
    if (p->uc == NULL) {
        p->uc = pt_upstream_conn_open(p->g, (uint32_t)p->peer, p, on_upstream_event,
                                      on_upstream_timer, &err);
        if (p->uc == NULL)
            return attempt_failed(p, F_ERROR, err, "connect() failed");
        pt_proxy_stats.connects++;
    }
    if (build_request(p) != 0)
        return PT_PROXY_CLOSE;
    p->state = P_SEND;
    arm(p, p->uc->connecting ? conf_of(p)->connect_timeout : conf_of(p)->send_timeout);
    return STEP_ON;
}

/* ---- sending ---- */

static ssize_t send_some(struct pt_proxy *p)
{
    const struct pt_request_body *b = &p->r->body;
    uint64_t body_len = conf_of(p)->pass_request_body ? b->len : 0;
    struct iovec iov[2];
    int n = 0;

    if (pt_buf_len(&p->head_out))
        iov[n++] = (struct iovec){p->head_out.data + p->head_out.start, pt_buf_len(&p->head_out)};
    if (p->body_sent < body_len && b->fd <= 0)
        iov[n++] = (struct iovec){b->mem.data + b->mem.start + p->body_sent,
                                  (size_t)(body_len - p->body_sent)};
    if (n)
        return pt_conn_writev(&p->uc->conn, iov, n);
    /* A body in a temporary file goes by sendfile (through the conn's io, as TLS will). */
    off_t off = (off_t)p->body_sent;
    size_t want = body_len - p->body_sent > (1u << 20) ? (1u << 20) : body_len - p->body_sent;
    ssize_t w = p->uc->conn.io->sendfile(&p->uc->conn, b->fd, &off, want);
    if (w == -EAGAIN)
        p->uc->conn.write_ready = 0;
    return w;
}

static enum pt_proxy_step step_send(struct pt_proxy *p)
{
    uint64_t body_len = conf_of(p)->pass_request_body ? p->r->body.len : 0;

    if (p->uc->connecting) {
        int err;
        if (!p->uc->conn.write_ready)
            return PT_PROXY_WAIT;
        if ((err = pt_upstream_conn_connect_result(p->uc)) != 0)
            return attempt_failed(p, F_ERROR, err, "connect() failed");
        p->info.connect_ms = pt_now_ms;
        arm(p, conf_of(p)->send_timeout);
    } else if (!p->info.connect_ms) {
        p->info.connect_ms = pt_now_ms;
    }
    while (pt_buf_len(&p->head_out) || p->body_sent < body_len) {
        ssize_t n;
        if (!p->uc->conn.write_ready)
            return PT_PROXY_WAIT;
        n = send_some(p);
        if (n == -EAGAIN)
            return PT_PROXY_WAIT;
        if (n < 0)
            return attempt_failed(p, F_ERROR, (int)n, "writev() failed");
        p->sent_any = 1;
        p->info.bytes_sent += (uint64_t)n;
        uint32_t from_head = (uint32_t)n < pt_buf_len(&p->head_out) ? (uint32_t)n
                                                                   : pt_buf_len(&p->head_out);
        p->head_out.start += from_head;
        p->body_sent += (uint64_t)n - from_head;
    }
    if (p->r->stream_body && conf_of(p)->pass_request_body) {
        int st = pt_proxy_stream_body(p);
        if (st != PT_PROXY_STEP_ON)
            return st == -1 ? attempt_failed(p, F_ERROR, 0, "writev() failed")
                            : (enum pt_proxy_step)st;
    }
    p->state = P_HEAD;
    arm(p, conf_of(p)->read_timeout);
    return STEP_ON;
}

/* ---- the response head ---- */

static enum pt_proxy_out_framing choose_framing(struct pt_proxy *p)
{
    const struct pt_request *r = p->r;
    int client_11 = r->head.head.version_minor >= 1;

    p->up_framing = p->resp.head.framing;
    switch (p->resp.head.framing) {
    case PT_BODY_LENGTH:
        p->body_left = p->resp.head.content_length;
        return PT_OUT_NONE;
    case PT_BODY_CHUNKED:
        pt_chunked_init(&p->chunked, 0, 0);
        if (client_11)
            return PT_OUT_CHUNKED;
        p->decode_chunked = 1;
        return PT_OUT_CLOSE;
    case PT_BODY_UNTIL_CLOSE:
    case PT_BODY_TUNNEL:
        return PT_OUT_CLOSE;
    default:
        return PT_OUT_NONE;
    }
}

/* proxy_next_upstream http_5xx / http_4xx: another peer for this status, if allowed. */
static uint32_t status_condition(uint16_t status)
{
    switch (status) {
    case 500: return PT_NEXT_HTTP_500;
    case 502: return PT_NEXT_HTTP_502;
    case 503: return PT_NEXT_HTTP_503;
    case 504: return PT_NEXT_HTTP_504;
    case 403: return PT_NEXT_HTTP_403;
    case 404: return PT_NEXT_HTTP_404;
    case 429: return PT_NEXT_HTTP_429;
    default: return 0;
    }
}

static int has_untried_peer(const struct pt_proxy *p)
{
    return p->tries.count < p->g->balancer->peer_count;
}

/* A complete head: go on to another peer, answer with an error page, or relay it. */
static enum pt_proxy_step on_head(struct pt_proxy *p)
{
    uint32_t cond = status_condition(p->resp.status);
    int upgrade = p->resp.status == 101;

    p->status = p->resp.status;
    p->info.header_ms = pt_now_ms;
    note_status(p, p->resp.status);
    if (cond && may_try_next(p, cond) && has_untried_peer(p)) {
        /* nginx counts 500/502/503/504 (and 429) as the peer failing; 403/404 not. */
        int failed = cond != PT_NEXT_HTTP_403 && cond != PT_NEXT_HTTP_404;
        drop_connection(p, 0);
        pt_upstream_done(p->g->balancer, (uint32_t)p->peer, failed, pt_now_ms);
        p->peer = -1;
        p->status = 0;
        pt_proxy_stats.next_upstream++;
        p->state = P_CONNECT;
        return STEP_ON;
    }
    if (upgrade && !(p->r->head.head.flags & PT_HTTP_UPGRADE))
        return attempt_failed(p, F_INVALID, 0, "upstream sent 101 to a request without Upgrade");
    if (p->resp.status >= 300 && conf_of(p)->intercept_errors) {
        int rc = pt_request_error_page(p->r, p->resp.status);
        if (rc != 0) /* error_page took over: the upstream's body is not wanted */
            pt_proxy_finish(p, 0);
        if (rc < 0)
            return PT_PROXY_CLOSE;
        if (rc == 1)
            return PT_PROXY_REDIRECT;
        if (rc == 2) { /* a redirect to a URL, answered here */
            p->started = p->own_page = 1;
            return PT_PROXY_DONE;
        }
    }
    p->upstream_keep = (p->resp.head.flags & PT_HTTP_KEEP_ALIVE) != 0;
    p->framing = upgrade ? PT_OUT_UPGRADE : choose_framing(p);
    p->head_only = p->r->head.method_id == PT_METHOD_HEAD;
    p->client_keep = p->r->keep_alive && p->framing != PT_OUT_CLOSE && !upgrade;
    p->r->keep_alive = p->client_keep;
    return pt_proxy_relay_begin(p, p->in.data + p->in.start + p->resp.head.head_length,
                                pt_buf_len(&p->in) - p->resp.head.head_length) == 0
               ? STEP_ON
               : PT_PROXY_CLOSE;
}

static enum pt_proxy_step step_head(struct pt_proxy *p)
{
    const struct pt_conf_proxy *pc = conf_of(p);

    if (p->in.data == NULL) {
        if (pt_buf_alloc(&p->in, pc->buffer_size) != 0)
            return PT_PROXY_CLOSE;
        pt_http_response_init(&p->resp, p->headers, PT_PROXY_MAX_HEADERS, NULL,
                              p->r->head.method_id);
    }
    for (;;) {
        ssize_t n;
        int rc;
        if (pt_buf_room(&p->in) == 0)
            return attempt_failed(p, F_INVALID, 0, "upstream sent too big header");
        if (!p->uc->conn.read_ready) /* no recv() that can only say EAGAIN */
            return PT_PROXY_WAIT;
        n = pt_conn_recv(&p->uc->conn, p->in.data + p->in.end, pt_buf_room(&p->in));
        if (n == -EAGAIN)
            return PT_PROXY_WAIT;
        if (n == 0)
            return attempt_failed(p, F_ERROR, 0, "upstream prematurely closed connection");
        if (n < 0)
            return attempt_failed(p, F_ERROR, (int)n, "recv() failed");
        p->got_bytes = 1;
        p->info.bytes_received += (uint64_t)n;
        p->in.end += (uint32_t)n;
        rc = pt_http_response_parse(&p->resp, p->in.data + p->in.start, pt_buf_len(&p->in));
        if (rc == PT_PARSE_ERROR)
            return attempt_failed(p, F_INVALID, 0, "upstream sent an invalid header");
        while (rc == PT_PARSE_DONE && p->resp.status < 200 && p->resp.status != 101) {
            /* 100 Continue and other interim responses: not relayed (nginx) */
            p->in.start += p->resp.head.head_length;
            pt_http_response_init(&p->resp, p->headers, PT_PROXY_MAX_HEADERS, NULL,
                                  p->r->head.method_id);
            rc = pt_buf_len(&p->in) ? pt_http_response_parse(&p->resp, p->in.data + p->in.start,
                                                             pt_buf_len(&p->in))
                                    : PT_PARSE_AGAIN;
            if (rc == PT_PARSE_ERROR)
                return attempt_failed(p, F_INVALID, 0, "upstream sent an invalid header");
        }
        if (rc == PT_PARSE_DONE)
            return on_head(p);
        if (pt_buf_room(&p->in) == 0 && p->in.start > 0)
            pt_buf_compact(&p->in);
    }
}

/* ---- events ---- */

static enum pt_proxy_step on_timeout(struct pt_proxy *p);

enum pt_proxy_step pt_proxy_drive(struct pt_proxy *p)
{
    if (p->timed_out) {
        enum pt_proxy_step s = on_timeout(p);
        if (s != STEP_ON)
            return s;
    }
    for (;;) {
        enum pt_proxy_step s;
        switch (p->state) {
        case P_CONNECT:
            s = step_connect(p);
            break;
        case P_SEND:
            s = step_send(p);
            break;
        case P_HEAD:
            s = step_head(p);
            break;
        case P_BODY:
            s = pt_proxy_relay(p);
            break;
        case P_TUNNEL:
            s = pt_proxy_tunnel(p);
            break;
        default:
            return PT_PROXY_DONE;
        }
        if (s != STEP_ON)
            return s;
    }
}

static void on_upstream_event(void *owner, uint32_t events)
{
    struct pt_proxy *p = owner;

    (void)events;
    pt_http_conn_resume(p->hc);
}

static void on_upstream_timer(void *owner)
{
    struct pt_proxy *p = owner;

    p->timed_out = 1;
    pt_http_conn_resume(p->hc);
}

/* proxy_connect_timeout, proxy_send_timeout or proxy_read_timeout passed. */
static enum pt_proxy_step on_timeout(struct pt_proxy *p)
{
    p->timed_out = 0;
    if (p->state == P_SEND && p->waiting_client) { /* client_body_timeout, as nginx: 408 */
        pt_log(PT_LOG_INFO, "client timed out while sending the request body upstream");
        drop_connection(p, 0);
        p->r->keep_alive = 0;
        return answer_error(p, 408);
    }
    if (p->state == P_BODY || p->state == P_TUNNEL) {
        log_fault(p, F_TIMEOUT, 0, NULL);
        pt_proxy_finish(p, 0);
        return PT_PROXY_CLOSE;
    }
    return attempt_failed(p, F_TIMEOUT, 0, NULL);
}

int pt_proxy_client_timed_out(struct pt_proxy *p)
{
    return p->state == P_BODY || p->state == P_TUNNEL || p->state == P_FINISHED;
}

void pt_proxy_client_gone(struct pt_proxy *p)
{
    char addr[INET6_ADDRSTRLEN] = "?";

    if (p->state == P_FINISHED)
        return;
    pt_sockaddr_text(&p->hc->conn.peer, addr, sizeof(addr));
    pt_log(PT_LOG_INFO, "client prematurely closed connection, client: %s, upstream: \"%s\"",
           addr,
           p->peer >= 0 ? pt_upstream_peer_text(p->g->balancer, (uint32_t)p->peer) : "");
    if (!p->started)
        p->status = 499;
    pt_proxy_finish(p, 0);
}
