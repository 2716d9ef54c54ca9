/* tests/unit/test_map_regex.c - map's regex keys and named captures as variables
 * (config/setters_map.c, config/capture_names.c, proxy/routing.c, proxy/variables.c):
 * what the config accepts and refuses, and the values a known request gets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "core/clock.h"
#include "proxy/http_conn.h"
#include "proxy/request.h"
#include "proxy/routing.h"
#include "proxy/variables.h"
#include "proxy/worker.h"
#include "tests/tap.h"
#include "tests/unit/config_file.h"

static char dir[] = "/tmp/pt_map_regex_XXXXXX";

/* Loads "events {} http { HTTP }"; NULL with err filled when refused. */
static struct pt_config *load(const char *http, struct pt_conf_error *err)
{
    return pt_test_load_http(dir, "access_log off;\n", http, err);
}

static void expect_refused(const char *http, const char *message, const char *what)
{
    struct pt_conf_error err;
    struct pt_config *cfg = load(http, &err);

    if (!tap_ok(cfg == NULL, "%s: refused", what)) {
        pt_config_unref(cfg);
        return;
    }
    if (!tap_ok(strstr(err.message, message) != NULL, "%s: says \"%s\"", what, message))
        tap_diag("got: %s", err.message);
}

static void test_names_accepted(void)
{
    struct pt_conf_error err;
    struct pt_config *cfg;

    /* Used before the regex that defines it, in another server, as nginx allows. */
    cfg = load("server { listen 127.0.0.1:18096; return 200 \"$sub $lc $mk $q\"; }\n"
               "server { listen 127.0.0.1:18096; server_name ~^(?<sub>[a-z]+)\\.x$; }\n"
               "server { listen 127.0.0.1:18096; location ~ ^/(?'lc'[a-z]+) {} "
               "location ~*/(?P<q>b) {} }\n"
               "map $uri $m { \"~^/(?<mk>a{2})\" 1; }",
               &err);
    if (!tap_ok(cfg != NULL, "named groups of server_name, location and map are variables"))
        tap_diag("%s", err.message);
    pt_config_unref(cfg);
    expect_refused("server { listen 127.0.0.1:18096; server_name ~^(?<sub>.+)$;"
                   " return 200 $subx; }", "unknown \"subx\" variable", "an unknown name");
    expect_refused("server { listen 127.0.0.1:18096; location ~ ^(?<=a)b {} return 200 $a; }",
                   "unknown \"a\" variable", "a lookbehind names nothing");
    expect_refused("server { listen 127.0.0.1:18096; location ~ \\(?<e>x {} return 200 $e; }",
                   "unknown \"e\" variable", "an escaped parenthesis names nothing");
    expect_refused("server { listen 127.0.0.1:18096; location /(?<p>x) {} return 200 $p; }",
                   "unknown \"p\" variable", "a prefix location is no regex");
}

static void test_map_config(void)
{
    struct pt_conf_error err;
    struct pt_config *cfg = load("map $uri $m { ~^/a 1; ~*^/B 2; /c 3; default 4; }\n"
                                 "server { listen 127.0.0.1:18096; }", &err);
    const struct pt_conf_map *m = cfg ? pt_conf_map_find(cfg, "m", 1) : NULL;
    char msg[512];

    if (!tap_ok(m != NULL, "a map with regex keys loads")) {
        tap_diag("%s", err.message);
        return;
    }
    TAP_INT(m->entry_count, 1, "one exact key");
    TAP_INT(m->regex_count, 2, "two regex keys");
    TAP_INT(m->regexes[1].caseless, 1, "~* is caseless");
    TAP_INT(m->regexes[0].caseless, 0, "~ is not");
    tap_ok(m->regexes[1].pattern_len == 3 && memcmp(m->regexes[1].pattern, "^/B", 3) == 0,
           "the pattern starts after ~*");
    pt_config_unref(cfg);
    expect_refused("map $uri $m { ~ 1; }", "empty regex in map", "an empty regex");

    cfg = load("map $uri $m {\n  ~^/(a 1;\n}\nserver { listen 127.0.0.1:18096; }", &err);
    if (!tap_ok(cfg != NULL, "a bad map regex passes config/ (it links no PCRE2)"))
        return;
    tap_ok(pt_routing_check(cfg, msg, sizeof(msg)) != 0, "pt_routing_check refuses it");
    tap_ok(strstr(msg, ".conf:5:4: invalid regex \"^/(a\"") != NULL,
           "at the key's file:line:col");
    tap_diag("%.*s", (int)strcspn(msg, "\n"), msg); /* the first line: TAP wants "# " */
    pt_config_unref(cfg);
}

/* Configs evaluated against, freed at the end: pt_routing_for() knows a snapshot by its
 * address, which a freed config's successor could take. */
static struct pt_config *kept[16];
static unsigned kept_count;

static const char request_text[] = "GET /img/cat.PNG?x=1 HTTP/1.1\r\nHost: www.test\r\n\r\n";

/* The config's first server's return text, evaluated for request_text. */
static void check_value(const char *http, const char *want, const char *what)
{
    struct pt_conf_error err;
    struct pt_config *cfg = load(http, &err);
    struct pt_http_conn hc = {0};
    struct {
        struct pt_request r;
        struct pt_http_header headers[8];
    } rq = {0};
    struct pt_buf out = {0};

    if (!tap_ok(cfg != NULL, "%s: loads", what)) {
        tap_diag("%s", err.message);
        return;
    }
    pt_worker.cfg = cfg;
    hc.in.data = (char *)request_text;
    hc.in.end = hc.in.size = sizeof(request_text) - 1;
    hc.listener = cfg->listeners[0];
    rq.r.hc = &hc;
    rq.r.server = cfg->servers[0];
    rq.r.values = &cfg->servers[0]->values;
    pt_http_request_init(&rq.r.head, rq.headers, 8, NULL);
    pt_http_request_parse(&rq.r.head, request_text, hc.in.end);
    TAP_INT(pt_complex_eval(&rq.r, &cfg->servers[0]->values.ret.text, &out), 0,
            "%s: evaluates", what);
    if (out.data)
        out.data[out.end] = '\0';
    TAP_STR(out.data ? out.data : "", want, "%s", what);
    pt_buf_release(&out);
    pt_worker.cfg = NULL;
    kept[kept_count++] = cfg;
}

/* The map comes first: a server's values know the maps written before them
 * (setters_map.c declares later ones only for log_format and map). */
#define SERVER(ret) " server { listen 127.0.0.1:18096; return 200 " ret "; }"

static void test_map_values(void)
{
    check_value("map $request_uri $m { ~. regex; /img/cat.PNG?x=1 exact; }" SERVER("$m"),
                "exact", "exact keys win over regexes written before them");
    check_value("map $request_uri $m { ~\\.png no; ~*\\.png yes; ~. late; }" SERVER("$m"),
                "yes", "~* ignores case, and the first matching regex wins");
    check_value("map $request_uri $m { ~^/([a-z]+)/(?<f>\\w+) \"$1-$f-$2\"; }"
                SERVER("\"$m|$1\""),
                "img-cat-cat|", "$1, $2 (the named group) and $f in the value are the map's");
    check_value("map $http_host $m { ~^(?<h>[a-z]+)\\.test$ $h; default d; }" SERVER("$m"),
                "www", "a named group of a map's regex");
    check_value("map $http_host $m { ~^nomatch 1; default d; }" SERVER("$m"), "d",
                "no regex matches: the default");
    check_value("map $http_host $m { ~^(?<h>z) 1; }" SERVER("\"[$h]\""), "[]",
                "a named group outside its match is empty");
    check_value("map $http_host $n { ~^(w+) \"$1$1\"; } map $request_uri $m { ~^/img $n; }"
                SERVER("$m"),
                "wwwwww", "a map value naming a regex map");
}

int main(void)
{
    char cmd[64];

    if (mkdtemp(dir) == NULL)
        return 1;
    pt_clock_update();
    test_names_accepted();
    test_map_config();
    test_map_values();
    for (unsigned i = 0; i < kept_count; i++)
        pt_config_unref(kept[i]);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        tap_diag("could not remove %s", dir);
    return tap_done();
}
