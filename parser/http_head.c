/* parser/http_head.c - what request and response heads share around their machines:
 * limits, refusals, and the meaning of the fields that decide framing and persistence
 * (RFC 9110 sections 5-7, RFC 9112 6, 9). The per-line helpers are inline in
 * http_internal.h. */
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

const char *pt_http_syntax_reason(const struct pt_http_head *h, const char *buf, size_t len,
                                  uint32_t off)
{
    unsigned char c;

    if (off >= len)
        return "malformed message";
    c = (unsigned char)buf[off];
    if (c == '\n')
        return "bare LF: lines must end with CRLF";
    if (c == '\r')
        return "bare CR";
    if (!h->first_line_done)
        return h->is_request ? "malformed request line" : "malformed status line";
    if (c == ' ' || c == '\t')
        return "unexpected whitespace (a doubled space, obs-fold, or before a colon)";
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

/* RFC 9110 8.6: repeated Content-Length lines must agree; a list is not a length. */
static int content_length_field(struct pt_http_head *h, const char *v, size_t len)
{
    uint64_t n;

    if (pt_http_value_content_length(v, len, &n) != 0)
        return pt_http_head_fail(h, 400, "invalid Content-Length", 0);
    if ((h->flags & PT_HTTP_HAS_CONTENT_LENGTH) && n != h->content_length)
        return pt_http_head_fail(h, 400, "differing Content-Length values", 0);
    h->flags |= PT_HTTP_HAS_CONTENT_LENGTH;
    h->content_length = n;
    return 0;
}

static int host_field(struct pt_http_head *h, const char *v, struct pt_slice value)
{
    h->host = value;
    if (h->is_request && h->host_count++ == 0 && pt_http_value_host(v, value.len) != 0)
        return pt_http_head_fail(h, 400, "invalid Host", 0);
    return 0;
}

static int interpret(struct pt_http_head *h, const char *buf, uint32_t index)
{
    struct pt_slice value = h->headers[index].value;
    const char *v = buf + value.off;

    switch (h->field_kind) {
    case PT_FIELD_HOST:
        return host_field(h, v, value);
    case PT_FIELD_CONTENT_LENGTH:
        return content_length_field(h, v, value.len);
    case PT_FIELD_TRANSFER_ENCODING:
        h->flags |= PT_HTTP_HAS_TRANSFER_ENCODING;
        if (pt_http_value_codings(v, value.len, h) != 0)
            return pt_http_head_fail(h, 400, "invalid Transfer-Encoding", 0);
        return 0;
    case PT_FIELD_CONNECTION:
        if (pt_http_value_connection(v, value.len, h) != 0)
            return pt_http_head_fail(h, 400, "invalid Connection", 0);
        return 0;
    case PT_FIELD_UPGRADE:
        h->upgrade_index = (int16_t)index;
        return 0;
    case PT_FIELD_EXPECT:
        if (h->is_request && pt_http_token_eq(v, value.len, "100-continue"))
            h->flags |= PT_HTTP_EXPECT_CONTINUE;
        return 0;
    default:
        return 0;
    }
}

int pt_http_head_field(struct pt_http_head *h, const char *buf, uint32_t index)
{
    int rc = interpret(h, buf, index);

    h->field_kind = PT_FIELD_OTHER;
    return rc == 0 ? 0 : -1;
}

int pt_http_head_finish(struct pt_http_head *h)
{
    if ((h->flags & PT_HTTP_HAS_TRANSFER_ENCODING) && h->te_codings == 0)
        return pt_http_head_fail(h, 400, "empty Transfer-Encoding", 0);
    if ((h->flags & PT_HTTP_CONN_UPGRADE) && h->upgrade_index >= 0)
        h->flags |= PT_HTTP_UPGRADE;
    return 0;
}
