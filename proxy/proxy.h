/* proxy/proxy.h - proxy_pass: one request relayed to an upstream peer and its response
 * relayed back, driven by events on both connections.
 *
 * The client connection (proxy/http_conn.c) reads the head and, with
 * proxy_request_buffering on (nginx's default), the whole body (proxy/request_body.h);
 * then hands the request here and stays in its PROXY state until pt_proxy_drive says the
 * response is complete. Here: a balancer picks a peer (proxy/upstream.h), the pool gives
 * an idle connection or a new one is opened (proxy/upstream_conn.h), the request head is
 * built (proxy/proxy_request.c), the response head is parsed by parser/http.h and
 * rewritten for the client (proxy/proxy_response.c), and the body streams through the
 * client's output buffer, bounded by proxy_buffers: when the client does not read, the
 * upstream is not read either.
 *
 * Failures before any response byte reached the client go to another peer where
 * proxy_next_upstream allows and the request can be sent again; a reused keep-alive
 * connection that fails before any response byte is retried once on a fresh connection,
 * whatever the method (it is how a backend's idle timeout shows).
 */
#ifndef PT_PROXY_PROXY_H
#define PT_PROXY_PROXY_H

#include <stddef.h>
#include <stdint.h>

struct pt_request;
struct pt_proxy;

enum pt_proxy_step {
    PT_PROXY_WAIT = 0, /* waiting for an event on either connection or a timer */
    PT_PROXY_DONE,     /* the response is queued in full: the request can finish */
    PT_PROXY_CLOSE,    /* the client connection must close (the response could not
                        * be completed, or the protocol was switched and ended) */
    PT_PROXY_REDIRECT, /* error_page redirected the request (proxy_intercept_errors or
                        * portico's own 502/504): run its content phase again */
};

/* Starts proxying r (its location has proxy_pass). Returns 0, or -1 when memory ran out. */
int pt_proxy_start(struct pt_request *r);

/* Makes what progress both connections allow. */
enum pt_proxy_step pt_proxy_drive(struct pt_proxy *p);

/* The client connection's timer fired while proxying: 1 if the proxy was waiting on the
 * client (send_timeout: close), 0 if not (re-arm). */
int pt_proxy_client_timed_out(struct pt_proxy *p);

/* Frees p (with the request), releasing or closing its upstream connection. */
void pt_proxy_free(struct pt_proxy *p);

/* The client connection hung up (or half-closed) while r was proxied: nginx's 499. */
void pt_proxy_client_gone(struct pt_proxy *p);

/* Writes r's access log lines with what the proxied response was. */
void pt_proxy_log(struct pt_request *r);

/* Worker-wide counters (for logs now, metrics later). */
struct pt_proxy_stats {
    uint64_t requests;
    uint64_t stale_retries;  /* reused connections that failed before a response byte */
    uint64_t next_upstream;  /* requests sent again to another peer */
    uint64_t connects;       /* upstream connections opened */
};
extern struct pt_proxy_stats pt_proxy_stats;

/* For variables ($upstream_addr, $upstream_status, ...): what the proxy knows of r's
 * upstream exchange, or NULL when r was not proxied. */
#define PT_PROXY_NOTED 8 /* attempts named in $upstream_addr / $upstream_status */
struct pt_proxy_info {
    /* Kept as they come, formatted only when a variable asks (most requests log none). */
    const char *addrs[PT_PROXY_NOTED]; /* each peer tried: its address text */
    uint16_t statuses[PT_PROXY_NOTED]; /* each attempt's status (502/504 for a failure) */
    uint8_t addr_count, status_count;
    uint64_t start_ms, connect_ms, header_ms, end_ms;
    uint64_t bytes_received, bytes_sent;
};
const struct pt_proxy_info *pt_proxy_info(const struct pt_request *r);

/* $upstream_http_NAME: the value of header name (underscores match dashes, any case)
 * in the upstream's response, or NULL. */
const char *pt_proxy_upstream_header(const struct pt_request *r, const char *name,
                                     size_t len, size_t *value_len);

#endif
