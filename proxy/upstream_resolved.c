/* proxy/upstream_resolved.c - resolve lines' records and a worker's dynamic places
 * (upstream_resolved.h). */
#include "proxy/upstream_resolved.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/log.h"
#include "proxy/upstream_balancer.h"

#define TEXT_MAX 64 /* "[ffff:...:ffff]:65535" */
#define KEY_MAX 512
#define UNSEEN UINT64_MAX

/* ---- in the zone (no pointers: every generation's workers read it) ---- */

struct slot {
    uint8_t used;
    uint8_t family;    /* AF_INET or AF_INET6 */
    uint8_t addr[16];
    struct pt_upstream_zone_peer state;
};

struct record {
    uint64_t generation; /* bumped at every change of the addresses; 0: none ever */
    uint32_t count;      /* slots used */
    struct slot slots[PT_UPSTREAM_RESOLVE_MAX];
};

/* ---- a worker's ---- */

struct dyn_line {
    const struct pt_conf_upstream_server *conf;
    uint32_t line;       /* its index in conf->servers */
    uint64_t seen;       /* the record's generation the places show; UNSEEN: none yet */
    struct record *rec;  /* NULL: no zone (the config's addresses stay) */
};

struct dyn_place {
    struct pt_conf_peer conf; /* the line's parameters with this address; down when gone */
    char text[TEXT_MAX];
    uint32_t line;            /* index in dyn->lines */
    int32_t slot;             /* its slot in the record; -1: none (not matched yet, gone) */
    uint8_t gone;
};

struct pt_upstream_dynamic {
    uint32_t first;           /* up->peers[first + k] is places[k] */
    uint32_t cap;
    uint32_t line_count;
    struct dyn_line *lines;
    struct dyn_place *places;
    struct pt_upstream_zone_peer dummy;
};

uint32_t pt_upstream_resolve_lines(const struct pt_conf_upstream *u)
{
    uint32_t n = 0;

    for (uint32_t i = 0; i < u->server_count; i++)
        n += u->servers[i].resolve != 0;
    return n;
}

int pt_upstream_resolved_peer(const struct pt_conf_upstream *u, uint32_t i)
{
    uint32_t line = u->peers[i].server;

    return line < u->server_count && u->servers[line].resolve;
}

uint32_t pt_upstream_capacity(const struct pt_upstream *up)
{
    return up->dyn ? up->dyn->first + up->dyn->cap : up->peer_count;
}

struct pt_upstream_zone_peer *pt_upstream_dynamic_dummy(struct pt_upstream *up)
{
    return &up->dyn->dummy;
}

/* ---- addresses ---- */

static void place_address(struct dyn_place *p, uint8_t family, const uint8_t *addr,
                          uint16_t port)
{
    char host[INET6_ADDRSTRLEN];

    memset(&p->conf.addr, 0, sizeof(p->conf.addr));
    if (family == AF_INET6) {
        struct sockaddr_in6 *s = (struct sockaddr_in6 *)&p->conf.addr;
        s->sin6_family = AF_INET6;
        s->sin6_port = htons(port);
        memcpy(&s->sin6_addr, addr, 16);
        p->conf.addr_len = sizeof(*s);
        inet_ntop(AF_INET6, addr, host, sizeof(host));
        snprintf(p->text, sizeof(p->text), "[%s]:%u", host, port);
    } else {
        struct sockaddr_in *s = (struct sockaddr_in *)&p->conf.addr;
        s->sin_family = AF_INET;
        s->sin_port = htons(port);
        memcpy(&s->sin_addr, addr, 4);
        p->conf.addr_len = sizeof(*s);
        inet_ntop(AF_INET, addr, host, sizeof(host));
        snprintf(p->text, sizeof(p->text), "%s:%u", host, port);
    }
    p->conf.text = p->text;
}

/* The family and address bytes of a sockaddr (16 bytes written, the unused ones 0). */
static uint8_t sockaddr_bytes(const struct sockaddr_storage *ss, uint8_t *addr)
{
    memset(addr, 0, 16);
    if (ss->ss_family == AF_INET6) {
        memcpy(addr, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
        return AF_INET6;
    }
    memcpy(addr, &((const struct sockaddr_in *)ss)->sin_addr, 4);
    return AF_INET;
}

static int same_address(uint8_t fa, const uint8_t *a, uint8_t fb, const uint8_t *b)
{
    return fa == fb && memcmp(a, b, fa == AF_INET6 ? 16 : 4) == 0;
}

/* ---- building a worker's peers ---- */

static int add_line(struct pt_upstream_dynamic *d, const struct pt_conf_upstream *u, uint32_t l)
{
    struct dyn_line *dl = &d->lines[d->line_count];

    dl->conf = &u->servers[l];
    dl->line = l;
    dl->seen = UNSEEN;
    return (int)d->line_count++;
}

static int line_of(const struct pt_upstream_dynamic *d, uint32_t line)
{
    for (uint32_t r = 0; r < d->line_count; r++) {
        if (d->lines[r].line == line)
            return (int)r;
    }
    return -1;
}

/* Place k (free) becomes a live peer of line r at the given address. */
static void fill_place(struct pt_upstream *up, uint32_t k, uint32_t r, uint8_t family,
                       const uint8_t *addr)
{
    struct pt_upstream_dynamic *d = up->dyn;
    struct dyn_place *p = &d->places[k];
    const struct pt_conf_upstream_server *s = d->lines[r].conf;
    struct pt_upstream_peer *peer = &up->peers[d->first + k];

    p->conf = s->params;
    place_address(p, family, addr, s->port);
    p->line = r;
    p->slot = -1;
    p->gone = 0;
    memset(peer, 0, sizeof(*peer));
    peer->conf = &p->conf;
    peer->effective_weight = pt_upstream_weight(peer);
}

/* The config load's addresses of the resolve lines (as many as a record keeps per line):
 * the first places, until the first look at the records. */
static void seed_places(struct pt_upstream *up)
{
    const struct pt_conf_upstream *u = up->conf;
    struct pt_upstream_dynamic *d = up->dyn;

    for (uint32_t r = 0; r < d->line_count; r++) {
        uint32_t taken = 0;
        for (uint32_t i = 0; i < u->peer_count && taken < PT_UPSTREAM_RESOLVE_MAX; i++) {
            uint8_t addr[16], family;
            if (u->peers[i].server != d->lines[r].line)
                continue;
            family = sockaddr_bytes(&u->peers[i].addr, addr);
            fill_place(up, up->peer_count - d->first, r, family, addr);
            up->peer_count++;
            taken++;
        }
    }
}

int pt_upstream_dynamic_new(struct pt_upstream *up)
{
    const struct pt_conf_upstream *u = up->conf;
    uint32_t lines = pt_upstream_resolve_lines(u), fixed = 0;
    struct pt_upstream_dynamic *d = calloc(1, sizeof(*d));

    if (d == NULL)
        return -1;
    up->dyn = d;
    for (uint32_t i = 0; i < u->peer_count; i++)
        fixed += !pt_upstream_resolved_peer(u, i);
    d->first = fixed;
    d->cap = lines * PT_UPSTREAM_RESOLVE_PLACES;
    d->lines = calloc(lines, sizeof(*d->lines));
    d->places = calloc(d->cap, sizeof(*d->places));
    up->peers = calloc(fixed + d->cap, sizeof(*up->peers));
    if (d->lines == NULL || d->places == NULL || up->peers == NULL)
        return -1; /* the caller frees */
    for (uint32_t l = 0; l < u->server_count; l++) {
        if (u->servers[l].resolve)
            add_line(d, u, l);
    }
    for (uint32_t i = 0; i < u->peer_count; i++) {
        if (pt_upstream_resolved_peer(u, i))
            continue;
        up->peers[up->peer_count].conf = &u->peers[i];
        up->peers[up->peer_count].effective_weight = pt_upstream_weight(&up->peers[up->peer_count]);
        up->peer_count++;
    }
    seed_places(up);
    return 0;
}

void pt_upstream_dynamic_free(struct pt_upstream *up)
{
    if (up->dyn == NULL)
        return;
    free(up->dyn->lines);
    free(up->dyn->places);
    free(up->dyn);
    up->dyn = NULL;
}

/* ---- the records ---- */

struct seed {
    const struct pt_conf_upstream *u;
    uint32_t line;
};

static void init_record(void *p, void *arg)
{
    struct record *rec = p;
    const struct seed *sd = arg;
    const struct pt_conf_upstream *u = sd->u;

    for (uint32_t i = 0; i < u->peer_count && rec->count < PT_UPSTREAM_RESOLVE_MAX; i++) {
        struct slot *s = &rec->slots[rec->count];
        if (u->peers[i].server != sd->line)
            continue;
        s->used = 1;
        s->family = sockaddr_bytes(&u->peers[i].addr, s->addr);
        s->state.effective_weight = u->peers[i].weight ? u->peers[i].weight : 1;
        rec->count++;
    }
    rec->generation = rec->count ? 1 : 0;
}

/* The line's ordinal among the group's resolve lines of the same name. */
static uint32_t line_ordinal(const struct pt_conf_upstream *u, uint32_t line)
{
    uint32_t n = 0;

    for (uint32_t l = 0; l < line; l++)
        n += u->servers[l].resolve && strcmp(u->servers[l].name, u->servers[line].name) == 0;
    return n;
}

int pt_upstream_records_make(struct pt_shm_zone *z, const struct pt_conf_upstream *u,
                             struct pt_upstream *up)
{
    for (uint32_t l = 0; l < u->server_count; l++) {
        char key[KEY_MAX];
        struct seed sd = {.u = u, .line = l};
        struct record *rec;
        int n, r;

        if (!u->servers[l].resolve)
            continue;
        n = snprintf(key, sizeof(key), "upstream.v1:%s/resolve:%s#%u", u->name,
                     u->servers[l].name, line_ordinal(u, l));
        if (n <= 0 || n >= KEY_MAX ||
            (rec = pt_shm_entry(z, key, sizeof(*rec), init_record, &sd)) == NULL)
            return -1;
        if (up && up->dyn && (r = line_of(up->dyn, l)) >= 0)
            up->dyn->lines[r].rec = rec;
    }
    return 0;
}

/* ---- a worker following its records ---- */

/* Place k leaves: down until a new address takes it (once nothing holds it). */
static void retire(struct pt_upstream *up, uint32_t k, struct pt_upstream_zone_peer **states)
{
    struct pt_upstream_dynamic *d = up->dyn;

    d->places[k].gone = 1;
    d->places[k].conf.down = 1;
    d->places[k].slot = -1;
    states[d->first + k] = &d->dummy;
}

/* A place for a new address: a free one (the lowest), else one more. -1: none left. */
static int free_place(struct pt_upstream *up)
{
    struct pt_upstream_dynamic *d = up->dyn;
    uint32_t used = up->peer_count - d->first;

    for (uint32_t k = 0; k < used; k++) {
        if (d->places[k].gone && up->peers[d->first + k].held == 0)
            return (int)k;
    }
    if (used == d->cap)
        return -1;
    up->peer_count++;
    return (int)used;
}

/* The places at the end that are free go (the balancers need not walk them). */
static void trim(struct pt_upstream *up)
{
    struct pt_upstream_dynamic *d = up->dyn;

    while (up->peer_count > d->first) {
        uint32_t k = up->peer_count - 1 - d->first;
        if (!d->places[k].gone || up->peers[d->first + k].held)
            break;
        up->peer_count--;
    }
}

static int find_slot(const struct record *rec, const struct dyn_place *p)
{
    uint8_t addr[16];
    uint8_t family = sockaddr_bytes(&p->conf.addr, addr);

    if (p->slot >= 0 && rec->slots[p->slot].used &&
        same_address(rec->slots[p->slot].family, rec->slots[p->slot].addr, family, addr))
        return p->slot;
    for (int s = 0; s < PT_UPSTREAM_RESOLVE_MAX; s++) {
        if (rec->slots[s].used && same_address(rec->slots[s].family, rec->slots[s].addr,
                                               family, addr))
            return s;
    }
    return -1;
}

/* Line r's places up to its record. 1 when something changed. */
static int sync_line(struct pt_upstream *up, uint32_t r, struct pt_upstream_zone_peer **states)
{
    struct pt_upstream_dynamic *d = up->dyn;
    struct record *rec = d->lines[r].rec;
    uint8_t taken[PT_UPSTREAM_RESOLVE_MAX] = {0};
    int changed = 0, complete = 1;

    for (uint32_t k = 0; k < up->peer_count - d->first; k++) {
        struct dyn_place *p = &d->places[k];
        int s;
        if (p->line != r || p->gone)
            continue;
        s = find_slot(rec, p);
        if (s < 0 || taken[s]) {
            retire(up, k, states);
            changed = 1;
            continue;
        }
        taken[s] = 1;
        p->slot = s;
        states[d->first + k] = &rec->slots[s].state;
    }
    for (int s = 0; s < PT_UPSTREAM_RESOLVE_MAX; s++) {
        int k;
        if (!rec->slots[s].used || taken[s])
            continue;
        if ((k = free_place(up)) < 0) {
            complete = 0; /* held places fill it: tried again at the next lock */
            continue;
        }
        fill_place(up, (uint32_t)k, r, rec->slots[s].family, rec->slots[s].addr);
        d->places[k].slot = s;
        states[d->first + (uint32_t)k] = &rec->slots[s].state;
        changed = 1;
    }
    if (complete)
        d->lines[r].seen = rec->generation;
    return changed;
}

int pt_upstream_dynamic_sync(struct pt_upstream *up, struct pt_upstream_zone_peer **states)
{
    struct pt_upstream_dynamic *d = up->dyn;
    int changed = 0;

    for (uint32_t r = 0; r < d->line_count; r++) {
        const struct record *rec = d->lines[r].rec;
        if (rec && rec->generation != d->lines[r].seen)
            changed |= sync_line(up, r, states);
    }
    if (!changed)
        return 0;
    trim(up);
    if (up->conf->balancer == PT_BALANCE_HASH && up->conf->hash_consistent) {
        pt_balancer_ring_free(up->ring);
        up->ring = pt_balancer_ring_new(up);
        if (up->ring == NULL)
            pt_log(PT_LOG_CRIT, "out of memory rebuilding the hash ring of upstream \"%s\": "
                   "hashing without it", up->conf->name);
    }
    return 1;
}

/* ---- the resolving worker ---- */

static int in_list(const struct pt_dns_addr *addrs, uint32_t count, uint8_t family,
                   const uint8_t *addr)
{
    for (uint32_t i = 0; i < count; i++) {
        if (same_address(addrs[i].family, addrs[i].addr, family, addr))
            return 1;
    }
    return 0;
}

static int in_record(const struct record *rec, const struct pt_dns_addr *a)
{
    for (int s = 0; s < PT_UPSTREAM_RESOLVE_MAX; s++) {
        if (rec->slots[s].used &&
            same_address(rec->slots[s].family, rec->slots[s].addr, a->family, a->addr))
            return 1;
    }
    return 0;
}

static void add_slot(struct record *rec, const struct pt_dns_addr *a,
                     const struct pt_conf_peer *params)
{
    for (int s = 0; s < PT_UPSTREAM_RESOLVE_MAX; s++) {
        struct slot *sl = &rec->slots[s];
        if (sl->used)
            continue;
        /* used last (and cleared first below): a worker killed in between leaves no
         * half-made address for the next holder of the (robust) lock */
        memset(&sl->state, 0, sizeof(sl->state));
        sl->family = a->family;
        memcpy(sl->addr, a->addr, 16);
        sl->state.effective_weight = params->weight ? params->weight : 1;
        __atomic_store_n(&sl->used, 1, __ATOMIC_RELEASE);
        rec->count++;
        return;
    }
}

static void publish_locked(struct record *rec, const struct pt_dns_addr *addrs, uint32_t count,
                           const struct pt_conf_peer *params, struct pt_upstream_published *out)
{
    for (int s = 0; s < PT_UPSTREAM_RESOLVE_MAX; s++) {
        struct slot *sl = &rec->slots[s];
        if (!sl->used || in_list(addrs, count, sl->family, sl->addr))
            continue;
        __atomic_store_n(&sl->used, 0, __ATOMIC_RELEASE);
        memset(&sl->state, 0, sizeof(sl->state));
        rec->count--;
        out->removed++;
    }
    for (uint32_t i = 0; i < count && rec->count < PT_UPSTREAM_RESOLVE_MAX; i++) {
        if (in_list(addrs, i, addrs[i].family, addrs[i].addr) || in_record(rec, &addrs[i]))
            continue; /* a duplicate in the answer, or kept */
        add_slot(rec, &addrs[i], params);
        out->added++;
    }
    if (out->added || out->removed)
        rec->generation++;
    out->count = rec->count;
    out->generation = rec->generation;
}

int pt_upstream_publish(struct pt_upstream *up, uint32_t line, const struct pt_dns_addr *addrs,
                        uint32_t count, struct pt_upstream_published *out)
{
    int r;
    struct record *rec;

    memset(out, 0, sizeof(*out));
    if (up->dyn == NULL || (r = line_of(up->dyn, line)) < 0 ||
        (rec = up->dyn->lines[r].rec) == NULL || pt_upstream_zone_lock_bare(up) != 0)
        return -1;
    publish_locked(rec, addrs, count < PT_UPSTREAM_RESOLVE_MAX ? count : PT_UPSTREAM_RESOLVE_MAX,
                   &up->dyn->lines[r].conf->params, out);
    pt_upstream_zone_unlock_bare(up);
    return 0;
}
