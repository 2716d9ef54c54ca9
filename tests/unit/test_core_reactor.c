/* tests/unit/test_core_reactor.c - posted watches (core/reactor.h): a posted watch runs
 * in the next turn without an event and without the turn waiting, once; one that posts
 * itself again runs a turn later, not in the same turn; an unposted one never runs, also
 * when another callback of the same turn takes it off. */
#include <string.h>

#include "core/reactor.h"
#include "tests/tap.h"

struct item {
    struct pt_watch w;
    int calls;
    int repost;                /* post itself again from its callback */
    struct pt_watch *unpost;   /* take this one off from the callback */
};

static struct pt_reactor reactor;

static void called(struct pt_watch *w, uint32_t events)
{
    struct item *it = (struct item *)w;

    it->calls += events == 0;
    if (it->repost) {
        it->repost--;
        pt_reactor_post(&reactor, w);
    }
    if (it->unpost)
        pt_reactor_unpost(&reactor, it->unpost);
}

int main(void)
{
    struct item a = {.w = {.fd = -1, .cb = called}}, b = a, c = a;
    int n;

    TAP_INT(pt_reactor_init(&reactor, NULL), 0, "reactor");
    pt_reactor_post(&reactor, &a.w);
    pt_reactor_post(&reactor, &a.w); /* twice is once */
    a.repost = 1;
    n = pt_reactor_turn(&reactor); /* would block forever without the post */
    TAP_INT(n, 0, "a turn with something posted does not wait for events");
    TAP_INT(a.calls, 1, "a posted watch runs once in the next turn");
    pt_reactor_turn(&reactor);
    TAP_INT(a.calls, 2, "posting itself from its callback: the turn after, not the same");
    pt_reactor_post(&reactor, &b.w);
    pt_reactor_unpost(&reactor, &b.w);
    /* c runs first (posted last), takes b off the list being run */
    pt_reactor_post(&reactor, &b.w);
    pt_reactor_post(&reactor, &a.w);
    c.unpost = &b.w;
    pt_reactor_post(&reactor, &c.w);
    pt_reactor_turn(&reactor);
    TAP_INT(c.calls, 1, "the last posted runs first");
    TAP_INT(b.calls, 0, "a watch taken off by another callback of the turn does not run");
    TAP_INT(a.calls, 3, "the rest of the turn's list still runs");
    TAP_INT(reactor.posted == NULL && reactor.running == NULL, 1, "nothing left posted");
    pt_reactor_cleanup(&reactor);
    return tap_done();
}
