/* proxy/open_file_cache.c - open_file_cache.h: a chained hash by path and an LRU list. */
#include "proxy/open_file_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"

#define BUCKETS 4096u

struct entry {
    char *path;
    uint32_t hash;
    int fd;
    uint32_t uses;       /* responses sending from fd now */
    uint8_t detached;    /* out of the table: close when the last use ends */
    uint64_t used_ms;
    struct stat st;
    struct entry *next;  /* bucket chain */
    struct entry *prev_lru, *next_lru; /* most recent first */
};

static struct entry *buckets[BUCKETS];
static struct entry *lru_head, *lru_tail;
static struct entry *detached_list; /* detached entries still in use (chained by next) */
static uint32_t count;

static uint32_t hash_path(const char *s)
{
    uint32_t h = 2166136261u;

    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

static void lru_unlink(struct entry *e)
{
    if (e->prev_lru)
        e->prev_lru->next_lru = e->next_lru;
    else
        lru_head = e->next_lru;
    if (e->next_lru)
        e->next_lru->prev_lru = e->prev_lru;
    else
        lru_tail = e->prev_lru;
    e->prev_lru = e->next_lru = NULL;
}

static void lru_push(struct entry *e)
{
    e->prev_lru = NULL;
    e->next_lru = lru_head;
    if (lru_head)
        lru_head->prev_lru = e;
    lru_head = e;
    if (!lru_tail)
        lru_tail = e;
}

static void entry_free(struct entry *e)
{
    close(e->fd);
    free(e->path);
    free(e);
}

/* Takes e out of the table; it is freed now, or when its last use ends. */
static void remove_entry(struct entry *e)
{
    struct entry **p = &buckets[e->hash % BUCKETS];

    while (*p != e)
        p = &(*p)->next;
    *p = e->next;
    lru_unlink(e);
    count--;
    if (e->uses == 0) {
        entry_free(e);
        return;
    }
    e->detached = 1;
    e->next = detached_list;
    detached_list = e;
}

/* Closes idle entries past inactive, and one more when the table is full. */
static void sweep(const struct pt_conf_open_file_cache *conf)
{
    struct entry *e = lru_tail;

    while (e) {
        struct entry *prev = e->prev_lru;
        if (e->uses == 0 && (pt_now_ms - e->used_ms >= (uint64_t)conf->inactive ||
                             count >= conf->max))
            remove_entry(e);
        else if (pt_now_ms - e->used_ms < (uint64_t)conf->inactive && count < conf->max)
            break;
        e = prev;
    }
}

static int same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static int open_plain(const char *path, struct stat *st)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

    if (fd < 0)
        return -errno;
    if (fstat(fd, st) != 0) {
        int e = -errno;
        close(fd);
        return e;
    }
    return fd;
}

static struct entry *find(const char *path, uint32_t h)
{
    for (struct entry *e = buckets[h % BUCKETS]; e; e = e->next) {
        if (e->hash == h && strcmp(e->path, path) == 0)
            return e;
    }
    return NULL;
}

/* Caches a regular file just opened; without memory it simply stays uncached. */
static struct entry *insert(const char *path, uint32_t h, int fd, const struct stat *st)
{
    struct entry *e = calloc(1, sizeof(*e));

    if (e == NULL || (e->path = strdup(path)) == NULL) {
        free(e);
        return NULL;
    }
    e->hash = h;
    e->fd = fd;
    e->st = *st;
    e->uses = 1;
    e->used_ms = pt_now_ms;
    e->next = buckets[h % BUCKETS];
    buckets[h % BUCKETS] = e;
    lru_push(e);
    count++;
    return e;
}

int pt_open_file_cache_open(const struct pt_conf_open_file_cache *conf, const char *path,
                            struct stat *st, void **entry)
{
    uint32_t h;
    struct entry *e;
    int fd;

    *entry = NULL;
    if (conf->max == 0)
        return open_plain(path, st);
    h = hash_path(path);
    e = find(path, h);
    if (e) {
        struct stat now;
        if (stat(path, &now) == 0 && same_file(&now, &e->st)) {
            e->uses++;
            e->used_ms = pt_now_ms;
            lru_unlink(e);
            lru_push(e);
            *st = e->st;
            *entry = e;
            return e->fd;
        }
        remove_entry(e);
    }
    sweep(conf);
    fd = open_plain(path, st);
    if (fd >= 0 && S_ISREG(st->st_mode) && count < conf->max)
        *entry = insert(path, h, fd, st);
    return fd;
}

void pt_open_file_cache_release(void *entry)
{
    struct entry *e = entry, **p;

    e->used_ms = pt_now_ms;
    if (--e->uses > 0 || !e->detached)
        return;
    for (p = &detached_list; *p != e; p = &(*p)->next)
        ;
    *p = e->next;
    entry_free(e);
}
