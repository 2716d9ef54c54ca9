/* core/timer.h - deadlines for a worker's connections, in a binary min-heap.
 *
 * One timer per connection at most (DESIGN.md). Moving a deadline later, which is what
 * every keep-alive request does, costs no heap work: the heap keeps the earlier key and
 * the timer is re-queued when that key comes due ("deleted lazily"). Moving it earlier
 * sifts it up. The reactor asks for the nearest key to bound epoll_wait, so timers cost
 * no syscalls.
 */
#ifndef PT_CORE_TIMER_H
#define PT_CORE_TIMER_H

#include <stdint.h>

struct pt_timer;
typedef void (*pt_timer_cb)(struct pt_timer *t);

struct pt_timer {
    uint64_t deadline; /* when it fires (pt_now_ms scale); valid while armed */
    uint64_t key;      /* the heap's key: <= deadline */
    uint32_t slot;     /* heap index + 1; 0 when not armed */
    pt_timer_cb fire;
};

struct pt_timers {
    struct pt_timer **heap;
    uint32_t count;
    uint32_t capacity;
};

/* Arms t (or moves it) to fire at deadline. Returns 0 or -ENOMEM. */
int pt_timer_set(struct pt_timers *ts, struct pt_timer *t, uint64_t deadline);
void pt_timer_cancel(struct pt_timers *ts, struct pt_timer *t);

static inline int pt_timer_armed(const struct pt_timer *t)
{
    return t->slot != 0;
}

/* Milliseconds until the nearest key, 0 if one is due, -1 if none. */
int pt_timers_wait_ms(const struct pt_timers *ts, uint64_t now);

/* Fires every timer whose deadline has come; each is disarmed before its callback. */
void pt_timers_run(struct pt_timers *ts, uint64_t now);

void pt_timers_free(struct pt_timers *ts);

#endif
