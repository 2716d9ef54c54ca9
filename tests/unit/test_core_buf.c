/* tests/unit/test_core_buf.c - buffers (core/buf.h): sizes rounded to a class, blocks
 * recycled, compact and grow keep the unconsumed bytes. */
#include <string.h>

#include "core/buf.h"
#include "tests/tap.h"

int main(void)
{
    struct pt_buf a = {0}, b = {0};
    char *first;

    TAP_INT(pt_buf_alloc(&a, 1000), 0, "a 1000-byte buffer is given");
    TAP_INT(a.size, 1024, "its block is the 1k class");
    first = a.data;
    pt_buf_release(&a);
    TAP_INT(a.data == NULL, 1, "a released buffer holds no block");
    pt_buf_alloc(&b, 1024);
    TAP_INT(b.data == first, 1, "the block is recycled");
    memcpy(b.data, "0123456789", 10);
    b.start = 4, b.end = 10;
    pt_buf_compact(&b);
    TAP_INT(b.start == 0 && b.end == 6 && memcmp(b.data, "456789", 6) == 0, 1,
            "compact moves the unconsumed bytes to the front");
    b.start = 2;
    TAP_INT(pt_buf_grow(&b, 5000), 0, "grow succeeds");
    TAP_INT(b.size == 8192 && pt_buf_len(&b) == 4 && memcmp(b.data, "6789", 4) == 0, 1,
            "grow keeps the unconsumed bytes in an 8k block");
    pt_buf_release(&b);
    TAP_INT(pt_buf_alloc(&a, 100000), 0, "a buffer past the largest class is given");
    TAP_INT(a.size, 100000, "at its exact size");
    pt_buf_release(&a);
    pt_buf_trim();
    return tap_done();
}
