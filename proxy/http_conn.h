/* proxy/http_conn.h - an HTTP/1.x client connection: reads request heads, reads any
 * body, answers through the request pipeline, keeps the connection alive, pipelines, and
 * closes with lingering when the client may still be sending.
 *
 * Memory: an idle keep-alive connection holds this struct and nothing else: the input
 * and output blocks and the request go back to their free lists between requests.
 */
#ifndef PT_PROXY_HTTP_CONN_H
#define PT_PROXY_HTTP_CONN_H

#include <stdint.h>

#include "config/config.h"
#include "core/buf.h"
#include "core/conn.h"
#include "proxy/file_body.h"

struct pt_request;

enum pt_conn_state {
    PT_CONN_HEAD = 0, /* reading (or waiting for) a request head */
    PT_CONN_BODY,     /* reading the request body before answering */
    PT_CONN_FLUSH,    /* writing out, then going to after_flush */
    PT_CONN_LINGER,   /* write side shut, reading and dropping until EOF or time */
    PT_CONN_PROXY,    /* the request is with proxy/proxy.h until its response is queued */
    PT_CONN_CLOSE,
};

struct pt_http_conn {
    struct pt_conn conn;
    const struct pt_conf_listener *listener;
    struct pt_buf in;  /* request bytes; in.start is the current request's first byte */
    struct pt_buf out; /* responses not yet written; out.start is the first unsent byte */
    struct pt_file_body file; /* a static file's bytes, written after out (fd -1: none) */
    struct pt_request *req;
    struct pt_http_conn *idle_prev, *idle_next;
    uint64_t started_ms;
    uint64_t linger_until_ms;
    uint32_t requests; /* requests answered */
    uint8_t state;
    uint8_t after_flush;
    uint8_t idle;        /* on the worker's idle list */
    uint8_t close_after; /* the response being written is the last */
    uint64_t number;     /* $connection: a per-worker serial, 0 until first asked for */
    uint32_t log_mark;   /* out.end when the last request finished: where the next
                          * pipelined response starts if out was not flushed since */
};

/* Takes over an accepted, non-blocking fd. Returns 0 or -errno (the fd is closed). */
int pt_http_conn_open(int fd, const struct pt_conf_listener *listener,
                      const struct sockaddr *peer, socklen_t peer_len);

/* Runs hc as far as it can go now (proxy/proxy.c calls it on upstream events). */
void pt_http_conn_resume(struct pt_http_conn *hc);

/* Graceful stop: an idle connection closes at pt_worker.quit_idle_deadline unless a
 * request arrives first (answered with Connection: close). */
void pt_http_conn_quit_idle(struct pt_http_conn *hc);

#endif
