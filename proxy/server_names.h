/* proxy/server_names.h - which server of a listener a Host names, in nginx's order:
 *
 *   1. an exact name (case-insensitive; a trailing dot on either side is ignored);
 *   2. the longest leading wildcard: "*.example.com", or ".example.com" which also
 *      matches "example.com" itself;
 *   3. the longest trailing wildcard: "www.example.*" (at least one more label);
 *   4. the first regex ("~^re$") in config order (caseless when the pattern has an
 *      upper-case letter, as nginx), run only for a non-empty Host;
 *   5. else the listener's default server (default_server, else its first).
 *
 * A server without server_name has the name "" (nginx's default), which is what a request
 * without Host (HTTP/1.0) looks up. Exact names and both wildcard kinds are hash tables
 * searched once per label of the Host, so a lookup costs O(labels), whatever the number of
 * names; regexes are tried in order after them.
 *
 * A table is built per listener by proxy/routing.c, once per config snapshot, and lives
 * as long as that routing object.
 */
#ifndef PT_PROXY_SERVER_NAMES_H
#define PT_PROXY_SERVER_NAMES_H

#include <stddef.h>

#include "config/config.h"
#include "proxy/regex.h"

struct pt_server_names; /* opaque */

/* Builds l's table (l belongs to cfg, which must outlive it). Returns it, or NULL with
 * err filled: an invalid regex in pt_config_error_at's shape, at the name itself
 * ("FILE:LINE:COL: invalid regex \"RE\" in server_name: MESSAGE", the line, a caret). */
struct pt_server_names *pt_server_names_new(const struct pt_config *cfg,
                                            const struct pt_conf_listener *l, char *err,
                                            size_t errlen);
void pt_server_names_free(struct pt_server_names *sn); /* NULL is a no-op */

/* The server for host: lower-cased, without port or trailing dot (pt_server_names_host
 * makes it so); len 0 for a request without Host. When a regex name chose the server,
 * caps holds its match (subject: host), else caps->re is NULL. Never NULL. */
const struct pt_conf_server *pt_server_names_find(const struct pt_server_names *sn,
                                                  const char *host, size_t len,
                                                  struct pt_captures *caps);

/* nginx's Host check and normalisation (ngx_http_validate_host): copies host into out
 * (outlen bytes) lower-cased, without ":port" and without one trailing dot. An IPv6
 * literal keeps its brackets. Returns the normalised length, or -1 for a Host nginx
 * answers 400 ("..", a path separator, a NUL, empty once the port is gone) or one
 * longer than outlen. */
long pt_server_names_host(const char *host, size_t len, char *out, size_t outlen);

#endif
