/* config/blocks.c - the block directives: events, http, server, location.
 *
 * Each opens a scope (its context, the values struct its directives write, the set-mask
 * for "is duplicate" and inheritance) and walks its children in it (upstream blocks:
 * config/upstream.c). Array sizes are
 * counted from the tree first, so servers and locations are allocated once, exactly. */
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "config/blocks.h"
#include "config/setters.h"
#include "config/upstream.h"
#include "core/pt_types.h"

/* Directives named name among node's children, and their arguments. */
static uint32_t count_children(const struct pt_conf_node *node, const char *name,
                               uint32_t *args)
{
    uint32_t n = 0;

    if (args)
        *args = 0;
    for (const struct pt_conf_node *c = node->children; c; c = c->next) {
        if (strcmp(c->words[0].text, name) == 0) {
            n++;
            if (args)
                *args += c->word_count - 1;
        }
    }
    return n;
}

int pt_conf_apply_defaults(struct pt_conf_load *ld)
{
    struct pt_config *cfg = ld->cfg;

    cfg->main.error_log_level = PT_LOG_ERR;
    for (uint32_t i = 0; i < pt_conf_row_count; i++) {
        const struct pt_conf_row *row = &pt_conf_rows[i];
        void *base = row->target == PT_TARGET_MAIN   ? (void *)&cfg->main
                     : row->target == PT_TARGET_HTTP ? (void *)&cfg->http_values
                                                     : NULL;
        if (row->def && base && pt_conf_apply_default(ld, row, base) != PT_OK)
            return PT_ERROR;
    }
    return PT_OK;
}

PT_SETTER(pt_conf_set_events)
{
    struct pt_conf_scope scope = {.ctx = PT_CTX_EVENTS, .set = &ld->main_set};

    (void)row;
    (void)field;
    ld->has_events = 1;
    return pt_conf_walk(ld, node->children, &scope);
}

PT_SETTER(pt_conf_set_http)
{
    struct pt_config *cfg = ld->cfg;
    struct pt_conf_scope scope = {
        .ctx = PT_CTX_HTTP, .http = &cfg->http_values, .set = &ld->http_set};
    uint32_t servers = count_children(node, "server", NULL);

    (void)row;
    (void)field;
    cfg->has_http = 1;
    cfg->servers = pt_conf_alloc(ld, (servers ? servers : 1) * sizeof(*cfg->servers));
    if (!cfg->servers)
        return PT_ERROR;
    /* nginx knows every map variable and upstream name of http wherever it is used:
     * declare them before the walk (proxy_set_header Connection $connection_upgrade
     * in a server above the map, proxy_pass http://app above upstream app). */
    if (pt_conf_map_declare_ahead(ld, node->children) != PT_OK ||
        pt_conf_upstreams_declare(ld, node->children) != PT_OK)
        return PT_ERROR;
    return pt_conf_walk(ld, node->children, &scope);
}

/* nginx's default when a server has no listen: port 80 as root, 8000 otherwise. */
static int default_listen(struct pt_conf_load *ld, struct pt_conf_server_b *sb,
                          const struct pt_conf_node *node)
{
    struct pt_conf_word w = node->words[0];

    w.text = geteuid() == 0 ? "*:80" : "*:8000";
    w.len = (uint32_t)strlen(w.text);
    if (pt_conf_listen_address(ld, &w, &sb->pub.listens[0]) != PT_OK)
        return PT_ERROR;
    sb->pub.listen_count = 1;
    return PT_OK;
}

static int alloc_server(struct pt_conf_load *ld, const struct pt_conf_node *node,
                        struct pt_conf_server_b **out)
{
    struct pt_conf_server_b *sb = pt_conf_alloc(ld, sizeof(*sb));

    if (!sb)
        return PT_ERROR;
    sb->listen_cap = count_children(node, "listen", NULL);
    count_children(node, "server_name", &sb->name_cap);
    sb->location_cap = count_children(node, "location", NULL);
    sb->pub.listens = pt_conf_alloc(ld, (sb->listen_cap + 1) * sizeof(*sb->pub.listens));
    sb->pub.names = pt_conf_alloc(ld, (sb->name_cap + 1) * sizeof(*sb->pub.names));
    sb->pub.name_origins = pt_conf_alloc(ld, (sb->name_cap + 1) * sizeof(*sb->pub.name_origins));
    sb->pub.locations = pt_conf_alloc(ld, (sb->location_cap + 1) * sizeof(*sb->pub.locations));
    if (!sb->pub.listens || !sb->pub.names || !sb->pub.name_origins || !sb->pub.locations)
        return PT_ERROR;
    sb->pub.origin = pt_conf_origin_of(ld, &node->words[0]);
    *out = sb;
    return PT_OK;
}

PT_SETTER(pt_conf_set_server)
{
    struct pt_config *cfg = ld->cfg;
    struct pt_conf_server_b *sb;
    struct pt_conf_scope scope = {.ctx = PT_CTX_SERVER};

    (void)row;
    (void)field;
    if (alloc_server(ld, node, &sb) != PT_OK)
        return PT_ERROR;
    scope.http = &sb->pub.values;
    scope.set = &sb->set;
    scope.server = sb;
    if (pt_conf_walk(ld, node->children, &scope) != PT_OK)
        return PT_ERROR;
    if (sb->pub.listen_count == 0 && default_listen(ld, sb, node) != PT_OK)
        return PT_ERROR;
    if (sb->pub.name_count == 0) {
        sb->pub.name_origins[0] = sb->pub.origin;
        sb->pub.names[sb->pub.name_count++] = ""; /* nginx's default server_name "" */
    }
    cfg->servers[cfg->server_count++] = &sb->pub;
    return PT_OK;
}
