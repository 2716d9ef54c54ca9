/* proxy/upstream_resolve.c - the worker that re-resolves a group's resolve lines
 * (upstream_resolve.h). Each line has a timer and at most one query in flight. */
#include "proxy/upstream_resolve.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/clock.h"
#include "core/log.h"
#include "proxy/resolver.h"
#include "proxy/upstream_group.h"
#include "proxy/upstream_resolved.h"
#include "proxy/worker.h"

#define RETRY_MS 5000        /* after a failure or an empty answer, without valid= */
#define MIN_INTERVAL_MS 1000 /* a TTL of 0 does not make a busy loop */
#define LISTED_ADDRS 4       /* addresses named in a log line */

struct line {
    struct pt_timer timer;
    struct pt_upstream_group *g;
    uint32_t index;            /* in conf->servers */
    struct pt_resolver_query *q;
    int64_t count;             /* addresses it has; -1: not known yet */
};

static struct line *lines;
static uint32_t line_count;

#define LINE_OF_TIMER(t) ((struct line *)((char *)(t) - offsetof(struct line, timer)))

static const struct pt_conf_resolver *resolver_conf(void)
{
    return &pt_worker.cfg->http_values.proxy.resolver;
}

static const struct pt_conf_upstream_server *line_conf(const struct line *l)
{
    return &l->g->conf->servers[l->index];
}

static void schedule(struct line *l, uint64_t ms)
{
    pt_timer_set(&pt_worker.reactor.timers, &l->timer, pt_now_ms + ms);
}

static uint64_t after_answer(const struct pt_resolver_answer *a)
{
    const struct pt_conf_resolver *r = resolver_conf();
    uint64_t ms = RETRY_MS;

    if (r->valid > 0)
        ms = (uint64_t)r->valid;
    else if (a->count > 0 && a->ttl != UINT32_MAX)
        ms = (uint64_t)a->ttl * 1000;
    return ms < MIN_INTERVAL_MS ? MIN_INTERVAL_MS : ms;
}

static uint64_t after_failure(void)
{
    const struct pt_conf_resolver *r = resolver_conf();
    uint64_t ms = r->valid > 0 ? (uint64_t)r->valid : RETRY_MS;

    return ms < MIN_INTERVAL_MS ? MIN_INTERVAL_MS : ms;
}

/* "10.0.0.1, 10.0.0.2, ... (5)" */
static void list_addrs(const struct pt_resolver_answer *a, char *out, size_t cap)
{
    size_t used = 0;

    out[0] = '\0';
    for (uint32_t i = 0; i < a->count && i < LISTED_ADDRS && used < cap; i++) {
        char host[INET6_ADDRSTRLEN];
        inet_ntop(a->addrs[i].family, a->addrs[i].addr, host, sizeof(host));
        used += (size_t)snprintf(out + used, cap - used, "%s%s", i ? ", " : "", host);
    }
    if (a->count > LISTED_ADDRS && used < cap)
        snprintf(out + used, cap - used, ", ... (%u)", a->count);
}

static void log_answer(const struct line *l, const struct pt_resolver_answer *a,
                       const struct pt_upstream_published *pub)
{
    const char *group = l->g->conf->name, *name = line_conf(l)->name;
    char list[256];

    if (a->count == 0) {
        if (pub->removed)
            pt_log(PT_LOG_WARN, "upstream \"%s\": %s %s: its %u address%s removed", group,
                   name, a->nxdomain ? "does not exist (NXDOMAIN)" : "has no address",
                   pub->removed, pub->removed == 1 ? "" : "es");
        else
            pt_log(PT_LOG_INFO, "upstream \"%s\": %s %s", group, name,
                   a->nxdomain ? "does not exist (NXDOMAIN)" : "has no address");
        return;
    }
    if (a->extra)
        pt_log(PT_LOG_WARN, "upstream \"%s\": %s resolves to more than %u addresses: %u left "
               "out", group, name, PT_UPSTREAM_RESOLVE_MAX, a->extra);
    if (pub->added || pub->removed) {
        list_addrs(a, list, sizeof(list));
        pt_log(PT_LOG_NOTICE, "upstream \"%s\": %s resolves to %s (%u added, %u removed)",
               group, name, list, pub->added, pub->removed);
    }
}

static void on_answer(void *arg, int rc, const struct pt_resolver_answer *a, const char *why)
{
    struct line *l = arg;
    struct pt_upstream_published pub;

    l->q = NULL;
    if (rc != 0) {
        char kept[48] = "the addresses it has";
        if (l->count >= 0)
            snprintf(kept, sizeof(kept), "its %lld address%s", (long long)l->count,
                     l->count == 1 ? "" : "es");
        pt_log(PT_LOG_ERR, "upstream \"%s\": %s could not be resolved (%s); keeping %s",
               l->g->conf->name, line_conf(l)->host, why, kept);
        schedule(l, after_failure());
        return;
    }
    if (pt_upstream_publish(l->g->balancer, l->index, a->addrs, a->count, &pub) != 0) {
        pt_log(PT_LOG_ALERT, "upstream \"%s\": the addresses of %s cannot be published: its "
               "zone is not available", l->g->conf->name, line_conf(l)->name);
        schedule(l, after_failure());
        return;
    }
    l->count = pub.count;
    log_answer(l, a, &pub);
    schedule(l, after_answer(a));
}

static void on_timer(struct pt_timer *t)
{
    struct line *l = LINE_OF_TIMER(t);
    int err = 0;

    if (l->q != NULL)
        return; /* cannot happen: a query in flight arms no timer */
    l->q = pt_resolver_start(&pt_worker.reactor, resolver_conf(), line_conf(l)->host, on_answer,
                             l, &err);
    if (l->q == NULL) {
        pt_log(PT_LOG_ERR, "upstream \"%s\": %s could not be resolved (no query: %s)",
               l->g->conf->name, line_conf(l)->host, strerror(-err));
        schedule(l, after_failure());
    }
}

/* An address written as such (`server 10.0.0.1:80 resolve`): nothing to ask, the
 * config's address stays (the record was seeded with it). */
static int is_literal(const char *host)
{
    unsigned char buf[sizeof(struct in6_addr)];

    return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

/* The lines of u, resolved here from the next turn on. */
static void start_group(const struct pt_conf_upstream *u)
{
    struct pt_upstream_group *g = pt_upstream_group_of(u);

    if (g == NULL)
        return; /* logged */
    if (g->balancer->shared == NULL || g->balancer->dyn == NULL) {
        pt_log(PT_LOG_ALERT, "names of upstream \"%s\" not re-resolved: its zone is not "
               "available", u->name);
        return;
    }
    for (uint32_t k = 0; k < u->server_count; k++) {
        struct line *l;
        if (!u->servers[k].resolve || is_literal(u->servers[k].host))
            continue;
        l = &lines[line_count++];
        l->g = g;
        l->index = k;
        l->count = -1;
        l->timer.fire = on_timer;
        pt_timer_set(&pt_worker.reactor.timers, &l->timer, pt_now_ms);
    }
    pt_log(PT_LOG_NOTICE, "names of upstream \"%s\" are re-resolved here", u->name);
}

void pt_upstream_resolve_start(void)
{
    const struct pt_config *cfg = pt_worker.cfg;
    uint32_t workers = cfg->main.master_process && cfg->main.worker_processes
                           ? cfg->main.worker_processes : 1;
    uint32_t total = 0;

    if (lines != NULL)
        return;
    for (uint32_t i = 0; i < cfg->upstream_count; i++)
        total += pt_upstream_resolve_lines(cfg->upstreams[i]);
    if (total == 0 || resolver_conf()->addr_count == 0)
        return;
    lines = calloc(total, sizeof(*lines));
    if (lines == NULL) {
        pt_log(PT_LOG_CRIT, "out of memory starting the resolution of upstream names");
        return;
    }
    for (uint32_t i = 0; i < cfg->upstream_count; i++) {
        const struct pt_conf_upstream *u = cfg->upstreams[i];
        if (pt_upstream_resolve_lines(u) && u->zone && u->index % workers == pt_worker.slot)
            start_group(u);
    }
}

void pt_upstream_resolve_stop(void)
{
    for (uint32_t i = 0; i < line_count; i++) {
        pt_timer_cancel(&pt_worker.reactor.timers, &lines[i].timer);
        pt_resolver_cancel(lines[i].q);
        lines[i].q = NULL;
    }
    free(lines);
    lines = NULL;
    line_count = 0;
}
