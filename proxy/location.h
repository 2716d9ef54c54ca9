/* proxy/location.h - which location block a request path falls in.
 *
 * nginx's order for the literal forms: an exact match (=) wins at once; otherwise the
 * longest matching prefix, searched again among its nested locations. Regex locations
 * (~, ~*) come with the routing issue; until then a regex location never matches.
 */
#ifndef PT_PROXY_LOCATION_H
#define PT_PROXY_LOCATION_H

#include <stddef.h>

#include "config/config.h"

/* uri is the normalised path (proxy/request.h). NULL when no location matches (the
 * server's own values apply). */
const struct pt_conf_location *pt_location_find(const struct pt_conf_server *srv,
                                                const char *uri, size_t len);

#endif
