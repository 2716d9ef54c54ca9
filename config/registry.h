/* config/registry.h - the directives portico knows: one row each.
 *
 * A row says where a directive may be written (contexts), how many arguments it takes,
 * the setter that checks and stores them, where in the values struct they go, and
 * nginx's default, written as it would be in a config. Adding a directive is adding a
 * row (registry.c) and, when no existing setter fits, a setter. Internal to config/.
 */
#ifndef PT_CONFIG_REGISTRY_H
#define PT_CONFIG_REGISTRY_H

#include <stdint.h>

#include "config/load.h"

/* Contexts, as bits: a row lists every context it is allowed in. */
#define PT_CTX_MAIN 0x01u
#define PT_CTX_EVENTS 0x02u
#define PT_CTX_HTTP 0x04u
#define PT_CTX_SERVER 0x08u
#define PT_CTX_LOCATION 0x10u
#define PT_CTX_UPSTREAM 0x20u
#define PT_CTX_ANY 0x3fu

#define PT_ARGS_MANY 255 /* max_args: no upper bound */

/* What a row's offset is an offset into. */
enum pt_conf_target {
    PT_TARGET_NONE = 0, /* the setter stores nothing, or finds its place itself */
    PT_TARGET_MAIN,     /* struct pt_conf_main */
    PT_TARGET_HTTP,     /* struct pt_conf_http_values of the current level */
    PT_TARGET_UPSTREAM, /* struct pt_conf_upstream of the upstream block being read */
};

#define PT_ROW_BLOCK 0x01      /* takes a { ... } block instead of ending in ";" */
#define PT_ROW_MULTI 0x02      /* may be repeated at one level (listen, location...) */
#define PT_ROW_NO_INHERIT 0x04 /* a level that does not set it does not take its parent's */

struct pt_conf_row;

/* Checks node's arguments and stores them at field (base of the target + offset; NULL
 * for PT_TARGET_NONE). Returns PT_OK or fails the load. */
typedef int (*pt_conf_setter)(struct pt_conf_load *ld, const struct pt_conf_row *row,
                              const struct pt_conf_node *node, void *field);

struct pt_conf_row {
    const char *name;
    const char *syntax; /* nginx's documentation form, shown as "expected: ..." */
    const char *def;    /* nginx's default, parsed by set at every load; NULL: zeroes */
    pt_conf_setter set;
    const void *extra;  /* setter-specific: an enum's names, a number's bounds */
    uint16_t offset;
    uint16_t size;      /* bytes at offset the setter writes (and merge copies) */
    uint8_t ctx;        /* PT_CTX_* bits */
    uint8_t nginx_ctx;  /* contexts nginx allows it in and portico does not yet */
    uint8_t min_args;
    uint8_t max_args;   /* PT_ARGS_MANY: no bound */
    uint8_t target;     /* enum pt_conf_target */
    uint8_t flags;      /* PT_ROW_* */
};

/* An enum setter's names, ended by a NULL name. */
struct pt_conf_enum {
    const char *name;
    int value;
};

extern const struct pt_conf_row pt_conf_rows[];
extern const uint32_t pt_conf_row_count;

/* The row named name, or NULL. A name may have a row per context (`server` in http and
 * in upstream): this gives the first. */
const struct pt_conf_row *pt_conf_row_find(const char *name);

/* The row named name for a directive written in ctx: the one allowed there, else the
 * first of that name (whose context check then fails), or NULL. */
const struct pt_conf_row *pt_conf_row_find_in(const char *name, unsigned ctx);

/* The row's index in pt_conf_rows (its bit in a pt_conf_setmask). */
uint32_t pt_conf_row_index(const struct pt_conf_row *row);

/* The checks every directive gets before its setter: ";" or a block as the row says,
 * and the argument count. Fails with nginx's messages. */
int pt_conf_check_shape(struct pt_conf_load *ld, const struct pt_conf_row *row,
                        const struct pt_conf_node *node);

/* Walks the directives from first on, in scope (walk.c). */
int pt_conf_walk(struct pt_conf_load *ld, const struct pt_conf_node *first,
                 struct pt_conf_scope *scope);

/* Runs the row's setter on its default into base (the target struct). */
int pt_conf_apply_default(struct pt_conf_load *ld, const struct pt_conf_row *row, void *base);

/* Fails with "unknown directive", "did you mean", or "not supported yet" (suggest.c). */
int pt_conf_fail_unknown(struct pt_conf_load *ld, const struct pt_conf_node *node);

/* Damerau-Levenshtein (optimal string alignment) distance, stopping early once above
 * limit (then limit + 1 is returned). */
uint32_t pt_conf_distance(const char *a, const char *b, uint32_t limit);

/* Whether name is a directive nginx has and portico does not support yet. */
int pt_conf_nginx_only(const char *name);

#endif
