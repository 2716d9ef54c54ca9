/* proxy/hop_by_hop.h - the header fields a proxy must not forward (RFC 9110 section
 * 7.6.1): Connection and the fields it names, Keep-Alive, TE, Trailer,
 * Transfer-Encoding, Upgrade, and Proxy-* (the list). Both directions use it:
 * proxy/proxy_request.c and proxy/proxy_response.c. */
#ifndef PT_PROXY_HOP_BY_HOP_H
#define PT_PROXY_HOP_BY_HOP_H

#include <stddef.h>

#include "parser/http.h"

/* name (len bytes) equals the lower-case lit (lit_len bytes), any case: field names are
 * compared on every proxied head, so no strlen and no locale-aware strncasecmp. */
static inline int pt_field_eq(const char *name, size_t len, const char *lit, size_t lit_len)
{
    if (len != lit_len)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if ((name[i] | 0x20) != lit[i]) /* lit holds letters, '-' and '_' only */
            return 0;
    }
    return 1;
}
#define pt_field_is(name, len, lit) pt_field_eq((name), (len), (lit), sizeof(lit) - 1)

/* A hop-by-hop field by its own name; upgrade keeps Upgrade (a 101's). */
int pt_hop_by_hop(const char *name, size_t len, int upgrade);

/* The index of the first Connection field of h (slices from base), -1 for none: then no
 * field is named by one and pt_connection_names need not run. */
int pt_connection_first(const struct pt_http_head *h, const char *base);

/* Whether a Connection field of h from index first on lists name. */
int pt_connection_names(const struct pt_http_head *h, const char *base, int first,
                        const char *name, size_t len);

#endif
