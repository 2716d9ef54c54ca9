/* bench/parser.c - HTTP/1.x head parsing: portico's Ragel parser against http-parser and
 * picohttpparser, side by side, in one run (issue 2, "Speed").
 *
 * The corpus (bench/corpus/req-*.http, resp-*.http) is a mix of browser requests and
 * nginx/CDN responses, one head per file, CRLF line ends. Each parser parses every head in
 * full and extracts the request line or status line and every header as slices:
 *   ours            pt_http_request_parse / pt_http_response_parse into a header array
 *                   (it also derives framing, Content-Length, keep-alive, Host: its job)
 *   http-parser     http_parser_execute with on_url/on_status/on_header_field/
 *                   on_header_value callbacks that accumulate slices (the minimal real use)
 *   picohttpparser  phr_parse_request / phr_parse_response, last_len = 0
 * Before anything is timed, every parser must accept every message, with the same header
 * count and byte-identical names, values, targets and statuses: a mismatch aborts.
 *
 * Timing: CLOCK_MONOTONIC, rounds alternate the parsers (A B C A B C ...), each parser's
 * iteration count is calibrated so one of its rounds takes about --round-ms; the best
 * round per parser and kind is reported (the median is shown beside it).
 *
 * Usage: bench_parser [--corpus DIR] [--rounds N] [--round-ms MS] [--iterations N]
 *                     [--quick] [--only ours|http_parser|pico] [--kind req|resp|all]
 * --iterations N fixes the count (no calibration); --quick is --iterations 500 --rounds 1,
 * for valgrind --tool=callgrind --toggle-collect='bench_run_*', which then counts only the
 * parse loops; the line "messages_parsed: N" gives the divisor.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <http_parser.h>

#include "parser/http.h"

/* picohttpparser as exported by Debian's libh2o, which ships no header for it. */
struct phr_header {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
};
int phr_parse_request(const char *buf, size_t len, const char **method, size_t *method_len,
                      const char **path, size_t *path_len, int *minor_version,
                      struct phr_header *headers, size_t *num_headers, size_t last_len);
int phr_parse_response(const char *buf, size_t len, int *minor_version, int *status,
                       const char **msg, size_t *msg_len, struct phr_header *headers,
                       size_t *num_headers, size_t last_len);

#ifndef PT_BENCH_CORPUS
#define PT_BENCH_CORPUS "bench/corpus"
#endif

#define MAX_HEADERS 64
#define NOINLINE __attribute__((noinline))

struct msg {
    char name[128];
    char *buf;
    size_t len;
    size_t headers; /* header lines, counted from the file */
};

struct set {
    struct msg *m;
    size_t n;
    size_t bytes;
};

enum kind { KIND_REQ = 0, KIND_RESP = 1 };
static const char *const kind_name[2] = {"requests", "responses"};

static void die(const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "bench_parser: ");
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    exit(1);
}

/* --- corpus ------------------------------------------------------------------------- */

static int cmp_msg(const void *a, const void *b)
{
    return strcmp(((const struct msg *)a)->name, ((const struct msg *)b)->name);
}

static void load_file(const char *dir, const char *name, struct msg *m)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        die("cannot open %s: %s", path, strerror(errno));
    if (fseek(f, 0, SEEK_END) != 0)
        die("cannot seek %s%s", path, "");
    long size = ftell(f);
    rewind(f);
    if (size <= 0)
        die("%s is empty%s", path, "");
    m->buf = malloc((size_t)size);
    if (!m->buf || fread(m->buf, 1, (size_t)size, f) != (size_t)size)
        die("cannot read %s%s", path, "");
    fclose(f);
    m->len = (size_t)size;
    snprintf(m->name, sizeof m->name, "%s", name);

    /* One head per file, ending exactly with the blank line; count the header lines. */
    size_t lines = 0;
    for (size_t i = 0; i < m->len; i++) {
        if (m->buf[i] == '\n') {
            if (i == 0 || m->buf[i - 1] != '\r')
                die("%s: bare LF (the corpus is CRLF: run bench/corpus/make-corpus)%s", path,
                    "");
            lines++;
        }
    }
    if (m->len < 4 || memcmp(m->buf + m->len - 4, "\r\n\r\n", 4) != 0)
        die("%s: does not end with an empty line%s", path, "");
    if (strstr(m->buf, "\r\n\r\n") != NULL &&
        (size_t)(strstr(m->buf, "\r\n\r\n") - m->buf) + 4 != m->len)
        die("%s: holds more than one head%s", path, "");
    m->headers = lines - 2; /* minus the start line and the blank line */
}

static void load_corpus(const char *dir, struct set *req, struct set *resp)
{
    DIR *d = opendir(dir);
    if (!d)
        die("cannot open corpus %s: %s", dir, strerror(errno));
    size_t cap = 0, n = 0;
    struct msg *all = NULL;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 6 || strcmp(e->d_name + l - 5, ".http") != 0)
            continue;
        if (strncmp(e->d_name, "req-", 4) != 0 && strncmp(e->d_name, "resp-", 5) != 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            all = realloc(all, cap * sizeof *all);
            if (!all)
                die("out of memory%s%s", "", "");
        }
        load_file(dir, e->d_name, &all[n++]);
    }
    closedir(d);
    qsort(all, n, sizeof *all, cmp_msg);
    /* "req-" sorts before "resp-": requests first, then responses. */
    size_t nreq = 0;
    while (nreq < n && strncmp(all[nreq].name, "req-", 4) == 0)
        nreq++;
    req->m = all;
    req->n = nreq;
    resp->m = all + nreq;
    resp->n = n - nreq;
    if (req->n == 0 || resp->n == 0)
        die("corpus %s needs req-*.http and resp-*.http files%s", dir, "");
    req->bytes = resp->bytes = 0;
    for (size_t i = 0; i < req->n; i++)
        req->bytes += req->m[i].len;
    for (size_t i = 0; i < resp->n; i++)
        resp->bytes += resp->m[i].len;
}

/* --- the three parsers, one message each ------------------------------------------- */

/* What verification compares: the start line's two slices and the headers. */
struct result {
    int ok;
    const char *a;  /* request: target; response: reason phrase */
    size_t a_len;
    int status;     /* response only */
    size_t nh;
    struct phr_header h[MAX_HEADERS];
};

/* ours */
static inline uint64_t ours_req(const struct msg *m, struct pt_http_header *hdrs)
{
    struct pt_http_request r;
    pt_http_request_init(&r, hdrs, MAX_HEADERS, NULL);
    int rc = pt_http_request_parse(&r, m->buf, m->len);
    return (uint64_t)rc + r.head.header_count + r.target.len + r.head.head_length;
}

static inline uint64_t ours_resp(const struct msg *m, struct pt_http_header *hdrs)
{
    struct pt_http_response r;
    pt_http_response_init(&r, hdrs, MAX_HEADERS, NULL, PT_METHOD_GET);
    int rc = pt_http_response_parse(&r, m->buf, m->len);
    return (uint64_t)rc + r.head.header_count + r.status + r.head.head_length;
}

static void ours_check(const struct msg *m, enum kind k, struct result *out)
{
    struct pt_http_header hdrs[MAX_HEADERS];
    memset(out, 0, sizeof *out);
    struct pt_http_head *h;
    int rc;
    struct pt_http_request rq;
    struct pt_http_response rs;
    if (k == KIND_REQ) {
        pt_http_request_init(&rq, hdrs, MAX_HEADERS, NULL);
        rc = pt_http_request_parse(&rq, m->buf, m->len);
        h = &rq.head;
        out->a = pt_slice_ptr(m->buf, rq.target);
        out->a_len = rq.target.len;
    } else {
        pt_http_response_init(&rs, hdrs, MAX_HEADERS, NULL, PT_METHOD_GET);
        rc = pt_http_response_parse(&rs, m->buf, m->len);
        h = &rs.head;
        out->a = pt_slice_ptr(m->buf, rs.reason);
        out->a_len = rs.reason.len;
        out->status = rs.status;
    }
    if (rc != PT_PARSE_DONE) {
        fprintf(stderr, "bench_parser: ours refused %s: rc %d, status %u, reason \"%s\", "
                        "offset %u\n", m->name, rc, h->error_status,
                h->error_reason ? h->error_reason : "", h->error_offset);
        return;
    }
    if (h->head_length != m->len) {
        fprintf(stderr, "bench_parser: ours: %s: head_length %u, file %zu bytes\n", m->name,
                h->head_length, m->len);
        return;
    }
    out->nh = h->header_count;
    for (size_t i = 0; i < out->nh; i++) {
        out->h[i].name = pt_slice_ptr(m->buf, hdrs[i].name);
        out->h[i].name_len = hdrs[i].name.len;
        out->h[i].value = pt_slice_ptr(m->buf, hdrs[i].value);
        out->h[i].value_len = hdrs[i].value.len;
    }
    out->ok = 1;
}

/* http-parser: callbacks accumulate slices, as a real user must (a token may arrive in
 * several pieces when the input is split). */
struct hp_ctx {
    const char *a;
    size_t a_len;
    size_t nh;
    int in_value;
    int done;
    struct phr_header h[MAX_HEADERS];
};

static int hp_on_url(http_parser *p, const char *at, size_t len)
{
    struct hp_ctx *c = p->data;
    if (!c->a)
        c->a = at;
    c->a_len += len;
    return 0;
}

static int hp_on_header_field(http_parser *p, const char *at, size_t len)
{
    struct hp_ctx *c = p->data;
    if (c->nh == 0 || c->in_value) {
        if (c->nh == MAX_HEADERS)
            return 1;
        struct phr_header *h = &c->h[c->nh++];
        h->name = at;
        h->name_len = len;
        h->value = NULL;
        h->value_len = 0;
        c->in_value = 0;
    } else {
        c->h[c->nh - 1].name_len += len;
    }
    return 0;
}

static int hp_on_header_value(http_parser *p, const char *at, size_t len)
{
    struct hp_ctx *c = p->data;
    struct phr_header *h = &c->h[c->nh - 1];
    if (!c->in_value) {
        h->value = at;
        h->value_len = len;
        c->in_value = 1;
    } else {
        h->value_len += len;
    }
    return 0;
}

static int hp_on_headers_complete(http_parser *p)
{
    struct hp_ctx *c = p->data;
    c->done = 1;
    return 0;
}

static const http_parser_settings hp_settings = {
    .on_url = hp_on_url,
    .on_status = hp_on_url, /* the reason phrase: same accumulation */
    .on_header_field = hp_on_header_field,
    .on_header_value = hp_on_header_value,
    .on_headers_complete = hp_on_headers_complete,
};

static inline size_t hp_parse(const struct msg *m, enum kind k, struct hp_ctx *c,
                              http_parser *p)
{
    http_parser_init(p, k == KIND_REQ ? HTTP_REQUEST : HTTP_RESPONSE);
    p->data = c;
    c->a = NULL;
    c->a_len = 0;
    c->nh = 0;
    c->in_value = 0;
    c->done = 0;
    return http_parser_execute(p, &hp_settings, m->buf, m->len);
}

static void hp_check(const struct msg *m, enum kind k, struct result *out)
{
    static struct hp_ctx c;
    http_parser p;
    memset(out, 0, sizeof *out);
    size_t n = hp_parse(m, k, &c, &p);
    if (n != m->len || HTTP_PARSER_ERRNO(&p) != HPE_OK || !c.done) {
        fprintf(stderr, "bench_parser: http-parser refused %s: parsed %zu of %zu, %s (%s)\n",
                m->name, n, m->len, http_errno_name(HTTP_PARSER_ERRNO(&p)),
                c.done ? "head complete" : "head incomplete");
        return;
    }
    out->a = c.a;
    out->a_len = c.a_len;
    out->status = (int)p.status_code;
    out->nh = c.nh;
    memcpy(out->h, c.h, c.nh * sizeof c.h[0]);
    out->ok = 1;
}

/* picohttpparser */
static void pico_check(const struct msg *m, enum kind k, struct result *out)
{
    memset(out, 0, sizeof *out);
    size_t nh = MAX_HEADERS;
    int minor, rc;
    if (k == KIND_REQ) {
        const char *method, *path;
        size_t method_len, path_len;
        rc = phr_parse_request(m->buf, m->len, &method, &method_len, &path, &path_len, &minor,
                               out->h, &nh, 0);
        out->a = path;
        out->a_len = path_len;
    } else {
        const char *msg;
        size_t msg_len;
        rc = phr_parse_response(m->buf, m->len, &minor, &out->status, &msg, &msg_len, out->h,
                                &nh, 0);
        out->a = msg;
        out->a_len = msg_len;
    }
    if (rc != (int)m->len) {
        fprintf(stderr, "bench_parser: picohttpparser refused %s: rc %d for %zu bytes\n",
                m->name, rc, m->len);
        return;
    }
    out->nh = nh;
    out->ok = 1;
}

/* --- timed loops: the only code callgrind counts (--toggle-collect='bench_run_*') ---- */

static NOINLINE uint64_t bench_run_ours(const struct set *s, enum kind k, long iters)
{
    struct pt_http_header hdrs[MAX_HEADERS];
    uint64_t sink = 0;
    if (k == KIND_REQ) {
        for (long i = 0; i < iters; i++)
            for (size_t j = 0; j < s->n; j++)
                sink += ours_req(&s->m[j], hdrs);
    } else {
        for (long i = 0; i < iters; i++)
            for (size_t j = 0; j < s->n; j++)
                sink += ours_resp(&s->m[j], hdrs);
    }
    return sink;
}

static NOINLINE uint64_t bench_run_http_parser(const struct set *s, enum kind k, long iters)
{
    static struct hp_ctx c;
    http_parser p;
    uint64_t sink = 0;
    for (long i = 0; i < iters; i++)
        for (size_t j = 0; j < s->n; j++)
            sink += hp_parse(&s->m[j], k, &c, &p) + c.nh + c.a_len;
    return sink;
}

static NOINLINE uint64_t bench_run_pico(const struct set *s, enum kind k, long iters)
{
    struct phr_header hdrs[MAX_HEADERS];
    uint64_t sink = 0;
    int minor, status;
    const char *a, *b;
    size_t a_len, b_len, nh;
    if (k == KIND_REQ) {
        for (long i = 0; i < iters; i++)
            for (size_t j = 0; j < s->n; j++) {
                nh = MAX_HEADERS;
                int rc = phr_parse_request(s->m[j].buf, s->m[j].len, &a, &a_len, &b, &b_len,
                                           &minor, hdrs, &nh, 0);
                sink += (uint64_t)rc + nh + b_len;
            }
    } else {
        for (long i = 0; i < iters; i++)
            for (size_t j = 0; j < s->n; j++) {
                nh = MAX_HEADERS;
                int rc = phr_parse_response(s->m[j].buf, s->m[j].len, &minor, &status, &a,
                                            &a_len, hdrs, &nh, 0);
                sink += (uint64_t)rc + nh + (uint64_t)status;
            }
    }
    return sink;
}

/* --- driver ------------------------------------------------------------------------- */

enum { P_OURS, P_HTTP_PARSER, P_PICO, NPARSERS };
static const char *const parser_name[NPARSERS] = {"ours", "http_parser", "pico"};
static const char *const parser_label[NPARSERS] = {"portico (Ragel)", "http-parser 2.9",
                                                   "picohttpparser"};
typedef uint64_t (*bench_fn)(const struct set *, enum kind, long);
static const bench_fn parser_fn[NPARSERS] = {bench_run_ours, bench_run_http_parser,
                                             bench_run_pico};

static volatile uint64_t g_sink;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int same(const char *a, size_t al, const char *b, size_t bl)
{
    return al == bl && (al == 0 || memcmp(a, b, al) == 0);
}

/* Every parser must accept every message and agree with the others on what it holds. */
static void verify(const struct set *s, enum kind k)
{
    static struct result r[NPARSERS];
    int bad = 0;
    for (size_t i = 0; i < s->n; i++) {
        const struct msg *m = &s->m[i];
        ours_check(m, k, &r[P_OURS]);
        hp_check(m, k, &r[P_HTTP_PARSER]);
        pico_check(m, k, &r[P_PICO]);
        for (int p = 0; p < NPARSERS; p++) {
            if (!r[p].ok) {
                bad = 1;
                continue;
            }
            if (r[p].nh != m->headers) {
                fprintf(stderr, "bench_parser: %s: %s found %zu headers, the file has %zu\n",
                        m->name, parser_name[p], r[p].nh, m->headers);
                bad = 1;
                continue;
            }
            if (p == P_OURS || !r[P_OURS].ok)
                continue;
            /* Compare with ours: start line, then every name and value byte for byte. */
            if (!same(r[p].a, r[p].a_len, r[P_OURS].a, r[P_OURS].a_len) ||
                r[p].status != r[P_OURS].status) {
                fprintf(stderr, "bench_parser: %s: %s and ours differ on the start line\n",
                        m->name, parser_name[p]);
                bad = 1;
            }
            for (size_t h = 0; h < m->headers; h++) {
                const struct phr_header *x = &r[p].h[h], *y = &r[P_OURS].h[h];
                if (!same(x->name, x->name_len, y->name, y->name_len) ||
                    !same(x->value, x->value_len, y->value, y->value_len)) {
                    fprintf(stderr, "bench_parser: %s: header %zu: %s has \"%.*s: %.*s\", "
                                    "ours \"%.*s: %.*s\"\n", m->name, h, parser_name[p],
                            (int)x->name_len, x->name, (int)x->value_len, x->value,
                            (int)y->name_len, y->name, (int)y->value_len, y->value);
                    bad = 1;
                }
            }
        }
    }
    if (bad) {
        fprintf(stderr, "bench_parser: verification failed: no figures without agreement\n");
        exit(1);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void usage(void)
{
    fprintf(stderr,
            "usage: bench_parser [--corpus DIR] [--rounds N] [--round-ms MS] [--iterations N]\n"
            "                    [--quick] [--only ours|http_parser|pico] [--kind req|resp|all]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *corpus = PT_BENCH_CORPUS;
    long rounds = 5, round_ms = 400, fixed_iters = 0;
    int only = -1, kinds = 3; /* bit 0: requests, bit 1: responses */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--quick")) {
            fixed_iters = 500;
            rounds = 1;
        } else if (!strcmp(a, "--corpus") && v) {
            corpus = v, i++;
        } else if (!strcmp(a, "--rounds") && v) {
            rounds = atol(v), i++;
        } else if (!strcmp(a, "--round-ms") && v) {
            round_ms = atol(v), i++;
        } else if (!strcmp(a, "--iterations") && v) {
            fixed_iters = atol(v), i++;
        } else if (!strcmp(a, "--only") && v) {
            for (int p = 0; p < NPARSERS; p++)
                if (!strcmp(v, parser_name[p]))
                    only = p;
            if (only < 0)
                usage();
            i++;
        } else if (!strcmp(a, "--kind") && v) {
            kinds = !strcmp(v, "req") ? 1 : !strcmp(v, "resp") ? 2 : !strcmp(v, "all") ? 3 : 0;
            if (!kinds)
                usage();
            i++;
        } else {
            usage();
        }
    }
    if (rounds < 1 || round_ms < 1 || fixed_iters < 0)
        usage();

    struct set sets[2];
    load_corpus(corpus, &sets[KIND_REQ], &sets[KIND_RESP]);
    verify(&sets[KIND_REQ], KIND_REQ);
    verify(&sets[KIND_RESP], KIND_RESP);
    printf("corpus: %s: %zu requests (%zu bytes, %.0f avg), %zu responses (%zu bytes, "
           "%.0f avg); all accepted by all three parsers, identical slices\n", corpus,
           sets[0].n, sets[0].bytes, (double)sets[0].bytes / (double)sets[0].n, sets[1].n,
           sets[1].bytes, (double)sets[1].bytes / (double)sets[1].n);

    /* Iterations per parser and kind: fixed, or calibrated to about round_ms per round. */
    long iters[NPARSERS][2];
    for (int p = 0; p < NPARSERS; p++)
        for (int k = 0; k < 2; k++) {
            if (fixed_iters || (only >= 0 && p != only) || !(kinds & (1 << k))) {
                iters[p][k] = fixed_iters;
                continue;
            }
            long n = 16;
            double t;
            for (;;) {
                double t0 = now();
                g_sink += parser_fn[p](&sets[k], (enum kind)k, n);
                t = now() - t0;
                if (t > 0.02)
                    break;
                n *= 2;
            }
            /* round_ms covers both kinds of one parser: half each. */
            iters[p][k] = (long)((double)n * (double)round_ms / 2000.0 / t) + 1;
        }

    double *times = calloc((size_t)(NPARSERS * 2 * rounds), sizeof(double));
    if (!times)
        die("out of memory%s%s", "", "");
#define T(p, k, r) times[((p) * 2 + (k)) * rounds + (r)]
    uint64_t parsed[NPARSERS] = {0};
    for (long r = 0; r < rounds; r++)
        for (int p = 0; p < NPARSERS; p++) {
            if (only >= 0 && p != only)
                continue;
            for (int k = 0; k < 2; k++) {
                if (!(kinds & (1 << k)))
                    continue;
                double t0 = now();
                g_sink += parser_fn[p](&sets[k], (enum kind)k, iters[p][k]);
                T(p, k, r) = now() - t0;
                parsed[p] += (uint64_t)iters[p][k] * sets[k].n;
            }
        }

    if (only >= 0) {
        printf("messages_parsed: %llu\n", (unsigned long long)parsed[only]);
        if (fixed_iters)
            return 0;
    }

    /* Per parser and kind: best (and median) seconds per message. */
    double best[NPARSERS][2] = {{0}}, med[NPARSERS][2] = {{0}};
    for (int p = 0; p < NPARSERS; p++)
        for (int k = 0; k < 2; k++) {
            if ((only >= 0 && p != only) || !(kinds & (1 << k)) || iters[p][k] == 0)
                continue;
            double *t = &T(p, k, 0);
            qsort(t, (size_t)rounds, sizeof *t, cmp_double);
            double per = (double)iters[p][k] * (double)sets[k].n;
            best[p][k] = t[0] / per;
            med[p][k] = (rounds % 2 ? t[rounds / 2] : (t[rounds / 2 - 1] + t[rounds / 2]) / 2) /
                        per;
        }

    printf("best of %ld rounds (median in brackets); MB = 10^6 bytes of head\n", rounds);
    printf("%-16s %-9s %9s %10s %14s %7s\n", "parser", "kind", "MB/s", "[median]", "msgs/s",
           "ns/msg");
    double combined[NPARSERS] = {0};
    for (int p = 0; p < NPARSERS; p++) {
        if (only >= 0 && p != only)
            continue;
        double sec = 0, sec_med = 0, bytes = 0, msgs = 0;
        for (int k = 0; k < 2; k++) {
            if (!(kinds & (1 << k)) || best[p][k] == 0)
                continue;
            double n = (double)sets[k].n, b = (double)sets[k].bytes;
            printf("%-16s %-9s %9.1f %10.1f %14.0f %7.1f\n", parser_label[p], kind_name[k],
                   b / (best[p][k] * n) / 1e6, b / (med[p][k] * n) / 1e6, 1.0 / best[p][k],
                   best[p][k] * 1e9);
            /* Combined: the whole mix once, each message parsed once. */
            sec += best[p][k] * n;
            sec_med += med[p][k] * n;
            bytes += b;
            msgs += n;
        }
        if (msgs > 0) {
            printf("%-16s %-9s %9.1f %10.1f %14.0f %7.1f\n", parser_label[p], "combined",
                   bytes / sec / 1e6, bytes / sec_med / 1e6, msgs / sec, sec / msgs * 1e9);
            combined[p] = msgs / sec;
        }
    }
    if (combined[P_OURS] > 0 && combined[P_HTTP_PARSER] > 0)
        printf("ratio_vs_http_parser: %.2f\n", combined[P_OURS] / combined[P_HTTP_PARSER]);
    if (combined[P_OURS] > 0 && combined[P_PICO] > 0)
        printf("ratio_vs_picohttpparser: %.2f\n", combined[P_OURS] / combined[P_PICO]);
    free(times);
    return 0;
}
