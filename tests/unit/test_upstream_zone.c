/* tests/unit/test_upstream_zone.c - upstream state in a shared memory zone
 * (proxy/upstream_zone.h) on groups built by hand. Two struct pt_upstream on one group
 * play two workers: round-robin turns, least_conn's active counts and passive failures
 * are shared; health check results take a peer out of both and bring it back ramped by
 * slow_start; a second prepare (a reload) finds the same state by group and address; a
 * zone too small is refused; a group without a zone stays per worker. Time is passed
 * explicitly: nothing sleeps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/upstream.h"
#include "proxy/upstream_zone.h"
#include "tests/tap.h"

#define MAXP 600

static struct pt_conf_peer confs[MAXP];
static char texts[MAXP][32];
static struct pt_conf_upstream group;
static struct pt_conf_upstream *groups[1] = {&group};
static struct pt_config cfg;

/* n primaries 10.0.0.I:80 (weight 1, max_fails 1, fail_timeout 10s) in zone "app" 64k. */
static void make(uint32_t n, enum pt_balancer b, uint64_t zone_size)
{
    memset(confs, 0, sizeof(confs));
    memset(&group, 0, sizeof(group));
    for (uint32_t i = 0; i < n; i++) {
        snprintf(texts[i], sizeof(texts[i]), "10.0.%u.%u:80", i / 250, i % 250 + 1);
        confs[i].text = texts[i];
        confs[i].name = texts[i];
        confs[i].weight = 1;
        confs[i].max_fails = 1;
        confs[i].fail_timeout = 10000;
    }
    group.name = "app";
    group.peers = confs;
    group.peer_count = n;
    group.balancer = b;
    group.zone = "app";
    group.zone_size = zone_size;
    group.health_check = (struct pt_conf_health_check){
        .enabled = 1, .interval = 1000, .fails = 2, .passes = 2, .uri = "/"};
    cfg.upstreams = groups;
    cfg.upstream_count = 1;
}

static struct pt_upstream *worker(void)
{
    struct pt_upstream *up = pt_upstream_new(&group);

    if (!up) {
        printf("Bail out! pt_upstream_new failed\n");
        exit(1);
    }
    return up;
}

static int one(struct pt_upstream *up, uint64_t now)
{
    struct pt_upstream_tries t = {0};
    int i = pt_upstream_pick(up, NULL, 0, &t, now);

    if (i >= 0)
        pt_upstream_done(up, (uint32_t)i, 0, now);
    return i;
}

static void shared_balancing(void)
{
    char msg[256];
    struct pt_upstream_zones *zs;
    struct pt_upstream *w1, *w2;
    struct pt_upstream_tries t = {0};
    int a, b, c[2] = {0, 0};

    make(2, PT_BALANCE_ROUND_ROBIN, 65536);
    zs = pt_upstream_zones_prepare(&cfg, msg, sizeof(msg));
    TAP_INT(zs != NULL, 1, "the master prepares the zone");
    w1 = worker();
    w2 = worker();
    TAP_INT(w1->shared != NULL && w2->shared != NULL, 1, "both workers attach to it");
    a = one(w1, 0);
    b = one(w2, 0);
    TAP_INT(a != b, 1, "w1 then w2: round-robin's turns are shared (per worker: both a)");
    for (int k = 0; k < 10; k++)
        c[one(k % 3 ? w2 : w1, 0)]++;
    TAP_INT(c[0] * 100 + c[1], 505, "10 picks from both in any order: 5 and 5");

    pt_upstream_done(w1, 0, 1, 1000); /* w1 saw peer 0 fail (max_fails=1) */
    c[0] = c[1] = 0;
    for (int k = 0; k < 10; k++)
        c[one(w2, 2000)]++;
    TAP_INT(c[0], 0, "a failure seen by w1: w2 skips the peer");
    c[0] = 0;
    for (int k = 0; k < 10; k++)
        c[one(w2, 11001)] += 1;
    TAP_INT(c[0] > 0, 1, "after fail_timeout w2 probes it, and uses it again");
    pt_upstream_free(w1);
    pt_upstream_free(w2);
    pt_upstream_zones_release(zs);

    make(2, PT_BALANCE_LEAST_CONN, 65536);
    zs = pt_upstream_zones_prepare(&cfg, msg, sizeof(msg));
    w1 = worker();
    w2 = worker();
    a = pt_upstream_pick(w1, NULL, 0, &t, 0); /* in flight */
    TAP_INT(pt_upstream_pick(w2, NULL, 0, NULL, 0), !a,
            "least_conn: w2 sees w1's request in flight and picks the other");
    pt_upstream_free(w1);
    pt_upstream_free(w2);
    pt_upstream_zones_release(zs);
}

static void health(void)
{
    char msg[256];
    struct pt_upstream_zones *zs, *reload;
    struct pt_upstream *w1, *w2;
    uint32_t streak = 0;
    int c[2] = {0, 0};

    make(2, PT_BALANCE_ROUND_ROBIN, 65536);
    confs[1].weight = 10;
    confs[1].slow_start = 10000;
    zs = pt_upstream_zones_prepare(&cfg, msg, sizeof(msg));
    w1 = worker();
    w2 = worker();
    TAP_INT(pt_upstream_zone_health(w1, 1, 0, 100, &streak), PT_HEALTH_SAME,
            "one failed check of fails=2: no change");
    TAP_INT(streak, 1, "a streak of 1");
    TAP_INT(pt_upstream_zone_health(w1, 1, 1, 200, NULL), PT_HEALTH_SAME, "a pass resets it");
    pt_upstream_zone_health(w1, 1, 0, 300, NULL);
    TAP_INT(pt_upstream_zone_health(w1, 1, 0, 400, &streak), PT_HEALTH_DOWN,
            "two failed in a row: unhealthy");
    for (int k = 0; k < 20; k++)
        c[one(k % 2 ? w2 : w1, 500)]++;
    TAP_INT(c[1], 0, "neither worker picks it");

    /* A reload: the same zone, found again by group name and address. */
    reload = pt_upstream_zones_prepare(&cfg, msg, sizeof(msg));
    pt_upstream_zones_release(zs);
    zs = reload;
    pt_upstream_free(w2);
    w2 = worker();
    c[1] = 0;
    for (int k = 0; k < 10; k++)
        c[one(w2, 600)]++;
    TAP_INT(c[1], 0, "after a reload the new worker still skips it");
    group.health_check.enabled = 0;
    c[1] = 0;
    for (int k = 0; k < 10; k++)
        c[one(w2, 600)]++;
    TAP_INT(c[1] > 0, 1, "a config without health_check ignores the mark");
    group.health_check.enabled = 1;

    TAP_INT(pt_upstream_zone_health(w1, 1, 1, 1000, NULL), PT_HEALTH_SAME, "one pass of 2");
    TAP_INT(pt_upstream_zone_health(w1, 1, 1, 2000, &streak), PT_HEALTH_UP,
            "two passes: healthy again");
    c[0] = c[1] = 0;
    for (int k = 0; k < 20; k++)
        c[one(k % 2 ? w2 : w1, 2000)]++;
    TAP_INT(c[1] >= 1 && c[1] <= 12, 1, "slow_start: at first weight 1 of 10 (%d of 20)", c[1]);
    c[0] = c[1] = 0;
    for (int k = 0; k < 110; k++)
        c[one(k % 2 ? w2 : w1, 12001)]++;
    TAP_INT(c[1] >= 90, 1, "after slow_start its weight 10 of 11 (%d of 110)", c[1]);
    pt_upstream_free(w1);
    pt_upstream_free(w2);
    pt_upstream_zones_release(zs);
}

static void single_unhealthy(void)
{
    char msg[256];
    struct pt_upstream_zones *zs;
    struct pt_upstream *w;

    make(1, PT_BALANCE_ROUND_ROBIN, 65536);
    group.name = "solo";
    zs = pt_upstream_zones_prepare(&cfg, msg, sizeof(msg));
    w = worker();
    pt_upstream_zone_health(w, 0, 0, 100, NULL);
    pt_upstream_zone_health(w, 0, 0, 200, NULL);
    TAP_INT(one(w, 300), -1, "a lone peer that is unhealthy is not used (502)");
    pt_upstream_free(w);
    pt_upstream_zones_release(zs);
}

static void limits(void)
{
    char msg[256] = "";
    struct pt_upstream_zones *zs;
    struct pt_upstream *w;

    make(MAXP, PT_BALANCE_ROUND_ROBIN, 32768);
    group.name = "big";
    zs = pt_upstream_zones_prepare(&cfg, msg, sizeof(msg));
    TAP_INT(zs == NULL, 1, "%u peers do not fit in 32k: the load fails", MAXP);
    TAP_INT(strstr(msg, "too small") != NULL, 1, "saying so: %s", msg);

    make(2, PT_BALANCE_ROUND_ROBIN, 65536);
    group.zone = NULL;
    zs = pt_upstream_zones_prepare(&cfg, msg, sizeof(msg));
    w = worker();
    TAP_INT(zs != NULL && w->shared == NULL, 1, "no zone: per-worker state, no lock");
    pt_upstream_free(w);
    pt_upstream_zones_release(zs);
}

int main(void)
{
    shared_balancing();
    health();
    single_unhealthy();
    limits();
    return tap_done();
}
