/* proxy/location.h - which location block a request path falls in, nginx's algorithm
 * (ngx_http_core_find_location) at each level, starting at the server's:
 *
 *   1. an exact match (=) wins at once;
 *   2. else the longest matching prefix (plain or ^~) is remembered and its nested
 *      locations are searched the same way; a decision made in there (an exact match, a
 *      regex match) is final;
 *   3. unless that prefix is ^~, this level's regex locations (~ case-sensitive, ~*
 *      caseless) are tried in config order: the first that matches wins, after its own
 *      nested locations are searched;
 *   4. else the remembered prefix (or what its nested search found).
 *
 * Named locations (@name) never match a path: pt_location_named finds them.
 */
#ifndef PT_PROXY_LOCATION_H
#define PT_PROXY_LOCATION_H

#include <stddef.h>

#include "config/config.h"
#include "proxy/regex.h"

struct pt_routing;

/* uri is the normalised path (proxy/request.h); rt holds the compiled regexes
 * (proxy/routing.h); caps receives the deciding regex's match (subject: uri) and has
 * caps->re NULL when no regex decided. NULL when no location matches (the server's own
 * values apply). */
const struct pt_conf_location *pt_location_find(const struct pt_routing *rt,
                                                const struct pt_conf_server *srv,
                                                const char *uri, size_t len,
                                                struct pt_captures *caps);

/* The named location "@name" (name without '@', NUL-terminated) among srv's top-level
 * locations, as nginx looks them up for error_page and try_files; NULL when none. */
const struct pt_conf_location *pt_location_named(const struct pt_conf_server *srv,
                                                 const char *name);

#endif
