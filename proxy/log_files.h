/* proxy/log_files.h - the log files of a config snapshot, kept the way nginx's master
 * keeps them.
 *
 * nginx opens every log file when it loads a configuration, in the master and so as root,
 * and its workers inherit the descriptors: a log in a folder only root may write works
 * with `user nobody`. portico does the same. pt_log_files_open() runs on every load (the
 * start, each SIGHUP, -t) and opens the snapshot's access_log files (cfg->log_files):
 * every path an access_log names, and nginx's default where a server or location is left
 * with it. The snapshot keeps the descriptors and closes them when it is released
 * (config/config.h); workers forked from it write to them. A path that cannot be opened
 * fails the load with nginx's message, so -t fails, a start fails, and a reload keeps the
 * running configuration. /dev/stdout and /dev/stderr are the process's fd 1 and 2, never
 * opened or closed.
 *
 * A reload opens each path again rather than sharing the running snapshot's descriptors,
 * as nginx: a log renamed away without SIGUSR1 is left behind at the next reload.
 *
 * SIGUSR1 (log rotation): the master reopens each file by its path as root and gives a
 * new file to the workers' user, as nginx; then every worker, told next, reopens its own
 * copies by path (pt_access_log_reopen), which that ownership lets it do.
 */
#ifndef PT_PROXY_LOG_FILES_H
#define PT_PROXY_LOG_FILES_H

#include <stddef.h>
#include <sys/types.h>

#include "config/config.h"

/* The error log cfg asks for: its error_log ("stderr" or a path), else nginx's default
 * PREFIX/logs/error.log. Returns buf. */
const char *pt_log_files_error_log(const struct pt_config *cfg, char *buf, size_t size);

/* Checks that cfg's error log can be opened (core/log.h opens it for real when the config
 * is committed), then opens each of cfg->log_files that is in use and not open yet
 * (O_WRONLY|O_APPEND|O_CREAT|O_CLOEXEC, 0644), in the order they were named. Returns 0,
 * or -1 with err->message "open() \"PATH\" failed (ERRNO: TEXT)\n"; the files opened
 * before it stay with cfg. */
int pt_log_files_open(struct pt_config *cfg, struct pt_conf_error *err);

/* Opens each open file of cfg again by its path and moves it onto the same descriptor
 * (dup3), so a line written meanwhile goes to the old file or the new one. With owner
 * not (uid_t)-1 (the master, whose workers run as another user), each file is then given
 * to owner as pt_log_file_give does. A file that cannot be opened keeps the old one;
 * failures are logged. */
void pt_log_files_reopen(const struct pt_config *cfg, uid_t owner);

/* nginx's ngx_reopen_files for one file: the file open at fd (named path, for messages)
 * becomes owner's if it is not already, and readable and writable by its owner. Returns
 * 0, or -1 after logging. */
int pt_log_file_give(int fd, const char *path, uid_t owner);

#endif
