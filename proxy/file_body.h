/* proxy/file_body.h - a file's bytes written after a response head: with sendfile
 * through the connection's io (so TLS can wrap it), or read() into a buffer and written.
 * One slice of the file, or for multipart/byteranges several, each after its part header
 * (proxy/byte_ranges.h).
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

struct pt_multipart;

struct pt_file_body {
    int fd;              /* -1: none */
    off_t offset;        /* next byte of the file to send */
    uint64_t slice;      /* bytes of the file still to send from offset on */
    uint64_t remaining;  /* bytes of the body still to send: slice, then any parts after */
    struct pt_multipart *parts; /* owned; NULL: one slice */
    uint64_t max_chunk;  /* sendfile_max_chunk; 0 no limit */
    uint8_t use_sendfile;
    uint8_t corked;      /* TCP_CORK set for head + body (tcp_nopush) */
    void *cache_entry;   /* the fd belongs to the open-file cache: release, not close */
    struct pt_buf buf;   /* read()+write path: bytes read, not yet written */
};

/* No body. */
void pt_file_body_clear(struct pt_file_body *fb);

/* Bytes [offset, offset + len) of fd as the body (fd, cache_entry and the write options
 * set by the caller). */
void pt_file_body_slice(struct pt_file_body *fb, uint64_t offset, uint64_t len);

/* m's parts (owned from here on) as the body: pt_multipart_length(m) bytes. */
void pt_file_body_multipart(struct pt_file_body *fb, struct pt_multipart *m);

/* Writes what the socket takes. Returns 1 when the body is all sent, 0 when the socket
 * is full (c->write_ready cleared), PT_FILE_BODY_YIELD after sendfile_max_chunk bytes
 * went out in this call (the socket may still take more: the caller lets other
 * connections run, then calls again), or -errno on a failure of the socket or the file. */
#define PT_FILE_BODY_YIELD 2
int pt_file_body_write(struct pt_file_body *fb, struct pt_conn *c);

/* Releases the fd, the buffer and the parts, and uncorks; safe on a cleared body. */
void pt_file_body_end(struct pt_file_body *fb, struct pt_conn *c);

/* Sets TCP_CORK on c (tcp_nopush) so the head and the first of the file leave in full
 * packets; pt_file_body_end takes it off. */
void pt_file_body_cork(struct pt_file_body *fb, struct pt_conn *c);

#endif
