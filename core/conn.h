/* core/conn.h - a stream connection whose I/O a layer can wrap.
 *
 * The HTTP code reads and writes through c->io, never through the fd, so TLS (tls/) can
 * put itself in between by swapping the ops and keeping its state in c->layer. The
 * connection latches edge-triggered readiness: a direction stays "ready" until an
 * operation returns -EAGAIN, so owners never poll and a short read tells that the socket
 * was drained without a second, empty read.
 */
#ifndef PT_CORE_CONN_H
#define PT_CORE_CONN_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "core/reactor.h"
#include "core/timer.h"

struct pt_conn;

/* Every op returns a byte count, 0 at end of stream (recv), -EAGAIN, or -errno. */
struct pt_conn_io {
    ssize_t (*recv)(struct pt_conn *c, char *buf, size_t len);
    ssize_t (*writev)(struct pt_conn *c, const struct iovec *iov, int iovcnt);
    /* As writev, with more bytes to follow at once (a head before a file's): the kernel
     * may hold a partial segment for them (MSG_MORE) instead of sending it alone. */
    ssize_t (*writev_more)(struct pt_conn *c, const struct iovec *iov, int iovcnt);
    ssize_t (*sendfile)(struct pt_conn *c, int file_fd, off_t *offset, size_t len);
    int (*shutdown_write)(struct pt_conn *c); /* TLS: close_notify first */
};

union pt_sockaddr {
    struct sockaddr sa;
    struct sockaddr_in in;
    struct sockaddr_in6 in6;
};

struct pt_conn {
    struct pt_watch watch;       /* fd, and the owner's event callback */
    const struct pt_conn_io *io; /* pt_conn_plain_io unless a layer wraps it */
    void *layer;                 /* the wrapping layer's state, NULL for plain */
    struct pt_timer timer;       /* the connection's one timer */
    union pt_sockaddr peer;
    uint8_t read_ready;  /* edge seen, EAGAIN not yet */
    uint8_t write_ready;
    uint8_t eof;         /* the peer closed its write side */
    uint8_t fin_seen;    /* EPOLLRDHUP/EPOLLHUP came: a short read no longer means drained
                          * (the FIN's edge may have come with the last data's), so read_ready
                          * stays until recv() says 0 or fails */
};

extern const struct pt_conn_io pt_conn_plain_io;

/* The address of a (no port) as text into out (cap >= INET6_ADDRSTRLEN); returns its
 * length, 0 for a family other than IPv4/IPv6. */
size_t pt_sockaddr_text(const union pt_sockaddr *a, char *out, size_t cap);

/* Prepares c for an accepted, non-blocking fd. */
void pt_conn_init(struct pt_conn *c, int fd, pt_watch_cb cb, pt_timer_cb on_timer);

/* Latches readiness from an event's bits; call first in the owner's callback. */
void pt_conn_note_events(struct pt_conn *c, uint32_t events);

/* The ops through c->io, keeping readiness: -EAGAIN clears it. */
ssize_t pt_conn_recv(struct pt_conn *c, char *buf, size_t len);
ssize_t pt_conn_writev(struct pt_conn *c, const struct iovec *iov, int iovcnt);
ssize_t pt_conn_writev_more(struct pt_conn *c, const struct iovec *iov, int iovcnt);

/* Closes the fd (which removes it from epoll); the timer must be cancelled by the owner. */
void pt_conn_close(struct pt_conn *c);

#endif
