/* tests/unit/test_upstream_resolved.c - the peers of `server NAME resolve` lines
 * (proxy/upstream_resolved.h) on a group built by hand, two struct pt_upstream playing two
 * workers on one zone: the config's addresses seed the record; a published change reaches
 * the other worker at its next pick, with the line's weight; an address that stays keeps
 * its state (a failure seen), a new one starts fresh; the same set again is no new
 * generation; a place a request holds keeps its index and address until the request is
 * done, and only then goes to another address; the places are bounded (a full worker
 * catches up when a request lets go); no address at all answers 502 (the static line's
 * peer still serves); a reload finds the latest addresses; an answer of 70 addresses
 * keeps 64; the consistent-hash ring follows. Time is passed explicitly. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "proxy/upstream.h"
#include "proxy/upstream_resolved.h"
#include "proxy/upstream_zone.h"
#include "tests/tap.h"

static struct pt_conf_peer confs[2];
static struct pt_conf_upstream_server servers[2];
static struct pt_conf_upstream group;
static struct pt_conf_upstream *groups[1] = {&group};
static struct pt_config cfg;

static void ipv4(struct pt_conf_peer *p, const char *ip, uint16_t port, const char *text)
{
    struct sockaddr_in *s = (struct sockaddr_in *)&p->addr;

    memset(&p->addr, 0, sizeof(p->addr));
    s->sin_family = AF_INET;
    s->sin_port = htons(port);
    inet_pton(AF_INET, ip, &s->sin_addr);
    p->addr_len = sizeof(*s);
    p->text = text;
}

/* Line 0: "10.0.0.1:80" (a static peer); line 1: "app.test:8080 resolve weight=2",
 * which resolved to 10.1.0.1 when the config loaded (with_seed) or to nothing. */
static void make(const char *name, int with_seed, enum pt_balancer b, int consistent)
{
    struct pt_conf_peer tmpl = {.weight = 1, .max_fails = 1, .fail_timeout = 10000};

    memset(confs, 0, sizeof(confs));
    memset(servers, 0, sizeof(servers));
    memset(&group, 0, sizeof(group));
    servers[0] = (struct pt_conf_upstream_server){.name = "10.0.0.1:80", .host = "10.0.0.1",
                                                  .port = 80};
    servers[0].params = tmpl;
    servers[0].params.name = servers[0].name;
    servers[1] = (struct pt_conf_upstream_server){.name = "app.test:8080", .host = "app.test",
                                                  .port = 8080, .resolve = 1};
    servers[1].params = tmpl;
    servers[1].params.weight = 2;
    servers[1].params.name = servers[1].name;
    servers[1].params.server = 1;
    confs[0] = servers[0].params;
    ipv4(&confs[0], "10.0.0.1", 80, "10.0.0.1:80");
    confs[1] = servers[1].params;
    ipv4(&confs[1], "10.1.0.1", 8080, "10.1.0.1:8080");
    group.name = name;
    group.peers = confs;
    group.peer_count = with_seed ? 2 : 1;
    group.servers = servers;
    group.server_count = 2;
    group.balancer = b;
    group.hash_consistent = (uint8_t)consistent;
    group.zone = "resolved";
    group.zone_size = 256 * 1024;
    cfg.upstreams = groups;
    cfg.upstream_count = 1;
}

static struct pt_upstream *worker(void)
{
    struct pt_upstream *up = pt_upstream_new(&group);

    if (!up || !up->shared) {
        printf("Bail out! pt_upstream_new failed or no zone\n");
        exit(1);
    }
    return up;
}

static struct pt_dns_addr v4(const char *ip)
{
    struct pt_dns_addr a = {.family = AF_INET};

    inet_pton(AF_INET, ip, a.addr);
    return a;
}

/* Publishes the addresses (dotted, NULL-terminated) for line 1 through w. */
static struct pt_upstream_published publish(struct pt_upstream *w, const char *const *ips)
{
    struct pt_dns_addr addrs[PT_UPSTREAM_RESOLVE_MAX + 8];
    struct pt_upstream_published pub;
    uint32_t n = 0;

    while (ips[n]) {
        addrs[n] = v4(ips[n]);
        n++;
    }
    if (pt_upstream_publish(w, 1, addrs, n, &pub) != 0)
        printf("# publish failed\n");
    return pub;
}

/* One whole request: the text of the peer picked, or "-" for none. */
static const char *one(struct pt_upstream *up, uint64_t now)
{
    struct pt_upstream_tries t = {0};
    int i = pt_upstream_pick(up, "k", 1, &t, now);

    if (i < 0)
        return "-";
    pt_upstream_done(up, (uint32_t)i, 0, now);
    return pt_upstream_peer_text(up, (uint32_t)i);
}

/* How many of n requests went to the peer with text. */
static int count_to(struct pt_upstream *up, const char *text, int n, uint64_t now)
{
    int c = 0;

    for (int k = 0; k < n; k++)
        c += strcmp(one(up, now), text) == 0;
    return c;
}

static void follow(void)
{
    char msg[256];
    struct pt_upstream_zones *zs;
    struct pt_upstream *w1, *w2;
    struct pt_upstream_published pub;
    struct pt_upstream_tries t = {0};
    int c1, c2, c3, held;

    make("follow", 1, PT_BALANCE_ROUND_ROBIN, 0);
    zs = pt_upstream_zones_prepare(&cfg, msg, sizeof(msg));
    TAP_INT(zs != NULL, 1, "the master prepares the zone with the line's record");
    w1 = worker();
    w2 = worker();
    TAP_INT(w1->dyn != NULL, 1, "a group with a resolve line has dynamic peers");
    TAP_INT(w1->peer_count, 2, "the static peer and the config's address");
    TAP_INT(pt_upstream_capacity(w1), 1 + PT_UPSTREAM_RESOLVE_PLACES, "bounded places");
    c1 = count_to(w1, "10.0.0.1:80", 30, 0);
    TAP_INT(c1, 10, "weights 1 and 2 (the line's): 10 of 30 to the static peer");

    pub = publish(w1, (const char *const[]){"10.1.0.1", "10.1.0.2", NULL});
    TAP_INT(pub.added * 10 + pub.removed, 10, "publishing one more: 1 added, 0 removed");
    TAP_INT(pub.generation, 2, "a new generation (the seed was 1)");
    c2 = count_to(w2, "10.1.0.2:8080", 50, 0);
    TAP_INT(w2->peer_count, 3, "the other worker follows at its next pick");
    TAP_INT(c2, 20, "the new address with the line's weight 2: 20 of 50");
    pub = publish(w1, (const char *const[]){"10.1.0.2", "10.1.0.1", "10.1.0.2", NULL});
    TAP_INT(pub.added + pub.removed, 0, "the same set again (any order, repeated): no change");
    TAP_INT(pub.generation, 2, "no new generation");

    /* w1 sees 10.1.0.1 fail (max_fails=1): shared, and kept across a change. */
    for (int k = 0; k < 5; k++) {
        int i = pt_upstream_pick(w1, NULL, 0, NULL, 100);
        if (i >= 0 && strcmp(pt_upstream_peer_text(w1, (uint32_t)i), "10.1.0.1:8080") == 0) {
            pt_upstream_done(w1, (uint32_t)i, 1, 100);
            break;
        }
        if (i >= 0)
            pt_upstream_done(w1, (uint32_t)i, 0, 100);
    }
    publish(w1, (const char *const[]){"10.1.0.1", "10.1.0.3", NULL});
    TAP_INT(count_to(w2, "10.1.0.1:8080", 20, 200), 0,
            "an address that stays keeps its state: still down in the other worker");
    TAP_INT(count_to(w2, "10.1.0.2:8080", 20, 200), 0, "the address removed gets nothing");
    c3 = count_to(w2, "10.1.0.3:8080", 30, 200);
    TAP_INT(c3, 20, "the new one starts fresh with weight 2: 20 of 30");
    TAP_INT(count_to(w2, "10.1.0.1:8080", 30, 11000) > 0, 1,
            "after fail_timeout the kept one is probed and used again");

    /* A request of w1 holds 10.1.0.3 while the name moves away from it. */
    held = -1;
    for (int k = 0; k < 6 && held < 0; k++) {
        int i = pt_upstream_pick(w1, NULL, 0, &t, 20000);
        if (i >= 0 && strcmp(pt_upstream_peer_text(w1, (uint32_t)i), "10.1.0.3:8080") == 0)
            held = i;
        else if (i >= 0)
            pt_upstream_done(w1, (uint32_t)i, 0, 20000);
    }
    TAP_INT(held >= 0, 1, "a request of w1 on 10.1.0.3");
    publish(w2, (const char *const[]){"10.1.0.4", NULL});
    publish(w2, (const char *const[]){"10.1.0.5", NULL});
    TAP_INT(count_to(w1, "10.1.0.5:8080", 30, 20000), 20, "w1 follows two changes at once");
    TAP_STR(pt_upstream_peer_text(w1, (uint32_t)held), "10.1.0.3:8080",
            "the held place still names its address");
    TAP_INT(count_to(w1, "10.1.0.3:8080", 30, 20000), 0, "and gets no new request");
    pt_upstream_done(w1, (uint32_t)held, 0, 20000);
    publish(w2, (const char *const[]){"10.1.0.6", NULL});
    TAP_INT(count_to(w1, "10.1.0.6:8080", 30, 20000), 20, "once done, its place may go on");
    TAP_INT(w1->peer_count <= 3, 1, "places are reused, not piled up (%u)", w1->peer_count);

    /* NXDOMAIN: no address; the static line's peer still serves. */
    pub = publish(w2, (const char *const[]){NULL});
    TAP_INT(pub.count, 0, "no address published");
    TAP_INT(count_to(w1, "10.0.0.1:80", 10, 20000), 10, "only the static peer serves");

    /* A reload: a new prepare of the same group finds the latest addresses. */
    publish(w2, (const char *const[]){"10.1.0.7", NULL});
    {
        struct pt_upstream_zones *again = pt_upstream_zones_prepare(&cfg, msg, sizeof(msg));
        struct pt_upstream *w3 = worker();
        TAP_INT(count_to(w3, "10.1.0.7:8080", 30, 20000), 20,
                "after a reload a new worker starts from the latest answer, not the config's");
        pt_upstream_free(w3);
        pt_upstream_zones_release(again);
    }
    pt_upstream_free(w1);
    pt_upstream_free(w2);
    pt_upstream_zones_release(zs);
}

static void only_resolved(void)
{
    char msg[256];
    struct pt_upstream_zones *zs;
    struct pt_upstream *w;
    const char *ips[PT_UPSTREAM_RESOLVE_MAX + 7];
    char texts[PT_UPSTREAM_RESOLVE_MAX + 6][24];
    struct pt_upstream_published pub;

    make("only", 0, PT_BALANCE_ROUND_ROBIN, 0);
    servers[0].resolve = 1; /* both lines resolve; neither resolved at load */
    servers[0].name = "other.test:80";
    group.peer_count = 0;
    zs = pt_upstream_zones_prepare(&cfg, msg, sizeof(msg));
    w = worker();
    TAP_INT(w->peer_count, 0, "no address at load: no peer");
    TAP_STR(one(w, 0), "-", "a pick finds none (502)");
    for (int i = 0; i < PT_UPSTREAM_RESOLVE_MAX + 6; i++) {
        snprintf(texts[i], sizeof(texts[i]), "10.2.%d.%d", i / 200, i % 200 + 1);
        ips[i] = texts[i];
    }
    ips[PT_UPSTREAM_RESOLVE_MAX + 6] = NULL;
    pub = publish(w, ips);
    TAP_INT(pub.count, PT_UPSTREAM_RESOLVE_MAX, "70 addresses: 64 kept");
    TAP_STR(one(w, 0), "10.2.0.1:8080", "the first serves");
    TAP_INT(w->peer_count, PT_UPSTREAM_RESOLVE_MAX, "64 peers");
    pt_upstream_free(w);
    pt_upstream_zones_release(zs);
}

static void bounded_places(void)
{
    char msg[256];
    struct pt_upstream_zones *zs;
    struct pt_upstream *w, *pub_w;
    const char *ips[PT_UPSTREAM_RESOLVE_MAX + 1];
    char texts[PT_UPSTREAM_RESOLVE_MAX][24];
    int picks[3][PT_UPSTREAM_RESOLVE_MAX];

    make("bounded", 0, PT_BALANCE_LEAST_CONN, 0); /* a held peer is busy: picks spread */
    group.peer_count = 1;
    zs = pt_upstream_zones_prepare(&cfg, msg, sizeof(msg));
    w = worker();
    pub_w = worker();
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < PT_UPSTREAM_RESOLVE_MAX; i++) {
            snprintf(texts[i], sizeof(texts[i]), "10.%d.0.%d", 3 + round, i + 1);
            ips[i] = texts[i];
        }
        ips[PT_UPSTREAM_RESOLVE_MAX] = NULL;
        publish(pub_w, ips);
        /* w's requests hold every address of this round (and the static peer's turns) */
        for (int i = 0; i < PT_UPSTREAM_RESOLVE_MAX; i++) {
            struct pt_upstream_tries t = {0};
            int k;
            do {
                k = pt_upstream_pick(w, NULL, 0, &t, 0);
                if (k == 0)
                    pt_upstream_done(w, 0, 0, 0);
            } while (k == 0 && t.count < 8);
            picks[round][i] = k;
        }
    }
    TAP_INT(w->peer_count, 1 + PT_UPSTREAM_RESOLVE_PLACES,
            "two rounds held: every place taken, no more");
    TAP_INT(picks[2][0], -1, "the third round's addresses found no place yet: none picked "
            "(the static peer then, in a real request)");
    for (int i = 0; i < PT_UPSTREAM_RESOLVE_MAX; i++) {
        pt_upstream_done(w, (uint32_t)picks[0][i], 0, 0);
        pt_upstream_done(w, (uint32_t)picks[1][i], 0, 0);
    }
    TAP_INT(count_to(w, "10.5.0.1:8080", 2 * 64 + 1, 0) > 0, 1,
            "once the requests are done, the next pick catches up with the third round");
    TAP_INT(w->peer_count <= 1 + PT_UPSTREAM_RESOLVE_PLACES, 1, "still bounded");
    pt_upstream_free(w);
    pt_upstream_free(pub_w);
    pt_upstream_zones_release(zs);
}

static void ring(void)
{
    char msg[256];
    struct pt_upstream_zones *zs;
    struct pt_upstream *w;
    int dyn = 0;

    make("ring", 0, PT_BALANCE_HASH, 1);
    servers[0].resolve = 1;
    servers[0].name = "other.test:80";
    group.peer_count = 0;
    zs = pt_upstream_zones_prepare(&cfg, msg, sizeof(msg));
    w = worker();
    publish(w, (const char *const[]){"10.8.0.1", "10.8.0.2", NULL});
    for (int k = 0; k < 20; k++) {
        char key[16];
        struct pt_upstream_tries t = {0};
        int i;
        snprintf(key, sizeof(key), "key%d", k);
        i = pt_upstream_pick(w, key, strlen(key), &t, 0);
        dyn += i >= 0 && strncmp(pt_upstream_peer_text(w, (uint32_t)i), "10.8.0.", 7) == 0;
        if (i >= 0)
            pt_upstream_done(w, (uint32_t)i, 0, 0);
    }
    TAP_INT(dyn, 20, "hash consistent: the ring follows the addresses");
    TAP_INT(w->ring != NULL, 1, "a ring was built");
    pt_upstream_free(w);
    pt_upstream_zones_release(zs);
}

int main(void)
{
    follow();
    only_resolved();
    bounded_places();
    ring();
    return tap_done();
}
