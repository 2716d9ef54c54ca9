/* proxy/location.c - literal location matching (location.h). A linear scan per level:
 * configs with many locations get a tree with the routing issue. */
#include "proxy/location.h"

#include <string.h>

static int is_prefix_match(const struct pt_conf_location *loc)
{
    return loc->match == PT_LOC_PREFIX || loc->match == PT_LOC_PREFIX_NOREGEX;
}

static const struct pt_conf_location *find_in(struct pt_conf_location *const *locs,
                                              uint32_t count, const char *path, size_t len)
{
    const struct pt_conf_location *best = NULL, *deeper;

    for (uint32_t i = 0; i < count; i++) {
        const struct pt_conf_location *loc = locs[i];
        if (loc->match == PT_LOC_EXACT && loc->pattern_len == len &&
            memcmp(loc->pattern, path, len) == 0)
            return loc;
        if (is_prefix_match(loc) && loc->pattern_len <= len &&
            (best == NULL || loc->pattern_len > best->pattern_len) &&
            memcmp(loc->pattern, path, loc->pattern_len) == 0)
            best = loc;
    }
    if (best == NULL || best->child_count == 0)
        return best;
    deeper = find_in(best->children, best->child_count, path, len);
    return deeper ? deeper : best;
}

const struct pt_conf_location *pt_location_find(const struct pt_conf_server *srv,
                                                const char *uri, size_t len)
{
    return find_in(srv->locations, srv->location_count, uri, len);
}
