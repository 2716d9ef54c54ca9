/* proxy/regex.h - PCRE2 regexes for routing (server_name ~re, location ~ / ~*), and the
 * captures a match leaves for $1..$9 and named variables.
 *
 * A regex is compiled (and JIT-compiled when the platform allows) once per config
 * snapshot by proxy/routing.c; matching allocates nothing: one match-data block per
 * process is reused, and a successful match copies its offsets into the caller's
 * struct pt_captures.
 */
#ifndef PT_PROXY_REGEX_H
#define PT_PROXY_REGEX_H

#include <stddef.h>
#include <stdint.h>

/* Capture pairs kept per match: $0 (the whole match), $1..$9, and named groups up to
 * number 15 (a named group beyond that reads as empty). */
#define PT_CAPTURES_MAX 16

struct pt_regex; /* opaque: a compiled pattern */

/* The offsets of the last successful match, into a subject the owner knows how to find
 * again (the request's normalised URI, or its lower-cased Host). */
struct pt_captures {
    const struct pt_regex *re; /* NULL: no match recorded */
    uint32_t count;            /* pairs set, $0 included */
    uint32_t ovector[2 * PT_CAPTURES_MAX]; /* start, end; UINT32_MAX for an unset group */
};

/* Compiles pattern (len bytes, need not be NUL-terminated). Returns the regex, or NULL
 * with err filled ("missing closing parenthesis at offset 3"; "out of memory"). */
struct pt_regex *pt_regex_new(const char *pattern, size_t len, int caseless, char *err,
                              size_t errlen);
void pt_regex_free(struct pt_regex *re); /* NULL is a no-op */

/* 1 when subject matches (caps, if not NULL, then holds the match), 0 when it does not,
 * -1 on a matching error (match limit, out of memory; caps untouched). */
int pt_regex_match(const struct pt_regex *re, const char *subject, size_t len,
                   struct pt_captures *caps);

/* Capture n ($n) of caps against subject: sets *out and returns its length, or returns
 * -1 when n is beyond the match or the group did not take part (an empty value). */
long pt_captures_get(const struct pt_captures *caps, const char *subject, uint32_t n,
                     const char **out);

/* The group number of the named group name (len bytes) in re, or -1 when re (NULL: no
 * match recorded) has none. */
int pt_regex_group(const struct pt_regex *re, const char *name, size_t len);

#endif
