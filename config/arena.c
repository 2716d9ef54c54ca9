/* config/arena.c - chunks of 16 KiB, bumped from the front, freed together.
 *
 * A config of a few hundred lines fits in one or two chunks; a big included file gets a
 * chunk of its own instead of wasting the rest of the current one. */
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "config/arena.h"

#define CHUNK_SIZE (16 * 1024)
#define ALIGN alignof(max_align_t)

struct chunk {
    struct chunk *next;
    size_t size; /* usable bytes in data */
    size_t used;
    alignas(max_align_t) unsigned char data[];
};

struct pt_arena {
    struct chunk *head; /* the chunk being bumped; big ones are linked behind it */
    size_t footprint;
};

struct pt_arena *pt_arena_new(void)
{
    return calloc(1, sizeof(struct pt_arena));
}

void pt_arena_free(struct pt_arena *a)
{
    struct chunk *c, *next;

    if (!a)
        return;
    for (c = a->head; c; c = next) {
        next = c->next;
        free(c);
    }
    free(a);
}

static struct chunk *chunk_new(struct pt_arena *a, size_t size)
{
    struct chunk *c = malloc(sizeof(*c) + size);

    if (!c)
        return NULL;
    c->size = size;
    c->used = 0;
    a->footprint += sizeof(*c) + size;
    return c;
}

void *pt_arena_alloc(struct pt_arena *a, size_t n)
{
    struct chunk *c;
    size_t need = (n + ALIGN - 1) & ~(ALIGN - 1);
    void *p;

    if (need < n)
        return NULL;
    if (need > CHUNK_SIZE / 4) {
        /* Big: its own chunk, linked behind the current one so bumping goes on there. */
        c = chunk_new(a, need);
        if (!c)
            return NULL;
        c->used = need;
        if (a->head) {
            c->next = a->head->next;
            a->head->next = c;
        } else {
            c->next = NULL;
            a->head = c;
        }
        memset(c->data, 0, need);
        return c->data;
    }
    c = a->head;
    if (!c || c->size - c->used < need) {
        c = chunk_new(a, CHUNK_SIZE);
        if (!c)
            return NULL;
        c->next = a->head;
        a->head = c;
    }
    p = c->data + c->used;
    c->used += need;
    memset(p, 0, need);
    return p;
}

char *pt_arena_strndup(struct pt_arena *a, const char *s, size_t len)
{
    char *d = pt_arena_alloc(a, len + 1);

    if (d && len)
        memcpy(d, s, len);
    return d;
}

size_t pt_arena_footprint(const struct pt_arena *a)
{
    return a ? a->footprint : 0;
}
