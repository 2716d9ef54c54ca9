/* proxy/log_files.c - the log files of a config snapshot (log_files.h). */
#include "proxy/log_files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"

const char *pt_log_files_error_log(const struct pt_config *cfg, char *buf, size_t size)
{
    if (cfg->main.error_log != NULL)
        snprintf(buf, size, "%s", cfg->main.error_log);
    else
        snprintf(buf, size, "%s/logs/error.log", cfg->prefix);
    return buf;
}

/* 1 or 2 for the paths that name the process's own stdout and stderr, else 0. */
static int standard_fd(const char *path)
{
    if (strcmp(path, "/dev/stdout") == 0)
        return STDOUT_FILENO;
    if (strcmp(path, "/dev/stderr") == 0)
        return STDERR_FILENO;
    return 0;
}

/* The file opened for appending, never on 0..2: a master started with stdout closed
 * would otherwise hold a log there, and a daemon's /dev/null would land on it. Returns
 * the descriptor or -errno. */
static int open_append(const char *path)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644), high;

    if (fd < 0)
        return -errno;
    if (fd > STDERR_FILENO)
        return fd;
    high = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
    if (high < 0)
        high = -errno;
    close(fd);
    return high;
}

static int open_failed(struct pt_conf_error *err, const char *path, int e)
{
    int n = snprintf(err->message, sizeof(err->message), "open() \"%s\" failed (%d: %s)\n",
                     path, e, strerror(e));

    if (n >= (int)sizeof(err->message)) /* a path near PATH_MAX: cut, still a line */
        err->message[sizeof(err->message) - 2] = '\n';
    return -1;
}

static int open_file(struct pt_conf_log_file *f, struct pt_conf_error *err)
{
    int fd;

    if (f->fd >= 0)
        return 0;
    fd = standard_fd(f->path);
    if (fd == 0 && (fd = open_append(f->path)) < 0)
        return open_failed(err, f->path, -fd);
    f->fd = fd;
    return 0;
}

static int open_set(const struct pt_conf_access_logs *set, struct pt_conf_error *err)
{
    for (uint32_t i = 0; !set->off && i < set->count; i++) {
        if (set->logs[i].file && open_file(set->logs[i].file, err) != 0)
            return -1;
    }
    return 0;
}

static int open_locations(struct pt_conf_location *const *locs, uint32_t count,
                          struct pt_conf_error *err)
{
    for (uint32_t i = 0; i < count; i++) {
        if (open_set(&locs[i]->values.access_log, err) != 0 ||
            open_locations(locs[i]->children, locs[i]->child_count, err) != 0)
            return -1;
    }
    return 0;
}

/* The error log is opened at commit (core/log.h), but a path that cannot be opened must
 * fail the load while the previous generation, and its log, can still be kept. */
static int check_error_log(const struct pt_config *cfg, struct pt_conf_error *err)
{
    char path[4096];
    int fd;

    pt_log_files_error_log(cfg, path, sizeof(path));
    if (strcmp(path, "stderr") == 0)
        return 0;
    fd = open_append(path);
    if (fd < 0)
        return open_failed(err, path, -fd);
    close(fd);
    return 0;
}

/* As nginx: the error log first (named in the main context), then every path an
 * access_log names, in config order, and last the default, only where a server or
 * location is left with it (nginx creates it while merging). Requests are always served
 * with a server's or a location's values, so the http level itself is not walked. */
int pt_log_files_open(struct pt_config *cfg, struct pt_conf_error *err)
{
    if (check_error_log(cfg, err) != 0)
        return -1;
    for (struct pt_conf_log_file *f = cfg->log_files; f; f = f->next) {
        if (f->written && open_file(f, err) != 0)
            return -1;
    }
    for (uint32_t i = 0; i < cfg->server_count; i++) {
        const struct pt_conf_server *s = cfg->servers[i];
        if (open_set(&s->values.access_log, err) != 0 ||
            open_locations(s->locations, s->location_count, err) != 0)
            return -1;
    }
    return 0;
}

int pt_log_file_give(int fd, const char *path, uid_t owner)
{
    const mode_t rw = S_IRUSR | S_IWUSR;
    struct stat st;

    if (fstat(fd, &st) < 0) {
        pt_log(PT_LOG_EMERG, "fstat() \"%s\" failed (%d: %s)", path, errno, strerror(errno));
        return -1;
    }
    if (st.st_uid != owner && fchown(fd, owner, (gid_t)-1) < 0) {
        pt_log(PT_LOG_EMERG, "chown(\"%s\", %ld) failed (%d: %s)", path, (long)owner, errno,
               strerror(errno));
        return -1;
    }
    if ((st.st_mode & rw) != rw && fchmod(fd, (st.st_mode & 07777) | rw) < 0) {
        pt_log(PT_LOG_EMERG, "chmod() \"%s\" failed (%d: %s)", path, errno, strerror(errno));
        return -1;
    }
    return 0;
}

void pt_log_files_reopen(const struct pt_config *cfg, uid_t owner)
{
    for (const struct pt_conf_log_file *f = cfg->log_files; f; f = f->next) {
        int fd;

        if (f->fd <= STDERR_FILENO) /* not open, or the process's stdout/stderr */
            continue;
        fd = open_append(f->path);
        if (fd < 0) {
            pt_log(PT_LOG_EMERG, "open() \"%s\" failed (%d: %s)", f->path, -fd,
                   strerror(-fd));
            continue;
        }
        if (owner != (uid_t)-1)
            pt_log_file_give(fd, f->path, owner); /* logged; the file is used anyway */
        if (dup3(fd, f->fd, O_CLOEXEC) < 0)
            pt_log(PT_LOG_ALERT, "dup3() for \"%s\" failed (%d: %s)", f->path, errno,
                   strerror(errno));
        close(fd);
    }
}
