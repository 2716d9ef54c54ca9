/* tests/core/test_listen.c - per-slot listening sockets and the ownership probe. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/listen.h"
#include "tests/tap.h"

static struct sockaddr_in loopback(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

static int free_port(void)
{
    struct sockaddr_in a = loopback(0);
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port;

    bind(fd, (struct sockaddr *)&a, sizeof(a));
    getsockname(fd, (struct sockaddr *)&a, &len);
    port = ntohs(a.sin_port);
    close(fd);
    return port;
}

static void per_slot_sockets(void)
{
    struct sockaddr_in a = loopback(free_port());
    const struct sockaddr *sa = (const struct sockaddr *)&a;
    int s0, s1;

    TAP_INT(pt_listen_probe(sa, sizeof(a), 0), 0, "a free address probes as free");
    s0 = pt_listen_open(sa, sizeof(a), 16, 0);
    s1 = pt_listen_open(sa, sizeof(a), 16, 0);
    tap_ok(s0 >= 0 && s1 >= 0, "two sockets share one address (SO_REUSEPORT)");
    tap_ok(fcntl(s0, F_GETFL) & O_NONBLOCK, "non-blocking");
    tap_ok(fcntl(s0, F_GETFD) & FD_CLOEXEC, "close-on-exec");
    TAP_INT(pt_listen_probe(sa, sizeof(a), 0), -EADDRINUSE, "our own sockets probe as in use");
    close(s0);
    close(s1);
}

static void owned_by_another(void)
{
    struct sockaddr_in a = loopback(free_port());
    const struct sockaddr *sa = (const struct sockaddr *)&a;
    int plain = socket(AF_INET, SOCK_STREAM, 0), on = 1, shared;

    bind(plain, sa, sizeof(a));
    listen(plain, 8);
    TAP_INT(pt_listen_probe(sa, sizeof(a), 0), -EADDRINUSE, "a plain listener owns its address");
    close(plain);

    /* The case the probe exists for: a reuseport owner that open() would silently join. */
    shared = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(shared, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on));
    bind(shared, sa, sizeof(a));
    listen(shared, 8);
    TAP_INT(pt_listen_probe(sa, sizeof(a), 0), -EADDRINUSE, "so does a SO_REUSEPORT listener");
    close(shared);
}

static void texts_and_families(void)
{
    struct sockaddr_in a = loopback(8080);
    struct sockaddr_in6 b = {.sin6_family = AF_INET6, .sin6_port = htons(443)};
    struct sockaddr_un u = {.sun_family = AF_UNIX};
    char buf[64];

    b.sin6_addr = in6addr_loopback;
    TAP_STR(pt_listen_text((struct sockaddr *)&a, buf, sizeof(buf)), "127.0.0.1:8080", "IPv4 text");
    TAP_STR(pt_listen_text((struct sockaddr *)&b, buf, sizeof(buf)), "[::1]:443", "IPv6 text");
    TAP_INT(pt_listen_open((struct sockaddr *)&u, sizeof(u), 8, 0), -EAFNOSUPPORT,
            "other families are refused");
}

int main(void)
{
    per_slot_sockets();
    owned_by_another();
    texts_and_families();
    return tap_done();
}
