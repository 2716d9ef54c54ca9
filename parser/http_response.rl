/* parser/http_response.rl - the response head machine for upstream responses
 * (RFC 9112 sections 4-6). Every refusal is a 502 to the client: a proxy must not pass on
 * a response it cannot frame exactly. */
#include <string.h>

#include "parser/http_internal.h"
#include "parser/http_scan.h"

%%{
machine pt_http_response;
include pt_http_fields "http_fields.rl";

action status_line_end {
    if (status_line_end(resp, (const char *)base, (uint32_t)(fpc - base)) != 0) {
        fbreak;
    }
}

# RFC 9112 4. The reason phrase is optional, and so (leniently, since it carries nothing
# a client may act on) is the SP before an empty one.
reason_phrase = ( HTAB | SP | vchar | obs_text )*;
status_line = http_version SP digit{3} ( SP reason_phrase )? CRLF
              @status_line_end @line_next;

main := status_line header_line* head_end;
}%%

%% write data;

/* "HTTP/d.d SP ddd": version and status sit at fixed offsets from the line start. */
static int status_line_end(struct pt_http_response *resp, const char *buf, uint32_t lf_off)
{
    struct pt_http_head *h = &resp->head;
    const char *line = buf + h->line_start;
    uint32_t reason_off = h->line_start + 13;

    h->version_major = (uint8_t)(line[5] - '0');
    h->version_minor = (uint8_t)(line[7] - '0');
    resp->status = (uint16_t)((line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0'));
    if (lf_off - 1 > reason_off)
        resp->reason = (struct pt_slice){reason_off, lf_off - 1 - reason_off};
    else
        resp->reason = (struct pt_slice){lf_off - 1, 0};
    h->first_line_done = 1;
    if (h->version_major != 1) {
        pt_http_head_fail(h, 502, "upstream HTTP major version is not 1", h->line_start + 5);
        return -1;
    }
    if (resp->status < 100) {
        pt_http_head_fail(h, 502, "upstream status code below 100", h->line_start + 9);
        return -1;
    }
    return 0;
}

void pt_http_response_init(struct pt_http_response *resp, struct pt_http_header *headers,
                           uint16_t capacity, const struct pt_http_limits *limits,
                           enum pt_http_method request_method)
{
    memset(resp, 0, sizeof(*resp));
    pt_http_head_init(&resp->head, headers, capacity, limits);
    resp->head.cs = pt_http_response_start;
    resp->request_method = request_method;
}

static int run_machine(struct pt_http_response *resp, const char *buf, size_t len)
{
    struct pt_http_head *h = &resp->head;
    const unsigned char *base = (const unsigned char *)buf;
    const unsigned char *p = base + h->off;
    const unsigned char *pe = base + pt_http_head_window(h, len);
    int cs = h->cs;

    %% write exec;

    h->cs = cs;
    h->off = (uint32_t)(p - base);
    if (h->error_status) /* the head's own refusals (431) mean a bad upstream here */
        return pt_http_head_fail(h, 502, h->error_reason, h->error_offset);
    if (cs == pt_http_response_error)
        return pt_http_head_fail(h, 502, pt_http_syntax_reason(h, buf, len, h->off), h->off);
    if (h->done)
        return PT_PARSE_DONE;
    return pt_http_head_stopped(h, h->off, len, 502, 502);
}

/* RFC 9112 6.3, in its order. Where the RFC lets a recipient guess (Transfer-Encoding
 * beside Content-Length, codings portico cannot undo), the response is refused. */
static int response_framing(struct pt_http_response *resp)
{
    struct pt_http_head *h = &resp->head;
    uint16_t s = resp->status;

    if (resp->request_method == PT_METHOD_HEAD || s < 200 || s == 204 || s == 304) {
        h->framing = PT_BODY_NONE;
    } else if (resp->request_method == PT_METHOD_CONNECT && s < 300) {
        h->framing = PT_BODY_TUNNEL;
    } else if (h->flags & PT_HTTP_HAS_TRANSFER_ENCODING) {
        if (h->flags & PT_HTTP_HAS_CONTENT_LENGTH)
            return pt_http_head_fail(h, 502, "upstream sent Content-Length and Transfer-Encoding", 0);
        if (h->version_minor == 0)
            return pt_http_head_fail(h, 502, "upstream sent Transfer-Encoding in HTTP/1.0", 0);
        if (h->te_chunked != 1 || !h->te_chunked_last || h->te_codings != 1)
            return pt_http_head_fail(h, 502, "upstream transfer coding is not just chunked", 0);
        h->framing = PT_BODY_CHUNKED;
    } else if (h->flags & PT_HTTP_HAS_CONTENT_LENGTH) {
        h->framing = PT_BODY_LENGTH;
    } else {
        h->framing = PT_BODY_UNTIL_CLOSE;
    }
    return 0;
}

static int response_semantics(struct pt_http_response *resp)
{
    struct pt_http_head *h = &resp->head;

    if (pt_http_head_finish(h) != 0 || response_framing(resp) != 0)
        return pt_http_head_fail(h, 502, h->error_reason, h->error_offset);
    /* An until-close body or a tunnel ends the connection whatever it says; so does
     * Transfer-Encoding in HTTP/1.0 where no body made it an error (RFC 9112 6.1). */
    if (h->framing != PT_BODY_UNTIL_CLOSE && h->framing != PT_BODY_TUNNEL &&
        !(h->version_minor == 0 && (h->flags & PT_HTTP_HAS_TRANSFER_ENCODING)))
        pt_http_head_keep_alive(h);
    if (resp->status != 101)
        h->flags &= (uint16_t)~PT_HTTP_UPGRADE;
    return PT_PARSE_DONE;
}

int pt_http_response_parse(struct pt_http_response *resp, const char *buf, size_t len)
{
    int rc;

    if (resp->head.error_status)
        return PT_PARSE_ERROR;
    if (resp->head.done)
        return PT_PARSE_DONE;
    rc = run_machine(resp, buf, len);
    if (rc != PT_PARSE_DONE)
        return rc;
    resp->head.head_length = resp->head.off;
    return response_semantics(resp);
}
