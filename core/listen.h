/* core/listen.h - listening sockets, one per worker slot and address.
 *
 * Every worker gets its own socket per address (SO_REUSEPORT), so the kernel spreads
 * connections without a shared accept queue. The master creates them and keeps them
 * across reloads (DESIGN.md, "Reload without losing a queued connection").
 * SO_REUSEPORT also silently joins any other process's group on the same address, so the
 * master probes an address with a plain bind before it first takes it.
 */
#ifndef PT_CORE_LISTEN_H
#define PT_CORE_LISTEN_H

#include <sys/socket.h>

/* A listening TCP socket on a (AF_INET or AF_INET6): non-blocking, close-on-exec,
 * SO_REUSEADDR and SO_REUSEPORT, IPV6_V6ONLY as ipv6only says for AF_INET6, listening with
 * backlog. Returns the fd, or -errno (-EAFNOSUPPORT for other families). */
int pt_listen_open(const struct sockaddr *a, socklen_t len, int backlog, int ipv6only);

/* 0 if no other socket owns a's address, -EADDRINUSE if one does, another -errno if the
 * probe itself failed. Binds a socket with SO_REUSEADDR but without SO_REUSEPORT (so the
 * bind conflicts with every listener there, reuseport or not), then closes it. ipv6only is
 * the one the real sockets will have: a dual-stack [::]:80 must see an IPv4 owner of
 * port 80, a v6-only one must not see our own 0.0.0.0:80. Call it only for addresses this
 * process does not hold yet: our own sockets conflict too. */
int pt_listen_probe(const struct sockaddr *a, socklen_t len, int ipv6only);

/* "127.0.0.1:8080" or "[::1]:8080" into buf (at least 64 bytes), for messages. */
const char *pt_listen_text(const struct sockaddr *a, char *buf, size_t size);

#endif
