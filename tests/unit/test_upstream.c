/* tests/unit/test_upstream.c - upstream groups' run-time state (proxy/upstream.h) on
 * groups built by hand: nginx's smooth weighted round-robin sequence and exact counts,
 * passive health (max_fails within fail_timeout, the recovery probe, max_fails=0, a
 * lone peer), backups, least_conn, ip_hash and hash values as nginx computes them, the
 * consistent ring's stability, slow_start, and the tried set of one request. Time is
 * passed explicitly: nothing sleeps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/upstream.h"
#include "tests/tap.h"

#define MAXP 128

static struct pt_conf_peer confs[MAXP];
static char texts[MAXP][32];
static struct pt_conf_upstream group;

/* n primaries "10.0.0.I:80", weight 1, max_fails 1, fail_timeout 10s (the defaults). */
static void make(uint32_t n, enum pt_balancer b, const uint32_t *weights)
{
    memset(confs, 0, sizeof(confs));
    memset(&group, 0, sizeof(group));
    for (uint32_t i = 0; i < n; i++) {
        snprintf(texts[i], sizeof(texts[i]), "10.0.0.%u:80", i + 1);
        confs[i].text = texts[i];
        confs[i].name = texts[i];
        confs[i].weight = weights ? weights[i] : 1;
        confs[i].max_fails = 1;
        confs[i].fail_timeout = 10000;
    }
    group.name = "app";
    group.peers = confs;
    group.peer_count = n;
    group.balancer = b;
}

static struct pt_upstream *build(void)
{
    struct pt_upstream *up = pt_upstream_new(&group);

    if (!up) {
        printf("Bail out! pt_upstream_new failed\n");
        exit(1);
    }
    return up;
}

/* One request that succeeds at once: its peer. */
static int one(struct pt_upstream *up, const void *key, size_t len, uint64_t now)
{
    struct pt_upstream_tries t = {0};
    int i = pt_upstream_pick(up, key, len, &t, now);

    if (i >= 0)
        pt_upstream_done(up, (uint32_t)i, 0, now);
    return i;
}

static int one_str(struct pt_upstream *up, const char *key, uint64_t now)
{
    return one(up, key, strlen(key), now);
}

/* How often each peer serves n requests at time now. */
static void count(struct pt_upstream *up, int n, uint64_t now, int *counts, int width)
{
    memset(counts, 0, sizeof(*counts) * (size_t)width);
    for (int k = 0; k < n; k++) {
        int i = one(up, NULL, 0, now);

        if (i >= 0 && i < width)
            counts[i]++;
    }
}

static void rr_sequence(void)
{
    static const uint32_t w511[] = {5, 1, 1}, w321[] = {3, 2, 1};
    struct pt_upstream *up;
    char seq[15] = {0};
    int c[3];

    make(3, PT_BALANCE_ROUND_ROBIN, w511);
    up = build();
    for (int k = 0; k < 14; k++)
        seq[k] = (char)('a' + one(up, NULL, 0, 0));
    TAP_STR(seq, "aabacaaaabacaa", "weights 5,1,1: nginx's smooth sequence a a b a c a a");
    pt_upstream_free(up);

    make(3, PT_BALANCE_ROUND_ROBIN, w511);
    up = build();
    count(up, 10000, 0, c, 3);
    TAP_INT(c[0], 7143, "5,1,1 over 10,000 picks: a exactly 7143");
    TAP_INT(c[1], 1429, "b exactly 1429");
    TAP_INT(c[2], 1428, "c exactly 1428");
    pt_upstream_free(up);

    make(3, PT_BALANCE_ROUND_ROBIN, w321);
    up = build();
    count(up, 10000, 0, c, 3);
    TAP_INT(c[0], 5000, "3,2,1 over 10,000 picks: a exactly 5000");
    TAP_INT(c[1], 3333, "b exactly 3333");
    TAP_INT(c[2], 1667, "c exactly 1667");
    pt_upstream_free(up);
}

static void health(void)
{
    struct pt_upstream *up;
    int c[3], seen = 0, again = 0;
    struct pt_upstream_tries t = {0};

    make(3, PT_BALANCE_ROUND_ROBIN, NULL);
    for (int i = 0; i < 3; i++)
        confs[i].max_fails = 2;
    up = build();
    pt_upstream_done(up, 0, 1, 1000);
    count(up, 30, 1500, c, 3);
    TAP_INT(c[0], 10, "one failure of max_fails=2: still used");
    pt_upstream_done(up, 0, 1, 2000);
    count(up, 30, 2000, c, 3);
    TAP_INT(c[0], 0, "two failures within fail_timeout: skipped");
    count(up, 30, 12000, c, 3);
    TAP_INT(c[0], 0, "still skipped at the end of fail_timeout");
    pt_upstream_done(up, 0, 0, 5000);
    count(up, 30, 5000, c, 3);
    TAP_INT(c[0], 0, "a request in flight before that succeeds: still skipped");

    for (int k = 0; k < 3; k++) {
        int i = pt_upstream_pick(up, NULL, 0, &t, 12001);

        seen += i == 0;
    }
    TAP_INT(seen, 1, "after fail_timeout one request probes it");
    for (int k = 0; k < 30; k++) {
        struct pt_upstream_tries t2 = {0};
        int i = pt_upstream_pick(up, NULL, 0, &t2, 12002);

        again += i == 0;
        pt_upstream_done(up, (uint32_t)i, 0, 12002);
    }
    TAP_INT(again, 0, "while the probe is out, other requests keep away");
    pt_upstream_done(up, 0, 0, 12003);
    count(up, 30, 12003, c, 3);
    TAP_INT(c[0] > 0, 1, "the probe succeeded: used again");
    TAP_INT(up->peers[0].fails, 0, "and its failures are forgotten");

    /* A failed probe: down for another fail_timeout. */
    pt_upstream_done(up, 1, 1, 20000);
    pt_upstream_done(up, 1, 1, 20000);
    seen = 0;
    memset(&t, 0, sizeof(t));
    for (int k = 0; k < 3; k++)
        seen += pt_upstream_pick(up, NULL, 0, &t, 30001) == 1;
    TAP_INT(seen, 1, "peer b probed after its period");
    pt_upstream_done(up, 1, 1, 30001);
    count(up, 30, 40001, c, 3);
    TAP_INT(c[1], 0, "a failed probe: skipped for another fail_timeout");
    count(up, 30, 40002, c, 3);
    TAP_INT(c[1] > 0, 1, "and probed again after it");
    pt_upstream_free(up);

    /* Failures further apart than fail_timeout do not add up. */
    make(3, PT_BALANCE_ROUND_ROBIN, NULL);
    confs[0].max_fails = 2;
    up = build();
    pt_upstream_done(up, 0, 1, 0);
    pt_upstream_done(up, 0, 1, 10001);
    count(up, 30, 10002, c, 3);
    TAP_INT(c[0] > 0, 1, "two failures 10.001 s apart (fail_timeout 10 s): still used");
    pt_upstream_free(up);

    /* effective_weight drops by weight / max_fails and climbs back by one per pick. */
    {
        static const uint32_t w[] = {4, 4, 4};

        make(3, PT_BALANCE_ROUND_ROBIN, w);
        confs[0].max_fails = 2;
        up = build();
        pt_upstream_done(up, 0, 1, 0);
        TAP_INT(up->peers[0].effective_weight, 2, "a failure: effective weight 4 - 4/2");
        one(up, NULL, 0, 1);
        TAP_INT(up->peers[0].effective_weight, 3, "one pick later: 3");
        pt_upstream_free(up);
    }

    /* max_fails=0 never marks down. */
    make(3, PT_BALANCE_ROUND_ROBIN, NULL);
    confs[0].max_fails = 0;
    up = build();
    for (int k = 0; k < 100; k++)
        pt_upstream_done(up, 0, 1, 100);
    count(up, 30, 100, c, 3);
    TAP_INT(c[0], 10, "max_fails=0: a hundred failures change nothing");
    pt_upstream_free(up);

    /* A group of one peer ignores max_fails (nginx); its only try is its only try. */
    make(1, PT_BALANCE_ROUND_ROBIN, NULL);
    up = build();
    pt_upstream_done(up, 0, 1, 100);
    TAP_INT(one(up, NULL, 0, 101), 0, "a lone peer is never considered unavailable");
    memset(&t, 0, sizeof(t));
    TAP_INT(pt_upstream_pick(up, NULL, 0, &t, 101), 0, "a lone peer: first try");
    TAP_INT(pt_upstream_pick(up, NULL, 0, &t, 101), -1, "no second try on it");
    confs[0].down = 1;
    TAP_INT(one(up, NULL, 0, 101), -1, "a lone `down` peer: none");
    pt_upstream_free(up);
}

static void backups(void)
{
    struct pt_upstream *up;
    struct pt_upstream_tries t = {0};
    int c[4], seq[3];

    make(4, PT_BALANCE_ROUND_ROBIN, NULL);
    confs[2].backup = 1;
    confs[3].backup = 1;
    up = build();
    count(up, 100, 0, c, 4);
    TAP_INT(c[2] + c[3], 0, "backups unused while a primary is usable");
    TAP_INT(c[0] * 1000 + c[1], 50 * 1000 + 50, "primaries share");
    for (int k = 0; k < 3; k++)
        seq[k] = pt_upstream_pick(up, NULL, 0, &t, 0);
    TAP_INT(seq[2] >= 2, 1, "one request that tried both primaries goes to a backup");
    pt_upstream_done(up, 0, 1, 10);
    count(up, 20, 10, c, 4);
    TAP_INT(c[1], 20, "one primary down: the other primary, no backup");
    pt_upstream_done(up, 1, 1, 10);
    count(up, 20, 10, c, 4);
    TAP_INT(c[0] + c[1], 0, "both primaries down: backups");
    TAP_INT(c[2] * 1000 + c[3], 10 * 1000 + 10, "backups take turns by their own weights");
    confs[2].down = 1;
    confs[3].down = 1;
    TAP_INT(one(up, NULL, 0, 10), -1, "every peer down: -1");
    confs[2].down = 0;
    pt_upstream_done(up, 2, 1, 10);
    TAP_INT(one(up, NULL, 0, 10), -1, "down or failed, all of them: -1");
    count(up, 20, 10011, c, 4);
    TAP_INT(c[0] > 0 && c[1] > 0, 1, "after fail_timeout the primaries return");
    pt_upstream_free(up);

    make(3, PT_BALANCE_ROUND_ROBIN, NULL);
    for (int i = 0; i < 3; i++)
        confs[i].down = 1;
    up = build();
    TAP_INT(one(up, NULL, 0, 0), -1, "all `down`: -1");
    pt_upstream_free(up);
}

static void least_conn(void)
{
    static const uint32_t w21[] = {2, 1};
    struct pt_upstream *up;
    int got[3] = {0}, a = 0, first[3];

    make(3, PT_BALANCE_LEAST_CONN, NULL);
    up = build();
    for (int k = 0; k < 3; k++)
        first[k] = pt_upstream_pick(up, NULL, 0, NULL, 0);
    TAP_INT(first[0] * 100 + first[1] * 10 + first[2], 12, "all idle: a, b, c in turn");
    for (int k = 0; k < 27; k++)
        got[pt_upstream_pick(up, NULL, 0, NULL, 0)]++;
    TAP_INT(up->peers[0].active * 10000 + up->peers[1].active * 100 + up->peers[2].active,
            101010, "30 requests in flight: 10 each");
    for (int k = 0; k < 10; k++) {
        pt_upstream_done(up, 1, 0, 0);
        pt_upstream_done(up, 2, 0, 0);
    }
    memset(got, 0, sizeof(got));
    for (int k = 0; k < 20; k++) {
        int i = pt_upstream_pick(up, NULL, 0, NULL, 0);

        a += i == 0;
        got[i]++;
    }
    TAP_INT(a, 0, "a holding 10 active requests: the next 20 go to the others");
    TAP_INT(got[1] * 100 + got[2], 1010, "b and c take turns");
    TAP_INT(one(up, NULL, 0, 0) >= 0, 1, "all equal again: someone");
    pt_upstream_free(up);

    make(2, PT_BALANCE_LEAST_CONN, w21);
    up = build();
    memset(got, 0, sizeof(got));
    for (int k = 0; k < 30; k++)
        got[pt_upstream_pick(up, NULL, 0, NULL, 0)]++;
    TAP_INT(got[0] * 100 + got[1], 2010, "weights 2,1: active requests in proportion");
    pt_upstream_free(up);
}

static int ip4(struct pt_upstream *up, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    uint8_t addr[4] = {a, b, c, d};

    return one(up, addr, 4, 0);
}

static void ip_hash(void)
{
    struct pt_upstream *up;
    int same = 1, stable = 1, spread[3] = {0}, moved = 0, kept = 1;
    int first[20];
    uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8};

    make(3, PT_BALANCE_IP_HASH, NULL);
    up = build();
    TAP_INT(ip4(up, 127, 0, 0, 1), 2, "nginx's hash: 127.0.0.1 goes to the third of three");
    for (int d = 0; d < 256; d++)
        same &= ip4(up, 192, 168, 7, (uint8_t)d) == ip4(up, 192, 168, 7, 1);
    TAP_INT(same, 1, "a whole /24 goes to one peer");
    for (int k = 0; k < 20; k++) {
        first[k] = ip4(up, 10, (uint8_t)(k * 7), (uint8_t)k, 1);
        spread[first[k]]++;
    }
    for (int k = 0; k < 20; k++)
        stable &= ip4(up, 10, (uint8_t)(k * 7), (uint8_t)k, 200) == first[k];
    TAP_INT(spread[0] > 0 && spread[1] > 0 && spread[2] > 0, 1,
            "20 networks spread over all three (%d %d %d)", spread[0], spread[1], spread[2]);
    TAP_INT(stable, 1, "and each stays where it was");
    v6[15] = 1;
    {
        int p = one(up, v6, 16, 0), q;

        v6[15] = 2;
        q = one(up, v6, 16, 0);
        TAP_INT(p >= 0 && q >= 0 && one(up, v6, 16, 0) == q, 1, "IPv6: all 16 bytes, stable");
    }
    /* The peer of 127.0.0.1 fails: its clients rehash, the others stay. */
    pt_upstream_done(up, 2, 1, 0);
    moved = ip4(up, 127, 0, 0, 1);
    TAP_INT(moved != 2 && moved >= 0, 1, "its peer down: 127.0.0.1 rehashes elsewhere");
    for (int k = 0; k < 20; k++)
        if (first[k] != 2)
            kept &= ip4(up, 10, (uint8_t)(k * 7), (uint8_t)k, 1) == first[k];
    TAP_INT(kept, 1, "clients of the other peers do not move");
    pt_upstream_free(up);
}

static void hash(void)
{
    struct pt_upstream *up;
    struct pt_upstream_tries t = {0};
    int stable = 1, a, b, c;

    make(3, PT_BALANCE_HASH, NULL);
    up = build();
    TAP_INT(one_str(up, "a", 0), 2, "nginx's hash: (crc32(\"a\") >> 16 & 0x7fff) %% 3 = 2");
    for (int k = 0; k < 100; k++) {
        char key[16];

        snprintf(key, sizeof(key), "/u/%d", k);
        stable &= one_str(up, key, 0) == one_str(up, key, 0);
    }
    TAP_INT(stable, 1, "a key keeps its peer");
    a = pt_upstream_pick(up, "a", 1, &t, 0);
    b = pt_upstream_pick(up, "a", 1, &t, 0);
    c = pt_upstream_pick(up, "a", 1, &t, 0);
    TAP_INT(a != b && b != c && a != c && pt_upstream_pick(up, "a", 1, &t, 0) == -1, 1,
            "retries of one key: the other peers, then none");
    pt_upstream_free(up);
}

#define KEYS 10000

static void key_of(int k, char *buf, size_t n)
{
    snprintf(buf, n, "/item/%d?session=%d", k, k * 7919);
}

static void consistent(void)
{
    static const char *owner[KEYS]; /* the name of each key's peer with all 5 */
    struct pt_upstream *up;
    int per[5] = {0}, moved = 0, strays = 0, balanced = 1;
    char key[64];

    make(5, PT_BALANCE_HASH, NULL);
    group.hash_consistent = 1;
    up = build();
    for (int k = 0; k < KEYS; k++) {
        int i;

        key_of(k, key, sizeof(key));
        i = one_str(up, key, 0);
        owner[k] = i >= 0 ? confs[i].text : NULL;
        per[i >= 0 ? i : 0]++;
    }
    for (int i = 0; i < 5; i++)
        balanced &= per[i] > KEYS / 5 * 7 / 10 && per[i] < KEYS / 5 * 13 / 10;
    TAP_INT(balanced, 1, "5 peers, 160 points each: %d %d %d %d %d of 10,000 keys", per[0],
            per[1], per[2], per[3], per[4]);
    /* The same peer marked failed: only its keys move. */
    pt_upstream_done(up, 2, 1, 0);
    for (int k = 0; k < KEYS; k++) {
        int i;

        key_of(k, key, sizeof(key));
        i = one_str(up, key, 1);
        if (i < 0 || confs[i].text != owner[k])
            strays += owner[k] != confs[2].text;
    }
    TAP_INT(strays, 0, "one peer down: keys of the others stay");
    pt_upstream_free(up);

    /* 10.0.0.3 removed from the group. */
    make(5, PT_BALANCE_HASH, NULL);
    group.hash_consistent = 1;
    confs[2] = confs[3];
    confs[3] = confs[4];
    group.peer_count = 4;
    up = build();
    strays = 0;
    for (int k = 0; k < KEYS; k++) {
        int i;

        key_of(k, key, sizeof(key));
        i = one_str(up, key, 0);
        if (i < 0 || strcmp(confs[i].text, owner[k]) != 0) {
            moved++;
            strays += strcmp(owner[k], "10.0.0.3:80") != 0;
        }
    }
    TAP_INT(moved <= KEYS / 5 + KEYS / 20, 1, "one of 5 removed: %d of 10,000 keys move "
            "(at most 1/5 + 5%%)", moved);
    TAP_INT(moved, per[2], "exactly the removed peer's keys");
    TAP_INT(strays, 0, "keys whose peer stayed do not move");
    pt_upstream_free(up);
}

static void slow_start(void)
{
    static const uint32_t w[] = {10, 10};
    struct pt_upstream *up;
    struct pt_upstream_tries t = {0};
    int c[2], probe;

    make(2, PT_BALANCE_ROUND_ROBIN, w);
    confs[0].slow_start = 10000;
    up = build();
    pt_upstream_done(up, 0, 1, 1000);
    probe = pt_upstream_pick(up, NULL, 0, &t, 11001);
    if (probe != 0)
        probe = pt_upstream_pick(up, NULL, 0, &t, 11001);
    TAP_INT(probe, 0, "slow_start peer probed after fail_timeout");
    pt_upstream_done(up, 0, 0, 11001);
    pt_upstream_done(up, 1, 0, 11001);
    count(up, 1100, 11001, c, 2);
    TAP_INT(c[0] <= 110, 1, "just back: weight 1 of 10 (%d of 1100)", c[0]);
    count(up, 1000, 16001, c, 2);
    TAP_INT(c[0] > 300 && c[0] < 400, 1, "half way: weight 5 of 10 (%d of 1000)", c[0]);
    count(up, 20, 21001, c, 2); /* effective weight climbs the last steps, one a pick */
    count(up, 1000, 21001, c, 2);
    TAP_INT(c[0], 500, "after slow_start: its full weight");
    pt_upstream_free(up);
}

static void tries(void)
{
    static const enum pt_balancer kinds[] = {PT_BALANCE_ROUND_ROBIN, PT_BALANCE_LEAST_CONN,
                                             PT_BALANCE_IP_HASH, PT_BALANCE_HASH,
                                             PT_BALANCE_HASH};
    static const char *names[] = {"round-robin", "least_conn", "ip_hash", "hash",
                                  "hash consistent"};
    uint8_t addr[4] = {10, 1, 2, 3};

    for (int b = 0; b < 5; b++) {
        struct pt_upstream *up;
        struct pt_upstream_tries t = {0};
        int seen[5] = {0}, distinct = 1, active = 0;

        make(5, kinds[b], NULL);
        group.hash_consistent = b == 4;
        up = build();
        for (int k = 0; k < 5; k++) {
            int i = pt_upstream_pick(up, addr, sizeof(addr), &t, 0);

            distinct &= i >= 0 && !seen[i];
            if (i >= 0)
                seen[i] = 1;
        }
        TAP_INT(distinct, 1, "%s: five tries of one request, five peers", names[b]);
        TAP_INT(pt_upstream_pick(up, addr, sizeof(addr), &t, 0), -1,
                "%s: a sixth finds none", names[b]);
        for (uint32_t i = 0; i < 5; i++)
            active += (int)up->peers[i].active;
        TAP_INT(active, 5, "%s: five active", names[b]);
        for (uint32_t i = 0; i < 5; i++)
            pt_upstream_done(up, i, 0, 0);
        active = 0;
        for (uint32_t i = 0; i < 5; i++)
            active += (int)up->peers[i].active;
        TAP_INT(active, 0, "%s: done() ends each one", names[b]);
        pt_upstream_done(up, 0, 0, 0);
        TAP_INT(up->peers[0].active, 0, "%s: a stray done() does not wrap", names[b]);
        pt_upstream_free(up);
    }

    {
        struct pt_upstream *up;
        struct pt_upstream_tries t = {0};
        int ok = 1;

        make(MAXP, PT_BALANCE_ROUND_ROBIN, NULL);
        up = build();
        for (int k = 0; k < PT_UPSTREAM_MAX_TRIES; k++)
            ok &= pt_upstream_pick(up, NULL, 0, &t, 0) >= 0;
        TAP_INT(ok, 1, "%d tries of one request", PT_UPSTREAM_MAX_TRIES);
        TAP_INT(pt_upstream_pick(up, NULL, 0, &t, 0), -1, "and no more");
        pt_upstream_free(up);
    }
    pt_upstream_free(NULL);
    TAP_INT(pt_upstream_pick(NULL, NULL, 0, NULL, 0), -1, "no group: -1");
}

int main(void)
{
    rr_sequence();
    health();
    backups();
    least_conn();
    ip_hash();
    hash();
    consistent();
    slow_start();
    tries();
    return tap_done();
}
