/* proxy/worker.h - one worker process: its reactor, its listening sockets, its
 * connections. There is one worker per process, so its state is a process global. */
#ifndef PT_PROXY_WORKER_H
#define PT_PROXY_WORKER_H

#include <stdint.h>

#include "config/config.h"
#include "core/reactor.h"

struct pt_http_conn;

struct pt_listener_watch {
    struct pt_watch watch;
    const struct pt_conf_listener *conf;
    uint8_t paused; /* out of epoll while at worker_connections */
};

struct pt_worker {
    struct pt_reactor reactor;
    struct pt_config *cfg;
    uint32_t slot;
    uint32_t connections;     /* open client connections */
    struct pt_listener_watch *listeners;
    uint32_t listener_count;
    uint8_t accepting_paused;
    uint8_t quitting;         /* graceful stop: no accepting, idle connections closed */
    uint64_t quit_deadline;   /* worker_shutdown_timeout, 0 for none */
    uint64_t quit_idle_deadline; /* idle connections close by then once quitting */
    struct pt_timer quit_timer;  /* wakes the loop at quit_deadline */
    struct pt_http_conn *idle; /* idle keep-alive connections, closed first on quit */
};

extern struct pt_worker pt_worker;

/* The worker's life: serves cfg on this slot's listening fds (one per cfg->listeners[i])
 * until told to stop. Returns the process exit code. */
int pt_worker_run(struct pt_config *cfg, uint32_t slot, const int *fds, uint32_t fd_count);

/* A connection closed: lets the worker resume accepting. */
void pt_worker_connection_closed(void);

#endif
