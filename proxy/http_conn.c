/* proxy/http_conn.c - the client connection's state machine (http_conn.h).
 *
 * drive() runs the connection until it must wait: it parses heads as long as complete
 * ones are buffered (pipelining: responses queue in `out` and leave in one write), reads
 * a body before answering (so a slow or oversized body gets its 408 / 413), and writes
 * only when there is nothing left to parse. With edge-triggered readiness latched in
 * struct pt_conn, a keep-alive request costs one read and one write.
 */
#include "proxy/http_conn.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "proxy/access_log.h"
#include "proxy/http_response.h"
#include "proxy/proxy.h"
#include "proxy/request.h"
#include "proxy/worker.h"

enum step { STEP_CONTINUE, STEP_WAIT, STEP_CLOSE };

/* Queued response bytes past which no further pipelined request is parsed. */
#define PT_OUT_HIGH_WATER (32 * 1024)

#define CONN_OF_WATCH(w) ((struct pt_http_conn *)((char *)(w) - offsetof(struct pt_http_conn, conn.watch)))
#define CONN_OF_TIMER(t) ((struct pt_http_conn *)((char *)(t) - offsetof(struct pt_http_conn, conn.timer)))

static void drive(struct pt_http_conn *hc);

/* Settings that apply before a request is routed come from the listener's default server,
 * as in nginx. */
static const struct pt_conf_http_values *conn_values(const struct pt_http_conn *hc)
{
    return &hc->listener->default_server->values;
}

static void idle_enter(struct pt_http_conn *hc)
{
    if (hc->idle)
        return;
    hc->idle = 1;
    hc->idle_prev = NULL;
    hc->idle_next = pt_worker.idle;
    if (pt_worker.idle)
        pt_worker.idle->idle_prev = hc;
    pt_worker.idle = hc;
}

static void idle_leave(struct pt_http_conn *hc)
{
    if (!hc->idle)
        return;
    if (hc->idle_prev)
        hc->idle_prev->idle_next = hc->idle_next;
    else
        pt_worker.idle = hc->idle_next;
    if (hc->idle_next)
        hc->idle_next->idle_prev = hc->idle_prev;
    hc->idle = 0;
}

static void conn_free(struct pt_http_conn *hc)
{
    idle_leave(hc);
    pt_timer_cancel(&pt_worker.reactor.timers, &hc->conn.timer);
    pt_request_free(hc->req);
    pt_buf_release(&hc->in);
    pt_buf_release(&hc->out);
    pt_file_body_end(&hc->file, &hc->conn);
    pt_conn_close(&hc->conn);
    pt_reactor_bury(&pt_worker.reactor, &hc->conn.watch, hc); /* freed after the turn */
    pt_worker_connection_closed();
}


/* ---- reading ---- */

/* Reads what the socket has into in's free room: 1 bytes came, 0 must wait, -1 the peer
 * closed or the socket failed. */
static int read_in(struct pt_http_conn *hc)
{
    ssize_t n;

    if (!hc->conn.read_ready)
        return 0;
    n = pt_conn_recv(&hc->conn, hc->in.data + hc->in.end, pt_buf_room(&hc->in));
    if (n > 0) {
        hc->in.end += (uint32_t)n;
        return 1;
    }
    return n == -EAGAIN ? 0 : -1;
}

/* Room for more of a head: compact, then grow to large_client_header_buffers, up to all
 * of them (the parser refuses a head past that first). */
static int head_room(struct pt_http_conn *hc)
{
    const struct pt_conf_http_values *v = conn_values(hc);
    uint32_t large = v->large_client_header_buffers_size;
    uint32_t most = large * v->large_client_header_buffers_num;

    if (hc->in.data == NULL)
        return pt_buf_alloc(&hc->in, v->client_header_buffer_size);
    if (pt_buf_room(&hc->in) > 0)
        return 0;
    pt_buf_compact(&hc->in);
    if (pt_buf_room(&hc->in) > 0)
        return 0;
    if (hc->in.size >= most)
        return -ENOBUFS;
    return pt_buf_grow(&hc->in, hc->in.size < large ? large : hc->in.size * 2);
}

/* ---- answering ---- */

/* Every refused request gets a log line (nginx logs these at info: they are the
 * client's fault, not the server's). */
static void log_refusal(const struct pt_http_conn *hc, uint16_t status, const char *why)
{
    char addr[INET6_ADDRSTRLEN] = "?";

    pt_sockaddr_text(&hc->conn.peer, addr, sizeof(addr));
    pt_log(PT_LOG_INFO, "request refused with %u (%s), client: %s, listen: %s", status,
           why ? why : "", addr, hc->listener->text);
}

static enum step fail(struct pt_http_conn *hc, uint16_t status, const char *why)
{
    const struct pt_conf_http_values *v = hc->req && hc->req->values ? hc->req->values
                                                                      : conn_values(hc);

    log_refusal(hc, status, why);
    if (pt_request_respond_error(hc, v, status) != 0)
        return STEP_CLOSE;
    if (hc->req) { /* nginx writes refused requests to the access log too */
        if (hc->req->values == NULL) {
            hc->req->server = hc->listener->default_server;
            hc->req->values = v;
        }
        pt_access_log_request(hc->req);
    }
    pt_request_free(hc->req);
    hc->req = NULL;
    hc->state = PT_CONN_FLUSH;
    hc->after_flush = PT_CONN_LINGER;
    return STEP_CONTINUE;
}

/* Whether a connection that answered its last response may still receive bytes the
 * client sends after it: if so, closing at once could reset the response away. */
static uint8_t close_state(const struct pt_http_conn *hc, const struct pt_conf_http_values *v)
{
    if (v->lingering_close == PT_LINGERING_ALWAYS)
        return PT_CONN_LINGER;
    if (v->lingering_close == PT_LINGERING_ON && (pt_buf_len(&hc->in) || hc->conn.read_ready))
        return PT_CONN_LINGER;
    return PT_CONN_CLOSE;
}

static enum step finish_request(struct pt_http_conn *hc)
{
    struct pt_request *r = hc->req;
    uint8_t keep = r->keep_alive;
    const struct pt_conf_http_values *v = r->values;

    /* first: the head's slices are offsets from in.start */
    if (r->proxy)
        pt_proxy_log(r);
    else
        pt_access_log_request(r);
    hc->requests++;
    hc->in.start += r->pos;
    if (hc->in.start == hc->in.end)
        hc->in.start = hc->in.end = 0;
    pt_request_free(r);
    hc->req = NULL;
    if (keep && hc->file.fd >= 0) {
        /* The file leaves before anything a pipelined request would queue after it. */
        hc->state = PT_CONN_FLUSH;
        hc->after_flush = PT_CONN_HEAD;
        return STEP_CONTINUE;
    }
    if (keep) {
        hc->state = PT_CONN_HEAD;
        return STEP_CONTINUE;
    }
    hc->state = PT_CONN_FLUSH;
    hc->after_flush = close_state(hc, v);
    return STEP_CONTINUE;
}

/* return 444: logged as nginx does (status 444, nothing sent), then the connection
 * closes once what earlier pipelined requests queued is out, as nginx's does. */
static enum step close_unanswered(struct pt_http_conn *hc)
{
    pt_access_log_unanswered(hc->req, 444);
    pt_request_free(hc->req);
    hc->req = NULL;
    if (!pt_buf_len(&hc->out) && hc->file.fd < 0)
        return STEP_CLOSE;
    hc->state = PT_CONN_FLUSH;
    hc->after_flush = PT_CONN_CLOSE;
    return STEP_CONTINUE;
}

static enum step respond(struct pt_http_conn *hc)
{
    int rc;

    /* A stop may have begun while the body was read: this response is then the last. */
    if (pt_worker.quitting)
        hc->req->keep_alive = 0;
    rc = pt_request_respond(hc->req);
    if (rc == PT_RESPOND_PROXY) {
        if (pt_proxy_start(hc->req) != 0)
            return STEP_CLOSE;
        hc->state = PT_CONN_PROXY;
        return STEP_CONTINUE;
    }
    if (rc == PT_REQUEST_CLOSE)
        return close_unanswered(hc);
    if (rc != 0)
        return STEP_CLOSE;
    return finish_request(hc);
}

static enum step on_proxy(struct pt_http_conn *hc)
{
    struct pt_request *r = hc->req;

    switch (pt_proxy_drive(r->proxy)) {
    case PT_PROXY_WAIT:
        return STEP_WAIT;
    case PT_PROXY_DONE:
        return finish_request(hc);
    case PT_PROXY_REDIRECT:
        /* error_page took the request elsewhere: the content phase runs again */
        pt_proxy_free(r->proxy);
        r->proxy = NULL;
        return respond(hc);
    default:
        pt_proxy_log(r);
        return STEP_CLOSE;
    }
}

static int keep_alive_allowed(const struct pt_http_conn *hc, const struct pt_request *r)
{
    const struct pt_conf_http_values *v = r->values;

    return (r->head.head.flags & PT_HTTP_KEEP_ALIVE) && !pt_worker.quitting &&
           v->keepalive_timeout > 0 && hc->requests + 1 < v->keepalive_requests &&
           pt_now_ms - hc->started_ms < (uint64_t)v->keepalive_time;
}

/* proxy_request_buffering off: the body goes upstream as it comes, where the request is
 * proxied (not answered by a return first) and can be framed for the upstream (a chunked
 * body needs HTTP/1.1 there). */
static int streams_body(const struct pt_request *r)
{
    const struct pt_conf_proxy *pc = &r->values->proxy;

    return r->keep_body && !pc->request_buffering && !r->server->values.ret.code &&
           !r->values->ret.code && (!r->body_chunked || pc->http_version == 11);
}

/* A head is complete: route it, decide persistence, then read its body or answer. */
static enum step start_request(struct pt_http_conn *hc)
{
    struct pt_request *r = hc->req;
    const struct pt_http_head *h = &r->head.head;
    int status;

    r->pos = h->head_length;
    status = pt_request_route(r, hc->in.data + hc->in.start);
    if (status != 0)
        return fail(hc, (uint16_t)status, status == 400 ? "invalid Host, or a path that cannot "
                                                          "be normalised (bad escape, NUL, above /)"
                                                        : "routing unavailable");
    r->keep_alive = (uint8_t)keep_alive_allowed(hc, r);
    r->keep_body = r->values->proxy.pass.raw && r->values->proxy.pass_request_body;
    if (h->framing == PT_BODY_LENGTH) {
        if (r->values->client_max_body_size && h->content_length > r->values->client_max_body_size)
            return fail(hc, 413, "Content-Length over client_max_body_size");
        r->body_left = h->content_length;
    } else if (h->framing == PT_BODY_CHUNKED) {
        pt_chunked_init(&r->chunked, 0, 0);
        r->body_chunked = 1;
    }
    if (r->body_left == 0 && !r->body_chunked)
        return respond(hc);
    if (streams_body(r)) {
        r->keep_body = 0;
        r->stream_body = 1;
        if ((h->flags & PT_HTTP_EXPECT_CONTINUE) && pt_buf_len(&hc->in) <= r->pos &&
            pt_response_append_continue(&hc->out) != 0)
            return STEP_CLOSE;
        return respond(hc);
    }
    hc->state = PT_CONN_BODY;
    if ((h->flags & PT_HTTP_EXPECT_CONTINUE) && pt_buf_len(&hc->in) <= r->pos) {
        if (pt_response_append_continue(&hc->out) != 0)
            return STEP_CLOSE;
        hc->state = PT_CONN_FLUSH;
        hc->after_flush = PT_CONN_BODY;
    }
    return STEP_CONTINUE;
}

/* ---- states ---- */

static enum step on_head(struct pt_http_conn *hc)
{
    for (;;) {
        int rc;

        if (hc->req == NULL && pt_buf_len(&hc->in) == 0) {
            if (pt_buf_len(&hc->out)) {
                hc->state = PT_CONN_FLUSH;
                hc->after_flush = PT_CONN_HEAD;
                return STEP_CONTINUE;
            }
            if (!hc->conn.read_ready) {
                pt_buf_release(&hc->in); /* idle: hold no buffer */
                pt_buf_release(&hc->out);
                idle_enter(hc);
                return STEP_WAIT;
            }
        }
        /* Back-pressure: a client that pipelines without reading gets no more answers
         * queued than this; the rest waits in its socket. */
        if (hc->req == NULL && pt_buf_len(&hc->out) >= PT_OUT_HIGH_WATER) {
            hc->state = PT_CONN_FLUSH;
            hc->after_flush = PT_CONN_HEAD;
            return STEP_CONTINUE;
        }
        if (hc->req == NULL && pt_buf_len(&hc->in) > 0 && (hc->req = pt_request_new(hc)) == NULL)
            return STEP_CLOSE;
        if (hc->req) {
            rc = pt_http_request_parse(&hc->req->head, hc->in.data + hc->in.start,
                                       pt_buf_len(&hc->in));
            if (rc == PT_PARSE_DONE)
                return start_request(hc);
            if (rc == PT_PARSE_ERROR)
                return fail(hc, hc->req->head.head.error_status, hc->req->head.head.error_reason);
        }
        if (!hc->conn.read_ready && pt_buf_len(&hc->out)) {
            hc->state = PT_CONN_FLUSH;
            hc->after_flush = PT_CONN_HEAD;
            return STEP_CONTINUE;
        }
        rc = head_room(hc);
        if (rc == -ENOBUFS) /* the head filled every buffer without ending */
            return fail(hc, hc->req->head.head.first_line_done ? 431 : 414,
                        "request head over large_client_header_buffers");
        if (rc != 0)
            return STEP_CLOSE;
        rc = read_in(hc);
        if (rc == 0 && !hc->conn.read_ready && hc->req == NULL && pt_buf_len(&hc->in) == 0)
            continue; /* nothing came: go idle above */
        if (rc == 0)
            return STEP_WAIT;
        if (rc < 0) {
            /* The client is done sending; answer what it asked, then close. */
            if (!pt_buf_len(&hc->out))
                return STEP_CLOSE;
            hc->state = PT_CONN_FLUSH;
            hc->after_flush = PT_CONN_CLOSE;
            return STEP_CONTINUE;
        }
    }
}

/* A body byte range kept for proxy_pass. */
static int keep(struct pt_request *r, const char *data, size_t len)
{
    const struct pt_conf_http_values *v = r->values;

    return pt_request_body_append(&r->body, data, len, v->client_body_buffer_size,
                                  v->proxy.client_body_temp_path);
}

/* Consumes buffered body bytes; 1 when the body ended, 0 when more must be read, -status
 * on a refusal. */
static int consume_body(struct pt_http_conn *hc, struct pt_request *r)
{
    const struct pt_conf_http_values *v = r->values;

    while (hc->in.start + r->pos < hc->in.end) {
        const char *at = hc->in.data + hc->in.start + r->pos;
        size_t avail = hc->in.end - hc->in.start - r->pos;
        size_t take = avail < r->body_left ? avail : (size_t)r->body_left;

        if (r->body_chunked) {
            struct pt_slice data;
            int rc = pt_chunked_parse(&r->chunked, at, avail, &take, &data);
            if (rc == PT_PARSE_ERROR)
                return -(int)r->chunked.error_status;
            r->body_read += rc == PT_PARSE_DATA ? data.len : 0;
            if (rc == PT_PARSE_DATA && r->keep_body && keep(r, at + data.off, data.len) != 0)
                return -500;
            r->pos += (uint32_t)take;
            if (v->client_max_body_size && r->body_read > v->client_max_body_size)
                return -413;
            if (rc == PT_PARSE_DONE)
                return 1;
            continue;
        }
        if (r->keep_body && keep(r, at, take) != 0)
            return -500;
        r->pos += (uint32_t)take;
        r->body_left -= take;
        r->body_read += take;
        if (r->body_left == 0)
            return 1;
    }
    return r->body_chunked || r->body_left ? 0 : 1;
}

/* The body is read and dropped: `return` has no use for it. The head stays in place
 * (variables read it); the bytes after it are reused for each read. */
static enum step on_body(struct pt_http_conn *hc)
{
    struct pt_request *r = hc->req;

    for (;;) {
        int rc = consume_body(hc, r);
        if (rc > 0)
            return respond(hc);
        if (rc < 0)
            return fail(hc, (uint16_t)-rc, rc == -413   ? "body over client_max_body_size"
                                           : rc == -500 ? "the body could not be kept"
                                                        : r->chunked.error_reason);
        hc->in.end = hc->in.start + r->head.head.head_length;
        r->pos = r->head.head.head_length;
        if (pt_buf_room(&hc->in) == 0)
            pt_buf_compact(&hc->in); /* offsets are from in.start: they survive */
        if (pt_buf_room(&hc->in) == 0 && pt_buf_grow(&hc->in, hc->in.size * 2) != 0)
            return STEP_CLOSE;
        rc = read_in(hc);
        if (rc == 0)
            return STEP_WAIT;
        if (rc < 0)
            return STEP_CLOSE;
    }
}

static enum step after_flush(struct pt_http_conn *hc)
{
    const struct pt_conf_http_values *v = conn_values(hc);

    hc->state = hc->after_flush;
    if (hc->state == PT_CONN_CLOSE)
        return STEP_CLOSE;
    if (hc->state == PT_CONN_LINGER) {
        if (v->lingering_close == PT_LINGERING_OFF || hc->conn.io->shutdown_write(&hc->conn) != 0)
            return STEP_CLOSE;
        hc->linger_until_ms = pt_now_ms + (uint64_t)v->lingering_time;
    }
    return STEP_CONTINUE;
}

static enum step on_flush(struct pt_http_conn *hc)
{
    /* A file follows the head: without a cork, MSG_MORE keeps them in one segment. */
    int more = hc->file.fd >= 0 && !hc->file.corked;

    while (pt_buf_len(&hc->out)) {
        struct iovec iov = {hc->out.data + hc->out.start, pt_buf_len(&hc->out)};
        ssize_t n;

        if (!hc->conn.write_ready)
            return STEP_WAIT;
        n = more ? pt_conn_writev_more(&hc->conn, &iov, 1) : pt_conn_writev(&hc->conn, &iov, 1);
        if (n == -EAGAIN)
            return STEP_WAIT;
        if (n < 0)
            return STEP_CLOSE;
        hc->out.start += (uint32_t)n;
        if ((size_t)n < iov.iov_len)
            hc->conn.write_ready = 0; /* a short write means the socket buffer is full */
    }
    if (hc->file.fd >= 0) {
        int rc = pt_file_body_write(&hc->file, &hc->conn);
        if (rc == PT_FILE_BODY_YIELD) { /* the others' turn; this one goes on next turn */
            pt_reactor_post(&pt_worker.reactor, &hc->conn.watch);
            return STEP_WAIT;
        }
        if (rc == 0)
            return STEP_WAIT;
        if (rc < 0)
            return STEP_CLOSE;
        pt_file_body_end(&hc->file, &hc->conn);
    }
    pt_buf_release(&hc->out);
    return after_flush(hc);
}

/* Drops whatever the client still sends until it closes or lingering_time is up. */
static enum step on_linger(struct pt_http_conn *hc)
{
    if (hc->in.data == NULL && pt_buf_alloc(&hc->in, 4096) != 0)
        return STEP_CLOSE;
    for (;;) {
        int rc;
        hc->in.start = hc->in.end = 0;
        rc = read_in(hc);
        if (rc < 0 || pt_now_ms >= hc->linger_until_ms)
            return STEP_CLOSE;
        if (rc == 0)
            return STEP_WAIT;
    }
}

/* ---- waiting ---- */

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* The one timer, for what the connection now waits for. */
static void arm_timer(struct pt_http_conn *hc)
{
    const struct pt_conf_http_values *v = hc->req && hc->req->values ? hc->req->values
                                                                      : conn_values(hc);
    uint64_t deadline;

    switch (hc->state) {
    case PT_CONN_HEAD:
        if (hc->idle && hc->requests > 0)
            deadline = pt_now_ms + (uint64_t)v->keepalive_timeout;
        else if (hc->req)
            deadline = hc->req->head_deadline_ms;
        else
            deadline = hc->started_ms + (uint64_t)v->client_header_timeout;
        /* Stopping: an idle connection gets a moment for a request already on its way
         * (closing at once would reset it), then closes. */
        if (hc->idle && pt_worker.quitting)
            deadline = min_u64(deadline, pt_worker.quit_idle_deadline);
        break;
    case PT_CONN_BODY:
        deadline = pt_now_ms + (uint64_t)v->client_body_timeout;
        break;
    case PT_CONN_FLUSH:
        deadline = pt_now_ms + (uint64_t)v->send_timeout;
        break;
    case PT_CONN_PROXY:
        /* the upstream side has its own timers; here only a client that stopped reading */
        if (!pt_buf_len(&hc->out) || hc->conn.write_ready) {
            pt_timer_cancel(&pt_worker.reactor.timers, &hc->conn.timer);
            return;
        }
        deadline = pt_now_ms + (uint64_t)v->send_timeout;
        break;
    default:
        deadline = min_u64(pt_now_ms + (uint64_t)v->lingering_timeout, hc->linger_until_ms);
        break;
    }
    pt_timer_set(&pt_worker.reactor.timers, &hc->conn.timer, deadline);
}

static void drive(struct pt_http_conn *hc)
{
    for (;;) {
        enum step s;

        switch (hc->state) {
        case PT_CONN_HEAD:
            s = on_head(hc);
            break;
        case PT_CONN_BODY:
            s = on_body(hc);
            break;
        case PT_CONN_FLUSH:
            s = on_flush(hc);
            break;
        case PT_CONN_LINGER:
            s = on_linger(hc);
            break;
        case PT_CONN_PROXY:
            s = on_proxy(hc);
            break;
        default:
            s = STEP_CLOSE;
            break;
        }
        if (s == STEP_CLOSE) {
            conn_free(hc);
            return;
        }
        if (s == STEP_WAIT) {
            arm_timer(hc);
            return;
        }
    }
}

/* nginx answers a head that never completed with silence, closing; portico sends 408
 * when part of a request arrived (the client learns why), silence when none did. */
static void on_timer(struct pt_timer *t)
{
    struct pt_http_conn *hc = CONN_OF_TIMER(t);

    if (hc->state == PT_CONN_PROXY) {
        if (!pt_proxy_client_timed_out(hc->req->proxy)) {
            arm_timer(hc);
            return;
        }
        pt_log(PT_LOG_INFO, "client timed out (send_timeout) while sending a proxied response");
        pt_proxy_log(hc->req);
        conn_free(hc);
        return;
    }
    if ((hc->state == PT_CONN_HEAD && hc->req) || hc->state == PT_CONN_BODY) {
        if (fail(hc, 408, hc->state == PT_CONN_BODY ? "client_body_timeout"
                                                    : "client_header_timeout") == STEP_CONTINUE) {
            drive(hc);
            return;
        }
    }
    conn_free(hc);
}

void pt_http_conn_quit_idle(struct pt_http_conn *hc)
{
    arm_timer(hc);
}

static void on_event(struct pt_watch *w, uint32_t events)
{
    struct pt_http_conn *hc = CONN_OF_WATCH(w);

    pt_conn_note_events(&hc->conn, events);
    idle_leave(hc);
    if (hc->state == PT_CONN_PROXY && (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
        pt_proxy_client_gone(hc->req->proxy);
    drive(hc);
}

void pt_http_conn_resume(struct pt_http_conn *hc)
{
    drive(hc);
}

int pt_http_conn_open(int fd, const struct pt_conf_listener *listener,
                      const struct sockaddr *peer, socklen_t peer_len)
{
    struct pt_http_conn *hc = calloc(1, sizeof(*hc));
    int one = 1, rc;

    if (hc == NULL) {
        pt_conn_close(&(struct pt_conn){.watch.fd = fd});
        return -ENOMEM;
    }
    pt_conn_init(&hc->conn, fd, on_event, on_timer);
    pt_file_body_clear(&hc->file);
    memcpy(&hc->conn.peer, peer, peer_len < sizeof(hc->conn.peer) ? peer_len : sizeof(hc->conn.peer));
    hc->listener = listener;
    hc->started_ms = pt_now_ms;
    /* Registering reports data that is already there, so no read is tried until then. */
    hc->conn.read_ready = 0;
    if (conn_values(hc)->tcp_nodelay)
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    rc = pt_reactor_add(&pt_worker.reactor, &hc->conn.watch, EPOLLIN | EPOLLOUT | EPOLLRDHUP);
    if (rc != 0) {
        pt_conn_close(&hc->conn);
        free(hc);
        return rc;
    }
    pt_worker.connections++;
    idle_enter(hc);
    arm_timer(hc);
    return 0;
}
