/* proxy/resolver.h - a small DNS client for names resolved at run time (`resolver ADDRESS
 * ... [valid=T] [ipv6=on|off]; resolver_timeout T;`): A queries, and AAAA ones with
 * ipv6=on, over UDP to the resolver's addresses, non-blocking through a reactor. It knows
 * no HTTP; what is done with the addresses is its caller's (proxy/upstream_resolve.h).
 *
 * A resolution sends its queries, each with a random id, on a fresh socket connected to
 * one resolver address (so only that address's datagrams reach it, from a random source
 * port), and waits for the answers parser/dns.h accepts: the same id and question. An
 * answer that fails (malformed, truncated, an rcode other than NOERROR and NXDOMAIN) or a
 * refusal (ICMP port unreachable) sends the queries not yet answered to the next address
 * at once; silence does after the resend interval: 5 s as nginx, shorter when that would
 * not give every address a turn within resolver_timeout, which bounds the whole resolution.
 */
#ifndef PT_PROXY_RESOLVER_H
#define PT_PROXY_RESOLVER_H

#include <stdint.h>

#include "config/config_proxy.h"
#include "core/reactor.h"
#include "parser/dns.h"

#define PT_RESOLVER_MAX_ADDRS PT_DNS_MAX_ADDRS
#define PT_RESOLVER_RESEND_MS 5000

/* What a resolution found. */
struct pt_resolver_answer {
    uint32_t count;    /* IPv4 addresses first, then IPv6 ones */
    uint32_t extra;    /* addresses past PT_RESOLVER_MAX_ADDRS, left out */
    uint32_t ttl;      /* seconds: the smallest TTL of the records used; UINT32_MAX: none */
    uint8_t nxdomain;  /* the name does not exist (count is 0) */
    struct pt_dns_addr addrs[PT_RESOLVER_MAX_ADDRS];
};

/* Called once per resolution, from a reactor event or timer (never from pt_resolver_start).
 * rc 0: an answer, a (count 0: no such name, or no address of the kinds asked); -errno:
 * none within resolver_timeout (-ETIMEDOUT), or every address failed (the last error);
 * why says it in words for a log line. The query is gone once this returns. */
typedef void (*pt_resolver_cb)(void *arg, int rc, const struct pt_resolver_answer *a,
                               const char *why);

struct pt_resolver_query;

/* Starts resolving name (a host name, dotted) through conf's addresses on reactor r.
 * Returns the query, or NULL with *err = -errno (-EINVAL: not a name a query can carry,
 * or no resolver address; -ENOMEM); nothing is called back then. */
struct pt_resolver_query *pt_resolver_start(struct pt_reactor *r,
                                            const struct pt_conf_resolver *conf,
                                            const char *name, pt_resolver_cb cb, void *arg,
                                            int *err);

/* Stops a query not yet called back: its socket closes, nothing is called. */
void pt_resolver_cancel(struct pt_resolver_query *q);

#endif
