/* core/master_workers.c - forking, signalling, reaping and respawning workers.
 *
 * Workers of every generation live in one table. Only the current generation's are
 * respawned when they die on their own; a worker told to quit or stop is just reaped.
 * A slot whose worker keeps dying right after it starts waits longer before each respawn
 * (100 ms doubling up to 5 s), so a crash loop costs a few forks per second at most, not a
 * busy master.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/log.h"
#include "core/master_internal.h"

static int reserve_proc(struct pt_master *m)
{
    uint32_t cap = m->proc_cap ? m->proc_cap * 2 : 16;
    struct pt_proc *grown;

    if (m->proc_count < m->proc_cap)
        return 0;
    grown = realloc(m->procs, cap * sizeof(*m->procs));
    if (grown == NULL)
        return -1;
    m->procs = grown;
    m->proc_cap = cap;
    return 0;
}

static int spawn(struct pt_master *m, uint32_t slot)
{
    struct pt_proc *p;
    pid_t pid;

    if (reserve_proc(m) != 0) {
        pt_log(PT_LOG_ALERT, "out of memory spawning the worker process of slot %u", slot);
        return -1;
    }
    fflush(NULL); /* a stdio buffer left in the master would be written twice */
    pid = fork();
    if (pid < 0) {
        pt_log(PT_LOG_ALERT, "fork() failed while spawning the worker process of slot %u "
               "(%d: %s)", slot, errno, strerror(errno));
        return -1;
    }
    if (pid == 0)
        pt_worker_child(m, slot);
    p = &m->procs[m->proc_count++];
    memset(p, 0, sizeof(*p));
    p->pid = pid;
    p->slot = slot;
    p->generation = m->generation;
    p->started_ms = pt_mono_ms();
    pt_log(PT_LOG_NOTICE, "start worker process %ld (slot %u)", (long)pid, slot);
    return 0;
}

/* A fork that failed is tried again in a second rather than left as a starving slot. */
static void spawn_or_retry(struct pt_master *m, uint32_t slot)
{
    if (spawn(m, slot) != 0)
        m->slots[slot].respawn_at_ms = pt_mono_ms() + 1000;
}

void pt_mworkers_spawn_generation(struct pt_master *m)
{
    for (uint32_t slot = 0; slot < m->gen.workers; slot++)
        spawn_or_retry(m, slot);
}

static void send_to(struct pt_proc *p, int sig, enum pt_proc_stage stage, int64_t deadline)
{
    if (kill(p->pid, sig) < 0 && errno != ESRCH)
        pt_log(PT_LOG_ALERT, "kill(%ld, %d) failed (%d: %s)", (long)p->pid, sig, errno,
               strerror(errno));
    p->stage = stage;
    p->deadline_ms = deadline;
}

static void send_quit(struct pt_master *m, struct pt_proc *p)
{
    int64_t t = m->gen.shutdown_timeout_ms;

    send_to(p, SIGQUIT, PT_PROC_QUIT_SENT, t > 0 ? pt_mono_ms() + t : 0);
}

void pt_mworkers_quit_old(struct pt_master *m)
{
    for (uint32_t i = 0; i < m->proc_count; i++) {
        struct pt_proc *p = &m->procs[i];
        if (p->generation != m->generation && p->stage == PT_PROC_RUNNING)
            send_quit(m, p);
    }
}

void pt_mworkers_stop(struct pt_master *m, enum pt_stop how)
{
    int64_t kill_at = pt_mono_ms() + PT_MASTER_KILL_GRACE_MS;

    for (uint32_t i = 0; i < m->proc_count; i++) {
        struct pt_proc *p = &m->procs[i];
        if (how == PT_STOP_GRACEFUL && p->stage == PT_PROC_RUNNING)
            send_quit(m, p);
        else if (how == PT_STOP_FAST && p->stage < PT_PROC_TERM_SENT)
            send_to(p, SIGTERM, PT_PROC_TERM_SENT, kill_at);
    }
}

void pt_mworkers_forward(struct pt_master *m, int sig)
{
    for (uint32_t i = 0; i < m->proc_count; i++)
        if (kill(m->procs[i].pid, sig) < 0 && errno != ESRCH)
            pt_log(PT_LOG_ALERT, "kill(%ld, %d) failed (%d: %s)", (long)m->procs[i].pid, sig,
                   errno, strerror(errno));
}

static void log_exit(const struct pt_proc *p, int status)
{
    int expected = p->stage != PT_PROC_RUNNING;

    if (WIFSIGNALED(status))
        pt_log(expected ? PT_LOG_NOTICE : PT_LOG_ALERT,
               "worker process %ld (slot %u) exited on signal %d%s", (long)p->pid, p->slot,
               WTERMSIG(status), WCOREDUMP(status) ? " (core dumped)" : "");
    else
        pt_log(expected && WEXITSTATUS(status) == 0 ? PT_LOG_NOTICE : PT_LOG_ALERT,
               "worker process %ld (slot %u) exited with code %d", (long)p->pid, p->slot,
               WEXITSTATUS(status));
}

static void schedule_respawn(struct pt_master *m, const struct pt_proc *p, int status)
{
    struct pt_slot *s = &m->slots[p->slot];
    int64_t now = pt_mono_ms(), delay = 0;

    if (WIFEXITED(status) && WEXITSTATUS(status) == 2) {
        pt_log(PT_LOG_ALERT, "worker process %ld exited with fatal code 2 and cannot be "
               "respawned: slot %u stays empty until a reload", (long)p->pid, p->slot);
        return;
    }
    s->quick_exits = now - p->started_ms < PT_MASTER_QUICK_EXIT_MS ? s->quick_exits + 1 : 0;
    if (s->quick_exits > 1) {
        uint32_t shift = s->quick_exits - 2 < 6 ? s->quick_exits - 2 : 6;
        delay = 100 << shift;
        delay = delay < PT_MASTER_RESPAWN_MAX_DELAY_MS ? delay
                                                       : PT_MASTER_RESPAWN_MAX_DELAY_MS;
        pt_log(PT_LOG_WARN, "the worker process of slot %u died %u times in a row right "
               "after it started: respawning it in %lld ms", p->slot, s->quick_exits,
               (long long)delay);
    }
    s->respawn_at_ms = now + delay > 0 ? now + delay : 1;
}

static void handle_exit(struct pt_master *m, pid_t pid, int status)
{
    struct pt_proc p;
    uint32_t i = 0;

    while (i < m->proc_count && m->procs[i].pid != pid)
        i++;
    if (i == m->proc_count)
        return; /* not a worker of ours */
    p = m->procs[i];
    m->procs[i] = m->procs[--m->proc_count];
    log_exit(&p, status);
    if (p.generation == m->generation && p.stage == PT_PROC_RUNNING && !m->stopping)
        schedule_respawn(m, &p, status);
}

void pt_mworkers_reap(struct pt_master *m)
{
    pid_t pid;
    int status;

    while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
        handle_exit(m, pid, status);
}

/* A worker that outlived its graceful deadline is terminated; one that outlived its
 * fast one is killed. */
static void escalate(struct pt_proc *p, int64_t now)
{
    if (p->stage == PT_PROC_QUIT_SENT) {
        pt_log(PT_LOG_NOTICE, "worker process %ld is still running after "
               "worker_shutdown_timeout: terminating it", (long)p->pid);
        send_to(p, SIGTERM, PT_PROC_TERM_SENT, now + PT_MASTER_KILL_GRACE_MS);
    } else if (p->stage == PT_PROC_TERM_SENT) {
        pt_log(PT_LOG_ALERT, "worker process %ld did not exit after SIGTERM: killing it",
               (long)p->pid);
        send_to(p, SIGKILL, PT_PROC_KILL_SENT, 0);
    }
}

void pt_mworkers_tick(struct pt_master *m)
{
    int64_t now = pt_mono_ms();

    for (uint32_t slot = 0; !m->stopping && slot < m->gen.workers; slot++) {
        struct pt_slot *s = &m->slots[slot];
        if (s->respawn_at_ms != 0 && s->respawn_at_ms <= now) {
            s->respawn_at_ms = 0;
            spawn_or_retry(m, slot);
        }
    }
    for (uint32_t i = 0; i < m->proc_count; i++)
        if (m->procs[i].deadline_ms != 0 && m->procs[i].deadline_ms <= now)
            escalate(&m->procs[i], now);
}

int64_t pt_mworkers_next_deadline(const struct pt_master *m)
{
    int64_t next = 0;

    for (uint32_t slot = 0; !m->stopping && slot < m->gen.workers; slot++) {
        int64_t t = m->slots[slot].respawn_at_ms;
        if (t != 0 && (next == 0 || t < next))
            next = t;
    }
    for (uint32_t i = 0; i < m->proc_count; i++) {
        int64_t t = m->procs[i].deadline_ms;
        if (t != 0 && (next == 0 || t < next))
            next = t;
    }
    return next;
}
