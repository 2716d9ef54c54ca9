/* parser/http_internal.h - what the machines of parser/ share with each other; nothing
 * outside parser/ includes this. The head helpers live in http_head.c, the field-value
 * machines (Content-Length, token lists, Host) in http_values.rl. */
#ifndef PT_PARSER_HTTP_INTERNAL_H
#define PT_PARSER_HTTP_INTERNAL_H

#include "parser/http.h"

/* The longest offset the machine may reach in this call: the end of the input, the end
 * of the current line's max_line window, or the end of the max_head window. Stopping the
 * machine there (rather than checking after the fact) makes the verdict on an oversized
 * line independent of how the input was split. */
uint32_t pt_http_head_window(const struct pt_http_head *h, size_t len);

void pt_http_head_init(struct pt_http_head *h, struct pt_http_header *headers,
                       uint16_t capacity, const struct pt_http_limits *limits);

/* Stores the header line whose LF is at lf_off; 0 on success, -1 when the header array is
 * full (error fields set). */
int pt_http_head_store(struct pt_http_head *h, const char *buf, uint32_t lf_off);

/* Records a refusal: status, log reason, offending offset. Returns PT_PARSE_ERROR. */
int pt_http_head_fail(struct pt_http_head *h, uint16_t status, const char *reason,
                      uint32_t off);

/* After the machine stopped at p_off without finishing or failing: AGAIN, or the limit
 * error when it stopped short of the input's end. */
int pt_http_head_stopped(struct pt_http_head *h, uint32_t p_off, size_t len,
                         uint16_t line1_status, uint16_t status);

/* Explains a syntax error at the byte at off. */
const char *pt_http_syntax_reason(const char *buf, size_t len, uint32_t off);

/* The header fields portico interprets while parsing. */
enum pt_http_field {
    PT_FIELD_OTHER = 0,
    PT_FIELD_HOST,
    PT_FIELD_CONTENT_LENGTH,
    PT_FIELD_TRANSFER_ENCODING,
    PT_FIELD_CONNECTION,
    PT_FIELD_UPGRADE,
    PT_FIELD_EXPECT,
};

enum pt_http_field pt_http_field_kind(const char *name, size_t len);
enum pt_http_method pt_http_method_id(const char *name, size_t len);
int pt_http_token_eq(const char *s, size_t len, const char *lower_word);

/* What the header fields of a head say, gathered by pt_http_head_fields(). */
struct pt_http_fields {
    uint32_t host_count;
    struct pt_slice host;
    uint32_t te_codings;      /* transfer codings listed, over every TE line */
    uint32_t te_chunked;      /* how many of them are "chunked" */
    uint32_t te_other;        /* codings that are not "chunked" */
    uint8_t te_chunked_last;  /* the final coding is "chunked" */
    const char *error_reason; /* set when a value is malformed */
};

/* Walks the stored headers: sets head flags, content_length and the Upgrade index, fills
 * *f. Host values are checked in requests only. Returns 0, or -1 with f->error_reason set (a malformed value: 400 / 502). */
int pt_http_head_fields(struct pt_http_head *h, const char *buf, int is_request,
                        struct pt_http_fields *f);

/* RFC 9112 9.3: HTTP/1.1 persists unless "close"; HTTP/1.0 only with "keep-alive". */
void pt_http_head_keep_alive(struct pt_http_head *h);

/* Field-value machines (http_values.rl). Each returns 0 when the whole value matches. */
int pt_http_value_content_length(const char *s, size_t len, uint64_t *out);
int pt_http_value_host(const char *s, size_t len);

/* Called for each element of a #list value: the token, and whether parameters followed. */
typedef void (*pt_http_list_cb)(void *ctx, const char *tok, size_t len, int has_params);
int pt_http_value_list(const char *s, size_t len, pt_http_list_cb cb, void *ctx);

#endif
