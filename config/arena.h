/* config/arena.h - the chunked bump allocator a config snapshot lives in.
 *
 * Everything a loaded config owns (file bytes, words, servers, locations, listeners) is
 * carved from one arena and released in one step with pt_arena_free(), so a snapshot has
 * no per-object lifetimes to get wrong. Memory comes back zeroed. Not thread-safe: a
 * snapshot is built by one thread and then only read.
 */
#ifndef PT_CONFIG_ARENA_H
#define PT_CONFIG_ARENA_H

#include <stddef.h>
#include <stdint.h>

struct pt_arena;

/* A new, empty arena, or NULL when out of memory. */
struct pt_arena *pt_arena_new(void);

/* Frees every chunk and the arena itself; NULL is a no-op. */
void pt_arena_free(struct pt_arena *a);

/* n zeroed bytes aligned for any type, or NULL when out of memory. Requests larger than
 * a chunk get a chunk of their own. */
void *pt_arena_alloc(struct pt_arena *a, size_t n);

/* A NUL-terminated copy of s[0, len), or NULL when out of memory. */
char *pt_arena_strndup(struct pt_arena *a, const char *s, size_t len);

/* Bytes obtained from malloc so far, chunk headers included (for tests and stats). */
size_t pt_arena_footprint(const struct pt_arena *a);

#endif
