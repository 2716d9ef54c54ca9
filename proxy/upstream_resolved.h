/* proxy/upstream_resolved.h - the peers of `server NAME resolve` lines: the addresses a
 * name resolves to at run time, kept in the group's zone, and each worker's peers made
 * from them. Internal to proxy/upstream*.c, the resolving worker (upstream_resolve.c)
 * and their tests; the proxy only sees struct pt_upstream.
 *
 * In the zone, each such line has a record (key "upstream.v1:GROUP/resolve:NAME#N", N
 * counting the group's resolve lines of that name): a generation, bumped whenever its
 * addresses change, and PT_UPSTREAM_RESOLVE_MAX slots, each an address and the shared
 * balancer and health state of the peer at that address. An address keeps its slot (and
 * state) while it stays; a slot freed starts fresh for the next address. The record is
 * made, seeded with what the name resolved to when the config loaded, by the master; a
 * reload finds it again, with the latest answer in it. About 8 KB of the zone per line.
 *
 * In a worker, a group with such lines has its peers[] in two parts: the peers of the
 * other lines (conf->peers' order, without the resolve lines' ones), then the dynamic
 * places. Under the group's lock, a worker that finds a record's generation changed
 * brings its places up to the record: an address that stays keeps its place and state;
 * an address gone leaves its place `down` (every balancer skips it); a new address takes
 * a place that is free (gone, and no request or probe of this worker holds it: held),
 * else a new one at the end. A place held by a request keeps its index until the request
 * is done, so an index never changes meaning under a request, a pooled connection is
 * checked against its peer's address before reuse, and a tried bit stays right.
 * Places are bounded: PT_UPSTREAM_RESOLVE_PLACES per line.
 */
#ifndef PT_PROXY_UPSTREAM_RESOLVED_H
#define PT_PROXY_UPSTREAM_RESOLVED_H

#include <stdint.h>

#include "config/config.h"
#include "core/shm.h"
#include "parser/dns.h"
#include "proxy/upstream.h"
#include "proxy/upstream_zone.h"

/* Addresses kept per resolve line: more in an answer are left out (logged). */
#define PT_UPSTREAM_RESOLVE_MAX 64
/* A worker's places per resolve line: the addresses, and room for addresses gone while
 * this worker's requests still use them. */
#define PT_UPSTREAM_RESOLVE_PLACES (2 * PT_UPSTREAM_RESOLVE_MAX)

/* The number of u's `resolve` lines (0: a group whose peers never change). */
uint32_t pt_upstream_resolve_lines(const struct pt_conf_upstream *u);

/* 1 if conf peer i of u comes from a resolve line. */
int pt_upstream_resolved_peer(const struct pt_conf_upstream *u, uint32_t i);

/* ---- a worker's peers ---- */

/* Builds up->peers for a group with resolve lines: the other lines' peers, then the
 * resolve lines' addresses from the config load as the first dynamic places. Sets
 * up->dyn. 0, or -1 when memory ran out. */
int pt_upstream_dynamic_new(struct pt_upstream *up);
void pt_upstream_dynamic_free(struct pt_upstream *up);

/* Places in up->peers (peer_count may grow up to it). */
uint32_t pt_upstream_capacity(const struct pt_upstream *up);

/* The state the dynamic places use while they have no slot (not yet matched, or gone):
 * written by push, never read for a live peer. */
struct pt_upstream_zone_peer *pt_upstream_dynamic_dummy(struct pt_upstream *up);

/* ---- the zone ---- */

/* Finds or makes (seeded from the config's addresses) the record of every resolve line
 * of u in z; with up (a worker), remembers them. 0, or -1 when z is full. */
int pt_upstream_records_make(struct pt_shm_zone *z, const struct pt_conf_upstream *u,
                             struct pt_upstream *up);

/* Under the group's lock: brings up's dynamic places up to their records, states[i]
 * pointed at place i's shared state. Returns 1 when the peers changed. */
int pt_upstream_dynamic_sync(struct pt_upstream *up, struct pt_upstream_zone_peer **states);

/* What publishing changed. */
struct pt_upstream_published {
    uint32_t added;
    uint32_t removed;
    uint32_t count;      /* addresses the line has now */
    uint64_t generation;
};

/* The resolving worker: makes addrs (count of them, port from the line) the addresses of
 * u's resolve line `line` (its index in conf->servers), under the group's lock. The same
 * set again changes nothing (no new generation). 0, or -1 when up has no record for it
 * (no zone). */
int pt_upstream_publish(struct pt_upstream *up, uint32_t line, const struct pt_dns_addr *addrs,
                        uint32_t count, struct pt_upstream_published *out);

#endif
