/* tests/unit/test_core_reactor.c - posted watches (core/reactor.h): a posted watch runs
 * in the next turn without an event and without the turn waiting, once; one that posts
 * itself again runs a turn later, not in the same turn; an unposted one never runs, also
 * when another callback of the same turn takes it off. And burial: a watch closed by a
 * callback while its own event waits in the same batch is skipped, not called on freed
 * memory (run under valgrind by the test suite's memcheck of the config tests' kind). */
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

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

struct pair_item {
    struct pt_watch w;
    struct pair_item *victim; /* closed and buried from this one's callback */
};

static int pair_calls; /* not in the items: one of them is freed by the turn */

static void pair_called(struct pt_watch *w, uint32_t events)
{
    struct pair_item *it = (struct pair_item *)w;

    (void)events;
    pair_calls++;
    if (it->victim && it->victim->w.fd >= 0) {
        close(it->victim->w.fd);
        pt_reactor_bury(&reactor, &it->victim->w, it->victim);
    }
}

/* Two readable sockets in one batch; whichever runs first closes the other. */
static void burial(void)
{
    int sa[2], sb[2];
    struct pair_item *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
    int a_fd, b_fd;

    socketpair(AF_UNIX, SOCK_STREAM, 0, sa);
    socketpair(AF_UNIX, SOCK_STREAM, 0, sb);
    a_fd = sa[0];
    b_fd = sb[0];
    a->w = (struct pt_watch){.fd = sa[0], .cb = pair_called};
    b->w = (struct pt_watch){.fd = sb[0], .cb = pair_called};
    a->victim = b;
    b->victim = a;
    pt_reactor_add(&reactor, &a->w, EPOLLIN);
    pt_reactor_add(&reactor, &b->w, EPOLLIN);
    write(sa[1], "x", 1);
    write(sb[1], "x", 1);
    TAP_INT(pt_reactor_turn(&reactor), 2, "both events in one batch");
    /* one of them ran and buried the other, which was skipped; the survivor is freed here */
    TAP_INT(pair_calls, 1, "a watch closed earlier in the batch is not called");
    TAP_INT(reactor.graves == NULL, 1, "the buried owner was freed after the turn");
    /* the survivor is the one whose fd is still open: fcntl tells without touching memory */
    if (fcntl(a_fd, F_GETFD) >= 0) {
        close(a_fd);
        free(a);
    } else {
        close(b_fd);
        free(b);
    }
    close(sa[1]);
    close(sb[1]);
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
    burial();
    pt_reactor_cleanup(&reactor);
    return tap_done();
}
