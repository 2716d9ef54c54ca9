/* proxy/proxy_response.h - the response head a client gets for an upstream's. */
#ifndef PT_PROXY_PROXY_RESPONSE_H
#define PT_PROXY_PROXY_RESPONSE_H

#include "core/buf.h"
#include "parser/http.h"

struct pt_request;

/* How the body reaches the client. */
enum pt_proxy_out_framing {
    PT_OUT_NONE = 0, /* no body (HEAD, 204, 304) or the upstream's Content-Length */
    PT_OUT_CHUNKED,  /* the upstream's chunked bytes, passed through as they are */
    PT_OUT_CLOSE,    /* the body ends when the connection closes (no length known, or
                      * an HTTP/1.0 client of a chunked upstream: decoded) */
    PT_OUT_UPGRADE,  /* 101: the connection becomes a tunnel */
};

/* Appends the client's head for resp (slices from base) to x. Returns 0 or -1. */
int pt_proxy_response_head(const struct pt_request *r, const struct pt_http_response *resp,
                           const char *base, enum pt_proxy_out_framing framing,
                           int keep_alive, struct pt_buf *x);

#endif
