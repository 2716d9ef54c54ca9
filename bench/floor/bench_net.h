/* bench/floor/bench_net.h - what the bench's own servers (floor.c, backend.c, relay.c)
 * share: a listening socket on an IPv4 ADDR:PORT and the raised descriptor limit. Each
 * stays one file a plain `cc` can build (bench/run's fallback): this header holds only
 * static inline functions. */
#ifndef PT_BENCH_NET_H
#define PT_BENCH_NET_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

/* "ADDR:PORT" into *sin; prog names the program in messages. 0 or -1. */
static inline int bench_parse_addr(const char *spec, const char *prog, struct sockaddr_in *sin)
{
    char host[64];
    const char *colon = strrchr(spec, ':');

    if (colon == NULL || (size_t)(colon - spec) >= sizeof(host)) {
        fprintf(stderr, "%s: expected ADDR:PORT, got \"%s\"\n", prog, spec);
        return -1;
    }
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = '\0';
    *sin = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1))};
    if (inet_pton(AF_INET, host, &sin->sin_addr) != 1) {
        fprintf(stderr, "%s: bad IPv4 address \"%s\"\n", prog, host);
        return -1;
    }
    return 0;
}

/* A non-blocking listening socket on sin (backlog 511, as nginx), or -1. */
static inline int bench_listen(const struct sockaddr_in *sin, const char *prog)
{
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, (const struct sockaddr *)sin, sizeof(*sin)) != 0 || listen(fd, 511) != 0) {
        fprintf(stderr, "%s: listen: ", prog);
        perror(NULL);
        return -1;
    }
    return fd;
}

/* Raises RLIMIT_NOFILE to its hard limit; returns the descriptors now allowed, at most
 * cap (what a table indexed by fd is sized for). */
static inline size_t bench_raise_nofile(size_t cap)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < cap)
        return (size_t)rl.rlim_cur;
    return cap;
}

#endif
