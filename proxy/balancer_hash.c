/* proxy/balancer_hash.c - the balancers that map a request to a peer by a key:
 * ip_hash (the client's /24, or its whole IPv6 address), hash KEY and hash KEY
 * consistent, each as nginx computes it so that a group moved over from nginx sends
 * the same clients and keys to the same servers.
 *
 * All three look at the primaries only (nginx allows no `backup` with them) and, after
 * PT_UPSTREAM_HASH_TRIES unusable or already tried candidates, fall back to smooth
 * round-robin, as nginx does. nginx keeps the walk's position in the request between
 * tries; these functions start it over from the key each time, which reaches the same
 * candidate because the ones before it are tried (or still unusable).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proxy/upstream_balancer.h"

/* ---- CRC-32 ---------------------------------------------------------------------- */

static uint32_t crc_table[256];

static void crc_table_init(void)
{
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;

        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[n] = c;
    }
}

/* Feeds n bytes to a running CRC (start 0xffffffff, finish with ~). */
static uint32_t crc_update(uint32_t crc, const void *data, size_t n)
{
    const uint8_t *b = data;

    if (crc_table[1] == 0) /* a worker has no threads: a lazy table is safe */
        crc_table_init();
    for (size_t i = 0; i < n; i++)
        crc = crc_table[(crc ^ b[i]) & 0xff] ^ (crc >> 8);
    return crc;
}

uint32_t pt_balancer_crc32(const void *data, size_t n)
{
    return ~crc_update(0xffffffffu, data, n);
}

/* ---- walking the weights ------------------------------------------------------------ */

static uint64_t primary_weight(const struct pt_upstream *up)
{
    uint64_t total = 0;

    for (uint32_t i = 0; i < up->peer_count; i++)
        if (!up->peers[i].conf->backup)
            total += pt_upstream_weight(&up->peers[i]);
    return total;
}

/* The primary that w (< the primaries' total weight) falls on, every peer owning as many
 * consecutive values as its weight, `down` ones included (nginx: the mapping does not
 * change when a server is marked down). */
static uint32_t weight_walk(const struct pt_upstream *up, uint64_t w)
{
    uint32_t i;

    for (i = 0; i < up->peer_count; i++) {
        uint32_t pw;

        if (up->peers[i].conf->backup)
            continue;
        pw = pt_upstream_weight(&up->peers[i]);
        if (w < pw)
            break;
        w -= pw;
    }
    return i;
}

static int candidate_ok(const struct pt_upstream *up, uint32_t i,
                        const struct pt_upstream_tries *t, uint64_t now_ms)
{
    return i < up->peer_count && !pt_upstream_tried(t, i) &&
           pt_upstream_usable(&up->peers[i], now_ms);
}

/* ---- ip_hash ------------------------------------------------------------------------ */

int pt_balancer_ip_hash(struct pt_upstream *up, const void *addr, size_t len,
                        const struct pt_upstream_tries *t, uint64_t now_ms)
{
    static const uint8_t pseudo[3];
    const uint8_t *b = addr && (len == 4 || len == 16) ? addr : pseudo;
    size_t n = addr && len == 16 ? 16 : 3;
    uint64_t total = primary_weight(up);
    uint32_t hash = 89;

    if (total == 0)
        return pt_upstream_pick_rr(up, t, now_ms);
    for (int tries = 0; tries <= PT_UPSTREAM_HASH_TRIES; tries++) {
        uint32_t i;

        for (size_t k = 0; k < n; k++)
            hash = (hash * 113 + b[k]) % 6271;
        i = weight_walk(up, hash % total);
        if (candidate_ok(up, i, t, now_ms))
            return (int)i;
    }
    return pt_upstream_pick_rr(up, t, now_ms);
}

/* ---- hash KEY ----------------------------------------------------------------------- */

int pt_balancer_hash(struct pt_upstream *up, const void *key, size_t len,
                     const struct pt_upstream_tries *t, uint64_t now_ms)
{
    uint64_t total = primary_weight(up);
    uint32_t acc = 0;

    if (total == 0)
        return pt_upstream_pick_rr(up, t, now_ms);
    /* Cache::Memcached's: acc += (crc32([REHASH] KEY) >> 16) & 0x7fff, REHASH being
     * the attempt's number in decimal, left out on the first. */
    for (int rehash = 0; rehash <= PT_UPSTREAM_HASH_TRIES; rehash++) {
        uint32_t crc = 0xffffffffu, i;

        if (rehash > 0) {
            char num[16];
            int k = snprintf(num, sizeof(num), "%d", rehash);

            crc = crc_update(crc, num, (size_t)k);
        }
        crc = ~crc_update(crc, key, key ? len : 0);
        acc += (crc >> 16) & 0x7fff;
        i = weight_walk(up, acc % total);
        if (candidate_ok(up, i, t, now_ms))
            return (int)i;
    }
    return pt_upstream_pick_rr(up, t, now_ms);
}

/* ---- hash KEY consistent ------------------------------------------------------------- */

struct ring_point {
    uint32_t hash;
    uint32_t group; /* the peers sharing a server line name: the first one's index */
};

struct ring {
    uint32_t *group;   /* per peer: its group (UINT32_MAX for backups) */
    uint32_t count;    /* points, sorted by hash, no two equal */
    struct ring_point points[];
};

static const char *peer_name(const struct pt_conf_peer *c)
{
    return c->name ? c->name : c->text ? c->text : "";
}

/* The CRC state after nginx's "HOST \0 PORT" for a server line's name (Cache::Memcached
 * ::Fast's point base): "unix:PATH" is all host; otherwise a trailing ":DIGITS" is the
 * port, and a name without one has an empty port. */
static uint32_t point_base(const char *name)
{
    size_t len = strlen(name), host_len = len, j;
    const char *port = "";
    uint32_t crc = 0xffffffffu;

    if (len >= 5 && strncasecmp(name, "unix:", 5) == 0) {
        name += 5;
        host_len = len - 5;
    } else {
        for (j = 0; j < len; j++) {
            char c = name[len - j - 1];

            if (c == ':') {
                host_len = len - j - 1;
                port = name + len - j;
                break;
            }
            if (c < '0' || c > '9')
                break;
        }
    }
    crc = crc_update(crc, name, host_len);
    crc = crc_update(crc, "", 1);
    return crc_update(crc, port, strlen(port));
}

static int point_cmp(const void *a, const void *b)
{
    const struct ring_point *x = a, *y = b;

    if (x->hash != y->hash)
        return x->hash < y->hash ? -1 : 1;
    return x->group < y->group ? -1 : x->group > y->group;
}

/* Each peer's group: peers of one name (a name that resolved to several addresses) share
 * their points and take turns by smooth weights, as nginx. */
static void ring_groups(const struct pt_upstream *up, uint32_t *group)
{
    for (uint32_t i = 0; i < up->peer_count; i++) {
        const struct pt_conf_peer *c = up->peers[i].conf;

        group[i] = UINT32_MAX;
        if (c->backup)
            continue;
        group[i] = i;
        for (uint32_t j = 0; j < i; j++) {
            const struct pt_conf_peer *o = up->peers[j].conf;
            if (!o->backup && strcmp(peer_name(c), peer_name(o)) == 0) {
                group[i] = group[j];
                break;
            }
        }
    }
}

/* 160 points per unit of weight: crc32(HOST \0 PORT PREV), PREV being the previous
 * point's hash as 4 little-endian bytes (0 for the first). */
static uint32_t ring_fill(const struct pt_upstream *up, struct ring *r)
{
    uint32_t n = 0;

    for (uint32_t i = 0; i < up->peer_count; i++) {
        const struct pt_conf_peer *c = up->peers[i].conf;
        uint32_t base, prev = 0, npoints = 160 * (c->weight ? c->weight : 1);

        if (c->backup)
            continue;
        base = point_base(peer_name(c));
        for (uint32_t k = 0; k < npoints; k++) {
            uint8_t le[4] = {(uint8_t)prev, (uint8_t)(prev >> 8), (uint8_t)(prev >> 16),
                             (uint8_t)(prev >> 24)};

            prev = ~crc_update(base, le, 4);
            r->points[n].hash = prev;
            r->points[n].group = r->group[i];
            n++;
        }
    }
    return n;
}

void *pt_balancer_ring_new(const struct pt_upstream *up)
{
    uint64_t npoints = 0;
    struct ring *r;
    uint32_t n, kept = 0;

    for (uint32_t i = 0; i < up->peer_count; i++) {
        const struct pt_conf_peer *c = up->peers[i].conf;
        if (!c->backup)
            npoints += 160 * (uint64_t)(c->weight ? c->weight : 1);
    }
    if (npoints > UINT32_MAX / 2)
        return NULL;
    r = calloc(1, sizeof(*r) + npoints * sizeof(r->points[0]));
    if (!r)
        return NULL;
    r->group = calloc(up->peer_count ? up->peer_count : 1, sizeof(*r->group));
    if (!r->group) {
        free(r);
        return NULL;
    }
    ring_groups(up, r->group);
    n = ring_fill(up, r);
    qsort(r->points, n, sizeof(r->points[0]), point_cmp);
    for (uint32_t j = 0; j < n; j++)
        if (kept == 0 || r->points[j].hash != r->points[kept - 1].hash)
            r->points[kept++] = r->points[j];
    r->count = kept;
    return r;
}

void pt_balancer_ring_free(void *ring)
{
    struct ring *r = ring;

    if (!r)
        return;
    free(r->group);
    free(r);
}

/* The first point whose hash is >= hash; r->count when past the last (wraps to 0). */
static uint32_t ring_find(const struct ring *r, uint32_t hash)
{
    uint32_t lo = 0, hi = r->count;

    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;

        if (r->points[mid].hash < hash)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int in_group(const struct pt_upstream *up, uint32_t i, const void *arg)
{
    const struct ring *r = up->ring;

    return r->group[i] == *(const uint32_t *)arg;
}

int pt_balancer_chash(struct pt_upstream *up, const void *key, size_t len,
                      const struct pt_upstream_tries *t, uint64_t now_ms)
{
    const struct ring *r = up->ring;
    uint32_t at;

    if (!r || r->count == 0)
        return pt_upstream_pick_rr(up, t, now_ms);
    at = ring_find(r, pt_balancer_crc32(key, key ? len : 0));
    for (uint32_t tries = 0; tries <= PT_UPSTREAM_HASH_TRIES; tries++) {
        uint32_t group = r->points[(at + tries) % r->count].group;
        int i = pt_upstream_smooth(up, t, now_ms, 0, in_group, &group);

        if (i >= 0)
            return i;
    }
    return pt_upstream_pick_rr(up, t, now_ms);
}
