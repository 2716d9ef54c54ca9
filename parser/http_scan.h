/* parser/http_scan.h - run skippers for the machines' long self-loops.
 *
 * Field names, field values and origin-form targets are runs of bytes that keep the machine
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

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the skippers locate a byte by counting trailing zero bits: little-endian only"
#endif

#define PT_ONES UINT64_C(0x0101010101010101)
#define PT_LOWS UINT64_C(0x7f7f7f7f7f7f7f7f)
#define PT_HIGHS UINT64_C(0x8080808080808080)

/* Per byte of x, the high bit set when that byte is below n (1 <= n <= 128). Exact for
 * every byte: the low seven bits are added apart from the high bit, so no carry or borrow
 * crosses into the next byte. */
static inline uint64_t pt_swar_below(uint64_t x, uint8_t n)
{
    uint64_t t = (x & PT_LOWS) + PT_ONES * (uint8_t)(0x80 - n);
    return ~(t | x) & PT_HIGHS;
}

/* Per byte of x, the high bit set when that byte equals c. */
static inline uint64_t pt_swar_equal(uint64_t x, uint8_t c)
{
    uint64_t y = x ^ (PT_ONES * c);
    return ~(((y & PT_LOWS) + PT_LOWS) | y) & PT_HIGHS;
}

/* Returns the first byte in [p, pe) whose bit is set in stops(8 bytes) (or pe): eight
 * bytes a test while eight remain, then one at a time through is_run. */
#define PT_SKIP_RUN(p, pe, stops, is_run)                                                    \
    do {                                                                                     \
        while ((pe) - (p) >= 8) {                                                            \
            uint64_t x_, s_;                                                                 \
            memcpy(&x_, (p), 8);                                                             \
            s_ = stops(x_);                                                                  \
            if (s_)                                                                          \
                return (p) + (__builtin_ctzll(s_) >> 3);                                     \
            (p) += 8;                                                                        \
        }                                                                                    \
        while ((p) < (pe) && is_run(*(p)))                                                   \
            (p)++;                                                                           \
        return (p);                                                                          \
    } while (0)

/* field value loop (RFC 9110 5.5): HTAB, SP, VCHAR, obs-text. */
static inline int pt_is_value_byte(unsigned char c)
{
    return c >= 0x20 ? c != 0x7f : c == '\t';
}

static inline uint64_t pt_value_stops(uint64_t x)
{
    return (pt_swar_below(x, 0x20) & ~pt_swar_equal(x, '\t')) | pt_swar_equal(x, 0x7f);
}

static inline const unsigned char *pt_skip_value(const unsigned char *p,
                                                 const unsigned char *pe)
{
    PT_SKIP_RUN(p, pe, pt_value_stops, pt_is_value_byte);
}

/* origin-form loop (http_request.rl target_char): VCHAR but '%' and '#'. */
static inline int pt_is_target_byte(unsigned char c)
{
    return c > 0x20 && c < 0x7f && c != '%' && c != '#';
}

static inline uint64_t pt_target_stops(uint64_t x)
{
    return pt_swar_below(x, 0x21) | (x & PT_HIGHS) | pt_swar_equal(x, 0x7f) |
           pt_swar_equal(x, '%') | pt_swar_equal(x, '#');
}

static inline const unsigned char *pt_skip_target(const unsigned char *p,
                                                  const unsigned char *pe)
{
    PT_SKIP_RUN(p, pe, pt_target_stops, pt_is_target_byte);
}

/* field-name loop (RFC 9110 5.6.2 tchar). Names are short and their class irregular, so
 * a table beats a SWAR test here. */
static const uint8_t pt_tchar[256] = {
    ['0' ... '9'] = 1, ['A' ... 'Z'] = 1, ['a' ... 'z'] = 1,
    ['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1, ['*'] = 1, ['+'] = 1,
    ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1, ['|'] = 1, ['~'] = 1,
};

static inline const unsigned char *pt_skip_token(const unsigned char *p,
                                                 const unsigned char *pe)
{
    while (pe - p >= 4 && pt_tchar[p[0]] & pt_tchar[p[1]] & pt_tchar[p[2]] & pt_tchar[p[3]])
        p += 4;
    while (p < pe && pt_tchar[*p])
        p++;
    return p;
}

#endif
