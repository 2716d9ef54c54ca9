/* proxy/routing.h - what routing builds from a config snapshot: a server-name table per
 * listener (proxy/server_names.h), the compiled regex of every regex location and of
 * every map regex key (proxy/variables.c matches those). config/
 * owns the structs it describes and keeps them immutable, so these live in a side table
 * keyed by the config struct's address.
 *
 * Who builds it: a worker, on its first request (pt_routing_for), for the snapshot it
 * runs. The master validates the same build at load time with pt_routing_check, so that
 * `portico -t` and a reload refuse an invalid regex, and a worker can only fail to build
 * for want of memory.
 */
#ifndef PT_PROXY_ROUTING_H
#define PT_PROXY_ROUTING_H

#include <stddef.h>

#include "config/config.h"
#include "proxy/regex.h"
#include "proxy/server_names.h"

struct pt_routing; /* opaque */
struct pt_request;

/* Builds routing for cfg (which must outlive it). Returns it, or NULL with err filled:
 * "FILE:LINE:COL: invalid regex \"RE\": MESSAGE at offset N", or "out of memory". */
struct pt_routing *pt_routing_new(const struct pt_config *cfg, char *err, size_t errlen);
void pt_routing_free(struct pt_routing *rt); /* NULL is a no-op */

/* For the master after pt_config_load: 0 when cfg's routing builds, else -1 with err
 * filled as above (the caller prints it and refuses the config). */
int pt_routing_check(const struct pt_config *cfg, char *err, size_t errlen);

/* This process's routing for cfg: built on first use, replaced when cfg changes. NULL,
 * after logging at emerg, when it cannot be built. */
const struct pt_routing *pt_routing_for(const struct pt_config *cfg);

/* l's server-name table (never NULL for a listener of the routing's config). */
const struct pt_server_names *pt_routing_names(const struct pt_routing *rt,
                                               const struct pt_conf_listener *l);

/* loc's compiled regex; NULL for a location that is not a regex one. */
const struct pt_regex *pt_routing_regex(const struct pt_routing *rt,
                                        const struct pt_conf_location *loc);

/* mr's compiled regex (a map's ~RE key of the routing's config). */
const struct pt_regex *pt_routing_map_regex(const struct pt_routing *rt,
                                            const struct pt_conf_map_regex *mr);

/* Variables from the request's regex matches. $n (n 0..9): the last regex that matched
 * (a location's, else the server_name's). A named group: the location regex's, else the
 * server_name regex's. Set *out and return the length, or -1 for an unset variable. */
long pt_request_capture(const struct pt_request *r, unsigned n, const char **out);
long pt_request_capture_named(const struct pt_request *r, const char *name, size_t len,
                              const char **out);

#endif
