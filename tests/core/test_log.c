/* tests/core/test_log.c - the error log's line format, levels, truncation and reopening. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "tests/tap.h"

static char text[8192];

static const char *slurp(const char *path)
{
    int fd = open(path, O_RDONLY);
    ssize_t n = fd < 0 ? 0 : read(fd, text, sizeof(text) - 1);

    if (fd >= 0)
        close(fd);
    text[n > 0 ? n : 0] = '\0';
    return text;
}

/* Lines logged before pt_log_open go to stderr in the command-line form. */
static void before_open(const char *dir)
{
    char path[256];
    int saved = dup(STDERR_FILENO), fd;

    snprintf(path, sizeof(path), "%s/stderr", dir);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, STDERR_FILENO);
    pt_log(PT_LOG_ERR, "open() \"%s\" failed", "x");
    pt_log(PT_LOG_NOTICE, "a notice");
    pt_log(PT_LOG_INFO, "info is below the default level");
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(fd);
    TAP_STR(slurp(path), "portico: [error] open() \"x\" failed\nportico: [notice] a notice\n",
            "before a log is opened, lines go to stderr as \"portico: [level] message\"");
}

static void line_format(const char *path)
{
    int y, mo, d, h, mi, s, slot, n = 0;
    long pid;
    char level[16], msg[64];

    TAP_INT(pt_log_open(path, PT_LOG_WARN), 0, "a log file opens");
    pt_log_set_worker(3);
    pt_log(PT_LOG_ERR, "disk %s", "full\n");
    pt_log(PT_LOG_NOTICE, "below warn: dropped");
    pt_log(PT_LOG_WARN, "second");
    sscanf(slurp(path), "%4d/%2d/%2d %2d:%2d:%2d [%15[a-z]] %ld#%d: %63[^\n]%n", &y, &mo, &d,
           &h, &mi, &s, level, &pid, &slot, msg, &n);
    tap_ok(n > 0, "the line reads as nginx's \"Y/M/D H:M:S [level] pid#N: message\"");
    TAP_STR(level, "error", "level name");
    TAP_INT(pid, getpid(), "the pid");
    TAP_INT(slot, 3, "the worker slot after #");
    TAP_STR(msg, "disk full", "the message, without a doubled newline");
    tap_ok(strstr(text, "dropped") == NULL, "a level below the configured one is dropped");
    tap_ok(strstr(text, "[warn]") != NULL, "the configured level itself is written");
    pt_log_set_worker(0);
}

static void long_line(const char *path)
{
    char big[4000];
    size_t len;

    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    unlink(path);
    pt_log_open(path, PT_LOG_DEBUG);
    pt_log(PT_LOG_ERR, "%s", big);
    len = strlen(slurp(path));
    TAP_INT(len, 2048, "a long message is cut to one 2 KiB line");
    tap_ok(len > 4 && memcmp(text + len - 4, "...\n", 4) == 0, "ending with \"...\"");
}

static void reopen(const char *path)
{
    char rotated[300];

    snprintf(rotated, sizeof(rotated), "%s.1", path);
    pt_log_open(path, PT_LOG_DEBUG);
    pt_log(PT_LOG_ERR, "before rotation");
    rename(path, rotated);
    pt_log(PT_LOG_ERR, "still the old file");
    TAP_INT(pt_log_reopen(), 0, "reopen succeeds");
    pt_log(PT_LOG_ERR, "after rotation");
    tap_ok(strstr(slurp(rotated), "still the old file") != NULL, "before reopen: the old file");
    tap_ok(strstr(slurp(path), "after rotation") != NULL &&
           strstr(text, "before rotation") == NULL, "after reopen: a new file");
    TAP_INT(fcntl(pt_log_fd(), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC, "the log fd is close-on-exec");
    TAP_INT(pt_log_open("/nonexistent/dir/log", PT_LOG_ERR), -2, "a failed open is -ENOENT");
    pt_log(PT_LOG_ERR, "kept");
    tap_ok(strstr(slurp(path), "kept") != NULL, "and the previous file stays in use");
    TAP_INT(pt_log_open("stderr", PT_LOG_ERR), 0, "\"stderr\" opens");
    TAP_INT(pt_log_fd(), STDERR_FILENO, "as fd 2");
}

int main(void)
{
    char dir[] = "/tmp/pt-log-XXXXXX", path[256];

    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(path, sizeof(path), "%s/error.log", dir);
    before_open(dir);
    line_format(path);
    long_line(path);
    reopen(path);
    for (int i = 0; i < 3; i++) {
        static const char *const names[] = {"stderr", "error.log", "error.log.1"};
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
    return tap_done();
}
