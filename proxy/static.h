/* proxy/static.h - the static content handler: try_files, index, and files under root or
 * alias, as nginx's core, index and static modules serve them.
 *
 * A URI maps to root + URI, or to alias + the URI past the location's prefix (in a regex
 * location, the evaluated alias is the whole path). A directory without a trailing '/'
 * gets a 301 to add it; with one, the index files are tried (an internal redirect to the
 * first that exists), else 403. Dotfiles and symlinks are served as nginx serves them by
 * default (no disable_symlinks, no special case for names starting with '.').
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

/* Makes uri ("/path[?args]" or "@name") the request's target: its $uri and location.
 * Returns PT_STATIC_REDIRECT, or what a refusal page returned (0, or -1). */
int pt_static_internal_redirect(struct pt_request *r, const char *uri, size_t len);

#endif
