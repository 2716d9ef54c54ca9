/* tests/fuzz/fuzz_request.c - libFuzzer target for the request head machine.
 *
 * The input is a byte stream from a client: one request or several pipelined. Each head is
 * parsed whole, byte by byte (on a buffer whose unsent tail is ASan-poisoned) and in two
 * pieces (each a fresh heap copy, the first freed before the second call), under nginx's
 * limits and under tight ones; the verdicts must match and an accepted head must satisfy
 * RFC 9112 (see fuzz_common.h). Bodies are skipped by their framing (chunked ones go
 * through the chunked checks too) and the next request is parsed from where it starts.
 */
#include "fuzz_common.h"

static const struct fz_head_cfg req_cfgs[] = {
    {PT_HTTP_DEFAULT_MAX_HEADERS, 1, {0, 0}},
    {3, 0, {40, 160}},
};

struct req_run {
    int rc;
    size_t at; /* bytes given when the verdict came */
    struct pt_http_request req;
    struct pt_http_header *headers;
};

static void req_start(struct req_run *r, const struct fz_head_cfg *cfg)
{
    memset(&r->req, 0xA5, sizeof(r->req));
    r->headers = fz_header_array(cfg->capacity);
    pt_http_request_init(&r->req, r->headers, cfg->capacity,
                         cfg->default_limits ? NULL : &cfg->limits);
    r->rc = PT_PARSE_AGAIN;
    r->at = 0;
}

static int req_parse(void *p, const char *buf, size_t len)
{
    return pt_http_request_parse(p, buf, len);
}

static void req_whole(struct req_run *r, const uint8_t *in, size_t n,
                       const struct fz_head_cfg *cfg)
{
    req_start(r, cfg);
    fz_feed_whole(req_parse, &r->req, in, n, (struct fz_feed){&r->rc, &r->at});
}

static void req_bytes(struct req_run *r, const uint8_t *in, size_t n,
                       const struct fz_head_cfg *cfg)
{
    req_start(r, cfg);
    fz_feed_bytes(req_parse, &r->req, in, n, (struct fz_feed){&r->rc, &r->at});
}

static void req_split(struct req_run *r, const uint8_t *in, size_t n, size_t k,
                       const struct fz_head_cfg *cfg)
{
    req_start(r, cfg);
    fz_feed_split(req_parse, &r->req, in, n, k, (struct fz_feed){&r->rc, &r->at});
}

static void req_compare(const struct req_run *a, const struct req_run *b, const char *mode)
{
    fz_compare_heads(a->rc, &a->req.head, b->rc, &b->req.head, mode);
    if (a->rc != PT_PARSE_DONE)
        return;
    fz_compare_slice("method", a->req.method, b->req.method, mode);
    fz_compare_slice("target", a->req.target, b->req.target, mode);
    fz_compare_slice("path", a->req.path, b->req.path, mode);
    fz_compare_slice("host", a->req.host, b->req.host, mode);
    FZ_CHECK("same-method-id", a->req.method_id == b->req.method_id, "whole %d, %s %d",
             a->req.method_id, mode, b->req.method_id);
    FZ_CHECK("same-target-form", a->req.target_form == b->req.target_form, "whole %d, %s %d",
             a->req.target_form, mode, b->req.target_form);
}

/* method SP request-target SP HTTP-version CRLF; returns the offset after it. */
static size_t check_request_line(const char *buf, const struct pt_http_request *r, size_t p,
                                 const struct pt_http_limits *lim)
{
    size_t hl = r->head.head_length;
    struct pt_slice m = r->method, t = r->target;
    size_t me = (size_t)m.off + m.len, te = (size_t)t.off + t.len;

    fz_check_slice("method", m, hl);
    fz_check_slice("target", t, hl);
    fz_check_slice("path", r->path, hl);
    fz_check_slice("host", r->host, hl);
    FZ_CHECK("request-line", m.off == p && m.len > 0 && me < hl && buf[me] == ' ' &&
             t.off == me + 1 && t.len > 0, "method %u+%u target %u+%u first line at %zu",
             m.off, m.len, t.off, t.len, p);
    for (size_t i = m.off; i < me; i++)
        FZ_CHECK("method-tchar", fz_is_tchar((unsigned char)buf[i]), "method byte 0x%02x",
                 (unsigned char)buf[i]);
    for (size_t i = t.off; i < te; i++) {
        unsigned char c = (unsigned char)buf[i];
        FZ_CHECK("target-chars", c > 0x20 && c != 0x7f, "target byte 0x%02x at %zu", c, i);
    }
    FZ_CHECK("request-line", te + 11 <= hl && memcmp(buf + te, " HTTP/", 6) == 0 &&
             buf[te + 6] >= '0' && buf[te + 6] <= '9' && buf[te + 7] == '.' &&
             buf[te + 8] >= '0' && buf[te + 8] <= '9' && buf[te + 9] == '\r' &&
             buf[te + 10] == '\n', "no ' HTTP/d.d CRLF' after the target at %zu", te);
    FZ_CHECK("version", r->head.version_major == (uint8_t)(buf[te + 6] - '0') &&
             r->head.version_minor == (uint8_t)(buf[te + 8] - '0'),
             "version %u.%u from '%.8s'", r->head.version_major, r->head.version_minor,
             buf + te + 1);
    FZ_CHECK("line-length", te + 11 - p <= lim->max_line, "request line of %zu bytes, max_line %u",
             te + 11 - p, lim->max_line);
    return te + 11;
}

static int slice_inside(struct pt_slice in, struct pt_slice s)
{
    return s.off >= in.off && (size_t)s.off + s.len <= (size_t)in.off + in.len;
}

/* uri-host [ ":" port ] characters (RFC 3986): a Host value with anything else is 400. */
static int host_char(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c && strchr("-._~%!$&'()*+,;=:[]", c));
}

static void check_target_and_host(const char *buf, const struct pt_http_request *r)
{
    struct pt_slice t = r->target;
    const char *ts = buf + t.off;
    const char *mname = r->method_id ? pt_http_method_name(r->method_id) : NULL;
    int hosts = fz_header_count(buf, &r->head, "host");

    if (mname)
        FZ_CHECK("method-id", strlen(mname) == r->method.len &&
                 memcmp(mname, buf + r->method.off, r->method.len) == 0,
                 "method_id %d (%s) for '%.*s'", r->method_id, mname, (int)r->method.len,
                 buf + r->method.off);
    else
        for (int id = PT_METHOD_GET; id <= PT_METHOD_PATCH; id++) {
            const char *nm = pt_http_method_name((enum pt_http_method)id);
            FZ_CHECK("method-id", !(nm && strlen(nm) == r->method.len &&
                     memcmp(nm, buf + r->method.off, r->method.len) == 0),
                     "OTHER for the named method %s", nm);
        }
    /* RFC 9112 3.2: each form, and the method it belongs to. */
    switch (r->target_form) {
    case PT_TARGET_ORIGIN:
        FZ_CHECK("target-form", ts[0] == '/' && r->path.off == t.off && r->path.len == t.len,
                 "origin-form '%.*s', path %u+%u", (int)t.len, ts, r->path.off, r->path.len);
        break;
    case PT_TARGET_ABSOLUTE:
        FZ_CHECK("target-form", memmem(ts, t.len, "://", 3) != NULL &&
                 slice_inside(t, r->path),
                 "absolute-form '%.*s', path %u+%u", (int)t.len, ts, r->path.off,
                 r->path.len);
        break;
    case PT_TARGET_AUTHORITY:
        FZ_CHECK("target-form", r->method_id == PT_METHOD_CONNECT && !memchr(ts, '/', t.len),
                 "authority-form '%.*s' with method %d", (int)t.len, ts, r->method_id);
        break;
    case PT_TARGET_ASTERISK:
        FZ_CHECK("target-form", r->method_id == PT_METHOD_OPTIONS && t.len == 1 && ts[0] == '*',
                 "asterisk-form '%.*s' with method %d", (int)t.len, ts, r->method_id);
        break;
    default:
        FZ_CHECK("target-form", 0, "target_form %d", r->target_form);
    }
    FZ_CHECK("target-form", r->method_id != PT_METHOD_CONNECT ||
             r->target_form == PT_TARGET_AUTHORITY, "CONNECT with form %d", r->target_form);

    /* RFC 9112 3.2: 400 for HTTP/1.1 without Host, for any request with two. */
    FZ_CHECK("host-count", hosts <= 1 && (r->head.version_minor == 0 || hosts == 1),
             "HTTP/1.%u with %d Host lines", r->head.version_minor, hosts);
    for (uint16_t i = 0; i < r->head.header_count; i++) {
        struct pt_http_header f = r->head.headers[i];
        if (!fz_ieq(buf + f.name.off, f.name.len, "host"))
            continue;
        for (uint32_t j = 0; j < f.value.len; j++)
            FZ_CHECK("host-chars", host_char((unsigned char)buf[f.value.off + j]),
                     "Host value '%.*s' accepted", (int)f.value.len, buf + f.value.off);
        if (r->target_form != PT_TARGET_ABSOLUTE && r->target_form != PT_TARGET_AUTHORITY)
            FZ_CHECK("host-slice", r->host.off == f.value.off && r->host.len == f.value.len,
                     "host %u+%u, Host value %u+%u", r->host.off, r->host.len, f.value.off,
                     f.value.len);
    }
    /* An absolute- or authority-form target names the host itself (RFC 9112 3.2.2-3). */
    if (r->target_form == PT_TARGET_ABSOLUTE || r->target_form == PT_TARGET_AUTHORITY)
        FZ_CHECK("host-slice", slice_inside(r->target, r->host) && r->host.len > 0,
                 "host %u+%u, target %u+%u", r->host.off, r->host.len, r->target.off,
                 r->target.len);
    else if (!hosts)
        FZ_CHECK("host-slice", r->host.len == 0, "host %u+%u without a Host line",
                 r->host.off, r->host.len);
}

/* Request framing (RFC 9112 6.3): chunked alone, or Content-Length, or nothing. */
static void check_request_framing(const char *buf, const struct pt_http_head *h)
{
    struct fz_list te = fz_list_scan(buf, h, "transfer-encoding", "chunked");
    uint16_t fl = h->flags;

    if (fl & PT_HTTP_HAS_TRANSFER_ENCODING) {
        FZ_CHECK("cl-and-te", !(fl & PT_HTTP_HAS_CONTENT_LENGTH), "flags 0x%x", fl);
        FZ_CHECK("te-chunked", te.elems == 1 && te.matches == 1,
                 "accepted Transfer-Encoding with %u codings, %u chunked", te.elems, te.matches);
        FZ_CHECK("framing", h->framing == PT_BODY_CHUNKED, "framing %d with TE", h->framing);
    } else if (fl & PT_HTTP_HAS_CONTENT_LENGTH) {
        FZ_CHECK("framing", h->framing == PT_BODY_LENGTH ||
                 (h->framing == PT_BODY_NONE && h->content_length == 0),
                 "framing %d with Content-Length %llu", h->framing,
                 (unsigned long long)h->content_length);
    } else {
        FZ_CHECK("framing", h->framing == PT_BODY_NONE, "framing %d without a body", h->framing);
    }
    if (h->version_minor >= 1)
        FZ_CHECK("keep-alive", !!(fl & PT_HTTP_KEEP_ALIVE) == !(fl & PT_HTTP_CONN_CLOSE),
                 "HTTP/1.%u request, flags 0x%x", h->version_minor, fl);
}

static void check_request_done(const uint8_t *in, size_t n, const struct req_run *r,
                               const struct fz_head_cfg *cfg)
{
    const char *buf = (const char *)in;
    struct pt_http_limits lim = fz_limits(cfg);
    size_t p, line1_end;

    FZ_CHECK("head-length", r->req.head.head_length <= n && r->req.head.head_length >= 4,
             "head_length %u, input %zu", r->req.head.head_length, n);
    FZ_CHECK("header-count", r->req.head.header_count <= cfg->capacity, "%u headers, capacity %u",
             r->req.head.header_count, cfg->capacity);
    p = fz_check_leading(buf, r->req.head.head_length);
    line1_end = check_request_line(buf, &r->req, p, &lim);
    fz_check_head_done(buf, n, &r->req.head, cfg, p, line1_end, 1);
    check_target_and_host(buf, &r->req);
    check_request_framing(buf, &r->req.head);
}

/* Every check on the request at in[0, n) under one configuration; the whole run's result
 * is left in *whole (its header array is the caller's to free). */
static void check_request(const uint8_t *in, size_t n, const struct fz_head_cfg *cfg,
                          struct req_run *whole)
{
    struct req_run bytes, split;
    const struct pt_http_head *h = &whole->req.head;

    req_whole(whole, in, n, cfg);
    req_bytes(&bytes, in, n, cfg);
    req_split(&split, in, n, fz_hash(in, n) % (n + 1), cfg);
    req_compare(whole, &bytes, "byte-by-byte");
    req_compare(whole, &split, "split");

    FZ_CHECK("rc", whole->rc >= PT_PARSE_ERROR && whole->rc <= PT_PARSE_DONE, "rc %d", whole->rc);
    if (whole->rc == PT_PARSE_DONE) {
        FZ_CHECK("done-at-once", bytes.at == h->head_length,
                 "byte by byte: DONE after %zu bytes, head_length %u", bytes.at, h->head_length);
        check_request_done(in, n, whole, cfg);
    } else if (whole->rc == PT_PARSE_ERROR) {
        FZ_CHECK("error-status", h->error_status == 400 || h->error_status == 414 ||
                 h->error_status == 431 || h->error_status == 501 || h->error_status == 505,
                 "error_status %u", h->error_status);
        FZ_CHECK("error-reason", h->error_reason != NULL, "no error_reason");
        FZ_CHECK("error-offset", h->error_offset <= bytes.at,
                 "error_offset %u, but the verdict came after %zu bytes", h->error_offset,
                 bytes.at);
    } else {
        fz_check_head_again((const char *)in, n, cfg);
    }
    free(bytes.headers);
    free(split.headers);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t start = 0;

    for (int msg = 0; msg < 8 && start < size; msg++) {
        struct req_run r;
        const uint8_t *in = data + start;
        size_t n = size - start, body_end;

        fz_set_context("request %d at offset %zu, max_line 40, max_head 160, 3 headers", msg,
                       start);
        check_request(in, n, &req_cfgs[1], &r);
        free(r.headers);
        fz_set_context("request %d at offset %zu, default limits", msg, start);
        check_request(in, n, &req_cfgs[0], &r);
        free(r.headers);
        if (r.rc != PT_PARSE_DONE)
            break;
        body_end = r.req.head.head_length;
        if (r.req.head.framing == PT_BODY_LENGTH) {
            if (r.req.head.content_length > n - body_end)
                break;
            body_end += (size_t)r.req.head.content_length;
        } else if (r.req.head.framing == PT_BODY_CHUNKED) {
            size_t total = 0;
            if (fz_chunk_check(in + body_end, n - body_end, &total) != PT_PARSE_DONE)
                break;
            body_end += total;
        }
        start += body_end;
    }
    return 0;
}
