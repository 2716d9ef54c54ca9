/* tests/unit/test_http_fixtures.c - replays the HTTP parser corpus (tests/fixtures/http).
 *
 * Usage: test_http_fixtures DIR. Each case is parsed three ways, each its own TAP check:
 * whole (one call, compared with the case's expectations), byte by byte, and at every
 * split point; the last two must give exactly the dump of the whole parse. A dump is the
 * canonical "key: value" text of a parse's outcome (see dump_head and run_chunked).
 *
 * Every call gets a fresh heap copy of exactly the bytes it may read, so a parser that
 * keeps pointers instead of offsets, or reads past len, shows up (under ASan at least).
 */
#include <stdlib.h>
#include <string.h>

#include "parser/http.h"
#include "tests/tap.h"
#include "tests/unit/fixture_reader.h"

#define MIN_CORPUS 150
/* Inputs longer than this are split at a stride rather than at every byte. */
#define SPLIT_ALL_BELOW 20000
#define SPLIT_STRIDE 97

/* Dump lines for broken promises of the API (not parse outcomes) start with this. */
#define BROKEN "result: broken - "

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

static char *copy_of(const char *p, size_t n)
{
    char *c = malloc(n ? n : 1);
    if (c == NULL)
        abort();
    if (n)
        memcpy(c, p, n);
    return c;
}

/* ---- dumps ---- */

static void dump_str(struct pt_fx_buf *d, const char *key, const char *value)
{
    pt_fx_buf_printf(d, "%s: ", key);
    pt_fx_buf_add_escaped(d, value ? value : "(null)", strlen(value ? value : "(null)"));
    pt_fx_buf_add(d, "\n", 1);
}

/* Appends a slice escaped, or a note when it lies outside the len bytes parsed. */
static void add_slice(struct pt_fx_buf *d, const char *buf, size_t len, struct pt_slice s)
{
    if ((size_t)s.off + s.len > len)
        pt_fx_buf_printf(d, "(slice %u+%u outside %zu bytes)", s.off, s.len, len);
    else
        pt_fx_buf_add_escaped(d, buf + s.off, s.len);
}

static void dump_bytes(struct pt_fx_buf *d, const char *key, const char *buf, size_t len,
                       struct pt_slice s)
{
    pt_fx_buf_printf(d, "%s: ", key);
    add_slice(d, buf, len, s);
    pt_fx_buf_add(d, "\n", 1);
}

static void dump_result(struct pt_fx_buf *d, int rc, unsigned status)
{
    if (rc == PT_PARSE_DONE)
        pt_fx_buf_printf(d, "result: done\n");
    else if (rc == PT_PARSE_AGAIN)
        pt_fx_buf_printf(d, "result: again\n");
    else if (rc == PT_PARSE_ERROR)
        pt_fx_buf_printf(d, "result: error %u\n", status);
    else
        pt_fx_buf_printf(d, BROKEN "return value %d\n", rc);
}

static const char *const form_names[] = {"origin", "absolute", "authority", "asterisk"};

/* The fields shared by requests and responses, after DONE. */
static void dump_head(struct pt_fx_buf *d, const struct pt_http_head *h, const char *buf,
                      size_t len)
{
    pt_fx_buf_printf(d, "version: %u.%u\n", h->version_major, h->version_minor);
    pt_fx_buf_printf(d, "headers: %u\n", h->header_count);
    for (unsigned i = 0; i < h->header_count && i < h->header_capacity; i++) {
        /* "Name: value", or "Name:" for an empty value, as a fixture writes it. */
        pt_fx_buf_add(d, "header: ", 8);
        add_slice(d, buf, len, h->headers[i].name);
        pt_fx_buf_add(d, ":", 1);
        if (h->headers[i].value.len)
            pt_fx_buf_add(d, " ", 1);
        add_slice(d, buf, len, h->headers[i].value);
        pt_fx_buf_add(d, "\n", 1);
    }
    dump_str(d, "framing", pt_http_framing_name(h->framing));
    if (h->flags & PT_HTTP_HAS_CONTENT_LENGTH)
        pt_fx_buf_printf(d, "content_length: %ju\n", (uintmax_t)h->content_length);
    pt_fx_buf_printf(d, "keep_alive: %d\n", !!(h->flags & PT_HTTP_KEEP_ALIVE));
    pt_fx_buf_printf(d, "upgrade: %d\n", !!(h->flags & PT_HTTP_UPGRADE));
    pt_fx_buf_printf(d, "expect_continue: %d\n", !!(h->flags & PT_HTTP_EXPECT_CONTINUE));
    pt_fx_buf_printf(d, "head_length: %u\n", h->head_length);
}

static void dump_request(struct pt_fx_buf *d, const struct pt_http_request *r, int rc,
                         const char *buf, size_t len)
{
    dump_result(d, rc, r->head.error_status);
    if (rc != PT_PARSE_DONE)
        return;
    dump_bytes(d, "method", buf, len, r->method);
    dump_str(d, "method_id", pt_http_method_name(r->method_id));
    dump_bytes(d, "target", buf, len, r->target);
    dump_bytes(d, "path", buf, len, r->path);
    dump_bytes(d, "host", buf, len, r->host);
    if ((unsigned)r->target_form < 4)
        dump_str(d, "form", form_names[r->target_form]);
    else
        pt_fx_buf_printf(d, "form: (%d)\n", (int)r->target_form);
    dump_head(d, &r->head, buf, len);
}

static void dump_response(struct pt_fx_buf *d, const struct pt_http_response *r, int rc,
                          const char *buf, size_t len)
{
    dump_result(d, rc, r->head.error_status);
    if (rc != PT_PARSE_DONE)
        return;
    pt_fx_buf_printf(d, "status: %u\n", r->status);
    dump_bytes(d, "reason", buf, len, r->reason);
    dump_head(d, &r->head, buf, len);
}

/* ---- heads: the buffer always holds the message from byte 0 ---- */

static const struct {
    const char *name;
    enum pt_http_method id;
} method_ids[] = {
    {"GET", PT_METHOD_GET},         {"HEAD", PT_METHOD_HEAD},
    {"POST", PT_METHOD_POST},       {"PUT", PT_METHOD_PUT},
    {"DELETE", PT_METHOD_DELETE},   {"CONNECT", PT_METHOD_CONNECT},
    {"OPTIONS", PT_METHOD_OPTIONS}, {"TRACE", PT_METHOD_TRACE},
    {"PATCH", PT_METHOD_PATCH},
};

static int method_of(const char *name)
{
    if (name == NULL)
        return PT_METHOD_GET;
    for (size_t i = 0; i < sizeof method_ids / sizeof method_ids[0]; i++)
        if (strcmp(method_ids[i].name, name) == 0)
            return (int)method_ids[i].id;
    return -1;
}

struct head_run {
    const struct pt_fx_case *c;
    struct pt_http_request req;
    struct pt_http_response resp;
    struct pt_http_header *headers; /* exactly capacity entries, so overruns are caught */
};

/* Sets up a request or response parse with the case's limits (0: the defaults) and a
 * header array of exactly max_headers entries. -1 for an unknown request_method. */
static int head_init(struct head_run *h, const struct pt_fx_case *c)
{
    struct pt_http_limits limits = {
        .max_line = c->max_line ? c->max_line : PT_HTTP_DEFAULT_MAX_LINE,
        .max_head = c->max_head ? c->max_head : PT_HTTP_DEFAULT_MAX_HEAD,
    };
    uint16_t capacity = c->max_headers ? (uint16_t)c->max_headers
                                       : PT_HTTP_DEFAULT_MAX_HEADERS;
    int method = method_of(c->request_method);
    if (method < 0)
        return -1;
    h->c = c;
    h->headers = calloc(capacity, sizeof *h->headers);
    if (h->headers == NULL)
        abort();
    if (c->kind == PT_FX_REQUEST)
        pt_http_request_init(&h->req, h->headers, capacity, &limits);
    else
        pt_http_response_init(&h->resp, h->headers, capacity, &limits,
                              (enum pt_http_method)method);
    return 0;
}

/* Parses buf[0, n) into a fresh copy; on the last call (n == len, or a result other than
 * AGAIN) writes the dump. Returns the parse result. */
static int head_call(struct head_run *h, size_t n, int last, struct pt_fx_buf *dump)
{
    char *copy = copy_of(h->c->input.p, n);
    int rc;
    if (h->c->kind == PT_FX_REQUEST)
        rc = pt_http_request_parse(&h->req, copy, n);
    else
        rc = pt_http_response_parse(&h->resp, copy, n);
    if (rc != PT_PARSE_AGAIN || last) {
        if (h->c->kind == PT_FX_REQUEST)
            dump_request(dump, &h->req, rc, copy, n);
        else
            dump_response(dump, &h->resp, rc, copy, n);
    }
    free(copy);
    return rc;
}

/* Feeds prefixes of the input: first bytes, then step more each call (step 0: all the
 * rest at once), until the parse is not AGAIN or the whole input was given. */
static void run_head(const struct pt_fx_case *c, size_t first, size_t step,
                     struct pt_fx_buf *dump)
{
    struct head_run h = {0};
    if (head_init(&h, c) < 0) {
        pt_fx_buf_printf(dump, BROKEN "unknown request_method %s\n", c->request_method);
        return;
    }
    size_t len = c->input.len, n = min_size(first, len);
    for (;;) {
        int rc = head_call(&h, n, n == len, dump);
        if (rc != PT_PARSE_AGAIN || n == len)
            break;
        n = step ? min_size(n + step, len) : len;
    }
    free(h.headers);
}

/* ---- chunked bodies: each call gets only the bytes not given before ---- */

struct chunked_run {
    struct pt_chunked ch;
    struct pt_fx_buf body; /* every data slice, in order */
    size_t total;          /* bytes consumed over all calls */
    struct pt_fx_buf broken;
};

/* Feeds one segment, calling again from buf + consumed while the decoder returns DATA.
 * Returns the last result; DATA that used the whole segment counts as AGAIN. */
static int chunked_segment(struct chunked_run *r, const char *seg, size_t seglen)
{
    size_t pos = 0;
    for (;;) {
        size_t consumed = (size_t)-1;
        struct pt_slice data = {0, 0};
        size_t avail = seglen - pos;
        int rc = pt_chunked_parse(&r->ch, seg + pos, avail, &consumed, &data);
        if (rc == PT_PARSE_ERROR)
            return rc;
        if (consumed > avail) {
            pt_fx_buf_printf(&r->broken, "consumed %zu of %zu bytes\n", consumed, avail);
            return PT_PARSE_ERROR;
        }
        if (rc == PT_PARSE_DATA) {
            if ((size_t)data.off + data.len > avail) {
                pt_fx_buf_printf(&r->broken, "data %u+%u outside %zu bytes\n", data.off,
                                 data.len, avail);
                return PT_PARSE_ERROR;
            }
            pt_fx_buf_add(&r->body, seg + pos + data.off, data.len);
        }
        r->total += consumed;
        pos += consumed;
        if (rc == PT_PARSE_DONE)
            return rc;
        if (rc == PT_PARSE_AGAIN && pos != seglen)
            pt_fx_buf_printf(&r->broken, "AGAIN with %zu bytes unconsumed\n", seglen - pos);
        if (rc == PT_PARSE_AGAIN || (rc == PT_PARSE_DATA && pos == seglen))
            return PT_PARSE_AGAIN;
        if (rc != PT_PARSE_DATA) {
            pt_fx_buf_printf(&r->broken, "return value %d\n", rc);
            return PT_PARSE_ERROR;
        }
        if (consumed == 0 && data.len == 0) {
            pt_fx_buf_printf(&r->broken, "DATA without progress\n");
            return PT_PARSE_ERROR;
        }
    }
}

/* Feeds the input in segments (first bytes, then step more each call; step 0: all the
 * rest at once) and dumps the result, the data joined, and the bytes consumed when DONE.
 * Data returned before an error is part of the dump: it must not depend on the split. */
static void run_chunked(const struct pt_fx_case *c, size_t first, size_t step,
                        struct pt_fx_buf *dump)
{
    struct chunked_run r = {0};
    pt_chunked_init(&r.ch, c->max_line, c->max_trailers);
    size_t len = c->input.len, start = 0, end = min_size(first, len);
    int rc;
    for (;;) {
        char *seg = copy_of(c->input.p + start, end - start);
        rc = chunked_segment(&r, seg, end - start);
        free(seg);
        if (rc != PT_PARSE_AGAIN || end == len)
            break;
        start = end;
        end = step ? min_size(end + step, len) : len;
    }
    if (r.broken.len)
        pt_fx_buf_printf(dump, BROKEN "%s", r.broken.p);
    else
        dump_result(dump, rc, r.ch.error_status);
    pt_fx_buf_add(dump, "body: ", 6);
    pt_fx_buf_add_escaped(dump, r.body.p, r.body.len);
    pt_fx_buf_add(dump, "\n", 1);
    if (rc == PT_PARSE_DONE)
        pt_fx_buf_printf(dump, "consumed: %zu\n", r.total);
    pt_fx_buf_cleanup(&r.body);
    pt_fx_buf_cleanup(&r.broken);
}

static void run(const struct pt_fx_case *c, size_t first, size_t step, struct pt_fx_buf *dump)
{
    pt_fx_buf_reset(dump);
    pt_fx_buf_add(dump, "", 0);
    if (c->kind == PT_FX_CHUNKED)
        run_chunked(c, first, step, dump);
    else
        run_head(c, first, step, dump);
}

/* ---- comparing ---- */

/* Appends text to a diagnostic buffer, each line indented under a title. */
static void note_lines(struct pt_fx_buf *why, const char *title, const char *text)
{
    pt_fx_buf_printf(why, "%s\n", title);
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        pt_fx_buf_printf(why, "  %.*s\n", (int)n, p);
        p += n + (nl != NULL);
    }
}

/* Prints a diagnostic buffer as TAP comment lines, under the check it explains. */
static void diag_all(const struct pt_fx_buf *why)
{
    const char *p = why->p ? why->p : "";
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        tap_diag("%.*s", (int)n, p);
        p += n + (nl != NULL);
    }
}

/* The value of the first "key: " line of dump, or NULL; *n is its length. */
static const char *dump_value(const char *dump, const char *key, size_t *n)
{
    size_t klen = strlen(key);
    for (const char *p = dump; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len >= klen + 2 && memcmp(p, key, klen) == 0 && p[klen] == ':' &&
            p[klen + 1] == ' ') {
            *n = len - klen - 2;
            return p + klen + 2;
        }
        p += len + (nl != NULL);
    }
    return NULL;
}

/* Every "header: " line of a dump, or of a case's expectations, one per line. */
static void header_lines_of_dump(const char *dump, struct pt_fx_buf *out)
{
    for (const char *p = dump; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);
        if (strncmp(p, "header: ", 8) == 0)
            pt_fx_buf_add(out, p, len);
        p += len;
    }
}

/* Compares the listed keys with a dump; explains each difference on why. */
static int check_expects(const struct pt_fx_case *c, const char *dump, struct pt_fx_buf *why)
{
    int ok = 1, any_header = 0;
    struct pt_fx_buf want_h = {0}, got_h = {0};
    pt_fx_buf_add(&want_h, "", 0);
    pt_fx_buf_add(&got_h, "", 0);
    for (size_t i = 0; i < c->n_expects; i++) {
        const struct pt_fx_expect *e = &c->expects[i];
        if (strcmp(e->key, "header") == 0) {
            any_header = 1;
            pt_fx_buf_printf(&want_h, "header: %s\n", e->value);
            continue;
        }
        size_t n = 0;
        const char *got = dump_value(dump, e->key, &n);
        if (got == NULL || n != strlen(e->value) || memcmp(got, e->value, n) != 0) {
            pt_fx_buf_printf(why, "%s: got \"%.*s\", want \"%s\"\n", e->key,
                             got ? (int)n : 6, got ? got : "(none)", e->value);
            ok = 0;
        }
    }
    header_lines_of_dump(dump, &got_h);
    if (any_header && strcmp(want_h.p, got_h.p) != 0) {
        note_lines(why, "header lines wanted:", want_h.p);
        ok = 0;
    }
    if (!ok)
        note_lines(why, "dump of the whole parse:", dump);
    pt_fx_buf_cleanup(&want_h);
    pt_fx_buf_cleanup(&got_h);
    return ok;
}

/* ---- the three replays ---- */

static void replay(const struct pt_fx_case *c)
{
    struct pt_fx_buf whole = {0}, other = {0}, why = {0};
    size_t len = c->input.len;

    run(c, len, 0, &whole);
    int ok = check_expects(c, whole.p, &why);
    if (!tap_ok(ok, "%s:%d %s: whole", c->file, c->line, c->name))
        diag_all(&why);

    pt_fx_buf_reset(&why);
    run(c, 1, 1, &other);
    if (!tap_ok(strcmp(whole.p, other.p) == 0, "%s:%d %s: byte by byte", c->file, c->line,
                c->name)) {
        note_lines(&why, "whole:", whole.p);
        note_lines(&why, "byte by byte:", other.p);
        diag_all(&why);
    }

    pt_fx_buf_reset(&why);
    size_t stride = len > SPLIT_ALL_BELOW ? SPLIT_STRIDE : 1, bad_k = 0;
    for (size_t k = 1; k < len && bad_k == 0; k += stride) {
        run(c, k, 0, &other);
        if (strcmp(whole.p, other.p) != 0)
            bad_k = k;
    }
    if (!tap_ok(bad_k == 0, "%s:%d %s: every split%s", c->file, c->line, c->name,
                stride > 1 ? " (at a stride)" : "")) {
        pt_fx_buf_printf(&why, "first differing split: k = %zu of %zu\n", bad_k, len);
        note_lines(&why, "whole:", whole.p);
        note_lines(&why, "split:", other.p);
        diag_all(&why);
    }
    pt_fx_buf_cleanup(&whole);
    pt_fx_buf_cleanup(&other);
    pt_fx_buf_cleanup(&why);
}

int main(int argc, char **argv)
{
    struct pt_fx_corpus corpus;
    if (argc != 2) {
        fprintf(stderr, "usage: %s FIXTURE_DIR\n", argv[0]);
        return 2;
    }
    if (pt_fx_corpus_load(&corpus, argv[1]) < 0) {
        tap_ok(0, "read fixture directory %s", argv[1]);
        return tap_done();
    }
    if (!tap_ok(corpus.n_cases >= MIN_CORPUS, "corpus has at least %d cases", MIN_CORPUS))
        tap_diag("found %zu cases in %s", corpus.n_cases, argv[1]);
    if (!tap_ok(corpus.n_errors == 0, "fixture files are well-formed"))
        diag_all(&corpus.errors);
    for (size_t i = 0; i < corpus.n_cases; i++)
        replay(&corpus.cases[i]);
    tap_diag("%zu cases", corpus.n_cases);
    pt_fx_corpus_cleanup(&corpus);
    return tap_done();
}
