/* core/worker_proc.c - the child's side of spawning a worker.
 *
 * Between fork() and worker_main the child keeps only its own slot's sockets (a worker
 * holding another slot's socket would keep it alive after the master closed it), resets
 * the master's signal handling to the worker's, sets the file limit and drops privileges:
 * the master stays root so that a reload can bind a new privileged port and reopen logs.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "core/log.h"
#include "core/master_internal.h"

/* A worker whose master is gone would serve an old config forever with no one to reload
 * or stop it: it finishes its requests and exits, as after SIGQUIT. */
static void follow_master(void)
{
    prctl(PR_SET_PDEATHSIG, SIGQUIT);
    if (getppid() != pt_master_pid())
        raise(SIGQUIT); /* the master died before the prctl: blocked, seen on first wait */
}

_Noreturn void pt_worker_child(struct pt_master *m, uint32_t slot)
{
    int fds_local[8], *fds = fds_local, code;
    uint32_t count = m->gen.listen_count;

    pt_log_set_worker((int)slot);
    if (count > sizeof(fds_local) / sizeof(fds_local[0]))
        fds = malloc(count * sizeof(*fds));
    if (fds == NULL) {
        pt_log(PT_LOG_EMERG, "out of memory starting the worker process of slot %u", slot);
        _exit(2);
    }
    pt_msock_take_slot(m, slot, fds);
    pt_worker_signals_init();
    if (m->gen.rlimit_nofile != 0)
        pt_proc_set_nofile(m->gen.rlimit_nofile); /* logged; the worker runs on without */
    if (m->gen.user != NULL && pt_proc_drop_privileges(m->gen.user, m->gen.uid,
                                                       m->gen.gid) != 0)
        _exit(2);
    follow_master(); /* after the credentials change, which clears the setting */
    code = m->ops->worker_main(m->ops->ctx, slot, fds, count);
    fflush(NULL);
    _exit(code);
}
