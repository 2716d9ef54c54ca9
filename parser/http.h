/* parser/http.h - HTTP/1.x message heads and chunked bodies (RFC 9112).
 *
 * Three Ragel machines: a request head, a response head and a chunked body. They do no
 * I/O and no allocation: the caller owns the byte buffer and the header array. Results
 * are slices given as offsets into the caller's buffer, so the buffer may move (grow,
 * be copied) between calls. Parsing is incremental: a head parse resumes where the last
 * call stopped, and the result is the same however the input was split.
 *
 * The grammar is strict (CRLF only, no obs-fold, no whitespace before ':', no CTLs in
 * values): a proxy that is lenient where its peers are strict is how requests are
 * smuggled. Every refusal carries the HTTP status a server answers it with.
 */
#ifndef PT_PARSER_HTTP_H
#define PT_PARSER_HTTP_H

#include <stddef.h>
#include <stdint.h>

/* What a parse call returns. */
enum pt_parse_result {
    PT_PARSE_ERROR = -1, /* refused: see error_status / error_reason */
    PT_PARSE_AGAIN = 0,  /* every byte given was consumed; call again with more */
    PT_PARSE_DONE = 1,   /* the head (or the chunked body) is complete */
    PT_PARSE_DATA = 2,   /* chunked only: a slice of body data is ready */
};

/* A run of bytes in the caller's buffer: buf + off, len bytes. */
struct pt_slice {
    uint32_t off;
    uint32_t len;
};

static inline const char *pt_slice_ptr(const char *buf, struct pt_slice s)
{
    return buf + s.off;
}

/* One header field line; the value has its surrounding whitespace trimmed. */
struct pt_http_header {
    struct pt_slice name;
    struct pt_slice value;
};

/* How the body that follows a head is delimited (RFC 9112 section 6.3). */
enum pt_http_framing {
    PT_BODY_NONE = 0,        /* no body: the next message starts at head_length */
    PT_BODY_LENGTH,          /* content_length bytes follow */
    PT_BODY_CHUNKED,         /* feed the bytes after the head to pt_chunked_parse */
    PT_BODY_UNTIL_CLOSE,     /* response only: the body ends when the connection does */
    PT_BODY_TUNNEL,          /* response only: 2xx to CONNECT, bytes flow both ways */
};

enum pt_http_method {
    PT_METHOD_OTHER = 0, /* a valid token portico does not name */
    PT_METHOD_GET,
    PT_METHOD_HEAD,
    PT_METHOD_POST,
    PT_METHOD_PUT,
    PT_METHOD_DELETE,
    PT_METHOD_CONNECT,
    PT_METHOD_OPTIONS,
    PT_METHOD_TRACE,
    PT_METHOD_PATCH,
};

/* RFC 9112 section 3.2: the four forms of request-target. */
enum pt_http_target_form {
    PT_TARGET_ORIGIN = 0, /* /path?query */
    PT_TARGET_ABSOLUTE,   /* http://host:port/path?query (to proxies) */
    PT_TARGET_AUTHORITY,  /* host:port, CONNECT only */
    PT_TARGET_ASTERISK,   /* *, OPTIONS only */
};

/* Facts derived from the head, as bits of pt_http_head.flags. */
#define PT_HTTP_KEEP_ALIVE 0x0001      /* the connection persists after this message */
#define PT_HTTP_CONN_CLOSE 0x0002      /* Connection: close */
#define PT_HTTP_CONN_KEEP_ALIVE 0x0004 /* Connection: keep-alive */
#define PT_HTTP_CONN_UPGRADE 0x0008    /* Connection: upgrade */
#define PT_HTTP_UPGRADE 0x0010         /* Connection: upgrade and an Upgrade header */
#define PT_HTTP_EXPECT_CONTINUE 0x0020 /* Expect: 100-continue */
#define PT_HTTP_HAS_CONTENT_LENGTH 0x0040
#define PT_HTTP_HAS_TRANSFER_ENCODING 0x0080

/* Bounds on a head, nginx's defaults: a line (request line or one header line, CRLF
 * included) fits a large_client_header_buffers buffer, and the whole head fits them all. */
#define PT_HTTP_DEFAULT_MAX_LINE 8192
#define PT_HTTP_DEFAULT_MAX_HEAD 32768
#define PT_HTTP_DEFAULT_MAX_HEADERS 100

struct pt_http_limits {
    uint32_t max_line; /* longest line, CRLF included: longer is 414 (request line) or 431 */
    uint32_t max_head; /* longest head, blank line included: longer is 431 (414 in line 1) */
};

/* State and results shared by request and response heads. Fields marked "result" are
 * valid after PT_PARSE_DONE; error_* after PT_PARSE_ERROR; the rest is the machine's. */
struct pt_http_head {
    struct pt_http_header *headers; /* result: caller's array, in arrival order */
    uint16_t header_count;          /* result */
    uint16_t header_capacity;       /* more header lines than this: 431 */
    uint8_t version_major;          /* result: always 1 once DONE */
    uint8_t version_minor;          /* result: as sent; any minor >= 1 is served as 1.1 */
    uint16_t flags;                 /* result: PT_HTTP_* bits */
    enum pt_http_framing framing;   /* result */
    uint64_t content_length;        /* result, when PT_HTTP_HAS_CONTENT_LENGTH */
    uint32_t head_length;           /* result: bytes of the head; the body starts here */
    int16_t upgrade_index;          /* result: headers[] index of Upgrade, or -1 */

    uint16_t error_status;    /* 400, 414, 431, 501, 505 (requests) or 502 (responses) */
    const char *error_reason; /* static text for the log: what was wrong */
    uint32_t error_offset;    /* offset of the byte that was refused, when it was one */

    struct pt_http_limits limits;
    int cs;              /* Ragel state */
    uint32_t off;        /* bytes consumed so far */
    uint32_t line_start; /* offset where the current line began */
    uint32_t mark;       /* offset where the current token began */
    uint32_t name_end;   /* offset of the ':' of the current header */
    uint32_t value_start;
    uint8_t first_line_done;
    uint8_t done;
    uint8_t is_request;
    uint8_t field_kind;      /* what the current line's name is (http_internal.h) */
    uint8_t te_chunked_last; /* the final transfer coding so far is chunked */
    uint16_t host_count;     /* Host lines seen */
    uint16_t te_codings;     /* transfer codings listed, over every line */
    uint16_t te_chunked;     /* how many of them are "chunked" */
    struct pt_slice host;    /* the Host value */
};

struct pt_http_request {
    struct pt_http_head head;
    struct pt_slice method; /* result */
    struct pt_slice target; /* result: the request-target as sent */
    struct pt_slice path;   /* result: origin part of the target (absolute-form: after the
                               authority; may be empty, meaning "/"); other forms: == target */
    struct pt_slice host;   /* result: authority of an absolute-form target, else the Host
                               value; len 0 without one (HTTP/1.0) */
    enum pt_http_method method_id;
    enum pt_http_target_form target_form;
    uint32_t host_mark; /* machine: start of an absolute-form authority */
    uint32_t path_mark; /* machine: start of an absolute-form path */
};

struct pt_http_response {
    struct pt_http_head head;
    uint16_t status;        /* result: 100..999 */
    struct pt_slice reason; /* result: may be empty */
    enum pt_http_method request_method; /* what was asked: HEAD and CONNECT change framing */
};

/* Prepares a request parse. headers/capacity: the caller's array for header lines.
 * limits may be NULL for the defaults. Call again to parse the next pipelined request. */
void pt_http_request_init(struct pt_http_request *req, struct pt_http_header *headers,
                          uint16_t capacity, const struct pt_http_limits *limits);

/* Parses the request head in buf[0, len): buf holds the message from its first byte,
 * including every byte given in earlier calls (it may have moved). Consumes at most up to
 * the end of the head: bytes past head.head_length belong to the body or the next request.
 * Returns PT_PARSE_DONE, PT_PARSE_AGAIN or PT_PARSE_ERROR (then head.error_status is the
 * status to answer with, and the connection must be closed after it). */
int pt_http_request_parse(struct pt_http_request *req, const char *buf, size_t len);

/* Prepares a response parse; request_method is the method of the request it answers. */
void pt_http_response_init(struct pt_http_response *resp, struct pt_http_header *headers,
                           uint16_t capacity, const struct pt_http_limits *limits,
                           enum pt_http_method request_method);

/* As pt_http_request_parse, for an upstream's response head. A 1xx response is DONE with
 * PT_BODY_NONE: init again to read the final response after it. Every error is 502. */
int pt_http_response_parse(struct pt_http_response *resp, const char *buf, size_t len);

/* Chunked body decoder (RFC 9112 section 7.1), trailers validated and skipped. */
struct pt_chunked {
    int cs;              /* Ragel state */
    uint64_t size;       /* size of the chunk being read */
    uint64_t remaining;  /* data bytes of the current chunk not yet returned */
    uint32_t line_bytes; /* bytes of the current size, extension or trailer line */
    uint32_t trailer_bytes;
    uint32_t max_line;     /* longest chunk-size/extension or trailer line (CRLF included) */
    uint32_t max_trailers; /* most bytes of trailer section */
    uint16_t error_status; /* 400; 431 for a trailer section over max_trailers */
    const char *error_reason;
    uint8_t done;
};

/* max_line, max_trailers: 0 for the defaults (PT_HTTP_DEFAULT_MAX_LINE for a line,
 * PT_HTTP_DEFAULT_MAX_HEAD for the trailer section, whose final CRLF is not counted). */
void pt_chunked_init(struct pt_chunked *c, uint32_t max_line, uint32_t max_trailers);

/* Decodes buf[0, len), which holds body bytes not given before (unlike a head parse, the
 * decoder keeps no offsets: consumed bytes may be dropped). Sets *consumed to the bytes
 * used and returns: PT_PARSE_DATA with *data a slice of buf holding chunk data (call again
 * from buf + *consumed); PT_PARSE_AGAIN when all len bytes were framing; PT_PARSE_DONE when
 * the last chunk and trailers ended (bytes past *consumed are the next message's);
 * PT_PARSE_ERROR. */
int pt_chunked_parse(struct pt_chunked *c, const char *buf, size_t len, size_t *consumed,
                     struct pt_slice *data);

/* Static names for logs and tests. */
const char *pt_http_method_name(enum pt_http_method m);
const char *pt_http_framing_name(enum pt_http_framing f);

#endif
