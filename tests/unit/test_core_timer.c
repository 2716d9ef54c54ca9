/* tests/unit/test_core_timer.c - the lazy timer heap (core/timer.h): order of firing,
 * cancel, a deadline moved later (no early fire) and earlier (fires at the new time),
 * and the wait the reactor derives from it. */
#include <stdlib.h>

#include "core/timer.h"
#include "tests/tap.h"

#define N 1000

static int fired_order[N];
static int fired_count;

struct item {
    struct pt_timer t;
    int id;
};

static void record(struct pt_timer *t)
{
    fired_order[fired_count++] = ((struct item *)t)->id;
}

static void firing_order(void)
{
    static struct item items[N];
    struct pt_timers ts = {0};
    int sorted = 1;

    srand(7);
    for (int i = 0; i < N; i++) {
        items[i].id = i;
        items[i].t.fire = record;
        pt_timer_set(&ts, &items[i].t, (uint64_t)(rand() % 10000));
    }
    fired_count = 0;
    pt_timers_run(&ts, 20000);
    for (int i = 1; i < fired_count; i++)
        sorted &= items[fired_order[i - 1]].t.deadline <= items[fired_order[i]].t.deadline;
    TAP_INT(fired_count, N, "every timer fires once");
    TAP_INT(sorted, 1, "timers fire in deadline order");
    TAP_INT(ts.count, 0, "the heap is empty after");
    pt_timers_free(&ts);
}

static void moves_and_cancel(void)
{
    struct item a = {.t.fire = record, .id = 1}, b = {.t.fire = record, .id = 2};
    struct pt_timers ts = {0};

    pt_timer_set(&ts, &a.t, 100);
    pt_timer_set(&ts, &b.t, 200);
    pt_timer_set(&ts, &a.t, 300); /* later: lazily */
    TAP_INT(pt_timers_wait_ms(&ts, 50), 50, "the wait still ends at the old key");
    fired_count = 0;
    pt_timers_run(&ts, 150);
    TAP_INT(fired_count, 0, "a timer moved later does not fire at its old time");
    TAP_INT(pt_timer_armed(&a.t), 1, "and stays armed");
    pt_timers_run(&ts, 250);
    TAP_INT(fired_count == 1 && fired_order[0] == 2, 1, "the other fires at 200");
    pt_timer_set(&ts, &a.t, 260); /* earlier than 300 */
    TAP_INT(pt_timers_wait_ms(&ts, 250), 10, "moving earlier shortens the wait");
    pt_timer_cancel(&ts, &a.t);
    TAP_INT(pt_timers_wait_ms(&ts, 250), -1, "no timer, no wait");
    pt_timers_run(&ts, 1000);
    TAP_INT(fired_count, 1, "a cancelled timer never fires");
    pt_timers_free(&ts);
}

int main(void)
{
    firing_order();
    moves_and_cancel();
    return tap_done();
}
