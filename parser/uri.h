/* parser/uri.h - request-path normalisation, as nginx does it before matching locations.
 *
 * A proxy that routes on one spelling of a path while its upstream resolves another is
 * how "/admin" is reached as "/public/..%2Fadmin". portico therefore matches locations
 * against the path nginx would match: percent-decoded, slashes merged, dot segments
 * removed (ngx_http_parse_complex_uri with merge_slashes on; RFC 3986 5.2.4 for the dot
 * segments). No allocation: the caller gives the output buffer.
 */
#ifndef PT_PARSER_URI_H
#define PT_PARSER_URI_H

#include <stddef.h>

/* Normalises path[0, len) into out, which has room for len bytes (the result is never
 * longer), and sets *out_len. out may be path itself (normalised in place); no other
 * overlap is allowed.
 *
 * path is an origin-form path without its query (the caller cuts at '?'); it must begin
 * with '/' (an absolute-form target with an empty path means "/": the caller says so).
 * Every %XX is decoded, and a decoded '/' or '.' takes part in what follows, as in nginx:
 * "/a%2Fb" is "/a/b" and "/%2e%2e/" is a ".." segment. Runs of '/' become one; "."
 * segments go; ".." removes the segment before it; a path ending in "/." or "/.." keeps its
 * trailing "/" ("/a/b/.." is "/a/"). '+' is not decoded, '?' and '#' (raw or decoded) are
 * ordinary bytes, decoded bytes >= 0x80 and controls other than NUL are kept as they are.
 *
 * The result is decoded: never normalise it again ("%2541" is "%41" once, "A" twice), and
 * re-encode it before it goes upstream.
 *
 * Returns 0, or -1 (answer 400) for: a '%' not followed by two hex digits, a NUL byte
 * (raw or "%00"), a ".." that climbs above "/" ("/..", "/a/../../b"), a path that does not
 * begin with '/'. On -1, out holds garbage and *out_len is not set. */
int pt_uri_normalize(const char *path, size_t len, char *out, size_t *out_len);

/* Returns 1 when pt_uri_normalize would return path[0, len) unchanged, so the caller may
 * skip the copy: it begins with '/' and holds no '%', no NUL, no "//", and no "." or ".."
 * segment ("/./", "/../", or a trailing "/." or "/.."). Returns 0 otherwise, including
 * for every path pt_uri_normalize refuses. A plain C scan over the bytes, not a machine. */
int pt_uri_is_normal(const char *path, size_t len);

#endif
