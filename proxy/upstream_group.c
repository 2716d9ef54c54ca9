/* proxy/upstream_group.c - upstream_group.h. */
#include "proxy/upstream_group.h"

#include <stdlib.h>

#include "core/log.h"
#include "proxy/worker.h"

static struct pt_upstream_group **groups; /* by pt_conf_upstream.index */
static uint32_t group_count;

struct pt_upstream_group *pt_upstream_group_of(const struct pt_conf_upstream *u)
{
    const struct pt_config *cfg = pt_worker.cfg;
    struct pt_upstream_group *g;

    if (groups == NULL) {
        groups = calloc(cfg->upstream_count ? cfg->upstream_count : 1, sizeof(*groups));
        if (groups == NULL)
            return NULL;
        group_count = cfg->upstream_count;
    }
    if (u->index >= group_count)
        return NULL;
    if ((g = groups[u->index]) != NULL)
        return g;
    g = calloc(1, sizeof(*g));
    if (g == NULL || (g->balancer = pt_upstream_new(u)) == NULL) {
        free(g);
        pt_log(PT_LOG_CRIT, "out of memory building upstream \"%s\"", u->name);
        return NULL;
    }
    g->conf = u;
    groups[u->index] = g;
    return g;
}

void pt_upstream_groups_each(void (*fn)(struct pt_upstream_group *g))
{
    for (uint32_t i = 0; i < group_count; i++) {
        if (groups[i])
            fn(groups[i]);
    }
}

void pt_upstream_groups_free(void)
{
    pt_upstream_pools_close();
    for (uint32_t i = 0; i < group_count; i++) {
        if (groups[i]) {
            pt_upstream_free(groups[i]->balancer);
            free(groups[i]);
        }
    }
    free(groups);
    groups = NULL;
    group_count = 0;
}
