/* proxy/http_response.c - formatting of http_response.h. Headers come in nginx's order
 * (Server, Date, Content-Type, Content-Length, Connection, Location) so that a response
 * compares byte for byte with nginx's but for the product name. */
#include "proxy/http_response.h"

#include <errno.h>
#include <string.h>
#include <time.h>

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

/* Decimal digits of v, without printf: this runs for every response. */
static void put_uint(struct pt_buf *out, uint64_t v)
{
    char digits[20];
    int n = 0;

    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        out->data[out->end++] = digits[--n];
}

static void put_status_line(struct pt_buf *out, uint16_t status)
{
    const char *reason = pt_http_reason(status);

    put(out, "HTTP/1.1 ", 9);
    put_uint(out, status);
    put(out, " ", 1);
    put_str(out, reason);
    put(out, "\r\n", 2);
}

static void put_head(struct pt_buf *out, const struct pt_response *r)
{
    put_status_line(out, r->status);
    put_str(out, r->server_tokens ? "Server: " : "Server: portico");
    if (r->server_tokens)
        put_str(out, pt_version());
    put(out, "\r\nDate: ", 8);
    put(out, pt_clock_http_date(), PT_HTTP_DATE_LEN);
    put(out, "\r\n", 2);
    if (has_body_fields(r->status)) {
        if (r->content_type) {
            put_str(out, "Content-Type: ");
            put_str(out, r->content_type);
            put(out, "\r\n", 2);
        }
        put_str(out, "Content-Length: ");
        put_uint(out, r->body_len);
        put(out, "\r\n", 2);
    }
    if (r->last_modified) {
        put_str(out, "Last-Modified: ");
        pt_http_date_format(r->last_modified, out->data + out->end);
        out->end += PT_HTTP_DATE_LEN;
        put(out, "\r\n", 2);
    }
    if (r->location) {
        put_str(out, "Location: ");
        put(out, r->location, r->location_len);
        put(out, "\r\n", 2);
    }
    put_str(out, r->keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n");
    if (r->keep_alive && r->keep_alive_header_sec) {
        put_str(out, "Keep-Alive: timeout=");
        put_uint(out, r->keep_alive_header_sec);
        put(out, "\r\n", 2);
    }
}

int pt_response_append(struct pt_buf *out, const struct pt_response *r)
{
    size_t body = r->head_only || r->file_body || !has_body_fields(r->status) ? 0 : r->body_len;
    size_t need = HEAD_ROOM + (r->location ? r->location_len + 16 : 0) + r->extra_len + body;

    if (reserve(out, need) != 0)
        return -ENOMEM;
    put_head(out, r);
    if (r->extra_len)
        put(out, r->extra, r->extra_len);
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

void pt_http_date_format(time_t t, char *out)
{
    static const char days[] = "SunMonTueWedThuFriSat";
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    struct tm tm;
    char *p = out;

    gmtime_r(&t, &tm);
    memcpy(p, days + 3 * tm.tm_wday, 3);
    p[3] = ',';
    p[4] = ' ';
    p[5] = (char)('0' + tm.tm_mday / 10);
    p[6] = (char)('0' + tm.tm_mday % 10);
    p[7] = ' ';
    memcpy(p + 8, months + 3 * tm.tm_mon, 3);
    p[11] = ' ';
    int y = tm.tm_year + 1900;
    p[12] = (char)('0' + y / 1000 % 10);
    p[13] = (char)('0' + y / 100 % 10);
    p[14] = (char)('0' + y / 10 % 10);
    p[15] = (char)('0' + y % 10);
    p[16] = ' ';
    p[17] = (char)('0' + tm.tm_hour / 10);
    p[18] = (char)('0' + tm.tm_hour % 10);
    p[19] = ':';
    p[20] = (char)('0' + tm.tm_min / 10);
    p[21] = (char)('0' + tm.tm_min % 10);
    p[22] = ':';
    p[23] = (char)('0' + tm.tm_sec / 10);
    p[24] = (char)('0' + tm.tm_sec % 10);
    memcpy(p + 25, " GMT", 4);
}
