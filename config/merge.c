/* config/merge.c - nginx's inheritance of http values: http -> server -> location ->
 * nested location. A level takes its parent's value for every row it did not set
 * itself, except rows marked PT_ROW_NO_INHERIT (return). It runs after the whole tree
 * is walked, because a parent's directive written after a nested block still applies
 * to it ("server { location / {} keepalive_timeout 5s; }" gives the location 5s). */
#include <string.h>

#include "config/blocks.h"
#include "config/registry.h"

static int is_set(const struct pt_conf_setmask *set, uint32_t i)
{
    return (set->bits[i / 64] >> (i % 64)) & 1;
}

static void merge_values(struct pt_conf_http_values *child, const struct pt_conf_setmask *set,
                         const struct pt_conf_http_values *parent)
{
    for (uint32_t i = 0; i < pt_conf_row_count; i++) {
        const struct pt_conf_row *row = &pt_conf_rows[i];
        if (row->target != PT_TARGET_HTTP || (row->flags & PT_ROW_NO_INHERIT) || is_set(set, i))
            continue;
        memcpy((char *)child + row->offset, (const char *)parent + row->offset, row->size);
    }
    /* root and alias are one setting in nginx: a level's own root hides an inherited
     * alias (and its own alias takes precedence over an inherited root anyway). */
    if (is_set(set, pt_conf_row_index(pt_conf_row_find("root"))))
        child->alias = (struct pt_conf_path){0};
}

static void merge_locations(struct pt_conf_location **locs, uint32_t count,
                            const struct pt_conf_http_values *parent)
{
    for (uint32_t i = 0; i < count; i++) {
        struct pt_conf_location_b *lb = pt_conf_location_b_of(locs[i]);
        merge_values(&lb->pub.values, &lb->set, parent);
        merge_locations(lb->pub.children, lb->pub.child_count, &lb->pub.values);
    }
}

void pt_conf_merge(struct pt_conf_load *ld)
{
    struct pt_config *cfg = ld->cfg;

    for (uint32_t i = 0; i < cfg->server_count; i++) {
        struct pt_conf_server_b *sb = pt_conf_server_b_of(cfg->servers[i]);
        merge_values(&sb->pub.values, &sb->set, &cfg->http_values);
        merge_locations(sb->pub.locations, sb->pub.location_count, &sb->pub.values);
    }
}
