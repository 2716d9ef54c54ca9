/* parser/dns.h - DNS messages (RFC 1035) for the run-time resolver: a query for the A or
 * AAAA records of a name, and the answer to it, read from untrusted bytes.
 *
 * Not a Ragel machine, unlike the rest of parser/: a DNS message is binary, its fields are
 * counted (label lengths, record counts, RDLENGTH) and names may point back into the
 * message (compression), none of which a regular grammar expresses. It is read instead
 * through one bounded cursor, every length checked against what is left before it is
 * used, compression pointers followed in a loop (never recursion) that only goes
 * backwards and stops after PT_DNS_MAX_JUMPS. No I/O, no allocation.
 */
#ifndef PT_PARSER_DNS_H
#define PT_PARSER_DNS_H

#include <stddef.h>
#include <stdint.h>

#define PT_DNS_TYPE_A 1
#define PT_DNS_TYPE_CNAME 5
#define PT_DNS_TYPE_AAAA 28

#define PT_DNS_RCODE_NXDOMAIN 3

#define PT_DNS_NAME_MAX 253   /* a name as text, without the final dot */
#define PT_DNS_QUERY_MAX 512  /* a query's bytes at most (name 255 + 16) */
#define PT_DNS_MAX_ADDRS 64   /* addresses taken from one answer; more are counted only */
#define PT_DNS_MAX_JUMPS 16   /* compression pointers followed in one name */
#define PT_DNS_MAX_CNAMES 8   /* CNAME records followed from the name asked */

struct pt_dns_addr {
    uint8_t family;   /* AF_INET (4 bytes used) or AF_INET6 (16) */
    uint8_t addr[16]; /* network order */
};

/* What an answer said. */
struct pt_dns_result {
    uint8_t rcode;     /* 0, or PT_DNS_RCODE_NXDOMAIN (no addresses then) */
    uint32_t ttl;      /* seconds: the smallest TTL of the records used (the CNAMEs
                        * followed and the addresses); UINT32_MAX when none was used */
    uint32_t count;    /* addresses in addrs */
    uint32_t extra;    /* addresses past PT_DNS_MAX_ADDRS, left out */
    uint32_t cnames;   /* CNAME records followed */
    struct pt_dns_addr addrs[PT_DNS_MAX_ADDRS];
};

enum pt_dns_status {
    PT_DNS_ANSWER = 0, /* the answer to the query: *out filled (NOERROR or NXDOMAIN) */
    PT_DNS_OTHER,      /* not an answer to this query (short, another id, not a response,
                        * another question): ignore it and wait on */
    PT_DNS_MALFORMED,  /* answers this query but breaks the format (a count past the
                        * end, a bad label or pointer, a CNAME chain too long or looping,
                        * an address of the wrong length) */
    PT_DNS_TRUNCATED,  /* TC set: the answer did not fit (no TCP fallback here) */
    PT_DNS_FAILED,     /* an rcode other than NOERROR and NXDOMAIN (out->rcode) */
};

/* Writes a standard query (RD set) for name's records of type (A or AAAA) with id into
 * out (cap bytes). name is dotted text, a final dot allowed; its labels are letters,
 * digits, '-' and '_', 1 to 63 bytes each. Returns the length, or -1 when the name is
 * not such a name or out is too small. */
int pt_dns_query(uint8_t *out, size_t cap, uint16_t id, const char *name, uint16_t type);

/* Reads msg (len bytes, a datagram as received) as the answer to the query with id for
 * name's records of type. Names compare without regard to ASCII case. The answer
 * section's CNAME chain from name is followed (any order), then its records of type for
 * the chain's last name are taken; records of other classes than IN, types or owners are
 * skipped. out is filled only for PT_DNS_ANSWER (and rcode for PT_DNS_FAILED). */
enum pt_dns_status pt_dns_parse(const uint8_t *msg, size_t len, uint16_t id, const char *name,
                                uint16_t type, struct pt_dns_result *out);

/* What a status means, for logs ("malformed answer"). */
const char *pt_dns_status_text(enum pt_dns_status s);

#endif
