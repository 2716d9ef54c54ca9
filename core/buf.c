/* core/buf.c - free lists of buf.h: one per power-of-two size from 1k to 64k; larger
 * blocks go straight back to the allocator. A free block holds its list link in its first
 * bytes. Each list keeps a bounded number, so a burst does not pin its peak for ever. */
#include "core/buf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MIN_SHIFT 10
#define MAX_SHIFT 16
#define KEEP_PER_LIST 256

struct free_block {
    struct free_block *next;
};

struct free_list {
    struct free_block *head;
    uint32_t count;
};

static struct free_list lists[MAX_SHIFT - MIN_SHIFT + 1];

/* The list for a size, or -1 past the largest class; *rounded is the block size. */
static int class_of(uint32_t size, uint32_t *rounded)
{
    for (int shift = MIN_SHIFT; shift <= MAX_SHIFT; shift++) {
        if (size <= (1u << shift)) {
            *rounded = 1u << shift;
            return shift - MIN_SHIFT;
        }
    }
    *rounded = size;
    return -1;
}

int pt_buf_alloc(struct pt_buf *b, uint32_t size)
{
    uint32_t rounded;
    int c = class_of(size, &rounded);

    if (c >= 0 && lists[c].head) {
        struct free_block *fb = lists[c].head;
        lists[c].head = fb->next;
        lists[c].count--;
        b->data = (char *)fb;
    } else {
        b->data = malloc(rounded);
        if (b->data == NULL)
            return -ENOMEM;
    }
    b->size = rounded;
    b->start = b->end = 0;
    return 0;
}

void pt_buf_release(struct pt_buf *b)
{
    uint32_t rounded;
    int c;

    if (b->data == NULL)
        return;
    c = class_of(b->size, &rounded);
    if (c < 0 || lists[c].count >= KEEP_PER_LIST) {
        free(b->data);
    } else {
        struct free_block *fb = (struct free_block *)(void *)b->data;
        fb->next = lists[c].head;
        lists[c].head = fb;
        lists[c].count++;
    }
    b->data = NULL;
    b->size = b->start = b->end = 0;
}

void pt_buf_compact(struct pt_buf *b)
{
    uint32_t len = pt_buf_len(b);

    if (b->start == 0)
        return;
    memmove(b->data, b->data + b->start, len);
    b->start = 0;
    b->end = len;
}

int pt_buf_grow(struct pt_buf *b, uint32_t new_size)
{
    struct pt_buf bigger = {0};
    uint32_t len = pt_buf_len(b);

    if (pt_buf_alloc(&bigger, new_size) != 0)
        return -ENOMEM;
    memcpy(bigger.data, b->data + b->start, len);
    bigger.end = len;
    pt_buf_release(b);
    *b = bigger;
    return 0;
}

void pt_buf_trim(void)
{
    for (size_t c = 0; c < sizeof(lists) / sizeof(lists[0]); c++) {
        while (lists[c].head) {
            struct free_block *fb = lists[c].head;
            lists[c].head = fb->next;
            free(fb);
        }
        lists[c].count = 0;
    }
}
