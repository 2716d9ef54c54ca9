/* core/reactor.c - the epoll loop of reactor.h. */
#include "core/reactor.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"

int pt_reactor_init(struct pt_reactor *r, const sigset_t *wait_mask)
{
    memset(r, 0, sizeof(*r));
    r->wait_mask = wait_mask;
    r->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (r->epfd < 0)
        return -errno;
    pt_clock_update();
    return 0;
}

static void free_graves(struct pt_reactor *r)
{
    while (r->graves) {
        struct pt_watch *w = r->graves;
        r->graves = w->grave_next;
        free(w->grave_owner);
    }
}

void pt_reactor_bury(struct pt_reactor *r, struct pt_watch *w, void *owner)
{
    pt_reactor_unpost(r, w);
    w->fd = -1;
    w->grave_owner = owner;
    w->grave_next = r->graves;
    r->graves = w;
}

void pt_reactor_cleanup(struct pt_reactor *r)
{
    free_graves(r);
    if (r->epfd >= 0)
        close(r->epfd);
    r->epfd = -1;
    pt_timers_free(&r->timers);
}

static int control(struct pt_reactor *r, int op, struct pt_watch *w, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.ptr = w};

    return epoll_ctl(r->epfd, op, w->fd, &ev) == 0 ? 0 : -errno;
}

int pt_reactor_add(struct pt_reactor *r, struct pt_watch *w, uint32_t events)
{
    return control(r, EPOLL_CTL_ADD, w, events | EPOLLET);
}

int pt_reactor_add_level(struct pt_reactor *r, struct pt_watch *w, uint32_t events)
{
    return control(r, EPOLL_CTL_ADD, w, events);
}

int pt_reactor_del(struct pt_reactor *r, struct pt_watch *w)
{
    return control(r, EPOLL_CTL_DEL, w, 0);
}

void pt_reactor_post(struct pt_reactor *r, struct pt_watch *w)
{
    if (w->posted)
        return;
    w->posted = 1;
    w->posted_next = r->posted;
    r->posted = w;
}

static int unlink_from(struct pt_watch **list, struct pt_watch *w)
{
    for (struct pt_watch **at = list; *at; at = &(*at)->posted_next) {
        if (*at == w) {
            *at = w->posted_next;
            return 1;
        }
    }
    return 0;
}

void pt_reactor_unpost(struct pt_reactor *r, struct pt_watch *w)
{
    if (w->posted && !unlink_from(&r->posted, w))
        unlink_from(&r->running, w);
    w->posted = 0;
}

/* Runs what was posted before now; what they post again waits for the next turn. The
 * ones still to run stay on r->running, where pt_reactor_unpost finds a watch whose owner
 * another callback freed. */
static void run_posted(struct pt_reactor *r)
{
    r->running = r->posted;
    r->posted = NULL;
    while (r->running) {
        struct pt_watch *w = r->running;
        r->running = w->posted_next;
        w->posted = 0;
        w->cb(w, 0);
    }
}

int pt_reactor_turn(struct pt_reactor *r)
{
    struct epoll_event events[PT_REACTOR_BATCH];
    int timeout = r->posted ? 0 : pt_timers_wait_ms(&r->timers, pt_now_ms);
    int n = epoll_pwait(r->epfd, events, PT_REACTOR_BATCH, timeout, r->wait_mask);
    int err = errno;

    pt_clock_update();
    if (n < 0)
        return -err;
    for (int i = 0; i < n; i++) {
        struct pt_watch *w = events[i].data.ptr;
        if (w->fd >= 0) /* closed by an earlier callback of this batch: buried, not freed */
            w->cb(w, events[i].events);
    }
    pt_timers_run(&r->timers, pt_now_ms);
    run_posted(r);
    free_graves(r);
    return n;
}
