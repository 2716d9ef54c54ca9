/* proxy/upstream_group.h - a worker's upstream groups: for each group of the snapshot it
 * runs (config's pt_config.upstreams), the balancer state (proxy/upstream.h) and the
 * keep-alive pool (proxy/upstream_conn.h). A worker runs one snapshot for its whole life
 * (a reload starts new workers), so the table is built once, on first use. */
#ifndef PT_PROXY_UPSTREAM_GROUP_H
#define PT_PROXY_UPSTREAM_GROUP_H

#include "config/config.h"
#include "proxy/upstream.h"
#include "proxy/upstream_conn.h"

struct pt_upstream_group {
    const struct pt_conf_upstream *conf;
    struct pt_upstream *balancer;
    struct pt_upstream_pool pool;
};

/* The worker's state for u, built on first use. NULL when memory ran out (logged). */
struct pt_upstream_group *pt_upstream_group_of(const struct pt_conf_upstream *u);

/* Frees the table, closing every pooled connection (a worker that exits). */
void pt_upstream_groups_free(void);

/* Calls fn on every group built so far. */
void pt_upstream_groups_each(void (*fn)(struct pt_upstream_group *g));

#endif
