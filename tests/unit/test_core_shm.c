/* tests/unit/test_core_shm.c - shared memory zones (core/shm.h): kept by name and size,
 * the allocator's classes, reuse and exhaustion, named entries, memory really shared with
 * a forked child, and the robust lock: a child that exits or is SIGKILLed while it holds
 * the lock does not wedge the parent. Every wait is bounded. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/shm.h"
#include "tests/tap.h"

static void zones_by_name_and_size(void)
{
    int created = -1, err = 0;
    struct pt_shm_zone *a = pt_shm_zone_acquire("app", 65536, &created, &err);
    struct pt_shm_zone *again, *other;

    TAP_INT(a != NULL, 1, "a zone is mapped");
    TAP_INT(created, 1, "and is new");
    again = pt_shm_zone_acquire("app", 65536, &created, &err);
    TAP_INT(again == a, 1, "the same name and size: the same zone (a reload keeps it)");
    TAP_INT(created, 0, "not new");
    other = pt_shm_zone_acquire("app", 131072, &created, &err);
    TAP_INT(other != NULL && other != a, 1, "another size: another zone");
    TAP_INT(pt_shm_zone_find("app", 65536) == a, 1, "found by name and size");
    TAP_INT(pt_shm_zone_find("app", 4096) == NULL, 1, "no zone of that size");
    TAP_STR(pt_shm_zone_name(a), "app", "its name");
    pt_shm_zone_release(other);
    TAP_INT(pt_shm_zone_find("app", 131072) == NULL, 1, "released: gone");
    pt_shm_zone_release(again);
    TAP_INT(pt_shm_zone_find("app", 65536) == a, 1, "one reference left: still there");
    pt_shm_zone_release(a);
    TAP_INT(pt_shm_zone_find("app", 65536) == NULL, 1, "the last reference unmaps it");
}

static void allocator(void)
{
    int err = 0;
    struct pt_shm_zone *z = pt_shm_zone_acquire("alloc", 32768, NULL, &err);
    unsigned char *p = pt_shm_alloc(z, 100), *q, *r;
    size_t before, n = 0, zero = 1;

    TAP_INT(p != NULL, 1, "100 bytes");
    TAP_INT((uintptr_t)p % 16, 0, "16-byte aligned");
    for (int i = 0; i < 100; i++)
        zero &= p[i] == 0;
    TAP_INT(zero, 1, "zeroed");
    memset(p, 0xab, 100);
    q = pt_shm_alloc(z, 100);
    TAP_INT(q != NULL && q != p, 1, "a second chunk");
    pt_shm_free(z, p);
    before = pt_shm_zone_unused(z);
    r = pt_shm_alloc(z, 90);
    TAP_INT(r == p, 1, "a freed chunk is reused by its class");
    TAP_INT(r[0] == 0 && r[89] == 0, 1, "and zeroed again");
    TAP_INT(pt_shm_zone_unused(z), before, "reuse takes nothing new");
    TAP_INT(pt_shm_alloc(z, 1u << 20) == NULL, 1, "more than the zone: NULL");
    while (n < 10000 && pt_shm_alloc(z, 1000) != NULL)
        n++;
    TAP_INT(n > 10 && n < 32, 1, "a 32k zone holds a few dozen 1k chunks, then is full (%zu)",
            n);
    TAP_INT(pt_shm_alloc(z, 16) != NULL, 1, "a small chunk may still fit");
    pt_shm_free(z, NULL);
    pt_shm_zone_release(z);
}

static void count_init(void *p, void *arg)
{
    *(int *)p = 42;
    (*(int *)arg)++;
}

static void entries(void)
{
    int err = 0, inits = 0;
    struct pt_shm_zone *z = pt_shm_zone_acquire("entries", 65536, NULL, &err);
    struct pt_shm_zone *same;
    int *a = pt_shm_entry(z, "upstream/app", sizeof(int), count_init, &inits);
    int *b = pt_shm_entry(z, "upstream/other", sizeof(int), count_init, &inits);

    TAP_INT(a != NULL && b != NULL && a != b, 1, "two keys, two entries");
    TAP_INT(*a, 42, "initialised");
    *a = 7;
    same = pt_shm_zone_acquire("entries", 65536, NULL, &err); /* a reload */
    TAP_INT(pt_shm_entry(same, "upstream/app", sizeof(int), count_init, &inits) == a, 1,
            "the key finds its entry again");
    TAP_INT(*a, 7, "with what was stored");
    TAP_INT(inits, 2, "init ran once per new entry");
    pt_shm_zone_release(same);
    pt_shm_zone_release(z);
}

/* Waits (bounded) for a child; its raw status, or -1 when it would not end. */
static int reap(pid_t pid)
{
    for (int i = 0; i < 500; i++) {
        int st;
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid)
            return st;
        nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}

static void shared_with_child(void)
{
    int err = 0;
    struct pt_shm_zone *z = pt_shm_zone_acquire("fork", 65536, NULL, &err);
    int *v = pt_shm_entry(z, "v", sizeof(int), NULL, NULL);
    pid_t pid;

    *v = 1;
    pid = fork();
    if (pid == 0) {
        int *w = pt_shm_entry(pt_shm_zone_find("fork", 65536), "v", sizeof(int), NULL, NULL);
        *w = *w == 1 ? 2 : -1;
        _exit(w == v ? 0 : 1);
    }
    TAP_INT(reap(pid), 0, "the child found the entry at the same address");
    TAP_INT(*v, 2, "and its write is seen by the parent");
    pt_shm_zone_release(z);
}

/* A child takes the lock, tells the parent, then ends as `how` says while holding it. */
static void robust_after(const char *what, int killed)
{
    int err = 0, fds[2];
    struct pt_shm_zone *z = pt_shm_zone_acquire("lock", 65536, NULL, &err);
    struct pt_shm_mutex *mx = pt_shm_entry(z, "mx", sizeof(*mx), NULL, NULL);
    int *guarded = pt_shm_entry(z, "guarded", sizeof(int), NULL, NULL);
    char c = 0;
    pid_t pid;

    TAP_INT(pt_shm_mutex_init(mx), 0, "%s: a robust shared lock", what);
    if (pipe(fds) != 0)
        return;
    pid = fork();
    if (pid == 0) {
        pt_shm_mutex_lock(mx);
        *guarded = 1;
        if (write(fds[1], "l", 1) != 1)
            _exit(3);
        if (!killed)
            _exit(0);
        for (int i = 0; i < 1000; i++) /* bounded: the parent kills it long before */
            nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
        _exit(4);
    }
    TAP_INT(read(fds[0], &c, 1), 1, "%s: the child holds the lock", what);
    if (killed)
        kill(pid, SIGKILL);
    reap(pid);
    TAP_INT(pt_shm_mutex_lock(mx), 1, "%s: the parent gets it, told its owner died", what);
    TAP_INT(*guarded, 1, "%s: what the child wrote is there", what);
    pt_shm_mutex_unlock(mx);
    TAP_INT(pt_shm_mutex_lock(mx), 0, "%s: consistent again: an ordinary lock next", what);
    pt_shm_mutex_unlock(mx);
    close(fds[0]);
    close(fds[1]);
    pt_shm_zone_release(z);
}

int main(void)
{
    zones_by_name_and_size();
    allocator();
    entries();
    shared_with_child();
    robust_after("exit", 0);
    robust_after("SIGKILL", 1);
    return tap_done();
}
