/* config/capture_names.c - the named groups of the config's regexes, as variables.
 *
 * nginx makes every named group of a server_name, location or map regex a variable
 * ($domain for "(?<domain>...)"), usable anywhere in http, before the regex is written
 * too: it checks variable names only once the whole config is read. portico checks a
 * name where it is written (so the error points at it), so the names are gathered first,
 * in one pass over the tree before the walk. The gathering reads the pattern's text and
 * is generous (a group inside a character class counts too): a name too many only
 * delays an error, and proxy/ compiles the patterns for real. */
#include <string.h>

#include "config/variables.h"
#include "core/pt_types.h"

struct pt_conf_group {
    const char *name;
    uint32_t len;
    struct pt_conf_group *next;
};

static int is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_';
}

static int add_group(struct pt_conf_load *ld, const char *name, uint32_t len)
{
    struct pt_conf_group *g;

    if (pt_conf_group_known(ld, name, len))
        return PT_OK;
    g = pt_conf_alloc(ld, sizeof(*g));
    if (g == NULL)
        return PT_ERROR;
    g->name = name;
    g->len = len;
    g->next = ld->groups;
    ld->groups = g;
    return PT_OK;
}

/* The length of the group-name opener at s ("(?<", "(?'", "(?P<"), 0 for none; "(?<="
 * and "(?<!" are lookbehinds. */
static uint32_t opener_len(const char *s, const char *end)
{
    if (end - s < 4 || s[0] != '(' || s[1] != '?')
        return 0;
    if (s[2] == 'P' && s[3] == '<')
        return 4;
    if ((s[2] == '<' && s[3] != '=' && s[3] != '!') || s[2] == '\'')
        return 3;
    return 0;
}

static int scan_pattern(struct pt_conf_load *ld, const char *s, uint32_t len)
{
    const char *end = s + len;

    while (s < end) {
        uint32_t skip = opener_len(s, end);
        const char *name = s + skip;
        if (*s == '\\') {
            s += 2; /* an escaped "(" opens nothing */
            continue;
        }
        if (skip == 0) {
            s++;
            continue;
        }
        s = name;
        while (s < end && is_name_char(*s))
            s++;
        if (s > name && !(name[0] >= '0' && name[0] <= '9') &&
            add_group(ld, name, (uint32_t)(s - name)) != PT_OK)
            return PT_ERROR;
    }
    return PT_OK;
}

static int scan_word(struct pt_conf_load *ld, const struct pt_conf_word *w, uint32_t skip)
{
    return w->len > skip ? scan_pattern(ld, w->text + skip, w->len - skip) : PT_OK;
}

/* The regex words of one directive: server_name ~RE, location ~ RE / ~* RE / ~RE, and a
 * map block's ~KEY lines. */
static int scan_node(struct pt_conf_load *ld, const struct pt_conf_node *n)
{
    const char *name = n->words[0].text;
    const struct pt_conf_word *w = n->words;

    if (strcmp(name, "server_name") == 0) {
        for (uint32_t i = 1; i < n->word_count; i++)
            if (w[i].text[0] == '~' && scan_word(ld, &w[i], 1) != PT_OK)
                return PT_ERROR;
    } else if (strcmp(name, "location") == 0 && n->word_count == 3) {
        if (w[1].text[0] == '~' && scan_word(ld, &w[2], 0) != PT_OK)
            return PT_ERROR;
    } else if (strcmp(name, "location") == 0 && n->word_count == 2 && w[1].text[0] == '~') {
        return scan_word(ld, &w[1], w[1].text[1] == '*' ? 2 : 1);
    } else if (strcmp(name, "map") == 0) {
        for (const struct pt_conf_node *c = n->children; c; c = c->next)
            if (c->word_count && c->words[0].text[0] == '~' &&
                scan_word(ld, &c->words[0], c->words[0].text[1] == '*' ? 2 : 1) != PT_OK)
                return PT_ERROR;
    }
    return PT_OK;
}

int pt_conf_collect_groups(struct pt_conf_load *ld, const struct pt_conf_node *first)
{
    for (const struct pt_conf_node *n = first; n; n = n->next) {
        if (n->word_count == 0)
            continue;
        if (scan_node(ld, n) != PT_OK)
            return PT_ERROR;
        /* a map's lines are keys, not directives */
        if (n->is_block && strcmp(n->words[0].text, "map") != 0 &&
            pt_conf_collect_groups(ld, n->children) != PT_OK)
            return PT_ERROR;
    }
    return PT_OK;
}

int pt_conf_group_known(const struct pt_conf_load *ld, const char *name, uint32_t len)
{
    for (const struct pt_conf_group *g = ld->groups; g; g = g->next)
        if (g->len == len && memcmp(g->name, name, len) == 0)
            return 1;
    return 0;
}
