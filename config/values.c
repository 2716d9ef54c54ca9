/* config/values.c - sizes, times, numbers and flags as nginx writes them. */
#include <stdint.h>
#include <strings.h>

#include "config/values.h"
#include "core/pt_types.h"

/* Digits from s[*i] on; at least one. */
static int digits(const char *s, uint32_t len, uint32_t *i, uint64_t *out)
{
    uint64_t v = 0;
    uint32_t start = *i;

    while (*i < len && s[*i] >= '0' && s[*i] <= '9') {
        uint64_t d = (uint64_t)(s[*i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return PT_ERROR;
        v = v * 10 + d;
        (*i)++;
    }
    if (*i == start)
        return PT_ERROR;
    *out = v;
    return PT_OK;
}

int pt_conf_parse_number(const char *s, uint32_t len, uint64_t *out)
{
    uint32_t i = 0;
    uint64_t v;

    if (digits(s, len, &i, &v) != PT_OK || i != len)
        return PT_ERROR;
    *out = v;
    return PT_OK;
}

int pt_conf_parse_size(const char *s, uint32_t len, uint64_t *out)
{
    uint32_t i = 0;
    uint64_t v, scale = 1;

    if (digits(s, len, &i, &v) != PT_OK)
        return PT_ERROR;
    if (i + 1 == len) {
        switch (s[i] | 0x20) {
        case 'k': scale = UINT64_C(1) << 10; break;
        case 'm': scale = UINT64_C(1) << 20; break;
        case 'g': scale = UINT64_C(1) << 30; break;
        default: return PT_ERROR;
        }
    } else if (i != len) {
        return PT_ERROR;
    }
    if (v > (uint64_t)INT64_MAX / scale)
        return PT_ERROR;
    *out = v * scale;
    return PT_OK;
}

struct unit {
    const char *name;
    int64_t msec;
};

/* Largest first: a time's units must come in this order, each at most once. */
static const struct unit units[] = {
    {"y", INT64_C(365) * 24 * 3600 * 1000},
    {"M", INT64_C(30) * 24 * 3600 * 1000},
    {"w", INT64_C(7) * 24 * 3600 * 1000},
    {"d", INT64_C(24) * 3600 * 1000},
    {"h", INT64_C(3600) * 1000},
    {"m", INT64_C(60) * 1000},
    {"s", 1000},
    {"ms", 1},
};
#define UNIT_COUNT (sizeof(units) / sizeof(units[0]))

/* The unit at s[*i] (longest name first, so "ms" is not "m"), advanced past; -1 none. */
static int unit_at(const char *s, uint32_t len, uint32_t *i)
{
    if (*i + 1 < len && s[*i] == 'm' && s[*i + 1] == 's') {
        *i += 2;
        return (int)UNIT_COUNT - 1;
    }
    for (uint32_t u = 0; u + 1 < UNIT_COUNT && *i < len; u++) {
        if (s[*i] == units[u].name[0]) {
            (*i)++;
            return (int)u;
        }
    }
    return -1;
}

int pt_conf_parse_time(const char *s, uint32_t len, pt_msec_t *out)
{
    uint32_t i = 0;
    int next = 0; /* the first unit still allowed */
    int64_t total = 0;

    if (len == 0)
        return PT_ERROR;
    while (i < len) {
        uint64_t v;
        int64_t scale;
        int u;
        if (digits(s, len, &i, &v) != PT_OK)
            return PT_ERROR;
        u = unit_at(s, len, &i);
        if (u < 0 && i != len)
            return PT_ERROR;
        if (u >= 0 && u < next)
            return PT_ERROR;
        scale = u < 0 ? 1000 : units[u].msec;
        next = u < 0 ? (int)UNIT_COUNT : u + 1;
        if (v > (uint64_t)(INT64_MAX - total) / (uint64_t)scale)
            return PT_ERROR;
        total += (int64_t)v * scale;
    }
    *out = total;
    return PT_OK;
}

int pt_conf_parse_flag(const char *s, uint32_t len, uint8_t *out)
{
    if (len == 2 && strncasecmp(s, "on", 2) == 0)
        *out = 1;
    else if (len == 3 && strncasecmp(s, "off", 3) == 0)
        *out = 0;
    else
        return PT_ERROR;
    return PT_OK;
}
