/* config/registry.c - the table of directives, and the checks every row gets.
 *
 * One row per directive, grouped by the context nginx documents it in. The default is
 * written as in a config file and parsed by the row's own setter at every load, so a
 * default can never disagree with what the setter accepts (tests/config checks each). */
#include <stddef.h>
#include <string.h>

#include "config/registry.h"
#include "config/setters.h"
#include "core/pt_types.h"

#define ARGS(lo, hi) .min_args = (lo), .max_args = (hi)
#define MAIN_FIELD(f)                                                                   \
    .target = PT_TARGET_MAIN, .offset = offsetof(struct pt_conf_main, f),               \
    .size = sizeof(((struct pt_conf_main *)0)->f)
/* Custom main setters fill several fields: they get the whole struct. */
#define MAIN_WHOLE .target = PT_TARGET_MAIN, .offset = 0, .size = sizeof(struct pt_conf_main)
#define HTTP_FIELD(f)                                                                   \
    .target = PT_TARGET_HTTP, .offset = offsetof(struct pt_conf_http_values, f),        \
    .size = sizeof(((struct pt_conf_http_values *)0)->f)
/* Two adjacent fields one directive sets together (inherited together too). */
#define HTTP_SPAN(first, last)                                                          \
    .target = PT_TARGET_HTTP, .offset = offsetof(struct pt_conf_http_values, first),    \
    .size = offsetof(struct pt_conf_http_values, last) +                                \
            sizeof(((struct pt_conf_http_values *)0)->last) -                           \
            offsetof(struct pt_conf_http_values, first)

#define UPSTREAM_FIELD(f)                                                               \
    .target = PT_TARGET_UPSTREAM, .offset = offsetof(struct pt_conf_upstream, f),        \
    .size = sizeof(((struct pt_conf_upstream *)0)->f)
/* Custom upstream setters fill several fields: they get the whole struct. */
#define UPSTREAM_WHOLE                                                                  \
    .target = PT_TARGET_UPSTREAM, .offset = 0, .size = sizeof(struct pt_conf_upstream)

#define MAIN PT_CTX_MAIN
#define EVENTS PT_CTX_EVENTS
#define HTTP PT_CTX_HTTP
#define HS (PT_CTX_HTTP | PT_CTX_SERVER)
#define HSL (PT_CTX_HTTP | PT_CTX_SERVER | PT_CTX_LOCATION)
#define SL (PT_CTX_SERVER | PT_CTX_LOCATION)
#define UPSTREAM PT_CTX_UPSTREAM
#define LOCATION PT_CTX_LOCATION

static const struct pt_conf_bounds connections = {1, 1048576};
static const struct pt_conf_bounds header_lines = {1, 65535};

static const struct pt_conf_enum http_versions[] = {
    {"1.0", 10}, {"1.1", 11}, {NULL, 0},
};

static const struct pt_conf_enum lingering[] = {
    {"off", PT_LINGERING_OFF}, {"on", PT_LINGERING_ON}, {"always", PT_LINGERING_ALWAYS},
    {NULL, 0},
};

/* "build" adds a build name to the version in nginx; portico has none, so it is "on". */
static const struct pt_conf_enum server_tokens[] = {
    {"off", 0}, {"on", 1}, {"build", 2}, {NULL, 0},
};

const struct pt_conf_row pt_conf_rows[] = {
    /* main */
    {.name = "worker_processes", .ctx = MAIN, ARGS(1, 1), MAIN_WHOLE, .def = "1",
     .set = pt_conf_set_worker_processes, .syntax = "worker_processes number | auto;"},
    {.name = "daemon", .ctx = MAIN, ARGS(1, 1), MAIN_FIELD(daemon), .def = "on",
     .set = pt_conf_set_flag, .syntax = "daemon on | off;"},
    {.name = "master_process", .ctx = MAIN, ARGS(1, 1), MAIN_FIELD(master_process),
     .def = "on", .set = pt_conf_set_flag, .syntax = "master_process on | off;"},
    {.name = "pid", .ctx = MAIN, ARGS(1, 1), MAIN_WHOLE, .def = "logs/portico.pid",
     .set = pt_conf_set_pid, .syntax = "pid file | off;"},
    {.name = "user", .ctx = MAIN, ARGS(1, 2), MAIN_WHOLE, .set = pt_conf_set_user,
     .syntax = "user user [group];"},
    {.name = "error_log", .ctx = MAIN, .nginx_ctx = HSL, ARGS(1, 2), MAIN_WHOLE,
     .flags = PT_ROW_MULTI, .set = pt_conf_set_error_log,
     .syntax = "error_log file | stderr [level];"},
    {.name = "worker_rlimit_nofile", .ctx = MAIN, ARGS(1, 1),
     MAIN_FIELD(worker_rlimit_nofile), .set = pt_conf_set_number,
     .syntax = "worker_rlimit_nofile number;"},
    {.name = "worker_shutdown_timeout", .ctx = MAIN, ARGS(1, 1),
     MAIN_FIELD(worker_shutdown_timeout), .set = pt_conf_set_time,
     .syntax = "worker_shutdown_timeout time;"},
    {.name = "include", .ctx = PT_CTX_ANY, ARGS(1, 1), .flags = PT_ROW_MULTI,
     .set = pt_conf_set_none, .syntax = "include file | mask;"},
    {.name = "events", .ctx = MAIN, ARGS(0, 0), .flags = PT_ROW_BLOCK,
     .set = pt_conf_set_events, .syntax = "events { ... }"},
    {.name = "http", .ctx = MAIN, ARGS(0, 0), .flags = PT_ROW_BLOCK, .set = pt_conf_set_http,
     .syntax = "http { ... }"},

    /* events */
    {.name = "worker_connections", .ctx = EVENTS, ARGS(1, 1),
     MAIN_FIELD(worker_connections), .def = "512", .set = pt_conf_set_number,
     .extra = &connections, .syntax = "worker_connections number;"},
    {.name = "use", .ctx = EVENTS, ARGS(1, 1), .set = pt_conf_set_use,
     .syntax = "use epoll;"},
    {.name = "multi_accept", .ctx = EVENTS, ARGS(1, 1), MAIN_FIELD(multi_accept),
     .def = "off", .set = pt_conf_set_flag, .syntax = "multi_accept on | off;"},
    {.name = "accept_mutex", .ctx = EVENTS, ARGS(1, 1), .set = pt_conf_set_flag,
     .syntax = "accept_mutex on | off;"},

    /* http */
    {.name = "server", .ctx = HTTP, ARGS(0, 0), .flags = PT_ROW_BLOCK | PT_ROW_MULTI,
     .set = pt_conf_set_server, .syntax = "server { ... }"},
    /* portico's own: nginx bounds a head only by its buffers; portico also keeps an array
     * of header slots per request, and this bounds it (HAProxy: tune.http.maxhdr). */
    {.name = "client_max_headers", .ctx = HS, ARGS(1, 1), HTTP_FIELD(client_max_headers),
     .def = "100", .set = pt_conf_set_number, .extra = &header_lines,
     .syntax = "client_max_headers number;"},
    {.name = "client_header_buffer_size", .ctx = HS, ARGS(1, 1),
     HTTP_FIELD(client_header_buffer_size), .def = "1k", .set = pt_conf_set_size,
     .syntax = "client_header_buffer_size size;"},
    {.name = "large_client_header_buffers", .ctx = HS, ARGS(2, 2),
     HTTP_SPAN(large_client_header_buffers_num, large_client_header_buffers_size),
     .def = "4 8k", .set = pt_conf_set_large_buffers,
     .syntax = "large_client_header_buffers number size;"},
    {.name = "client_header_timeout", .ctx = HS, ARGS(1, 1),
     HTTP_FIELD(client_header_timeout), .def = "60s", .set = pt_conf_set_time,
     .syntax = "client_header_timeout time;"},
    {.name = "keepalive_timeout", .ctx = HSL, ARGS(1, 2),
     HTTP_SPAN(keepalive_timeout, keepalive_header_timeout), .def = "75s",
     .set = pt_conf_set_keepalive_timeout,
     .syntax = "keepalive_timeout timeout [header_timeout];"},
    {.name = "keepalive_requests", .ctx = HSL, ARGS(1, 1), HTTP_FIELD(keepalive_requests),
     .def = "1000", .set = pt_conf_set_number,
     .syntax = "keepalive_requests number;"},
    {.name = "keepalive_time", .ctx = HSL, ARGS(1, 1), HTTP_FIELD(keepalive_time),
     .def = "1h", .set = pt_conf_set_time, .syntax = "keepalive_time time;"},
    {.name = "client_body_timeout", .ctx = HSL, ARGS(1, 1), HTTP_FIELD(client_body_timeout),
     .def = "60s", .set = pt_conf_set_time, .syntax = "client_body_timeout time;"},
    {.name = "send_timeout", .ctx = HSL, ARGS(1, 1), HTTP_FIELD(send_timeout), .def = "60s",
     .set = pt_conf_set_time, .syntax = "send_timeout time;"},
    {.name = "client_max_body_size", .ctx = HSL, ARGS(1, 1),
     HTTP_FIELD(client_max_body_size), .def = "1m", .set = pt_conf_set_size,
     .syntax = "client_max_body_size size;"},
    {.name = "client_body_buffer_size", .ctx = HSL, ARGS(1, 1),
     HTTP_FIELD(client_body_buffer_size), .def = "16k", .set = pt_conf_set_size,
     .syntax = "client_body_buffer_size size;"},
    {.name = "lingering_close", .ctx = HSL, ARGS(1, 1), HTTP_FIELD(lingering_close),
     .def = "on", .set = pt_conf_set_enum, .extra = lingering,
     .syntax = "lingering_close off | on | always;"},
    {.name = "lingering_time", .ctx = HSL, ARGS(1, 1), HTTP_FIELD(lingering_time),
     .def = "30s", .set = pt_conf_set_time, .syntax = "lingering_time time;"},
    {.name = "lingering_timeout", .ctx = HSL, ARGS(1, 1), HTTP_FIELD(lingering_timeout),
     .def = "5s", .set = pt_conf_set_time, .syntax = "lingering_timeout time;"},
    {.name = "server_tokens", .ctx = HSL, ARGS(1, 1), HTTP_FIELD(server_tokens),
     .def = "on", .set = pt_conf_set_enum, .extra = server_tokens,
     .syntax = "server_tokens on | off | build;"},
    {.name = "tcp_nodelay", .ctx = HSL, ARGS(1, 1), HTTP_FIELD(tcp_nodelay), .def = "on",
     .set = pt_conf_set_flag, .syntax = "tcp_nodelay on | off;"},

    /* static files */
    {.name = "root", .ctx = HSL, ARGS(1, 1), HTTP_FIELD(root), .def = "html",
     .set = pt_conf_set_root, .syntax = "root path;"},
    {.name = "alias", .ctx = PT_CTX_LOCATION, ARGS(1, 1), HTTP_FIELD(alias),
     .set = pt_conf_set_root, .syntax = "alias path;"},
    {.name = "index", .ctx = HSL, ARGS(1, PT_ARGS_MANY), HTTP_FIELD(index),
     .def = "index.html", .flags = PT_ROW_MULTI, .set = pt_conf_set_index,
     .syntax = "index file ...;"},
    {.name = "try_files", .ctx = SL, ARGS(2, PT_ARGS_MANY), HTTP_FIELD(try_files),
     .flags = PT_ROW_NO_INHERIT, .set = pt_conf_set_try_files,
     .syntax = "try_files file ... uri; or try_files file ... =code;"},
    {.name = "types", .ctx = HSL, ARGS(0, 0), HTTP_FIELD(types),
     .flags = PT_ROW_BLOCK | PT_ROW_MULTI, .set = pt_conf_set_types,
     .syntax = "types { type extension ...; }"},
    {.name = "default_type", .ctx = HSL, ARGS(1, 1), HTTP_FIELD(default_type),
     .def = "text/plain", .set = pt_conf_set_string, .syntax = "default_type mime-type;"},
    {.name = "sendfile", .ctx = HSL, ARGS(1, 1), HTTP_FIELD(sendfile), .def = "off",
     .set = pt_conf_set_flag, .syntax = "sendfile on | off;"},
    {.name = "tcp_nopush", .ctx = HSL, ARGS(1, 1), HTTP_FIELD(tcp_nopush), .def = "off",
     .set = pt_conf_set_flag, .syntax = "tcp_nopush on | off;"},
    {.name = "sendfile_max_chunk", .ctx = HSL, ARGS(1, 1), HTTP_FIELD(sendfile_max_chunk),
     .def = "2m", .set = pt_conf_set_size, .syntax = "sendfile_max_chunk size;"},
    {.name = "etag", .ctx = HSL, ARGS(1, 1), HTTP_FIELD(etag), .def = "on",
     .set = pt_conf_set_flag, .syntax = "etag on | off;"},
    {.name = "max_ranges", .ctx = HSL, ARGS(1, 1), HTTP_FIELD(max_ranges),
     .def = "2147483647", .set = pt_conf_set_number, .syntax = "max_ranges number;"},
    {.name = "dotfiles", .ctx = HSL, ARGS(1, 1), HTTP_FIELD(dotfiles), .def = "off",
     .set = pt_conf_set_flag, .syntax = "dotfiles on | off;"},
    {.name = "expires", .ctx = HSL, ARGS(1, 2), HTTP_FIELD(expires), .def = "off",
     .set = pt_conf_set_expires, .syntax = "expires [modified] time; or expires epoch | max | off;"},
    {.name = "error_page", .ctx = HSL, ARGS(2, PT_ARGS_MANY), HTTP_FIELD(error_page),
     .flags = PT_ROW_MULTI, .set = pt_conf_set_error_page,
     .syntax = "error_page code ... [=[response]] uri;"},
    {.name = "add_header", .ctx = HSL, ARGS(2, 3), HTTP_FIELD(add_header),
     .flags = PT_ROW_MULTI, .set = pt_conf_set_add_header,
     .syntax = "add_header name value [always];"},
    {.name = "open_file_cache", .ctx = HSL, ARGS(1, 2), HTTP_FIELD(open_file_cache),
     .def = "off", .set = pt_conf_set_open_file_cache,
     .syntax = "open_file_cache off; or open_file_cache max=N [inactive=time];"},

    /* logs and maps */
    {.name = "log_format", .ctx = HTTP, ARGS(2, PT_ARGS_MANY), .flags = PT_ROW_MULTI,
     .set = pt_conf_set_log_format,
     .syntax = "log_format name [escape=default|json|none] string ...;"},
    {.name = "access_log", .ctx = HSL, ARGS(1, 6), HTTP_FIELD(access_log),
     .def = "logs/access.log combined", .flags = PT_ROW_MULTI, .set = pt_conf_set_access_log,
     .syntax = "access_log path [format [buffer=size] [flush=time]]; or access_log off;"},
    {.name = "map", .ctx = HTTP, ARGS(2, 2), .flags = PT_ROW_BLOCK | PT_ROW_MULTI,
     .set = pt_conf_set_map, .syntax = "map string $variable { ... }"},

    /* server, location */
    {.name = "listen", .ctx = PT_CTX_SERVER, ARGS(1, PT_ARGS_MANY), .flags = PT_ROW_MULTI,
     .set = pt_conf_set_listen,
     .syntax = "listen address[:port] [default_server] [reuseport] [backlog=number] "
               "[ipv6only=on|off];"},
    {.name = "server_name", .ctx = PT_CTX_SERVER, ARGS(1, PT_ARGS_MANY),
     .flags = PT_ROW_MULTI, .set = pt_conf_set_server_name, .syntax = "server_name name ...;"},
    {.name = "location", .ctx = SL, ARGS(1, 2), .flags = PT_ROW_BLOCK | PT_ROW_MULTI,
     .set = pt_conf_set_location,
     .syntax = "location [ = | ~ | ~* | ^~ ] uri { ... } or location @name { ... }"},
    {.name = "return", .ctx = SL, ARGS(1, 2), HTTP_FIELD(ret),
     .flags = PT_ROW_MULTI | PT_ROW_NO_INHERIT, .set = pt_conf_set_return,
     .syntax = "return code [text]; or return code URL; or return URL;"},

    /* upstream groups (config/upstream.c) */
    {.name = "upstream", .ctx = HTTP, ARGS(1, 1), .flags = PT_ROW_BLOCK | PT_ROW_MULTI,
     .set = pt_conf_set_upstream, .syntax = "upstream name { ... }"},
    {.name = "server", .ctx = UPSTREAM, ARGS(1, PT_ARGS_MANY), .flags = PT_ROW_MULTI,
     .set = pt_conf_set_upstream_server,
     .syntax = "server address[:port] [weight=number] [max_fails=number] "
               "[fail_timeout=time] [backup] [down] [resolve] [slow_start=time];"},
    /* nginx >= 1.29.7: "keepalive 32 local" unless written; 0 turns it off */
    {.name = "keepalive", .ctx = UPSTREAM, ARGS(1, 2), UPSTREAM_WHOLE, .def = "32 local",
     .set = pt_conf_set_upstream_keepalive, .syntax = "keepalive connections [local];"},
    {.name = "keepalive_timeout", .ctx = UPSTREAM, ARGS(1, 1),
     UPSTREAM_FIELD(keepalive_timeout), .def = "60s", .set = pt_conf_set_time,
     .syntax = "keepalive_timeout time;"},
    {.name = "keepalive_requests", .ctx = UPSTREAM, ARGS(1, 1),
     UPSTREAM_FIELD(keepalive_requests), .def = "1000", .set = pt_conf_set_number,
     .syntax = "keepalive_requests number;"},
    {.name = "keepalive_time", .ctx = UPSTREAM, ARGS(1, 1), UPSTREAM_FIELD(keepalive_time),
     .def = "1h", .set = pt_conf_set_time, .syntax = "keepalive_time time;"},
    /* A balancing method written again replaces the first, as nginx (which warns). */
    {.name = "least_conn", .ctx = UPSTREAM, ARGS(0, 0), UPSTREAM_WHOLE,
     .flags = PT_ROW_MULTI, .set = pt_conf_set_upstream_balancer, .syntax = "least_conn;"},
    {.name = "ip_hash", .ctx = UPSTREAM, ARGS(0, 0), UPSTREAM_WHOLE, .flags = PT_ROW_MULTI,
     .set = pt_conf_set_upstream_balancer, .syntax = "ip_hash;"},
    {.name = "hash", .ctx = UPSTREAM, ARGS(1, 2), UPSTREAM_WHOLE, .flags = PT_ROW_MULTI,
     .set = pt_conf_set_upstream_balancer, .syntax = "hash key [consistent];"},
    {.name = "zone", .ctx = UPSTREAM, ARGS(1, 2), UPSTREAM_WHOLE,
     .set = pt_conf_set_upstream_zone, .syntax = "zone name [size];"},
    /* portico's own (nginx Plus has one in location context) */
    {.name = "health_check", .ctx = UPSTREAM, .nginx_ctx = LOCATION, ARGS(0, 5),
     UPSTREAM_FIELD(health_check), .set = pt_conf_set_health_check,
     .syntax = "health_check [interval=time] [fails=number] [passes=number] [uri=path] "
               "[match=status];"},

    /* the reverse proxy (config/setters_proxy.c) */
    {.name = "proxy_pass", .ctx = LOCATION, ARGS(1, 1), HTTP_FIELD(proxy.pass),
     .flags = PT_ROW_NO_INHERIT, .set = pt_conf_set_proxy_pass,
     .syntax = "proxy_pass http://name[:port][/uri];"},
    {.name = "proxy_set_header", .ctx = HSL, ARGS(2, 2), HTTP_FIELD(proxy.set_header),
     .flags = PT_ROW_MULTI, .set = pt_conf_set_proxy_header,
     .syntax = "proxy_set_header field value;"},
    {.name = "proxy_hide_header", .ctx = HSL, ARGS(1, 1), HTTP_FIELD(proxy.hide_header),
     .flags = PT_ROW_MULTI, .set = pt_conf_set_header_names,
     .syntax = "proxy_hide_header field;"},
    {.name = "proxy_pass_header", .ctx = HSL, ARGS(1, 1), HTTP_FIELD(proxy.pass_header),
     .flags = PT_ROW_MULTI, .set = pt_conf_set_header_names,
     .syntax = "proxy_pass_header field;"},
    {.name = "proxy_http_version", .ctx = HSL, ARGS(1, 1), HTTP_FIELD(proxy.http_version),
     .def = "1.1", .set = pt_conf_set_enum, .extra = http_versions,
     .syntax = "proxy_http_version 1.0 | 1.1;"},
    {.name = "proxy_connect_timeout", .ctx = HSL, ARGS(1, 1),
     HTTP_FIELD(proxy.connect_timeout), .def = "60s", .set = pt_conf_set_time,
     .syntax = "proxy_connect_timeout time;"},
    {.name = "proxy_send_timeout", .ctx = HSL, ARGS(1, 1), HTTP_FIELD(proxy.send_timeout),
     .def = "60s", .set = pt_conf_set_time, .syntax = "proxy_send_timeout time;"},
    {.name = "proxy_read_timeout", .ctx = HSL, ARGS(1, 1), HTTP_FIELD(proxy.read_timeout),
     .def = "60s", .set = pt_conf_set_time, .syntax = "proxy_read_timeout time;"},
    {.name = "proxy_next_upstream", .ctx = HSL, ARGS(1, PT_ARGS_MANY),
     HTTP_FIELD(proxy.next_upstream), .def = "error timeout", .flags = PT_ROW_MULTI,
     .set = pt_conf_set_next_upstream,
     .syntax = "proxy_next_upstream error | timeout | invalid_header | http_500 | "
               "http_502 | http_503 | http_504 | http_403 | http_404 | http_429 | "
               "non_idempotent | off ...;"},
    {.name = "proxy_next_upstream_tries", .ctx = HSL, ARGS(1, 1),
     HTTP_FIELD(proxy.next_upstream_tries), .def = "0", .set = pt_conf_set_number,
     .syntax = "proxy_next_upstream_tries number;"},
    {.name = "proxy_next_upstream_timeout", .ctx = HSL, ARGS(1, 1),
     HTTP_FIELD(proxy.next_upstream_timeout), .def = "0", .set = pt_conf_set_time,
     .syntax = "proxy_next_upstream_timeout time;"},
    {.name = "proxy_buffering", .ctx = HSL, ARGS(1, 1), HTTP_FIELD(proxy.buffering),
     .def = "on", .set = pt_conf_set_flag, .syntax = "proxy_buffering on | off;"},
    {.name = "proxy_request_buffering", .ctx = HSL, ARGS(1, 1),
     HTTP_FIELD(proxy.request_buffering), .def = "on", .set = pt_conf_set_flag,
     .syntax = "proxy_request_buffering on | off;"},
    {.name = "proxy_buffer_size", .ctx = HSL, ARGS(1, 1), HTTP_FIELD(proxy.buffer_size),
     .def = "4k", .set = pt_conf_set_size, .syntax = "proxy_buffer_size size;"},
    {.name = "proxy_buffers", .ctx = HSL, ARGS(2, 2), HTTP_FIELD(proxy.buffers),
     .def = "8 4k", .set = pt_conf_set_proxy_buffers, .syntax = "proxy_buffers number size;"},
    {.name = "proxy_busy_buffers_size", .ctx = HSL, ARGS(1, 1),
     HTTP_FIELD(proxy.busy_buffers_size), .set = pt_conf_set_busy_buffers,
     .syntax = "proxy_busy_buffers_size size;"},
    {.name = "proxy_intercept_errors", .ctx = HSL, ARGS(1, 1),
     HTTP_FIELD(proxy.intercept_errors), .def = "off", .set = pt_conf_set_flag,
     .syntax = "proxy_intercept_errors on | off;"},
    {.name = "proxy_pass_request_headers", .ctx = HSL, ARGS(1, 1),
     HTTP_FIELD(proxy.pass_request_headers), .def = "on", .set = pt_conf_set_flag,
     .syntax = "proxy_pass_request_headers on | off;"},
    {.name = "proxy_pass_request_body", .ctx = HSL, ARGS(1, 1),
     HTTP_FIELD(proxy.pass_request_body), .def = "on", .set = pt_conf_set_flag,
     .syntax = "proxy_pass_request_body on | off;"},
    {.name = "client_body_temp_path", .ctx = HSL, ARGS(1, 4),
     HTTP_FIELD(proxy.client_body_temp_path), .def = "client_body_temp",
     .set = pt_conf_set_temp_path,
     .syntax = "client_body_temp_path path [level1 [level2 [level3]]];"},
    {.name = "resolver", .ctx = HSL, .nginx_ctx = UPSTREAM, ARGS(1, PT_ARGS_MANY),
     HTTP_SPAN(proxy.resolver.addrs, proxy.resolver.ipv6), .set = pt_conf_set_resolver,
     .syntax = "resolver address ... [valid=time] [ipv6=on|off];"},
    {.name = "resolver_timeout", .ctx = HSL, .nginx_ctx = UPSTREAM, ARGS(1, 1),
     HTTP_FIELD(proxy.resolver.timeout), .def = "30s", .set = pt_conf_set_time,
     .syntax = "resolver_timeout time;"},
};

const uint32_t pt_conf_row_count = sizeof(pt_conf_rows) / sizeof(pt_conf_rows[0]);

_Static_assert(sizeof(pt_conf_rows) / sizeof(pt_conf_rows[0]) <=
                   sizeof(struct pt_conf_setmask) * 8,
               "a set-mask holds one bit per row");

const struct pt_conf_row *pt_conf_row_find(const char *name)
{
    for (uint32_t i = 0; i < pt_conf_row_count; i++) {
        if (strcmp(pt_conf_rows[i].name, name) == 0)
            return &pt_conf_rows[i];
    }
    return NULL;
}

const struct pt_conf_row *pt_conf_row_find_in(const char *name, unsigned ctx)
{
    const struct pt_conf_row *first = NULL;

    for (uint32_t i = 0; i < pt_conf_row_count; i++) {
        if (strcmp(pt_conf_rows[i].name, name) != 0)
            continue;
        if (pt_conf_rows[i].ctx & ctx)
            return &pt_conf_rows[i];
        if (!first)
            first = &pt_conf_rows[i];
    }
    return first;
}

uint32_t pt_conf_row_index(const struct pt_conf_row *row)
{
    return (uint32_t)(row - pt_conf_rows);
}
