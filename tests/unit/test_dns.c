/* tests/unit/test_dns.c - parser/dns: queries as RFC 1035 writes them, and answers read
 * from hostile bytes: every truncation of a good answer, wrong ids and questions, counts
 * past the end, compression pointers that loop, point forward or chain too long, names
 * over 255 bytes, reserved label types, addresses of the wrong length, CNAME chains in
 * any order (too long, looping), case, classes, more addresses than kept, and a few
 * thousand random mutations that must only ever give one of the statuses. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "parser/dns.h"
#include "tests/tap.h"

#define ID 0x1234

struct msg {
    uint8_t b[8192];
    size_t n;
};

static void put8(struct msg *m, unsigned v)
{
    m->b[m->n++] = (uint8_t)v;
}

static void put16(struct msg *m, unsigned v)
{
    put8(m, v >> 8);
    put8(m, v & 0xff);
}

static void put32(struct msg *m, uint32_t v)
{
    put16(m, v >> 16);
    put16(m, v & 0xffff);
}

/* A dotted name as labels (no compression). */
static void put_name(struct msg *m, const char *name)
{
    while (*name) {
        const char *dot = strchr(name, '.');
        size_t k = dot ? (size_t)(dot - name) : strlen(name);
        put8(m, (unsigned)k);
        memcpy(m->b + m->n, name, k);
        m->n += k;
        name += k + (dot ? 1 : 0);
    }
    put8(m, 0);
}

static void header(struct msg *m, unsigned id, unsigned flags, unsigned qd, unsigned an)
{
    m->n = 0;
    put16(m, id);
    put16(m, flags);
    put16(m, qd);
    put16(m, an);
    put16(m, 0);
    put16(m, 0);
}

static void question(struct msg *m, const char *name, unsigned type)
{
    put_name(m, name);
    put16(m, type);
    put16(m, 1);
}

/* An A record owned by the question's name (a pointer to offset 12). */
static void a_record(struct msg *m, const char *ip, uint32_t ttl)
{
    struct in_addr a;

    inet_pton(AF_INET, ip, &a);
    put16(m, 0xC00C);
    put16(m, 1);
    put16(m, 1);
    put32(m, ttl);
    put16(m, 4);
    memcpy(m->b + m->n, &a, 4);
    m->n += 4;
}

/* After an owner name written by hand: type A, class IN, ttl, 10.0.0.1. */
static void a_rdata(struct msg *m, uint32_t ttl)
{
    put16(m, 1);
    put16(m, 1);
    put32(m, ttl);
    put16(m, 4);
    put32(m, 0x0a000001);
}

static void record_named(struct msg *m, const char *owner, unsigned type, uint32_t ttl)
{
    put_name(m, owner);
    put16(m, type);
    put16(m, 1);
    put32(m, ttl);
}

static void cname(struct msg *m, const char *owner, const char *target, uint32_t ttl)
{
    struct msg t = {.n = 0};

    put_name(&t, target);
    record_named(m, owner, 5, ttl);
    put16(m, (unsigned)t.n);
    memcpy(m->b + m->n, t.b, t.n);
    m->n += t.n;
}

static void a_named(struct msg *m, const char *owner, const char *ip, uint32_t ttl)
{
    struct in_addr a;

    inet_pton(AF_INET, ip, &a);
    record_named(m, owner, 1, ttl);
    put16(m, 4);
    memcpy(m->b + m->n, &a, 4);
    m->n += 4;
}

static enum pt_dns_status parse(const struct msg *m, const char *name, unsigned type,
                                struct pt_dns_result *r)
{
    return pt_dns_parse(m->b, m->n, ID, name, (uint16_t)type, r);
}

static char ip_text[INET6_ADDRSTRLEN];

static const char *ip_of(const struct pt_dns_result *r, uint32_t i)
{
    inet_ntop(r->addrs[i].family, r->addrs[i].addr, ip_text, sizeof(ip_text));
    return ip_text;
}

/* ---- queries ---- */

static void queries(void)
{
    uint8_t q[PT_DNS_QUERY_MAX];
    static const uint8_t want[] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
                                   3, 'a', 'p', 'p', 4, 't', 'e', 's', 't', 0, 0, 28, 0, 1};
    char long_label[80], long_name[300];
    int n = pt_dns_query(q, sizeof(q), ID, "app.test", PT_DNS_TYPE_AAAA);

    TAP_INT(n, (int)sizeof(want), "a query for app.test AAAA: 26 bytes");
    tap_ok(n == (int)sizeof(want) && memcmp(q, want, sizeof(want)) == 0,
           "id, RD, one question, labels, type, class IN");
    TAP_INT(pt_dns_query(q, sizeof(q), ID, "app.test.", PT_DNS_TYPE_A), 26,
            "a final dot is the same name");
    TAP_INT(pt_dns_query(q, sizeof(q), ID, "a..b", 1), -1, "an empty label is refused");
    TAP_INT(pt_dns_query(q, sizeof(q), ID, ".", 1), -1, "the root alone is refused");
    TAP_INT(pt_dns_query(q, sizeof(q), ID, "a b.test", 1), -1, "a space is refused");
    TAP_INT(pt_dns_query(q, sizeof(q), ID, "a\\.b", 1), -1, "a backslash is refused");
    memset(long_label, 'x', 64);
    long_label[64] = '\0';
    TAP_INT(pt_dns_query(q, sizeof(q), ID, long_label, 1), -1, "a 64-byte label is refused");
    long_label[63] = '\0';
    TAP_INT(pt_dns_query(q, sizeof(q), ID, long_label, 1), 12 + 65 + 4, "63 bytes is fine");
    memset(long_name, 0, sizeof(long_name));
    for (int i = 0; i < 127; i++)
        memcpy(long_name + 2 * i, "a.", 2);
    long_name[253] = '\0'; /* 127 labels of "a": 253 bytes of text */
    TAP_INT(pt_dns_query(q, sizeof(q), ID, long_name, 1) > 0, 1, "a name of 253 bytes is fine");
    long_name[253] = 'b';
    long_name[254] = '\0';
    TAP_INT(pt_dns_query(q, sizeof(q), ID, long_name, 1), -1, "254 bytes is refused");
    TAP_INT(pt_dns_query(q, 20, ID, "app.test", 1), -1, "a buffer too small is refused");
}

/* ---- good answers ---- */

static void good(struct msg *m)
{
    header(m, ID, 0x8180, 1, 2);
    question(m, "app.test", 1);
    a_record(m, "10.0.0.1", 30);
    a_record(m, "10.0.0.2", 20);
}

static void answers(void)
{
    struct msg m;
    struct pt_dns_result r;

    good(&m);
    TAP_INT(parse(&m, "app.test", 1, &r), PT_DNS_ANSWER, "two A records: an answer");
    TAP_INT(r.count, 2, "two addresses");
    TAP_STR(ip_of(&r, 0), "10.0.0.1", "the first");
    TAP_STR(ip_of(&r, 1), "10.0.0.2", "the second");
    TAP_INT(r.ttl, 20, "the smaller TTL");
    TAP_INT(parse(&m, "APP.Test.", 1, &r), PT_DNS_ANSWER, "the name asked, in other case");

    header(&m, ID, 0x8183, 1, 0);
    question(&m, "app.test", 1);
    TAP_INT(parse(&m, "app.test", 1, &r), PT_DNS_ANSWER, "NXDOMAIN is an answer");
    TAP_INT(r.rcode, PT_DNS_RCODE_NXDOMAIN, "rcode 3");
    TAP_INT(r.count, 0, "without addresses");

    header(&m, ID, 0x8180, 1, 0);
    question(&m, "app.test", 28);
    TAP_INT(parse(&m, "app.test", 28, &r), PT_DNS_ANSWER, "no AAAA record (NODATA): an answer");
    TAP_INT(r.count, 0, "without addresses");
    TAP_INT(r.ttl, UINT32_MAX, "no TTL used");

    header(&m, ID, 0x8180, 1, 1);
    question(&m, "app.test", 28);
    record_named(&m, "app.test", 28, 7);
    put16(&m, 16);
    for (int i = 0; i < 15; i++)
        put8(&m, 0);
    put8(&m, 1);
    TAP_INT(parse(&m, "app.test", 28, &r), PT_DNS_ANSWER, "an AAAA record");
    TAP_INT(r.addrs[0].family, AF_INET6, "IPv6");
    TAP_STR(ip_of(&r, 0), "::1", "::1");

    header(&m, ID, 0x8180, 1, 3);
    question(&m, "app.test", 1);
    a_named(&m, "other.test", "10.9.9.9", 5);
    record_named(&m, "app.test", 1, 5);
    m.b[m.n - 5] = 3; /* class CH */
    put16(&m, 4);
    put32(&m, 0x0a090909);
    a_named(&m, "App.TEST", "10.0.0.3", 0x80000001u);
    TAP_INT(parse(&m, "app.test", 1, &r), PT_DNS_ANSWER, "records of others skipped");
    TAP_INT(r.count, 1, "only the IN record of the name (any case)");
    TAP_STR(ip_of(&r, 0), "10.0.0.3", "10.0.0.3");
    TAP_INT(r.ttl, 0, "a TTL with the top bit set counts as 0");

    header(&m, ID, 0x8180, 1, 70);
    question(&m, "app.test", 1);
    for (int i = 0; i < 70; i++) {
        char ip[32];
        snprintf(ip, sizeof(ip), "10.1.0.%d", i + 1);
        a_record(&m, ip, 60);
    }
    TAP_INT(parse(&m, "app.test", 1, &r), PT_DNS_ANSWER, "70 addresses: an answer");
    TAP_INT(r.count, PT_DNS_MAX_ADDRS, "64 kept");
    TAP_INT(r.extra, 6, "6 counted as left out");
}

/* ---- CNAME chains ---- */

static void chains(void)
{
    struct msg m;
    struct pt_dns_result r;
    char from[32], to[32];

    header(&m, ID, 0x8180, 1, 3);
    question(&m, "app.test", 1);
    a_named(&m, "y.svc", "10.2.0.1", 40);    /* the chain's records in any order */
    cname(&m, "x.svc", "Y.svc", 50);
    cname(&m, "app.test", "x.svc", 30);
    TAP_INT(parse(&m, "app.test", 1, &r), PT_DNS_ANSWER, "a CNAME chain of two");
    TAP_INT(r.cnames, 2, "two followed");
    TAP_INT(r.count, 1, "to the address of its last name");
    TAP_STR(ip_of(&r, 0), "10.2.0.1", "10.2.0.1");
    TAP_INT(r.ttl, 30, "the smallest TTL along the chain");

    header(&m, ID, 0x8180, 1, 3);
    question(&m, "app.test", 1);
    cname(&m, "app.test", "x.svc", 30);
    a_named(&m, "app.test", "10.6.6.6", 30); /* beside a CNAME: not the chain's end */
    a_named(&m, "x.svc", "10.2.0.2", 30);
    TAP_INT(parse(&m, "app.test", 1, &r), PT_DNS_ANSWER, "a CNAME and an A for one name");
    TAP_STR(r.count == 1 ? ip_of(&r, 0) : "", "10.2.0.2", "the chain wins");

    header(&m, ID, 0x8180, 1, 2);
    question(&m, "app.test", 1);
    cname(&m, "app.test", "x.svc", 30);
    cname(&m, "x.svc", "app.test", 30);
    TAP_INT(parse(&m, "app.test", 1, &r), PT_DNS_MALFORMED, "a CNAME loop: malformed");

    for (int len = PT_DNS_MAX_CNAMES; len <= PT_DNS_MAX_CNAMES + 1; len++) {
        header(&m, ID, 0x8180, 1, (unsigned)len + 1);
        question(&m, "app.test", 1);
        for (int i = 0; i < len; i++) {
            snprintf(from, sizeof(from), i ? "c%d.test" : "app.test", i);
            snprintf(to, sizeof(to), "c%d.test", i + 1);
            cname(&m, from, to, 30);
        }
        a_named(&m, to, "10.3.0.1", 30);
        TAP_INT(parse(&m, "app.test", 1, &r),
                len <= PT_DNS_MAX_CNAMES ? PT_DNS_ANSWER : PT_DNS_MALFORMED,
                "a chain of %d CNAMEs: %s", len,
                len <= PT_DNS_MAX_CNAMES ? "followed" : "too long, malformed");
    }

    header(&m, ID, 0x8180, 1, 1);
    question(&m, "app.test", 1);
    record_named(&m, "app.test", 5, 30);
    put16(&m, 3);
    put8(&m, 5);   /* a label of 5 in 3 bytes of RDATA... */
    put8(&m, 'x');
    put8(&m, 'y');
    a_named(&m, "x.svc", "10.0.0.1", 1); /* ...reading into the next bytes */
    m.b[7] = 1;
    TAP_INT(parse(&m, "app.test", 1, &r), PT_DNS_MALFORMED,
            "a CNAME target running past its RDATA: malformed");
}

/* ---- not ours, failures ---- */

static void not_ours(void)
{
    struct msg m;
    struct pt_dns_result r;

    good(&m);
    TAP_INT(pt_dns_parse(m.b, m.n, ID + 1, "app.test", 1, &r), PT_DNS_OTHER, "another id");
    TAP_INT(parse(&m, "other.test", 1, &r), PT_DNS_OTHER, "another name asked");
    TAP_INT(parse(&m, "app.test", 28, &r), PT_DNS_OTHER, "another type asked");
    m.b[2] &= 0x7f;
    TAP_INT(parse(&m, "app.test", 1, &r), PT_DNS_OTHER, "QR clear: a query, not an answer");
    good(&m);
    m.b[2] |= 0x10; /* opcode 2 */
    TAP_INT(parse(&m, "app.test", 1, &r), PT_DNS_OTHER, "another opcode");
    TAP_INT(pt_dns_parse(m.b, 11, ID, "app.test", 1, &r), PT_DNS_OTHER, "shorter than a header");
    TAP_INT(pt_dns_parse(m.b, 0, ID, "app.test", 1, &r), PT_DNS_OTHER, "empty");

    good(&m);
    m.b[2] |= 0x02;
    TAP_INT(parse(&m, "app.test", 1, &r), PT_DNS_TRUNCATED, "TC: truncated");
    good(&m);
    m.b[3] = 0x82;
    TAP_INT(parse(&m, "app.test", 1, &r), PT_DNS_FAILED, "SERVFAIL: failed");
    TAP_INT(r.rcode, 2, "rcode 2 reported");
    header(&m, ID, 0x8185, 0, 0);
    TAP_INT(parse(&m, "app.test", 1, &r), PT_DNS_FAILED, "REFUSED without the question");
    header(&m, ID, 0x8180, 0, 0);
    TAP_INT(parse(&m, "app.test", 1, &r), PT_DNS_MALFORMED, "NOERROR without the question");
    header(&m, ID, 0x8180, 2, 0);
    question(&m, "app.test", 1);
    question(&m, "app.test", 1);
    TAP_INT(parse(&m, "app.test", 1, &r), PT_DNS_MALFORMED, "two questions");
}

/* ---- hostile structure ---- */

static void truncations(void)
{
    struct msg m;
    struct pt_dns_result r;
    int bad = 0;

    good(&m);
    for (size_t len = 0; len < m.n; len++) {
        enum pt_dns_status s = pt_dns_parse(m.b, len, ID, "app.test", 1, &r);
        if (s == PT_DNS_ANSWER || (len >= 12 && s != PT_DNS_MALFORMED))
            bad++;
    }
    TAP_INT(bad, 0, "every truncation of a good answer (%zu): never an answer, malformed "
            "once past the header", m.n);
}

static void counts(void)
{
    struct msg m;
    struct pt_dns_result r;

    good(&m);
    m.b[6] = 0xff;
    m.b[7] = 0xff;
    TAP_INT(parse(&m, "app.test", 1, &r), PT_DNS_MALFORMED, "ancount 65535 with 2 records");
    good(&m);
    m.b[7] = 3;
    TAP_INT(parse(&m, "app.test", 1, &r), PT_DNS_MALFORMED, "ancount one past the records");
    good(&m);
    m.b[m.n - 5] = 200; /* the last RDLENGTH: past the end */
    TAP_INT(parse(&m, "app.test", 1, &r), PT_DNS_MALFORMED, "RDLENGTH past the end");
    good(&m);
    m.b[m.n - 5] = 5;
    put8(&m, 0);
    TAP_INT(parse(&m, "app.test", 1, &r), PT_DNS_MALFORMED, "an A record of 5 bytes");
}

static void pointers(void)
{
    struct msg m;
    struct pt_dns_result r;
    size_t at;

    header(&m, ID, 0x8180, 1, 1);
    question(&m, "app.test", 1);
    at = m.n;
    put16(&m, 0xC000 | (unsigned)at); /* the owner points at itself */
    a_rdata(&m, 1);
    TAP_INT(parse(&m, "app.test", 1, &r), PT_DNS_MALFORMED, "a pointer to itself");

    m.b[at] = 0xC0;
    m.b[at + 1] = (uint8_t)(at + 2); /* forward */
    TAP_INT(parse(&m, "app.test", 1, &r), PT_DNS_MALFORMED, "a pointer forward");

    /* label "a" then a pointer back to that label: a loop through a label */
    header(&m, ID, 0x8180, 1, 1);
    question(&m, "app.test", 1);
    at = m.n;
    put8(&m, 1);
    put8(&m, 'a');
    put16(&m, 0xC000 | (unsigned)at);
    a_rdata(&m, 1);
    TAP_INT(parse(&m, "app.test", 1, &r), PT_DNS_MALFORMED, "a pointer back into its own name");

    /* the question's name reached through a pointer: fine */
    header(&m, ID, 0x8180, 1, 1);
    question(&m, "app.test", 1);
    put8(&m, 3);
    put8(&m, 'A');
    put8(&m, 'P');
    put8(&m, 'P');
    put16(&m, 0xC000 | 16); /* "test" of the question */
    put16(&m, 1);
    put16(&m, 1);
    put32(&m, 9);
    put16(&m, 4);
    put32(&m, 0x0a000005);
    TAP_INT(parse(&m, "app.test", 1, &r), PT_DNS_ANSWER, "a label then a pointer: fine");
    TAP_INT(r.count, 1, "its address taken");

    /* a chain of pointers (in an unknown record's data), each to the one before, the
     * first to a root name; the second record's owner points at the last: k + 1 jumps */
    for (int k = PT_DNS_MAX_JUMPS - 1; k <= PT_DNS_MAX_JUMPS; k++) {
        size_t last;
        header(&m, ID, 0x8180, 1, 2);
        question(&m, "app.test", 1);
        record_named(&m, "filler.test", 99, 1);
        put16(&m, 1 + 2 * (unsigned)k);
        last = m.n;
        put8(&m, 0);
        for (int i = 0; i < k; i++) {
            size_t prev = last;
            last = m.n;
            put16(&m, 0xC000 | (unsigned)prev);
        }
        put16(&m, 0xC000 | (unsigned)last);
        a_rdata(&m, 1);
        TAP_INT(parse(&m, "app.test", 1, &r), k < PT_DNS_MAX_JUMPS ? PT_DNS_ANSWER
                                                                  : PT_DNS_MALFORMED,
                "a name through %d pointers: %s", k + 1,
                k < PT_DNS_MAX_JUMPS ? "followed" : "refused");
    }

    header(&m, ID, 0x8180, 1, 1);
    question(&m, "app.test", 1);
    put8(&m, 0x41); /* label type 01: extended */
    put8(&m, 0);
    a_rdata(&m, 1);
    TAP_INT(parse(&m, "app.test", 1, &r), PT_DNS_MALFORMED, "a reserved label type");

    /* a name over 255 bytes: 5 labels of 63 */
    header(&m, ID, 0x8180, 1, 1);
    question(&m, "app.test", 1);
    for (int i = 0; i < 5; i++) {
        put8(&m, 63);
        memset(m.b + m.n, 'x', 63);
        m.n += 63;
    }
    put8(&m, 0);
    a_rdata(&m, 1);
    TAP_INT(parse(&m, "app.test", 1, &r), PT_DNS_MALFORMED, "a name of 321 bytes");

    /* a label holding a dot: "app.test" as one label never is app.test */
    header(&m, ID, 0x8180, 1, 1);
    question(&m, "app.test", 1);
    put8(&m, 8);
    memcpy(m.b + m.n, "app.test", 8);
    m.n += 8;
    put8(&m, 0);
    a_rdata(&m, 1);
    TAP_INT(parse(&m, "app.test", 1, &r), PT_DNS_ANSWER, "a label with a dot in it");
    TAP_INT(r.count, 0, "matches nothing");
}

/* Random mutations of a good answer with a CNAME: whatever the bytes, a status. */
static void mutations(void)
{
    struct msg base, m;
    struct pt_dns_result r;
    uint32_t x = 2463534242u, odd = 0, answers = 0;

    header(&base, ID, 0x8180, 1, 3);
    question(&base, "app.test", 1);
    cname(&base, "app.test", "x.svc", 30);
    a_named(&base, "x.svc", "10.0.0.1", 30);
    a_record(&base, "10.0.0.2", 30);
    for (int i = 0; i < 20000; i++) {
        m = base;
        for (int k = 0; k < 1 + i % 4; k++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            m.b[12 + x % (m.n - 12)] = (uint8_t)(x >> 8);
        }
        if (i % 3 == 0)
            m.n -= x % 8;
        enum pt_dns_status s = parse(&m, "app.test", 1, &r);
        odd += s > PT_DNS_FAILED || (s == PT_DNS_ANSWER && r.count > PT_DNS_MAX_ADDRS);
        answers += s == PT_DNS_ANSWER;
    }
    TAP_INT(odd, 0, "20000 mutated answers: each a status, never more addresses than kept");
    tap_ok(answers > 0, "some still answer (%u)", answers);
}

int main(void)
{
    queries();
    answers();
    chains();
    not_ours();
    truncations();
    counts();
    pointers();
    mutations();
    return tap_done();
}
