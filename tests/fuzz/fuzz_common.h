/* tests/fuzz/fuzz_common.h - what the three libFuzzer targets share.
 *
 * A target does not stop at "it did not crash": every input is parsed whole, byte by byte
 * and in pieces (each piece a fresh heap copy of exactly its length, so ASan sees a read
 * past the end or a pointer kept into an old buffer), the results must be identical, and
 * an accepted message must really be what RFC 9112 allows. A broken invariant prints its
 * name and abort()s, which libFuzzer records as a crash with the input that caused it.
 * FUZZ_SKIP=name,name silences named checks (to keep fuzzing while one is being fixed).
 */
#ifndef PT_FUZZ_COMMON_H
#define PT_FUZZ_COMMON_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sanitizer/asan_interface.h>

#include "parser/http.h"

#define FZ_FN static __attribute__((unused))

/* Checks whose failure would make the harness itself read out of bounds: never skipped. */
static const char *const fz_hard_checks[] = {"slice-in-head", "head-length", "header-count",
    "header-name", "header-value-place", "upgrade-index", "chunk-consumed", "chunk-data",
    "chunk-rc", "crlf-only", "request-line", "status-line", NULL};

FZ_FN int fz_skipped(const char *name)
{
    const char *skip = getenv("FUZZ_SKIP");
    size_t n = strlen(name);

    for (int i = 0; fz_hard_checks[i]; i++)
        if (strcmp(fz_hard_checks[i], name) == 0)
            return 0;

    while (skip && *skip) {
        const char *end = strchr(skip, ',');
        size_t len = end ? (size_t)(end - skip) : strlen(skip);
        if (len == n && memcmp(skip, name, n) == 0)
            return 1;
        skip = end ? end + 1 : NULL;
    }
    return 0;
}

/* What is being parsed, for the failure message: target, configuration, message number. */
static char fz_context[160];

__attribute__((format(printf, 1, 2), unused)) static void fz_set_context(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(fz_context, sizeof(fz_context), fmt, ap);
    va_end(ap);
}

__attribute__((format(printf, 4, 5), unused)) static void
fz_fail(const char *name, const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    if (fz_skipped(name))
        return;
    fprintf(stderr, "\nportico-fuzz: check '%s' failed at %s:%d: ", name, file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nportico-fuzz: while parsing %s\n", fz_context[0] ? fz_context : "?");
    abort();
}

/* FZ_CHECK("name", condition, "printf format", args...): the format says what was seen. */
#define FZ_CHECK(name, cond, ...)                                                          \
    do {                                                                                   \
        if (!(cond))                                                                       \
            fz_fail(name, __FILE__, __LINE__, "(" #cond ") " __VA_ARGS__);                 \
    } while (0)

/* ---- bytes ---- */

FZ_FN uint32_t fz_hash(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

/* A heap copy of exactly n bytes (at least one allocated byte, poisoned when n is 0). */
FZ_FN char *fz_copy(const void *p, size_t n)
{
    char *b = malloc(n ? n : 1);
    if (!b)
        abort();
    if (n)
        memcpy(b, p, n);
    return b;
}

/* A head parse to drive: pt_http_request_parse or pt_http_response_parse, through one
 * signature so the three ways of feeding (whole, byte by byte, split) are written once. */
typedef int (*fz_parse_fn)(void *parser, const char *buf, size_t len);

/* The parse's verdict and how many bytes it had been given when it came. */
struct fz_feed {
    int *rc;
    size_t *at;
};

FZ_FN void fz_feed_whole(fz_parse_fn parse, void *p, const uint8_t *in, size_t n,
                         struct fz_feed f)
{
    *f.rc = parse(p, (const char *)in, n);
    *f.at = n;
}

/* One byte more per call; bytes not yet given are poisoned, so reading one is a report. */
FZ_FN void fz_feed_bytes(fz_parse_fn parse, void *p, const uint8_t *in, size_t n,
                         struct fz_feed f)
{
    char *b = fz_copy(in, n);

    ASAN_POISON_MEMORY_REGION(b, n);
    for (size_t k = 1; k <= n && *f.rc == PT_PARSE_AGAIN; k++) {
        ASAN_UNPOISON_MEMORY_REGION(b, k);
        *f.rc = parse(p, b, k);
        *f.at = k;
    }
    ASAN_UNPOISON_MEMORY_REGION(b, n);
    free(b);
}

/* Two calls on two buffers; the first is freed before the second call (the parser keeps
 * offsets, never pointers). The first piece is given twice: no new bytes is not an error. */
FZ_FN void fz_feed_split(fz_parse_fn parse, void *p, const uint8_t *in, size_t n, size_t k,
                         struct fz_feed f)
{
    char *a = fz_copy(in, k), *b;

    if (k) {
        *f.rc = parse(p, a, k);
        if (*f.rc == PT_PARSE_AGAIN) {
            *f.rc = parse(p, a, k);
            FZ_CHECK("again-again", *f.rc == PT_PARSE_AGAIN, "AGAIN, then %d on the same bytes",
                     *f.rc);
        }
    }
    *f.at = k;
    free(a);
    if (*f.rc != PT_PARSE_AGAIN)
        return;
    b = fz_copy(in, n);
    *f.rc = parse(p, b, n);
    *f.at = n;
    free(b);
}

FZ_FN int fz_is_tchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

FZ_FN int fz_is_ows(unsigned char c)
{
    return c == ' ' || c == '\t';
}

/* field-vchar / SP / HTAB (RFC 9110 5.5): no CTL but HTAB, no DEL. */
FZ_FN int fz_is_value_char(unsigned char c)
{
    return c == '\t' || c == ' ' || (c >= 0x21 && c <= 0x7e) || c >= 0x80;
}

FZ_FN int fz_ieq(const char *s, size_t len, const char *lower)
{
    size_t n = strlen(lower);
    if (len != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        if (c != (unsigned char)lower[i])
            return 0;
    }
    return 1;
}

FZ_FN int fz_streq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

/* ---- heads: configurations ---- */

struct fz_head_cfg {
    uint16_t capacity;
    int default_limits; /* pass NULL limits */
    struct pt_http_limits limits;
};

FZ_FN struct pt_http_limits fz_limits(const struct fz_head_cfg *cfg)
{
    struct pt_http_limits l = {PT_HTTP_DEFAULT_MAX_LINE, PT_HTTP_DEFAULT_MAX_HEAD};
    return cfg->default_limits ? l : cfg->limits;
}

FZ_FN struct pt_http_header *fz_header_array(uint16_t capacity)
{
    /* Exactly capacity entries: a write past them is an ASan report. */
    struct pt_http_header *a = malloc(capacity ? capacity * sizeof(*a) : 1);
    if (!a)
        abort();
    return a;
}

/* ---- heads: checks of one accepted head ---- */

FZ_FN void fz_check_slice(const char *what, struct pt_slice s, size_t head_length)
{
    FZ_CHECK("slice-in-head", s.off <= head_length && s.len <= head_length - s.off,
             "%s slice off=%u len=%u outside head_length=%zu", what, s.off, s.len,
             head_length);
}

/* Leading empty lines (RFC 9112 2.2): only whole CRLF pairs may be skipped. */
FZ_FN size_t fz_skip_empty_lines(const char *buf, size_t len)
{
    size_t p = 0;
    while (p + 1 < len && buf[p] == '\r' && buf[p + 1] == '\n')
        p += 2;
    return p;
}

/* The end of the line starting at pos: the offset of its CR, which must be followed by LF
 * before limit; a bare CR or LF before it fails. */
FZ_FN size_t fz_line_end(const char *buf, size_t pos, size_t limit, const char *what)
{
    size_t i = pos;
    while (i < limit && buf[i] != '\r' && buf[i] != '\n')
        i++;
    FZ_CHECK("crlf-only", i + 1 < limit && buf[i] == '\r' && buf[i + 1] == '\n',
             "%s line at %zu does not end in CRLF inside the head (stop at %zu)", what, pos,
             i);
    return i;
}

/* Header lines from pos: each "name:" OWS value OWS CRLF with the slices where they must
 * be, then the blank line ending exactly at head_length. */
FZ_FN void fz_check_fields(const char *buf, const struct pt_http_head *h, size_t pos,
                           const struct pt_http_limits *lim)
{
    size_t hl = h->head_length;

    for (uint16_t i = 0; i < h->header_count; i++) {
        struct pt_http_header f = h->headers[i];
        size_t eol = fz_line_end(buf, pos, hl, "header");
        size_t colon = (size_t)f.name.off + f.name.len;
        size_t vend = (size_t)f.value.off + f.value.len;

        fz_check_slice("header name", f.name, hl);
        fz_check_slice("header value", f.value, hl);
        FZ_CHECK("line-length", eol + 2 - pos <= lim->max_line,
                 "header %u line of %zu bytes, max_line %u", i, eol + 2 - pos, lim->max_line);
        FZ_CHECK("header-name", f.name.off == pos && f.name.len > 0 && colon < eol &&
                 buf[colon] == ':', "header %u name off=%u len=%u, line at %zu", i,
                 f.name.off, f.name.len, pos);
        for (size_t j = pos; j < colon; j++)
            FZ_CHECK("header-name-tchar", fz_is_tchar((unsigned char)buf[j]),
                     "header %u name byte 0x%02x at %zu", i, (unsigned char)buf[j], j);
        FZ_CHECK("header-value-place", f.value.off > colon && vend <= eol,
                 "header %u value off=%u len=%u, colon %zu, eol %zu", i, f.value.off,
                 f.value.len, colon, eol);
        for (size_t j = colon + 1; j < eol; j++) {
            unsigned char c = (unsigned char)buf[j];
            int inside = j >= f.value.off && j < vend;
            FZ_CHECK("header-value-chars", inside ? fz_is_value_char(c) : fz_is_ows(c),
                     "header %u byte 0x%02x at %zu (%s the value)", i, c, j,
                     inside ? "inside" : "outside");
        }
        if (f.value.len && f.value.off > colon && vend <= eol)
            FZ_CHECK("header-value-trimmed", !fz_is_ows((unsigned char)buf[f.value.off]) &&
                     !fz_is_ows((unsigned char)buf[vend - 1]),
                     "header %u value has leading/trailing SP/HTAB", i);
        if (i > 0)
            FZ_CHECK("header-order", h->headers[i - 1].name.off < f.name.off,
                     "header %u before header %u", i, i - 1);
        pos = eol + 2;
    }
    FZ_CHECK("head-end", pos + 2 == hl && buf[pos] == '\r' && buf[pos + 1] == '\n',
             "after %u headers at %zu, head_length %zu", h->header_count, pos, hl);
}

/* A #list over every header named name (lowercase): elements, how many equal token, and
 * whether the last one does. Empty elements are skipped (RFC 9110 5.6.1). */
struct fz_list {
    unsigned elems, matches;
    int last_matches;
};

FZ_FN struct fz_list fz_list_scan(const char *buf, const struct pt_http_head *h,
                                  const char *name, const char *token)
{
    struct fz_list l = {0, 0, 0};

    for (uint16_t i = 0; i < h->header_count; i++) {
        struct pt_http_header f = h->headers[i];
        if (!fz_ieq(buf + f.name.off, f.name.len, name))
            continue;
        const char *s = buf + f.value.off, *end = s + f.value.len;
        while (s <= end) {
            const char *c = memchr(s, ',', (size_t)(end - s));
            const char *e = c ? c : end;
            const char *a = s, *b = e;
            while (a < b && fz_is_ows((unsigned char)*a))
                a++;
            while (b > a && fz_is_ows((unsigned char)b[-1]))
                b--;
            if (b > a) {
                int m = fz_ieq(a, (size_t)(b - a), token);
                l.elems++;
                l.matches += (unsigned)m;
                l.last_matches = m;
            }
            s = e + 1;
        }
    }
    return l;
}

FZ_FN int fz_header_count(const char *buf, const struct pt_http_head *h, const char *name)
{
    int n = 0;
    for (uint16_t i = 0; i < h->header_count; i++)
        n += fz_ieq(buf + h->headers[i].name.off, h->headers[i].name.len, name);
    return n;
}

/* Every Content-Length value is a list of 1*DIGIT, all equal to content_length. */
FZ_FN void fz_check_content_length(const char *buf, const struct pt_http_head *h)
{
    int have = fz_header_count(buf, h, "content-length");

    FZ_CHECK("cl-flag", !!have == !!(h->flags & PT_HTTP_HAS_CONTENT_LENGTH),
             "%d Content-Length lines, flags 0x%x", have, h->flags);
    for (uint16_t i = 0; i < h->header_count; i++) {
        struct pt_http_header f = h->headers[i];
        if (!fz_ieq(buf + f.name.off, f.name.len, "content-length"))
            continue;
        const char *s = buf + f.value.off, *end = s + f.value.len;
        for (;;) {
            uint64_t v = 0;
            int digits = 0;
            while (s < end && fz_is_ows((unsigned char)*s))
                s++;
            for (; s < end && *s >= '0' && *s <= '9'; s++, digits++) {
                unsigned d = (unsigned)(*s - '0');
                FZ_CHECK("cl-valid", v <= (UINT64_MAX - d) / 10,
                         "Content-Length overflows 64 bits but was accepted");
                v = v * 10 + d;
            }
            while (s < end && fz_is_ows((unsigned char)*s))
                s++;
            FZ_CHECK("cl-valid", digits > 0 && (s == end || *s == ','),
                     "accepted Content-Length value '%.*s'", (int)f.value.len,
                     buf + f.value.off);
            FZ_CHECK("cl-value", v == h->content_length,
                     "Content-Length element %llu, content_length %llu",
                     (unsigned long long)v, (unsigned long long)h->content_length);
            if (s == end)
                break;
            s++;
        }
    }
}

/* Connection tokens, Upgrade, Expect and keep-alive against the header lines. */
FZ_FN void fz_check_flags(const char *buf, const struct pt_http_head *h, int may_upgrade)
{
    struct fz_list close = fz_list_scan(buf, h, "connection", "close");
    struct fz_list ka = fz_list_scan(buf, h, "connection", "keep-alive");
    struct fz_list up = fz_list_scan(buf, h, "connection", "upgrade");
    struct fz_list expect = fz_list_scan(buf, h, "expect", "100-continue");
    int te = fz_header_count(buf, h, "transfer-encoding");
    uint16_t fl = h->flags;

    FZ_CHECK("flag-conn-close", !!close.matches == !!(fl & PT_HTTP_CONN_CLOSE), "flags 0x%x", fl);
    FZ_CHECK("flag-conn-keep-alive", !!ka.matches == !!(fl & PT_HTTP_CONN_KEEP_ALIVE),
             "flags 0x%x", fl);
    FZ_CHECK("flag-conn-upgrade", !!up.matches == !!(fl & PT_HTTP_CONN_UPGRADE), "flags 0x%x", fl);
    FZ_CHECK("flag-expect", !(fl & PT_HTTP_EXPECT_CONTINUE) || expect.matches, "flags 0x%x", fl);
    FZ_CHECK("flag-te", !!te == !!(fl & PT_HTTP_HAS_TRANSFER_ENCODING), "flags 0x%x", fl);
    FZ_CHECK("keep-alive", !((fl & PT_HTTP_KEEP_ALIVE) && (fl & PT_HTTP_CONN_CLOSE)),
             "keep-alive with Connection: close, flags 0x%x", fl);
    if (h->version_minor == 0)
        FZ_CHECK("keep-alive", !(fl & PT_HTTP_KEEP_ALIVE) || (fl & PT_HTTP_CONN_KEEP_ALIVE),
                 "HTTP/1.0 kept alive without Connection: keep-alive, flags 0x%x", fl);
    /* RFC 9112 6.1: Transfer-Encoding in HTTP/1.0 means faulty framing: close after it. */
    if (h->version_minor == 0 && te)
        FZ_CHECK("te-http10", !(fl & PT_HTTP_KEEP_ALIVE), "HTTP/1.0 with TE kept alive");

    int upgrades = fz_header_count(buf, h, "upgrade");
    if (h->upgrade_index >= 0) {
        struct pt_http_header f;
        FZ_CHECK("upgrade-index", h->upgrade_index < h->header_count, "index %d of %u",
                 h->upgrade_index, h->header_count);
        f = h->headers[h->upgrade_index];
        FZ_CHECK("upgrade-index", fz_ieq(buf + f.name.off, f.name.len, "upgrade"),
                 "headers[%d] is not Upgrade", h->upgrade_index);
    } else {
        FZ_CHECK("upgrade-index", h->upgrade_index == -1 && !upgrades,
                 "upgrade_index %d with %d Upgrade lines", h->upgrade_index, upgrades);
    }
    /* A response switches protocols only with 101: UPGRADE means nothing on another. */
    if (may_upgrade)
        FZ_CHECK("flag-upgrade", !!(fl & PT_HTTP_UPGRADE) == (up.matches && upgrades),
                 "flags 0x%x, %d Upgrade lines", fl, upgrades);
    else
        FZ_CHECK("flag-upgrade", !(fl & PT_HTTP_UPGRADE), "UPGRADE on a response not 101");
}

/* What every accepted head satisfies; p is where its first line starts, after_line1 the
 * offset after its CRLF (the caller checks the first line). */
FZ_FN void fz_check_head_done(const char *buf, size_t len, const struct pt_http_head *h,
                              const struct fz_head_cfg *cfg, size_t p, size_t after_line1,
                              int may_upgrade)
{
    struct pt_http_limits lim = fz_limits(cfg);

    FZ_CHECK("head-length", h->head_length <= len && h->head_length >= p + 4,
             "head_length %u, input %zu", h->head_length, len);
    FZ_CHECK("head-limit", h->head_length - p <= lim.max_head, "head of %zu bytes, max_head %u",
             h->head_length - p, lim.max_head);
    FZ_CHECK("version", h->version_major == 1, "version %u.%u", h->version_major,
             h->version_minor);
    FZ_CHECK("header-count", h->header_count <= cfg->capacity, "%u headers, capacity %u",
             h->header_count, cfg->capacity);
    fz_check_fields(buf, h, after_line1, &lim);
    fz_check_content_length(buf, h);
    fz_check_flags(buf, h, may_upgrade);
}

/* The leading empty lines of an accepted head are CRLF pairs, nothing else. */
FZ_FN size_t fz_check_leading(const char *buf, size_t hl)
{
    size_t p = fz_skip_empty_lines(buf, hl);
    FZ_CHECK("leading-crlf", p < hl && buf[p] != '\r' && buf[p] != '\n',
             "bare CR or LF before the first line (offset %zu)", p);
    return p;
}

/* AGAIN with all of buf[0, len): the head cannot be complete, and the parser must not be
 * waiting on a line or a head already past its limits. */
FZ_FN void fz_check_head_again(const char *buf, size_t len, const struct fz_head_cfg *cfg)
{
    struct pt_http_limits lim = fz_limits(cfg);
    size_t p = 0, line = 0;

    while (p < len && (buf[p] == '\r' || buf[p] == '\n'))
        p++;
    if (p == len)
        return;
    for (size_t i = p; i + 3 < len; i++)
        FZ_CHECK("again-complete", memcmp(buf + i, "\r\n\r\n", 4) != 0,
                 "AGAIN, yet CRLF CRLF at %zu after the first line began at %zu", i, p);
    line = p;
    for (size_t i = p; i < len; i++)
        if (buf[i] == '\n')
            line = i + 1;
    FZ_CHECK("again-limit", len - p <= lim.max_head, "AGAIN holding %zu bytes, max_head %u",
             len - p, lim.max_head);
    FZ_CHECK("again-limit", len - line <= lim.max_line, "AGAIN on a line of %zu bytes, max_line %u",
             len - line, lim.max_line);
}

/* Whole vs split: the same verdict and the same results. */
FZ_FN void fz_compare_heads(int rc_a, const struct pt_http_head *a, int rc_b,
                            const struct pt_http_head *b, const char *mode)
{
    FZ_CHECK("same-result", rc_a == rc_b, "whole %d, %s %d", rc_a, mode, rc_b);
    if (rc_a == PT_PARSE_ERROR) {
        FZ_CHECK("same-error-status", a->error_status == b->error_status, "whole %u, %s %u",
                 a->error_status, mode, b->error_status);
        FZ_CHECK("same-error-reason", fz_streq(a->error_reason, b->error_reason),
                 "whole '%s', %s '%s'", a->error_reason, mode, b->error_reason);
        FZ_CHECK("same-error-offset", a->error_offset == b->error_offset, "whole %u, %s %u",
                 a->error_offset, mode, b->error_offset);
        return;
    }
    if (rc_a != PT_PARSE_DONE)
        return;
#define FZ_SAME(field)                                                                     \
    FZ_CHECK("same-" #field, a->field == b->field, "whole %llu, %s %llu",                  \
             (unsigned long long)a->field, mode, (unsigned long long)b->field)
    FZ_SAME(head_length);
    FZ_SAME(header_count);
    FZ_SAME(version_major);
    FZ_SAME(version_minor);
    FZ_SAME(flags);
    FZ_SAME(framing);
    FZ_SAME(upgrade_index);
    if (a->flags & PT_HTTP_HAS_CONTENT_LENGTH)
        FZ_SAME(content_length);
#undef FZ_SAME
    for (uint16_t i = 0; i < a->header_count && i < b->header_count; i++) {
        struct pt_http_header x = a->headers[i], y = b->headers[i];
        FZ_CHECK("same-headers", x.name.off == y.name.off && x.name.len == y.name.len &&
                 x.value.off == y.value.off && x.value.len == y.value.len,
                 "header %u: whole %u+%u:%u+%u, %s %u+%u:%u+%u", i, x.name.off, x.name.len,
                 x.value.off, x.value.len, mode, y.name.off, y.name.len, y.value.off,
                 y.value.len);
    }
}

FZ_FN void fz_compare_slice(const char *what, struct pt_slice a, struct pt_slice b,
                            const char *mode)
{
    FZ_CHECK("same-slices", a.off == b.off && a.len == b.len, "%s: whole %u+%u, %s %u+%u",
             what, a.off, a.len, mode, b.off, b.len);
}

/* ---- chunked bodies ---- */

struct fz_chunk_out {
    int rc;            /* DONE, ERROR, or AGAIN when the input ran out */
    uint16_t status;
    const char *reason;
    size_t total;      /* bytes consumed (up to DONE) */
    uint8_t *data;     /* the decoded body so far */
    size_t data_len, data_cap;
};

/* A reusable one-byte heap buffer for byte-by-byte feeding (a moved buffer each time
 * would cost a malloc a byte). */
static char *fz_one_byte;

/* Feeds one piece from an exact-size heap copy. Returns 1 when more input is wanted. */
FZ_FN int fz_chunk_feed(struct pt_chunked *c, const uint8_t *piece, size_t len,
                        struct fz_chunk_out *o)
{
    char *buf;
    size_t pos = 0;
    int more = 1;

    if (len == 1) {
        if (!fz_one_byte)
            fz_one_byte = fz_copy("", 1);
        buf = fz_one_byte;
        buf[0] = (char)piece[0];
    } else {
        buf = fz_copy(piece, len);
    }
    while (more && pos < len) {
        size_t consumed = SIZE_MAX, avail = len - pos;
        struct pt_slice d = {UINT32_MAX, UINT32_MAX};
        int rc = pt_chunked_parse(c, buf + pos, avail, &consumed, &d);

        FZ_CHECK("chunk-rc", rc >= PT_PARSE_ERROR && rc <= PT_PARSE_DATA, "rc %d", rc);
        if (rc == PT_PARSE_ERROR) {
            /* parser/http.h: 400, or 431 for a trailer section over max_trailers. */
            FZ_CHECK("chunk-error-status", c->error_status == 400 || c->error_status == 431,
                     "error_status %u", c->error_status);
            FZ_CHECK("chunk-error-reason", c->error_reason != NULL, "no reason");
            o->rc = rc;
            o->status = c->error_status;
            o->reason = c->error_reason;
            more = 0;
            break;
        }
        FZ_CHECK("chunk-consumed", consumed <= avail, "consumed %zu of %zu", consumed, avail);
        FZ_CHECK("chunk-progress", rc == PT_PARSE_DONE || consumed > 0,
                 "rc %d consumed nothing of %zu", rc, avail);
        if (rc == PT_PARSE_AGAIN)
            FZ_CHECK("chunk-again", consumed == avail, "AGAIN consumed %zu of %zu", consumed,
                     avail);
        if (rc == PT_PARSE_DATA) {
            FZ_CHECK("chunk-data", d.len > 0 && d.off <= consumed && d.len <= consumed - d.off,
                     "data %u+%u, consumed %zu", d.off, d.len, consumed);
            if (o->data_len + d.len > o->data_cap)
                abort();
            memcpy(o->data + o->data_len, buf + pos + d.off, d.len);
            o->data_len += d.len;
        }
        pos += consumed;
        o->total += consumed;
        if (rc == PT_PARSE_DONE) {
            o->rc = rc;
            more = 0;
        }
    }
    if (buf != fz_one_byte)
        free(buf);
    return more;
}

enum fz_chunk_mode { FZ_WHOLE, FZ_BYTES, FZ_SPLIT, FZ_PIECES };

/* Decodes in[0, n) fed in the given way; o->data must hold n bytes. */
FZ_FN void fz_chunk_run(const uint8_t *in, size_t n, uint32_t max_line, uint32_t max_trailers,
                        enum fz_chunk_mode mode, uint32_t seed, struct fz_chunk_out *o)
{
    struct pt_chunked c;
    size_t pos = 0;

    memset(&c, 0xA5, sizeof(c)); /* init must set everything it reads */
    pt_chunked_init(&c, max_line, max_trailers);
    o->rc = PT_PARSE_AGAIN;
    o->status = 0;
    o->reason = NULL;
    o->total = 0;
    o->data_len = 0;
    while (pos < n) {
        size_t piece = n - pos;
        if (mode == FZ_BYTES)
            piece = 1;
        else if (mode == FZ_SPLIT && pos == 0)
            piece = seed % (n + 1);
        else if (mode == FZ_PIECES) {
            seed = seed * 1103515245u + 12345u;
            piece = 1 + (seed >> 16) % 23;
            if (piece > n - pos)
                piece = n - pos;
        }
        if (piece == 0)
            piece = n; /* a split at 0 is the whole input */
        if (!fz_chunk_feed(&c, in + pos, piece, o))
            break;
        pos += piece;
    }
}

FZ_FN int fz_hex(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] ) */
FZ_FN size_t fz_ref_chunk_ext(const uint8_t *b, size_t i, size_t end)
{
    for (;;) {
        size_t j = i;
        while (j < end && fz_is_ows(b[j]))
            j++;
        if (j >= end || b[j] != ';')
            return i;
        j++;
        while (j < end && fz_is_ows(b[j]))
            j++;
        size_t name = j;
        while (j < end && fz_is_tchar(b[j]))
            j++;
        FZ_CHECK("chunk-ref-grammar", j > name, "chunk extension without a name at %zu", name);
        i = j;
        while (j < end && fz_is_ows(b[j]))
            j++;
        if (j >= end || b[j] != '=')
            continue;
        j++;
        while (j < end && fz_is_ows(b[j]))
            j++;
        if (j < end && b[j] == '"') {
            for (j++; j < end && b[j] != '"'; j++) {
                if (b[j] == '\\') {
                    j++;
                    FZ_CHECK("chunk-ref-grammar", j < end && fz_is_value_char(b[j]),
                             "bad quoted-pair at %zu", j);
                } else {
                    FZ_CHECK("chunk-ref-grammar", fz_is_value_char(b[j]),
                             "byte 0x%02x in a quoted chunk-ext value at %zu", b[j], j);
                }
            }
            FZ_CHECK("chunk-ref-grammar", j < end, "unterminated quoted-string");
            j++;
        } else {
            size_t v = j;
            while (j < end && fz_is_tchar(b[j]))
                j++;
            FZ_CHECK("chunk-ref-grammar", j > v, "chunk extension '=' without a value at %zu", v);
        }
        i = j;
    }
}

FZ_FN size_t fz_ref_crlf(const uint8_t *b, size_t i, size_t end, const char *what)
{
    FZ_CHECK("chunk-ref-grammar", i + 1 < end && b[i] == '\r' && b[i + 1] == '\n',
             "accepted body lacks CRLF after %s at %zu", what, i);
    return i + 2;
}

/* An accepted body b[0, n) re-read by a plain RFC 9112 7.1 reader: it must be valid, within
 * the limits, and decode to the same data. */
FZ_FN void fz_chunk_reference(const uint8_t *b, size_t n, uint32_t max_line,
                              uint32_t max_trailers, const struct fz_chunk_out *o)
{
    size_t i = 0, out = 0, trailer_start;

    if (!max_line)
        max_line = PT_HTTP_DEFAULT_MAX_LINE;
    if (!max_trailers)
        max_trailers = PT_HTTP_DEFAULT_MAX_HEAD;
    for (;;) {
        size_t line = i;
        uint64_t size = 0;
        while (i < n && fz_hex(b[i]) >= 0) {
            FZ_CHECK("chunk-ref-overflow", size <= (UINT64_MAX >> 4),
                     "accepted a chunk size over 64 bits at %zu", line);
            size = size << 4 | (uint64_t)fz_hex(b[i]);
            i++;
        }
        FZ_CHECK("chunk-ref-grammar", i > line, "accepted a chunk without a size at %zu", line);
        i = fz_ref_chunk_ext(b, i, n);
        i = fz_ref_crlf(b, i, n, "a chunk size");
        FZ_CHECK("chunk-ref-limit", i - line <= max_line, "size line of %zu bytes, max_line %u",
                 i - line, max_line);
        if (size == 0)
            break;
        FZ_CHECK("chunk-ref-grammar", size <= n - i, "chunk of %llu bytes past the end",
                 (unsigned long long)size);
        FZ_CHECK("chunk-ref-data", out + size <= o->data_len &&
                 memcmp(o->data + out, b + i, (size_t)size) == 0,
                 "decoded data differs from chunk at %zu", i);
        out += (size_t)size;
        i = fz_ref_crlf(b, i + (size_t)size, n, "chunk data");
    }
    FZ_CHECK("chunk-ref-data", out == o->data_len, "reference %zu bytes, parser %zu", out,
             o->data_len);
    trailer_start = i;
    while (!(i + 1 < n && b[i] == '\r' && b[i + 1] == '\n')) {
        size_t line = i, colon;
        while (i < n && fz_is_tchar(b[i]))
            i++;
        FZ_CHECK("chunk-ref-grammar", i > line && i < n && b[i] == ':',
                 "accepted trailer line at %zu without 'name:'", line);
        colon = i++;
        while (i < n && b[i] != '\r' && b[i] != '\n') {
            FZ_CHECK("chunk-ref-grammar", fz_is_value_char(b[i]),
                     "byte 0x%02x in a trailer value at %zu", b[i], i);
            i++;
        }
        (void)colon;
        i = fz_ref_crlf(b, i, n, "a trailer line");
        FZ_CHECK("chunk-ref-limit", i - line <= max_line, "trailer line of %zu bytes, max_line %u",
                 i - line, max_line);
    }
    i += 2;
    FZ_CHECK("chunk-ref-limit", i - trailer_start <= (size_t)max_trailers + 2,
             "trailer section of %zu bytes, max_trailers %u", i - trailer_start, max_trailers);
    FZ_CHECK("chunk-ref-end", i == n, "the body ends at %zu, the parser said %zu", i, n);
}

/* The plainest valid bodies (sizes of 1..8 hex digits, no extensions, no trailers, lines
 * within max_line) must be accepted: returns their length, or 0 when in[] is not one. */
FZ_FN size_t fz_chunk_plain_length(const uint8_t *b, size_t n, uint32_t max_line)
{
    size_t i = 0;

    if (!max_line)
        max_line = PT_HTTP_DEFAULT_MAX_LINE;
    for (;;) {
        size_t line = i;
        uint64_t size = 0;
        while (i < n && i - line < 8 && fz_hex(b[i]) >= 0)
            size = size << 4 | (uint64_t)fz_hex(b[i++]);
        if (i == line || i + 1 >= n || b[i] != '\r' || b[i + 1] != '\n')
            return 0;
        i += 2;
        if (i - line > max_line)
            return 0;
        if (size == 0)
            break;
        if (size > n - i || n - i - (size_t)size < 2)
            return 0;
        i += (size_t)size;
        if (b[i] != '\r' || b[i + 1] != '\n')
            return 0;
        i += 2;
    }
    if (i + 1 >= n || b[i] != '\r' || b[i + 1] != '\n')
        return 0;
    return i + 2;
}

FZ_FN void fz_compare_chunks(const struct fz_chunk_out *a, const struct fz_chunk_out *b,
                             const char *mode)
{
    FZ_CHECK("chunk-same-result", a->rc == b->rc, "whole %d, %s %d", a->rc, mode, b->rc);
    FZ_CHECK("chunk-same-data", a->data_len == b->data_len &&
             memcmp(a->data, b->data, a->data_len) == 0,
             "whole %zu data bytes, %s %zu (or they differ)", a->data_len, mode, b->data_len);
    if (a->rc == PT_PARSE_DONE)
        FZ_CHECK("chunk-same-end", a->total == b->total, "whole ends at %zu, %s at %zu",
                 a->total, mode, b->total);
    if (a->rc == PT_PARSE_ERROR) {
        FZ_CHECK("chunk-same-error", a->status == b->status, "whole %u, %s %u", a->status,
                 mode, b->status);
        FZ_CHECK("chunk-same-error", fz_streq(a->reason, b->reason), "whole '%s', %s '%s'",
                 a->reason, mode, b->reason);
    }
}

/* Every check on one body in[0, n) under one pair of limits; returns the whole run's
 * verdict and, when DONE, its length in *total. */
FZ_FN int fz_chunk_check_cfg(const uint8_t *in, size_t n, uint32_t max_line,
                             uint32_t max_trailers, size_t *total)
{
    static const char *names[] = {"whole", "byte-by-byte", "split", "pieces"};
    struct fz_chunk_out o[4];
    uint32_t seed = fz_hash(in, n);
    size_t plain;

    for (int m = 0; m < 4; m++) {
        o[m].data = malloc(n ? n : 1);
        o[m].data_cap = n;
        if (!o[m].data)
            abort();
        fz_chunk_run(in, n, max_line, max_trailers, (enum fz_chunk_mode)m,
                     seed, &o[m]);
    }
    for (int m = 1; m < 4; m++)
        fz_compare_chunks(&o[0], &o[m], names[m]);
    if (o[0].rc == PT_PARSE_DONE)
        fz_chunk_reference(in, o[0].total, max_line, max_trailers, &o[0]);
    plain = fz_chunk_plain_length(in, n, max_line);
    if (plain)
        FZ_CHECK("chunk-accepts-plain", o[0].rc == PT_PARSE_DONE && o[0].total == plain,
                 "a plain valid body of %zu bytes: rc %d after %zu bytes (%s)", plain, o[0].rc,
                 o[0].total, o[0].reason ? o[0].reason : "");
    *total = o[0].total;
    int rc = o[0].rc;
    for (int m = 0; m < 4; m++)
        free(o[m].data);
    return rc;
}

/* Defaults and tight limits; returns the default run's verdict and length. */
FZ_FN int fz_chunk_check(const uint8_t *in, size_t n, size_t *total)
{
    size_t tight_total;
    char outer[sizeof(fz_context)];
    int rc;

    memcpy(outer, fz_context, sizeof(outer));
    fz_set_context("%.100s; chunked body: max_line 12, max_trailers 40", outer);
    fz_chunk_check_cfg(in, n, 12, 40, &tight_total);
    fz_set_context("%.100s; chunked body: default limits", outer);
    rc = fz_chunk_check_cfg(in, n, 0, 0, total);
    memcpy(fz_context, outer, sizeof(outer));
    return rc;
}

#endif
