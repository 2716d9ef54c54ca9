/* parser/dns.c - DNS queries and answers (dns.h).
 *
 * Every read goes through read_name and read_record, which check a length against what is
 * left of the message before they use it. Names are compared as text: lowercase labels
 * joined by '.', a label byte that no host name has (a dot, a control byte, non-ASCII)
 * written as '\x01', so such a name never equals a name portico asks for (those are
 * letters, digits, '-' and '_' only, pt_dns_query checks).
 *
 * A compression pointer must point before the start of the run of labels it ends (the
 * name's start, then each pointer's target): targets strictly decrease, so no pointer is
 * followed twice, and PT_DNS_MAX_JUMPS and the 255-byte limit of a name bound the loop
 * again whatever the bytes.
 */
#include "parser/dns.h"

#include <string.h>
#include <sys/socket.h>

#define HEADER 12
#define CLASS_IN 1
#define FLAG_QR 0x8000u
#define FLAG_TC 0x0200u
#define FLAG_RD 0x0100u
#define WIRE_NAME_MAX 255

struct record {
    uint16_t type;
    uint16_t class;
    uint32_t ttl;
    size_t rdata;  /* offset of the data */
    size_t rdlen;
};

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static int host_byte(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_';
}

static char text_byte(uint8_t c)
{
    if (!host_byte(c))
        return '\x01';
    return (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
}

/* Appends the label of n bytes at msg[at] to text (out: its length so far). */
static void append_label(const uint8_t *msg, size_t at, uint8_t n, char *text, size_t *out)
{
    if (*out)
        text[(*out)++] = '.';
    for (uint8_t i = 0; i < n; i++)
        text[(*out)++] = text_byte(msg[at + i]);
}

/* The name at off as text (PT_DNS_NAME_MAX + 1 bytes); *end gets the offset just past
 * it where it is written (past its first pointer, if any). 0, or -1 when it runs past
 * len, uses a reserved label type, points forward or too often, or is over 255 bytes. */
static int read_name(const uint8_t *msg, size_t len, size_t off, char *text, size_t *end)
{
    size_t at = off, run = off, out = 0, wire = 1;
    unsigned jumps = 0;
    int jumped = 0;

    for (;;) {
        uint8_t n;

        if (at >= len)
            return -1;
        n = msg[at];
        if ((n & 0xC0) == 0xC0) {
            size_t target;
            if (len - at < 2 || ++jumps > PT_DNS_MAX_JUMPS)
                return -1;
            target = (size_t)(n & 0x3F) << 8 | msg[at + 1];
            if (target >= run)
                return -1;
            if (!jumped)
                *end = at + 2;
            jumped = 1;
            at = run = target;
            continue;
        }
        if (n & 0xC0)
            return -1; /* 0x40 and 0x80: extended and reserved label types */
        if (n == 0)
            break;
        if (len - at - 1 < n || (wire += (size_t)n + 1) > WIRE_NAME_MAX)
            return -1;
        append_label(msg, at + 1, n, text, &out);
        at += (size_t)n + 1;
    }
    if (!jumped)
        *end = at + 1;
    text[out] = '\0';
    return 0;
}

/* The record at *at: its owner as text, its fixed fields and where its data is; *at
 * moves past it. 0, or -1 when it does not fit in the message. */
static int read_record(const uint8_t *msg, size_t len, size_t *at, char *owner,
                       struct record *r)
{
    size_t p;

    if (read_name(msg, len, *at, owner, &p) != 0 || len - p < 10)
        return -1;
    r->type = get16(msg + p);
    r->class = get16(msg + p + 2);
    r->ttl = get32(msg + p + 4);
    r->rdlen = get16(msg + p + 8);
    p += 10;
    if (r->rdlen > len - p)
        return -1;
    r->rdata = p;
    *at = p + r->rdlen;
    return 0;
}

/* name as compared: lowercase, without a final dot. -1 when too long. */
static int canonical(const char *name, char *out)
{
    size_t n = strlen(name);

    if (n && name[n - 1] == '.')
        n--;
    if (n == 0 || n > PT_DNS_NAME_MAX)
        return -1;
    for (size_t i = 0; i < n; i++)
        out[i] = name[i] == '.' ? '.' : text_byte((uint8_t)name[i]);
    out[n] = '\0';
    return 0;
}

int pt_dns_query(uint8_t *out, size_t cap, uint16_t id, const char *name, uint16_t type)
{
    size_t n = strlen(name), at = HEADER, label = 0;

    if (n && name[n - 1] == '.')
        n--;
    if (n == 0 || n > PT_DNS_NAME_MAX || cap < HEADER + n + 2 + 4)
        return -1;
    memset(out, 0, HEADER);
    put16(out, id);
    put16(out + 2, FLAG_RD);
    put16(out + 4, 1);
    for (size_t i = 0; i <= n; i++) {
        if (i == n || name[i] == '.') {
            size_t k = i - label;
            if (k == 0 || k > 63)
                return -1;
            out[at++] = (uint8_t)k;
            memcpy(out + at, name + label, k);
            at += k;
            label = i + 1;
        } else if (!host_byte((uint8_t)name[i])) {
            return -1;
        }
    }
    out[at++] = 0;
    put16(out + at, type);
    put16(out + at + 2, CLASS_IN);
    return (int)(at + 4);
}

/* ---- the answer ---------------------------------------------------------------------- */

static void take_ttl(struct pt_dns_result *out, uint32_t ttl)
{
    if (ttl & 0x80000000u) /* RFC 2181 8: a TTL with the top bit set is 0 */
        ttl = 0;
    if (ttl < out->ttl)
        out->ttl = ttl;
}

/* Each of count records from at fits (the answer section read once, so that the passes
 * below cannot fail on structure). */
static int records_fit(const uint8_t *msg, size_t len, size_t at, uint16_t count)
{
    char owner[PT_DNS_NAME_MAX + 1];
    struct record r;

    for (uint32_t i = 0; i < count; i++) {
        if (read_record(msg, len, &at, owner, &r) != 0)
            return -1;
    }
    return 0;
}

/* Follows one CNAME from cur (rewritten to its target): 1 when one was found, 0 when
 * none, -1 when its target is not a name. */
static int follow_cname(const uint8_t *msg, size_t len, size_t at, uint16_t count, char *cur,
                        struct pt_dns_result *out)
{
    char owner[PT_DNS_NAME_MAX + 1];
    struct record r;

    for (uint32_t i = 0; i < count; i++) {
        size_t end;
        if (read_record(msg, len, &at, owner, &r) != 0)
            return -1;
        if (r.type != PT_DNS_TYPE_CNAME || r.class != CLASS_IN || strcmp(owner, cur) != 0)
            continue;
        if (read_name(msg, len, r.rdata, owner, &end) != 0 || end > r.rdata + r.rdlen)
            return -1;
        memcpy(cur, owner, strlen(owner) + 1);
        take_ttl(out, r.ttl);
        out->cnames++;
        return 1;
    }
    return 0;
}

/* The records of type owned by cur into out. */
static int take_addrs(const uint8_t *msg, size_t len, size_t at, uint16_t count,
                      const char *cur, uint16_t type, struct pt_dns_result *out)
{
    char owner[PT_DNS_NAME_MAX + 1];
    size_t want = type == PT_DNS_TYPE_A ? 4 : 16;
    struct record r;

    for (uint32_t i = 0; i < count; i++) {
        if (read_record(msg, len, &at, owner, &r) != 0)
            return -1;
        if (r.type != type || r.class != CLASS_IN || strcmp(owner, cur) != 0)
            continue;
        if (r.rdlen != want)
            return -1;
        take_ttl(out, r.ttl);
        if (out->count == PT_DNS_MAX_ADDRS) {
            out->extra++;
            continue;
        }
        out->addrs[out->count].family = type == PT_DNS_TYPE_A ? AF_INET : AF_INET6;
        memcpy(out->addrs[out->count].addr, msg + r.rdata, want);
        out->count++;
    }
    return 0;
}

static enum pt_dns_status read_answers(const uint8_t *msg, size_t len, size_t at,
                                       uint16_t count, const char *qname, uint16_t type,
                                       struct pt_dns_result *out)
{
    char cur[PT_DNS_NAME_MAX + 1];
    int rc = 1;

    if (records_fit(msg, len, at, count) != 0)
        return PT_DNS_MALFORMED;
    memcpy(cur, qname, strlen(qname) + 1);
    for (uint32_t hops = 0; rc == 1 && hops <= PT_DNS_MAX_CNAMES; hops++)
        rc = follow_cname(msg, len, at, count, cur, out);
    if (rc != 0) /* a bad target, or still a CNAME after the last hop allowed (or a loop) */
        return PT_DNS_MALFORMED;
    return take_addrs(msg, len, at, count, cur, type, out) == 0 ? PT_DNS_ANSWER
                                                                : PT_DNS_MALFORMED;
}

/* The question echoed: 1 when it is ours, 0 when another, -1 when malformed; *at moves
 * past it. */
static int same_question(const uint8_t *msg, size_t len, size_t *at, const char *qname,
                         uint16_t type)
{
    char asked[PT_DNS_NAME_MAX + 1];
    size_t end;

    if (read_name(msg, len, *at, asked, &end) != 0 || len - end < 4)
        return -1;
    *at = end + 4;
    return strcmp(asked, qname) == 0 && get16(msg + end) == type &&
           get16(msg + end + 2) == CLASS_IN;
}

enum pt_dns_status pt_dns_parse(const uint8_t *msg, size_t len, uint16_t id, const char *name,
                                uint16_t type, struct pt_dns_result *out)
{
    char qname[PT_DNS_NAME_MAX + 1];
    uint16_t flags, qdcount;
    size_t at = HEADER;
    int q;

    memset(out, 0, sizeof(*out));
    out->ttl = UINT32_MAX;
    if (len < HEADER || get16(msg) != id || canonical(name, qname) != 0)
        return PT_DNS_OTHER;
    flags = get16(msg + 2);
    qdcount = get16(msg + 4);
    if (!(flags & FLAG_QR) || ((flags >> 11) & 0xF) != 0)
        return PT_DNS_OTHER; /* a query, or another opcode */
    out->rcode = (uint8_t)(flags & 0xF);
    if (qdcount == 0 && out->rcode != 0 && out->rcode != PT_DNS_RCODE_NXDOMAIN)
        return PT_DNS_FAILED; /* FORMERR, REFUSED... may come without the question */
    if (qdcount != 1)
        return PT_DNS_MALFORMED;
    q = same_question(msg, len, &at, qname, type);
    if (q <= 0)
        return q < 0 ? PT_DNS_MALFORMED : PT_DNS_OTHER;
    if (flags & FLAG_TC)
        return PT_DNS_TRUNCATED;
    if (out->rcode == PT_DNS_RCODE_NXDOMAIN)
        return PT_DNS_ANSWER;
    if (out->rcode != 0)
        return PT_DNS_FAILED;
    return read_answers(msg, len, at, get16(msg + 6), qname, type, out);
}

const char *pt_dns_status_text(enum pt_dns_status s)
{
    switch (s) {
    case PT_DNS_ANSWER: return "an answer";
    case PT_DNS_OTHER: return "not an answer to the query";
    case PT_DNS_MALFORMED: return "malformed answer";
    case PT_DNS_TRUNCATED: return "truncated answer";
    case PT_DNS_FAILED: return "server failure";
    }
    return "?";
}
