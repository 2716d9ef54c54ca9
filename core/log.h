/* core/log.h - the error log.
 *
 * One destination per process (a file opened in append mode, or stderr), lines in nginx's
 * format "2026/11/22 05:02:52 [error] 1234#0: message" so that log tooling written for
 * nginx reads ours. Each line is one write(2) with no stdio buffer in between: workers
 * share the file with the master, a line never interleaves with another, and nothing is
 * left buffered across fork(). Before pt_log_open() succeeds, lines go to stderr in
 * nginx's command-line form "portico: [emerg] message", as the user at the terminal
 * expects from a failed start or `-s`.
 */
#ifndef PT_CORE_LOG_H
#define PT_CORE_LOG_H

/* nginx's error_log levels, most severe first. config/config.h declares the same enum
 * (config/ may not include core/), so only one of the two definitions is compiled. */
#ifndef PT_LOG_LEVELS_DEFINED
#define PT_LOG_LEVELS_DEFINED
enum pt_log_level {
    PT_LOG_EMERG = 0,
    PT_LOG_ALERT,
    PT_LOG_CRIT,
    PT_LOG_ERR,
    PT_LOG_WARN,
    PT_LOG_NOTICE,
    PT_LOG_INFO,
    PT_LOG_DEBUG,
};
#endif

/* Sends lines of level <= level to path from now on: "stderr", or a file opened with
 * O_APPEND|O_CREAT|O_CLOEXEC (mode 0644). The previous destination is closed (never
 * stderr itself). Returns 0, or -errno with the old destination still in use. */
int pt_log_open(const char *path, int level);

/* Opens the current path again (log rotation, SIGUSR1) and moves it onto the same file
 * descriptor, so a line written meanwhile goes to one file or the other, never nowhere.
 * A no-op for stderr. Returns 0 or -errno (the old file stays in use). */
int pt_log_reopen(void);

/* The N in "pid#N": the worker's slot, 0 in the master. */
void pt_log_set_worker(int slot);

/* The destination's file descriptor (2 before any open), e.g. to point a daemon's stderr
 * at the log. */
int pt_log_fd(void);

/* Writes one line if level is enabled. A message longer than the line buffer (2 KiB) is
 * cut and ends with "..."; a trailing newline in fmt is not needed. */
void pt_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
