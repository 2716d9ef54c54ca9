/* proxy/request_body.h - a request body kept to be sent upstream (proxy_request_buffering
 * on, nginx's default): in memory while it fits client_body_buffer_size, else in an
 * unlinked temporary file under client_body_temp_path, so a 50 MB upload costs a worker
 * no more memory than a small one. Chunked bodies are kept decoded: upstream gets a
 * Content-Length, as nginx sends it. */
#ifndef PT_PROXY_REQUEST_BODY_H
#define PT_PROXY_REQUEST_BODY_H

#include <stdint.h>
#include <sys/types.h>

#include "core/buf.h"

struct pt_request_body {
    struct pt_buf mem;  /* the body, while it fits */
    int fd;             /* the temporary file once it did not (0: none: never stdin) */
    uint64_t len;       /* bytes kept */
};

/* Appends len bytes. memory_cap: client_body_buffer_size; temp_dir: where a larger body
 * goes. Returns 0, or -errno (the request gets a 500). */
int pt_request_body_append(struct pt_request_body *b, const char *data, size_t len,
                           uint32_t memory_cap, const char *temp_dir);

/* Frees the memory and closes the file. */
void pt_request_body_release(struct pt_request_body *b);

#endif
