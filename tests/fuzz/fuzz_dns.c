/* tests/fuzz/fuzz_dns.c - libFuzzer target for parser/dns's answer reader (the run-time
 * resolver's hostile input).
 *
 * The input is one datagram. It is read as the answer to the queries portico would send
 * for "app.test" (A, then AAAA), with the id its own first two bytes carry, so that the
 * fuzzer gets past the id at once. Each read runs on a heap copy of exactly the input's
 * length (ASan sees a read past the end). Invariants: the status is one of the five; an
 * answer holds at most PT_DNS_MAX_ADDRS addresses, each of the family asked for, and an
 * NXDOMAIN none; a second read gives the same result (no hidden state).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "parser/dns.h"

static void check(int ok, const char *name)
{
    if (!ok) {
        fprintf(stderr, "portico-fuzz: invariant %s broken\n", name);
        abort();
    }
}

static void read_as(const uint8_t *msg, size_t len, uint16_t id, uint16_t type)
{
    struct pt_dns_result a, b;
    enum pt_dns_status s = pt_dns_parse(msg, len, id, "app.test", type, &a);
    uint8_t family = type == PT_DNS_TYPE_A ? AF_INET : AF_INET6;

    check(s <= PT_DNS_FAILED, "status");
    check(pt_dns_parse(msg, len, id, "APP.test.", type, &b) == s, "same-twice");
    if (s != PT_DNS_ANSWER)
        return;
    check(a.count <= PT_DNS_MAX_ADDRS, "address-count");
    check(a.rcode == 0 || a.count == 0, "nxdomain-empty");
    check(a.cnames <= PT_DNS_MAX_CNAMES, "cname-count");
    check(a.count == b.count && memcmp(a.addrs, b.addrs, sizeof(a.addrs[0]) * a.count) == 0,
          "same-addresses");
    for (uint32_t i = 0; i < a.count; i++)
        check(a.addrs[i].family == family, "address-family");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1);
    uint16_t id = size >= 2 ? (uint16_t)(data[0] << 8 | data[1]) : 0;

    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    read_as(copy, size, id, PT_DNS_TYPE_A);
    read_as(copy, size, id, PT_DNS_TYPE_AAAA);
    free(copy);
    return 0;
}
