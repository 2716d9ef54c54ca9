/* config/tree.c - tokens to a tree of directives.
 *
 * The grammar is nginx's: a directive is words ending in ";", or words followed by a
 * block "{ ... }". `include` is expanded here, in place, so every later stage sees one
 * tree however many files it came from. Words are unescaped once, into the arena. */
#include <stdlib.h>
#include <string.h>

#include "config/load.h"
#include "config/registry.h"
#include "core/pt_types.h"
#include "parser/config_lexer.h"

struct reader {
    struct pt_conf_load *ld;
    struct pt_conf_lexer lx;
    uint16_t file;
    uint32_t depth; /* blocks open */
};

static int push_word(struct reader *r, uint32_t n, const struct pt_conf_token *tok)
{
    struct pt_conf_load *ld = r->ld;
    struct pt_conf_word *w;
    char *text;

    if (n == ld->scratch_cap) {
        uint32_t cap = ld->scratch_cap ? ld->scratch_cap * 2 : 16;
        struct pt_conf_word *grown = realloc(ld->scratch, cap * sizeof(*grown));
        if (!grown)
            return pt_conf_fail_plain(ld, "out of memory");
        ld->scratch = grown;
        ld->scratch_cap = cap;
    }
    text = pt_conf_alloc(ld, (size_t)tok->len + 1);
    if (!text)
        return PT_ERROR;
    w = &ld->scratch[n];
    w->len = pt_conf_unescape(r->lx.buf + tok->off, tok->len, text);
    text[w->len] = '\0';
    w->text = text;
    w->line = tok->line;
    w->col = tok->col;
    w->file = r->file;
    w->quoted = tok->quote != 0;
    return PT_OK;
}

static struct pt_conf_node *make_node(struct reader *r, uint32_t n, int is_block)
{
    struct pt_conf_node *node = pt_conf_alloc(r->ld, sizeof(*node));

    if (!node)
        return NULL;
    node->words = pt_conf_alloc(r->ld, n * sizeof(*node->words));
    if (!node->words)
        return NULL;
    memcpy(node->words, r->ld->scratch, n * sizeof(*node->words));
    node->word_count = n;
    node->is_block = (uint8_t)is_block;
    return node;
}

static int is_include(const struct pt_conf_node *node)
{
    return strcmp(node->words[0].text, "include") == 0;
}

/* A directive ended by ";". An include is checked like any directive (the registry's
 * row says one argument, anywhere) and replaced by the directives it reads. */
static int end_directive(struct reader *r, uint32_t n, struct pt_conf_node ***tail)
{
    struct pt_conf_node *node = make_node(r, n, 0);

    if (!node)
        return PT_ERROR;
    if (is_include(node)) {
        if (pt_conf_check_shape(r->ld, pt_conf_row_find("include"), node) != PT_OK)
            return PT_ERROR;
        return pt_conf_include(r->ld, node, tail);
    }
    **tail = node;
    *tail = &node->next;
    return PT_OK;
}

static int read_block(struct reader *r, struct pt_conf_node ***tail,
                      const struct pt_conf_token *opener);

static int open_block(struct reader *r, uint32_t n, struct pt_conf_node ***tail,
                      const struct pt_conf_token *brace)
{
    struct pt_conf_node *node = make_node(r, n, 1);
    struct pt_conf_node **inner;

    if (!node)
        return PT_ERROR;
    if (r->depth >= PT_CONF_BLOCK_DEPTH)
        return pt_conf_fail_pos(r->ld, r->file, brace->line, brace->col, NULL,
                                "blocks nested more than %d deep", PT_CONF_BLOCK_DEPTH);
    **tail = node;
    *tail = &node->next;
    inner = &node->children;
    r->depth++;
    if (read_block(r, &inner, brace) != PT_OK)
        return PT_ERROR;
    r->depth--;
    return PT_OK;
}

static int fail_token(struct reader *r, const struct pt_conf_token *tok, const char *hint,
                      const char *msg)
{
    return pt_conf_fail_pos(r->ld, r->file, tok->line, tok->col, hint, "%s", msg);
}

static int at_end(struct reader *r, uint32_t n, const struct pt_conf_token *opener)
{
    if (n > 0)
        return pt_conf_fail(r->ld, &r->ld->scratch[0], NULL,
                            "unexpected end of file, expecting \";\" or \"}\"");
    if (opener)
        return fail_token(r, opener, NULL,
                          "unexpected end of file, expecting \"}\" to close this block");
    return PT_OK;
}

/* Reads directives up to the "}" matching opener, or to the end of the input when
 * opener is NULL (a file's top level). */
static int read_block(struct reader *r, struct pt_conf_node ***tail,
                      const struct pt_conf_token *opener)
{
    struct pt_conf_token tok;
    uint32_t n = 0;

    for (;;) {
        switch (pt_conf_lex(&r->lx, &tok)) {
        case PT_CONF_TOK_WORD:
            if (push_word(r, n++, &tok) != PT_OK)
                return PT_ERROR;
            break;
        case PT_CONF_TOK_SEMI:
            if (n == 0)
                return fail_token(r, &tok, "expected a directive name before \";\"",
                                  "unexpected \";\"");
            if (end_directive(r, n, tail) != PT_OK)
                return PT_ERROR;
            n = 0;
            break;
        case PT_CONF_TOK_OPEN:
            if (n == 0)
                return fail_token(r, &tok, "expected a directive name before \"{\"",
                                  "unexpected \"{\"");
            if (open_block(r, n, tail, &tok) != PT_OK)
                return PT_ERROR;
            n = 0;
            break;
        case PT_CONF_TOK_CLOSE:
            if (n > 0)
                return fail_token(r, &tok, "expected \";\" to end the directive",
                                  "unexpected \"}\"");
            if (!opener)
                return fail_token(r, &tok, "there is no open block for it to close",
                                  "unexpected \"}\"");
            return PT_OK;
        case PT_CONF_TOK_EOF:
            return at_end(r, n, opener);
        case PT_CONF_TOK_ERROR:
            return pt_conf_fail_pos(r->ld, r->file, tok.error_line, tok.error_col,
                                    tok.expected, "%s", tok.error);
        }
    }
}

int pt_conf_read_tree(struct pt_conf_load *ld, uint16_t file, struct pt_conf_node ***tail)
{
    struct reader r = {.ld = ld, .file = file};
    const struct pt_conf_source *src = &ld->sources[file];

    pt_conf_lexer_init(&r.lx, src->text, src->len);
    return read_block(&r, tail, NULL);
}
