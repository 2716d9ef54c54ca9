/* proxy/proxy_body.c - a request body streamed upstream as it arrives
 * (proxy_request_buffering off), for uploads that must not wait for their last byte.
 *
 * The client's bytes go upstream as they came: a Content-Length body as is, a chunked one
 * with its framing (the chunked machine runs over them first, so what goes is known to be
 * well formed and to end where the body ends; bytes after it are the next pipelined
 * request's). They are sent from the client's input buffer, whose room after the head is
 * reused for each read: one buffer per upload, however large. Once a byte went, the
 * request cannot be sent to another peer.
 */
#include <errno.h>
#include <sys/uio.h>

#include "core/clock.h"
#include "proxy/http_conn.h"
#include "proxy/proxy_session.h"
#include "proxy/request.h"
#include "proxy/upstream_conn.h"
#include "proxy/worker.h"

/* The upstream connection's one timer says what is awaited: the client's next bytes
 * (client_body_timeout) or room upstream (proxy_send_timeout). */
static int wait_for(struct pt_proxy *p, int client)
{
    const struct pt_conf_http_values *v = p->r->values;
    pt_msec_t t = client ? v->client_body_timeout : v->proxy.send_timeout;

    p->waiting_client = (uint8_t)client;
    pt_timer_set(&pt_worker.reactor.timers, &p->uc->conn.timer, pt_now_ms + (uint64_t)t);
    return PT_PROXY_WAIT;
}

/* Checks the next run of body bytes at [at, at + avail): sets p->span_left to how many
 * belong to the body, and body_done when they end it. -1 for broken chunked framing or a
 * body over client_max_body_size. */
static int check_span(struct pt_proxy *p, const char *at, size_t avail)
{
    struct pt_request *r = p->r;
    uint64_t max = r->values->client_max_body_size;
    size_t pos = 0;

    if (!r->body_chunked) {
        p->span_left = avail < r->body_left ? avail : r->body_left;
        r->body_left -= p->span_left;
        p->body_done = r->body_left == 0;
        return 0;
    }
    while (pos < avail && !p->body_done) {
        size_t used = 0;
        struct pt_slice data;
        int rc = pt_chunked_parse(&r->chunked, at + pos, avail - pos, &used, &data);
        if (rc == PT_PARSE_ERROR)
            return -1;
        r->body_read += rc == PT_PARSE_DATA ? data.len : 0;
        if (max && r->body_read > max)
            return -1;
        pos += used;
        p->body_done = rc == PT_PARSE_DONE;
    }
    p->span_left = pos;
    return 0;
}

/* Room for the next read: the body bytes before it were sent, so the room after the head
 * is reused (the head stays: the request's slices point into it). */
static int client_room(struct pt_http_conn *hc, struct pt_request *r)
{
    hc->in.end = hc->in.start + r->head.head.head_length;
    r->pos = r->head.head.head_length;
    if (pt_buf_room(&hc->in) == 0)
        pt_buf_compact(&hc->in);
    if (pt_buf_room(&hc->in) < 4096 && pt_buf_grow(&hc->in, hc->in.size + 16384) != 0)
        return -1;
    return 0;
}

/* Sends what was checked. 1 all of it went, 0 the upstream is full, -1 it failed. */
static int send_span(struct pt_proxy *p, const char *at)
{
    while (p->span_left) {
        struct iovec iov = {(void *)at, (size_t)p->span_left};
        ssize_t n;
        if (!p->uc->conn.write_ready)
            return 0;
        n = pt_conn_writev(&p->uc->conn, &iov, 1);
        if (n == -EAGAIN)
            return 0;
        if (n < 0)
            return -1;
        p->body_streamed = 1;
        p->info.bytes_sent += (uint64_t)n;
        p->r->pos += (uint32_t)n;
        p->span_left -= (uint64_t)n;
        at += n;
    }
    return 1;
}

int pt_proxy_stream_body(struct pt_proxy *p)
{
    struct pt_http_conn *hc = p->hc;
    struct pt_request *r = p->r;

    for (;;) {
        const char *at = hc->in.data + hc->in.start + r->pos;
        size_t avail = hc->in.end - hc->in.start - r->pos;
        ssize_t n;
        int rc;
        if (pt_proxy_flush_client(p) < 0) /* a 100 Continue, if one was queued */
            return PT_PROXY_CLOSE;
        if (p->span_left == 0 && avail && !p->body_done && check_span(p, at, avail) != 0)
            return PT_PROXY_CLOSE; /* nothing can be said to the upstream mid-body */
        if ((rc = send_span(p, at)) <= 0)
            return rc < 0 ? -1 : wait_for(p, 0);
        p->waiting_client = 0;
        if (p->body_done)
            return PT_PROXY_STEP_ON;
        if (!hc->conn.read_ready)
            return wait_for(p, 1);
        if (client_room(hc, r) != 0)
            return PT_PROXY_CLOSE;
        n = pt_conn_recv(&hc->conn, hc->in.data + hc->in.end, pt_buf_room(&hc->in));
        if (n == -EAGAIN)
            return wait_for(p, 1);
        if (n <= 0) {
            pt_proxy_client_gone(p);
            return PT_PROXY_CLOSE;
        }
        hc->in.end += (uint32_t)n;
    }
}
