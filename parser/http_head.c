/* parser/http_head.c - what request and response heads share around their machines:
 * the length windows that enforce limits, header slots, refusals, and the meaning of the
 * fields that decide framing and persistence (RFC 9110 sections 5-7, RFC 9112 6, 9). */
#include <string.h>

#include "parser/http_internal.h"

void pt_http_head_init(struct pt_http_head *h, struct pt_http_header *headers,
                       uint16_t capacity, const struct pt_http_limits *limits)
{
    memset(h, 0, sizeof(*h));
    h->headers = headers;
    h->header_capacity = capacity;
    h->upgrade_index = -1;
    h->limits.max_line = PT_HTTP_DEFAULT_MAX_LINE;
    h->limits.max_head = PT_HTTP_DEFAULT_MAX_HEAD;
    if (limits && limits->max_line)
        h->limits.max_line = limits->max_line;
    if (limits && limits->max_head)
        h->limits.max_head = limits->max_head;
}

uint32_t pt_http_head_window(const struct pt_http_head *h, size_t len)
{
    uint64_t end = len;
    uint64_t line_end = (uint64_t)h->line_start + h->limits.max_line;

    if (line_end < end)
        end = line_end;
    if (h->limits.max_head < end)
        end = h->limits.max_head;
    return (uint32_t)end;
}

int pt_http_head_fail(struct pt_http_head *h, uint16_t status, const char *reason,
                      uint32_t off)
{
    h->error_status = status;
    h->error_reason = reason;
    h->error_offset = off;
    return PT_PARSE_ERROR;
}

int pt_http_head_stopped(struct pt_http_head *h, uint32_t p_off, size_t len,
                         uint16_t line1_status, uint16_t status)
{
    uint16_t s = h->first_line_done ? status : line1_status;

    if (p_off == len)
        return PT_PARSE_AGAIN;
    if (p_off >= h->limits.max_head)
        return pt_http_head_fail(h, s, "head larger than the limit", p_off);
    return pt_http_head_fail(h, s, h->first_line_done ? "header line longer than the limit"
                                                      : "request line longer than the limit",
                             p_off);
}

int pt_http_head_store(struct pt_http_head *h, const char *buf, uint32_t lf_off)
{
    struct pt_http_header *slot;
    uint32_t end = lf_off - 1; /* the CR */

    if (h->header_count == h->header_capacity) {
        pt_http_head_fail(h, 431, "more header lines than the limit", h->line_start);
        return -1;
    }
    /* Trailing OWS belongs to the line, not the value (RFC 9112 5). */
    while (end > h->value_start && (buf[end - 1] == ' ' || buf[end - 1] == '\t'))
        end--;
    slot = &h->headers[h->header_count++];
    slot->name = (struct pt_slice){h->mark, h->name_end - h->mark};
    slot->value = (struct pt_slice){h->value_start, end - h->value_start};
    return 0;
}

const char *pt_http_syntax_reason(const char *buf, size_t len, uint32_t off)
{
    unsigned char c;

    if (off >= len)
        return "malformed message";
    c = (unsigned char)buf[off];
    if (c == '\n')
        return "bare LF: lines must end with CRLF";
    if (c == '\r')
        return "bare CR";
    if (c == ' ' || c == '\t')
        return "unexpected whitespace (obs-fold, before a colon, or doubled)";
    if (c < 0x20 || c == 0x7f)
        return "control character";
    if (c >= 0x80)
        return "byte above 0x7F outside a field value";
    return "malformed message";
}

void pt_http_head_keep_alive(struct pt_http_head *h)
{
    uint16_t conn = h->flags & (PT_HTTP_CONN_KEEP_ALIVE | PT_HTTP_CONN_CLOSE);

    if (h->version_minor >= 1 ? !(conn & PT_HTTP_CONN_CLOSE) : conn == PT_HTTP_CONN_KEEP_ALIVE)
        h->flags |= PT_HTTP_KEEP_ALIVE;
}

/* Transfer-Encoding elements, over every line of the field, in order. */
static void on_coding(void *ctx, const char *tok, size_t len, int has_params)
{
    struct pt_http_fields *f = ctx;
    int chunked = !has_params && pt_http_token_eq(tok, len, "chunked");

    f->te_codings++;
    f->te_chunked += (uint32_t)chunked;
    f->te_other += (uint32_t)!chunked;
    f->te_chunked_last = (uint8_t)chunked;
}

static void on_connection_option(void *ctx, const char *tok, size_t len, int has_params)
{
    struct pt_http_head *h = ctx;

    (void)has_params;
    if (pt_http_token_eq(tok, len, "close"))
        h->flags |= PT_HTTP_CONN_CLOSE;
    else if (pt_http_token_eq(tok, len, "keep-alive"))
        h->flags |= PT_HTTP_CONN_KEEP_ALIVE;
    else if (pt_http_token_eq(tok, len, "upgrade"))
        h->flags |= PT_HTTP_CONN_UPGRADE;
}

/* RFC 9110 8.6: repeated Content-Length lines must agree; a list is not a length. */
static int content_length_field(struct pt_http_head *h, const char *v, size_t len,
                                struct pt_http_fields *f)
{
    uint64_t n;

    if (pt_http_value_content_length(v, len, &n) != 0) {
        f->error_reason = "invalid Content-Length";
        return -1;
    }
    if ((h->flags & PT_HTTP_HAS_CONTENT_LENGTH) && n != h->content_length) {
        f->error_reason = "differing Content-Length values";
        return -1;
    }
    h->flags |= PT_HTTP_HAS_CONTENT_LENGTH;
    h->content_length = n;
    return 0;
}

static int one_field(struct pt_http_head *h, const char *buf, int index, int is_request,
                     struct pt_http_fields *f)
{
    const struct pt_http_header *hd = &h->headers[index];
    const char *v = buf + hd->value.off;
    size_t vlen = hd->value.len;

    switch (pt_http_field_kind(buf + hd->name.off, hd->name.len)) {
    case PT_FIELD_HOST:
        f->host = hd->value;
        if (is_request && f->host_count++ == 0 && pt_http_value_host(v, vlen) != 0) {
            f->error_reason = "invalid Host";
            return -1;
        }
        return 0;
    case PT_FIELD_CONTENT_LENGTH:
        return content_length_field(h, v, vlen, f);
    case PT_FIELD_TRANSFER_ENCODING:
        h->flags |= PT_HTTP_HAS_TRANSFER_ENCODING;
        if (pt_http_value_list(v, vlen, on_coding, f) != 0) {
            f->error_reason = "invalid Transfer-Encoding";
            return -1;
        }
        return 0;
    case PT_FIELD_CONNECTION:
        if (pt_http_value_list(v, vlen, on_connection_option, h) != 0) {
            f->error_reason = "invalid Connection";
            return -1;
        }
        return 0;
    case PT_FIELD_UPGRADE:
        h->upgrade_index = (int16_t)index;
        return 0;
    case PT_FIELD_EXPECT:
        if (is_request && pt_http_token_eq(v, vlen, "100-continue"))
            h->flags |= PT_HTTP_EXPECT_CONTINUE;
        return 0;
    default:
        return 0;
    }
}

int pt_http_head_fields(struct pt_http_head *h, const char *buf, int is_request,
                        struct pt_http_fields *f)
{
    memset(f, 0, sizeof(*f));
    for (int i = 0; i < h->header_count; i++) {
        if (one_field(h, buf, i, is_request, f) != 0)
            return -1;
    }
    if ((h->flags & PT_HTTP_HAS_TRANSFER_ENCODING) && f->te_codings == 0) {
        f->error_reason = "empty Transfer-Encoding";
        return -1;
    }
    if ((h->flags & PT_HTTP_CONN_UPGRADE) && h->upgrade_index >= 0)
        h->flags |= PT_HTTP_UPGRADE;
    return 0;
}
