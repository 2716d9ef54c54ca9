/* core/listen.c - listening sockets (listen.h). */
#include "core/listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <unistd.h>

static int new_tcp_socket(const struct sockaddr *a)
{
    int fd;

    if (a->sa_family != AF_INET && a->sa_family != AF_INET6)
        return -EAFNOSUPPORT;
    fd = socket(a->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    return fd < 0 ? -errno : fd;
}

static int set_flag(int fd, int level, int name, int on)
{
    return setsockopt(fd, level, name, &on, sizeof(on)) < 0 ? -errno : 0;
}

/* Runs the steps in order and stops at the first failure. */
static int configure(int fd, const struct sockaddr *a, socklen_t len, int backlog,
                     int ipv6only)
{
    int rc = set_flag(fd, SOL_SOCKET, SO_REUSEADDR, 1);

    if (rc == 0)
        rc = set_flag(fd, SOL_SOCKET, SO_REUSEPORT, 1);
    if (rc == 0 && a->sa_family == AF_INET6)
        rc = set_flag(fd, IPPROTO_IPV6, IPV6_V6ONLY, ipv6only != 0);
    if (rc == 0 && bind(fd, a, len) < 0)
        rc = -errno;
    if (rc == 0 && listen(fd, backlog) < 0)
        rc = -errno;
    return rc;
}

int pt_listen_open(const struct sockaddr *a, socklen_t len, int backlog, int ipv6only)
{
    int fd = new_tcp_socket(a), rc;

    if (fd < 0)
        return fd;
    rc = configure(fd, a, len, backlog, ipv6only);
    if (rc < 0) {
        close(fd);
        return rc;
    }
    return fd;
}

int pt_listen_probe(const struct sockaddr *a, socklen_t len, int ipv6only)
{
    int fd = new_tcp_socket(a), rc;

    if (fd < 0)
        return fd;
    /* SO_REUSEADDR keeps a TIME_WAIT left by a previous run from looking like an owner;
     * a listening socket still conflicts. */
    rc = set_flag(fd, SOL_SOCKET, SO_REUSEADDR, 1);
    if (rc == 0 && a->sa_family == AF_INET6)
        rc = set_flag(fd, IPPROTO_IPV6, IPV6_V6ONLY, ipv6only != 0);
    if (rc == 0 && bind(fd, a, len) < 0)
        rc = -errno;
    close(fd);
    return rc;
}

const char *pt_listen_text(const struct sockaddr *a, char *buf, size_t size)
{
    char host[INET6_ADDRSTRLEN];

    if (a->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)a;
        inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
        snprintf(buf, size, "%s:%u", host, ntohs(in->sin_port));
    } else if (a->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)a;
        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
        snprintf(buf, size, "[%s]:%u", host, ntohs(in6->sin6_port));
    } else {
        snprintf(buf, size, "(address family %d)", a->sa_family);
    }
    return buf;
}
