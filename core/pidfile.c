/* core/pidfile.c - the pid file, and `-s` reading it to signal a running master. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/master_internal.h"

/* Written to PATH.tmp and renamed over PATH: a reader (`-s`, a script waiting for the
 * start) sees the old file or the whole new one, never an empty one between the two. */
int pt_pidfile_write(const char *path, pid_t pid)
{
    char text[32], tmp[4096];
    int fd, len;

    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
        pt_log(PT_LOG_EMERG, "pid file path \"%s\" is too long", path);
        return -1;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        pt_log(PT_LOG_EMERG, "open() \"%s\" failed (%d: %s)", tmp, errno, strerror(errno));
        return -1;
    }
    len = snprintf(text, sizeof(text), "%ld\n", (long)pid);
    if (write(fd, text, (size_t)len) != len) {
        pt_log(PT_LOG_EMERG, "write() to \"%s\" failed (%d: %s)", tmp, errno,
               strerror(errno));
        close(fd);
        unlink(tmp);
        return -1;
    }
    close(fd);
    if (rename(tmp, path) != 0) {
        pt_log(PT_LOG_EMERG, "rename() \"%s\" to \"%s\" failed (%d: %s)", tmp, path, errno,
               strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

void pt_pidfile_remove(const char *path)
{
    if (unlink(path) < 0 && errno != ENOENT)
        pt_log(PT_LOG_ALERT, "unlink() \"%s\" failed (%d: %s)", path, errno, strerror(errno));
}

static int signal_number(const char *name)
{
    static const struct { const char *name; int sig; } table[] = {
        {"stop", SIGTERM}, {"quit", SIGQUIT}, {"reload", SIGHUP}, {"reopen", SIGUSR1},
    };

    for (unsigned i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (strcmp(name, table[i].name) == 0)
            return table[i].sig;
    return 0;
}

/* The pid, or 0 after logging: the file holds digits and an optional newline only. */
static pid_t read_pid(const char *path)
{
    char text[32], *end;
    ssize_t n;
    long pid;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        pt_log(PT_LOG_ERR, "open() \"%s\" failed (%d: %s)", path, errno, strerror(errno));
        return 0;
    }
    n = read(fd, text, sizeof(text) - 1);
    close(fd);
    if (n < 0)
        n = 0;
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' '))
        n--;
    text[n] = '\0';
    errno = 0;
    pid = strtol(text, &end, 10);
    if (text[0] < '0' || text[0] > '9' || *end != '\0' || errno || pid <= 0) {
        pt_log(PT_LOG_ERR, "invalid PID number \"%s\" in \"%s\"", text, path);
        return 0;
    }
    return (pid_t)pid;
}

int pt_signal_send(const char *pid_path, const char *name)
{
    int sig = signal_number(name);
    pid_t pid;

    if (sig == 0) {
        pt_log(PT_LOG_ERR, "invalid signal \"%s\": stop, quit, reopen or reload", name);
        return 1;
    }
    pid = read_pid(pid_path);
    if (pid == 0)
        return 1;
    if (kill(pid, sig) < 0) {
        pt_log(PT_LOG_ALERT, "kill(%ld, %d) failed (%d: %s)", (long)pid, sig, errno,
               strerror(errno));
        return 1;
    }
    return 0;
}
