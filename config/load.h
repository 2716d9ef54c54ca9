/* config/load.h - the state of one pt_config_load() call, shared by config/'s files.
 *
 * Loading runs in stages, each in its own file: sources.c and include.c read files,
 * tree.c turns tokens into a tree of directives (includes expanded in place), walk.c
 * checks each directive against the registry and calls its setter, merge.c applies
 * nginx's inheritance, listeners.c groups servers by address. Every stage reports the
 * first error through pt_conf_fail() and returns PT_ERROR; nothing is left to free but
 * the arena. Internal to config/.
 */
#ifndef PT_CONFIG_LOAD_H
#define PT_CONFIG_LOAD_H

#include <stdint.h>
#include <sys/types.h>

#include "config/arena.h"
#include "config/config.h"

#define PT_CONF_INCLUDE_DEPTH 32    /* nested includes; deeper is refused */
#define PT_CONF_BLOCK_DEPTH 64      /* nested blocks; deeper is refused */
#define PT_CONF_MAX_FILE (16u << 20) /* bytes in one file */
#define PT_CONF_NO_FILE UINT16_MAX  /* a word that comes from a built-in default */

/* One word of a directive, unquoted and unescaped, with where it was written. */
struct pt_conf_word {
    const char *text; /* NUL-terminated, in the arena */
    uint32_t len;
    uint32_t line;
    uint32_t col;
    uint16_t file;  /* index in pt_conf_load.sources, or PT_CONF_NO_FILE */
    uint8_t quoted; /* written in quotes: never a keyword like "on" for nginx either */
};

/* A directive: its name and arguments, and for a block the directives inside. */
struct pt_conf_node {
    struct pt_conf_word *words; /* words[0] is the name */
    uint32_t word_count;
    uint8_t is_block;
    struct pt_conf_node *children; /* first directive inside the block */
    struct pt_conf_node *next;     /* next directive at the same level */
};

/* A text the config was read from: a file, or -g's directives. */
struct pt_conf_source {
    const char *name; /* as shown in messages: relative to where the user pointed */
    const char *path; /* absolute, for -T; NULL for -g's text */
    const char *text;
    uint32_t len;
    dev_t dev; /* identity, to catch include cycles */
    ino_t ino;
};

/* Which registry rows a level (main, a server, a location...) has set: for "is
 * duplicate" and for inheritance. Bit i is registry row i. */
struct pt_conf_setmask {
    uint64_t bits[2];
};

struct pt_conf_server_b;
struct pt_conf_location_b;
struct pt_conf_upstream_b;
struct pt_conf_group; /* capture_names.c */

/* The block being walked. */
struct pt_conf_scope {
    unsigned ctx;                     /* one PT_CTX_* bit */
    struct pt_conf_http_values *http; /* this level's values; NULL in main and events */
    struct pt_conf_setmask *set;      /* rows set at this level */
    struct pt_conf_server_b *server;  /* the server being read, or NULL */
    struct pt_conf_location_b *loc;   /* the innermost location, or NULL */
    struct pt_conf_upstream_b *upstream; /* the upstream block being read, or NULL */
};

struct pt_conf_load {
    struct pt_arena *arena;
    struct pt_conf_error *err;
    struct pt_config *cfg;
    const char *prefix; /* absolute, no trailing slash (unless "/") */
    struct pt_conf_source *sources;
    uint32_t source_count;
    uint32_t source_cap;
    uint16_t reading[PT_CONF_INCLUDE_DEPTH + 1]; /* sources open for reading, outermost first */
    uint32_t reading_depth;
    struct pt_conf_word *scratch; /* malloc'd: words of the directive being read */
    uint32_t scratch_cap;
    struct pt_conf_scope *scope;    /* the block being walked */
    struct pt_conf_setmask main_set; /* rows set in main and events */
    struct pt_conf_setmask http_set;
    uint8_t has_events;
    uint8_t failed;
    uint8_t repeated; /* the directive being set was already set at this level (walk.c) */
    uint32_t upstream_cap; /* slots in cfg->upstreams */
    struct pt_conf_group *groups; /* named groups of the config's regexes (variables) */
};

/* Errors. Each formats the first error into ld->err (later ones are ignored, so the
 * first cause is what the user sees) and returns PT_ERROR. `at` may come from a built-in
 * default (file PT_CONF_NO_FILE): then no position is printed. hint may be NULL. */
int pt_conf_fail(struct pt_conf_load *ld, const struct pt_conf_word *at, const char *hint,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int pt_conf_fail_pos(struct pt_conf_load *ld, uint16_t file, uint32_t line, uint32_t col,
                     const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
int pt_conf_fail_origin(struct pt_conf_load *ld, const struct pt_conf_origin *at,
                        const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Without a position: the main file cannot be read, a required block is missing. */
int pt_conf_fail_plain(struct pt_conf_load *ld, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Arena memory; on failure the load fails with "out of memory" and NULL comes back. */
void *pt_conf_alloc(struct pt_conf_load *ld, size_t n);
char *pt_conf_strdup(struct pt_conf_load *ld, const char *s, size_t len);

/* A word as it may be printed inside a message: control bytes as \xNN, cut at 64
 * characters. In the arena (a load that fails frees it). */
const char *pt_conf_show(struct pt_conf_load *ld, const char *text, uint32_t len);

/* Where a word was written, for run-time messages. */
struct pt_conf_origin pt_conf_origin_of(const struct pt_conf_load *ld,
                                        const struct pt_conf_word *w);

/* Removes "." segments from an absolute path, in place. */
void pt_conf_clean_path(char *path);

/* Path relative to the prefix made absolute (an absolute one is kept). */
const char *pt_conf_prefixed(struct pt_conf_load *ld, const char *path);

/* Sources (sources.c). Each returns PT_OK with *index set, or PT_ERROR. */
int pt_conf_source_text(struct pt_conf_load *ld, const char *name, const char *text,
                        uint32_t len, uint16_t *index);
/* Reads path; `at` is the include word that asked for it (NULL for the main file). */
int pt_conf_source_file(struct pt_conf_load *ld, const char *name, const char *path,
                        const struct pt_conf_word *at, uint16_t *index);

/* The tree (tree.c): reads source `file` and appends its directives at *tail, which is
 * left pointing at the last node's next. */
int pt_conf_read_tree(struct pt_conf_load *ld, uint16_t file, struct pt_conf_node ***tail);

/* include (include.c): the directive `node`, written in source `file`; appends the
 * included files' directives at *tail. */
int pt_conf_include(struct pt_conf_load *ld, const struct pt_conf_node *node,
                    struct pt_conf_node ***tail);

#endif
