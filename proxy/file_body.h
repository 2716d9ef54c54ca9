/* proxy/file_body.h - a file's bytes written after a response head: with sendfile
 * through the connection's io (so TLS can wrap it), or read() into a buffer and written.
 *
 * The connection owns at most one file body at a time (the head it follows is the last
 * thing in hc->out: a pipelined request is parsed only after the body left). The fd is
 * owned by the body until pt_file_body_end, which closes it or hands it back to the
 * open-file cache.
 */
#ifndef PT_PROXY_FILE_BODY_H
#define PT_PROXY_FILE_BODY_H

#include <stdint.h>
#include <sys/types.h>

#include "core/buf.h"
#include "core/conn.h"

struct pt_file_body {
    int fd;              /* -1: none */
    off_t offset;        /* next byte to send */
    uint64_t remaining;  /* bytes still to send */
    uint64_t max_chunk;  /* sendfile_max_chunk; 0 no limit */
    uint8_t use_sendfile;
    uint8_t corked;      /* TCP_CORK set for head + body (tcp_nopush) */
    void *cache_entry;   /* the fd belongs to the open-file cache: release, not close */
    struct pt_buf buf;   /* read()+write path: bytes read, not yet written */
};

/* No body. */
void pt_file_body_clear(struct pt_file_body *fb);

/* Writes what the socket takes. Returns 1 when the body is all sent, 0 when the socket
 * is full (c->write_ready cleared), or -errno on a failure of the socket or the file. */
int pt_file_body_write(struct pt_file_body *fb, struct pt_conn *c);

/* Releases the fd and the buffer and uncorks; safe on a cleared body. */
void pt_file_body_end(struct pt_file_body *fb, struct pt_conn *c);

/* Sets TCP_CORK on c (tcp_nopush) so the head and the first of the file leave in full
 * packets; pt_file_body_end takes it off. */
void pt_file_body_cork(struct pt_file_body *fb, struct pt_conn *c);

#endif
