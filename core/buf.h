/* core/buf.h - I/O buffers whose memory comes from per-worker free lists.
 *
 * struct pt_buf is embedded in its owner (a connection); only its data block is
 * allocated, in power-of-two sizes from 1k to 64k, recycled through free lists so the hot
 * path does not call the allocator, and sized exactly to an allocator class so no byte is
 * lost to rounding. An idle keep-alive connection releases its block and holds none
 * (DESIGN.md). The lists are per process: workers share nothing.
 */
#ifndef PT_CORE_BUF_H
#define PT_CORE_BUF_H

#include <stdint.h>

struct pt_buf {
    char *data;     /* NULL while released */
    uint32_t size;  /* bytes of data */
    uint32_t start; /* first unconsumed byte */
    uint32_t end;   /* one past the last byte read in */
};

/* Gives b an empty block of at least size bytes (a released b only). 0 or -ENOMEM. */
int pt_buf_alloc(struct pt_buf *b, uint32_t size);

/* Returns b's block to its free list; b is then empty and released. */
void pt_buf_release(struct pt_buf *b);

static inline uint32_t pt_buf_len(const struct pt_buf *b)
{
    return b->end - b->start;
}

static inline uint32_t pt_buf_room(const struct pt_buf *b)
{
    return b->size - b->end;
}

/* Moves the unconsumed bytes to the front, making room at the end. */
void pt_buf_compact(struct pt_buf *b);

/* Moves b's bytes into a new block of new_size (> its length). 0 or -ENOMEM (b intact). */
int pt_buf_grow(struct pt_buf *b, uint32_t new_size);

/* Frees every cached block (a worker about to exit; tests). */
void pt_buf_trim(void);

#endif
