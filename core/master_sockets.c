/* core/master_sockets.c - the master's listening sockets, per address and slot.
 *
 * Each address keeps one SO_REUSEPORT socket per worker slot for as long as it stays in
 * the config: a socket closed with connections in its queue resets them, so a reload
 * reuses every socket it can (matched by address) and closes a slot only when its address
 * leaves the config or the worker count shrinks below it.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/listen.h"
#include "core/log.h"
#include "core/master_internal.h"

static int same_address(const struct sockaddr_storage *x, const struct sockaddr_storage *y)
{
    if (x->ss_family != y->ss_family)
        return 0;
    if (x->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const void *)x, *b = (const void *)y;
        return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
    }
    if (x->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const void *)x, *b = (const void *)y;
        return a->sin6_port == b->sin6_port && a->sin6_scope_id == b->sin6_scope_id &&
               memcmp(&a->sin6_addr, &b->sin6_addr, sizeof(a->sin6_addr)) == 0;
    }
    return 0;
}

static struct pt_addr *find_addr(struct pt_master *m, const struct pt_listen_spec *l)
{
    for (uint32_t i = 0; i < m->addr_count; i++)
        if (same_address(&m->addrs[i].addr, &l->addr))
            return &m->addrs[i];
    return NULL;
}

static void close_from(struct pt_addr *a, uint32_t first_slot)
{
    while (a->fd_count > first_slot)
        close(a->fds[--a->fd_count]);
}

static void remove_addr(struct pt_master *m, uint32_t i)
{
    close_from(&m->addrs[i], 0);
    free(m->addrs[i].fds);
    m->addrs[i] = m->addrs[--m->addr_count];
}

/* A new address: refused if another process owns it, since our SO_REUSEPORT sockets
 * would silently share its connections with that process. */
static struct pt_addr *add_addr(struct pt_master *m, const struct pt_listen_spec *l)
{
    struct pt_addr *grown, *a;
    int rc = pt_listen_probe((const struct sockaddr *)&l->addr, l->addr_len, l->ipv6only);

    if (rc == -EADDRINUSE) {
        pt_log(PT_LOG_EMERG, "bind() to %s failed (%d: %s): another process listens there, "
               "and SO_REUSEPORT would silently share its connections", l->text, -rc,
               strerror(-rc));
        return NULL;
    }
    if (rc < 0) {
        pt_log(PT_LOG_EMERG, "bind() to %s failed (%d: %s)", l->text, -rc, strerror(-rc));
        return NULL;
    }
    grown = realloc(m->addrs, (m->addr_count + 1) * sizeof(*m->addrs));
    if (grown == NULL) {
        pt_log(PT_LOG_EMERG, "out of memory adding %s", l->text);
        return NULL;
    }
    m->addrs = grown;
    a = &m->addrs[m->addr_count++];
    memset(a, 0, sizeof(*a));
    a->addr = l->addr;
    a->addr_len = l->addr_len;
    a->ipv6only = l->ipv6only;
    a->backlog = l->backlog;
    strcpy(a->text, l->text); /* both are 80 bytes (struct pt_gen) */
    return a;
}

/* Opens slots fd_count..workers-1. */
static int open_slots(struct pt_addr *a, uint32_t workers)
{
    int *grown;

    if (workers <= a->fd_count)
        return 0;
    grown = realloc(a->fds, workers * sizeof(*a->fds));
    if (grown == NULL)
        return -ENOMEM;
    a->fds = grown;
    while (a->fd_count < workers) {
        int fd = pt_listen_open((const struct sockaddr *)&a->addr, a->addr_len, a->backlog,
                                a->ipv6only);
        if (fd < 0)
            return fd;
        a->fds[a->fd_count++] = fd;
    }
    return 0;
}

/* What an address kept from the previous generation may change in place. */
static void update_kept(struct pt_addr *a, const struct pt_listen_spec *l)
{
    if (a->ipv6only != l->ipv6only)
        pt_log(PT_LOG_WARN, "the ipv6only change of %s takes a restart", l->text);
    if (a->backlog == l->backlog)
        return;
    a->backlog = l->backlog;
    for (uint32_t s = 0; s < a->fd_count; s++)
        listen(a->fds[s], l->backlog); /* listen() again only resizes the queue */
}

static void rollback(struct pt_master *m)
{
    for (uint32_t i = m->addr_count; i-- > 0;) {
        close_from(&m->addrs[i], m->addrs[i].kept_count);
        if (m->addrs[i].fd_count == 0)
            remove_addr(m, i);
    }
}

int pt_msock_apply(struct pt_master *m, const struct pt_gen *g)
{
    for (uint32_t i = 0; i < m->addr_count; i++)
        m->addrs[i].kept_count = m->addrs[i].fd_count;
    for (uint32_t i = 0; i < g->listen_count; i++) {
        const struct pt_listen_spec *l = &g->listens[i];
        struct pt_addr *a = find_addr(m, l);
        int rc;

        if (a == NULL && (a = add_addr(m, l)) == NULL)
            goto failed;
        rc = open_slots(a, g->workers);
        if (rc < 0) {
            pt_log(PT_LOG_EMERG, "listening socket on %s failed (%d: %s)", l->text, -rc,
                   strerror(-rc));
            goto failed;
        }
    }
    for (uint32_t i = 0; i < g->listen_count; i++) {
        struct pt_addr *a = find_addr(m, &g->listens[i]);
        if (a->kept_count > 0)
            update_kept(a, &g->listens[i]);
    }
    return 0;
failed:
    rollback(m);
    return -1;
}

static int in_generation(const struct pt_gen *g, const struct pt_addr *a)
{
    for (uint32_t i = 0; i < g->listen_count; i++)
        if (same_address(&a->addr, &g->listens[i].addr))
            return 1;
    return 0;
}

void pt_msock_prune(struct pt_master *m)
{
    for (uint32_t i = m->addr_count; i-- > 0;) {
        if (!in_generation(&m->gen, &m->addrs[i])) {
            pt_log(PT_LOG_NOTICE, "closing the listening sockets of %s", m->addrs[i].text);
            remove_addr(m, i);
        } else {
            close_from(&m->addrs[i], m->gen.workers);
        }
    }
}

void pt_msock_close_all(struct pt_master *m)
{
    while (m->addr_count > 0)
        remove_addr(m, m->addr_count - 1);
    free(m->addrs);
    m->addrs = NULL;
}

/* An address about to leave the config is still open while the new generation forks:
 * a child that kept its copy would hold the address after the master closed it. */
void pt_msock_take_slot(struct pt_master *m, uint32_t slot, int *fds)
{
    for (uint32_t i = 0; i < m->gen.listen_count; i++)
        fds[i] = find_addr(m, &m->gen.listens[i])->fds[slot];
    for (uint32_t i = 0; i < m->addr_count; i++) {
        int keep = in_generation(&m->gen, &m->addrs[i]);
        for (uint32_t s = 0; s < m->addrs[i].fd_count; s++)
            if (s != slot || !keep)
                close(m->addrs[i].fds[s]);
    }
}
