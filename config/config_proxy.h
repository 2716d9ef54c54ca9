/* config/config_proxy.h - the reverse proxy's part of the snapshot (config.h includes
 * it): upstream groups with their peers, and the proxy_* values a location runs with.
 *
 * nginx's semantics and defaults throughout, with nginx 1.29.7's upstream keep-alive
 * defaults (keep-alive on, 32 idle connections per worker, HTTP/1.1, no Connection
 * header sent) rather than the older ones most guides show. A proxy_pass to host:port
 * makes an implicit group of that one name, as nginx does, with the same defaults.
 */
#ifndef PT_CONFIG_CONFIG_PROXY_H
#define PT_CONFIG_CONFIG_PROXY_H

#include <stdint.h>
#include <sys/socket.h>

#include "config/config_base.h"

/* One peer: an address of a `server` line (a name that resolves to several addresses
 * gives one peer each, with the line's settings, as nginx). */
struct pt_conf_peer {
    struct sockaddr_storage addr;
    socklen_t addr_len;
    const char *text;     /* "10.0.0.1:8080" / "[::1]:8080": $upstream_addr */
    const char *name;     /* the server line's name as written ("app:8080") */
    uint32_t weight;      /* weight=N, 1 */
    uint32_t max_fails;   /* max_fails=N, 1; 0: never marked down */
    pt_msec_t fail_timeout; /* fail_timeout=T, 10s */
    pt_msec_t slow_start; /* slow_start=T, 0 */
    uint8_t backup;       /* backup: used only when every primary peer is down */
    uint8_t down;         /* down: never used */
    uint32_t server;      /* index of its server line in the group (re-resolution) */
};

/* One `server` line: what re-resolution (`resolve`) starts from. */
struct pt_conf_upstream_server {
    const char *name;     /* host:port as written; the port defaults to 80 */
    const char *host;     /* the host part, NUL-terminated */
    uint16_t port;
    uint8_t resolve;      /* resolve: re-resolved at run time through `resolver` */
    struct pt_conf_peer params; /* the line's parameters (weight, max_fails, ..., name,
                                 * server; no address): what every address the name
                                 * resolves to at run time gets */
    struct pt_conf_origin origin;
};

enum pt_balancer {
    PT_BALANCE_ROUND_ROBIN = 0, /* smooth weighted round-robin, nginx's */
    PT_BALANCE_LEAST_CONN,
    PT_BALANCE_IP_HASH,
    PT_BALANCE_HASH,
};

/* health_check [interval=T] [fails=N] [passes=N] [uri=PATH] [match=status]: one worker
 * per group probes every peer, state shared by all workers (free in portico). */
struct pt_conf_health_check {
    uint8_t enabled;
    pt_msec_t interval; /* 5s */
    uint32_t fails;     /* 1 */
    uint32_t passes;    /* 1 */
    const char *uri;    /* "/" */
    struct pt_conf_origin origin;
};

struct pt_conf_upstream {
    const char *name;           /* the group's name, or "host:port" for an implicit one */
    uint32_t index;             /* its place in pt_config.upstreams: workers key state on it */
    uint8_t implicit;           /* made by a proxy_pass to host:port */
    struct pt_conf_peer *peers; /* primaries and backups, in server line order */
    uint32_t peer_count;
    struct pt_conf_upstream_server *servers;
    uint32_t server_count;
    enum pt_balancer balancer;  /* round-robin */
    struct pt_conf_complex hash_key; /* hash KEY */
    uint8_t hash_consistent;    /* hash KEY consistent: a ketama ring */
    uint32_t keepalive;         /* keepalive N: idle connections kept per worker, 32; 0 off */
    uint8_t keepalive_local;    /* 1: idle connections are not shared between
                                 * locations (nginx 1.29.7's default, "keepalive N
                                 * local"); 0 when "keepalive N" has no "local" */
    pt_msec_t keepalive_timeout;  /* 60s */
    uint32_t keepalive_requests;  /* 1000 */
    pt_msec_t keepalive_time;     /* 1h */
    const char *zone;           /* zone NAME [SIZE]: state shared by workers; NULL: per worker */
    uint64_t zone_size;
    struct pt_conf_health_check health_check;
    struct pt_conf_origin origin;
};

/* proxy_pass URL: http://NAME[:PORT][URI]. */
struct pt_conf_proxy_pass {
    const char *raw;       /* as written; NULL: no proxy_pass here */
    const struct pt_conf_upstream *upstream;
    const char *host;      /* $proxy_host: the URL's host[:port] (":80" left out);
                            * NUL-terminated */
    uint32_t host_len;
    const char *uri;       /* the URI part ("/" in "http://app/"), NUL-terminated */
    uint32_t uri_len;
    uint8_t has_uri;       /* a URI part replaces the matched location prefix */
    struct pt_conf_origin origin;
};

/* proxy_set_header NAME VALUE: an empty value removes the header. A level with any
 * replaces its parent's list; nginx's defaults (Host $proxy_host, Connection close) come
 * first unless replaced. */
struct pt_conf_proxy_header {
    const char *name;
    uint32_t name_len;
    struct pt_conf_complex value;
};

struct pt_conf_proxy_headers {
    struct pt_conf_proxy_header *list;
    uint32_t count;
};

/* proxy_hide_header / proxy_pass_header NAME: each level's list adds to nginx's
 * defaults (hidden: Date, Server, X-Pad, X-Accel-*), a level with any replaces its
 * parent's. */
struct pt_conf_names {
    const char **names;
    uint32_t *lens;
    uint32_t count;
};

/* proxy_next_upstream's conditions (a bit set); "off" is 0. */
enum {
    PT_NEXT_ERROR = 1u << 0,
    PT_NEXT_TIMEOUT = 1u << 1,
    PT_NEXT_INVALID_HEADER = 1u << 2,
    PT_NEXT_HTTP_500 = 1u << 3,
    PT_NEXT_HTTP_502 = 1u << 4,
    PT_NEXT_HTTP_503 = 1u << 5,
    PT_NEXT_HTTP_504 = 1u << 6,
    PT_NEXT_HTTP_403 = 1u << 7,
    PT_NEXT_HTTP_404 = 1u << 8,
    PT_NEXT_HTTP_429 = 1u << 9,
    PT_NEXT_NON_IDEMPOTENT = 1u << 10,
};

/* proxy_buffers NUMBER SIZE. */
struct pt_conf_buffers {
    uint32_t num;  /* 8 */
    uint32_t size; /* 4k */
};

/* resolver ADDRESS ... [valid=T] [ipv6=on|off]; resolver_timeout T. Addresses default
 * to port 53; a name is resolved when the config loads, as nginx. */
struct pt_conf_resolver {
    struct sockaddr_storage *addrs; /* NULL: none configured */
    uint32_t addr_count;
    pt_msec_t valid;   /* 0: the answer's TTL */
    uint8_t ipv6;      /* ipv6=on|off: also ask for AAAA records; on when written */
    pt_msec_t timeout; /* resolver_timeout, 30s */
};

/* The proxy values of struct pt_conf_http_values (inherited http -> server -> location
 * as every other value; proxy_pass itself is location-only and not inherited). */
struct pt_conf_proxy {
    struct pt_conf_proxy_pass pass;
    struct pt_conf_proxy_headers set_header;
    struct pt_conf_names hide_header;
    struct pt_conf_names pass_header;
    uint8_t http_version;             /* 11 (nginx ≥ 1.29.7); 10 for proxy_http_version 1.0 */
    pt_msec_t connect_timeout;        /* 60s */
    pt_msec_t send_timeout;           /* 60s */
    pt_msec_t read_timeout;           /* 60s */
    uint32_t next_upstream;           /* error timeout */
    uint32_t next_upstream_tries;     /* 0: no limit */
    pt_msec_t next_upstream_timeout;  /* 0: no limit */
    uint8_t buffering;                /* on */
    uint8_t request_buffering;        /* on */
    uint32_t buffer_size;             /* 4k: the response head must fit */
    struct pt_conf_buffers buffers;   /* 8 4k: response bytes held per request */
    uint32_t busy_buffers_size;       /* proxy_busy_buffers_size; 0: not written, nginx's
                                       * default: twice the larger of buffer_size and
                                       * buffers.size */
    uint8_t intercept_errors;         /* off */
    uint8_t pass_request_headers;     /* on */
    uint8_t pass_request_body;        /* on */
    const char *client_body_temp_path; /* client_body_temp (prefix-relative) */
    struct pt_conf_resolver resolver;
};

#endif
