/* proxy/http_response.c - formatting of http_response.h. Headers come in nginx's order
 * (Server, Date, Content-Type, Content-Length, Connection, Location) so that a response
 * compares byte for byte with nginx's but for the product name. */
#include "proxy/http_response.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/version.h"
#include "proxy/http_status.h"

/* Room for every header line but the body and Location: status line, Server, Date,
 * Content-Type, Content-Length, Connection, Keep-Alive. */
#define HEAD_ROOM 512

static int reserve(struct pt_buf *out, size_t need)
{
    if (out->data == NULL)
        return pt_buf_alloc(out, (uint32_t)(need > 4096 ? need : 4096));
    if (pt_buf_room(out) >= need)
        return 0;
    pt_buf_compact(out);
    if (pt_buf_room(out) >= need)
        return 0;
    return pt_buf_grow(out, (uint32_t)(pt_buf_len(out) + need));
}

static void put(struct pt_buf *out, const char *s, size_t n)
{
    memcpy(out->data + out->end, s, n);
    out->end += (uint32_t)n;
}

static void put_str(struct pt_buf *out, const char *s)
{
    put(out, s, strlen(s));
}

/* 204, 304 and 1xx carry neither a body nor its length (RFC 9110 8.6). */
static int has_body_fields(uint16_t status)
{
    return status >= 200 && status != 204 && status != 304;
}

static void put_head(struct pt_buf *out, const struct pt_response *r)
{
    char line[128];
    int n = snprintf(line, sizeof(line), "HTTP/1.1 %u %s\r\nServer: %s\r\nDate: ",
                     r->status, pt_http_reason(r->status),
                     r->server_tokens ? pt_version() : "portico");

    put(out, line, (size_t)n);
    put(out, pt_clock_http_date(), PT_HTTP_DATE_LEN);
    put(out, "\r\n", 2);
    if (has_body_fields(r->status)) {
        if (r->content_type) {
            put_str(out, "Content-Type: ");
            put_str(out, r->content_type);
            put(out, "\r\n", 2);
        }
        n = snprintf(line, sizeof(line), "Content-Length: %zu\r\n", r->body_len);
        put(out, line, (size_t)n);
    }
    put_str(out, r->keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n");
    if (r->keep_alive && r->keep_alive_header_sec) {
        n = snprintf(line, sizeof(line), "Keep-Alive: timeout=%u\r\n", r->keep_alive_header_sec);
        put(out, line, (size_t)n);
    }
}

int pt_response_append(struct pt_buf *out, const struct pt_response *r)
{
    size_t body = r->head_only || !has_body_fields(r->status) ? 0 : r->body_len;
    size_t need = HEAD_ROOM + (r->location ? r->location_len + 16 : 0) + body;

    if (reserve(out, need) != 0)
        return -ENOMEM;
    put_head(out, r);
    if (r->location) {
        put_str(out, "Location: ");
        put(out, r->location, r->location_len);
        put(out, "\r\n", 2);
    }
    put(out, "\r\n", 2);
    if (body)
        put(out, r->body, body);
    return 0;
}

int pt_response_append_continue(struct pt_buf *out)
{
    static const char line[] = "HTTP/1.1 100 Continue\r\n\r\n";

    if (reserve(out, sizeof(line)) != 0)
        return -ENOMEM;
    put(out, line, sizeof(line) - 1);
    return 0;
}
