/* config/location.c - `location [= | ^~ | ~ | ~*] PATTERN { ... }` and `location @NAME`.
 *
 * nginx's rules for where a location may be: nested in another location (not in an exact
 * or a named one), a nested non-regex location must start with its parent's pattern, named
 * locations only at server level, and no two exact or two prefix locations with the same
 * path at one level. Regex sources are kept as written: compiling them is for routing,
 * which links PCRE2 (config/ uses libc only). */
#include <string.h>

#include "config/blocks.h"
#include "config/setters.h"
#include "core/pt_types.h"

struct loc_spec {
    enum pt_loc_match match;
    const char *pattern;
    uint32_t len;
    const struct pt_conf_word *at; /* the word holding the pattern */
};

static int parse_modifier(struct pt_conf_load *ld, const struct pt_conf_node *node,
                          struct loc_spec *spec)
{
    static const struct {
        const char *text;
        enum pt_loc_match match;
    } mods[] = {
        {"=", PT_LOC_EXACT}, {"^~", PT_LOC_PREFIX_NOREGEX},
        {"~", PT_LOC_REGEX}, {"~*", PT_LOC_REGEX_CASELESS},
    };
    const struct pt_conf_word *mod = &node->words[1];

    for (size_t i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
        if (strcmp(mod->text, mods[i].text) == 0) {
            spec->match = mods[i].match;
            spec->at = &node->words[2];
            spec->pattern = spec->at->text;
            spec->len = spec->at->len;
            return PT_OK;
        }
    }
    return pt_conf_fail(ld, mod, "expected one of =, ^~, ~, ~* before the pattern",
                        "invalid location modifier \"%s\"",
                        pt_conf_show(ld, mod->text, mod->len));
}

/* One word: "=/x", "~re", "~*re" carry their modifier glued on, as nginx reads them. */
static void parse_glued(const struct pt_conf_word *w, struct loc_spec *spec)
{
    const char *s = w->text;
    uint32_t skip = 0;

    spec->match = PT_LOC_PREFIX;
    if (s[0] == '=') {
        spec->match = PT_LOC_EXACT;
        skip = 1;
    } else if (s[0] == '~') {
        spec->match = s[1] == '*' ? PT_LOC_REGEX_CASELESS : PT_LOC_REGEX;
        skip = s[1] == '*' ? 2 : 1;
    } else if (s[0] == '@') {
        spec->match = PT_LOC_NAMED;
        skip = 1;
    }
    spec->at = w;
    spec->pattern = s + skip;
    spec->len = w->len - skip;
}

static int is_regex(enum pt_loc_match m)
{
    return m == PT_LOC_REGEX || m == PT_LOC_REGEX_CASELESS;
}

static int is_prefix(enum pt_loc_match m)
{
    return m == PT_LOC_PREFIX || m == PT_LOC_PREFIX_NOREGEX;
}

/* The name nginx shows for a location: its pattern, with "@" for a named one. */
static const char *shown(struct pt_conf_load *ld, enum pt_loc_match m, const char *p,
                         uint32_t len)
{
    const char *s = pt_conf_show(ld, p, len);
    char *at;

    if (m != PT_LOC_NAMED)
        return s;
    at = pt_conf_alloc(ld, strlen(s) + 2);
    if (!at)
        return s;
    at[0] = '@';
    memcpy(at + 1, s, strlen(s) + 1);
    return at;
}

static int check_nesting(struct pt_conf_load *ld, const struct pt_conf_location *parent,
                         const struct loc_spec *c)
{
    const char *child = shown(ld, c->match, c->pattern, c->len);
    const char *outer;

    if (!parent)
        return PT_OK;
    outer = shown(ld, parent->match, parent->pattern, parent->pattern_len);
    if (parent->match == PT_LOC_EXACT)
        return pt_conf_fail(ld, c->at, NULL,
                            "location \"%s\" cannot be inside the exact location \"%s\"",
                            child, outer);
    if (parent->match == PT_LOC_NAMED)
        return pt_conf_fail(ld, c->at, NULL,
                            "location \"%s\" cannot be inside the named location \"%s\"",
                            child, outer);
    if (c->match == PT_LOC_NAMED)
        return pt_conf_fail(ld, c->at, NULL,
                            "named location \"%s\" can be on the server level only", child);
    /* As nginx: any non-regex child, even of a regex parent, compares with the source. */
    if (!is_regex(c->match) &&
        (c->len < parent->pattern_len ||
         memcmp(c->pattern, parent->pattern, parent->pattern_len) != 0))
        return pt_conf_fail(ld, c->at, NULL, "location \"%s\" is outside location \"%s\"",
                            child, outer);
    return PT_OK;
}

static int check_duplicate(struct pt_conf_load *ld, struct pt_conf_location **siblings,
                           uint32_t count, const struct loc_spec *c)
{
    for (uint32_t i = 0; i < count; i++) {
        const struct pt_conf_location *s = siblings[i];
        int same_kind = (s->match == PT_LOC_EXACT && c->match == PT_LOC_EXACT) ||
                        (is_prefix(s->match) && is_prefix(c->match));
        if (same_kind && s->pattern_len == c->len && memcmp(s->pattern, c->pattern, c->len) == 0)
            return pt_conf_fail(ld, c->at, NULL, "duplicate location \"%s\"",
                                pt_conf_show(ld, c->pattern, c->len));
    }
    return PT_OK;
}

static uint32_t count_locations(const struct pt_conf_node *node)
{
    uint32_t n = 0;

    for (const struct pt_conf_node *c = node->children; c; c = c->next)
        n += strcmp(c->words[0].text, "location") == 0;
    return n;
}

static struct pt_conf_location_b *new_location(struct pt_conf_load *ld,
                                               const struct pt_conf_node *node,
                                               const struct loc_spec *spec,
                                               struct pt_conf_location *parent)
{
    struct pt_conf_location_b *lb = pt_conf_alloc(ld, sizeof(*lb));

    if (!lb)
        return NULL;
    lb->child_cap = count_locations(node);
    lb->pub.children = pt_conf_alloc(ld, (lb->child_cap + 1) * sizeof(*lb->pub.children));
    if (!lb->pub.children)
        return NULL;
    lb->pub.match = spec->match;
    lb->pub.pattern = spec->pattern;
    lb->pub.pattern_len = spec->len;
    lb->pub.parent = parent;
    lb->pub.origin = pt_conf_origin_of(ld, &node->words[0]);
    return lb;
}

PT_SETTER(pt_conf_set_location)
{
    struct pt_conf_scope *outer = ld->scope;
    struct pt_conf_location *parent = outer->loc ? &outer->loc->pub : NULL;
    struct pt_conf_location ***siblings;
    uint32_t *count, cap;
    struct pt_conf_location_b *lb;
    struct pt_conf_scope scope = {.ctx = PT_CTX_LOCATION, .server = outer->server};
    struct loc_spec spec = {0};

    (void)row;
    (void)field;
    if (node->word_count == 3) {
        if (parse_modifier(ld, node, &spec) != PT_OK)
            return PT_ERROR;
    } else {
        parse_glued(&node->words[1], &spec);
    }
    siblings = parent ? &parent->children : &outer->server->pub.locations;
    count = parent ? &parent->child_count : &outer->server->pub.location_count;
    cap = parent ? outer->loc->child_cap : outer->server->location_cap;
    if (check_nesting(ld, parent, &spec) != PT_OK ||
        check_duplicate(ld, *siblings, *count, &spec) != PT_OK)
        return PT_ERROR;
    if (*count == cap)
        return pt_conf_fail_plain(ld, "internal error: location count");
    lb = new_location(ld, node, &spec, parent);
    if (!lb)
        return PT_ERROR;
    (*siblings)[(*count)++] = &lb->pub;
    scope.http = &lb->pub.values;
    scope.set = &lb->set;
    scope.loc = lb;
    return pt_conf_walk(ld, node->children, &scope);
}
