/* core/reactor.h - a worker's event loop: one epoll set, edge-triggered, plus timers.
 *
 * Each socket is registered once, for both directions, edge-triggered (DESIGN.md: no
 * per-request epoll_ctl churn): its owner reads or writes until EAGAIN and remembers
 * which way it is blocked. A turn waits (bounded by the nearest timer, with the caller's
 * signal mask so a signal cannot slip in between a check and the wait), updates the
 * cached clock once, dispatches the events, then runs due timers.
 */
#ifndef PT_CORE_REACTOR_H
#define PT_CORE_REACTOR_H

#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>

#include "core/timer.h"

struct pt_watch;
typedef void (*pt_watch_cb)(struct pt_watch *w, uint32_t events);

/* Embedded in whatever owns the fd; the callback gets it back and finds its owner. */
struct pt_watch {
    int fd;
    pt_watch_cb cb;
    struct pt_watch *posted_next; /* on the reactor's posted list */
    uint8_t posted;
    struct pt_watch *grave_next;  /* buried: its owner is freed at the end of the turn */
    void *grave_owner;
};

#define PT_REACTOR_BATCH 512

struct pt_reactor {
    int epfd;
    struct pt_timers timers;
    struct pt_watch *posted;  /* called again next turn, without waiting for an event */
    struct pt_watch *running; /* the posted ones this turn has yet to call */
    struct pt_watch *graves;  /* closed watches whose owners are freed after the turn */
    const sigset_t *wait_mask; /* passed to epoll_pwait; NULL for the current mask */
};

int pt_reactor_init(struct pt_reactor *r, const sigset_t *wait_mask);
void pt_reactor_cleanup(struct pt_reactor *r);

/* Registers w->fd for events (EPOLLIN, EPOLLOUT, EPOLLRDHUP; EPOLLET is added).
 * Returns 0 or -errno. */
int pt_reactor_add(struct pt_reactor *r, struct pt_watch *w, uint32_t events);

/* Level-triggered registration, for listening sockets that stop accepting while the
 * worker is at worker_connections. */
int pt_reactor_add_level(struct pt_reactor *r, struct pt_watch *w, uint32_t events);

/* Removes w->fd; needed only for an fd that stays open (closing one removes it). */
int pt_reactor_del(struct pt_reactor *r, struct pt_watch *w);

/* Calls w->cb(w, 0) in the next turn, after that turn's events, without waiting: an owner
 * that stopped to let others run (sendfile_max_chunk) while its socket is still ready,
 * which edge-triggered epoll would not report again. */
void pt_reactor_post(struct pt_reactor *r, struct pt_watch *w);
/* Takes w off the posted list (its owner is going away). */
void pt_reactor_unpost(struct pt_reactor *r, struct pt_watch *w);

/* Frees owner (which embeds w, whose fd is closed: -1) once the turn is over. A turn's
 * batch may still hold an event for w: it is skipped, and must find w's memory intact.
 * Owners of watches free them this way, never with free() during a turn. */
void pt_reactor_bury(struct pt_reactor *r, struct pt_watch *w, void *owner);

/* One turn. Returns the number of events dispatched, or -errno (-EINTR when a signal
 * arrived: the caller checks its flags and turns again). */
int pt_reactor_turn(struct pt_reactor *r);

#endif
