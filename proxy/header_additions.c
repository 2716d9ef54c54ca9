/* proxy/header_additions.c - header_additions.h. */
#include "proxy/header_additions.h"

#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "core/clock.h"
#include "proxy/http_response.h"
#include "proxy/request.h"
#include "proxy/variables.h"

int pt_header_add(struct pt_buf *x, const char *s, size_t n)
{
    if (pt_buf_room(x) < n && pt_buf_grow(x, x->end + (uint32_t)n + 256) != 0)
        return -1;
    memcpy(x->data + x->end, s, n);
    x->end += (uint32_t)n;
    return 0;
}

int pt_header_add_uint(struct pt_buf *x, unsigned long long v)
{
    char digits[20];
    int n = 20;

    do {
        digits[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return pt_header_add(x, digits + n, (size_t)(20 - n));
}

int pt_header_addf(struct pt_buf *x, const char *fmt, unsigned long long v)
{
    char line[96];
    int n = snprintf(line, sizeof(line), fmt, v);

    return pt_header_add(x, line, (size_t)n);
}

/* The statuses nginx's expires and (without "always") add_header apply to. */
static int status_takes_headers(uint16_t status)
{
    return status == 200 || status == 201 || status == 204 || status == 206 ||
           status == 301 || status == 302 || status == 303 || status == 304 ||
           status == 307 || status == 308;
}

/* nginx's ngx_next_time: today's local time of day "of" seconds, or tomorrow's once
 * that has passed. */
static time_t next_time_of_day(time_t now, long long of)
{
    struct tm tm;
    time_t next;

    localtime_r(&now, &tm);
    tm.tm_hour = (int)(of / 3600);
    tm.tm_min = (int)(of % 3600 / 60);
    tm.tm_sec = (int)(of % 60);
    next = mktime(&tm);
    if (next != -1 && next > now)
        return next;
    tm.tm_mday++; /* mktime normalises the 32nd */
    return mktime(&tm);
}

/* mtime: the file's, or -1 for a response without one. */
static int put_expires(struct pt_buf *x, const struct pt_conf_expires *e, time_t mtime)
{
    char date[PT_HTTP_DATE_LEN];
    long long sec = e->time / 1000;
    time_t now = pt_now_sec, when;

    switch (e->mode) {
    case PT_EXPIRES_OFF:
        return 0;
    case PT_EXPIRES_EPOCH:
        return PT_HEADER_LIT(x, "Expires: Thu, 01 Jan 1970 00:00:01 GMT\r\nCache-Control: no-cache\r\n");
    case PT_EXPIRES_MAX:
        return PT_HEADER_LIT(x, "Expires: Thu, 31 Dec 2037 23:55:55 GMT\r\n"
                          "Cache-Control: max-age=315360000\r\n");
    case PT_EXPIRES_DAILY:
        when = next_time_of_day(now, sec);
        break;
    case PT_EXPIRES_MODIFIED:
        when = (mtime != -1 ? mtime : now) + sec;
        break;
    default:
        when = now + sec;
        break;
    }
    pt_http_date_format(when, date);
    if (pt_header_add(x, "Expires: ", 9) || pt_header_add(x, date, sizeof(date)) || pt_header_add(x, "\r\n", 2))
        return -1;
    if (sec < 0 || when < now)
        return PT_HEADER_LIT(x, "Cache-Control: no-cache\r\n");
    return pt_header_addf(x, "Cache-Control: max-age=%llu\r\n", (unsigned long long)(when - now));
}

int pt_header_additions(const struct pt_request *r, uint16_t status, time_t mtime,
                         struct pt_buf *x)
{
    const struct pt_conf_http_values *v = r->values;
    int regular = status_takes_headers(status);

    if (regular && put_expires(x, &v->expires, mtime) != 0)
        return -1;
    for (uint32_t i = 0; i < v->add_header.count; i++) {
        const struct pt_conf_header *h = &v->add_header.list[i];
        uint32_t mark = x->end;
        if (!regular && !h->always)
            continue;
        if (pt_header_add(x, h->name, h->name_len) || pt_header_add(x, ": ", 2) ||
            pt_complex_eval(r, &h->value, x) != 0)
            return -1;
        if (x->end == mark + h->name_len + 2) { /* an empty value: no header, as nginx */
            x->end = mark;
            continue;
        }
        if (pt_header_add(x, "\r\n", 2))
            return -1;
    }
    return 0;
}

