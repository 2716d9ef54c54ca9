/* tests/unit/test_uri.c - request-path normalisation (parser/uri.h).
 *
 * A table of paths and what nginx makes of them, each run through an input and an output
 * buffer of exactly the input's size on the heap (under -Db_sanitize=address a byte read
 * or written past either is a crash), in place, and through pt_uri_is_normal, which must
 * say 1 exactly when the path comes back unchanged.
 *
 * Every row below was checked against Debian's nginx 1.22.1 on loopback (merge_slashes
 * on, location / { return 200 "$uri"; }, each path sent raw in a request line): the same
 * bytes, or 400 where this table says REFUSED. Not sent: the rows that are not an
 * origin-form path ("", "a/b", "*", "%2Fa"), which the request grammar never passes on,
 * and "/?x" (nginx cuts the query there, as portico's caller does before this function).
 * The same check over 6,000 random paths built from "/", ".", "a", "+", "%", "%0", "%00",
 * "%2e", "%2E", "%2f", "%2F", "%41", "%25", "%3F", "%23" and "%c3" found no difference.
 */
#include <stdlib.h>
#include <string.h>

#include "parser/uri.h"
#include "tests/tap.h"

#define REFUSED NULL

struct uri_case {
    const char *in;
    const char *out; /* REFUSED: pt_uri_normalize returns -1 */
};

static const struct uri_case cases[] = {
    /* Plain paths come back as they are. */
    {"/", "/"},
    {"/index.html", "/index.html"},
    {"/a/b/c", "/a/b/c"},
    {"/a/b/c/", "/a/b/c/"},
    {"/a+b", "/a+b"},                               /* '+' is not a space */
    {"/a;p=1,2/b", "/a;p=1,2/b"},
    {"/~user/_x-y", "/~user/_x-y"},
    {"/.hidden", "/.hidden"},
    {"/a.", "/a."},
    {"/a..b/", "/a..b/"},
    {"/...", "/..."},
    {"/.../a", "/.../a"},
    {"/a/..b", "/a/..b"},
    {"/a/b..", "/a/b.."},
    {"/a/.b/c", "/a/.b/c"},
    {"/?x", "/?x"},                                 /* the caller has already cut the query */
    /* Percent-decoding. */
    {"/%41", "/A"},
    {"/%61%62%63", "/abc"},
    {"/a%20b", "/a b"},
    {"/%2B", "/+"},
    {"/%25", "/%"},
    {"/%2541", "/%41"},                             /* decoded once, not twice */
    {"/%3F", "/?"},
    {"/%23", "/#"},
    {"/%0a", "/\n"},
    {"/%7f", "/\x7f"},
    {"/%C3%A9t%c3%a9", "/\xc3\xa9t\xc3\xa9"},       /* UTF-8 kept as bytes */
    {"/\xc3\xa9t\xc3\xa9/", "/\xc3\xa9t\xc3\xa9/"}, /* raw UTF-8 */
    {"/%ff%80", "/\xff\x80"},
    /* A decoded '/' is a slash. */
    {"/a%2Fb", "/a/b"},
    {"/a%2fb", "/a/b"},
    {"%2Fa", REFUSED},                              /* the first byte must be a raw '/' */
    {"/%2F%2F", "/"},
    {"/a%2F%2Fb", "/a/b"},
    /* Merged slashes. */
    {"//a///b", "/a/b"},
    {"//", "/"},
    {"/a//", "/a/"},
    {"///", "/"},
    /* "." segments. */
    {"/./a", "/a"},
    {"/a/./b", "/a/b"},
    {"/a/.", "/a/"},
    {"/a/./", "/a/"},
    {"/.", "/"},
    {"/./", "/"},
    {"/././.", "/"},
    {"/a/%2e/b", "/a/b"},
    {"/a/%2E", "/a/"},
    {"/a%2F.%2Fb", "/a/b"},
    {"/a/.//b", "/a/b"},
    /* ".." segments. */
    {"/a/../b", "/b"},
    {"/a/b/..", "/a/"},
    {"/a/b/../", "/a/"},
    {"/a/b/../c", "/a/c"},
    {"/a/b/c/../../d", "/a/d"},
    {"/a/..", "/"},
    {"/a/../", "/"},
    {"/a/%2e%2E/b", "/b"},
    {"/a/.%2e", "/"},
    {"/a/b%2F..%2Fc", "/a/c"},
    {"/a//../b", "/b"},                             /* the merged slash leaves one segment */
    {"/a/./../b", "/b"},
    {"/a/b/./../c", "/a/c"},
    {"/%2e%2e%2e/x", "/.../x"},
    /* ".." above the root: 400. */
    {"/..", REFUSED},
    {"/../", REFUSED},
    {"/../a", REFUSED},
    {"/a/../../b", REFUSED},
    {"/a/../..", REFUSED},
    {"/%2e%2e/x", REFUSED},
    {"/%2E%2E", REFUSED},
    {"/.%2e/", REFUSED},
    {"/a%2F..%2F..%2Fb", REFUSED},
    {"/./../a", REFUSED},
    {"//../a", REFUSED},
    /* Bad escapes and NUL: 400. */
    {"/%00", REFUSED},
    {"/a%00b", REFUSED},
    {"/%0", REFUSED},
    {"/%", REFUSED},
    {"/%zz", REFUSED},
    {"/%g1", REFUSED},
    {"/%1g", REFUSED},
    {"/.%", REFUSED},
    {"/..%2", REFUSED},
    /* Not a path. */
    {"", REFUSED},
    {"a/b", REFUSED},
    {"*", REFUSED},
};

/* A path as a check's name: controls and 8-bit bytes as \xNN, long paths by length. */
static const char *shown(const char *s, size_t len, char buf[static 128])
{
    size_t k = 0;

    if (len > 30) {
        snprintf(buf, 128, "(%zu bytes)", len);
        return buf;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c >= 0x7f)
            k += (size_t)snprintf(buf + k, 128 - k, "\\x%02x", c);
        else
            buf[k++] = (char)c;
    }
    buf[k] = '\0';
    return buf;
}

/* In and out both exactly len bytes on the heap, so ASan sees any byte past either. */
static int normalize_exact(const char *in, size_t len, char **out, size_t *out_len)
{
    char *src = malloc(len ? len : 1), *dst = malloc(len ? len : 1);
    int rc;

    memcpy(src, in, len);
    rc = pt_uri_normalize(src, len, dst, out_len);
    free(src);
    *out = dst;
    return rc;
}

static void check_case(const struct uri_case *c, size_t len)
{
    char *out, *again, name[128], want[128], got[128];
    size_t out_len = 0, again_len = 0;
    int rc = normalize_exact(c->in, len, &out, &out_len);
    int same = rc == 0 && out_len == len && memcmp(out, c->in, len) == 0;
    const char *shown_in = shown(c->in, len, name);

    if (c->out == REFUSED) {
        TAP_INT(rc, -1, "\"%s\" is refused", shown_in);
    } else {
        size_t want_len = strlen(c->out);
        int ok = rc == 0 && out_len == want_len && memcmp(out, c->out, out_len) == 0;
        tap_ok(ok, "\"%s\" normalises to \"%s\"", shown_in, shown(c->out, want_len, want));
        if (!ok)
            tap_diag("got rc %d, \"%s\"", rc, rc == 0 ? shown(out, out_len, got) : "");
    }
    TAP_INT(pt_uri_is_normal(c->in, len), same, "\"%s\": pt_uri_is_normal agrees", shown_in);

    /* In place, the result is the same. */
    again = malloc(len ? len : 1);
    memcpy(again, c->in, len);
    if (rc == 0) {
        int rc2 = pt_uri_normalize(again, len, again, &again_len);
        TAP_INT(rc2 == 0 && again_len == out_len && memcmp(again, out, out_len) == 0, 1,
                "\"%s\" normalised in place is the same", shown_in);
    }
    /* A decoded result without '%' is normal: nothing is left for a second pass. */
    if (rc == 0 && memchr(out, '%', out_len) == NULL)
        TAP_INT(pt_uri_is_normal(out, out_len), 1, "\"%s\": the result is normal", shown_in);
    free(again);
    free(out);
}

static void table(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_case(&cases[i], strlen(cases[i].in));
}

/* Long paths: nginx's default large_client_header_buffers line is 8k. */
static void long_paths(void)
{
    enum { N = 2000 };
    static char in[N * 5 + 16], want[N * 5 + 16];
    struct uri_case c = {in, want};
    size_t k = 0;

    /* "/abc" N times is normal. */
    for (int i = 0; i < N; i++)
        memcpy(in + 4 * i, "/abc", 4);
    in[4 * N] = '\0';
    strcpy(want, in);
    check_case(&c, strlen(in));

    /* "/a" N times then "/.." N times climbs back to "/". */
    for (int i = 0; i < N; i++)
        k += (size_t)sprintf(in + k, "/a");
    for (int i = 0; i < N; i++)
        k += (size_t)sprintf(in + k, "/..");
    strcpy(want, "/");
    check_case(&c, k);

    /* ... and once more is refused. */
    strcpy(in + k, "/..");
    c.out = REFUSED;
    check_case(&c, k + 3);

    /* "%41" 2000 times is 2000 'A's after the '/'. */
    in[0] = want[0] = '/';
    for (int i = 0; i < N; i++) {
        memcpy(in + 1 + 3 * i, "%41", 3);
        want[1 + i] = 'A';
    }
    in[1 + 3 * N] = '\0';
    want[1 + N] = '\0';
    c.out = want;
    check_case(&c, strlen(in));

    /* 8000 slashes are one. */
    memset(in, '/', 8000);
    in[8000] = '\0';
    strcpy(want, "/");
    check_case(&c, 8000);
}

/* Every path of up to 6 units over a small alphabet: the result is never longer than the
 * input (ASan checks the buffer), and pt_uri_is_normal never says 1 for a path that
 * changes or is refused. */
static void exhaustive(void)
{
    static const char *units[] = {"/", ".", "a", "%2e", "%2F", "%41", "%25", "%0", "%00"};
    enum { U = sizeof units / sizeof units[0], DEPTH = 6 };
    unsigned long total = 0, bad = 0;
    int idx[DEPTH];

    for (int depth = 1; depth <= DEPTH; depth++) {
        unsigned long count = 1;
        for (int i = 0; i < depth; i++)
            count *= U;
        for (unsigned long v = 0; v < count; v++) {
            char in[DEPTH * 3 + 2] = "/", *out;
            size_t len = 1, out_len = 0;
            unsigned long w = v;

            for (int i = 0; i < depth; i++, w /= U) {
                idx[i] = (int)(w % U);
                strcpy(in + len, units[idx[i]]);
                len += strlen(units[idx[i]]);
            }
            int rc = normalize_exact(in, len, &out, &out_len);
            int same = rc == 0 && out_len == len && memcmp(out, in, len) == 0;
            if ((rc == 0 && (out_len > len || out_len == 0 || out[0] != '/')) ||
                pt_uri_is_normal(in, len) != same) {
                if (bad++ < 5)
                    tap_diag("odd result for \"%s\": rc %d, \"%.*s\"", in, rc, (int)out_len,
                             out);
            }
            free(out);
            total++;
        }
    }
    TAP_INT(bad, 0, "%lu generated paths: results begin with '/', never grow, and "
                    "pt_uri_is_normal agrees", total);
}

int main(void)
{
    table();
    long_paths();
    exhaustive();
    return tap_done();
}
