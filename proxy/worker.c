/* proxy/worker.c - a worker process's life (worker.h): accept on this slot's sockets,
 * serve connections, and stop as told.
 *
 * Accepting stops while the worker holds worker_connections connections (the listening
 * sockets leave epoll; queued clients wait in the kernel, or go to another worker's
 * socket of the group) and resumes when one closes. A graceful stop closes this worker's
 * copies of the listening sockets, which leaves the group open in the master and in the
 * next worker of the slot, so nothing queued is lost.
 */
#include "proxy/worker.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/master.h"
#include "proxy/access_log.h"
#include "proxy/health_check.h"
#include "proxy/http_conn.h"
#include "proxy/upstream_group.h"
#include "proxy/upstream_resolve.h"

struct pt_worker pt_worker;

/* A stopping worker gives an idle keep-alive connection this long for a request that
 * may already be on its way before closing it. */
#define QUIT_IDLE_GRACE_MS 1000

static void pause_accepting(void)
{
    for (uint32_t i = 0; i < pt_worker.listener_count; i++) {
        struct pt_listener_watch *l = &pt_worker.listeners[i];
        if (!l->paused && l->watch.fd >= 0 && pt_reactor_del(&pt_worker.reactor, &l->watch) == 0)
            l->paused = 1;
    }
    pt_worker.accepting_paused = 1;
}

static void resume_accepting(void)
{
    for (uint32_t i = 0; i < pt_worker.listener_count; i++) {
        struct pt_listener_watch *l = &pt_worker.listeners[i];
        if (l->paused && l->watch.fd >= 0 &&
            pt_reactor_add_level(&pt_worker.reactor, &l->watch, EPOLLIN) == 0)
            l->paused = 0;
    }
    pt_worker.accepting_paused = 0;
}

void pt_worker_connection_closed(void)
{
    pt_worker.connections--;
    if (pt_worker.accepting_paused && !pt_worker.quitting &&
        pt_worker.connections < pt_worker.cfg->main.worker_connections)
        resume_accepting();
}

/* Accepts until the queue is empty or the worker is full. */
static void on_accept(struct pt_watch *w, uint32_t events)
{
    struct pt_listener_watch *l = (struct pt_listener_watch *)w;
    uint32_t limit = pt_worker.cfg->main.worker_connections;

    (void)events;
    while (pt_worker.connections < limit) {
        union pt_sockaddr peer;
        socklen_t len = sizeof(peer);
        int fd = accept4(w->fd, &peer.sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE)
                pt_log(PT_LOG_ALERT, "accept4() failed: %s", strerror(errno));
            if (errno != EINTR && errno != ECONNABORTED)
                return;
            continue;
        }
        pt_http_conn_open(fd, l->conf, &peer.sa, len);
    }
    pause_accepting();
}

static int start_listening(const int *fds, uint32_t fd_count)
{
    pt_worker.listeners = calloc(fd_count ? fd_count : 1, sizeof(*pt_worker.listeners));
    if (pt_worker.listeners == NULL)
        return -ENOMEM;
    pt_worker.listener_count = fd_count;
    for (uint32_t i = 0; i < fd_count; i++) {
        struct pt_listener_watch *l = &pt_worker.listeners[i];
        int rc;
        l->watch.fd = fds[i];
        l->watch.cb = on_accept;
        l->conf = pt_worker.cfg->listeners[i];
        rc = pt_reactor_add_level(&pt_worker.reactor, &l->watch, EPOLLIN);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Stops accepting for good: this worker's copies of the slot's sockets are closed (the
 * master and the next worker of the slot keep the group open). */
static void stop_listening(void)
{
    for (uint32_t i = 0; i < pt_worker.listener_count; i++) {
        struct pt_listener_watch *l = &pt_worker.listeners[i];
        if (l->watch.fd < 0)
            continue;
        close(l->watch.fd); /* leaves epoll with it */
        l->watch.fd = -1;
    }
}

/* Only wakes the loop, which then sees the deadline in should_exit(). */
static void on_quit_deadline(struct pt_timer *t)
{
    (void)t;
}

static void begin_quit(void)
{
    pt_worker.quitting = 1;
    stop_listening();
    pt_health_checks_stop(); /* the next generation's worker checks from now on */
    pt_upstream_resolve_stop(); /* and resolves */
    if (pt_worker.cfg->main.worker_shutdown_timeout > 0) {
        pt_worker.quit_deadline = pt_now_ms + (uint64_t)pt_worker.cfg->main.worker_shutdown_timeout;
        pt_worker.quit_timer.fire = on_quit_deadline;
        pt_timer_set(&pt_worker.reactor.timers, &pt_worker.quit_timer, pt_worker.quit_deadline);
    }
    pt_worker.quit_idle_deadline = pt_now_ms + QUIT_IDLE_GRACE_MS;
    for (struct pt_http_conn *hc = pt_worker.idle, *next; hc; hc = next) {
        next = hc->idle_next;
        pt_http_conn_quit_idle(hc);
    }
}

static int should_exit(void)
{
    if (pt_worker_terminate)
        return 1;
    if (!pt_worker.quitting)
        return 0;
    if (pt_worker.connections == 0)
        return 1;
    return pt_worker.quit_deadline && pt_now_ms >= pt_worker.quit_deadline;
}

/* The reactor turns until a stop: flags are read after each turn, and the turn's wait
 * is the only place their signals are let in. */
static void serve(void)
{
    while (!should_exit()) {
        int rc = pt_reactor_turn(&pt_worker.reactor);
        if (rc < 0 && rc != -EINTR) {
            pt_log(PT_LOG_ALERT, "epoll_pwait() failed: %s", strerror(-rc));
            return;
        }
        if (pt_worker_quit && !pt_worker.quitting)
            begin_quit();
        if (pt_worker_reopen) {
            pt_worker_reopen = 0;
            pt_log_reopen();
            pt_access_log_reopen();
        }
    }
}

int pt_worker_run(struct pt_config *cfg, uint32_t slot, const int *fds, uint32_t fd_count)
{
    int rc;

    memset(&pt_worker, 0, sizeof(pt_worker));
    pt_worker.cfg = cfg;
    pt_worker.slot = slot;
    pt_log_set_worker((int)slot);
    rc = pt_reactor_init(&pt_worker.reactor, pt_worker_wait_sigmask());
    if (rc == 0)
        rc = start_listening(fds, fd_count);
    if (rc != 0) {
        pt_log(PT_LOG_EMERG, "worker %u cannot start: %s", slot, strerror(-rc));
        return 2;
    }
    pt_health_checks_start();
    pt_upstream_resolve_start();
    serve();
    pt_access_log_flush(); /* lines still in buffer= are not lost at exit */
    pt_health_checks_stop();
    pt_upstream_resolve_stop();
    pt_upstream_groups_free();
    pt_reactor_cleanup(&pt_worker.reactor);
    pt_buf_trim();
    return 0;
}
