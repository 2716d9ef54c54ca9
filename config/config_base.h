/* config/config_base.h - the small types every part of the snapshot uses (config.h and
 * config_proxy.h include it): times, where a directive was written, and strings with
 * variables. */
#ifndef PT_CONFIG_CONFIG_BASE_H
#define PT_CONFIG_CONFIG_BASE_H

#include <stdint.h>

typedef int64_t pt_msec_t;

/* Where a directive was written, for messages at run time (e.g. a failed bind). */
struct pt_conf_origin {
    const char *file;
    uint32_t line;
    uint32_t col;
};

/* A string that may hold variables ($name, ${name}): literal and variable parts in
 * order. Variable names were checked against the known ones when the config loaded. */
struct pt_conf_part {
    const char *text; /* literal bytes, or the variable's name without '$' */
    uint32_t len;
    uint8_t is_var;
};

struct pt_conf_complex {
    const char *raw; /* as written, unquoted and unescaped; NULL when unset */
    struct pt_conf_part *parts;
    uint32_t part_count;
};

#endif
