/* core/shm.c - shared memory zones (shm.h).
 *
 * A zone's memory starts with its head: the lock, the bump offset, a free list per size
 * class and the list of named entries. Chunks are powers of two from 32 bytes, a 16-byte
 * header (its class) first: state kept per group is small and changes shape only at a
 * reload, so a chunk freed is reused by the next allocation of its class and nothing is
 * ever split or merged. Pointers inside the zone are plain pointers: the zone is at the
 * same address in every process (mapped once, before the forks).
 *
 * The registry of zones (name, size, references) is this process's own memory; workers
 * inherit a copy with fork and only read it (pt_shm_zone_find).
 */
#include "core/shm.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define ZONE_MAGIC 0x70745f73686d7a31ull /* "pt_shmz1" */
#define CHUNK_MAGIC 0x63686b31u
#define CHUNK_HEAD 16
#define MIN_CHUNK 32
#define CLASSES 40

struct chunk {
    uint32_t cls;
    uint32_t magic;
    uint64_t pad; /* keeps the data 16-byte aligned */
};

struct entry {
    struct entry *next;
    void *data;
    char key[];
};

/* At the start of every zone's memory. */
struct zone_head {
    uint64_t magic;
    struct pt_shm_mutex lock; /* the allocator's and the entries' */
    size_t size;              /* the whole mapping */
    size_t used;              /* bump offset from the zone's start */
    void *free_list[CLASSES];
    struct entry *entries;
};

struct pt_shm_zone {
    struct pt_shm_zone *next;
    char *name;
    size_t size;           /* as asked: the key with the name */
    unsigned refs;
    struct zone_head *head;
};

static struct pt_shm_zone *zones; /* this process's registry */

/* ---- robust process-shared mutex ---------------------------------------------------- */

int pt_shm_mutex_init(struct pt_shm_mutex *mx)
{
    pthread_mutexattr_t a;
    int rc = pthread_mutexattr_init(&a);

    if (rc != 0)
        return -rc;
    rc = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    if (rc == 0)
        rc = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    if (rc == 0)
        rc = pthread_mutex_init(&mx->m, &a);
    pthread_mutexattr_destroy(&a);
    return -rc;
}

int pt_shm_mutex_lock(struct pt_shm_mutex *mx)
{
    int rc = pthread_mutex_lock(&mx->m);

    if (rc == 0)
        return 0;
    if (rc == EOWNERDEAD) { /* its owner died in the middle: take it over */
        rc = pthread_mutex_consistent(&mx->m);
        if (rc == 0)
            return 1;
        pthread_mutex_unlock(&mx->m);
    }
    return -rc;
}

void pt_shm_mutex_unlock(struct pt_shm_mutex *mx)
{
    pthread_mutex_unlock(&mx->m);
}

/* ---- the registry ------------------------------------------------------------------- */

static size_t page_round(size_t n)
{
    long page = sysconf(_SC_PAGESIZE);
    size_t p = page > 0 ? (size_t)page : 4096;

    return (n + p - 1) / p * p;
}

static struct zone_head *map_zone(size_t size, int *err)
{
    size_t len = page_round(size < sizeof(struct zone_head) * 2 ? sizeof(struct zone_head) * 2
                                                                 : size);
    struct zone_head *h = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                               -1, 0);
    int rc;

    if (h == MAP_FAILED) {
        *err = -errno;
        return NULL;
    }
    if ((rc = pt_shm_mutex_init(&h->lock)) != 0) {
        munmap(h, len);
        *err = rc;
        return NULL;
    }
    h->size = len;
    h->used = (sizeof(*h) + 15) & ~(size_t)15;
    h->magic = ZONE_MAGIC;
    return h;
}

struct pt_shm_zone *pt_shm_zone_find(const char *name, size_t size)
{
    for (struct pt_shm_zone *z = zones; z; z = z->next) {
        if (z->size == size && strcmp(z->name, name) == 0)
            return z;
    }
    return NULL;
}

struct pt_shm_zone *pt_shm_zone_acquire(const char *name, size_t size, int *created,
                                        int *err)
{
    struct pt_shm_zone *z = pt_shm_zone_find(name, size);
    int rc = -ENOMEM;

    if (created)
        *created = z == NULL;
    if (z) {
        z->refs++;
        return z;
    }
    z = calloc(1, sizeof(*z));
    if (z == NULL || (z->name = strdup(name)) == NULL)
        goto fail;
    z->head = map_zone(size, &rc);
    if (z->head == NULL)
        goto fail;
    z->size = size;
    z->refs = 1;
    z->next = zones;
    zones = z;
    return z;
fail:
    if (z)
        free(z->name);
    free(z);
    *err = rc;
    return NULL;
}

void pt_shm_zone_release(struct pt_shm_zone *z)
{
    if (z == NULL || --z->refs > 0)
        return;
    for (struct pt_shm_zone **pp = &zones; *pp; pp = &(*pp)->next) {
        if (*pp == z) {
            *pp = z->next;
            break;
        }
    }
    munmap(z->head, z->head->size);
    free(z->name);
    free(z);
}

const char *pt_shm_zone_name(const struct pt_shm_zone *z)
{
    return z->name;
}

/* ---- the allocator (the zone's lock held) ------------------------------------------- */

static int class_of(size_t n)
{
    size_t need = n + CHUNK_HEAD, size = MIN_CHUNK;
    int c = 0;

    if (n > SIZE_MAX / 2)
        return -1;
    while (size < need && c < CLASSES) {
        size <<= 1;
        c++;
    }
    return c < CLASSES ? c : -1;
}

static void *alloc_locked(struct zone_head *h, size_t n)
{
    int c = class_of(n);
    size_t size;
    struct chunk *ch;

    if (c < 0)
        return NULL;
    size = (size_t)MIN_CHUNK << c;
    if (h->free_list[c] != NULL) {
        void *p = h->free_list[c];
        h->free_list[c] = *(void **)p;
        memset(p, 0, size - CHUNK_HEAD);
        return p;
    }
    if (size > h->size - h->used)
        return NULL;
    ch = (struct chunk *)((char *)h + h->used);
    h->used += size;
    ch->cls = (uint32_t)c;
    ch->magic = CHUNK_MAGIC;
    return (char *)ch + CHUNK_HEAD; /* never handed out before: still zero */
}

static void free_locked(struct zone_head *h, void *p)
{
    struct chunk *ch = (struct chunk *)((char *)p - CHUNK_HEAD);

    if (ch->magic != CHUNK_MAGIC || ch->cls >= CLASSES)
        return; /* not ours: leaking beats corrupting the lists */
    *(void **)p = h->free_list[ch->cls];
    h->free_list[ch->cls] = p;
}

void *pt_shm_alloc(struct pt_shm_zone *z, size_t n)
{
    void *p;

    if (pt_shm_mutex_lock(&z->head->lock) < 0)
        return NULL;
    p = alloc_locked(z->head, n);
    pt_shm_mutex_unlock(&z->head->lock);
    return p;
}

void pt_shm_free(struct pt_shm_zone *z, void *p)
{
    if (p == NULL || pt_shm_mutex_lock(&z->head->lock) < 0)
        return;
    free_locked(z->head, p);
    pt_shm_mutex_unlock(&z->head->lock);
}

static void *entry_locked(struct zone_head *h, const char *key, size_t n,
                          void (*init)(void *p, void *arg), void *arg)
{
    size_t klen = strlen(key);
    struct entry *e;

    for (e = h->entries; e; e = e->next) {
        if (strcmp(e->key, key) == 0)
            return e->data;
    }
    e = alloc_locked(h, sizeof(*e) + klen + 1);
    if (e == NULL)
        return NULL;
    e->data = alloc_locked(h, n ? n : 1);
    if (e->data == NULL) {
        free_locked(h, e);
        return NULL;
    }
    memcpy(e->key, key, klen + 1);
    if (init)
        init(e->data, arg);
    e->next = h->entries; /* visible to others only from here */
    h->entries = e;
    return e->data;
}

void *pt_shm_entry(struct pt_shm_zone *z, const char *key, size_t n,
                   void (*init)(void *p, void *arg), void *arg)
{
    void *p;

    if (pt_shm_mutex_lock(&z->head->lock) < 0)
        return NULL;
    p = entry_locked(z->head, key, n, init, arg);
    pt_shm_mutex_unlock(&z->head->lock);
    return p;
}

size_t pt_shm_zone_unused(struct pt_shm_zone *z)
{
    size_t n;

    if (pt_shm_mutex_lock(&z->head->lock) < 0)
        return 0;
    n = z->head->size - z->head->used;
    pt_shm_mutex_unlock(&z->head->lock);
    return n;
}
