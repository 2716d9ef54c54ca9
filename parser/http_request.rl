/* parser/http_request.rl - the request head machine (RFC 9112 sections 2-3, 5).
 *
 * Request line: method SP request-target SP HTTP-version CRLF (3), then field lines (5)
 * and the blank line. Actions mark offsets and store header slots; what the fields mean
 * (framing, Host, keep-alive) is decided once the head is complete, in C below. */
#include <string.h>

#include "parser/http_internal.h"
#include "parser/http_scan.h"

%%{
machine pt_http_request;
include pt_http_fields "http_fields.rl";

action method_end {
    req->method.off = h->mark;
    req->method.len = (uint32_t)(fpc - base) - h->mark;
}
action target_end {
    req->target.off = h->mark;
    req->target.len = (uint32_t)(fpc - base) - h->mark;
}
action host_mark { req->host_mark = (uint32_t)(fpc + 1 - base); }
action path_mark { req->path_mark = (uint32_t)(fpc - base); }
action skip_target { fexec pt_skip_target(fpc + 1, pe); }
action request_line_end {
    if (request_line_end(req, (const char *)base, (uint32_t)(fpc - base)) != 0) {
        fbreak;
    }
}

# RFC 9112 3.2. Origin-form accepts any VCHAR but '#' (no fragments on the wire), with
# '%' always starting a valid escape: laxer than RFC 3986 for {|}^` because browsers send
# them raw, and as strict as it for everything that could hide a delimiter (CTL, SP, 8-bit).
target_char = ( vchar - [%#] ) | pct_encoded;
origin_form = "/" @skip_target ( ( vchar - [%#] ) | pct_encoded @skip_target )*;
asterisk_form = "*";
scheme = alpha ( alnum | [+\-.] )*;
authority_char = unreserved | pct_encoded | sub_delims | [:\[\]];
absolute_path = ( [/?] target_char* ) >path_mark;
absolute_form = scheme ":/" "/" @host_mark authority_char* absolute_path?;
authority_form = ( ( unreserved | pct_encoded | sub_delims )+ | ip_literal ) ":" digit+;
request_target = ( origin_form | asterisk_form | absolute_form | authority_form );

request_line = token >mark %method_end SP
               request_target >mark %target_end SP
               http_version CRLF @request_line_end @line_next;

# RFC 9112 2.2: at least one empty line before the request line is ignored.
main := ( CRLF @line_next )* request_line header_line* head_end;
}%%

%% write data;

/* The version digits sit at fixed places before the request line's CRLF. */
static int request_line_end(struct pt_http_request *req, const char *buf, uint32_t lf_off)
{
    struct pt_http_head *h = &req->head;

    h->version_major = (uint8_t)(buf[lf_off - 4] - '0');
    h->version_minor = (uint8_t)(buf[lf_off - 2] - '0');
    h->first_line_done = 1;
    if (h->version_major != 1) {
        pt_http_head_fail(h, 505, "HTTP major version is not 1", lf_off - 6);
        return -1;
    }
    return 0;
}

void pt_http_request_init(struct pt_http_request *req, struct pt_http_header *headers,
                          uint16_t capacity, const struct pt_http_limits *limits)
{
    memset(req, 0, sizeof(*req));
    pt_http_head_init(&req->head, headers, capacity, limits);
    req->head.cs = pt_http_request_start;
    req->head.is_request = 1;
}

static int run_machine(struct pt_http_request *req, const char *buf, size_t len)
{
    struct pt_http_head *h = &req->head;
    const unsigned char *base = (const unsigned char *)buf;
    const unsigned char *p = base + h->off;
    const unsigned char *pe = base + pt_http_head_window(h, len);
    int cs = h->cs;

    %% write exec;

    h->cs = cs;
    h->off = (uint32_t)(p - base);
    if (h->error_status)
        return PT_PARSE_ERROR;
    if (cs == pt_http_request_error)
        return pt_http_head_fail(h, 400, pt_http_syntax_reason(h, buf, len, h->off), h->off);
    if (h->done)
        return PT_PARSE_DONE;
    return pt_http_head_stopped(h, h->off, len, 414, 431);
}

/* RFC 9112 3.2: each target form belongs to its method. */
static int classify_target(struct pt_http_request *req, const char *buf)
{
    char first = buf[req->target.off];

    req->path = req->target;
    if (first == '/') {
        req->target_form = PT_TARGET_ORIGIN;
    } else if (first == '*') {
        req->target_form = PT_TARGET_ASTERISK;
    } else if (req->host_mark) {
        uint32_t end = req->target.off + req->target.len;
        uint32_t path = req->path_mark ? req->path_mark : end;
        req->target_form = PT_TARGET_ABSOLUTE;
        req->host = (struct pt_slice){req->host_mark, path - req->host_mark};
        req->path = (struct pt_slice){path, end - path};
        /* It overrides Host, so it passes the same check, and an http(s) URI must name a
         * host (RFC 9110 4.2.1). */
        if (pt_http_value_host(buf + req->host.off, req->host.len) != 0 ||
            req->host.len == 0 || buf[req->host.off] == ':')
            return -1;
    } else {
        req->target_form = PT_TARGET_AUTHORITY;
        req->host = req->target;
    }
    if ((req->method_id == PT_METHOD_CONNECT) != (req->target_form == PT_TARGET_AUTHORITY))
        return -1;
    if (req->target_form == PT_TARGET_ASTERISK && req->method_id != PT_METHOD_OPTIONS)
        return -1;
    return 0;
}

/* RFC 9112 6.1 and 6.3: a request's body is chunked, sized, or absent; anything that
 * leaves two readings of where it ends is refused. */
static int request_framing(struct pt_http_request *req)
{
    struct pt_http_head *h = &req->head;

    if (!(h->flags & PT_HTTP_HAS_TRANSFER_ENCODING)) {
        h->framing = (h->flags & PT_HTTP_HAS_CONTENT_LENGTH) ? PT_BODY_LENGTH : PT_BODY_NONE;
        return 0;
    }
    if (h->flags & PT_HTTP_HAS_CONTENT_LENGTH)
        return pt_http_head_fail(h, 400, "both Content-Length and Transfer-Encoding", 0);
    if (h->version_minor == 0)
        return pt_http_head_fail(h, 400, "Transfer-Encoding in an HTTP/1.0 request", 0);
    if (h->te_chunked != 1 || !h->te_chunked_last)
        return pt_http_head_fail(h, 400, "chunked is not the final transfer coding once", 0);
    if (h->te_codings > h->te_chunked)
        return pt_http_head_fail(h, 501, "transfer coding other than chunked", 0);
    h->framing = PT_BODY_CHUNKED;
    return 0;
}

static int request_semantics(struct pt_http_request *req, const char *buf)
{
    struct pt_http_head *h = &req->head;

    req->method_id = pt_http_method_id(buf + req->method.off, req->method.len);
    if (classify_target(req, buf) != 0)
        return pt_http_head_fail(h, 400, "invalid request-target authority, or a form that does not fit the method",
                                 req->target.off);
    if (pt_http_head_finish(h) != 0)
        return PT_PARSE_ERROR;
    if (h->host_count > 1)
        return pt_http_head_fail(h, 400, "more than one Host header", 0);
    if (h->host_count == 0 && h->version_minor >= 1)
        return pt_http_head_fail(h, 400, "HTTP/1.1 request without Host", 0);
    if (req->target_form != PT_TARGET_ABSOLUTE && req->target_form != PT_TARGET_AUTHORITY)
        req->host = h->host;
    if (request_framing(req) != 0)
        return PT_PARSE_ERROR;
    pt_http_head_keep_alive(h);
    return PT_PARSE_DONE;
}

int pt_http_request_parse(struct pt_http_request *req, const char *buf, size_t len)
{
    int rc;

    if (req->head.error_status)
        return PT_PARSE_ERROR;
    if (req->head.done)
        return PT_PARSE_DONE;
    rc = run_machine(req, buf, len);
    if (rc != PT_PARSE_DONE)
        return rc;
    req->head.head_length = req->head.off;
    return request_semantics(req, buf);
}
