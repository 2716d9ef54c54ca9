/* proxy/proxy_response.c - the response head a client gets for an upstream's
 * (proxy_response.h).
 *
 * nginx's rules: the upstream's status line as it came; portico's own Server and Date
 * (the upstream's are hidden unless proxy_pass_header names them); the upstream's other
 * lines minus the hop-by-hop ones, those its Connection names, and nginx's hidden list
 * (X-Pad, X-Accel-*) plus proxy_hide_header; then the framing portico chose for the
 * client, Connection, and add_header / expires.
 */
#include "proxy/proxy_response.h"

#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "core/version.h"
#include "proxy/header_additions.h"
#include "proxy/hop_by_hop.h"
#include "proxy/http_status.h"
#include "proxy/request.h"

#define ADD(x, s, n) pt_header_add((x), (s), (n))

static int in_list(const struct pt_conf_names *l, const char *n, size_t len)
{
    for (uint32_t i = 0; i < l->count; i++) {
        if (l->lens[i] == len && strncasecmp(l->names[i], n, len) == 0)
            return 1;
    }
    return 0;
}

/* nginx's proxy_hide_header defaults, which proxy_pass_header can undo. */
static int hidden(const struct pt_conf_proxy *pc, const char *n, size_t len)
{
    int by_default = pt_field_is(n, len, "date") || pt_field_is(n, len, "server") ||
                     pt_field_is(n, len, "x-pad") || (len > 8 && pt_field_eq(n, 8, "x-accel-", 8));

    if (by_default)
        return !in_list(&pc->pass_header, n, len);
    return in_list(&pc->hide_header, n, len);
}

static int put_status_line(const struct pt_http_response *resp, const char *base,
                           struct pt_buf *x)
{
    const char *reason = base + resp->reason.off;
    size_t rlen = resp->reason.len;

    if (rlen == 0) {
        reason = pt_http_reason(resp->status);
        rlen = strlen(reason);
    }
    return PT_HEADER_LIT(x, "HTTP/1.1 ") || pt_header_add_uint(x, resp->status) ||
           ADD(x, " ", 1) || ADD(x, reason, rlen) || ADD(x, "\r\n", 2);
}

static size_t version_len(void)
{
    static size_t len;

    if (len == 0)
        len = strlen(pt_version());
    return len;
}

static int put_own_lines(const struct pt_request *r, const struct pt_conf_proxy *pc,
                         struct pt_buf *x)
{
    if (!in_list(&pc->pass_header, "Server", 6)) {
        if (r->values->server_tokens ? PT_HEADER_LIT(x, "Server: ") ||
                                           ADD(x, pt_version(), version_len())
                                     : PT_HEADER_LIT(x, "Server: portico"))
            return -1;
        if (ADD(x, "\r\n", 2))
            return -1;
    }
    if (!in_list(&pc->pass_header, "Date", 4) &&
        (PT_HEADER_LIT(x, "Date: ") || ADD(x, pt_clock_http_date(), PT_HTTP_DATE_LEN) ||
         ADD(x, "\r\n", 2)))
        return -1;
    return 0;
}

static int put_upstream_lines(const struct pt_conf_proxy *pc,
                              const struct pt_http_response *resp, const char *base,
                              int upgrade, struct pt_buf *x)
{
    int conn_first = pt_connection_first(&resp->head, base);

    for (uint16_t i = 0; i < resp->head.header_count; i++) {
        const struct pt_http_header *h = &resp->head.headers[i];
        const char *n = base + h->name.off;
        /* a 101's Connection names Upgrade, which the client must still get (RFC 6455
         * 4.1; nginx passes it) */
        if (pt_hop_by_hop(n, h->name.len, upgrade) || hidden(pc, n, h->name.len) ||
            (conn_first >= 0 && !(upgrade && pt_field_is(n, h->name.len, "upgrade")) &&
             pt_connection_names(&resp->head, base, conn_first, n, h->name.len)))
            continue;
        if (ADD(x, n, h->name.len) || ADD(x, ": ", 2) ||
            ADD(x, base + h->value.off, h->value.len) || ADD(x, "\r\n", 2))
            return -1;
    }
    return 0;
}

static int put_framing(const struct pt_request *r, enum pt_proxy_out_framing framing,
                       int keep_alive, struct pt_buf *x)
{
    if (framing == PT_OUT_CHUNKED && PT_HEADER_LIT(x, "Transfer-Encoding: chunked\r\n"))
        return -1;
    if (framing == PT_OUT_UPGRADE)
        return PT_HEADER_LIT(x, "Connection: upgrade\r\n");
    if (!keep_alive)
        return PT_HEADER_LIT(x, "Connection: close\r\n");
    if (PT_HEADER_LIT(x, "Connection: keep-alive\r\n"))
        return -1;
    if (r->values->keepalive_header_timeout > 0 &&
        (PT_HEADER_LIT(x, "Keep-Alive: timeout=") ||
         pt_header_addf(x, "%llu\r\n",
                        (unsigned long long)(r->values->keepalive_header_timeout / 1000))))
        return -1;
    return 0;
}

int pt_proxy_response_head(const struct pt_request *r, const struct pt_http_response *resp,
                           const char *base, enum pt_proxy_out_framing framing,
                           int keep_alive, struct pt_buf *x)
{
    const struct pt_conf_proxy *pc = &r->values->proxy;

    if (put_status_line(resp, base, x) || put_own_lines(r, pc, x) ||
        put_upstream_lines(pc, resp, base, framing == PT_OUT_UPGRADE, x) ||
        put_framing(r, framing, keep_alive, x) ||
        pt_header_additions(r, resp->status, -1, x))
        return -1;
    return PT_HEADER_LIT(x, "\r\n");
}
