/* core/timer.c - the lazy min-heap of timer.h. */
#include "core/timer.h"

#include <errno.h>
#include <stdlib.h>

static void place(struct pt_timers *ts, struct pt_timer *t, uint32_t i)
{
    ts->heap[i] = t;
    t->slot = i + 1;
}

static void sift_up(struct pt_timers *ts, uint32_t i)
{
    struct pt_timer *t = ts->heap[i];

    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (ts->heap[parent]->key <= t->key)
            break;
        place(ts, ts->heap[parent], i);
        i = parent;
    }
    place(ts, t, i);
}

static void sift_down(struct pt_timers *ts, uint32_t i)
{
    struct pt_timer *t = ts->heap[i];

    for (;;) {
        uint32_t child = 2 * i + 1;
        if (child >= ts->count)
            break;
        if (child + 1 < ts->count && ts->heap[child + 1]->key < ts->heap[child]->key)
            child++;
        if (t->key <= ts->heap[child]->key)
            break;
        place(ts, ts->heap[child], i);
        i = child;
    }
    place(ts, t, i);
}

static int grow(struct pt_timers *ts)
{
    uint32_t cap = ts->capacity ? ts->capacity * 2 : 64;
    struct pt_timer **heap = realloc(ts->heap, cap * sizeof(*heap));

    if (heap == NULL)
        return -ENOMEM;
    ts->heap = heap;
    ts->capacity = cap;
    return 0;
}

int pt_timer_set(struct pt_timers *ts, struct pt_timer *t, uint64_t deadline)
{
    t->deadline = deadline;
    if (t->slot) {
        if (deadline >= t->key)
            return 0; /* later: re-queued when the old key comes due */
        t->key = deadline;
        sift_up(ts, t->slot - 1);
        return 0;
    }
    if (ts->count == ts->capacity && grow(ts) != 0)
        return -ENOMEM;
    t->key = deadline;
    place(ts, t, ts->count++);
    sift_up(ts, ts->count - 1);
    return 0;
}

static void remove_at(struct pt_timers *ts, uint32_t i)
{
    struct pt_timer *last = ts->heap[--ts->count];

    ts->heap[i]->slot = 0;
    if (i == ts->count)
        return;
    place(ts, last, i);
    if (i > 0 && ts->heap[(i - 1) / 2]->key > last->key)
        sift_up(ts, i);
    else
        sift_down(ts, i);
}

void pt_timer_cancel(struct pt_timers *ts, struct pt_timer *t)
{
    if (t->slot)
        remove_at(ts, t->slot - 1);
}

int pt_timers_wait_ms(const struct pt_timers *ts, uint64_t now)
{
    uint64_t key;

    if (ts->count == 0)
        return -1;
    key = ts->heap[0]->key;
    if (key <= now)
        return 0;
    return key - now > 86400000 ? 86400000 : (int)(key - now);
}

void pt_timers_run(struct pt_timers *ts, uint64_t now)
{
    while (ts->count > 0 && ts->heap[0]->key <= now) {
        struct pt_timer *t = ts->heap[0];
        if (t->deadline > now) {
            /* moved later since it was queued: re-key, no callback */
            t->key = t->deadline;
            sift_down(ts, 0);
            continue;
        }
        remove_at(ts, 0);
        t->fire(t);
    }
}

void pt_timers_free(struct pt_timers *ts)
{
    free(ts->heap);
    ts->heap = NULL;
    ts->count = ts->capacity = 0;
}
