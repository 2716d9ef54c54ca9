/* proxy/byte_ranges.h - a Range field held against a file's size with nginx's rules
 * (ngx_http_range_filter_module, 1.22), and the multipart/byteranges body (RFC 9110 14.6)
 * that two or more ranges get: part headers between slices of the file, framed
 * byte for byte as nginx frames them.
 *
 * No cap on the number of ranges but max_ranges (nginx's, unlimited by default): the
 * memory they take is bounded by the request head they were written in (a range-spec
 * costs at least 2 bytes there, and 40 here while judged, 16 while its part is sent;
 * one part header is formatted at a time). Internal to proxy/.
 */
#ifndef PT_PROXY_BYTE_RANGES_H
#define PT_PROXY_BYTE_RANGES_H

#include <stddef.h>
#include <stdint.h>

struct pt_byte_range {
    uint64_t start; /* first byte */
    uint64_t len;   /* >= 1 */
};

enum pt_ranges_result {
    PT_RANGES_NONE,  /* the whole file with 200 (another unit, overlap past the size, ...) */
    PT_RANGES_ONE,   /* 206 with Content-Range: ranges.list[0] */
    PT_RANGES_MANY,  /* 206 multipart/byteranges: ranges.count >= 2 of them */
    PT_RANGES_BAD,   /* 416: nothing satisfiable, or a malformed value */
    PT_RANGES_NOMEM, /* out of memory */
};

/* The satisfiable ranges of a field, in the order written; a few inline, more on the heap. */
struct pt_byte_ranges {
    uint32_t count;
    struct pt_byte_range *list; /* count of them: inline_list or malloc'd */
    struct pt_byte_range inline_list[8];
};

/* Range value s (len bytes) against a file of size bytes, at most max_ranges satisfiable
 * ranges (more: the whole file; 0: Range is not looked at). nginx's rules: ranges that
 * start past the end are dropped, ends past it are cut, a sum of lengths larger than the
 * file (overlaps) gives the whole file, and so does any range of an empty file. out is
 * filled for ONE and MANY; release it with pt_byte_ranges_cleanup whatever the result. */
enum pt_ranges_result pt_byte_ranges_judge(const char *s, size_t len, uint64_t size,
                                           uint64_t max_ranges, struct pt_byte_ranges *out);

void pt_byte_ranges_cleanup(struct pt_byte_ranges *br);

/* A multipart/byteranges body being written: its ranges, the boundary, the part type, and
 * the part header now going out. One allocation, owned by whoever holds it last (the
 * connection's file body, proxy/file_body.h). */
struct pt_multipart {
    uint32_t count;          /* ranges (>= 2) */
    uint32_t next;           /* the part whose header comes next; count: the closing one */
    uint64_t size;           /* the file's size, for Content-Range */
    char boundary[21];       /* 20 digits, as nginx's %0muA */
    const char *type;        /* Content-Type of each part; "" for none */
    size_t type_len;
    char *header;            /* the part header being written, header_len bytes */
    uint32_t header_len;
    uint32_t header_sent;    /* how much of it left already */
    struct pt_byte_range range[];
};

/* A body for br's ranges (count >= 2) of a file of size bytes, parts typed type (copied).
 * NULL when memory ran out. */
struct pt_multipart *pt_multipart_new(const struct pt_byte_ranges *br, uint64_t size,
                                      const char *type);

/* free(NULL) is a no-op. */
void pt_multipart_free(struct pt_multipart *m);

/* "multipart/byteranges; boundary=B" into out (room for PT_MULTIPART_TYPE_MAX bytes,
 * NUL-terminated). */
#define PT_MULTIPART_TYPE_MAX 64
void pt_multipart_content_type(const struct pt_multipart *m, char *out);

/* The whole body's length: every part header, slice, and the closing boundary. */
uint64_t pt_multipart_length(const struct pt_multipart *m);

/* Formats part i's header (i == count: the closing boundary) into m->header, sets
 * header_len and header_sent = 0. */
void pt_multipart_format_header(struct pt_multipart *m, uint32_t i);

/* Reads the whole body into out (pt_multipart_length(m) bytes of room) with pread.
 * 0, or -1 on an error or a file that shrank. */
int pt_multipart_read(const struct pt_multipart *m, int fd, char *out);

#endif
