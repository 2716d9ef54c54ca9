/* tests/config/valid_config.h - what the config tests that read tests/config/valid/
 * share: loading one of those files (a TAP check that it loads), and a compiled value
 * rendered as text with its variables as {name}. */
#ifndef PT_TESTS_CONFIG_VALID_CONFIG_H
#define PT_TESTS_CONFIG_VALID_CONFIG_H

#include <stdio.h>

#include "config/config.h"
#include "tests/tap.h"

/* valid/NAME under prefix dir, with -g global (may be NULL). */
static inline struct pt_config *load_valid(const char *dir, const char *name,
                                           const char *global)
{
    struct pt_conf_error err;
    char path[256];
    struct pt_config *cfg;

    snprintf(path, sizeof(path), "valid/%s", name);
    cfg = pt_config_load(path, dir, global, &err);
    if (!tap_ok(cfg != NULL, "%s loads", name))
        tap_diag("%s", err.message);
    return cfg;
}

/* Static storage: valid until the next call. */
static inline const char *complex_text(const struct pt_conf_complex *c)
{
    static char out[256];
    size_t n = 0;

    out[0] = '\0';
    for (uint32_t i = 0; i < c->part_count; i++)
        n += (size_t)snprintf(out + n, sizeof(out) - n, c->parts[i].is_var ? "{%.*s}" : "%.*s",
                              (int)c->parts[i].len, c->parts[i].text);
    return out;
}

#endif
