/* config/walk.c - every directive of a block, checked against the registry in nginx's
 * order (known? allowed here? ";" or block as it should be? argument count? set twice?)
 * and handed to its row's setter. */
#include <stdio.h>
#include <string.h>

#include "config/registry.h"
#include "core/pt_types.h"

static const char *context_name(unsigned ctx)
{
    switch (ctx) {
    case PT_CTX_MAIN: return "main";
    case PT_CTX_EVENTS: return "events";
    case PT_CTX_HTTP: return "http";
    case PT_CTX_SERVER: return "server";
    case PT_CTX_LOCATION: return "location";
    case PT_CTX_UPSTREAM: return "upstream";
    }
    return "?";
}

/* "expected in: http, server" for a row's contexts, into buf. */
static const char *contexts_hint(const struct pt_conf_row *row, char *buf, size_t cap)
{
    size_t n = (size_t)snprintf(buf, cap, "expected in:");

    for (unsigned bit = PT_CTX_MAIN; bit <= PT_CTX_UPSTREAM && n < cap; bit <<= 1) {
        if (row->ctx & bit)
            n += (size_t)snprintf(buf + n, cap - n, "%s %s", n > 12 ? "," : "",
                                  context_name(bit));
    }
    return buf;
}

static const char *syntax_hint(const struct pt_conf_row *row, char *buf, size_t cap)
{
    snprintf(buf, cap, "expected: %s", row->syntax);
    return buf;
}

int pt_conf_check_shape(struct pt_conf_load *ld, const struct pt_conf_row *row,
                        const struct pt_conf_node *node)
{
    const struct pt_conf_word *name = &node->words[0];
    uint32_t args = node->word_count - 1;
    char hint[256];

    if (!(row->flags & PT_ROW_BLOCK) && node->is_block)
        return pt_conf_fail(ld, name, syntax_hint(row, hint, sizeof(hint)),
                            "directive \"%s\" is not terminated by \";\"", name->text);
    if ((row->flags & PT_ROW_BLOCK) && !node->is_block)
        return pt_conf_fail(ld, name, syntax_hint(row, hint, sizeof(hint)),
                            "directive \"%s\" has no opening \"{\"", name->text);
    if (args < row->min_args || (row->max_args != PT_ARGS_MANY && args > row->max_args))
        return pt_conf_fail(ld, name, syntax_hint(row, hint, sizeof(hint)),
                            "invalid number of arguments in \"%s\" directive", name->text);
    return PT_OK;
}

static int check_context(struct pt_conf_load *ld, const struct pt_conf_row *row,
                         const struct pt_conf_node *node, unsigned ctx)
{
    char hint[128];

    if (row->ctx & ctx)
        return PT_OK;
    if (row->nginx_ctx & ctx)
        return pt_conf_fail(ld, &node->words[0], contexts_hint(row, hint, sizeof(hint)),
                            "\"%s\" in %s context is an nginx feature portico does not "
                            "support yet", row->name, context_name(ctx));
    return pt_conf_fail(ld, &node->words[0], contexts_hint(row, hint, sizeof(hint)),
                        "\"%s\" directive is not allowed here", row->name);
}

/* Marks the row set at this level; fails when it already was and may not repeat. */
static int mark_set(struct pt_conf_load *ld, const struct pt_conf_row *row,
                    const struct pt_conf_node *node, struct pt_conf_setmask *set)
{
    uint32_t i = pt_conf_row_index(row);
    uint64_t bit = UINT64_C(1) << (i % 64);

    if ((set->bits[i / 64] & bit) && !(row->flags & PT_ROW_MULTI))
        return pt_conf_fail(ld, &node->words[0], NULL, "\"%s\" directive is duplicate",
                            row->name);
    set->bits[i / 64] |= bit;
    return PT_OK;
}

static void *field_of(struct pt_conf_load *ld, const struct pt_conf_row *row)
{
    switch (row->target) {
    case PT_TARGET_MAIN:
        return (char *)&ld->cfg->main + row->offset;
    case PT_TARGET_HTTP:
        return ld->scope->http ? (char *)ld->scope->http + row->offset : NULL;
    case PT_TARGET_UPSTREAM:
        return ld->scope->upstream ? (char *)ld->scope->upstream + row->offset : NULL;
    }
    return NULL;
}

static int is_set_here(const struct pt_conf_setmask *set, const struct pt_conf_row *row)
{
    uint32_t i = pt_conf_row_index(row);

    return (set->bits[i / 64] >> (i % 64)) & 1;
}

static int apply(struct pt_conf_load *ld, const struct pt_conf_node *node)
{
    const struct pt_conf_row *row = pt_conf_row_find_in(node->words[0].text, ld->scope->ctx);

    if (!row)
        return pt_conf_fail_unknown(ld, node);
    ld->repeated = (uint8_t)is_set_here(ld->scope->set, row);
    if (check_context(ld, row, node, ld->scope->ctx) != PT_OK ||
        pt_conf_check_shape(ld, row, node) != PT_OK ||
        mark_set(ld, row, node, ld->scope->set) != PT_OK)
        return PT_ERROR;
    return row->set(ld, row, node, field_of(ld, row));
}

int pt_conf_walk(struct pt_conf_load *ld, const struct pt_conf_node *first,
                 struct pt_conf_scope *scope)
{
    struct pt_conf_scope *outer = ld->scope;
    int rc = PT_OK;

    ld->scope = scope;
    for (const struct pt_conf_node *n = first; n && rc == PT_OK; n = n->next)
        rc = apply(ld, n);
    ld->scope = outer;
    return rc;
}

/* Splits the default ("4 8k") into words and runs the setter as if it were written. */
int pt_conf_apply_default(struct pt_conf_load *ld, const struct pt_conf_row *row, void *base)
{
    struct pt_conf_word words[4] = {{.text = row->name, .file = PT_CONF_NO_FILE}};
    struct pt_conf_node node = {.words = words, .word_count = 1};
    const char *p = row->def;

    ld->repeated = 0;
    while (*p && node.word_count < 4) {
        size_t n = strcspn(p, " ");
        char *w = pt_conf_strdup(ld, p, n);
        if (!w)
            return PT_ERROR;
        words[node.word_count++] = (struct pt_conf_word){
            .text = w, .len = (uint32_t)n, .file = PT_CONF_NO_FILE};
        p += n + (p[n] == ' ');
    }
    return row->set(ld, row, &node, (char *)base + row->offset);
}
