/* config/upstream_addr.c - upstream addresses as nginx reads them: host[:port][uri],
 * "[v6]" in brackets, and host names resolved when the config loads.
 *
 * The split follows nginx's ngx_parse_inet_url and ngx_parse_inet6_url step for step
 * (the port is looked for before the host, so "::1" is an invalid port, not a host), so
 * the reasons given are nginx's. Resolution is getaddrinfo's, every address kept, IPv4
 * before IPv6, as ngx_inet_resolve_host does: a name that resolves to three addresses
 * is three peers. This is the one place config/ asks the network anything, and only
 * for names: address literals never reach getaddrinfo. */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "config/upstream.h"
#include "config/values.h"
#include "core/pt_types.h"

static const char *find_char(const char *s, const char *end, char c)
{
    return memchr(s, c, (size_t)(end - s));
}

/* nginx's ngx_atoi on a port: digits only, 1 to 65535. */
static int parse_port(const char *s, const char *end, uint16_t *port)
{
    uint64_t n;

    if (pt_conf_parse_number(s, (uint32_t)(end - s), &n) != PT_OK || n < 1 || n > 65535)
        return PT_ERROR;
    *port = (uint16_t)n;
    return PT_OK;
}

static const char *parse_v6(const char *s, const char *last, int allow_uri,
                            struct pt_conf_hostport *out)
{
    const char *close = find_char(s + 1, last, ']'), *port, *uri;
    struct in6_addr a;
    char text[INET6_ADDRSTRLEN + 1];
    size_t n;

    if (!close)
        return "invalid host";
    port = close + 1;
    uri = find_char(port, last, '/');
    if (uri) {
        if (!allow_uri)
            return "invalid host";
        out->uri = uri;
        out->uri_len = (uint32_t)(last - uri);
        last = uri;
    }
    if (port < last) {
        if (*port != ':')
            return "invalid host";
        if (parse_port(port + 1, last, &out->port) != PT_OK)
            return "invalid port";
        out->port_text = port + 1;
        out->port_len = (uint32_t)(last - port - 1);
    }
    n = (size_t)(close - s - 1);
    if (n == 0)
        return "no host";
    out->host = s;
    out->host_len = (uint32_t)n + 2;
    out->ipv6 = 1;
    if (n >= sizeof(text))
        return "invalid IPv6 address";
    memcpy(text, s + 1, n);
    text[n] = '\0';
    if (inet_pton(AF_INET6, text, &a) != 1)
        return "invalid IPv6 address";
    return NULL;
}

static const char *parse_v4(const char *s, const char *last, int allow_uri,
                            struct pt_conf_hostport *out)
{
    const char *port = find_char(s, last, ':');
    const char *uri = find_char(s, last, '/'), *args = find_char(s, last, '?');

    if (args && (!uri || args < uri))
        uri = args;
    if (uri) {
        if (!allow_uri)
            return "invalid host";
        out->uri = uri;
        out->uri_len = (uint32_t)(last - uri);
        last = uri;
        if (port && uri < port)
            port = NULL;
    }
    if (port) {
        if (parse_port(port + 1, last, &out->port) != PT_OK)
            return "invalid port";
        out->port_text = port + 1;
        out->port_len = (uint32_t)(last - port - 1);
        last = port;
    }
    if (last == s)
        return "no host";
    out->host = s;
    out->host_len = (uint32_t)(last - s);
    return NULL;
}

const char *pt_conf_parse_hostport(const char *s, uint32_t len, uint16_t default_port,
                                   int allow_uri, struct pt_conf_hostport *out)
{
    memset(out, 0, sizeof(*out));
    out->port = default_port;
    if (len > 0 && s[0] == '[')
        return parse_v6(s, s + len, allow_uri, out);
    return parse_v4(s, s + len, allow_uri, out);
}

static void set_port(struct pt_conf_addr *a, uint16_t port)
{
    if (a->ss.ss_family == AF_INET6)
        ((struct sockaddr_in6 *)&a->ss)->sin6_port = htons(port);
    else
        ((struct sockaddr_in *)&a->ss)->sin_port = htons(port);
}

/* An address literal: 1 when the host was one (*a filled), 0 when it is a name. */
static int literal(const char *host, int ipv6, struct pt_conf_addr *a)
{
    struct sockaddr_in *sin = (struct sockaddr_in *)&a->ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->ss;

    memset(a, 0, sizeof(*a));
    if (ipv6 && inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        a->len = sizeof(*sin6);
        return 1;
    }
    if (!ipv6 && inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        a->len = sizeof(*sin);
        return 1;
    }
    return 0;
}

/* The addresses of one family from res, appended at out[*n]. */
static void take_family(const struct addrinfo *res, int family, struct pt_conf_addr *out,
                        uint32_t *n)
{
    for (const struct addrinfo *r = res; r; r = r->ai_next) {
        if (r->ai_family != family || r->ai_addrlen > sizeof(out->ss))
            continue;
        memset(&out[*n], 0, sizeof(out[*n]));
        memcpy(&out[*n].ss, r->ai_addr, r->ai_addrlen);
        out[*n].len = r->ai_addrlen;
        (*n)++;
    }
}

static int resolve_name(struct pt_conf_load *ld, const char *host, struct pt_conf_addr **addrs,
                        uint32_t *count)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_ADDRCONFIG};
    struct addrinfo *res = NULL;
    uint32_t n = 0;

    if (getaddrinfo(host, NULL, &hints, &res) != 0 || !res)
        return PT_AGAIN;
    for (const struct addrinfo *r = res; r; r = r->ai_next)
        n++;
    *addrs = pt_conf_alloc(ld, n * sizeof(**addrs));
    if (!*addrs) {
        freeaddrinfo(res);
        return PT_ERROR;
    }
    n = 0;
    take_family(res, AF_INET, *addrs, &n);
    take_family(res, AF_INET6, *addrs, &n);
    freeaddrinfo(res);
    *count = n;
    return n ? PT_OK : PT_AGAIN;
}

int pt_conf_resolve(struct pt_conf_load *ld, const struct pt_conf_hostport *hp,
                    struct pt_conf_addr **addrs, uint32_t *count)
{
    uint32_t skip = hp->ipv6 ? 1 : 0;
    char *host = pt_conf_strdup(ld, hp->host + skip, hp->host_len - 2 * skip);
    struct pt_conf_addr one;
    int rc;

    if (!host)
        return PT_ERROR;
    if (literal(host, hp->ipv6, &one)) {
        *addrs = pt_conf_alloc(ld, sizeof(**addrs));
        if (!*addrs)
            return PT_ERROR;
        **addrs = one;
        *count = 1;
    } else {
        rc = resolve_name(ld, host, addrs, count);
        if (rc != PT_OK)
            return rc;
    }
    for (uint32_t i = 0; i < *count; i++)
        set_port(&(*addrs)[i], hp->port);
    return PT_OK;
}

const char *pt_conf_addr_text(struct pt_conf_load *ld, const struct pt_conf_addr *a)
{
    char host[INET6_ADDRSTRLEN], text[INET6_ADDRSTRLEN + 16];

    if (a->ss.ss_family == AF_INET6) {
        const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)&a->ss;
        inet_ntop(AF_INET6, &s->sin6_addr, host, sizeof(host));
        snprintf(text, sizeof(text), "[%s]:%u", host, ntohs(s->sin6_port));
    } else {
        const struct sockaddr_in *s = (const struct sockaddr_in *)&a->ss;
        inet_ntop(AF_INET, &s->sin_addr, host, sizeof(host));
        snprintf(text, sizeof(text), "%s:%u", host, ntohs(s->sin_port));
    }
    return pt_conf_strdup(ld, text, strlen(text));
}
