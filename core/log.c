/* core/log.c - the error log (log.h). */
#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES 2048

static int log_fd = STDERR_FILENO;
static int log_level = PT_LOG_NOTICE; /* before the config says otherwise, as nginx */
static int log_opened;                /* 0: command-line form on stderr */
static int log_slot;
static char log_path[4096];

static const char *const level_names[] = {
    "emerg", "alert", "crit", "error", "warn", "notice", "info", "debug",
};

static int open_append(const char *path)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

    return fd < 0 ? -errno : fd;
}

int pt_log_open(const char *path, int level)
{
    int fd = STDERR_FILENO;

    if (strlen(path) >= sizeof(log_path))
        return -ENAMETOOLONG;
    if (strcmp(path, "stderr") != 0) {
        fd = open_append(path);
        if (fd < 0)
            return fd;
    }
    if (log_fd != STDERR_FILENO)
        close(log_fd);
    log_fd = fd;
    log_level = level;
    log_opened = 1;
    strcpy(log_path, path);
    return 0;
}

int pt_log_reopen(void)
{
    int fd;

    if (!log_opened || log_fd == STDERR_FILENO)
        return 0;
    fd = open_append(log_path);
    if (fd < 0)
        return fd;
    /* dup3 swaps the file under the same number in one step. */
    if (dup3(fd, log_fd, O_CLOEXEC) < 0) {
        int err = -errno;
        close(fd);
        return err;
    }
    close(fd);
    return 0;
}

void pt_log_set_worker(int slot)
{
    log_slot = slot;
}

int pt_log_fd(void)
{
    return log_fd;
}

/* "2026/11/22 05:02:52 [error] 1234#0: " in local time, as nginx. */
static size_t format_prefix(char *buf, size_t size, int level)
{
    struct timespec ts;
    struct tm tm;
    int n;

    clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    localtime_r(&ts.tv_sec, &tm);
    n = snprintf(buf, size, "%04d/%02d/%02d %02d:%02d:%02d [%s] %ld#%d: ",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                 tm.tm_sec, level_names[level], (long)getpid(), log_slot);
    return n < 0 ? 0 : (size_t)n;
}

static void write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; /* nowhere left to report it */
        buf += n;
        len -= (size_t)n;
    }
}

void pt_log(int level, const char *fmt, ...)
{
    char line[LINE_MAX_BYTES];
    size_t len, room = sizeof(line) - 1; /* one byte kept for the newline */
    int saved_errno = errno, n;
    va_list ap;

    if (level < PT_LOG_EMERG || level > PT_LOG_DEBUG || level > log_level)
        return;
    if (log_opened)
        len = format_prefix(line, room, level);
    else
        len = (size_t)snprintf(line, room, "portico: [%s] ", level_names[level]);
    va_start(ap, fmt);
    n = vsnprintf(line + len, room - len, fmt, ap);
    va_end(ap);
    if (n > 0 && (size_t)n >= room - len) {
        len = room;
        memcpy(line + len - 3, "...", 3);
    } else if (n > 0) {
        len += (size_t)n;
    }
    if (len > 0 && line[len - 1] == '\n')
        len--;
    line[len++] = '\n';
    write_all(log_fd, line, len);
    errno = saved_errno; /* callers log and then look at errno */
}
