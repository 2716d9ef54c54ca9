/* config/include.c - `include PATH`, with globs.
 *
 * A relative PATH is taken from the including file's folder (issue 3; nginx takes it
 * from its conf prefix), and -g's includes from the prefix. A pattern with * ? or [ is
 * a glob: its matches are read in sorted order and no match at all is fine, as nginx.
 * A plain path must exist. Includes nest at most PT_CONF_INCLUDE_DEPTH deep, and a file
 * that includes itself, directly or not, is refused rather than read until the depth
 * limit trips. */
#include <glob.h>
#include <string.h>

#include "config/load.h"
#include "core/pt_types.h"

/* base up to and including its last '/', or "" when it has none. */
static size_t folder_len(const char *base)
{
    const char *slash = base ? strrchr(base, '/') : NULL;

    return slash ? (size_t)(slash - base) + 1 : 0;
}

static char *join(struct pt_conf_load *ld, const char *base, size_t base_len, const char *rel)
{
    size_t rel_len = strlen(rel);
    char *out = pt_conf_alloc(ld, base_len + rel_len + 1);

    if (out) {
        memcpy(out, base, base_len);
        memcpy(out + base_len, rel, rel_len + 1);
    }
    return out;
}

/* The folder the including source resolves relative paths against: its file's folder,
 * or the prefix for -g's text. */
static const char *base_path(struct pt_conf_load *ld, const struct pt_conf_source *src,
                             size_t *len)
{
    static const char slash[] = "/";

    if (src->path) {
        *len = folder_len(src->path);
        return src->path;
    }
    *len = strlen(ld->prefix);
    if (*len > 0 && ld->prefix[*len - 1] != '/') {
        char *p = join(ld, ld->prefix, *len, slash);
        *len += 1;
        return p;
    }
    return ld->prefix;
}

static int check_cycle(struct pt_conf_load *ld, const struct pt_conf_word *at, uint16_t file)
{
    const struct pt_conf_source *src = &ld->sources[file];

    for (uint32_t i = 0; i < ld->reading_depth; i++) {
        const struct pt_conf_source *open = &ld->sources[ld->reading[i]];
        if (open->path && open->dev == src->dev && open->ino == src->ino)
            return pt_conf_fail(ld, at, "expected no file to include itself, directly or not",
                                "include cycle: \"%s\" is already being read",
                                pt_conf_show(ld, src->name, (uint32_t)strlen(src->name)));
    }
    if (ld->reading_depth >= PT_CONF_INCLUDE_DEPTH)
        return pt_conf_fail(ld, at, NULL, "includes nested more than %d deep",
                            PT_CONF_INCLUDE_DEPTH);
    return PT_OK;
}

/* Reads one included file into the tree at *tail. */
static int include_file(struct pt_conf_load *ld, const struct pt_conf_word *at,
                        const char *name, const char *path, struct pt_conf_node ***tail)
{
    uint16_t file;
    int rc;

    if (pt_conf_source_file(ld, name, path, at, &file) != PT_OK)
        return PT_ERROR;
    if (check_cycle(ld, at, file) != PT_OK)
        return PT_ERROR;
    ld->reading[ld->reading_depth++] = file;
    rc = pt_conf_read_tree(ld, file, tail);
    ld->reading_depth--;
    return rc;
}

static int include_glob(struct pt_conf_load *ld, const struct pt_conf_word *at,
                        const char *pattern, size_t abs_base_len, const char *shown_base,
                        size_t shown_base_len, struct pt_conf_node ***tail)
{
    glob_t g;
    int rc;

    rc = glob(pattern, 0, NULL, &g);
    if (rc == GLOB_NOMATCH)
        return PT_OK;
    if (rc != 0)
        return pt_conf_fail(ld, at, NULL, "cannot read the folder of \"%s\"",
                            pt_conf_show(ld, at->text, at->len));
    rc = PT_OK;
    for (size_t i = 0; i < g.gl_pathc && rc == PT_OK; i++) {
        const char *match = g.gl_pathv[i];
        char *path = pt_conf_strdup(ld, match, strlen(match));
        char *name = path ? join(ld, shown_base, shown_base_len, match + abs_base_len) : NULL;
        rc = name ? include_file(ld, at, name, path, tail) : PT_ERROR;
    }
    globfree(&g);
    return rc;
}

int pt_conf_include(struct pt_conf_load *ld, const struct pt_conf_node *node,
                    struct pt_conf_node ***tail)
{
    const struct pt_conf_word *arg = &node->words[1];
    const struct pt_conf_source *src = &ld->sources[arg->file];
    size_t abs_len = 0, shown_len = 0;
    const char *abs_base = "", *shown_base = "";
    char *path, *name;

    if (arg->len == 0)
        return pt_conf_fail(ld, arg, "expected a file name or a glob like conf.d/*.conf",
                            "empty path in \"include\"");
    if (arg->text[0] != '/') {
        abs_base = base_path(ld, src, &abs_len);
        shown_base = src->path ? src->name : "";
        shown_len = src->path ? folder_len(src->name) : 0;
        if (!abs_base)
            return PT_ERROR;
    }
    path = join(ld, abs_base, abs_len, arg->text);
    if (!path)
        return PT_ERROR;
    pt_conf_clean_path(path);
    if (strpbrk(arg->text, "*?["))
        return include_glob(ld, arg, path, abs_len, shown_base, shown_len, tail);
    name = join(ld, shown_base, shown_len, arg->text);
    return name ? include_file(ld, arg, name, path, tail) : PT_ERROR;
}
