/* proxy/variables.c - variable values (variables.h). Each is computed from the parsed
 * head or the connection on demand; nothing is precomputed for requests that use none. */
#include "proxy/variables.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/version.h"
#include "proxy/http_conn.h"
#include "proxy/request.h"

struct out {
    struct pt_buf *buf;
    int failed;
};

static void append(struct out *o, const char *s, size_t n)
{
    struct pt_buf *b = o->buf;

    if (o->failed || n == 0)
        return;
    if (b->data == NULL && pt_buf_alloc(b, (uint32_t)(n < 1024 ? 1024 : n)) != 0) {
        o->failed = 1;
        return;
    }
    if (pt_buf_room(b) < n && pt_buf_grow(b, (uint32_t)(pt_buf_len(b) + n)) != 0) {
        o->failed = 1;
        return;
    }
    memcpy(b->data + b->end, s, n);
    b->end += (uint32_t)n;
}

static void append_slice(struct out *o, const struct pt_request *r, struct pt_slice s)
{
    append(o, r->hc->in.data + r->hc->in.start + s.off, s.len);
}

static int name_is(const char *name, uint32_t len, const char *word)
{
    return strlen(word) == len && memcmp(name, word, len) == 0;
}

/* $http_user_agent matches "User-Agent": '_' stands for '-', any letter case. */
static int header_name_matches(const char *want, uint32_t want_len, const char *name,
                               uint32_t len)
{
    if (want_len != len)
        return 0;
    for (uint32_t i = 0; i < len; i++) {
        char a = want[i] == '_' ? '-' : want[i], b = name[i];
        if (a >= 'A' && a <= 'Z')
            a = (char)(a + 32);
        if (b >= 'A' && b <= 'Z')
            b = (char)(b + 32);
        if (a != b)
            return 0;
    }
    return 1;
}

static void append_header(struct out *o, const struct pt_request *r, const char *want,
                          uint32_t want_len)
{
    const char *base = r->hc->in.data + r->hc->in.start;
    const struct pt_http_head *h = &r->head.head;

    for (uint16_t i = 0; i < h->header_count; i++) {
        if (header_name_matches(want, want_len, base + h->headers[i].name.off,
                                h->headers[i].name.len)) {
            append_slice(o, r, h->headers[i].value);
            return;
        }
    }
}

static void append_query(struct out *o, const struct pt_request *r)
{
    const char *path = r->hc->in.data + r->hc->in.start + r->head.path.off;
    const char *q = memchr(path, '?', r->head.path.len);

    if (q)
        append(o, q + 1, r->head.path.len - (size_t)(q - path) - 1);
}

static void append_uri(struct out *o, const struct pt_request *r)
{
    size_t len;
    const char *uri = pt_request_uri(r, &len);

    append(o, uri, len);
}

static void append_host(struct out *o, const struct pt_request *r)
{
    const char *host = r->hc->in.data + r->hc->in.start + r->head.host.off;
    size_t len = r->head.host.len;
    const char *colon = len && host[0] != '[' ? memchr(host, ':', len) : NULL;

    if (len == 0) {
        const struct pt_conf_server *s = r->server;
        if (s->name_count)
            append(o, s->names[0], strlen(s->names[0]));
        return;
    }
    len = colon ? (size_t)(colon - host) : len;
    /* nginx's $host is lower case; the grammar (parser/) admits no byte that changes. */
    for (size_t i = 0; i < len; i++) {
        char c = host[i];
        append(o, (c >= 'A' && c <= 'Z') ? &"abcdefghijklmnopqrstuvwxyz"[c - 'A'] : &host[i], 1);
    }
}

static void append_addr(struct out *o, const union pt_sockaddr *a, int port)
{
    char text[INET6_ADDRSTRLEN + 8];
    int n = 0;

    if (a->sa.sa_family == AF_INET && port)
        n = snprintf(text, sizeof(text), "%u", ntohs(a->in.sin_port));
    else if (a->sa.sa_family == AF_INET6 && port)
        n = snprintf(text, sizeof(text), "%u", ntohs(a->in6.sin6_port));
    else if (a->sa.sa_family == AF_INET)
        n = inet_ntop(AF_INET, &a->in.sin_addr, text, sizeof(text)) ? (int)strlen(text) : 0;
    else if (a->sa.sa_family == AF_INET6)
        n = inet_ntop(AF_INET6, &a->in6.sin6_addr, text, sizeof(text)) ? (int)strlen(text) : 0;
    append(o, text, (size_t)n);
}

static void append_number(struct out *o, unsigned long long v)
{
    char text[24];
    int n = snprintf(text, sizeof(text), "%llu", v);

    append(o, text, (size_t)n);
}

static void append_request_line(struct out *o, const struct pt_request *r)
{
    const char *base = r->hc->in.data + r->hc->in.start;
    const char *line = base + r->head.method.off;
    const char *cr = memchr(line, '\r', r->head.head.head_length - r->head.method.off);

    append(o, line, cr ? (size_t)(cr - line) : 0);
}

/* Variables that need more than a slice of the head. */
static int append_computed(struct out *o, const struct pt_request *r, const char *n,
                           uint32_t len)
{
    const struct pt_conf_listener *l = r->hc->listener;

    if (name_is(n, len, "remote_addr"))
        append_addr(o, &r->hc->conn.peer, 0);
    else if (name_is(n, len, "remote_port"))
        append_addr(o, &r->hc->conn.peer, 1);
    else if (name_is(n, len, "server_port"))
        append_addr(o, (const union pt_sockaddr *)&l->addr, 1);
    else if (name_is(n, len, "server_addr"))
        append_addr(o, (const union pt_sockaddr *)&l->addr, 0);
    else if (name_is(n, len, "pid"))
        append_number(o, (unsigned long long)getpid());
    else if (name_is(n, len, "connection_requests"))
        append_number(o, r->hc->requests + 1ull);
    else if (name_is(n, len, "msec"))
        append_number(o, (unsigned long long)pt_now_sec);
    else if (name_is(n, len, "nginx_version") || name_is(n, len, "portico_version"))
        append(o, pt_version() + 8, strlen(pt_version()) - 8); /* past "portico/" */
    else
        return 0;
    return 1;
}

static void append_var(struct out *o, const struct pt_request *r, const char *n, uint32_t len)
{
    if (name_is(n, len, "request_method"))
        append_slice(o, r, r->head.method);
    else if (name_is(n, len, "request_uri"))
        append_slice(o, r, r->head.target);
    else if (name_is(n, len, "uri") || name_is(n, len, "document_uri"))
        append_uri(o, r);
    else if (name_is(n, len, "args") || name_is(n, len, "query_string"))
        append_query(o, r);
    else if (name_is(n, len, "is_args"))
        append(o, "?", memchr(r->hc->in.data + r->hc->in.start + r->head.path.off, '?',
                              r->head.path.len) != NULL);
    else if (name_is(n, len, "host"))
        append_host(o, r);
    else if (name_is(n, len, "scheme"))
        append(o, "http", 4);
    else if (name_is(n, len, "request"))
        append_request_line(o, r);
    else if (len > 5 && memcmp(n, "http_", 5) == 0)
        append_header(o, r, n + 5, len - 5);
    else
        append_computed(o, r, n, len);
}

int pt_complex_eval(const struct pt_request *r, const struct pt_conf_complex *cv,
                    struct pt_buf *out)
{
    struct out o = {out, 0};

    for (uint32_t i = 0; i < cv->part_count; i++) {
        const struct pt_conf_part *p = &cv->parts[i];
        if (p->is_var)
            append_var(&o, r, p->text, p->len);
        else
            append(&o, p->text, p->len);
    }
    return o.failed ? -ENOMEM : 0;
}
