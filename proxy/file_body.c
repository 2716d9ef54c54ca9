/* proxy/file_body.c - file_body.h. */
#include "proxy/file_body.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <unistd.h>

#include "proxy/byte_ranges.h"
#include "proxy/open_file_cache.h"

#define READ_BUF (32 * 1024)

void pt_file_body_clear(struct pt_file_body *fb)
{
    memset(fb, 0, sizeof(*fb));
    fb->fd = -1;
}

void pt_file_body_slice(struct pt_file_body *fb, uint64_t offset, uint64_t len)
{
    fb->offset = (off_t)offset;
    fb->slice = fb->remaining = len;
}

/* Queues the next part header and its slice; 0 when the closing boundary went last. */
static int next_part(struct pt_file_body *fb)
{
    struct pt_multipart *m = fb->parts;

    if (m->next > m->count)
        return 0;
    pt_multipart_format_header(m, m->next);
    if (m->next < m->count) {
        fb->offset = (off_t)m->range[m->next].start;
        fb->slice = m->range[m->next].len;
    }
    m->next++;
    return 1;
}

void pt_file_body_multipart(struct pt_file_body *fb, struct pt_multipart *m)
{
    fb->parts = m;
    fb->remaining = pt_multipart_length(m);
    next_part(fb);
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
    pt_multipart_free(fb->parts);
    pt_file_body_clear(fb);
}

static size_t chunk(const struct pt_file_body *fb)
{
    uint64_t n = fb->slice;

    if (fb->max_chunk && n > fb->max_chunk)
        n = fb->max_chunk;
    return n > (1u << 30) ? (1u << 30) : (size_t)n;
}

/* sendfile until the socket is full, the body is sent, or sendfile_max_chunk bytes left
 * in this call (nginx's limit: one fast client must not keep the worker to itself). */
static int write_sendfile(struct pt_file_body *fb, struct pt_conn *c)
{
    uint64_t sent = 0;

    while (fb->slice) {
        if (fb->max_chunk && sent >= fb->max_chunk)
            return PT_FILE_BODY_YIELD;
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
        fb->slice -= (uint64_t)n;
        fb->remaining -= (uint64_t)n;
        sent += (uint64_t)n;
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
    want = fb->slice < fb->buf.size ? (size_t)fb->slice : fb->buf.size;
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
    while (fb->slice) {
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
        fb->slice -= (uint64_t)n;
        fb->remaining -= (uint64_t)n;
        if ((size_t)n < iov.iov_len)
            c->write_ready = 0;
    }
    return 1;
}

/* What is left of the current part header. */
static int write_part_header(struct pt_file_body *fb, struct pt_conn *c)
{
    struct pt_multipart *m = fb->parts;

    while (m->header_sent < m->header_len) {
        struct iovec iov = {m->header + m->header_sent, m->header_len - m->header_sent};
        ssize_t n;
        if (!c->write_ready)
            return 0;
        n = pt_conn_writev(c, &iov, 1);
        if (n == -EAGAIN)
            return 0;
        if (n < 0)
            return (int)n;
        m->header_sent += (uint32_t)n;
        fb->remaining -= (uint64_t)n;
        if ((size_t)n < iov.iov_len)
            c->write_ready = 0;
    }
    return 1;
}

int pt_file_body_write(struct pt_file_body *fb, struct pt_conn *c)
{
    int rc;

    if (fb->fd < 0)
        return 1;
    for (;;) {
        if (fb->parts && (rc = write_part_header(fb, c)) != 1)
            return rc;
        rc = fb->use_sendfile ? write_sendfile(fb, c) : write_buffered(fb, c);
        if (rc != 1 || fb->parts == NULL || !next_part(fb))
            return rc;
    }
}
