/* proxy/health_check.h - active health checks: `health_check interval=T fails=N passes=N
 * uri=/path match=status;` in an upstream block (paid-only in nginx, free in portico).
 *
 * One worker per group runs its checks: the worker whose slot is the group's index modulo
 * the worker count. Every interval it sends `GET uri HTTP/1.1` (Host: the group's name,
 * Connection: close) to each peer but the `down` ones, on non-blocking connections of its
 * own through the reactor, each given the interval to answer; a 2xx or 3xx status passes.
 * The result goes to the group's zone (proxy/upstream_zone.h): `fails` failures in a row
 * take the peer out of every worker's rotation, `passes` passes in a row bring it back
 * (ramped up by slow_start). Transitions are logged at warn. config/ refuses health_check
 * in a group without a zone, as nginx does.
 */
#ifndef PT_PROXY_HEALTH_CHECK_H
#define PT_PROXY_HEALTH_CHECK_H

/* Starts the checks of the groups this worker runs (pt_worker.cfg and .slot set); the first
 * round goes out on the next reactor turn. A group that cannot start is logged and left
 * unchecked (its peers stay as they are). */
void pt_health_checks_start(void);

/* Stops them: a quitting worker leaves the checks to the next generation. Probes in flight
 * are closed and count for nothing. */
void pt_health_checks_stop(void);

#endif
