/* proxy/proxy_relay.c - a proxied response's body, and the tunnel after a 101.
 *
 * Upstream bytes are read straight into the client's output buffer and framed there in
 * place: a Content-Length body and chunked bytes passed through are kept as they came
 * (the chunked machine runs over them only to find where the body ends), chunks for an
 * HTTP/1.0 client are decoded by moving their data down. At most `limit` bytes wait for
 * the client (proxy_buffers, or proxy_buffer_size with proxy_buffering off): past that
 * the upstream is not read until the client has taken some, so a slow reader costs a
 * bounded buffer, not memory that grows with the response.
 */
#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#include "core/clock.h"
#include "core/log.h"
#include "proxy/http_conn.h"
#include "proxy/proxy_response.h"
#include "proxy/proxy_session.h"
#include "proxy/request.h"
#include "proxy/upstream_conn.h"
#include "proxy/upstream_group.h"
#include "proxy/worker.h"

#define MIN_LIMIT 4096

static void rearm_read(struct pt_proxy *p)
{
    pt_timer_set(&pt_worker.reactor.timers, &p->uc->conn.timer,
                 pt_now_ms + (uint64_t)p->r->values->proxy.read_timeout);
}

/* Waiting for the upstream: proxy_read_timeout runs (from the last read, not restarted by
 * client events). */
static enum pt_proxy_step wait_upstream(struct pt_proxy *p)
{
    if (!pt_timer_armed(&p->uc->conn.timer))
        rearm_read(p);
    return PT_PROXY_WAIT;
}

/* Waiting for the client to take what is held: that is send_timeout's (the client
 * connection's timer), not the upstream's fault, so proxy_read_timeout stops until portico
 * reads again (nginx deletes the upstream read timer while its buffers are full). */
static enum pt_proxy_step wait_client(struct pt_proxy *p)
{
    pt_timer_cancel(&pt_worker.reactor.timers, &p->uc->conn.timer);
    return PT_PROXY_WAIT;
}

static uint32_t relay_limit(const struct pt_conf_proxy *pc)
{
    uint64_t l = pc->buffering ? (uint64_t)pc->buffers.num * pc->buffers.size : pc->buffer_size;

    return l < MIN_LIMIT ? MIN_LIMIT : l > (1u << 30) ? (1u << 30) : (uint32_t)l;
}

/* Makes room for up to `want` more bytes at out's end. 0 or -1. */
static int out_room(struct pt_buf *out, uint32_t want)
{
    if (out->data == NULL)
        return pt_buf_alloc(out, want);
    if (pt_buf_len(out) == 0)
        out->start = out->end = 0;
    if (pt_buf_room(out) >= want)
        return 0;
    pt_buf_compact(out);
    if (pt_buf_room(out) >= want)
        return 0;
    return pt_buf_grow(out, out->end + want);
}

/* ---- framing, in place ---- */

/* Chunked bytes at [at, at + n): returns 1 when the body ended, 0 when more must come, -1
 * when they are not chunked. *kept: the bytes that stay (decode moves data down). */
static int chunked_in_place(struct pt_proxy *p, char *at, size_t n, size_t *kept)
{
    size_t pos = 0, w = 0;

    while (pos < n) {
        size_t used = 0;
        struct pt_slice data;
        int rc = pt_chunked_parse(&p->chunked, at + pos, n - pos, &used, &data);
        if (rc == PT_PARSE_ERROR)
            return -1;
        if (rc == PT_PARSE_DATA && p->decode_chunked) {
            memmove(at + w, at + pos + data.off, data.len);
            w += data.len;
        }
        pos += used;
        if (rc == PT_PARSE_DONE) {
            if (pos < n)
                p->upstream_keep = 0; /* bytes after the body: not a connection to keep */
            *kept = p->decode_chunked ? w : pos;
            return 1;
        }
    }
    *kept = p->decode_chunked ? w : pos;
    return 0;
}

/* n upstream bytes just placed at [at, at + n) of out. Returns 1 when the body ended, 0
 * when more must come, -1 for a body that breaks its framing. */
static int frame_in_place(struct pt_proxy *p, char *at, size_t n, size_t *kept)
{
    switch (p->up_framing) {
    case PT_BODY_LENGTH:
        *kept = n < p->body_left ? n : (size_t)p->body_left;
        p->body_left -= *kept;
        if (*kept < n)
            p->upstream_keep = 0; /* nginx: "upstream sent more data than specified" */
        return p->body_left == 0;
    case PT_BODY_CHUNKED:
        return chunked_in_place(p, at, n, kept);
    case PT_BODY_UNTIL_CLOSE:
    case PT_BODY_TUNNEL:
        *kept = n;
        return 0;
    default:
        *kept = 0;
        if (n)
            p->upstream_keep = 0;
        return 1;
    }
}

/* Bytes that came with the head: copied into out and framed like any read. */
static int take_early_body(struct pt_proxy *p, const char *body, size_t len)
{
    struct pt_buf *out = &p->hc->out;
    size_t kept;
    int rc;

    if (p->head_only || p->framing == PT_OUT_UPGRADE) {
        if (p->framing == PT_OUT_UPGRADE && len) { /* the tunnel's first bytes */
            if (out_room(out, (uint32_t)len) != 0)
                return -1;
            memcpy(out->data + out->end, body, len);
            out->end += (uint32_t)len;
        } else if (len) {
            p->upstream_keep = 0;
        }
        return p->framing == PT_OUT_UPGRADE ? 0 : 1;
    }
    if (len && out_room(out, (uint32_t)len) != 0)
        return -1;
    if (len)
        memcpy(out->data + out->end, body, len);
    rc = frame_in_place(p, out->data + out->end, len, &kept);
    out->end += (uint32_t)kept;
    p->client_body_bytes += kept;
    return rc;
}

/* The client's bytes that came after the upgrade request go upstream first. */
static int take_early_client_bytes(struct pt_proxy *p)
{
    struct pt_http_conn *hc = p->hc;
    uint32_t after = hc->in.start + p->r->pos;
    uint32_t len = hc->in.end > after ? hc->in.end - after : 0;

    if (pt_buf_alloc(&p->up_out, len > 16384 ? len : 16384) != 0)
        return -1;
    memcpy(p->up_out.data, hc->in.data + after, len);
    p->up_out.end = len;
    p->r->pos += len;
    return 0;
}

int pt_proxy_relay_begin(struct pt_proxy *p, const char *body, size_t len)
{
    struct pt_buf *out = &p->hc->out;
    uint32_t mark;
    int rc;

    p->limit = relay_limit(&p->r->values->proxy);
    if (out_room(out, 1024) != 0)
        return -1;
    mark = out->end;
    if (pt_proxy_response_head(p->r, &p->resp, p->in.data + p->in.start, p->framing,
                               p->client_keep, out) != 0)
        return -1;
    p->client_head_len = out->end - mark;
    p->started = 1;
    rc = take_early_body(p, body, len);
    /* p->in keeps the upstream's head for $upstream_http_NAME; bodies go through out */
    if (rc < 0)
        return -1;
    if (p->framing == PT_OUT_UPGRADE) {
        p->state = P_TUNNEL;
        return take_early_client_bytes(p);
    }
    p->state = P_BODY;
    if (rc == 1)
        pt_proxy_finish(p, 1);
    return 0;
}

/* ---- the client side ---- */

int pt_proxy_flush_client(struct pt_proxy *p)
{
    struct pt_http_conn *hc = p->hc;

    while (pt_buf_len(&hc->out)) {
        struct iovec iov = {hc->out.data + hc->out.start, pt_buf_len(&hc->out)};
        ssize_t n;
        if (!hc->conn.write_ready)
            return 1;
        n = pt_conn_writev(&hc->conn, &iov, 1);
        if (n == -EAGAIN)
            return 1;
        if (n < 0)
            return -1;
        hc->out.start += (uint32_t)n;
        if ((size_t)n < iov.iov_len)
            hc->conn.write_ready = 0;
    }
    hc->out.start = hc->out.end = 0;
    hc->log_mark = 0;
    return 0;
}

static void log_cut(const struct pt_proxy *p, const char *what, ssize_t err)
{
    pt_log(PT_LOG_ERR, "%s%s%s while reading upstream, upstream: \"%s\"", what,
           err < 0 ? ": " : "", err < 0 ? strerror((int)-err) : "",
           pt_upstream_peer_text(p->g->balancer, (uint32_t)p->peer));
}

/* The upstream ended its side: the end of a close-delimited body, else a cut. */
static enum pt_proxy_step upstream_closed(struct pt_proxy *p)
{
    int clean = p->up_framing == PT_BODY_UNTIL_CLOSE;

    if (!clean)
        log_cut(p, "upstream prematurely closed connection", 0);
    pt_proxy_finish(p, 0);
    return clean ? PT_PROXY_DONE : PT_PROXY_CLOSE;
}

enum pt_proxy_step pt_proxy_relay(struct pt_proxy *p)
{
    struct pt_buf *out = &p->hc->out;

    for (;;) {
        size_t kept;
        ssize_t n;
        int rc, fl = pt_proxy_flush_client(p);
        if (fl < 0) {
            pt_proxy_finish(p, 0);
            return PT_PROXY_CLOSE;
        }
        if (pt_buf_len(out) >= p->limit)
            return wait_client(p);
        if (!p->uc->conn.read_ready)
            return wait_upstream(p);
        uint32_t want = p->limit - pt_buf_len(out);
        if (out_room(out, want) != 0)
            return PT_PROXY_CLOSE;
        n = pt_conn_recv(&p->uc->conn, out->data + out->end, want);
        if (n == -EAGAIN)
            return wait_upstream(p);
        if (n == 0)
            return upstream_closed(p);
        if (n < 0) {
            log_cut(p, "recv() failed", n);
            pt_proxy_finish(p, 0);
            return PT_PROXY_CLOSE;
        }
        p->info.bytes_received += (uint64_t)n;
        rc = frame_in_place(p, out->data + out->end, (size_t)n, &kept);
        out->end += (uint32_t)kept;
        p->client_body_bytes += kept;
        if (rc < 0) {
            log_cut(p, "upstream sent invalid chunked response", 0);
            pt_proxy_finish(p, 0);
            return PT_PROXY_CLOSE;
        }
        if (rc == 1) {
            pt_proxy_finish(p, 1);
            return PT_PROXY_DONE;
        }
        rearm_read(p);
    }
}

/* ---- the tunnel ---- */

/* One direction's read: from c into b (up to cap bytes held). 1 bytes came, 0 nothing
 * now, -1 the source ended or failed. */
static int tunnel_read(struct pt_conn *c, struct pt_buf *b, uint32_t cap)
{
    ssize_t n;

    if (!c->read_ready || pt_buf_len(b) >= cap)
        return 0;
    if (out_room(b, cap - pt_buf_len(b)) != 0)
        return -1;
    n = pt_conn_recv(c, b->data + b->end, cap - pt_buf_len(b));
    if (n == -EAGAIN)
        return 0;
    if (n <= 0)
        return -1;
    b->end += (uint32_t)n;
    return 1;
}

static int tunnel_write(struct pt_conn *c, struct pt_buf *b)
{
    int moved = 0;

    while (pt_buf_len(b) && c->write_ready) {
        struct iovec iov = {b->data + b->start, pt_buf_len(b)};
        ssize_t n = pt_conn_writev(c, &iov, 1);
        if (n == -EAGAIN)
            break;
        if (n < 0)
            return -1;
        b->start += (uint32_t)n;
        moved = 1;
        if ((size_t)n < iov.iov_len)
            c->write_ready = 0;
    }
    return moved;
}

enum pt_proxy_step pt_proxy_tunnel(struct pt_proxy *p)
{
    struct pt_conn *client = &p->hc->conn, *up = &p->uc->conn;

    for (;;) {
        int a = 0, b = 0, c = 0, d = 0;
        if ((a = tunnel_write(client, &p->hc->out)) < 0 || (b = tunnel_write(up, &p->up_out)) < 0)
            break;
        if (!p->upstream_eof && (c = tunnel_read(up, &p->hc->out, p->limit)) < 0)
            p->upstream_eof = 1;
        if (!p->client_eof && (d = tunnel_read(client, &p->up_out, p->limit)) < 0)
            p->client_eof = 1;
        if ((p->upstream_eof && !pt_buf_len(&p->hc->out)) ||
            (p->client_eof && !pt_buf_len(&p->up_out)))
            break; /* one side is done and everything it sent was delivered */
        if (a > 0 || b > 0 || c > 0 || d > 0)
            rearm_read(p);
        else
            return PT_PROXY_WAIT;
    }
    pt_proxy_finish(p, 0);
    return PT_PROXY_CLOSE;
}
