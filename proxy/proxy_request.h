/* proxy/proxy_request.h - the request head a proxied request is sent upstream with. */
#ifndef PT_PROXY_PROXY_REQUEST_H
#define PT_PROXY_PROXY_REQUEST_H

#include <stdint.h>

#include "core/buf.h"

struct pt_request;

/* How the body goes upstream. */
enum pt_proxy_body {
    PT_PROXY_BODY_NONE = 0,
    PT_PROXY_BODY_LENGTH,  /* Content-Length: body_len (a kept body, or one streamed) */
    PT_PROXY_BODY_CHUNKED, /* streamed as the client chunked it */
};

/* Appends the head for r to x: keep says whether the upstream connection is to be kept
 * (else "Connection: close" is sent); body how the body is framed. Returns 0 or -1 (out
 * of memory). */
int pt_proxy_request_head(const struct pt_request *r, int keep, enum pt_proxy_body body,
                          uint64_t body_len, struct pt_buf *x);

#endif
