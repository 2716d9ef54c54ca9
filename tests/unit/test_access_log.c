/* tests/unit/test_access_log.c - access_log and map (proxy/access_log.h,
 * config/setters_log.c, config/setters_map.c, proxy/log_files.h): nginx's escaping
 * rules, the combined format rendered for a known request, what the config accepts and
 * refuses, and the log files a snapshot opens and releases. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "core/clock.h"
#include "proxy/access_log.h"
#include "proxy/http_conn.h"
#include "proxy/log_files.h"
#include "proxy/request.h"
#include "proxy/variables.h"
#include "tests/tap.h"
#include "tests/unit/config_file.h"

static char dir[] = "/tmp/pt_access_log_XXXXXX";

/* ---- escaping ---- */

static void check_escape(enum pt_log_escape e, const char *in, const char *want,
                         const char *what)
{
    char out[256];
    size_t n = pt_log_escape(e, in, strlen(in), out);

    out[n] = '\0';
    TAP_STR(out, want, "%s", what);
    TAP_INT(pt_log_escape(e, in, strlen(in), NULL), strlen(want), "%s: counted length", what);
}

static void test_escaping(void)
{
    check_escape(PT_LOG_ESCAPE_DEFAULT, "plain /a?b=c", "plain /a?b=c", "default: plain kept");
    check_escape(PT_LOG_ESCAPE_DEFAULT, "a\"b\\c", "a\\x22b\\x5Cc",
                 "default: quote and backslash as \\xHH (upper case)");
    check_escape(PT_LOG_ESCAPE_DEFAULT, "\t\x01\x7f\xc3\xa9", "\\x09\\x01\\x7F\\xC3\\xA9",
                 "default: control, DEL and high bytes as \\xHH");
    check_escape(PT_LOG_ESCAPE_JSON, "a\"b\\c", "a\\\"b\\\\c", "json: quote and backslash");
    check_escape(PT_LOG_ESCAPE_JSON, "\n\r\t\b\f", "\\n\\r\\t\\b\\f", "json: short escapes");
    check_escape(PT_LOG_ESCAPE_JSON, "\x01\x1f", "\\u0001\\u001f", "json: \\u00hh, lower case");
    check_escape(PT_LOG_ESCAPE_JSON, "\xc3\xa9\x7f", "\xc3\xa9\x7f", "json: UTF-8 and DEL kept");
    check_escape(PT_LOG_ESCAPE_NONE, "a\"\\\n", "a\"\\\n", "none: copied");
}

/* ---- config ---- */

static struct pt_config *load(const char *http, struct pt_conf_error *err)
{
    return pt_test_load_http(dir, "", http, err);
}

static void expect_refused(const char *http, const char *message, const char *what)
{
    struct pt_conf_error err;
    struct pt_config *cfg = load(http, &err);

    if (!tap_ok(cfg == NULL, "%s: refused", what)) {
        pt_config_unref(cfg);
        return;
    }
    tap_ok(strstr(err.message, message) != NULL, "%s: says \"%s\"", what, message);
    if (!strstr(err.message, message))
        tap_diag("got: %s", err.message);
}

static void test_defaults_and_inheritance(void)
{
    struct pt_conf_error err;
    char want[300];
    struct pt_config *cfg = load(
        "server { listen 127.0.0.1:18090; location /a { } }\n"
        "server { listen 127.0.0.1:18091; access_log off;\n"
        "  location /b { access_log b.log; access_log c.log combined buffer=8k flush=2s; }\n"
        "  location /c { access_log d.log combined flush=1s; } }\n", &err);

    if (!tap_ok(cfg != NULL, "a config with access_log loads")) {
        tap_diag("%s", err.message);
        return;
    }
    const struct pt_conf_access_logs *h = &cfg->http_values.access_log;
    snprintf(want, sizeof(want), "%s/logs/access.log", dir);
    TAP_INT(h->count, 1, "http: one log by default");
    TAP_STR(h->logs[0].path, want, "http: the default is logs/access.log under the prefix");
    TAP_STR(h->logs[0].format->name, "combined", "http: in combined");
    TAP_STR(h->logs[0].format->line.raw,
            "$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent "
            "\"$http_referer\" \"$http_user_agent\"",
            "combined is nginx's, byte for byte");
    TAP_INT(cfg->servers[0]->locations[0]->values.access_log.count, 1,
            "a location with none inherits http's");
    TAP_INT(cfg->servers[1]->values.access_log.off, 1, "access_log off at server level");
    const struct pt_conf_access_logs *b = &cfg->servers[1]->locations[0]->values.access_log;
    TAP_INT(b->off == 0 && b->count == 2, 1, "a location's own logs replace its parent's off");
    TAP_INT(b->logs[1].buffer == 8192 && b->logs[1].flush == 2000, 1, "buffer= and flush=");
    const struct pt_conf_access_logs *c = &cfg->servers[1]->locations[1]->values.access_log;
    TAP_INT(c->logs[0].buffer, 64 * 1024, "flush= alone gives nginx's 64k buffer");
    pt_config_unref(cfg);
}

static void test_explicit_replaces_default(void)
{
    struct pt_conf_error err;
    struct pt_config *cfg = load("log_format j escape=json '{\"u\":\"$uri\"' '}';\n"
                                 "access_log /dev/stdout j; access_log /dev/stderr;\n"
                                 "server { listen 127.0.0.1:18092; }", &err);

    if (!tap_ok(cfg != NULL, "log_format and access_log at http load")) {
        tap_diag("%s", err.message);
        return;
    }
    const struct pt_conf_access_logs *h = &cfg->http_values.access_log;
    TAP_INT(h->count, 2, "written logs replace the default, and both log");
    TAP_STR(h->logs[0].path, "/dev/stdout", "/dev/stdout kept as written");
    TAP_INT(h->logs[0].format->escape, PT_LOG_ESCAPE_JSON, "escape=json");
    TAP_STR(h->logs[0].format->line.raw, "{\"u\":\"$uri\"}", "log_format strings are joined");
    TAP_INT(cfg->servers[0]->values.access_log.count, 2, "the server inherits both");
    pt_config_unref(cfg);
}

static void test_refusals(void)
{
    expect_refused("access_log x.log nosuch;", "unknown log format \"nosuch\"", "unknown format");
    expect_refused("access_log x.log combined buffer=big;", "buffer=SIZE", "a bad buffer=");
    expect_refused("access_log off combined;", "invalid parameter", "off takes nothing more");
    expect_refused("log_format combined '$uri';", "duplicate \"log_format\" name",
                   "combined is predefined");
    expect_refused("log_format a escape=xml '$uri';", "escape=default", "a bad escape=");
    expect_refused("log_format a '$nosuch';", "unknown \"nosuch\" variable", "unknown variable");
    expect_refused("server { log_format a x; }", "\"log_format\" directive is not allowed here",
                   "log_format is http only");
    expect_refused("map $uri $m { ~ 1; }", "empty regex in map", "an empty regex key");
    expect_refused("map $uri $m { a 1; a 2; }", "conflicting parameter", "duplicate keys");
    expect_refused("map $uri $host { }", "duplicate \"host\" variable", "a built-in name");
    expect_refused("map $uri $m { } map $uri $m { }", "duplicate \"m\" variable", "a map twice");
}

static void test_map_config(void)
{
    struct pt_conf_error err;
    struct pt_config *cfg = load("log_format f '$m';\n"
                                 "map $uri $m { default d; /a \"$n-x\"; }\n"
                                 "map $host $n { x.test xv; }\n"
                                 "access_log off; server { listen 127.0.0.1:18093; }", &err);

    if (!tap_ok(cfg != NULL, "maps used before they are written load")) {
        tap_diag("%s", err.message);
        return;
    }
    const struct pt_conf_map *m = pt_conf_map_find(cfg, "m", 1);
    TAP_INT(m && m->entry_count == 1 && m->def.part_count == 1, 1, "map $m: one key, a default");
    TAP_INT(m && !m->ahead, 1, "the map declared ahead was then read");
    TAP_INT(pt_conf_map_find(cfg, "n", 1) != NULL, 1, "map $n is known");
    pt_config_unref(cfg);
}

/* ---- a line for a known request ---- */

static const char request_text[] =
    "GET /p?q=1 HTTP/1.1\r\nHost: x.test\r\nReferer: http://r/\r\n"
    "User-Agent: Mo\"z\\\r\n\r\n";

static void test_combined_line(void)
{
    struct pt_conf_error err;
    struct pt_config *cfg = load("server { listen 127.0.0.1:18094; }", &err);
    struct pt_http_conn hc = {0};
    struct {
        struct pt_request r;
        struct pt_http_header headers[8];
    } rq = {0};
    struct pt_log_response lr = {.status = 404, .bytes_sent = 300, .body_bytes_sent = 153};
    struct pt_buf out = {0};
    regex_t re;

    if (!tap_ok(cfg != NULL, "a default config loads")) {
        tap_diag("%s", err.message);
        return;
    }
    pt_clock_update();
    hc.in.data = (char *)request_text;
    hc.in.end = hc.in.size = sizeof(request_text) - 1;
    hc.listener = cfg->listeners[0];
    hc.conn.peer.in.sin_family = AF_INET;
    inet_pton(AF_INET, "192.0.2.7", &hc.conn.peer.in.sin_addr);
    rq.r.hc = &hc;
    rq.r.server = cfg->servers[0];
    rq.r.values = &cfg->servers[0]->values;
    pt_http_request_init(&rq.r.head, rq.headers, 8, NULL);
    TAP_INT(pt_http_request_parse(&rq.r.head, request_text, hc.in.end), PT_PARSE_DONE,
            "the request parses");
    const struct pt_conf_log_format *f = cfg->servers[0]->values.access_log.logs[0].format;
    TAP_INT(pt_complex_eval_log(&rq.r, &lr, f->escape, &f->line, &out), 0, "the line renders");
    out.data[out.end] = '\0';
    regcomp(&re, "^192\\.0\\.2\\.7 - - \\[[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:[0-9]{2}:[0-9]{2}:"
                 "[0-9]{2} [+-][0-9]{4}\\] \"GET /p\\?q=1 HTTP/1\\.1\" 404 153 "
                 "\"http://r/\" \"Mo\\\\x22z\\\\x5C\"$", REG_EXTENDED | REG_NOSUB);
    tap_ok(regexec(&re, out.data, 0, NULL, 0) == 0, "the combined line is nginx's");
    tap_diag("line: %s", out.data);
    regfree(&re);
    pt_buf_release(&out);
    pt_config_unref(cfg);
}

/* ---- the snapshot's log files (proxy/log_files.h) ---- */

static int fd_open(int fd)
{
    return fd >= 0 && fcntl(fd, F_GETFD) >= 0;
}

static void test_log_files(void)
{
    struct pt_conf_error err;
    char path[300];
    int fd;
    struct pt_config *cfg = load("access_log a.log; access_log /dev/stdout;\n"
                                 "server { listen 127.0.0.1:18094; access_log b.log;\n"
                                 "  location /x { access_log a.log combined buffer=4k; } }\n",
                                 &err);

    if (!tap_ok(cfg != NULL, "log files: loads")) {
        tap_diag("%s", err.message);
        return;
    }
    /* The default (named first, by the built-in), a.log, /dev/stdout, b.log. */
    TAP_INT(cfg->log_file_count, 4, "each distinct path listed once, the default too");
    const struct pt_conf_access_log *a = &cfg->http_values.access_log.logs[0];
    const struct pt_conf_access_log *a2 =
        &cfg->servers[0]->locations[0]->values.access_log.logs[0];
    TAP_INT(a->file != NULL && a->file == a2->file, 1, "a path named twice shares its entry");
    TAP_INT(cfg->log_files->written, 0, "the default is not written");
    TAP_INT(cfg->log_files->fd, -1, "nothing is opened by config/");
    TAP_INT(pt_log_files_open(cfg, &err), 0, "pt_log_files_open opens them");
    TAP_INT(fd_open(a->file->fd) && a->file->fd > 2, 1, "a.log has its own descriptor");
    TAP_INT(cfg->http_values.access_log.logs[1].file->fd, 1, "/dev/stdout is fd 1");
    TAP_INT(cfg->log_files->fd, -1, "the default, used by no server, is not opened (nginx)");
    snprintf(path, sizeof(path), "%s/a.log", dir);
    TAP_INT(access(path, F_OK), 0, "a.log was created");
    fd = a->file->fd;
    pt_config_unref(cfg);
    TAP_INT(fd_open(fd), 0, "released with the snapshot");
    TAP_INT(fd_open(1), 1, "but never fd 1");

    cfg = load("access_log /nonexistent-dir/x.log; server { listen 127.0.0.1:18095; }", &err);
    if (!tap_ok(cfg != NULL, "an unopenable path loads in config/")) {
        tap_diag("%s", err.message);
        return;
    }
    TAP_INT(pt_log_files_open(cfg, &err), -1, "and fails pt_log_files_open");
    TAP_STR(err.message, "open() \"/nonexistent-dir/x.log\" failed (2: No such file or directory)\n",
            "in nginx's words");
    pt_config_unref(cfg);
}

int main(void)
{
    char cmd[64];

    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(cmd, sizeof(cmd), "%s/logs", dir); /* for the default error log */
    if (mkdir(cmd, 0755) != 0)
        return 1;
    test_escaping();
    test_defaults_and_inheritance();
    test_explicit_replaces_default();
    test_refusals();
    test_map_config();
    test_combined_line();
    test_log_files();
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir); /* the logs the loads created, too */
    if (system(cmd) != 0)
        tap_diag("could not remove %s", dir);
    return tap_done();
}
