/* core/worker_signals.c - a worker's signals (master.h, "The worker side").
 *
 * Handlers only set flags. The signals stay blocked except inside the worker's wait
 * (epoll_pwait/ppoll with pt_worker_wait_sigmask()), so a signal that arrives between the
 * reactor's check of the flags and its wait stays pending and interrupts that wait: the
 * race a plain epoll_wait would lose.
 */
#include <signal.h>
#include <string.h>

#include "core/master_internal.h"

volatile sig_atomic_t pt_worker_quit, pt_worker_terminate, pt_worker_reopen;

static sigset_t wait_mask;

static void on_signal(int sig)
{
    if (sig == SIGQUIT)
        pt_worker_quit = 1;
    else if (sig == SIGUSR1)
        pt_worker_reopen = 1;
    else
        pt_worker_terminate = 1;
}

const sigset_t *pt_worker_wait_sigmask(void)
{
    return &wait_mask;
}

static void set_handler(int sig, void (*handler)(int), const sigset_t *mask)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = handler;
    sa.sa_mask = *mask;
    sigaction(sig, &sa, NULL);
}

void pt_worker_signals_init(void)
{
    static const int handled[] = {SIGQUIT, SIGTERM, SIGINT, SIGUSR1};
    sigset_t blocked;

    sigemptyset(&blocked);
    for (unsigned i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
        sigaddset(&blocked, handled[i]);
    /* Blocked first: a signal sent to the new worker waits for its first wait. */
    sigprocmask(SIG_BLOCK, &blocked, NULL);
    pt_worker_quit = pt_worker_terminate = pt_worker_reopen = 0;
    /* Whatever the master installed goes back to the default; sigaction refuses the
     * numbers it does not allow (SIGKILL, SIGSTOP, libc's own), which is fine. */
    for (int sig = 1; sig < NSIG; sig++)
        set_handler(sig, SIG_DFL, &blocked);
    for (unsigned i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
        set_handler(handled[i], on_signal, &blocked);
    /* A peer that closes first must not kill the worker; the master reloads, not us. */
    set_handler(SIGPIPE, SIG_IGN, &blocked);
    set_handler(SIGHUP, SIG_IGN, &blocked);
    sigprocmask(SIG_SETMASK, &blocked, NULL);
    sigemptyset(&wait_mask);
}
