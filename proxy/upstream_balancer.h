/* proxy/upstream_balancer.h - what proxy/upstream.c (peer state, round-robin,
 * least_conn) shares with proxy/balancer_hash.c (ip_hash, hash, hash consistent).
 * Internal to those two files and their unit test; the proxy uses proxy/upstream.h.
 *
 * A balancer only chooses: it returns a peer index (or -1) and leaves marking the pick
 * (tried bit, active count, the recovery probe) to pt_upstream_pick.
 */
#ifndef PT_PROXY_UPSTREAM_BALANCER_H
#define PT_PROXY_UPSTREAM_BALANCER_H

#include <stddef.h>
#include <stdint.h>

#include "proxy/upstream.h"

/* The hash balancers give up after this many unusable candidates and fall back to
 * round-robin, as nginx's ip_hash and hash modules do. */
#define PT_UPSTREAM_HASH_TRIES 20

/* The configured weight, at least 1. */
uint32_t pt_upstream_weight(const struct pt_upstream_peer *p);

/* 1 if p may be picked now: not `down`, not within its failure period. */
int pt_upstream_usable(const struct pt_upstream_peer *p, uint64_t now_ms);

/* 1 if peer i is in *t (t may be NULL: nothing tried). Peers past the bitmap's 256
 * count as never tried. */
int pt_upstream_tried(const struct pt_upstream_tries *t, uint32_t i);

/* Smooth weighted round-robin over the primaries, then (none usable) the backups, as
 * nginx's get_peer: the fallback of the hash balancers. */
int pt_upstream_pick_rr(struct pt_upstream *up, const struct pt_upstream_tries *t,
                        uint64_t now_ms);

/* One smooth weighted round-robin step among the usable, untried primaries (backup 0)
 * or backups (backup 1) for which want(up, i, arg) is true (want NULL: all). Returns
 * the index, or -1 when no peer qualified (nothing is changed then). */
typedef int (*pt_upstream_want_fn)(const struct pt_upstream *up, uint32_t i,
                                   const void *arg);
int pt_upstream_smooth(struct pt_upstream *up, const struct pt_upstream_tries *t,
                       uint64_t now_ms, int backup, pt_upstream_want_fn want,
                       const void *arg);

/* CRC-32 (IEEE 802.3, as zlib and nginx's ngx_crc32_long) of n bytes. */
uint32_t pt_balancer_crc32(const void *data, size_t n);

/* ip_hash: addr is 4 bytes (IPv4: the first 3 are hashed) or 16 (IPv6: all); any other
 * length hashes as nginx's pseudo address (three zero bytes). */
int pt_balancer_ip_hash(struct pt_upstream *up, const void *addr, size_t len,
                        const struct pt_upstream_tries *t, uint64_t now_ms);

/* hash KEY: nginx's (Cache::Memcached-compatible) rehashing walk over the weights. */
int pt_balancer_hash(struct pt_upstream *up, const void *key, size_t len,
                     const struct pt_upstream_tries *t, uint64_t now_ms);

/* hash KEY consistent: the ring's point for crc32(KEY), then the points after it. */
int pt_balancer_chash(struct pt_upstream *up, const void *key, size_t len,
                      const struct pt_upstream_tries *t, uint64_t now_ms);

/* The consistent-hash ring of up's primaries (160 points per unit of weight, nginx's
 * point hashes of each server line's name; the peers of one name share its points).
 * NULL: no memory. */
void *pt_balancer_ring_new(const struct pt_upstream *up);
void pt_balancer_ring_free(void *ring);

#endif
