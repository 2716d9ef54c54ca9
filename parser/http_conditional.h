/* parser/http_conditional.h - the request fields a static file response interprets:
 * HTTP-dates (If-Modified-Since, If-Range; RFC 9110 5.6.7, IMF-fixdate only, as sent by
 * every current client), entity-tag lists (If-None-Match, If-Match; RFC 9110 8.8.3) and
 * byte ranges (Range; RFC 9110 14.1.2). Each runs over one whole, trimmed value; no I/O,
 * no allocation.
 */
#ifndef PT_PARSER_HTTP_CONDITIONAL_H
#define PT_PARSER_HTTP_CONDITIONAL_H

#include <stddef.h>
#include <stdint.h>

/* "Sun, 06 Nov 1994 08:49:37 GMT" -> seconds since the epoch. 0, or -1 on any other form
 * (an invalid date such as 31 Feb included). */
int pt_http_date_parse(const char *s, size_t len, int64_t *out);

/* Whether etag (a quoted strong tag, elen bytes) is in the list s: 1 yes, 0 no, -1 when s
 * is not "*" or a list of entity-tags. weak: W/"x" matches "x" (If-None-Match); strong:
 * a W/ tag never matches (If-Match). "*" matches. */
int pt_http_etag_match(const char *s, size_t len, const char *etag, size_t elen, int weak);

/* The first of a Range field's byte ranges (and how many it has). */
struct pt_http_range {
    uint64_t first;  /* a-b, a-: a */
    uint64_t last;   /* a-b: b; a- and -n: UINT64_MAX */
    uint64_t suffix; /* -n: n */
    uint8_t is_suffix;
    uint32_t count;  /* ranges in the field */
};

/* "bytes=" 1#range-spec. Returns 0, or -1 for another unit or a malformed value. */
int pt_http_range_parse(const char *s, size_t len, struct pt_http_range *out);

/* One range-spec of a Range field, as written (not yet held against a size). */
struct pt_http_range_spec {
    uint64_t first;    /* a-b, a-: a; -n: n */
    uint64_t last;     /* a-b: b; a- and -n: UINT64_MAX */
    uint8_t is_suffix; /* -n */
};

/* Every range-spec of "bytes=" 1#range-spec, in the order written: the first cap of them
 * go to out, and *total says how many the field has (call again with room for all when
 * it is more than cap). Empty list elements are skipped (RFC 9110 5.6.1). Returns 0 with
 * *total >= 1, or -1 for another unit or a malformed value (out and *total then
 * undefined). */
int pt_http_ranges_parse(const char *s, size_t len, struct pt_http_range_spec *out,
                         uint32_t cap, uint32_t *total);

#endif
