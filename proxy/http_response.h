/* proxy/http_response.h - responses portico makes itself (return, errors), formatted
 * into the connection's output buffer: status line, nginx's header set, body. */
#ifndef PT_PROXY_HTTP_RESPONSE_H
#define PT_PROXY_HTTP_RESPONSE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/buf.h"

struct pt_response {
    uint16_t status;
    uint8_t keep_alive;      /* Connection: keep-alive, else close */
    uint8_t head_only;       /* HEAD: headers as for GET, no body */
    uint8_t server_tokens;   /* Server: portico/VERSION, else portico */
    uint32_t keep_alive_header_sec; /* Keep-Alive: timeout=N when nonzero */
    const char *content_type; /* NULL: no Content-Type */
    const char *location;     /* NULL: no Location */
    size_t location_len;
    const char *body;
    size_t body_len;
    /* Static files (proxy/static.c). */
    time_t last_modified;     /* 0: no Last-Modified */
    const char *extra;        /* more header lines, each ending in CRLF, after Connection */
    size_t extra_len;
    uint8_t file_body;        /* body_len bytes follow from a file: none are copied here */
};

/* "Sun, 06 Nov 1994 08:49:37 GMT" for t (PT_HTTP_DATE_LEN bytes, no NUL written). */
void pt_http_date_format(time_t t, char *out);

/* Appends r to out, growing it as needed. Returns 0 or -ENOMEM. */
int pt_response_append(struct pt_buf *out, const struct pt_response *r);

/* Appends "HTTP/1.1 100 Continue\r\n\r\n". */
int pt_response_append_continue(struct pt_buf *out);

#endif
