/* proxy/health_check.c - active health checks (health_check.h).
 *
 * A group checked here has a round timer and a probe per peer. A round starts a probe for
 * each peer that has none in flight (a peer slower than the interval is not probed twice
 * at once); a probe is one connection through proxy/upstream_conn.h, its own timer the
 * interval, its request written as the socket allows and its answer read until the
 * status line and head parse (parser/http.h) or the connection fails, closes or times
 * out. The result is recorded under the group's lock in its zone; only a transition is
 * logged above info.
 */
#include "proxy/health_check.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "parser/http.h"
#include "proxy/upstream_conn.h"
#include "proxy/upstream_group.h"
#include "proxy/upstream_resolved.h"
#include "proxy/upstream_zone.h"
#include "proxy/worker.h"

/* The answer's head is read into this much; a status line that fits is enough to judge. */
#define PROBE_BUF 4096
#define PROBE_HEADERS 64

struct hc_group;

struct probe {
    struct hc_group *hg;
    uint32_t peer;
    struct pt_upstream_conn *uc; /* NULL when no probe is in flight */
    size_t sent;                 /* request bytes written */
    uint32_t in_len;
    struct pt_http_response resp;
    struct pt_http_header headers[PROBE_HEADERS];
    char in[PROBE_BUF];
};

struct hc_group {
    struct pt_timer timer; /* the next round */
    struct pt_upstream_group *g;
    char *request;
    size_t request_len;
    struct probe *probes;  /* one per peer (per place, with resolve lines) */
    uint32_t probe_count;
};

static struct hc_group *checked; /* the groups this worker checks */
static uint32_t checked_count;

#define HG_OF_TIMER(t) ((struct hc_group *)((char *)(t) - offsetof(struct hc_group, timer)))

/* ---- one probe -------------------------------------------------------------------------- */

static void finish(struct probe *pr, int passed, const char *why)
{
    struct pt_upstream_group *g = pr->hg->g;
    const char *peer;
    uint32_t streak = 0;
    enum pt_upstream_health_change c;

    if (pr->uc) {
        pt_upstream_conn_release(pr->uc, 0);
        pr->uc = NULL;
    }
    c = pt_upstream_zone_health(g->balancer, pr->peer, passed, pt_now_ms, &streak);
    peer = pt_upstream_peer_text(g->balancer, pr->peer);
    pt_upstream_unhold(g->balancer, pr->peer);
    if (c == PT_HEALTH_DOWN)
        pt_log(PT_LOG_WARN, "peer %s is unhealthy: %s; %u failed health check%s in a row "
               "(upstream \"%s\")", peer, why, streak, streak == 1 ? "" : "s", g->conf->name);
    else if (c == PT_HEALTH_UP)
        pt_log(PT_LOG_WARN, "peer %s is healthy again: %u passed health check%s in a row "
               "(upstream \"%s\")", peer, streak, streak == 1 ? "" : "s", g->conf->name);
    else if (!passed)
        pt_log(PT_LOG_INFO, "health check of peer %s failed: %s (upstream \"%s\")", peer, why,
               g->conf->name);
}

static void fail_errno(struct probe *pr, const char *call, int err)
{
    char why[128];

    snprintf(why, sizeof(why), "%s failed (%d: %s)", call, -err, strerror(-err));
    finish(pr, 0, why);
}

/* match=status: a 2xx or 3xx answer passes. */
static void judge(struct probe *pr)
{
    char why[64];
    unsigned status = pr->resp.status;

    if (status >= 200 && status < 400) {
        finish(pr, 1, NULL);
        return;
    }
    snprintf(why, sizeof(why), "health check answered %u", status);
    finish(pr, 0, why);
}

/* Writes what the socket takes. Returns 0, or -1 when the probe finished (failed). */
static int send_request(struct probe *pr)
{
    const struct hc_group *hg = pr->hg;

    while (pr->sent < hg->request_len && pr->uc->conn.write_ready) {
        struct iovec iov = {.iov_base = hg->request + pr->sent,
                            .iov_len = hg->request_len - pr->sent};
        ssize_t n = pt_conn_writev(&pr->uc->conn, &iov, 1);
        if (n == -EAGAIN)
            break;
        if (n < 0) {
            fail_errno(pr, "writev()", (int)n);
            return -1;
        }
        pr->sent += (size_t)n;
    }
    return 0;
}

/* Reads and parses until the head is complete (judged), the probe fails or the socket
 * has nothing more for now. */
static void read_response(struct probe *pr)
{
    while (pr->uc->conn.read_ready) {
        ssize_t n = pt_conn_recv(&pr->uc->conn, pr->in + pr->in_len, PROBE_BUF - pr->in_len);
        int rc;

        if (n == -EAGAIN)
            return;
        if (n < 0) {
            fail_errno(pr, "recv()", (int)n);
            return;
        }
        if (n == 0) {
            finish(pr, 0, "closed before a whole response head");
            return;
        }
        pr->in_len += (uint32_t)n;
        rc = pt_http_response_parse(&pr->resp, pr->in, pr->in_len);
        if (rc == PT_PARSE_DONE || (rc == PT_PARSE_AGAIN && pr->in_len == PROBE_BUF &&
                                    pr->resp.head.first_line_done)) {
            judge(pr);
            return;
        }
        if (rc == PT_PARSE_ERROR) {
            finish(pr, 0, pr->resp.head.error_reason ? pr->resp.head.error_reason
                                                     : "invalid response head");
            return;
        }
        if (pr->in_len == PROBE_BUF) {
            finish(pr, 0, "response status line too long");
            return;
        }
    }
}

static void on_probe_event(void *owner, uint32_t events)
{
    struct probe *pr = owner;
    int err;

    if (pr->uc->connecting) {
        if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
            return;
        if ((err = pt_upstream_conn_connect_result(pr->uc)) != 0) {
            fail_errno(pr, "connect()", err);
            return;
        }
    }
    if (send_request(pr) == 0)
        read_response(pr);
}

static void on_probe_timer(void *owner)
{
    finish(owner, 0, "timed out");
}

static void start_probe(struct hc_group *hg, struct probe *pr)
{
    int err = 0;

    pr->sent = 0;
    pr->in_len = 0;
    pt_upstream_hold(hg->g->balancer, pr->peer); /* a resolve line's peer keeps its place */
    pt_http_response_init(&pr->resp, pr->headers, PROBE_HEADERS, NULL, PT_METHOD_GET);
    pr->uc = pt_upstream_conn_open(hg->g, pr->peer, pr, on_probe_event, on_probe_timer, &err);
    if (pr->uc == NULL) {
        fail_errno(pr, "connect()", err);
        return;
    }
    /* The first event (EPOLLOUT once connected, or the error) comes with registration. */
    pt_timer_set(&pt_worker.reactor.timers, &pr->uc->conn.timer,
                 pt_now_ms + (uint64_t)hg->g->conf->health_check.interval);
}

/* ---- a group's rounds ---------------------------------------------------------------------- */

/* Each round probes the group's peers as they are now: a group with resolve lines
 * follows its zone's addresses first (a peer gone is `down`, a new one is probed). */
static void on_round(struct pt_timer *t)
{
    struct hc_group *hg = HG_OF_TIMER(t);
    const struct pt_conf_upstream *u = hg->g->conf;
    struct pt_upstream *up = hg->g->balancer;

    pt_upstream_refresh(up);
    for (uint32_t i = 0; i < up->peer_count; i++) {
        if (!up->peers[i].conf->down && hg->probes[i].uc == NULL)
            start_probe(hg, &hg->probes[i]);
    }
    pt_timer_set(&pt_worker.reactor.timers, &hg->timer,
                 pt_now_ms + (uint64_t)u->health_check.interval);
}

static char *make_request(const struct pt_conf_upstream *u, size_t *len)
{
    const char *fmt = "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n"
                      "User-Agent: portico health check\r\n\r\n";
    int n = snprintf(NULL, 0, fmt, u->health_check.uri, u->name);
    char *s = n > 0 ? malloc((size_t)n + 1) : NULL;

    if (s == NULL)
        return NULL;
    snprintf(s, (size_t)n + 1, fmt, u->health_check.uri, u->name);
    *len = (size_t)n;
    return s;
}

static int start_group(struct hc_group *hg, const struct pt_conf_upstream *u)
{
    hg->g = pt_upstream_group_of(u);
    if (hg->g == NULL)
        return -1; /* logged */
    if (hg->g->balancer->shared == NULL) {
        pt_log(PT_LOG_ALERT, "health checks of upstream \"%s\" not run: its zone is not "
               "available", u->name);
        return -1;
    }
    hg->request = make_request(u, &hg->request_len);
    hg->probe_count = pt_upstream_capacity(hg->g->balancer);
    hg->probes = calloc(hg->probe_count ? hg->probe_count : 1, sizeof(*hg->probes));
    if (hg->request == NULL || hg->probes == NULL) {
        pt_log(PT_LOG_CRIT, "out of memory starting the health checks of upstream \"%s\"",
               u->name);
        free(hg->request);
        free(hg->probes);
        return -1;
    }
    for (uint32_t i = 0; i < hg->probe_count; i++) {
        hg->probes[i].hg = hg;
        hg->probes[i].peer = i;
    }
    hg->timer.fire = on_round;
    pt_timer_set(&pt_worker.reactor.timers, &hg->timer, pt_now_ms);
    pt_log(PT_LOG_NOTICE, "health checks of upstream \"%s\" run here: GET %s every %lldms",
           u->name, u->health_check.uri, (long long)u->health_check.interval);
    return 0;
}

void pt_health_checks_start(void)
{
    const struct pt_config *cfg = pt_worker.cfg;
    uint32_t workers = cfg->main.master_process && cfg->main.worker_processes
                           ? cfg->main.worker_processes : 1;

    if (checked != NULL || cfg->upstream_count == 0)
        return;
    checked = calloc(cfg->upstream_count, sizeof(*checked));
    if (checked == NULL) {
        pt_log(PT_LOG_CRIT, "out of memory starting the health checks");
        return;
    }
    for (uint32_t i = 0; i < cfg->upstream_count; i++) {
        const struct pt_conf_upstream *u = cfg->upstreams[i];
        if (!u->health_check.enabled || (u->peer_count == 0 && !pt_upstream_resolve_lines(u)) ||
            u->index % workers != pt_worker.slot)
            continue;
        if (start_group(&checked[checked_count], u) == 0)
            checked_count++;
    }
}

void pt_health_checks_stop(void)
{
    for (uint32_t i = 0; i < checked_count; i++) {
        struct hc_group *hg = &checked[i];
        pt_timer_cancel(&pt_worker.reactor.timers, &hg->timer);
        for (uint32_t k = 0; k < hg->probe_count; k++) {
            if (hg->probes[k].uc == NULL)
                continue;
            pt_upstream_conn_release(hg->probes[k].uc, 0);
            pt_upstream_unhold(hg->g->balancer, k);
        }
        free(hg->probes);
        free(hg->request);
    }
    free(checked);
    checked = NULL;
    checked_count = 0;
}
