/* proxy/byte_ranges.c - byte_ranges.h. The range-specs come from parser/http_conditional.rl;
 * what they mean against a size is here, decided in nginx's order so that the same field
 * gets the same status from both. */
#include "proxy/byte_ranges.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>

#include "parser/http_conditional.h"

/* ---- judging a Range field ---- */

#define SPECS_ON_STACK 8

/* Holds spec against size: 1 with *out a satisfiable range, 0 when nothing of it is
 * (*start tells an empty file's range apart), -1 past off_t (nginx: 416). */
static int hold(const struct pt_http_range_spec *spec, uint64_t size, struct pt_byte_range *out,
                uint64_t *start)
{
    uint64_t a, end; /* [a, end) */

    if (spec->first > INT64_MAX || (spec->last != UINT64_MAX && spec->last > INT64_MAX))
        return -1;
    if (spec->is_suffix) {
        a = spec->first < size ? size - spec->first : 0;
        end = size;
    } else {
        a = spec->first;
        end = spec->last >= size ? size : spec->last + 1;
    }
    *start = a;
    if (a >= end)
        return 0;
    *out = (struct pt_byte_range){a, end - a};
    return 1;
}

/* nginx's ngx_http_range_parse over the parsed specs. */
static enum pt_ranges_result keep_satisfiable(const struct pt_http_range_spec *specs,
                                              uint32_t n, uint64_t size, uint64_t max_ranges,
                                              struct pt_byte_ranges *out)
{
    uint64_t sum = 0, start;

    for (uint32_t i = 0; i < n; i++) {
        struct pt_byte_range rg;
        int rc = hold(&specs[i], size, &rg, &start);
        if (rc < 0)
            return PT_RANGES_BAD;
        if (rc == 0) {
            if (start == 0) /* a range of an empty file: nginx sends it whole */
                return PT_RANGES_NONE;
            continue;
        }
        if (sum > INT64_MAX - rg.len)
            return PT_RANGES_BAD;
        sum += rg.len;
        out->list[out->count++] = rg;
        if (out->count > max_ranges)
            return PT_RANGES_NONE;
    }
    if (out->count == 0)
        return PT_RANGES_BAD;
    if (sum > size) /* overlapping ranges asking for more than the file */
        return PT_RANGES_NONE;
    return out->count == 1 ? PT_RANGES_ONE : PT_RANGES_MANY;
}

enum pt_ranges_result pt_byte_ranges_judge(const char *s, size_t len, uint64_t size,
                                           uint64_t max_ranges, struct pt_byte_ranges *out)
{
    struct pt_http_range_spec stack[SPECS_ON_STACK], *specs = stack;
    enum pt_ranges_result res;
    uint32_t n;

    out->count = 0;
    out->list = out->inline_list;
    if (max_ranges == 0 || len < 7 || strncasecmp(s, "bytes=", 6) != 0)
        return PT_RANGES_NONE; /* "bytes=" alone too, as nginx */
    if (pt_http_ranges_parse(s, len, stack, SPECS_ON_STACK, &n) != 0)
        return PT_RANGES_BAD;
    if (n > SPECS_ON_STACK) {
        specs = malloc((size_t)n * sizeof(*specs));
        if (specs == NULL)
            return PT_RANGES_NOMEM;
        if (pt_http_ranges_parse(s, len, specs, n, &n) != 0) {
            free(specs);
            return PT_RANGES_BAD;
        }
    }
    if (n > sizeof(out->inline_list) / sizeof(out->inline_list[0])) {
        out->list = malloc((size_t)n * sizeof(*out->list));
        if (out->list == NULL) {
            out->list = out->inline_list;
            if (specs != stack)
                free(specs);
            return PT_RANGES_NOMEM;
        }
    }
    res = keep_satisfiable(specs, n, size, max_ranges, out);
    if (specs != stack)
        free(specs);
    return res;
}

void pt_byte_ranges_cleanup(struct pt_byte_ranges *br)
{
    if (br->list != br->inline_list)
        free(br->list);
    br->list = br->inline_list;
    br->count = 0;
}

/* ---- multipart/byteranges ---- */

#define BOUNDARY_LEN 20
#define CLOSING_LEN (4 + BOUNDARY_LEN + 4) /* CRLF "--" boundary "--" CRLF */
/* Room for a part header but its type: CRLF "--" B CRLF, "Content-Type: " CRLF,
 * "Content-Range: bytes " a "-" b "/" size CRLF CRLF, with numbers of 20 digits. */
#define HEADER_FIXED (4 + BOUNDARY_LEN + 2 + 14 + 2 + 21 + 3 * 20 + 2 + 4)

/* nginx counts its boundaries up from a number shared by the workers; each worker here
 * counts up from a random start of its own, so workers (which share nothing) and restarts
 * rarely send the same boundary. */
static uint64_t next_boundary(void)
{
    static uint64_t counter;

    if (counter == 0 && getrandom(&counter, sizeof(counter), GRND_NONBLOCK) !=
                            (ssize_t)sizeof(counter))
        counter = (uint64_t)getpid() << 32 | (uint64_t)(uintptr_t)&counter;
    return ++counter;
}

struct pt_multipart *pt_multipart_new(const struct pt_byte_ranges *br, uint64_t size,
                                      const char *type)
{
    size_t type_len = strlen(type);
    size_t ranges = (size_t)br->count * sizeof(struct pt_byte_range);
    struct pt_multipart *m = malloc(sizeof(*m) + ranges + HEADER_FIXED + 2 * type_len + 1);
    char *tail;

    if (m == NULL)
        return NULL;
    memset(m, 0, sizeof(*m));
    memcpy(m->range, br->list, ranges);
    tail = (char *)m->range + ranges;
    memcpy(tail, type, type_len + 1);
    m->type = tail;
    m->type_len = type_len;
    m->header = tail + type_len + 1;
    m->count = br->count;
    m->size = size;
    snprintf(m->boundary, sizeof(m->boundary), "%020llu", (unsigned long long)next_boundary());
    return m;
}

void pt_multipart_free(struct pt_multipart *m)
{
    free(m);
}

void pt_multipart_content_type(const struct pt_multipart *m, char *out)
{
    snprintf(out, PT_MULTIPART_TYPE_MAX, "multipart/byteranges; boundary=%s", m->boundary);
}

static size_t put(char *out, size_t at, const char *s, size_t n)
{
    memcpy(out + at, s, n);
    return at + n;
}

#define PUT_LIT(out, at, lit) put((out), (at), (lit), sizeof(lit) - 1)

static unsigned digits(uint64_t v)
{
    unsigned n = 1;

    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

/* Part i's header, or the closing boundary for i == count, into out; its length. nginx
 * leaves a part's Content-Type out when the response has none. */
static size_t format_header(const struct pt_multipart *m, uint32_t i, char *out)
{
    const struct pt_byte_range *rg;
    size_t at = PUT_LIT(out, 0, "\r\n--");
    char line[96];
    int n;

    at = put(out, at, m->boundary, BOUNDARY_LEN);
    if (i == m->count)
        return PUT_LIT(out, at, "--\r\n");
    at = PUT_LIT(out, at, "\r\n");
    if (m->type_len) {
        at = PUT_LIT(out, at, "Content-Type: ");
        at = put(out, at, m->type, m->type_len);
        at = PUT_LIT(out, at, "\r\n");
    }
    rg = &m->range[i];
    n = snprintf(line, sizeof(line), "Content-Range: bytes %llu-%llu/%llu\r\n\r\n",
                 (unsigned long long)rg->start, (unsigned long long)(rg->start + rg->len - 1),
                 (unsigned long long)m->size);
    return put(out, at, line, (size_t)n);
}

void pt_multipart_format_header(struct pt_multipart *m, uint32_t i)
{
    m->header_len = (uint32_t)format_header(m, i, m->header);
    m->header_sent = 0;
}

uint64_t pt_multipart_length(const struct pt_multipart *m)
{
    uint64_t total = CLOSING_LEN;
    uint64_t each = 4 + BOUNDARY_LEN + 2 + (m->type_len ? 14 + m->type_len + 2 : 0) + 21 + 1 +
                    1 + digits(m->size) + 4; /* a part header but for its first and last */

    for (uint32_t i = 0; i < m->count; i++) {
        const struct pt_byte_range *rg = &m->range[i];
        total += each + digits(rg->start) + digits(rg->start + rg->len - 1) + rg->len;
    }
    return total;
}

int pt_multipart_read(const struct pt_multipart *m, int fd, char *out)
{
    size_t at = 0;

    for (uint32_t i = 0; i <= m->count; i++) {
        at += format_header(m, i, out + at);
        for (uint64_t got = 0; i < m->count && got < m->range[i].len;) {
            ssize_t n = pread(fd, out + at, (size_t)(m->range[i].len - got),
                              (off_t)(m->range[i].start + got));
            if (n <= 0)
                return -1;
            got += (uint64_t)n;
            at += (size_t)n;
        }
    }
    return 0;
}
