/* core/master_internal.h - what the master's files share; not for other modules.
 *
 * master.c runs the lifetime and the signal loop, master_gen.c copies a plan into the
 * master's own memory, master_sockets.c keeps the per-slot listening sockets,
 * master_workers.c forks, signals, reaps and respawns workers, worker_proc.c is the
 * child's side of a fork, process.c the daemon/privilege/rlimit system calls, pidfile.c
 * the pid file and `-s`.
 */
#ifndef PT_CORE_MASTER_INTERNAL_H
#define PT_CORE_MASTER_INTERNAL_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "core/master.h"

/* After SIGTERM, how long a worker has before SIGKILL. */
#define PT_MASTER_KILL_GRACE_MS 5000
/* A worker that dies sooner than this after its start counts as a crash loop. */
#define PT_MASTER_QUICK_EXIT_MS 1000
/* The longest a crash-looping slot waits before its next respawn. */
#define PT_MASTER_RESPAWN_MAX_DELAY_MS 5000

/* The master's own copy of a plan: what it needs after the plan's memory is gone. */
struct pt_gen {
    uint32_t workers;
    struct pt_listen_spec *listens; /* text points into listen_texts */
    char (*listen_texts)[80];
    uint32_t listen_count;
    int64_t shutdown_timeout_ms;
    char *pid_path;  /* NULL: no pid file */
    char *user;      /* NULL: keep the running user */
    uid_t uid;
    gid_t gid;
    uint64_t rlimit_nofile;
    int daemon, master_process;
};

/* One listening address and its sockets, by slot. */
struct pt_addr {
    struct sockaddr_storage addr;
    socklen_t addr_len;
    int ipv6only;
    int backlog;
    char text[80];
    int *fds;            /* fds[slot], slots 0..fd_count-1 all open */
    uint32_t fd_count;
    uint32_t kept_count; /* while a plan is applied: the slots it had before */
};

enum pt_proc_stage {
    PT_PROC_RUNNING = 0,
    PT_PROC_QUIT_SENT,  /* graceful: finishing its in-flight requests */
    PT_PROC_TERM_SENT,  /* fast: SIGKILL at the deadline */
    PT_PROC_KILL_SENT,
};

struct pt_proc {
    pid_t pid;
    uint32_t slot;
    uint32_t generation;
    int64_t started_ms;
    enum pt_proc_stage stage;
    int64_t deadline_ms; /* next escalation of stage; 0: none */
};

/* Per slot of the current generation: the crash-loop throttle. */
struct pt_slot {
    int64_t respawn_at_ms; /* 0: nothing to respawn */
    uint32_t quick_exits;  /* consecutive deaths within PT_MASTER_QUICK_EXIT_MS */
};

enum pt_stop { PT_STOP_NONE = 0, PT_STOP_GRACEFUL, PT_STOP_FAST };

struct pt_master {
    const struct pt_master_ops *ops;
    struct pt_gen gen;     /* the current generation */
    uint32_t generation;   /* its number, 1 for the first */
    struct pt_addr *addrs;
    uint32_t addr_count;
    struct pt_proc *procs; /* live workers of every generation */
    uint32_t proc_count, proc_cap;
    struct pt_slot *slots; /* gen.workers entries */
    enum pt_stop stopping;
    uint8_t pid_written; /* the pid file is ours to remove */
};

static inline int64_t pt_mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* master_gen.c. Returns 0, or -1 after logging why the plan is refused. */
int pt_gen_from_plan(struct pt_gen *g, const struct pt_master_plan *p);
void pt_gen_cleanup(struct pt_gen *g);

/* master_sockets.c. apply opens what g needs that the master does not hold (probing each
 * new address first) and returns 0, or -1 after logging, with nothing changed. prune
 * closes what the current generation no longer needs. */
int pt_msock_apply(struct pt_master *m, const struct pt_gen *g);
void pt_msock_prune(struct pt_master *m);
void pt_msock_close_all(struct pt_master *m);
/* In a worker child: closes every socket but slot's, and fills fds in plan order. */
void pt_msock_take_slot(struct pt_master *m, uint32_t slot, int *fds);

/* master_workers.c */
void pt_mworkers_spawn_generation(struct pt_master *m);
void pt_mworkers_quit_old(struct pt_master *m);
void pt_mworkers_stop(struct pt_master *m, enum pt_stop how);
void pt_mworkers_forward(struct pt_master *m, int sig);
void pt_mworkers_reap(struct pt_master *m);
void pt_mworkers_tick(struct pt_master *m);
int64_t pt_mworkers_next_deadline(const struct pt_master *m); /* 0: none */

/* worker_proc.c: runs worker_main in a forked child; never returns. */
_Noreturn void pt_worker_child(struct pt_master *m, uint32_t slot);
/* worker_signals.c: the worker's handlers and mask (master.h); also used in-process
 * with master_process off. */
void pt_worker_signals_init(void);

/* master.c */
void pt_master_set_pid(pid_t pid);

/* process.c. Each returns 0, or -1 after logging. */
int pt_proc_daemonize(void);
int pt_proc_resolve_user(const char *user, const char *group, uid_t *uid, gid_t *gid);
int pt_proc_drop_privileges(const char *user, uid_t uid, gid_t gid);
int pt_proc_set_nofile(uint64_t limit);

/* pidfile.c */
int pt_pidfile_write(const char *path, pid_t pid);
void pt_pidfile_remove(const char *path);

#endif
