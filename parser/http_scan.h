/* parser/http_scan.h - run skippers for the machines' two long self-loops.
 *
 * A field value and an origin-form target are long runs of bytes that keep the machine
 * in one state with no action. Stepping through them one transition per byte costs about
 * eight instructions a byte; these skippers test eight bytes at a time and return the
 * first byte that would leave the state (or pe), where the machine resumes (fexec) and
 * decides what that byte means. They accept exactly the bytes of the self-loop they
 * stand in for, so the grammar stays the only judge of what is valid. Internal to parser/.
 */
#ifndef PT_PARSER_HTTP_SCAN_H
#define PT_PARSER_HTTP_SCAN_H

#include <stdint.h>
#include <string.h>

#define PT_ONES UINT64_C(0x0101010101010101)
#define PT_HIGHS UINT64_C(0x8080808080808080)

/* Nonzero when some byte of x is below n (n <= 128): the test of "Bit Twiddling Hacks".
 * Only whether such a byte exists is exact, not which one: the caller rescans bytewise. */
static inline uint64_t pt_swar_below(uint64_t x, uint8_t n)
{
    return (x - PT_ONES * n) & ~x & PT_HIGHS;
}

static inline uint64_t pt_swar_equal(uint64_t x, uint8_t c)
{
    uint64_t y = x ^ (PT_ONES * c);
    return (y - PT_ONES) & ~y & PT_HIGHS;
}

/* field value loop (RFC 9110 5.5): HTAB, SP, VCHAR, obs-text. */
static inline int pt_is_value_byte(unsigned char c)
{
    return c >= 0x20 ? c != 0x7f : c == '\t';
}

static inline const unsigned char *pt_skip_value(const unsigned char *p,
                                                 const unsigned char *pe)
{
    for (;;) {
        uint64_t x;
        while (pe - p >= 8) {
            memcpy(&x, p, 8);
            if (pt_swar_below(x, 0x20) | pt_swar_equal(x, 0x7f))
                break;
            p += 8;
        }
        /* A block with a stop byte (or a tail): step it; an HTAB is no stop. */
        for (const unsigned char *end = (pe - p >= 8) ? p + 8 : pe; p < end; p++) {
            if (!pt_is_value_byte(*p))
                return p;
        }
        if (p == pe)
            return p;
    }
}

/* origin-form loop (http_request.rl target_char): VCHAR but '%' and '#'. */
static inline int pt_is_target_byte(unsigned char c)
{
    return c > 0x20 && c < 0x7f && c != '%' && c != '#';
}

static inline const unsigned char *pt_skip_target(const unsigned char *p,
                                                  const unsigned char *pe)
{
    for (;;) {
        uint64_t x;
        while (pe - p >= 8) {
            memcpy(&x, p, 8);
            /* bytes >= 0x7f carry into the high bit when one is added */
            if (pt_swar_below(x, 0x21) | (((x + PT_ONES) | x) & PT_HIGHS) |
                pt_swar_equal(x, '%') | pt_swar_equal(x, '#'))
                break;
            p += 8;
        }
        for (const unsigned char *end = (pe - p >= 8) ? p + 8 : pe; p < end; p++) {
            if (!pt_is_target_byte(*p))
                return p;
        }
        if (p == pe)
            return p;
    }
}

#endif
