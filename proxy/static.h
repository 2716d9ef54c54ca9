/* proxy/static.h - the static content handler: try_files, index, and files under root or
 * alias, as nginx's core, index and static modules serve them.
 *
 * A URI maps to root + URI, or to alias + the URI past the location's prefix (in a regex
 * location, the evaluated alias is the whole path). A directory without a trailing '/'
 * gets a 301 to add it; with one, the index files are tried (an internal redirect to the
 * first that exists), else 403. Symlinks are followed as nginx does by default.
 *
 * Unlike nginx, a URI with a segment starting with '.' (/.git/config, /.env) is a 404
 * unless `dotfiles on;` applies to its location: deploys copy those by accident, and
 * nginx serves them unless each config remembers `location ~ /\. { deny all; }`. RFC
 * 8615's /.well-known/ is always served (ACME challenges live there).
 */
#ifndef PT_PROXY_STATIC_H
#define PT_PROXY_STATIC_H

#include <stddef.h>

struct pt_request;

#define PT_STATIC_REDIRECT 1

/* Queues the response for r. Returns 0, -1 when the connection must close (out of
 * memory), or PT_STATIC_REDIRECT after an internal redirect (try_files' last URI or
 * @name, an index file): r's URI, location and values changed, and the caller runs the
 * content phase again (return included), at most 10 times as nginx. */
int pt_static_respond(struct pt_request *r);

/* What an internal redirect does with $args: the index module keeps them; try_files'
 * fallback URI and error_page take the URI's own "?args" or none, as nginx. */
enum pt_redirect_args { PT_ARGS_KEEP, PT_ARGS_FROM_URI };

/* Makes uri ("/path[?args]" or "@name") the request's target: its $uri and location
 * (a named location keeps $uri and $args). Returns PT_STATIC_REDIRECT, or what a
 * refusal page returned (0, or -1). */
int pt_static_internal_redirect(struct pt_request *r, const char *uri, size_t len,
                                enum pt_redirect_args args);

#endif
