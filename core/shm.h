/* core/shm.h - shared memory zones: memory that every worker of every generation sees.
 *
 * The master maps a zone (MAP_SHARED | MAP_ANONYMOUS) when a config that names it is
 * loaded, before it forks the workers, so every process finds the zone at the same address
 * and a pointer into a zone is valid in all of them. A zone is kept across reloads by name
 * and size: a new config that names the same zone with the same size acquires the same
 * memory (and what is in it); another size gets a new zone. Inside a zone: a lock, a small
 * allocator (power-of-two size classes with free lists) and named entries, so a user finds
 * its state again after a reload or in a new worker.
 *
 * Locks are process-shared, robust mutexes: a worker killed while it holds one does not
 * wedge the others; the next locker is told, and gets the lock. core/ knows nothing of
 * what is kept (upstream state, TLS session cache, rate limits, metrics).
 */
#ifndef PT_CORE_SHM_H
#define PT_CORE_SHM_H

#include <pthread.h>
#include <stddef.h>

/* A lock that lives in shared memory (embedded in what it guards). */
struct pt_shm_mutex {
    pthread_mutex_t m;
};

/* Initialises mx (in a zone) as process-shared and robust. Returns 0 or -errno. */
int pt_shm_mutex_init(struct pt_shm_mutex *mx);

/* Takes mx. Returns 0; 1 when its previous owner died holding it: the lock is now the
 * caller's and made consistent, but what it guards may be half-updated; -errno when the
 * lock cannot be taken (the caller must not unlock). */
int pt_shm_mutex_lock(struct pt_shm_mutex *mx);
void pt_shm_mutex_unlock(struct pt_shm_mutex *mx);

struct pt_shm_zone;

/* In the master: the zone called name of size bytes (rounded up to pages), mapped now or
 * already held for an earlier config; each call takes a reference. *created (may be NULL)
 * says whether it is new (zeroed, nothing allocated). NULL with *err = -errno when the
 * mapping fails. */
struct pt_shm_zone *pt_shm_zone_acquire(const char *name, size_t size, int *created,
                                        int *err);

/* Drops a reference; the last one unmaps the zone in this process (a worker that was
 * forked with it keeps its own mapping). NULL is a no-op. */
void pt_shm_zone_release(struct pt_shm_zone *z);

/* The zone this process holds under name and size (as acquired), or NULL: how a worker
 * finds the zones its config names. */
struct pt_shm_zone *pt_shm_zone_find(const char *name, size_t size);

const char *pt_shm_zone_name(const struct pt_shm_zone *z);

/* n zeroed bytes in z, 16-byte aligned, or NULL when the zone is full. Takes the zone's
 * lock: safe in any process. */
void *pt_shm_alloc(struct pt_shm_zone *z, size_t n);

/* Gives back what pt_shm_alloc returned (NULL is a no-op). */
void pt_shm_free(struct pt_shm_zone *z, void *p);

/* The entry named key: found, or allocated with n zeroed bytes and passed to init(p, arg)
 * (init may be NULL) before any other process can see it. NULL when it is new and the
 * zone is full. An entry found keeps the size it was made with: the caller keys what it
 * stores so that a different layout gets a different key. */
void *pt_shm_entry(struct pt_shm_zone *z, const char *key, size_t n,
                   void (*init)(void *p, void *arg), void *arg);

/* Bytes never handed out yet (freed chunks are not counted): for messages and tests. */
size_t pt_shm_zone_unused(struct pt_shm_zone *z);

#endif
