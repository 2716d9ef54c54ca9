/* config/upstream.h - upstream groups while the config is read. Internal to config/.
 *
 * Every group, an `upstream` block's or the implicit one a proxy_pass to host:port makes,
 * is a builder with the public struct first. The blocks of http are declared before http
 * is walked (pt_conf_upstreams_declare), so a proxy_pass finds a group written further
 * on, as nginx does. Addresses are read as nginx's ngx_parse_url reads them
 * (upstream_addr.c) and host names resolved when the config loads, as nginx does.
 */
#ifndef PT_CONFIG_UPSTREAM_H
#define PT_CONFIG_UPSTREAM_H

#include <stdint.h>
#include <sys/socket.h>

#include "config/load.h"

struct pt_conf_upstream_b {
    struct pt_conf_upstream pub;     /* first: a pub pointer is a builder pointer */
    struct pt_conf_setmask set;      /* rows set in the block */
    const struct pt_conf_node *node; /* the block; NULL for an implicit group */
    uint32_t server_cap;
    uint16_t port;                   /* implicit: the port, with pub.name's host the key */
    uint32_t host_len;               /* implicit: length of the host in pub.name */
};

/* proxy_next_upstream's "off", kept apart from the conditions while a level may still
 * add some (nginx: "off" anywhere at a level wins); pt_conf_proxy_finish clears it. */
#define PT_CONF_NEXT_OFF (1u << 31)

/* "host[:port][uri]" split as nginx's ngx_parse_url does. */
struct pt_conf_hostport {
    const char *host;  /* as written: an IPv6 address keeps its brackets */
    uint32_t host_len;
    const char *port_text; /* as written; NULL when no port is written */
    uint32_t port_len;
    uint16_t port;     /* the default when none is written */
    const char *uri;   /* from the first "/" or "?" on; NULL when none */
    uint32_t uri_len;
    uint8_t ipv6;      /* written in brackets */
};

/* Splits s (len bytes); a URI part is an error unless allow_uri. Returns NULL, or
 * nginx's reason: "invalid host", "invalid port", "no host", "invalid IPv6 address". */
const char *pt_conf_parse_hostport(const char *s, uint32_t len, uint16_t default_port,
                                   int allow_uri, struct pt_conf_hostport *out);

struct pt_conf_addr {
    struct sockaddr_storage ss;
    socklen_t len;
};

/* The addresses of hp: an address literal, or a name resolved with getaddrinfo (IPv4
 * first, then IPv6, as nginx). PT_OK with an arena array, or PT_AGAIN when the name was
 * not found (nothing failed yet: the caller words the error), PT_ERROR out of memory. */
int pt_conf_resolve(struct pt_conf_load *ld, const struct pt_conf_hostport *hp,
                    struct pt_conf_addr **addrs, uint32_t *count);

/* "10.0.0.1:8080" or "[::1]:8080", in the arena; NULL out of memory. */
const char *pt_conf_addr_text(struct pt_conf_load *ld, const struct pt_conf_addr *a);

/* Creates the groups of http's upstream blocks (from first on), empty, in config order,
 * so a proxy_pass written before a block finds it. Duplicates are left to the walk. */
int pt_conf_upstreams_declare(struct pt_conf_load *ld, const struct pt_conf_node *first);

/* The upstream block named name (case-insensitive, as nginx), or NULL. */
struct pt_conf_upstream *pt_conf_upstream_find(struct pt_conf_load *ld, const char *name,
                                               uint32_t len);

/* The implicit group for hp (shared by every proxy_pass to the same host and port),
 * created and resolved the first time; url is the proxy_pass word, for errors. NULL
 * after failing the load. */
struct pt_conf_upstream *pt_conf_upstream_implicit(struct pt_conf_load *ld,
                                                   const struct pt_conf_hostport *hp,
                                                   const struct pt_conf_word *url);

/* Checks made once the whole config is read: shared memory zones, `resolve` with its
 * zone and resolver, and the proxy buffers of every server and location (proxy_checks.c). */
int pt_conf_proxy_finish(struct pt_conf_load *ld);

#endif
