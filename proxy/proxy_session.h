/* proxy/proxy_session.h - the state of one proxied request, shared by proxy/proxy.c
 * (peers, connections, sending, the response head, retries) and proxy/proxy_relay.c (the
 * response body and the upgraded tunnel). Internal to those two files. */
#ifndef PT_PROXY_PROXY_SESSION_H
#define PT_PROXY_PROXY_SESSION_H

#include <stdint.h>

#include "core/buf.h"
#include "parser/http.h"
#include "proxy/proxy.h"
#include "proxy/proxy_response.h"
#include "proxy/upstream.h"

struct pt_http_conn;
struct pt_upstream_conn;
struct pt_upstream_group;

enum proxy_state {
    P_CONNECT = 0, /* pick a peer, take or open a connection */
    P_SEND,        /* the connect completes, the request goes out */
    P_HEAD,        /* reading the response head */
    P_BODY,        /* relaying the response body */
    P_TUNNEL,      /* after 101: bytes both ways */
    P_FINISHED,
};

/* Why an attempt failed: the proxy_next_upstream condition it matches. */
enum proxy_fault {
    F_ERROR = PT_NEXT_ERROR,
    F_TIMEOUT = PT_NEXT_TIMEOUT,
    F_INVALID = PT_NEXT_INVALID_HEADER,
};

#define PT_PROXY_MAX_HEADERS 100

struct pt_proxy {
    struct pt_request *r;
    struct pt_http_conn *hc;
    struct pt_upstream_group *g;
    struct pt_upstream_conn *uc;
    int peer;                     /* -1: none picked */
    struct pt_upstream_tries tries;
    uint32_t attempts;
    enum proxy_state state;
    uint8_t retry_same_peer;      /* a stale keep-alive connection: same peer, fresh conn */
    uint8_t stale_retried;
    /* sending */
    struct pt_buf head_out;       /* the request head; head_out.start: bytes sent */
    uint64_t body_sent;
    uint8_t sent_any;             /* a request byte left on this attempt */
    /* a body streamed as it arrives (proxy_request_buffering off): proxy_body.c */
    uint64_t span_left;           /* bytes of the client's framing checked, not yet sent */
    uint8_t body_done;            /* the client's body ended (checked up to its end) */
    uint8_t body_streamed;        /* some went upstream: the request cannot be sent again */
    uint8_t waiting_client;       /* the timer runs for the client's next body bytes */
    /* the response */
    struct pt_buf in;             /* upstream bytes while the head is read */
    struct pt_http_response resp;
    enum pt_proxy_out_framing framing;
    enum pt_http_framing up_framing;
    uint64_t body_left;           /* Content-Length bytes still to come */
    struct pt_chunked chunked;
    uint8_t decode_chunked;       /* an HTTP/1.0 client: chunks decoded, close-delimited */
    uint8_t got_bytes;            /* a response byte came on this connection */
    uint8_t started;              /* response bytes were queued for the client */
    uint8_t upstream_keep;        /* the upstream allows the connection to be reused */
    uint8_t client_keep;
    uint8_t head_only;
    uint8_t own_page;             /* portico answered (502, 504, error_page): logged from out */
    uint8_t timed_out;            /* the upstream connection's timer fired */
    uint16_t status;              /* the upstream's status */
    uint16_t fail_status;         /* 502 or 504: what the last failed attempt answers */
    uint32_t limit;               /* response bytes held for the client at most */
    uint64_t client_head_len;     /* bytes of the head queued for the client */
    uint64_t client_body_bytes;   /* body bytes queued for the client */
    /* the tunnel (101) */
    struct pt_buf up_out;         /* client bytes on their way upstream */
    uint8_t client_eof, upstream_eof;
    struct pt_proxy_info info;
    struct pt_proxy *next_free;
    /* Last: not cleared for a new request (the parser fills what it uses). */
    struct pt_http_header headers[PT_PROXY_MAX_HEADERS];
};

/* proxy_body.c: a step of streaming the client's body upstream; STEP_ON-like 100 when
 * the body is all sent, else a pt_proxy_step. */
#define PT_PROXY_STEP_ON 100
int pt_proxy_stream_body(struct pt_proxy *p);

/* proxy_relay.c */
int pt_proxy_relay_begin(struct pt_proxy *p, const char *body, size_t len);
enum pt_proxy_step pt_proxy_relay(struct pt_proxy *p);
enum pt_proxy_step pt_proxy_tunnel(struct pt_proxy *p);
/* Writes the client's pending output. 0 when all of it left, 1 when the socket is full,
 * -1 on an error (the client is gone). */
int pt_proxy_flush_client(struct pt_proxy *p);

/* proxy.c: the response ended (completely: the upstream connection may be kept). */
void pt_proxy_finish(struct pt_proxy *p, int complete);

#endif
