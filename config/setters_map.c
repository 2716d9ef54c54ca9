/* config/setters_map.c - map $source $name { default V; KEY V; ... }.
 *
 * The block is read here, not walked: its lines are keys, not directives. nginx knows
 * every map's variable wherever it is used; portico checks names as it reads, so
 * log_format and map first declare the maps written after them at the same level
 * (pt_conf_map_declare_ahead). Regex keys (~RE, ~*RE) are kept as written, quoted or
 * not (a regex with "{" or ";" needs quotes, and nginx reads "~..." as a regex either
 * way); config/ links no regex library, so proxy/ compiles and checks them. */
#include <string.h>

#include "config/setters.h"
#include "config/variables.h"
#include "core/pt_types.h"

static int is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_';
}

/* "$name": one plain variable name. */
static int valid_target(const struct pt_conf_word *w)
{
    uint32_t i = 1;

    if (w->len < 2 || w->text[0] != '$')
        return 0;
    while (i < w->len && is_name_char(w->text[i]))
        i++;
    return i == w->len;
}

/* The map for target w: one declared ahead, or a new one. NULL after failing the load. */
static struct pt_conf_map *map_for(struct pt_conf_load *ld, const struct pt_conf_word *w)
{
    struct pt_conf_map *map;

    if (!valid_target(w)) {
        pt_conf_fail(ld, w, "expected: map $source $name { ... }",
                     "invalid variable name \"%s\"", pt_conf_show(ld, w->text, w->len));
        return NULL;
    }
    map = (struct pt_conf_map *)pt_conf_map_find(ld->cfg, w->text + 1, w->len - 1);
    if ((map && !map->ahead) || pt_conf_variable_known(w->text + 1, w->len - 1)) {
        pt_conf_fail(ld, w, NULL, "the duplicate \"%s\" variable", w->text + 1);
        return NULL;
    }
    if (map)
        return map;
    map = pt_conf_alloc(ld, sizeof(*map));
    if (!map)
        return NULL;
    map->name = w->text + 1;
    map->name_len = w->len - 1;
    map->next = ld->cfg->maps;
    ld->cfg->maps = map;
    return map;
}

int pt_conf_map_declare_ahead(struct pt_conf_load *ld, const struct pt_conf_node *from)
{
    for (const struct pt_conf_node *c = from; c; c = c->next) {
        const struct pt_conf_word *w = &c->words[2];
        struct pt_conf_map *map;
        if (strcmp(c->words[0].text, "map") != 0 || c->word_count != 3 || !valid_target(w) ||
            pt_conf_map_find(ld->cfg, w->text + 1, w->len - 1) ||
            pt_conf_variable_known(w->text + 1, w->len - 1))
            continue; /* its own setter reports what is wrong with it */
        map = map_for(ld, w);
        if (!map)
            return PT_ERROR;
        map->ahead = 1;
    }
    return PT_OK;
}

/* A "~RE VALUE;" line. */
static int parse_regex(struct pt_conf_load *ld, const struct pt_conf_node *line,
                       struct pt_conf_map *map)
{
    const struct pt_conf_word *key = &line->words[0];
    struct pt_conf_map_regex *re = &map->regexes[map->regex_count];
    uint32_t skip = key->len > 1 && key->text[1] == '*' ? 2 : 1;

    if (key->len == skip)
        return pt_conf_fail(ld, key, "expected: ~REGEX VALUE; or ~*REGEX VALUE;",
                            "empty regex in map");
    re->pattern = key->text + skip;
    re->pattern_len = key->len - skip;
    re->caseless = skip == 2;
    re->origin = pt_conf_origin_of(ld, key);
    if (pt_conf_compile_complex(ld, &line->words[1], &re->value) != PT_OK)
        return PT_ERROR;
    map->regex_count++;
    return PT_OK;
}

/* One "KEY VALUE;" line of the block. */
static int parse_entry(struct pt_conf_load *ld, const struct pt_conf_node *line,
                       struct pt_conf_map *map, uint8_t *has_default)
{
    const struct pt_conf_word *key = &line->words[0];

    if (line->is_block || line->word_count != 2)
        return pt_conf_fail(ld, key, "expected: KEY VALUE; inside map",
                            "invalid number of the map parameters");
    if (!key->quoted && strcmp(key->text, "default") == 0) {
        if (*has_default)
            return pt_conf_fail(ld, key, NULL, "duplicate default map parameter");
        *has_default = 1;
        return pt_conf_compile_complex(ld, &line->words[1], &map->def);
    }
    if (key->text[0] == '~')
        return parse_regex(ld, line, map);
    if (!key->quoted && (strcmp(key->text, "hostnames") == 0 ||
                         strcmp(key->text, "volatile") == 0 ||
                         strcmp(key->text, "include") == 0))
        return pt_conf_fail(ld, key, NULL, "\"%s\" in map is not supported yet",
                            pt_conf_show(ld, key->text, key->len));
    for (uint32_t i = 0; i < map->entry_count; i++) {
        const struct pt_conf_map_entry *e = &map->entries[i];
        if (e->key_len == key->len && memcmp(e->key, key->text, key->len) == 0)
            return pt_conf_fail(ld, key, NULL, "conflicting parameter \"%s\"",
                                pt_conf_show(ld, key->text, key->len));
    }
    map->entries[map->entry_count].key = key->text;
    map->entries[map->entry_count].key_len = key->len;
    return pt_conf_compile_complex(ld, &line->words[1], &map->entries[map->entry_count++].value);
}

PT_SETTER(pt_conf_set_map)
{
    struct pt_conf_map *map;
    uint32_t lines = 0;
    uint8_t has_default = 0;

    (void)row;
    (void)field;
    if (pt_conf_map_declare_ahead(ld, node->next) != PT_OK ||
        (map = map_for(ld, &node->words[2])) == NULL)
        return PT_ERROR;
    map->ahead = 0; /* its own uses, in source and values, may not name itself */
    if (pt_conf_compile_complex(ld, &node->words[1], &map->source) != PT_OK)
        return PT_ERROR;
    for (const struct pt_conf_node *c = node->children; c; c = c->next)
        lines++;
    map->entries = pt_conf_alloc(ld, (lines ? lines : 1) * sizeof(*map->entries));
    map->regexes = pt_conf_alloc(ld, (lines ? lines : 1) * sizeof(*map->regexes));
    if (!map->entries || !map->regexes)
        return PT_ERROR;
    for (const struct pt_conf_node *c = node->children; c; c = c->next) {
        if (parse_entry(ld, c, map, &has_default) != PT_OK)
            return PT_ERROR;
    }
    return PT_OK;
}
