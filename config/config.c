/* config/config.c - pt_config_load() and the snapshot's reference count.
 *
 * The stages run in order over one load state: -g's text and the main file become one
 * tree (includes expanded), defaults are applied, the tree is walked against the
 * registry, values are inherited, the proxy's whole-config checks run, listeners are
 * derived, and the list of files read is kept for -T. Any failure frees the arena and returns NULL with the first error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/blocks.h"
#include "config/load.h"
#include "config/registry.h"
#include "config/upstream.h"
#include "config/variables.h"
#include "core/pt_types.h"

#ifndef PT_CONF_PREFIX
#define PT_CONF_PREFIX "/usr/local/portico"
#endif

#define DEFAULT_CONF "conf/portico.conf"

const char *pt_config_default_prefix(void)
{
    return PT_CONF_PREFIX;
}

/* The prefix made absolute (relative ones are taken from the working directory), with
 * no trailing slash, so joined paths read "prefix/path". */
static int set_prefix(struct pt_conf_load *ld, const char *prefix)
{
    char cwd[4096];
    size_t len;
    char *p;

    if (!prefix || !*prefix)
        prefix = PT_CONF_PREFIX;
    if (prefix[0] != '/') {
        if (!getcwd(cwd, sizeof(cwd)))
            return pt_conf_fail_plain(ld, "cannot find the working directory for prefix \"%s\"",
                                      prefix);
        ld->prefix = cwd;
        prefix = pt_conf_prefixed(ld, prefix);
        if (!prefix)
            return PT_ERROR;
    }
    len = strlen(prefix);
    while (len > 1 && prefix[len - 1] == '/')
        len--;
    p = pt_conf_strdup(ld, prefix, len);
    ld->prefix = p;
    return p ? PT_OK : PT_ERROR;
}

static int read_sources(struct pt_conf_load *ld, const char *path, const char *global,
                        struct pt_conf_node **first)
{
    struct pt_conf_node **tail = first;
    const char *abs;
    uint16_t file;
    int rc;

    if (global) {
        if (pt_conf_source_text(ld, "command line", global, (uint32_t)strlen(global),
                                &file) != PT_OK ||
            pt_conf_read_tree(ld, file, &tail) != PT_OK)
            return PT_ERROR;
    }
    abs = pt_conf_prefixed(ld, path);
    if (!abs || pt_conf_source_file(ld, path, abs, NULL, &file) != PT_OK)
        return PT_ERROR;
    ld->cfg->path = abs;
    ld->reading[ld->reading_depth++] = file;
    rc = pt_conf_read_tree(ld, file, &tail);
    ld->reading_depth--;
    return rc;
}

static int build(struct pt_conf_load *ld, const struct pt_conf_node *first, const char *path)
{
    struct pt_conf_scope scope = {.ctx = PT_CTX_MAIN, .set = &ld->main_set};

    if (pt_conf_collect_groups(ld, first) != PT_OK || pt_conf_apply_defaults(ld) != PT_OK ||
        pt_conf_walk(ld, first, &scope) != PT_OK)
        return PT_ERROR;
    if (!ld->has_events)
        return pt_conf_fail_plain(ld, "%s: no \"events\" section in configuration", path);
    pt_conf_merge(ld);
    if (pt_conf_proxy_finish(ld) != PT_OK)
        return PT_ERROR;
    return pt_conf_build_listeners(ld);
}

/* The files read, for -T: each once (a file included twice is shown once, as nginx),
 * recognised by identity rather than by how its path was spelled. */
static int keep_files(struct pt_conf_load *ld)
{
    struct pt_config *cfg = ld->cfg;
    uint32_t n = ld->source_count;

    cfg->files = pt_conf_alloc(ld, (n + 1) * sizeof(*cfg->files));
    cfg->file_names = pt_conf_alloc(ld, (n + 1) * sizeof(*cfg->file_names));
    cfg->file_data = pt_conf_alloc(ld, (n + 1) * sizeof(*cfg->file_data));
    cfg->file_sizes = pt_conf_alloc(ld, (n + 1) * sizeof(*cfg->file_sizes));
    if (!cfg->files || !cfg->file_names || !cfg->file_data || !cfg->file_sizes)
        return PT_ERROR;
    for (uint32_t i = 0; i < n; i++) {
        const struct pt_conf_source *s = &ld->sources[i];
        int seen = 0;
        if (!s->path)
            continue;
        for (uint32_t k = 0; k < i && !seen; k++)
            seen = ld->sources[k].path && ld->sources[k].dev == s->dev &&
                   ld->sources[k].ino == s->ino;
        if (seen)
            continue;
        cfg->files[cfg->file_count] = s->path;
        cfg->file_names[cfg->file_count] = s->name;
        cfg->file_data[cfg->file_count] = s->text;
        cfg->file_sizes[cfg->file_count++] = s->len;
    }
    return PT_OK;
}

struct pt_config *pt_config_load(const char *path, const char *prefix,
                                 const char *global_directives, struct pt_conf_error *err)
{
    struct pt_conf_load ld = {.err = err};
    struct pt_conf_node *first = NULL;
    int rc;

    err->message[0] = '\0';
    ld.arena = pt_arena_new();
    ld.cfg = ld.arena ? pt_arena_alloc(ld.arena, sizeof(*ld.cfg)) : NULL;
    if (!ld.cfg) {
        pt_arena_free(ld.arena);
        snprintf(err->message, sizeof(err->message), "out of memory\n");
        return NULL;
    }
    ld.cfg->arena = ld.arena;
    ld.cfg->refs = 1;
    if (!path)
        path = DEFAULT_CONF;
    rc = set_prefix(&ld, prefix);
    if (rc == PT_OK)
        ld.cfg->prefix = ld.prefix;
    rc = rc == PT_OK ? read_sources(&ld, path, global_directives, &first) : rc;
    rc = rc == PT_OK ? build(&ld, first, path) : rc;
    rc = rc == PT_OK ? keep_files(&ld) : rc;
    free(ld.scratch);
    if (rc != PT_OK) {
        pt_arena_free(ld.arena);
        return NULL;
    }
    return ld.cfg;
}

struct pt_config *pt_config_ref(struct pt_config *cfg)
{
    if (cfg)
        cfg->refs++;
    return cfg;
}

void pt_config_unref(struct pt_config *cfg)
{
    if (cfg == NULL || --cfg->refs > 0)
        return;
    for (struct pt_conf_log_file *f = cfg->log_files; f; f = f->next) {
        if (f->fd > STDERR_FILENO)
            close(f->fd);
    }
    pt_arena_free(cfg->arena); /* cfg itself lives in the arena */
}
