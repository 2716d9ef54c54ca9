/* config/listen.c - `listen ADDRESS [PARAMETERS]`.
 *
 * Addresses as nginx writes them: 127.0.0.1:8080, 8080, *:8080, [::1]:8080, [::]:80, an
 * address alone (port 80). Host names are not resolved (config/ does no network I/O):
 * they are refused with a hint to write an address. Parameters portico honours:
 * default_server (or nginx's older "default"), reuseport, bind, backlog=N,
 * ipv6only=on|off; nginx's other parameters are refused by name as not supported yet. */
#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "config/blocks.h"
#include "config/setters.h"
#include "config/values.h"
#include "core/pt_types.h"

#define DEFAULT_BACKLOG 511 /* nginx's NGX_LISTEN_BACKLOG on Linux */

static const char address_hint[] =
    "expected an address like 127.0.0.1:8080, 8080, *:8080 or [::1]:8080";

/* Parameters of nginx's listen that portico does not implement yet. */
static const char *const nginx_only_params[] = {
    "ssl", "http2", "http3", "quic", "spdy", "proxy_protocol", "deferred", "setfib=",
    "fastopen=", "rcvbuf=", "sndbuf=", "accept_filter=", "so_keepalive=", NULL,
};

static int parse_port(struct pt_conf_load *ld, const struct pt_conf_word *w, const char *s,
                      uint16_t *port)
{
    uint64_t n;

    if (pt_conf_parse_number(s, (uint32_t)strlen(s), &n) != PT_OK || n < 1 || n > 65535)
        return pt_conf_fail(ld, w, "expected a port from 1 to 65535",
                            "invalid port in \"%s\" of the \"listen\" directive",
                            pt_conf_show(ld, w->text, w->len));
    *port = (uint16_t)n;
    return PT_OK;
}

static void set_v4(struct pt_conf_listen *l, const struct in_addr *a, uint16_t port)
{
    struct sockaddr_in *sin = (struct sockaddr_in *)&l->addr;

    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    sin->sin_addr = *a;
    l->addr_len = sizeof(*sin);
}

static void set_v6(struct pt_conf_listen *l, const struct in6_addr *a, uint16_t port)
{
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&l->addr;

    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    sin6->sin6_addr = *a;
    l->addr_len = sizeof(*sin6);
}

/* [v6]:port or [v6] */
static int parse_v6(struct pt_conf_load *ld, const struct pt_conf_word *w,
                    struct pt_conf_listen *l)
{
    char host[INET6_ADDRSTRLEN + 1];
    const char *close = strchr(w->text, ']');
    struct in6_addr a;
    uint16_t port = 80;
    size_t n;

    if (!close || (close[1] != '\0' && close[1] != ':'))
        return pt_conf_fail(ld, w, address_hint, "invalid address \"%s\" in \"listen\"",
                            pt_conf_show(ld, w->text, w->len));
    n = (size_t)(close - w->text - 1);
    if (n >= sizeof(host))
        n = sizeof(host) - 1;
    memcpy(host, w->text + 1, n);
    host[n] = '\0';
    if (inet_pton(AF_INET6, host, &a) != 1)
        return pt_conf_fail(ld, w, address_hint, "invalid IPv6 address in \"%s\" of \"listen\"",
                            pt_conf_show(ld, w->text, w->len));
    if (close[1] == ':' && parse_port(ld, w, close + 2, &port) != PT_OK)
        return PT_ERROR;
    set_v6(l, &a, port);
    return PT_OK;
}

static int is_digits(const char *s)
{
    return *s && strspn(s, "0123456789") == strlen(s);
}

/* host, host:port, *:port, port */
static int parse_v4(struct pt_conf_load *ld, const struct pt_conf_word *w,
                    struct pt_conf_listen *l)
{
    char host[256];
    const char *colon = strrchr(w->text, ':');
    size_t n = colon ? (size_t)(colon - w->text) : w->len;
    struct in_addr a = {.s_addr = htonl(INADDR_ANY)};
    uint16_t port = 80;

    if (!colon && is_digits(w->text))
        return parse_port(ld, w, w->text, &port) == PT_OK ? (set_v4(l, &a, port), PT_OK)
                                                          : PT_ERROR;
    if (n >= sizeof(host) || memchr(w->text, ':', n))
        return pt_conf_fail(ld, w, "expected an IPv6 address in brackets, like [::1]:8080",
                            "invalid address \"%s\" in \"listen\"",
                            pt_conf_show(ld, w->text, w->len));
    memcpy(host, w->text, n);
    host[n] = '\0';
    if (strcmp(host, "*") != 0 && inet_pton(AF_INET, host, &a) != 1)
        return pt_conf_fail(ld, w, address_hint,
                            "host name \"%s\" in \"listen\" is not supported yet",
                            pt_conf_show(ld, host, (uint32_t)n));
    if (colon && parse_port(ld, w, colon + 1, &port) != PT_OK)
        return PT_ERROR;
    set_v4(l, &a, port);
    return PT_OK;
}

static int set_text(struct pt_conf_load *ld, struct pt_conf_listen *l)
{
    char host[INET6_ADDRSTRLEN], text[INET6_ADDRSTRLEN + 16];

    if (l->addr.ss_family == AF_INET6) {
        const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)&l->addr;
        inet_ntop(AF_INET6, &s->sin6_addr, host, sizeof(host));
        snprintf(text, sizeof(text), "[%s]:%u", host, ntohs(s->sin6_port));
    } else {
        const struct sockaddr_in *s = (const struct sockaddr_in *)&l->addr;
        inet_ntop(AF_INET, &s->sin_addr, host, sizeof(host));
        snprintf(text, sizeof(text), "%s:%u", host, ntohs(s->sin_port));
    }
    l->text = pt_conf_strdup(ld, text, strlen(text));
    return l->text ? PT_OK : PT_ERROR;
}

int pt_conf_listen_address(struct pt_conf_load *ld, const struct pt_conf_word *w,
                           struct pt_conf_listen *l)
{
    int rc;

    if (strncmp(w->text, "unix:", 5) == 0)
        return pt_conf_fail(ld, w, address_hint,
                            "\"listen unix:\" is an nginx feature portico does not support yet");
    rc = w->text[0] == '[' ? parse_v6(ld, w, l) : parse_v4(ld, w, l);
    if (rc != PT_OK)
        return PT_ERROR;
    l->backlog = DEFAULT_BACKLOG;
    l->ipv6only = 1;
    l->origin = pt_conf_origin_of(ld, w);
    return set_text(ld, l);
}

static int param_is(const char *param, const char *name)
{
    size_t n = strlen(name);

    return name[n - 1] == '=' ? strncmp(param, name, n) == 0 : strcmp(param, name) == 0;
}

static int set_backlog(struct pt_conf_load *ld, const struct pt_conf_word *w,
                       struct pt_conf_listen *l)
{
    uint64_t n;

    if (pt_conf_parse_number(w->text + 8, w->len - 8, &n) != PT_OK || n < 1 || n > INT_MAX)
        return pt_conf_fail(ld, w, "expected backlog=N with N a positive number",
                            "invalid backlog \"%s\"", pt_conf_show(ld, w->text + 8, w->len - 8));
    l->backlog = (int)n;
    return PT_OK;
}

static int set_param(struct pt_conf_load *ld, const struct pt_conf_word *w,
                     struct pt_conf_listen *l)
{
    const char *p = w->text;

    if (param_is(p, "default_server") || param_is(p, "default")) {
        l->default_server = 1;
        return PT_OK;
    }
    l->options_set = 1;
    if (param_is(p, "reuseport"))
        return (l->reuseport = 1), PT_OK;
    if (param_is(p, "bind"))
        return PT_OK;
    if (param_is(p, "backlog="))
        return set_backlog(ld, w, l);
    if (param_is(p, "ipv6only="))
        return pt_conf_parse_flag(p + 9, w->len - 9, &l->ipv6only) == PT_OK
                   ? PT_OK
                   : pt_conf_fail(ld, w, "expected ipv6only=on or ipv6only=off",
                                  "invalid ipv6only flags \"%s\"", pt_conf_show(ld, p, w->len));
    for (const char *const *n = nginx_only_params; *n; n++) {
        if (param_is(p, *n))
            return pt_conf_fail(ld, w, NULL,
                                "listen parameter \"%s\" is an nginx feature portico does "
                                "not support yet", pt_conf_show(ld, p, w->len));
    }
    return pt_conf_fail(ld, w,
                        "expected default_server, reuseport, bind, backlog=N or ipv6only=on|off",
                        "invalid parameter \"%s\" in \"listen\"", pt_conf_show(ld, p, w->len));
}

PT_SETTER(pt_conf_set_listen)
{
    struct pt_conf_server_b *sb = ld->scope->server;
    struct pt_conf_listen *l;

    (void)row;
    (void)field;
    if (sb->pub.listen_count == sb->listen_cap)
        return pt_conf_fail_plain(ld, "internal error: listen count");
    l = &sb->pub.listens[sb->pub.listen_count];
    if (pt_conf_listen_address(ld, &node->words[1], l) != PT_OK)
        return PT_ERROR;
    for (uint32_t i = 2; i < node->word_count; i++) {
        if (set_param(ld, &node->words[i], l) != PT_OK)
            return PT_ERROR;
    }
    sb->pub.listen_count++;
    return PT_OK;
}
