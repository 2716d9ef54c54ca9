/* proxy/request_body.c - request_body.h. */
#include "proxy/request_body.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"

/* A file without a name, so a crash leaves nothing behind: O_TMPFILE, or where the file
 * system has none (overlayfs before Linux 6.6, common in containers) a named file
 * unlinked at once. */
static int temp_file(const char *temp_dir)
{
    char path[4096];
    int fd = open(temp_dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

    if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
        return fd;
    if ((size_t)snprintf(path, sizeof(path), "%s/body.XXXXXX", temp_dir) >= sizeof(path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    fd = mkostemp(path, O_CLOEXEC);
    if (fd >= 0)
        unlink(path);
    return fd;
}

static int spill(struct pt_request_body *b, const char *temp_dir)
{
    size_t done = 0, have = pt_buf_len(&b->mem);
    int fd = temp_file(temp_dir);

    if (fd < 0) {
        int err = errno;
        pt_log(PT_LOG_CRIT, "open() a temporary file in \"%s\" failed (%d: %s)", temp_dir, err,
               strerror(err));
        return -err;
    }
    while (done < have) {
        ssize_t n = write(fd, b->mem.data + b->mem.start + done, have - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int err = errno;
            close(fd);
            return -err;
        }
        done += (size_t)n;
    }
    pt_buf_release(&b->mem);
    b->fd = fd;
    return 0;
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

int pt_request_body_append(struct pt_request_body *b, const char *data, size_t len,
                           uint32_t memory_cap, const char *temp_dir)
{
    int rc;

    if (len == 0)
        return 0;
    if (b->fd <= 0 && b->len + len > memory_cap && (rc = spill(b, temp_dir)) != 0)
        return rc;
    if (b->fd > 0) {
        if ((rc = write_all(b->fd, data, len)) != 0)
            return rc;
    } else {
        if (b->mem.data == NULL && pt_buf_alloc(&b->mem, memory_cap ? memory_cap : 1) != 0)
            return -ENOMEM;
        if (pt_buf_room(&b->mem) < len && pt_buf_grow(&b->mem, b->mem.end + (uint32_t)len) != 0)
            return -ENOMEM;
        memcpy(b->mem.data + b->mem.end, data, len);
        b->mem.end += (uint32_t)len;
    }
    b->len += len;
    return 0;
}

void pt_request_body_release(struct pt_request_body *b)
{
    pt_buf_release(&b->mem);
    if (b->fd > 0)
        close(b->fd);
    b->fd = 0;
    b->len = 0;
}
