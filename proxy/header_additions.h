/* proxy/header_additions.h - what nginx's headers filter adds to a response: `expires`
 * (Expires + Cache-Control) and `add_header`, for the statuses nginx adds them to (2xx
 * and 3xx of its list; any status for "always"). Every content handler's response goes
 * through here: return, static files and their pages, and proxied responses. Also the
 * small appenders that build header lines into a pt_buf. Internal to proxy/. */
#ifndef PT_PROXY_HEADER_ADDITIONS_H
#define PT_PROXY_HEADER_ADDITIONS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/buf.h"

struct pt_request;

/* Appends n bytes to x, growing it. 0 or -1 (out of memory). */
int pt_header_add(struct pt_buf *x, const char *s, size_t n);
#define PT_HEADER_LIT(x, lit) pt_header_add((x), (lit), sizeof(lit) - 1)

/* Appends v in decimal (no printf: status lines and lengths are on every response). */
int pt_header_add_uint(struct pt_buf *x, unsigned long long v);

/* Appends fmt formatted with one unsigned number (a line of at most 95 bytes). */
int pt_header_addf(struct pt_buf *x, const char *fmt, unsigned long long v);

/* Expires / Cache-Control and add_header lines of r's location for status, into x.
 * mtime: the file's modification time (expires modified), or -1. 0 or -1. */
int pt_header_additions(const struct pt_request *r, uint16_t status, time_t mtime,
                        struct pt_buf *x);

#endif
