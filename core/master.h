/* core/master.h - the master process and the worker side of its signals.
 *
 * The master owns the listening sockets (one SO_REUSEPORT socket per address and worker
 * slot), forks a worker per slot, reloads on SIGHUP by forking a new generation before
 * telling the old one to quit, respawns a worker that dies in its slot, and stops on
 * SIGQUIT (graceful) or SIGTERM/SIGINT (fast). It knows nothing of the configuration
 * language: proxy/ reads the config and describes each generation as a pt_master_plan.
 * A worker keeps its slot's socket for life and never closes the group: the master closes
 * a slot's socket only when its address leaves the config or the worker count shrinks,
 * so a reload loses no queued connection (DESIGN.md, "Hard parts").
 */
#ifndef PT_CORE_MASTER_H
#define PT_CORE_MASTER_H

#include <signal.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

/* One listening address of a plan. */
struct pt_listen_spec {
    struct sockaddr_storage addr;
    socklen_t addr_len;
    int backlog;
    int ipv6only;     /* AF_INET6 only */
    const char *text; /* "127.0.0.1:8080", for messages */
};

/* What one config generation asks of the master. The master copies what it keeps, so the
 * plan's memory needs to last only until commit() returns. */
struct pt_master_plan {
    uint32_t workers;                   /* worker_processes, >= 1 */
    const struct pt_listen_spec *listens;
    uint32_t listen_count;
    int64_t shutdown_timeout_ms;        /* worker_shutdown_timeout, 0 = wait without limit */
    const char *pid_path;               /* absolute or relative to the cwd; NULL = none */
    const char *user, *group;           /* NULL = keep (group NULL: the group named user) */
    uint64_t rlimit_nofile;             /* 0 = leave */
    int daemon, master_process;         /* read at start only: a reload cannot change them */
};

struct pt_master_ops {
    void *ctx;
    /* Reads the config (first call: the start; later: each SIGHUP) and fills *plan.
     * Returns 0, or -1 after logging why (on reload the old generation keeps serving). */
    int (*load)(void *ctx, struct pt_master_plan *plan);
    /* Makes the generation just loaded the current one: its sockets are ready and its
     * workers are about to be forked. A load that is not committed (its sockets could not
     * be opened) is superseded by the next load. */
    void (*commit)(void *ctx);
    /* Runs in a forked worker (or in the master itself with master_process off): slot
     * 0..workers-1 and, for each listen of the current plan in order, this slot's fd.
     * The worker must not close the group: closing its own copies is how it stops
     * accepting. Returns the exit code; 2 means "do not respawn me" (as nginx's fatal). */
    int (*worker_main)(void *ctx, uint32_t slot, const int *fds, uint32_t fd_count);
    /* SIGUSR1 in the master (workers get their own SIGUSR1: pt_worker_reopen). */
    int (*reopen_logs)(void *ctx);
};

/* The whole master lifetime, from the first load to the last worker reaped. Returns the
 * process's exit code: 0 after a stop, 1 when the start failed (logged). With daemon on,
 * the calling process exits inside (status 0) and the daemon continues. */
int pt_master_run(const struct pt_master_ops *ops);

/* The master's pid, in the master and in its workers. */
pid_t pt_master_pid(void);

/* Sends the master named by the pid file nginx's signal for name: "stop" (SIGTERM),
 * "quit" (SIGQUIT), "reload" (SIGHUP), "reopen" (SIGUSR1). Returns 0, or 1 after printing
 * why to stderr (unknown name, pid file missing or not a pid, kill failed). */
int pt_signal_send(const char *pid_path, const char *name);

/* The worker side. Before worker_main runs, the worker starts with default handlers,
 * SIGPIPE and SIGHUP ignored, these handlers installed and their signals blocked:
 * SIGQUIT sets pt_worker_quit (stop accepting, finish in-flight requests, exit),
 * SIGTERM and SIGINT set pt_worker_terminate (exit now), SIGUSR1 sets pt_worker_reopen
 * (reopen log files, then clear the flag). They are delivered only while the worker
 * waits with pt_worker_wait_sigmask() (epoll_pwait, ppoll), so a signal that comes
 * while the worker is busy is seen on its next wait rather than lost between a check of
 * the flags and the wait. */
extern volatile sig_atomic_t pt_worker_quit, pt_worker_terminate, pt_worker_reopen;
const sigset_t *pt_worker_wait_sigmask(void);

#endif
