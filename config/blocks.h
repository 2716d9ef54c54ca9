/* config/blocks.h - servers and locations while they are being built.
 *
 * Each public struct is embedded first in a builder that also records which rows the
 * level set (for "is duplicate" and inheritance) and how many slots its arrays have
 * (counted from the tree before the block is walked). Internal to config/.
 */
#ifndef PT_CONFIG_BLOCKS_H
#define PT_CONFIG_BLOCKS_H

#include "config/load.h"

struct pt_conf_server_b {
    struct pt_conf_server pub; /* first: a pub pointer is a builder pointer */
    struct pt_conf_setmask set;
    uint32_t listen_cap;
    uint32_t name_cap;
    uint32_t location_cap;
};

struct pt_conf_location_b {
    struct pt_conf_location pub; /* first, as above */
    struct pt_conf_setmask set;
    uint32_t child_cap;
};

static inline struct pt_conf_server_b *pt_conf_server_b_of(struct pt_conf_server *s)
{
    return (struct pt_conf_server_b *)s;
}

static inline struct pt_conf_location_b *pt_conf_location_b_of(struct pt_conf_location *l)
{
    return (struct pt_conf_location_b *)l;
}

/* Parses a listen address word into l, with nginx's defaults for the rest (listen.c). */
int pt_conf_listen_address(struct pt_conf_load *ld, const struct pt_conf_word *w,
                           struct pt_conf_listen *l);

/* Main's and http's defaults, from the registry's rows (blocks.c). */
int pt_conf_apply_defaults(struct pt_conf_load *ld);

/* nginx's inheritance, http -> server -> location (merge.c). */
void pt_conf_merge(struct pt_conf_load *ld);

/* Listeners from the servers' listen directives (listeners.c). */
int pt_conf_build_listeners(struct pt_conf_load *ld);

#endif
