/* proxy/proxy_variables.c - $proxy_host, $proxy_port and $upstream_* (proxy_variables.h),
 * as nginx writes them: times in seconds with milliseconds, "-" parts left empty. */
#include "proxy/proxy_variables.h"

#include <stdio.h>
#include <string.h>

#include "proxy/proxy.h"
#include "proxy/request.h"

static int is(const char *n, uint32_t len, const char *lit)
{
    return len == strlen(lit) && memcmp(n, lit, len) == 0;
}

static long put_time(char *buf, size_t cap, uint64_t from, uint64_t to)
{
    if (to == 0 || to < from)
        return 0;
    return snprintf(buf, cap, "%llu.%03llu", (unsigned long long)((to - from) / 1000),
                    (unsigned long long)((to - from) % 1000));
}

static long put_text(char *buf, size_t cap, const char *s, size_t len)
{
    if (len >= cap)
        len = cap - 1;
    memcpy(buf, s, len);
    return (long)len;
}

/* nginx's lists: one entry per attempt, ", " between. */
static long put_addrs(const struct pt_proxy_info *in, char *buf, size_t cap)
{
    size_t n = 0;

    for (uint8_t i = 0; i < in->addr_count && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%s", i ? ", " : "", in->addrs[i]);
    return (long)(n < cap ? n : cap - 1);
}

static long put_statuses(const struct pt_proxy_info *in, char *buf, size_t cap)
{
    size_t n = 0;

    for (uint8_t i = 0; i < in->status_count && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%u", i ? ", " : "", in->statuses[i]);
    return (long)(n < cap ? n : cap - 1);
}

/* $proxy_host is proxy_pass's host[:port] as written; $proxy_port its port, 80 if none. */
static long proxy_target(const struct pt_request *r, const char *n, uint32_t len, char *buf,
                         size_t cap)
{
    const struct pt_conf_proxy_pass *pp = &r->values->proxy.pass;
    const char *end, *colon = NULL;

    if (!pp->raw)
        return 0;
    if (is(n, len, "proxy_host"))
        return put_text(buf, cap, pp->host, pp->host_len);
    end = pp->host + pp->host_len;
    for (const char *c = end; c > pp->host && c[-1] != ']'; c--) {
        if (c[-1] == ':') {
            colon = c - 1;
            break;
        }
    }
    if (colon == NULL)
        return put_text(buf, cap, "80", 2);
    return put_text(buf, cap, colon + 1, (size_t)(end - colon - 1));
}

long pt_proxy_variable(const struct pt_request *r, const char *n, uint32_t len, char *buf,
                       size_t cap)
{
    const struct pt_proxy_info *in;

    if (is(n, len, "proxy_host") || is(n, len, "proxy_port"))
        return proxy_target(r, n, len, buf, cap);
    if (len < 9 || memcmp(n, "upstream_", 9) != 0)
        return -1;
    in = pt_proxy_info(r);
    if (in == NULL)
        return 0;
    if (len > 14 && memcmp(n, "upstream_http_", 14) == 0) {
        size_t vlen;
        const char *v = pt_proxy_upstream_header(r, n + 14, len - 14, &vlen);
        return v ? put_text(buf, cap, v, vlen) : 0;
    }
    if (is(n, len, "upstream_addr"))
        return put_addrs(in, buf, cap);
    if (is(n, len, "upstream_status"))
        return put_statuses(in, buf, cap);
    if (is(n, len, "upstream_response_time"))
        return put_time(buf, cap, in->start_ms, in->end_ms);
    if (is(n, len, "upstream_connect_time"))
        return put_time(buf, cap, in->start_ms, in->connect_ms);
    if (is(n, len, "upstream_header_time"))
        return put_time(buf, cap, in->start_ms, in->header_ms);
    if (is(n, len, "upstream_bytes_received"))
        return snprintf(buf, cap, "%llu", (unsigned long long)in->bytes_received);
    if (is(n, len, "upstream_bytes_sent"))
        return snprintf(buf, cap, "%llu", (unsigned long long)in->bytes_sent);
    return 0;
}
