/* proxy/request.h - one request's state, from a parsed head to its response. Allocated
 * from a per-worker free list when a head starts and returned when the response is queued,
 * so an idle connection holds none. */
#ifndef PT_PROXY_REQUEST_H
#define PT_PROXY_REQUEST_H

#include <stdint.h>

#include "config/config.h"
#include "core/buf.h"
#include "parser/http.h"
#include "proxy/regex.h"
#include "proxy/request_body.h"

struct pt_http_conn;
struct pt_proxy;
struct pt_response;

struct pt_request {
    struct pt_request *next_free;
    uint32_t header_capacity; /* slots after the object: client_max_headers, more is 431 */
    struct pt_http_conn *hc;
    struct pt_http_request head; /* slices are offsets from hc->in.data + hc->in.start */
    const struct pt_conf_server *server;
    const struct pt_conf_location *location; /* NULL: server level */
    const struct pt_conf_http_values *values;
    uint64_t body_left;  /* Content-Length bytes still to read */
    uint64_t body_read;  /* body bytes read so far (client_max_body_size) */
    uint32_t pos;        /* offset from in.start of the next unconsumed byte */
    uint64_t head_deadline_ms; /* client_header_timeout, from the head's first byte */
    /* The normalised path ($uri, what locations match): a slice of the head when the path
     * was already normal (offset from in.start), else its own buffer. */
    struct pt_slice uri;
    struct pt_buf uri_buf;
    /* $args after an internal redirect that named its own ("/x?a=1", or none: nginx's
     * try_files fallback and error_page clear them); else the head's query. */
    struct pt_buf args_buf;
    uint8_t args_replaced;
    uint8_t redirected;  /* an internal redirect changed $uri (proxy_pass sends it then) */
    uint8_t keep_body;   /* the body is kept for proxy_pass (request_body.h) */
    uint8_t stream_body; /* ... or streamed upstream as it comes (request_buffering off) */
    struct pt_request_body body;
    struct pt_proxy *proxy; /* proxy_pass's state (proxy/proxy.h), NULL otherwise */
    struct pt_chunked chunked;
    uint8_t body_chunked;
    uint8_t keep_alive;
    uint8_t continue_sent;
    /* Routing (proxy/routing.h): the Host as matched ($host: lower-cased, no port, no
     * trailing dot; empty without Host), and the regex matches behind $1..$9 and named
     * captures. */
    uint16_t host_len;
    uint16_t status_override; /* error_page: the status the final response carries */
    uint8_t error_paged;      /* an error_page redirect happened (they do not chain) */
    /* From here on, nothing is cleared for a new request (pt_request_new): host is read
     * only up to host_len, and a capture set only when its re is set. */
    char host[256];
    struct pt_captures server_caps; /* server_name regex; subject host */
    struct pt_captures loc_caps;    /* location regex; subject the normalised path */
};

struct pt_request *pt_request_new(struct pt_http_conn *hc);
void pt_request_free(struct pt_request *r);

/* Normalises the path (parser/uri.h) and the Host, and picks the server
 * (proxy/server_names.h) and location (proxy/location.h). Returns 0, 400 for a path that
 * cannot be normalised or a Host nginx refuses, or 500 when routing could not be built
 * (logged). */
int pt_request_route(struct pt_request *r, const char *base);

/* The normalised path; valid while the request lives. */
const char *pt_request_uri(const struct pt_request *r, size_t *len);

/* $args: the query without its '?', or NULL when there is none ($is_args empty). */
const char *pt_request_args(const struct pt_request *r, size_t *len);

/* Replaces $args with args (NULL: none), as an internal redirect to "uri?args" does.
 * Returns 0 or -1. */
int pt_request_set_args(struct pt_request *r, const char *args, size_t len);

/* Runs the content phase: appends the response to hc->out. Returns 0,
 * PT_REQUEST_CLOSE when the connection must close without a response (return 444: the
 * caller logs it with that status), or -1 when memory ran out. */
#define PT_REQUEST_CLOSE 444
/* ... or PT_RESPOND_PROXY when r's location proxies it (the caller starts proxy/proxy.h). */
#define PT_RESPOND_PROXY 2
int pt_request_respond(struct pt_request *r);

/* A response of r's with nginx's defaults for status (and error_page's override). */
void pt_request_response_init(struct pt_response *resp, const struct pt_request *r,
                              uint16_t status);

/* error_page for status, if r's location has one and none ran yet: 1 after an internal
 * redirect (the caller answers again), 0 when none applies, -1 on failure. A redirect
 * to an absolute URL answers with a 302 (or the =code) here and returns 2. */
int pt_request_error_page(struct pt_request *r, uint16_t status);

/* nginx's absolute_redirect: "http://" + $host + ":port" (unless 80) + path into *loc
 * (allocated here; the caller releases it). Returns 0 or -1. */
int pt_request_absolute_location(const struct pt_request *r, const char *path, size_t len,
                                 struct pt_buf *loc);

/* Appends an error response (400, 408, 413 ...) that closes the connection. */
int pt_request_respond_error(struct pt_http_conn *hc, const struct pt_conf_http_values *v,
                             uint16_t status);

#endif
