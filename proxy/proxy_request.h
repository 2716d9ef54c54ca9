/* proxy/proxy_request.h - the request head a proxied request is sent upstream with. */
#ifndef PT_PROXY_PROXY_REQUEST_H
#define PT_PROXY_PROXY_REQUEST_H

#include <stdint.h>

#include "core/buf.h"

struct pt_request;

/* Appends the head for r to x: keep says whether the upstream connection is to be kept
 * (else "Connection: close" is sent); send_body with body_len bytes gives a
 * Content-Length. Returns 0 or -1 (out of memory). */
int pt_proxy_request_head(const struct pt_request *r, int keep, int send_body,
                          uint64_t body_len, struct pt_buf *x);

#endif
