/* proxy/upstream_resolve.h - names re-resolved at run time: `server NAME resolve;` in an
 * upstream block (with a zone, and an http-level `resolver`: config/ refuses it without,
 * as nginx >= 1.27.3), for Kubernetes services whose addresses come and go.
 *
 * One worker per group resolves its resolve lines: the worker whose slot is the group's
 * index modulo the worker count, as for health checks. It asks for each name when it
 * starts, then again after the resolver's valid= if written, else after the answer's TTL
 * (at least 1 s), through proxy/resolver.h, and publishes the addresses in the group's
 * zone (proxy/upstream_resolved.h); every worker's next pick in the group follows them. No
 * reload, and no moment without peers while a name moves from some addresses to others.
 *
 * A resolution that fails (no answer within resolver_timeout, server failures) keeps the
 * addresses the line has: logged at error, asked again after valid= or 5 s. An answer
 * that the name does not exist (NXDOMAIN), or has no address, removes them, as nginx
 * does: logged at warn; the group answers 502 while it has no peer. An answer with more
 * than PT_UPSTREAM_RESOLVE_MAX (64) addresses keeps the first 64 (logged at warn).
 */
#ifndef PT_PROXY_UPSTREAM_RESOLVE_H
#define PT_PROXY_UPSTREAM_RESOLVE_H

/* Starts resolving the lines of the groups this worker runs (pt_worker.cfg and .slot
 * set); the first queries go out on the next reactor turn. */
void pt_upstream_resolve_start(void);

/* Stops: queries in flight are dropped (a quitting worker leaves the names to the next
 * generation, whose worker asks at once). */
void pt_upstream_resolve_stop(void);

#endif
