/* proxy/proxy_request.c - the request head sent upstream (proxy_request.h).
 *
 * As nginx builds it: the request line with the URI proxy_pass gives, then the
 * proxy_set_header lines (nginx's defaults first where the location's list does not
 * name them: Host $proxy_host, and Connection: close only when the connection will not
 * be kept), then the client's header lines minus the hop-by-hop ones and those that a
 * proxy_set_header replaced, then Content-Length for a body (kept decoded: chunked
 * bodies are sent with a length, as nginx).
 */
#include "proxy/proxy_request.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "proxy/header_additions.h"
#include "proxy/hop_by_hop.h"
#include "proxy/http_conn.h"
#include "proxy/request.h"
#include "proxy/variables.h"

#define ADD(x, s, n) pt_header_add((x), (s), (n))

/* Hop-by-hop fields and those portico writes itself (Host, Content-Length) or answered
 * (Expect): never copied from the client. */
static int not_copied(const char *n, size_t len)
{
    return pt_hop_by_hop(n, len, 0) || pt_field_is(n, len, "host") ||
           pt_field_is(n, len, "content-length") || pt_field_is(n, len, "expect");
}

static int set_by_location(const struct pt_conf_proxy *pc, const char *name, size_t len)
{
    for (uint32_t i = 0; i < pc->set_header.count; i++) {
        const struct pt_conf_proxy_header *h = &pc->set_header.list[i];
        if (h->name_len == len && strncasecmp(h->name, name, len) == 0)
            return 1;
    }
    return 0;
}

/* nginx's NGX_ESCAPE_URI: what a decoded path needs escaped to be sent as a URI again. */
static int put_escaped(struct pt_buf *x, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c > 0x20 && c < 0x7f && c != '#' && c != '%' && c != '?') {
            if (ADD(x, (const char *)&c, 1))
                return -1;
            continue;
        }
        char e[3] = {'%', hex[c >> 4], hex[c & 15]};
        if (ADD(x, e, 3))
            return -1;
    }
    return 0;
}

/* The URI sent: the client's as it came when proxy_pass has no URI part and no internal
 * redirect changed it; else the location's prefix replaced by proxy_pass's URI (or the
 * normalised URI), escaped, with $args. */
static int put_uri(const struct pt_request *r, const char *base, struct pt_buf *x)
{
    const struct pt_conf_proxy_pass *pp = &r->values->proxy.pass;
    const struct pt_conf_location *loc = r->location;
    size_t ulen, alen, skip = 0;
    const char *uri, *args;

    if (!pp->has_uri && !r->redirected) {
        if (r->head.path.len == 0)
            return ADD(x, "/", 1);
        return ADD(x, base + r->head.path.off, r->head.path.len);
    }
    uri = pt_request_uri(r, &ulen);
    if (pp->has_uri && loc && loc->match != PT_LOC_NAMED && !r->redirected &&
        ulen >= loc->pattern_len)
        skip = loc->pattern_len;
    if (pp->has_uri && ADD(x, pp->uri, pp->uri_len))
        return -1;
    if (put_escaped(x, uri + skip, ulen - skip))
        return -1;
    args = pt_request_args(r, &alen);
    if (args && (ADD(x, "?", 1) || ADD(x, args, alen)))
        return -1;
    return 0;
}

static int put_set_headers(const struct pt_request *r, const struct pt_conf_proxy *pc,
                           int keep, struct pt_buf *x)
{
    if (!set_by_location(pc, "Host", 4) &&
        (ADD(x, "Host: ", 6) || ADD(x, pc->pass.host, pc->pass.host_len) || ADD(x, "\r\n", 2)))
        return -1;
    if (!keep && !set_by_location(pc, "Connection", 10) &&
        PT_HEADER_LIT(x, "Connection: close\r\n"))
        return -1;
    for (uint32_t i = 0; i < pc->set_header.count; i++) {
        const struct pt_conf_proxy_header *h = &pc->set_header.list[i];
        uint32_t mark = x->end;
        if (ADD(x, h->name, h->name_len) || ADD(x, ": ", 2) || pt_complex_eval(r, &h->value, x))
            return -1;
        if (x->end == mark + h->name_len + 2) { /* empty: the header is not sent */
            x->end = mark;
            continue;
        }
        if (ADD(x, "\r\n", 2))
            return -1;
    }
    return 0;
}

static int put_client_headers(const struct pt_request *r, const struct pt_conf_proxy *pc,
                              const char *base, struct pt_buf *x)
{
    const struct pt_http_head *h = &r->head.head;
    int conn_first = pt_connection_first(h, base);

    for (uint16_t i = 0; i < h->header_count; i++) {
        const struct pt_http_header *c = &h->headers[i];
        const char *n = base + c->name.off;
        if (not_copied(n, c->name.len) || set_by_location(pc, n, c->name.len) ||
            (conn_first >= 0 && pt_connection_names(h, base, conn_first, n, c->name.len)))
            continue;
        if (ADD(x, n, c->name.len) || ADD(x, ": ", 2) ||
            ADD(x, base + c->value.off, c->value.len) || ADD(x, "\r\n", 2))
            return -1;
    }
    return 0;
}

int pt_proxy_request_head(const struct pt_request *r, int keep, enum pt_proxy_body body,
                          uint64_t body_len, struct pt_buf *x)
{
    const struct pt_conf_proxy *pc = &r->values->proxy;
    const char *base = r->hc->in.data + r->hc->in.start;
    const char *version = pc->http_version == 10 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n";

    if (ADD(x, base + r->head.method.off, r->head.method.len) || ADD(x, " ", 1) ||
        put_uri(r, base, x) || ADD(x, version, 11))
        return -1;
    if (put_set_headers(r, pc, keep, x))
        return -1;
    if (pc->pass_request_headers && put_client_headers(r, pc, base, x))
        return -1;
    if (body == PT_PROXY_BODY_CHUNKED && PT_HEADER_LIT(x, "Transfer-Encoding: chunked\r\n"))
        return -1;
    if (body == PT_PROXY_BODY_LENGTH &&
        (PT_HEADER_LIT(x, "Content-Length: ") ||
         pt_header_add_uint(x, body_len) || ADD(x, "\r\n", 2)))
        return -1;
    return PT_HEADER_LIT(x, "\r\n");
}
