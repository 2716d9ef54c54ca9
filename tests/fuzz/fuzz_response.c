/* tests/fuzz/fuzz_response.c - libFuzzer target for the response head machine.
 *
 * The input is what an upstream sends on one connection: interim 1xx heads, then final
 * responses with their bodies. Each head is parsed whole, byte by byte (unsent bytes
 * ASan-poisoned) and in two pieces (fresh heap copies), as the answer to GET, HEAD and
 * CONNECT and under tight limits; the verdicts must match and an accepted head must
 * satisfy RFC 9112, including the body framing RFC 9112 6.3 prescribes.
 */
#include "fuzz_common.h"

struct resp_cfg {
    enum pt_http_method method;
    struct fz_head_cfg head;
};

static const struct resp_cfg resp_cfgs[] = {
    {PT_METHOD_GET, {PT_HTTP_DEFAULT_MAX_HEADERS, 1, {0, 0}}}, /* first: drives the stream */
    {PT_METHOD_HEAD, {PT_HTTP_DEFAULT_MAX_HEADERS, 1, {0, 0}}},
    {PT_METHOD_CONNECT, {PT_HTTP_DEFAULT_MAX_HEADERS, 1, {0, 0}}},
    {PT_METHOD_GET, {3, 0, {40, 160}}},
};

struct resp_run {
    int rc;
    size_t at; /* bytes given when the verdict came */
    struct pt_http_response resp;
    struct pt_http_header *headers;
};

static void resp_start(struct resp_run *r, const struct resp_cfg *cfg)
{
    memset(&r->resp, 0xA5, sizeof(r->resp));
    r->headers = fz_header_array(cfg->head.capacity);
    pt_http_response_init(&r->resp, r->headers, cfg->head.capacity,
                          cfg->head.default_limits ? NULL : &cfg->head.limits, cfg->method);
    r->rc = PT_PARSE_AGAIN;
    r->at = 0;
}

static int resp_parse(void *p, const char *buf, size_t len)
{
    return pt_http_response_parse(p, buf, len);
}

static void resp_whole(struct resp_run *r, const uint8_t *in, size_t n,
                       const struct resp_cfg *cfg)
{
    resp_start(r, cfg);
    fz_feed_whole(resp_parse, &r->resp, in, n, (struct fz_feed){&r->rc, &r->at});
}

static void resp_bytes(struct resp_run *r, const uint8_t *in, size_t n,
                       const struct resp_cfg *cfg)
{
    resp_start(r, cfg);
    fz_feed_bytes(resp_parse, &r->resp, in, n, (struct fz_feed){&r->rc, &r->at});
}

static void resp_split(struct resp_run *r, const uint8_t *in, size_t n, size_t k,
                       const struct resp_cfg *cfg)
{
    resp_start(r, cfg);
    fz_feed_split(resp_parse, &r->resp, in, n, k, (struct fz_feed){&r->rc, &r->at});
}

static void resp_compare(const struct resp_run *a, const struct resp_run *b, const char *mode)
{
    fz_compare_heads(a->rc, &a->resp.head, b->rc, &b->resp.head, mode);
    if (a->rc != PT_PARSE_DONE)
        return;
    FZ_CHECK("same-status", a->resp.status == b->resp.status, "whole %u, %s %u",
             a->resp.status, mode, b->resp.status);
    fz_compare_slice("reason", a->resp.reason, b->resp.reason, mode);
}

/* HTTP-version SP 3DIGIT [ SP reason-phrase ] CRLF (the SP before an empty reason is
 * tolerated, as most clients do); returns the offset after it. */
static size_t check_status_line(const char *buf, const struct pt_http_response *r, size_t p,
                                const struct pt_http_limits *lim)
{
    size_t hl = r->head.head_length, c = p + 12, end;
    struct pt_slice rs = r->reason;

    fz_check_slice("reason", rs, hl);
    FZ_CHECK("status-line", c + 2 <= hl && memcmp(buf + p, "HTTP/", 5) == 0 &&
             buf[p + 5] >= '0' && buf[p + 5] <= '9' && buf[p + 6] == '.' &&
             buf[p + 7] >= '0' && buf[p + 7] <= '9' && buf[p + 8] == ' ' &&
             buf[p + 9] >= '0' && buf[p + 9] <= '9' && buf[p + 10] >= '0' &&
             buf[p + 10] <= '9' && buf[p + 11] >= '0' && buf[p + 11] <= '9',
             "no 'HTTP/d.d ddd' at %zu", p);
    FZ_CHECK("version", r->head.version_major == (uint8_t)(buf[p + 5] - '0') &&
             r->head.version_minor == (uint8_t)(buf[p + 7] - '0'),
             "version %u.%u from '%.8s'", r->head.version_major, r->head.version_minor, buf + p);
    FZ_CHECK("status", r->status == (buf[p + 9] - '0') * 100 + (buf[p + 10] - '0') * 10 +
             (buf[p + 11] - '0') && r->status >= 100 && r->status <= 999,
             "status %u from '%.3s'", r->status, buf + p + 9);
    if (buf[c] == '\r') {
        FZ_CHECK("status-line", buf[c + 1] == '\n' && rs.len == 0, "bare CR or reason %u+%u",
                 rs.off, rs.len);
        end = c + 2;
    } else {
        size_t eol;
        FZ_CHECK("status-line", buf[c] == ' ', "byte 0x%02x after the status code",
                 (unsigned char)buf[c]);
        eol = fz_line_end(buf, c + 1, hl, "status");
        FZ_CHECK("reason-place", rs.off >= c + 1 && (size_t)rs.off + rs.len <= eol,
                 "reason %u+%u, line %zu..%zu", rs.off, rs.len, c + 1, eol);
        for (size_t i = c + 1; i < eol; i++) {
            unsigned char ch = (unsigned char)buf[i];
            int inside = i >= rs.off && i < (size_t)rs.off + rs.len;
            FZ_CHECK("reason-chars", inside ? fz_is_value_char(ch) : fz_is_ows(ch),
                     "byte 0x%02x at %zu (%s the reason)", ch, i, inside ? "inside" : "outside");
        }
        end = eol + 2;
    }
    FZ_CHECK("line-length", end - p <= lim->max_line, "status line of %zu bytes, max_line %u",
             end - p, lim->max_line);
    return end;
}

/* RFC 9112 6.3, in its order. */
static void check_response_framing(const char *buf, const struct pt_http_response *r)
{
    const struct pt_http_head *h = &r->head;
    struct fz_list te = fz_list_scan(buf, h, "transfer-encoding", "chunked");
    unsigned st = r->status;
    enum pt_http_framing f = h->framing, want;
    uint16_t fl = h->flags;

    if (st < 200)
        want = st == 101 && f == PT_BODY_TUNNEL ? PT_BODY_TUNNEL : PT_BODY_NONE;
    else if (r->request_method == PT_METHOD_HEAD || st == 204 || st == 304)
        want = PT_BODY_NONE;
    else if (r->request_method == PT_METHOD_CONNECT && st < 300)
        want = PT_BODY_TUNNEL;
    else if (fl & PT_HTTP_HAS_TRANSFER_ENCODING)
        want = te.last_matches ? PT_BODY_CHUNKED : PT_BODY_UNTIL_CLOSE;
    else if (fl & PT_HTTP_HAS_CONTENT_LENGTH)
        want = f == PT_BODY_NONE && h->content_length == 0 ? PT_BODY_NONE : PT_BODY_LENGTH;
    else
        want = PT_BODY_UNTIL_CLOSE;
    FZ_CHECK("framing", f == want, "status %u to method %d, flags 0x%x: framing %s, expected %s",
             st, r->request_method, fl, pt_http_framing_name(f), pt_http_framing_name(want));
    if (f == PT_BODY_CHUNKED)
        FZ_CHECK("te-chunked", te.matches == 1, "chunked %u times", te.matches);
    if (f == PT_BODY_UNTIL_CLOSE)
        FZ_CHECK("keep-alive", !(fl & PT_HTTP_KEEP_ALIVE), "until-close yet keep-alive");
    if (h->version_minor >= 1 && st != 101 &&
        (f == PT_BODY_NONE || f == PT_BODY_LENGTH || f == PT_BODY_CHUNKED))
        FZ_CHECK("keep-alive", !!(fl & PT_HTTP_KEEP_ALIVE) == !(fl & PT_HTTP_CONN_CLOSE),
                 "HTTP/1.%u response framed by %s, flags 0x%x", h->version_minor,
                 pt_http_framing_name(f), fl);
}

static void check_response_done(const uint8_t *in, size_t n, const struct resp_run *r,
                                const struct resp_cfg *cfg)
{
    const char *buf = (const char *)in;
    struct pt_http_limits lim = fz_limits(&cfg->head);
    size_t p, line1_end;

    FZ_CHECK("head-length", r->resp.head.head_length <= n && r->resp.head.head_length >= 4,
             "head_length %u, input %zu", r->resp.head.head_length, n);
    FZ_CHECK("header-count", r->resp.head.header_count <= cfg->head.capacity,
             "%u headers, capacity %u", r->resp.head.header_count, cfg->head.capacity);
    FZ_CHECK("request-method", r->resp.request_method == cfg->method, "%d, init with %d",
             r->resp.request_method, cfg->method);
    p = fz_check_leading(buf, r->resp.head.head_length);
    line1_end = check_status_line(buf, &r->resp, p, &lim);
    fz_check_head_done(buf, n, &r->resp.head, &cfg->head, p, line1_end,
                       r->resp.status == 101);
    check_response_framing(buf, &r->resp);
}

static void check_response(const uint8_t *in, size_t n, const struct resp_cfg *cfg,
                           struct resp_run *whole)
{
    struct resp_run bytes, split;
    const struct pt_http_head *h = &whole->resp.head;

    resp_whole(whole, in, n, cfg);
    resp_bytes(&bytes, in, n, cfg);
    resp_split(&split, in, n, fz_hash(in, n) % (n + 1), cfg);
    resp_compare(whole, &bytes, "byte-by-byte");
    resp_compare(whole, &split, "split");

    FZ_CHECK("rc", whole->rc >= PT_PARSE_ERROR && whole->rc <= PT_PARSE_DONE, "rc %d", whole->rc);
    if (whole->rc == PT_PARSE_DONE) {
        FZ_CHECK("done-at-once", bytes.at == h->head_length,
                 "byte by byte: DONE after %zu bytes, head_length %u", bytes.at, h->head_length);
        check_response_done(in, n, whole, cfg);
    } else if (whole->rc == PT_PARSE_ERROR) {
        FZ_CHECK("error-status", h->error_status == 502, "error_status %u", h->error_status);
        FZ_CHECK("error-reason", h->error_reason != NULL, "no error_reason");
        FZ_CHECK("error-offset", h->error_offset <= bytes.at,
                 "error_offset %u, but the verdict came after %zu bytes", h->error_offset,
                 bytes.at);
    } else {
        fz_check_head_again((const char *)in, n, &cfg->head);
    }
    free(bytes.headers);
    free(split.headers);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t start = 0;
    size_t ncfg = sizeof(resp_cfgs) / sizeof(resp_cfgs[0]);

    for (int msg = 0; msg < 8 && start < size; msg++) {
        struct resp_run r = {0};
        const uint8_t *in = data + start;
        size_t n = size - start, body_end;

        for (size_t c = ncfg; c-- > 0;) {
            const struct resp_cfg *cfg = &resp_cfgs[c];
            fz_set_context("response %d at offset %zu to %s, %s", msg, start,
                           pt_http_method_name(cfg->method),
                           cfg->head.default_limits ? "default limits"
                                                    : "max_line 40, max_head 160, 3 headers");
            free(r.headers); /* the previous configuration's */
            check_response(in, n, cfg, &r);
        }
        free(r.headers);
        if (r.rc != PT_PARSE_DONE)
            break;
        body_end = r.resp.head.head_length;
        if (r.resp.head.framing == PT_BODY_LENGTH) {
            if (r.resp.head.content_length > n - body_end)
                break;
            body_end += (size_t)r.resp.head.content_length;
        } else if (r.resp.head.framing == PT_BODY_CHUNKED) {
            size_t total = 0;
            if (fz_chunk_check(in + body_end, n - body_end, &total) != PT_PARSE_DONE)
                break;
            body_end += total;
        } else if (r.resp.head.framing != PT_BODY_NONE) {
            break; /* until close or a tunnel: the rest is body */
        }
        start += body_end;
    }
    return 0;
}
