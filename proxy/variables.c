/* proxy/variables.c - variable values (variables.h). Each is computed from the parsed
 * head or the connection on demand; nothing is precomputed for requests that use none. */
#include "proxy/variables.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/version.h"
#include "proxy/access_log.h"
#include "proxy/http_conn.h"
#include "proxy/proxy_variables.h"
#include "proxy/request.h"
#include "proxy/routing.h"
#include "proxy/worker.h"

#define PT_MAP_DEPTH 8 /* maps whose values use maps: deeper is a loop, evaluated empty */

struct out {
    struct pt_buf *buf;
    int failed;
    const struct pt_log_response *resp; /* NULL outside a log line */
    uint32_t depth;                     /* maps being evaluated */
    /* Inside the value of a map's regex key: that match, which $1..$9 and its named
     * groups read (nginx), and the map's source it matched. NULL elsewhere. */
    const struct pt_captures *caps;
    const char *subject;
};

static void append_var(struct out *o, const struct pt_request *r, const char *n, uint32_t len);

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

/* The first header named want among headers (slices of base); NULL when none. */
static const struct pt_http_header *find_header(const char *base,
                                                const struct pt_http_header *headers,
                                                uint16_t count, const char *want,
                                                uint32_t want_len)
{
    for (uint16_t i = 0; i < count; i++) {
        if (header_name_matches(want, want_len, base + headers[i].name.off, headers[i].name.len))
            return &headers[i];
    }
    return NULL;
}

static void append_header(struct out *o, const struct pt_request *r, const char *want,
                          uint32_t want_len)
{
    const char *base = r->hc->in.data + r->hc->in.start;
    const struct pt_http_head *h = &r->head.head;
    const struct pt_http_header *f = find_header(base, h->headers, h->header_count, want,
                                                 want_len);

    if (f)
        append_slice(o, r, f->value);
}

/* $sent_http_NAME: a header of the response portico queued (log lines only). */
static void append_sent_header(struct out *o, const char *want, uint32_t want_len)
{
    const struct pt_log_response *resp = o->resp;
    const struct pt_http_header *f;

    if (!resp || !resp->head)
        return;
    f = find_header(resp->head, resp->headers, resp->header_count, want, want_len);
    if (f)
        append(o, resp->head + f->value.off, f->value.len);
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int same_caseless(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
            return 0;
    }
    return 1;
}

/* The value of NAME in "a=1<sep>b=2" (nginx: $arg_ names any case, $cookie_ too). */
static void append_pair(struct out *o, const char *s, size_t len, char sep, const char *name,
                        uint32_t name_len)
{
    const char *end = s + len;

    while (s < end) {
        const char *next = memchr(s, sep, (size_t)(end - s));
        const char *stop = next ? next : end;
        while (sep == ';' && s < stop && *s == ' ')
            s++;
        if ((size_t)(stop - s) > name_len && s[name_len] == '=' &&
            same_caseless(s, name, name_len)) {
            append(o, s + name_len + 1, (size_t)(stop - s) - name_len - 1);
            return;
        }
        s = next ? next + 1 : end;
    }
}

static void append_arg(struct out *o, const struct pt_request *r, const char *name,
                       uint32_t len)
{
    size_t alen;
    const char *args = pt_request_args(r, &alen);

    if (args)
        append_pair(o, args, alen, '&', name, len);
}

static void append_cookie(struct out *o, const struct pt_request *r, const char *name,
                          uint32_t len)
{
    const char *base = r->hc->in.data + r->hc->in.start;
    const struct pt_http_head *h = &r->head.head;

    for (uint16_t i = 0; i < h->header_count; i++) {
        const struct pt_http_header *c = &h->headers[i];
        if (header_name_matches("cookie", 6, base + c->name.off, c->name.len))
            append_pair(o, base + c->value.off, c->value.len, ';', name, len);
    }
}

static void append_query(struct out *o, const struct pt_request *r)
{
    size_t len;
    const char *args = pt_request_args(r, &len);

    if (args)
        append(o, args, len);
}

static void append_uri(struct out *o, const struct pt_request *r)
{
    size_t len;
    const char *uri = pt_request_uri(r, &len);

    append(o, uri, len);
}

/* Routing has the Host lower-cased and without its port (nginx's $host); without a
 * Host, the server's first name. */
static void append_host(struct out *o, const struct pt_request *r)
{
    const struct pt_conf_server *s = r->server;

    if (r->host_len)
        append(o, r->host, r->host_len);
    else if (s->name_count)
        append(o, s->names[0], strlen(s->names[0]));
}

/* $1..$9: the captures of the map regex whose value is being expanded, else of the
 * regex that chose the location (else the server). */
static void append_capture(struct out *o, const struct pt_request *r, unsigned n)
{
    const char *text;
    long len = o->caps ? pt_captures_get(o->caps, o->subject, n, &text)
                       : pt_request_capture(r, n, &text);

    if (len > 0)
        append(o, text, (size_t)len);
}

static void append_addr(struct out *o, const union pt_sockaddr *a, int port)
{
    char text[INET6_ADDRSTRLEN + 8];
    int n = 0;

    if (a->sa.sa_family == AF_INET && port)
        n = snprintf(text, sizeof(text), "%u", ntohs(a->in.sin_port));
    else if (a->sa.sa_family == AF_INET6 && port)
        n = snprintf(text, sizeof(text), "%u", ntohs(a->in6.sin6_port));
    else if (!port)
        n = (int)pt_sockaddr_text(a, text, sizeof(text));
    append(o, text, (size_t)n);
}

static void append_number(struct out *o, unsigned long long v)
{
    char text[24];
    int n = snprintf(text, sizeof(text), "%llu", v);

    append(o, text, (size_t)n);
}

/* $time_local, $time_iso8601, $msec: wall-clock time, formatted once per second. */
static void append_time(struct out *o, int iso)
{
    static time_t cached[2] = {-1, -1};
    static char text[2][40];
    static size_t text_len[2];
    time_t now = pt_now_sec;

    if (cached[iso] != now) {
        struct tm tm;
        char zone[8];
        localtime_r(&now, &tm);
        strftime(zone, sizeof(zone), "%z", &tm);
        text_len[iso] = iso ? strftime(text[1], sizeof(text[1]), "%Y-%m-%dT%H:%M:%S", &tm)
                            : strftime(text[0], sizeof(text[0]), "%d/%b/%Y:%H:%M:%S ", &tm);
        /* nginx writes the ISO zone as +00:00 and the local one as +0000. */
        if (iso)
            text_len[1] += (size_t)snprintf(text[1] + text_len[1], 12, "%.3s:%.2s", zone, zone + 3);
        else
            text_len[0] += (size_t)snprintf(text[0] + text_len[0], 12, "%s", zone);
        cached[iso] = now;
    }
    append(o, text[iso], text_len[iso]);
}

/* $msec: seconds with milliseconds; read now, not at the turn, as nginx does at log time. */
static void append_msec(struct out *o)
{
    struct timespec ts;
    char text[32];
    int n;

    clock_gettime(CLOCK_REALTIME, &ts);
    n = snprintf(text, sizeof(text), "%lld.%03ld", (long long)ts.tv_sec, ts.tv_nsec / 1000000);
    append(o, text, (size_t)n);
}

/* $request_time: seconds.millis since the head's first byte (client_header_timeout's
 * deadline was set from it). */
static void append_request_time(struct out *o, const struct pt_request *r)
{
    pt_msec_t timeout = r->hc->listener->default_server->values.client_header_timeout;
    uint64_t start = r->head_deadline_ms - (uint64_t)timeout;
    uint64_t ms = pt_now_ms > start ? pt_now_ms - start : 0;
    char text[32];
    int n = snprintf(text, sizeof(text), "%llu.%03llu", (unsigned long long)(ms / 1000),
                     (unsigned long long)(ms % 1000));

    append(o, text, (size_t)n);
}

static void append_hostname(struct out *o)
{
    static char name[256];

    if (name[0] == '\0' && gethostname(name, sizeof(name) - 1) != 0)
        strcpy(name, "localhost");
    append(o, name, strlen(name));
}

/* $connection: a serial number per worker, given the first time a connection asks. */
static void append_connection(struct out *o, struct pt_http_conn *hc)
{
    static uint64_t last;

    if (hc->number == 0)
        hc->number = ++last;
    append_number(o, hc->number);
}

/* The request line as received. A head that was refused has no head_length: the line
 * then runs to the first CR (or LF) of what was read. */
static void append_request_line(struct out *o, const struct pt_request *r)
{
    const char *base = r->hc->in.data + r->hc->in.start;
    uint32_t end = r->head.head.head_length ? r->head.head.head_length : pt_buf_len(&r->hc->in);
    const char *line = base + r->head.method.off, *eol;

    if (r->hc->in.data == NULL || r->head.method.off >= end)
        return;
    eol = memchr(line, '\r', end - r->head.method.off);
    if (eol == NULL)
        eol = memchr(line, '\n', end - r->head.method.off);
    append(o, line, eol ? (size_t)(eol - line) : 0);
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
        append_msec(o);
    else if (name_is(n, len, "time_local"))
        append_time(o, 0);
    else if (name_is(n, len, "time_iso8601"))
        append_time(o, 1);
    else if (name_is(n, len, "request_time"))
        append_request_time(o, r);
    else if (name_is(n, len, "request_length"))
        append_number(o, r->head.head.head_length + (unsigned long long)r->body_read);
    else if (name_is(n, len, "hostname"))
        append_hostname(o);
    else if (name_is(n, len, "connection"))
        append_connection(o, r->hc);
    else if (name_is(n, len, "nginx_version") || name_is(n, len, "portico_version"))
        append(o, pt_version() + 8, strlen(pt_version()) - 8); /* past "portico/" */
    else
        return 0;
    return 1;
}

/* Variables a finished response gives (empty before one: nginx logs what it sent). */
static int append_response_var(struct out *o, const char *n, uint32_t len)
{
    const struct pt_log_response *resp = o->resp;
    char text[8];

    if (name_is(n, len, "status")) {
        if (resp)
            append(o, text, (size_t)snprintf(text, sizeof(text), "%03u", resp->status));
    } else if (name_is(n, len, "body_bytes_sent")) {
        append_number(o, resp ? resp->body_bytes_sent : 0);
    } else if (name_is(n, len, "bytes_sent")) {
        append_number(o, resp ? resp->bytes_sent : 0);
    } else if (len > 10 && memcmp(n, "sent_http_", 10) == 0) {
        append_sent_header(o, n + 10, len - 10);
    } else {
        return 0;
    }
    return 1;
}

static void append_parts(struct out *o, const struct pt_request *r,
                         const struct pt_conf_complex *cv)
{
    for (uint32_t i = 0; i < cv->part_count; i++) {
        const struct pt_conf_part *p = &cv->parts[i];
        if (p->is_var)
            append_var(o, r, p->text, p->len);
        else
            append(o, p->text, p->len);
    }
}

/* The first regex key of m matching subject, its match in *caps; NULL when none does.
 * nginx tries them after the exact keys, in config order. */
static const struct pt_conf_map_regex *match_map_regex(const struct pt_conf_map *m,
                                                       const char *subject, size_t len,
                                                       struct pt_captures *caps)
{
    const struct pt_routing *rt = m->regex_count ? pt_routing_for(pt_worker.cfg) : NULL;

    for (uint32_t i = 0; rt && i < m->regex_count; i++) {
        const struct pt_regex *re = pt_routing_map_regex(rt, &m->regexes[i]);
        if (re && pt_regex_match(re, subject, len, caps) == 1)
            return &m->regexes[i];
    }
    return NULL;
}

/* A map's value: the source evaluated, then the matching key's value (exact keys
 * first, then regex keys), or the default. */
static void append_map(struct out *o, const struct pt_request *r, const struct pt_conf_map *m)
{
    struct pt_buf src = {0};
    struct out so = {&src, 0, o->resp, o->depth + 1, NULL, NULL};
    struct out vo = *o;
    const struct pt_conf_complex *value = &m->def;
    const struct pt_conf_map_regex *mr;
    struct pt_captures caps;
    const char *subject;
    size_t len;

    if (o->depth >= PT_MAP_DEPTH)
        return;
    append_parts(&so, r, &m->source);
    subject = src.data ? src.data + src.start : ""; /* PCRE2 10.42 refuses NULL */
    len = pt_buf_len(&src);
    for (uint32_t i = 0; i < m->entry_count && value == &m->def; i++) {
        const struct pt_conf_map_entry *e = &m->entries[i];
        if (e->key_len == len && memcmp(e->key, subject, len) == 0)
            value = &e->value;
    }
    if (value == &m->def && (mr = match_map_regex(m, subject, len, &caps)) != NULL) {
        value = &mr->value;
        vo.caps = &caps;
        vo.subject = subject;
    }
    vo.depth++;
    append_parts(&vo, r, value);
    o->failed |= vo.failed;
    pt_buf_release(&src); /* after the value: its captures point into it */
}

/* A named group: the map match being expanded, else the request's regexes. */
static void append_named_capture(struct out *o, const struct pt_request *r, const char *n,
                                 uint32_t len)
{
    const char *text;
    long got;
    int g;

    if (o->caps && (g = pt_regex_group(o->caps->re, n, len)) > 0)
        got = pt_captures_get(o->caps, o->subject, (uint32_t)g, &text);
    else
        got = pt_request_capture_named(r, n, len, &text);
    if (got > 0)
        append(o, text, (size_t)got);
}

/* $proxy_add_x_forwarded_for: each of the client's X-Forwarded-For headers followed by
 * ", " (nginx joins them all), then $remote_addr. */
static void append_forwarded_for(struct out *o, const struct pt_request *r)
{
    const char *base = r->hc->in.data + r->hc->in.start;
    const struct pt_http_head *h = &r->head.head;
    const struct pt_http_header *f = h->headers;
    uint16_t left = h->header_count;

    while (left && (f = find_header(base, f, left, "x_forwarded_for", 15)) != NULL) {
        if (f->value.len) {
            append_slice(o, r, f->value);
            append(o, ", ", 2);
        }
        left = (uint16_t)(h->header_count - (f - h->headers) - 1);
        f++;
    }
    append_addr(o, &r->hc->conn.peer, 0);
}

static int append_proxy_var(struct out *o, const struct pt_request *r, const char *n,
                            uint32_t len)
{
    char buf[320];
    long got;

    if (name_is(n, len, "proxy_add_x_forwarded_for")) {
        append_forwarded_for(o, r);
        return 1;
    }
    got = pt_proxy_variable(r, n, len, buf, sizeof(buf));
    if (got > 0)
        append(o, buf, (size_t)got);
    return got >= 0;
}

static void append_other(struct out *o, const struct pt_request *r, const char *n, uint32_t len)
{
    const struct pt_conf_map *m;

    if (len > 4 && memcmp(n, "arg_", 4) == 0)
        append_arg(o, r, n + 4, len - 4);
    else if (len > 7 && memcmp(n, "cookie_", 7) == 0)
        append_cookie(o, r, n + 7, len - 7);
    else if (name_is(n, len, "content_type"))
        append_header(o, r, "content_type", 12);
    else if (name_is(n, len, "content_length"))
        append_header(o, r, "content_length", 14);
    else if (name_is(n, len, "server_name"))
        append(o, r->server->name_count ? r->server->names[0] : "",
               r->server->name_count ? strlen(r->server->names[0]) : 0);
    else if (append_computed(o, r, n, len) || append_response_var(o, n, len) ||
             append_proxy_var(o, r, n, len))
        return;
    else if (pt_worker.cfg && (m = pt_conf_map_find(pt_worker.cfg, n, len)) != NULL)
        append_map(o, r, m);
    else
        append_named_capture(o, r, n, len);
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
    else if (name_is(n, len, "is_args")) {
        size_t alen;
        append(o, "?", pt_request_args(r, &alen) != NULL);
    }
    else if (name_is(n, len, "host"))
        append_host(o, r);
    else if (len == 1 && n[0] >= '0' && n[0] <= '9')
        append_capture(o, r, (unsigned)(n[0] - '0'));
    else if (name_is(n, len, "scheme"))
        append(o, "http", 4);
    else if (name_is(n, len, "request"))
        append_request_line(o, r);
    else if (len > 5 && memcmp(n, "http_", 5) == 0)
        append_header(o, r, n + 5, len - 5);
    else
        append_other(o, r, n, len);
}

/* Escapes the value just appended at [mark, end) in place (through a copy: it grows). */
static void escape_value(struct out *o, uint32_t mark_len, enum pt_log_escape escape)
{
    struct pt_buf *b = o->buf;
    uint32_t mark = b->start + mark_len; /* a grow may have moved the bytes to 0 */
    size_t raw_len = b->end - mark, n;
    char *raw;

    if (raw_len == 0) {
        if (escape == PT_LOG_ESCAPE_DEFAULT)
            append(o, "-", 1);
        return;
    }
    n = pt_log_escape(escape, b->data + mark, raw_len, NULL);
    if (n == raw_len || (raw = malloc(raw_len)) == NULL) {
        o->failed |= n != raw_len;
        return;
    }
    memcpy(raw, b->data + mark, raw_len);
    b->end = mark;
    if (pt_buf_room(b) < n && pt_buf_grow(b, (uint32_t)(pt_buf_len(b) + n)) != 0)
        o->failed = 1;
    else
        b->end += (uint32_t)pt_log_escape(escape, raw, raw_len, b->data + b->end);
    free(raw);
}

int pt_complex_eval_log(const struct pt_request *r, const struct pt_log_response *resp,
                        enum pt_log_escape escape, const struct pt_conf_complex *cv,
                        struct pt_buf *out)
{
    struct out o = {out, 0, resp, 0, NULL, NULL};

    for (uint32_t i = 0; i < cv->part_count; i++) {
        const struct pt_conf_part *p = &cv->parts[i];
        uint32_t mark = out->data ? pt_buf_len(out) : 0;
        if (!p->is_var) {
            append(&o, p->text, p->len);
            continue;
        }
        append_var(&o, r, p->text, p->len);
        if (!o.failed)
            escape_value(&o, mark, escape);
    }
    return o.failed ? -ENOMEM : 0;
}

int pt_complex_eval(const struct pt_request *r, const struct pt_conf_complex *cv,
                    struct pt_buf *out)
{
    struct out o = {out, 0, NULL, 0, NULL, NULL};

    for (uint32_t i = 0; i < cv->part_count; i++) {
        const struct pt_conf_part *p = &cv->parts[i];
        if (p->is_var)
            append_var(&o, r, p->text, p->len);
        else
            append(&o, p->text, p->len);
    }
    return o.failed ? -ENOMEM : 0;
}
