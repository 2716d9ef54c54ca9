/* core/conn.c - plain socket I/O and readiness latching for conn.h. */
#include "core/conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/sendfile.h>
#include <unistd.h>

static ssize_t plain_recv(struct pt_conn *c, char *buf, size_t len)
{
    ssize_t n = recv(c->watch.fd, buf, len, 0);

    return n >= 0 ? n : -errno;
}

static ssize_t plain_writev(struct pt_conn *c, const struct iovec *iov, int iovcnt)
{
    /* One buffer is the common case (a whole response): write() skips importing an
     * iovec array into the kernel. */
    ssize_t n = iovcnt == 1 ? write(c->watch.fd, iov[0].iov_base, iov[0].iov_len)
                            : writev(c->watch.fd, iov, iovcnt);

    return n >= 0 ? n : -errno;
}

static ssize_t plain_writev_more(struct pt_conn *c, const struct iovec *iov, int iovcnt)
{
    struct msghdr m = {.msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)iovcnt};
    ssize_t n = sendmsg(c->watch.fd, &m, MSG_MORE | MSG_NOSIGNAL);

    return n >= 0 ? n : -errno;
}

static ssize_t plain_sendfile(struct pt_conn *c, int file_fd, off_t *offset, size_t len)
{
    ssize_t n = sendfile(c->watch.fd, file_fd, offset, len);

    return n >= 0 ? n : -errno;
}

static int plain_shutdown_write(struct pt_conn *c)
{
    return shutdown(c->watch.fd, SHUT_WR) == 0 ? 0 : -errno;
}

const struct pt_conn_io pt_conn_plain_io = {
    .recv = plain_recv,
    .writev = plain_writev,
    .writev_more = plain_writev_more,
    .sendfile = plain_sendfile,
    .shutdown_write = plain_shutdown_write,
};

void pt_conn_init(struct pt_conn *c, int fd, pt_watch_cb cb, pt_timer_cb on_timer)
{
    memset(c, 0, sizeof(*c));
    c->watch.fd = fd;
    c->watch.cb = cb;
    c->io = &pt_conn_plain_io;
    c->timer.fire = on_timer;
    /* A new socket may already hold bytes (the client wrote before accept). */
    c->read_ready = 1;
    c->write_ready = 1;
}

void pt_conn_note_events(struct pt_conn *c, uint32_t events)
{
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
        c->read_ready = 1;
    if (events & (EPOLLRDHUP | EPOLLHUP))
        c->fin_seen = 1;
    if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
        c->write_ready = 1;
}

ssize_t pt_conn_recv(struct pt_conn *c, char *buf, size_t len)
{
    ssize_t n = c->io->recv(c, buf, len);

    if (n == -EAGAIN)
        c->read_ready = 0;
    else if (n == 0)
        c->eof = 1;
    else if (n > 0 && (size_t)n < len && !c->fin_seen)
        c->read_ready = 0; /* a stream socket reads short only when drained (nginx's
                            * pending_eof: not when the end of stream is still to read) */
    return n;
}

ssize_t pt_conn_writev(struct pt_conn *c, const struct iovec *iov, int iovcnt)
{
    ssize_t n = c->io->writev(c, iov, iovcnt);

    if (n == -EAGAIN)
        c->write_ready = 0;
    return n;
}

ssize_t pt_conn_writev_more(struct pt_conn *c, const struct iovec *iov, int iovcnt)
{
    ssize_t n = c->io->writev_more(c, iov, iovcnt);

    if (n == -EAGAIN)
        c->write_ready = 0;
    return n;
}

void pt_conn_close(struct pt_conn *c)
{
    if (c->watch.fd >= 0)
        close(c->watch.fd);
    c->watch.fd = -1;
}

size_t pt_sockaddr_text(const union pt_sockaddr *a, char *out, size_t cap)
{
    const void *addr = a->sa.sa_family == AF_INET6 ? (const void *)&a->in6.sin6_addr
                                                    : (const void *)&a->in.sin_addr;

    if (a->sa.sa_family != AF_INET && a->sa.sa_family != AF_INET6)
        return 0;
    return inet_ntop(a->sa.sa_family, addr, out, (socklen_t)cap) ? strlen(out) : 0;
}
