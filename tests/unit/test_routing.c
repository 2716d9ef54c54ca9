/* tests/unit/test_routing.c - server_name and location choice (proxy/server_names.h,
 * proxy/location.h) on configs loaded from temp files, as tables of Host values and
 * paths with the answer nginx gives for each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "proxy/location.h"
#include "proxy/routing.h"
#include "proxy/server_names.h"
#include "tests/tap.h"
#include "tests/unit/config_file.h"

static char dir[] = "/tmp/pt_routing_XXXXXX";

/* Loads text as DIR/NAME; NULL (with a diagnostic) when the config is refused. The path
 * is static: config/ keeps the pointer it was given as the name in messages and origins. */
static struct pt_config *load(const char *name, const char *text)
{
    struct pt_conf_error err;
    struct pt_config *cfg = pt_test_config_load(dir, name, text, &err);

    if (cfg == NULL)
        tap_diag("load %s: %s", name, err.message);
    return cfg;
}

static const char *names_conf =
    "events {}\n"
    "http {\n"
    "  server { listen 127.0.0.1:18080; server_name first.test; return 200 s0; }\n"
    "  server { listen 127.0.0.1:18080 default_server; server_name default.test; }\n"
    "  server { listen 127.0.0.1:18080; server_name example.com www.EXAMPLE.org \"\"; }\n"
    "  server { listen 127.0.0.1:18080; server_name *.example.com; }\n"
    "  server { listen 127.0.0.1:18080; server_name *.www.example.com; }\n"
    "  server { listen 127.0.0.1:18080; server_name .example.net; }\n"
    "  server { listen 127.0.0.1:18080; server_name www.example.*; }\n"
    "  server { listen 127.0.0.1:18080; server_name www.example.co.*; }\n"
    "  server { listen 127.0.0.1:18080; server_name ~^api(\\d+)\\.test$; }\n"
    "  server { listen 127.0.0.1:18080; server_name ~^(?<sub>[a-z]+)\\.regex\\.test$"
    " ~^api1\\.test$; }\n"
    "  server { listen 127.0.0.1:18080; server_name \"~^mixed\\.Case$\"; }\n"
    "  server { listen 127.0.0.1:18081; server_name other.test; }\n"
    "  server { listen 127.0.0.1:18081; }\n"
    "}\n";

/* Host as sent -> index of the server in cfg->servers (-1: the Host is refused). */
static const struct {
    const char *host;
    int server;
    int listener;
} host_table[] = {
    {"example.com", 2, 0},        {"EXAMPLE.com", 2, 0},       {"example.com.", 2, 0},
    {"example.com:8080", 2, 0},   {"www.example.org", 2, 0},   {"", 2, 0},
    {"a.example.com", 3, 0},      {"a.b.example.com", 3, 0},   {"x.www.example.com", 4, 0},
    {"www.example.com", 3, 0},    {"example.net", 5, 0},       {"a.example.net", 5, 0},
    {"www.example.de", 6, 0},     {"www.example.co.uk", 7, 0}, {"www.example", 1, 0},
    {"api7.test", 8, 0},          {"api1.test", 8, 0},         {"foo.regex.test", 9, 0},
    {"MIXED.case", 10, 0},        {"nothing.test", 1, 0},      {"first.test", 0, 0},
    {"FIRST.TEST.:80", 0, 0},     {"[::1]:8080", 1, 0},        {"a..b", -1, 0},
    {":80", -1, 0},               {"", 12, 1},                 {"zzz", 11, 1},
    {"other.test", 11, 1},
};

static int server_index(const struct pt_config *cfg, const struct pt_conf_server *srv)
{
    for (uint32_t i = 0; i < cfg->server_count; i++)
        if (cfg->servers[i] == srv)
            return (int)i;
    return -2;
}

/* Routes host on listener li; fills caps and hostbuf. The server index or -1. */
static int route_host(const struct pt_config *cfg, const struct pt_routing *rt, int li,
                      const char *host, char *hostbuf, long *hlen, struct pt_captures *caps)
{
    const struct pt_conf_listener *l = cfg->listeners[li];

    *hlen = 0;
    if (host[0] && (*hlen = pt_server_names_host(host, strlen(host), hostbuf, 256)) < 0)
        return -1;
    return server_index(cfg, pt_server_names_find(pt_routing_names(rt, l), hostbuf,
                                                  (size_t)*hlen, caps));
}

static void test_server_names(void)
{
    struct pt_config *cfg = load("names.conf", names_conf);
    char err[512];
    struct pt_routing *rt = cfg ? pt_routing_new(cfg, err, sizeof(err)) : NULL;
    struct pt_captures caps;
    char host[256];
    const char *v;
    long hlen, n;

    if (!tap_ok(rt != NULL, "server_name config loads and routing builds"))
        return;
    TAP_INT(cfg->listener_count, 2, "two listeners");
    for (size_t i = 0; i < sizeof(host_table) / sizeof(host_table[0]); i++)
        TAP_INT(route_host(cfg, rt, host_table[i].listener, host_table[i].host, host, &hlen,
                           &caps),
                host_table[i].server, "Host \"%s\" (listener %d)", host_table[i].host,
                host_table[i].listener);
    route_host(cfg, rt, 0, "api42.test", host, &hlen, &caps);
    n = pt_captures_get(&caps, host, 1, &v);
    tap_ok(n == 2 && memcmp(v, "42", 2) == 0, "server_name regex: $1 is \"42\"");
    route_host(cfg, rt, 0, "Foo.regex.test", host, &hlen, &caps);
    n = pt_captures_get(&caps, host, (uint32_t)pt_regex_group(caps.re, "sub", 3), &v);
    tap_ok(n == 3 && memcmp(v, "foo", 3) == 0, "server_name named capture sub is \"foo\"");
    TAP_INT(pt_regex_group(caps.re, "nope", 4), -1, "unknown group name");
    route_host(cfg, rt, 0, "example.com", host, &hlen, &caps);
    tap_ok(caps.re == NULL, "an exact match leaves no captures");
    tap_ok(pt_routing_for(cfg) != NULL && pt_routing_for(cfg) == pt_routing_for(cfg),
           "pt_routing_for builds once per snapshot");
    pt_routing_free(rt);
    pt_config_unref(cfg);
}

static const char *locations_conf =
    "events {}\n"
    "http {\n"
    "  server { listen 127.0.0.1:18082;\n"
    "    location = / { }\n"
    "    location / { }\n"
    "    location /docs/ {\n"
    "      location /docs/api/ { }\n"
    "      location ~ \\.md$ { }\n"
    "    }\n"
    "    location ^~ /static/ {\n"
    "      location ~ \\.css$ { }\n"
    "    }\n"
    "    location ~ \\.(png|jpg)$ { }\n"
    "    location ~* \\.GIF$ { }\n"
    "    location ~ ^/docs/(.+)\\.txt$ { }\n"
    "    location ~ /img/ { }\n"
    "    location = /exact { }\n"
    "    location /exact { }\n"
    "    location @named { }\n"
    "    location ~ ^/re/(?<id>\\d+) {\n"
    "      location ~ /edit$ { }\n"
    "    }\n"
    "  }\n"
    "}\n";

static const struct {
    const char *uri;
    const char *loc; /* modifier and pattern, "" for none */
    const char *cap1; /* $1 expected, NULL for unset */
} uri_table[] = {
    {"/", "=/", NULL},
    {"/index.html", "/", NULL},
    {"/docs/", "/docs/", NULL},
    {"/docs/api/x", "/docs/api/", NULL},
    {"/docs/readme.md", "~\\.md$", NULL},
    {"/docs/a.txt", "~^/docs/(.+)\\.txt$", "a"},
    {"/docs/api/a.txt", "~^/docs/(.+)\\.txt$", "api/a"},
    {"/docs/x.png", "~\\.(png|jpg)$", "png"},
    {"/static/a.png", "^~/static/", NULL},
    {"/static/a.css", "~\\.css$", NULL},
    {"/x/a.png", "~\\.(png|jpg)$", "png"},
    {"/img/a.png", "~\\.(png|jpg)$", "png"},
    {"/img/a.txt", "~/img/", NULL},
    {"/x/A.gif", "~*\\.GIF$", NULL},
    {"/x/a.PNG", "/", NULL},
    {"/exact", "=/exact", NULL},
    {"/exact/more", "/exact", NULL},
    {"/named", "/", NULL},
    {"/re/12", "~^/re/(?<id>\\d+)", "12"},
    {"/re/12/edit", "~/edit$", NULL},
};

static const char *describe(const struct pt_conf_location *loc, char *buf, size_t size)
{
    static const char *const mod[] = {"", "=", "^~", "~", "~*", "@"};

    if (loc == NULL)
        return "(none)";
    snprintf(buf, size, "%s%.*s", mod[loc->match], (int)loc->pattern_len, loc->pattern);
    return buf;
}

static void check_uri(const struct pt_routing *rt, const struct pt_conf_server *srv, size_t i)
{
    const char *uri = uri_table[i].uri, *v = NULL;
    struct pt_captures caps;
    char buf[128];
    const struct pt_conf_location *loc =
        pt_location_find(rt, srv, uri, strlen(uri), &caps);
    long n;

    TAP_STR(describe(loc, buf, sizeof(buf)), uri_table[i].loc, "location for %s", uri);
    if (uri_table[i].cap1 == NULL)
        return;
    n = pt_captures_get(&caps, uri, 1, &v);
    tap_ok(n == (long)strlen(uri_table[i].cap1) && memcmp(v, uri_table[i].cap1, (size_t)n) == 0,
           "$1 for %s is \"%s\"", uri, uri_table[i].cap1);
}

static void test_locations(void)
{
    struct pt_config *cfg = load("locations.conf", locations_conf);
    char err[512];
    struct pt_routing *rt = cfg ? pt_routing_new(cfg, err, sizeof(err)) : NULL;
    const struct pt_conf_server *srv;
    struct pt_captures caps;
    const char *v;
    long n;

    if (!tap_ok(rt != NULL, "location config loads and routing builds"))
        return;
    srv = cfg->servers[0];
    for (size_t i = 0; i < sizeof(uri_table) / sizeof(uri_table[0]); i++)
        check_uri(rt, srv, i);
    pt_location_find(rt, srv, "/re/77", 6, &caps);
    n = pt_captures_get(&caps, "/re/77", (uint32_t)pt_regex_group(caps.re, "id", 2), &v);
    tap_ok(n == 2 && memcmp(v, "77", 2) == 0, "location named capture id is \"77\"");
    tap_ok(pt_location_named(srv, "named") != NULL, "@named is found by name");
    tap_ok(pt_location_named(srv, "docs") == NULL, "a prefix location is not a named one");
    pt_routing_free(rt);
    pt_config_unref(cfg);
}

/* An invalid regex is refused with its position, for `portico -t`. */
static void test_invalid(const char *name, const char *text, const char *want)
{
    struct pt_config *cfg = load(name, text);
    char err[512] = "";

    if (!tap_ok(cfg != NULL, "%s loads", name))
        return;
    TAP_INT(pt_routing_check(cfg, err, sizeof(err)), -1, "%s: routing refuses it", name);
    tap_ok(strstr(err, want) != NULL, "%s: message has \"%s\"", name, want);
    tap_diag("%.*s", (int)strcspn(err, "\n"), err); /* the first line: TAP wants "# " */
    pt_config_unref(cfg);
}

/* 10,000 exact names and 1,000 wildcards of each kind: the hash tables hold them all. */
static void test_many_names(void)
{
    size_t cap = 400000, len = 0;
    char *text = malloc(cap), host[256];
    struct pt_captures caps;
    struct pt_config *cfg;
    long hlen;

    len += (size_t)snprintf(text + len, cap - len,
                            "events {}\nhttp {\n server { listen 127.0.0.1:18083; }\n"
                            " server { listen 127.0.0.1:18083; server_name");
    for (int i = 0; i < 10000; i++)
        len += (size_t)snprintf(text + len, cap - len, " n%d.big.test", i);
    len += (size_t)snprintf(text + len, cap - len, "; }\n server { listen 127.0.0.1:18083;"
                                                   " server_name");
    for (int i = 0; i < 1000; i++)
        len += (size_t)snprintf(text + len, cap - len, " *.w%d.test www.t%d.*", i, i);
    snprintf(text + len, cap - len, "; }\n}\n");
    cfg = load("many.conf", text);
    free(text);
    struct pt_routing *rt = cfg ? pt_routing_new(cfg, host, sizeof(host)) : NULL;
    if (!tap_ok(rt != NULL, "10,000 names load"))
        return;
    TAP_INT(route_host(cfg, rt, 0, "n9999.big.test", host, &hlen, &caps), 1, "last exact name");
    TAP_INT(route_host(cfg, rt, 0, "n0.big.test", host, &hlen, &caps), 1, "first exact name");
    TAP_INT(route_host(cfg, rt, 0, "a.b.w999.test", host, &hlen, &caps), 2, "a head wildcard");
    TAP_INT(route_host(cfg, rt, 0, "www.t500.org", host, &hlen, &caps), 2, "a tail wildcard");
    TAP_INT(route_host(cfg, rt, 0, "n10000.big.test", host, &hlen, &caps), 0, "no such name");
    pt_routing_free(rt);
    pt_config_unref(cfg);
}

int main(void)
{
    char cmd[64];

    if (mkdtemp(dir) == NULL)
        return 1;
    test_server_names();
    test_locations();
    test_invalid("badloc.conf",
                 "events {}\nhttp {\n  server {\n    listen 127.0.0.1:18084;\n"
                 "    location ~ ^/(a {}\n  }\n}\n",
                 "badloc.conf:5:16: invalid regex \"^/(a\"");
    test_invalid("badname.conf",
                 "events {}\nhttp {\n  server {\n    listen 127.0.0.1:18084;\n"
                 "    server_name ~^(x;\n  }\n}\n",
                 "badname.conf:5:18: invalid regex \"^(x\" in server_name");
    test_invalid("badname2.conf",
                 "events {}\nhttp {\n  server {\n    listen 127.0.0.1:18084;\n"
                 "    server_name a.test\n        ~^ok$ ~^(y;\n  }\n}\n",
                 "badname2.conf:6:16: invalid regex \"^(y\" in server_name");
    test_many_names();
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        tap_diag("could not remove %s", dir);
    return tap_done();
}
