/* parser/http_internal.h - what the machines of parser/ share with each other; nothing
 * outside parser/ includes this. The head helpers live in http_head.c, the field-value
 * machines (Content-Length, token lists, Host) in http_values.rl. */
#ifndef PT_PARSER_HTTP_INTERNAL_H
#define PT_PARSER_HTTP_INTERNAL_H

#include <string.h>

#include "parser/http.h"

/* The longest offset the machine may reach in this call: the end of the input, the end
 * of the current line's max_line window, or the end of the max_head window. Stopping the
 * machine there (rather than checking after the fact) makes the verdict on an oversized
 * line independent of how the input was split. */
/* Records a refusal: status, log reason, offending offset. Returns PT_PARSE_ERROR. */
int pt_http_head_fail(struct pt_http_head *h, uint16_t status, const char *reason,
                      uint32_t off);

static inline uint32_t pt_http_head_window(const struct pt_http_head *h, size_t len)
{
    uint64_t end = len;
    uint64_t line_end = (uint64_t)h->line_start + h->limits.max_line;

    if (line_end < end)
        end = line_end;
    if (h->limits.max_head < end)
        end = h->limits.max_head;
    return (uint32_t)end;
}

void pt_http_head_init(struct pt_http_head *h, struct pt_http_header *headers,
                       uint16_t capacity, const struct pt_http_limits *limits);

/* Stores the header line whose LF is at lf_off and interprets it when its name is one
 * of enum pt_http_field. Returns 0, or -1 with the error fields set (a full header array,
 * a malformed value). Inline: it runs once per header line, inside the machine's loop. */
int pt_http_head_field(struct pt_http_head *h, const char *buf, uint32_t index);

static inline int pt_http_head_store(struct pt_http_head *h, const char *buf, uint32_t lf_off)
{
    struct pt_http_header *slot;
    uint32_t end = lf_off - 1; /* the CR */
    uint32_t index = h->header_count;

    if (index == h->header_capacity)
        return pt_http_head_fail(h, 431, "more header lines than the limit", h->line_start), -1;
    /* Trailing OWS belongs to the line, not the value (RFC 9112 5). */
    while (end > h->value_start && (buf[end - 1] == ' ' || buf[end - 1] == '\t'))
        end--;
    slot = &h->headers[index];
    slot->name = (struct pt_slice){h->mark, h->name_end - h->mark};
    slot->value = (struct pt_slice){h->value_start, end - h->value_start};
    h->header_count = (uint16_t)(index + 1);
    if (h->field_kind == 0)
        return 0;
    return pt_http_head_field(h, buf, index);
}

/* After the machine stopped at p_off without finishing or failing: AGAIN, or the limit
 * error when it stopped short of the input's end. */
int pt_http_head_stopped(struct pt_http_head *h, uint32_t p_off, size_t len,
                         uint16_t line1_status, uint16_t status);

/* Explains a syntax error at the byte at off. */
const char *pt_http_syntax_reason(const struct pt_http_head *h, const char *buf, size_t len,
                                  uint32_t off);

/* The header fields portico interprets while parsing: named at the line's ':' by
 * pt_http_field_kind(), read at its LF by pt_http_head_field(). */
enum pt_http_field {
    PT_FIELD_OTHER = 0,
    PT_FIELD_HOST,
    PT_FIELD_CONTENT_LENGTH,
    PT_FIELD_TRANSFER_ENCODING,
    PT_FIELD_CONNECTION,
    PT_FIELD_UPGRADE,
    PT_FIELD_EXPECT,
};

/* Whether the n bytes at s (4 <= n <= 24) are word in any letter case; word is lower
 * case. OR-ing 0x20 lowers letters and maps no other token byte onto a letter or '-'.
 * Overlapping unaligned loads keep this to two or three compares. */
static inline int pt_http_name_is(const char *s, size_t n, const char *word)
{
    uint64_t a, b;
    uint32_t x, y;

    if (n < 8) {
        memcpy(&x, s, 4), memcpy(&y, word, 4);
        if ((x | 0x20202020u) != y)
            return 0;
        memcpy(&x, s + n - 4, 4), memcpy(&y, word + n - 4, 4);
        return (x | 0x20202020u) == y;
    }
    for (size_t i = 0; i + 8 < n; i += 8) {
        memcpy(&a, s + i, 8), memcpy(&b, word + i, 8);
        if ((a | UINT64_C(0x2020202020202020)) != b)
            return 0;
    }
    memcpy(&a, s + n - 8, 8), memcpy(&b, word + n - 8, 8);
    return (a | UINT64_C(0x2020202020202020)) == b;
}

static inline enum pt_http_field pt_http_field_kind(const char *name, size_t len)
{
    switch (len) {
    case 4:
        return pt_http_name_is(name, 4, "host") ? PT_FIELD_HOST : PT_FIELD_OTHER;
    case 6:
        return pt_http_name_is(name, 6, "expect") ? PT_FIELD_EXPECT : PT_FIELD_OTHER;
    case 7:
        return pt_http_name_is(name, 7, "upgrade") ? PT_FIELD_UPGRADE : PT_FIELD_OTHER;
    case 10:
        return pt_http_name_is(name, 10, "connection") ? PT_FIELD_CONNECTION : PT_FIELD_OTHER;
    case 14:
        return pt_http_name_is(name, 14, "content-length") ? PT_FIELD_CONTENT_LENGTH
                                                           : PT_FIELD_OTHER;
    case 17:
        return pt_http_name_is(name, 17, "transfer-encoding") ? PT_FIELD_TRANSFER_ENCODING
                                                              : PT_FIELD_OTHER;
    default:
        return PT_FIELD_OTHER;
    }
}

enum pt_http_method pt_http_method_id(const char *name, size_t len);
int pt_http_token_eq(const char *s, size_t len, const char *lower_word);

/* Checks that need the whole head: a Transfer-Encoding with no coding, Upgrade. */
int pt_http_head_finish(struct pt_http_head *h);

/* RFC 9112 9.3: HTTP/1.1 persists unless "close"; HTTP/1.0 only with "keep-alive". */
void pt_http_head_keep_alive(struct pt_http_head *h);

/* Field-value machines (http_values.rl). Each returns 0 when the whole value matches. */
int pt_http_value_content_length(const char *s, size_t len, uint64_t *out);
int pt_http_value_host(const char *s, size_t len);

/* Transfer-Encoding: counts codings into h (te_codings, te_chunked, te_chunked_last). */
int pt_http_value_codings(const char *s, size_t len, struct pt_http_head *h);

/* Connection: sets PT_HTTP_CONN_CLOSE / _KEEP_ALIVE / _UPGRADE in h->flags. */
int pt_http_value_connection(const char *s, size_t len, struct pt_http_head *h);

#endif
