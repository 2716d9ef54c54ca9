/* proxy/location.c - location matching (location.h). Literal locations are scanned
 * linearly per level: a server has tens of them, not thousands; regexes are tried in
 * order because nginx's semantics are "first in config order". */
#include "proxy/location.h"

#include <string.h>

#include "proxy/routing.h"

/* What a level's search decided: a location (or NULL), and whether that is final (an
 * exact or regex match: nginx's NGX_OK) or may still lose to a regex at an outer level. */
struct found {
    const struct pt_conf_location *loc;
    int final;
};

struct search {
    const struct pt_routing *rt;
    const char *uri;
    size_t len;
    struct pt_captures *caps;
};

static struct found find_in(const struct search *s, struct pt_conf_location *const *locs,
                            uint32_t count);

static int is_prefix(const struct pt_conf_location *loc)
{
    return loc->match == PT_LOC_PREFIX || loc->match == PT_LOC_PREFIX_NOREGEX;
}

static int is_regex(const struct pt_conf_location *loc)
{
    return loc->match == PT_LOC_REGEX || loc->match == PT_LOC_REGEX_CASELESS;
}

/* The exact match at this level (final), else the longest prefix (not final). */
static struct found find_literal(const struct search *s, struct pt_conf_location *const *locs,
                                 uint32_t count)
{
    const struct pt_conf_location *best = NULL;

    for (uint32_t i = 0; i < count; i++) {
        const struct pt_conf_location *loc = locs[i];
        if (loc->match == PT_LOC_EXACT && loc->pattern_len == s->len &&
            memcmp(loc->pattern, s->uri, s->len) == 0)
            return (struct found){loc, 1};
        if (is_prefix(loc) && loc->pattern_len <= s->len &&
            (best == NULL || loc->pattern_len > best->pattern_len) &&
            memcmp(loc->pattern, s->uri, loc->pattern_len) == 0)
            best = loc;
    }
    return (struct found){best, 0};
}

/* The first regex location of this level that matches, with its nested search; final. */
static struct found find_regex(const struct search *s, struct pt_conf_location *const *locs,
                               uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) {
        const struct pt_regex *re;
        if (!is_regex(locs[i]) || (re = pt_routing_regex(s->rt, locs[i])) == NULL)
            continue;
        /* A matching error (match limit) is treated as no match: nginx answers 500
         * there; routing has no status to give, and the next location is a safe answer. */
        if (pt_regex_match(re, s->uri, s->len, s->caps) != 1)
            continue;
        struct found nested = find_in(s, locs[i]->children, locs[i]->child_count);
        return (struct found){nested.loc ? nested.loc : locs[i], 1};
    }
    return (struct found){NULL, 0};
}

static struct found find_in(const struct search *s, struct pt_conf_location *const *locs,
                            uint32_t count)
{
    struct found lit = find_literal(s, locs, count), re;
    int noregex = 0;

    if (lit.final)
        return lit;
    if (lit.loc) {
        struct found nested = find_in(s, lit.loc->children, lit.loc->child_count);
        if (nested.final)
            return nested;
        noregex = lit.loc->match == PT_LOC_PREFIX_NOREGEX;
        if (nested.loc)
            lit.loc = nested.loc;
    }
    if (!noregex && (re = find_regex(s, locs, count)).loc)
        return re;
    return lit;
}

const struct pt_conf_location *pt_location_find(const struct pt_routing *rt,
                                                const struct pt_conf_server *srv,
                                                const char *uri, size_t len,
                                                struct pt_captures *caps)
{
    struct search s = {rt, uri, len, caps};

    caps->re = NULL;
    return find_in(&s, srv->locations, srv->location_count).loc;
}

const struct pt_conf_location *pt_location_named(const struct pt_conf_server *srv,
                                                 const char *name)
{
    size_t len = strlen(name);

    for (uint32_t i = 0; i < srv->location_count; i++) {
        const struct pt_conf_location *loc = srv->locations[i];
        if (loc->match == PT_LOC_NAMED && loc->pattern_len == len &&
            memcmp(loc->pattern, name, len) == 0)
            return loc;
    }
    return NULL;
}
