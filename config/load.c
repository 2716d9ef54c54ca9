/* config/load.c - small helpers every loading stage uses: memory that fails the load
 * when it runs out, words made printable for messages, origins, prefixed paths. */
#include <stdio.h>
#include <string.h>

#include "config/load.h"

void *pt_conf_alloc(struct pt_conf_load *ld, size_t n)
{
    void *p = pt_arena_alloc(ld->arena, n);

    if (!p)
        pt_conf_fail_plain(ld, "out of memory");
    return p;
}

char *pt_conf_strdup(struct pt_conf_load *ld, const char *s, size_t len)
{
    char *p = pt_arena_strndup(ld->arena, s, len);

    if (!p)
        pt_conf_fail_plain(ld, "out of memory");
    return p;
}

/* Messages quote what the user wrote; a newline or escape byte in it would break the
 * message's shape (and a terminal), and a 10 KB word would drown it. */
const char *pt_conf_show(struct pt_conf_load *ld, const char *text, uint32_t len)
{
    enum { MAX_SHOWN = 64 };
    char *out = pt_arena_alloc(ld->arena, MAX_SHOWN * 4 + 4);
    uint32_t n = 0, shown = 0;

    if (!out)
        return "";
    for (uint32_t i = 0; i < len && shown < MAX_SHOWN; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x20 || c == 0x7f) {
            n += (uint32_t)snprintf(out + n, 5, "\\x%02x", c);
        } else {
            out[n++] = (char)c;
        }
        if ((c & 0xc0) != 0x80)
            shown++;
    }
    if (shown == MAX_SHOWN && len > n) {
        /* Do not cut a UTF-8 sequence in half. */
        while (n > 0 && ((unsigned char)out[n - 1] & 0xc0) == 0x80)
            n--;
        if (n > 0 && ((unsigned char)out[n - 1] & 0xc0) == 0xc0)
            n--;
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
    return out;
}

struct pt_conf_origin pt_conf_origin_of(const struct pt_conf_load *ld,
                                        const struct pt_conf_word *w)
{
    struct pt_conf_origin o = {"(default)", 0, 0};

    if (w->file != PT_CONF_NO_FILE && w->file < ld->source_count) {
        o.file = ld->sources[w->file].name;
        o.line = w->line;
        o.col = w->col;
    }
    return o;
}

/* Drops "." segments ("/a/./b" -> "/a/b", "/a/." -> "/a") so paths shown by -T and
 * in logs read as the user would write them. ".." is kept: with symlinks it is not
 * the parent folder a text edit would make it. */
void pt_conf_clean_path(char *p)
{
    char *r = p, *w = p;

    while (*r) {
        if (r[0] == '/' && r[1] == '.' && (r[2] == '/' || r[2] == '\0') && w > p) {
            r += 2;
            continue;
        }
        *w++ = *r++;
    }
    *w = '\0';
}

const char *pt_conf_prefixed(struct pt_conf_load *ld, const char *path)
{
    size_t plen, len = strlen(path);
    char *out;

    if (path[0] == '/')
        return path;
    plen = strlen(ld->prefix);
    out = pt_conf_alloc(ld, plen + 1 + len + 1);
    if (!out)
        return NULL;
    memcpy(out, ld->prefix, plen);
    if (plen == 0 || ld->prefix[plen - 1] != '/')
        out[plen++] = '/';
    memcpy(out + plen, path, len + 1);
    pt_conf_clean_path(out);
    return out;
}
