/* core/process.c - the system calls that make the master a daemon and a worker an
 * unprivileged process (master_internal.h). Each logs its own failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/log.h"
#include "core/master_internal.h"

/* One fork and setsid, as nginx: the daemon leads a session without a terminal and never
 * opens one, so the second fork some daemons do buys nothing here. */
int pt_proc_daemonize(void)
{
    pid_t pid = fork();
    int null_fd;

    if (pid < 0) {
        pt_log(PT_LOG_EMERG, "fork() failed (%d: %s)", errno, strerror(errno));
        return -1;
    }
    if (pid > 0)
        _exit(0);
    if (setsid() < 0) {
        pt_log(PT_LOG_EMERG, "setsid() failed (%d: %s)", errno, strerror(errno));
        return -1;
    }
    null_fd = open("/dev/null", O_RDWR);
    if (null_fd < 0) {
        pt_log(PT_LOG_EMERG, "open(\"/dev/null\") failed (%d: %s)", errno, strerror(errno));
        return -1;
    }
    dup2(null_fd, STDIN_FILENO);
    dup2(null_fd, STDOUT_FILENO);
    /* Whatever a library prints goes to the error log rather than a terminal that may be
     * gone; with "error_log stderr" the terminal stays, as the user asked for it. */
    if (pt_log_fd() != STDERR_FILENO)
        dup2(pt_log_fd(), STDERR_FILENO);
    if (null_fd > STDERR_FILENO)
        close(null_fd);
    return 0;
}

/* nginx's rule: without a group, the group named as the user. */
int pt_proc_resolve_user(const char *user, const char *group, uid_t *uid, gid_t *gid)
{
    const char *group_name = group ? group : user;
    struct passwd *pw;
    struct group *gr;

    errno = 0;
    pw = getpwnam(user);
    if (pw == NULL) {
        pt_log(PT_LOG_EMERG, "getpwnam(\"%s\") failed%s", user,
               errno ? " (system error)" : ": no such user");
        return -1;
    }
    errno = 0;
    gr = getgrnam(group_name);
    if (gr == NULL) {
        pt_log(PT_LOG_EMERG, "getgrnam(\"%s\") failed%s", group_name,
               errno ? " (system error)" : ": no such group");
        return -1;
    }
    *uid = pw->pw_uid;
    *gid = gr->gr_gid;
    return 0;
}

/* Group first: once the uid is not root, the gid can no longer change. */
int pt_proc_drop_privileges(const char *user, uid_t uid, gid_t gid)
{
    if (setgid(gid) < 0) {
        pt_log(PT_LOG_EMERG, "setgid(%ld) failed (%d: %s)", (long)gid, errno, strerror(errno));
        return -1;
    }
    if (initgroups(user, gid) < 0) {
        pt_log(PT_LOG_EMERG, "initgroups(%s, %ld) failed (%d: %s)", user, (long)gid, errno,
               strerror(errno));
        return -1;
    }
    if (setuid(uid) < 0) {
        pt_log(PT_LOG_EMERG, "setuid(%ld) failed (%d: %s)", (long)uid, errno, strerror(errno));
        return -1;
    }
    return 0;
}

int pt_proc_set_nofile(uint64_t limit)
{
    struct rlimit rl = {.rlim_cur = limit, .rlim_max = limit};

    if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
        pt_log(PT_LOG_ALERT, "setrlimit(RLIMIT_NOFILE, %llu) failed (%d: %s)",
               (unsigned long long)limit, errno, strerror(errno));
        return -1;
    }
    return 0;
}
