/* proxy/file_body.c - file_body.h. */
#include "proxy/file_body.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <unistd.h>

#include "proxy/open_file_cache.h"

#define READ_BUF (32 * 1024)

void pt_file_body_clear(struct pt_file_body *fb)
{
    memset(fb, 0, sizeof(*fb));
    fb->fd = -1;
}

void pt_file_body_cork(struct pt_file_body *fb, struct pt_conn *c)
{
    int one = 1;

    if (setsockopt(c->watch.fd, IPPROTO_TCP, TCP_CORK, &one, sizeof(one)) == 0)
        fb->corked = 1;
}

void pt_file_body_end(struct pt_file_body *fb, struct pt_conn *c)
{
    int zero = 0;

    if (fb->fd >= 0) {
        if (fb->cache_entry)
            pt_open_file_cache_release(fb->cache_entry);
        else
            close(fb->fd);
    }
    if (fb->corked)
        setsockopt(c->watch.fd, IPPROTO_TCP, TCP_CORK, &zero, sizeof(zero));
    pt_buf_release(&fb->buf);
    pt_file_body_clear(fb);
}

static size_t chunk(const struct pt_file_body *fb)
{
    uint64_t n = fb->remaining;

    if (fb->max_chunk && n > fb->max_chunk)
        n = fb->max_chunk;
    return n > (1u << 30) ? (1u << 30) : (size_t)n;
}

/* sendfile until the socket is full or the body is sent. */
static int write_sendfile(struct pt_file_body *fb, struct pt_conn *c)
{
    while (fb->remaining) {
        ssize_t n;
        if (!c->write_ready)
            return 0;
        n = c->io->sendfile(c, fb->fd, &fb->offset, chunk(fb));
        if (n == -EAGAIN) {
            c->write_ready = 0;
            return 0;
        }
        if (n < 0)
            return (int)n;
        if (n == 0) /* the file shrank under us: nothing more to send */
            return -EIO;
        fb->remaining -= (uint64_t)n;
    }
    return 1;
}

/* Refills buf from the file when it is empty. */
static int refill(struct pt_file_body *fb)
{
    size_t want;
    ssize_t n;

    if (pt_buf_len(&fb->buf))
        return 0;
    if (fb->buf.data == NULL && pt_buf_alloc(&fb->buf, READ_BUF) != 0)
        return -ENOMEM;
    fb->buf.start = fb->buf.end = 0;
    want = fb->remaining < fb->buf.size ? (size_t)fb->remaining : fb->buf.size;
    do
        n = pread(fb->fd, fb->buf.data, want, fb->offset);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    if (n == 0)
        return -EIO;
    fb->buf.end = (uint32_t)n;
    fb->offset += n;
    return 0;
}

static int write_buffered(struct pt_file_body *fb, struct pt_conn *c)
{
    while (fb->remaining) {
        struct iovec iov;
        ssize_t n;
        int rc;
        if (!c->write_ready)
            return 0;
        if ((rc = refill(fb)) != 0)
            return rc;
        iov = (struct iovec){fb->buf.data + fb->buf.start, pt_buf_len(&fb->buf)};
        n = pt_conn_writev(c, &iov, 1);
        if (n == -EAGAIN)
            return 0;
        if (n < 0)
            return (int)n;
        fb->buf.start += (uint32_t)n;
        fb->remaining -= (uint64_t)n;
        if ((size_t)n < iov.iov_len)
            c->write_ready = 0;
    }
    return 1;
}

int pt_file_body_write(struct pt_file_body *fb, struct pt_conn *c)
{
    if (fb->fd < 0)
        return 1;
    return fb->use_sendfile ? write_sendfile(fb, c) : write_buffered(fb, c);
}
