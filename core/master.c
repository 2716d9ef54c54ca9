/* core/master.c - the master's lifetime: start, the signal loop, reload and stop.
 *
 * The master's signals are blocked for its whole life and taken one at a time with
 * sigtimedwait(): no handler runs in the middle of a fork or a realloc, and a signal that
 * comes while the master is busy waits for the next turn of the loop. The timeout is the
 * nearest deadline (a throttled respawn, a worker to terminate or kill).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/master_internal.h"

static pid_t master_pid;

pid_t pt_master_pid(void)
{
    return master_pid;
}

static const int master_signals[] = {
    SIGHUP, SIGQUIT, SIGTERM, SIGINT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCHLD,
};

/* Never runs (the signals are blocked and waited for), but a handler, unlike the
 * default disposition, guarantees that SIGCHLD and SIGWINCH stay pending. */
static void on_master_signal(int sig)
{
    (void)sig;
}

static void master_signals_init(sigset_t *set)
{
    struct sigaction sa;

    sigemptyset(set);
    for (unsigned i = 0; i < sizeof(master_signals) / sizeof(master_signals[0]); i++)
        sigaddset(set, master_signals[i]);
    sigprocmask(SIG_BLOCK, set, NULL);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_master_signal;
    for (unsigned i = 0; i < sizeof(master_signals) / sizeof(master_signals[0]); i++)
        sigaction(master_signals[i], &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}

/* The next signal, or 0 when deadline_ms (0: none) passed first. */
static int wait_signal(const sigset_t *set, int64_t deadline_ms, siginfo_t *info)
{
    struct timespec ts, *timeout = NULL;
    int sig;

    if (deadline_ms != 0) {
        int64_t left = deadline_ms - pt_mono_ms();
        left = left > 0 ? left : 0;
        ts.tv_sec = left / 1000;
        ts.tv_nsec = (left % 1000) * 1000000;
        timeout = &ts;
    }
    sig = sigtimedwait(set, info, timeout);
    return sig > 0 ? sig : 0;
}

static int same_path(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/* A reload that moves the pid file writes the new one before removing the old one, so
 * `-s` always finds one of them. */
static void move_pid_file(const struct pt_gen *old, const struct pt_gen *next)
{
    if (same_path(old->pid_path, next->pid_path))
        return;
    if (next->pid_path != NULL)
        pt_pidfile_write(next->pid_path, master_pid);
    if (old->pid_path != NULL)
        pt_pidfile_remove(old->pid_path);
}

static void adopt(struct pt_master *m, struct pt_gen *next, struct pt_slot *slots)
{
    struct pt_gen old = m->gen;

    next->daemon = old.daemon; /* both need a restart */
    next->master_process = old.master_process;
    move_pid_file(&old, next);
    m->gen = *next;
    pt_gen_cleanup(&old);
    free(m->slots);
    m->slots = slots;
    m->generation++;
}

/* SIGHUP: the new generation is forked before the old one is told to quit, and the old
 * one's sockets are closed only after that, so no connection finds no listener. */
static void reload(struct pt_master *m)
{
    struct pt_master_plan plan;
    struct pt_gen next;
    struct pt_slot *slots;

    memset(&plan, 0, sizeof(plan));
    if (m->ops->load(m->ops->ctx, &plan) != 0)
        goto failed;
    if (pt_gen_from_plan(&next, &plan) != 0)
        goto failed;
    slots = calloc(next.workers, sizeof(*slots));
    if (slots == NULL || pt_msock_apply(m, &next) != 0) {
        free(slots);
        pt_gen_cleanup(&next);
        goto failed;
    }
    m->ops->commit(m->ops->ctx);
    adopt(m, &next, slots);
    pt_mworkers_spawn_generation(m);
    pt_mworkers_quit_old(m);
    pt_msock_prune(m);
    return;
failed:
    pt_log(PT_LOG_ERR, "reload failed: the workers keep the previous configuration");
}

static void stop(struct pt_master *m, enum pt_stop how)
{
    m->stopping = how;
    pt_mworkers_stop(m, how);
    /* New connections are refused once the workers close their copies too, rather than
     * queued for no one. */
    pt_msock_close_all(m);
}

static void reopen(struct pt_master *m)
{
    if (m->ops->reopen_logs != NULL && m->ops->reopen_logs(m->ops->ctx) != 0)
        pt_log(PT_LOG_ALERT, "reopening the log files failed");
    pt_mworkers_forward(m, SIGUSR1);
}

static const char *signal_action(const struct pt_master *m, int sig)
{
    if (m->stopping && (sig == SIGHUP || sig == SIGQUIT))
        return ", ignored: already stopping";
    if (sig == SIGHUP)
        return ", reconfiguring";
    if (sig == SIGQUIT)
        return ", shutting down gracefully";
    if (sig == SIGTERM || sig == SIGINT)
        return ", exiting";
    if (sig == SIGUSR1)
        return ", reopening logs";
    return ", not supported: ignored";
}

static void handle_signal(struct pt_master *m, int sig, const siginfo_t *info)
{
    if (sig != SIGCHLD)
        pt_log(PT_LOG_NOTICE, "signal %d (SIG%s) received from %ld%s", sig, sigabbrev_np(sig),
               (long)info->si_pid, signal_action(m, sig));
    if (sig == SIGHUP && !m->stopping)
        reload(m);
    else if (sig == SIGQUIT && !m->stopping)
        stop(m, PT_STOP_GRACEFUL);
    else if ((sig == SIGTERM || sig == SIGINT) && m->stopping != PT_STOP_FAST)
        stop(m, PT_STOP_FAST);
    else if (sig == SIGUSR1)
        reopen(m);
}

static int run_master(struct pt_master *m, const sigset_t *set)
{
    m->slots = calloc(m->gen.workers, sizeof(*m->slots));
    if (m->slots == NULL) {
        pt_log(PT_LOG_EMERG, "out of memory starting the workers");
        return 1;
    }
    pt_mworkers_spawn_generation(m);
    for (;;) {
        siginfo_t info;
        int sig;

        pt_mworkers_reap(m);
        pt_mworkers_tick(m);
        if (m->stopping && m->proc_count == 0)
            break;
        sig = wait_signal(set, pt_mworkers_next_deadline(m), &info);
        if (sig != 0)
            handle_signal(m, sig, &info);
    }
    pt_log(PT_LOG_NOTICE, "exit");
    return 0;
}

/* master_process off (nginx's debugging mode): slot 0 runs here, with the worker's
 * signals, and no reload or respawn. The sockets pass to worker_main. */
static int run_single(struct pt_master *m)
{
    int *fds = calloc(m->gen.listen_count + 1, sizeof(*fds)), code;

    if (fds == NULL) {
        pt_log(PT_LOG_EMERG, "out of memory starting the worker");
        return 1;
    }
    pt_msock_take_slot(m, 0, fds);
    for (uint32_t i = 0; i < m->addr_count; i++)
        m->addrs[i].fd_count = 0;
    pt_worker_signals_init();
    if (m->gen.rlimit_nofile != 0)
        pt_proc_set_nofile(m->gen.rlimit_nofile);
    code = m->ops->worker_main(m->ops->ctx, 0, fds, m->gen.listen_count);
    free(fds);
    return code;
}

static int start(struct pt_master *m)
{
    struct pt_master_plan plan;

    memset(&plan, 0, sizeof(plan));
    if (m->ops->load(m->ops->ctx, &plan) != 0)
        return -1;
    if (pt_gen_from_plan(&m->gen, &plan) != 0)
        return -1;
    if (pt_msock_apply(m, &m->gen) != 0)
        return -1;
    m->ops->commit(m->ops->ctx);
    if (m->gen.daemon && pt_proc_daemonize() != 0)
        return -1;
    master_pid = getpid();
    if (m->gen.pid_path != NULL) {
        if (pt_pidfile_write(m->gen.pid_path, master_pid) != 0)
            return -1;
        m->pid_written = 1;
    }
    return 0;
}

int pt_master_run(const struct pt_master_ops *ops)
{
    struct pt_master m;
    sigset_t set;
    int code = 1;

    memset(&m, 0, sizeof(m));
    m.ops = ops;
    m.generation = 1;
    master_pid = getpid();
    master_signals_init(&set);
    if (start(&m) == 0)
        code = m.gen.master_process ? run_master(&m, &set) : run_single(&m);
    if (m.pid_written && m.gen.pid_path != NULL)
        pt_pidfile_remove(m.gen.pid_path);
    pt_msock_close_all(&m);
    free(m.procs);
    free(m.slots);
    pt_gen_cleanup(&m.gen);
    return code;
}
