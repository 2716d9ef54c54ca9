/* core/pt_types.h - the types and return codes every portico module shares.
 *
 * core/ owns the process side of portico: main's master/worker processes, signals, the
 * epoll reactor, timers, connections, buffers, shared-memory zones, logging and the
 * cached time. It knows byte streams, not HTTP. This header holds only what many modules
 * need to agree on, so it includes nothing of ours and can be included from anywhere.
 */
#ifndef PT_CORE_TYPES_H
#define PT_CORE_TYPES_H

/* What a function that may have to wait returns. PT_AGAIN is an ordinary outcome, not
 * an error: the operation needs more input or a writable socket, so call again when
 * the reactor says so (nginx's NGX_AGAIN). Syscall-like helpers return 0 or -errno
 * instead, so the cause travels with the failure rather than through errno. */
enum {
    PT_OK = 0,
    PT_AGAIN = 1,
    PT_ERROR = -1,
};

#endif
