/* config/listeners.c - one listener per distinct address, with its servers.
 *
 * Built after the walk, in two passes over every server's listens: the first finds the
 * distinct addresses (by normalised text, in order of first appearance), checks nginx's
 * rules and counts servers, the second fills exact-size server arrays. nginx's rules: an
 * address twice in one server is "a duplicate listen", two default_server on one
 * address are "a duplicate default server", and socket options (backlog, reuseport,
 * ipv6only, bind) may be given by one listen per address only. */
#include <string.h>

#include "config/blocks.h"
#include "core/pt_types.h"

struct tally {
    struct pt_conf_listener *listener;
    uint32_t last_server; /* index + 1 of the last server counted, 0 for none */
    uint8_t has_options;
};

static struct tally *find(struct tally *t, uint32_t n, const char *text)
{
    for (uint32_t i = 0; i < n; i++) {
        if (strcmp(t[i].listener->text, text) == 0)
            return &t[i];
    }
    return NULL;
}

static int add_listener(struct pt_conf_load *ld, struct tally *t,
                        const struct pt_conf_listen *l)
{
    struct pt_conf_listener *lr = pt_conf_alloc(ld, sizeof(*lr));

    if (!lr)
        return PT_ERROR;
    lr->addr = l->addr;
    lr->addr_len = l->addr_len;
    lr->text = l->text;
    lr->backlog = l->backlog;
    lr->ipv6only = l->ipv6only;
    t->listener = lr;
    ld->cfg->listeners[ld->cfg->listener_count++] = lr;
    return PT_OK;
}

/* Counts server s (index si) on the listener of listen l, checking nginx's rules. */
static int count_listen(struct pt_conf_load *ld, struct tally *tallies,
                        const struct pt_conf_listen *l, uint32_t si)
{
    struct pt_config *cfg = ld->cfg;
    struct tally *t = find(tallies, cfg->listener_count, l->text);

    if (!t) {
        t = &tallies[cfg->listener_count];
        if (add_listener(ld, t, l) != PT_OK)
            return PT_ERROR;
    }
    if (t->last_server == si + 1)
        return pt_conf_fail_origin(ld, &l->origin, NULL, "a duplicate listen %s", l->text);
    t->last_server = si + 1;
    t->listener->server_count++;
    if (l->options_set) {
        if (t->has_options)
            return pt_conf_fail_origin(ld, &l->origin, NULL, "duplicate listen options for %s",
                                       l->text);
        t->has_options = 1;
        t->listener->backlog = l->backlog;
        t->listener->ipv6only = l->ipv6only;
    }
    if (l->default_server) {
        if (t->listener->default_server)
            return pt_conf_fail_origin(ld, &l->origin, NULL,
                                       "a duplicate default server for %s", l->text);
        t->listener->default_server = cfg->servers[si];
    }
    return PT_OK;
}

static int fill_servers(struct pt_conf_load *ld)
{
    struct pt_config *cfg = ld->cfg;

    for (uint32_t i = 0; i < cfg->listener_count; i++) {
        struct pt_conf_listener *lr = cfg->listeners[i];
        lr->servers = pt_conf_alloc(ld, lr->server_count * sizeof(*lr->servers));
        if (!lr->servers)
            return PT_ERROR;
        lr->server_count = 0;
    }
    for (uint32_t si = 0; si < cfg->server_count; si++) {
        const struct pt_conf_server *s = cfg->servers[si];
        for (uint32_t k = 0; k < s->listen_count; k++) {
            for (uint32_t i = 0; i < cfg->listener_count; i++) {
                struct pt_conf_listener *lr = cfg->listeners[i];
                if (strcmp(lr->text, s->listens[k].text) == 0)
                    lr->servers[lr->server_count++] = cfg->servers[si];
            }
        }
    }
    for (uint32_t i = 0; i < cfg->listener_count; i++) {
        if (!cfg->listeners[i]->default_server)
            cfg->listeners[i]->default_server = cfg->listeners[i]->servers[0];
    }
    return PT_OK;
}

int pt_conf_build_listeners(struct pt_conf_load *ld)
{
    struct pt_config *cfg = ld->cfg;
    uint32_t total = 0;
    struct tally *tallies;

    for (uint32_t si = 0; si < cfg->server_count; si++)
        total += cfg->servers[si]->listen_count;
    cfg->listeners = pt_conf_alloc(ld, (total + 1) * sizeof(*cfg->listeners));
    tallies = pt_conf_alloc(ld, (total + 1) * sizeof(*tallies));
    if (!cfg->listeners || !tallies)
        return PT_ERROR;
    for (uint32_t si = 0; si < cfg->server_count; si++) {
        const struct pt_conf_server *s = cfg->servers[si];
        for (uint32_t k = 0; k < s->listen_count; k++) {
            if (count_listen(ld, tallies, &s->listens[k], si) != PT_OK)
                return PT_ERROR;
        }
    }
    return fill_servers(ld);
}
