/* proxy/master_glue.c - the master's ops on the configuration (master_glue.h). */
#include "proxy/master_glue.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "proxy/config_load.h"
#include "proxy/log_files.h"
#include "proxy/upstream_zone.h"
#include "proxy/worker.h"

static struct pt_listen_spec *make_specs(const struct pt_config *cfg)
{
    struct pt_listen_spec *specs = calloc(cfg->listener_count + 1, sizeof(*specs));

    for (uint32_t i = 0; specs != NULL && i < cfg->listener_count; i++) {
        const struct pt_conf_listener *l = cfg->listeners[i];
        specs[i].addr = l->addr;
        specs[i].addr_len = l->addr_len;
        specs[i].backlog = l->backlog;
        specs[i].ipv6only = l->ipv6only;
        specs[i].text = l->text;
    }
    return specs;
}

static void drop_loaded(struct pt_master_glue *g)
{
    pt_config_unref(g->loaded);
    g->loaded = NULL;
    free(g->specs);
    g->specs = NULL;
    pt_upstream_zones_release(g->zones_loaded);
    g->zones_loaded = NULL;
}

static void fill_plan(const struct pt_master_glue *g, struct pt_master_plan *plan)
{
    const struct pt_conf_main *m = &g->loaded->main;

    plan->workers = m->worker_processes;
    plan->listens = g->specs;
    plan->listen_count = g->loaded->listener_count;
    plan->shutdown_timeout_ms = m->worker_shutdown_timeout;
    plan->pid_path = m->pid;
    plan->user = m->user;
    plan->group = m->group;
    plan->rlimit_nofile = m->worker_rlimit_nofile;
    plan->daemon = m->daemon;
    plan->master_process = m->master_process;
}

static int glue_load(void *ctx, struct pt_master_plan *plan)
{
    struct pt_master_glue *g = ctx;
    struct pt_conf_error err;
    struct pt_config *cfg;

    drop_loaded(g); /* a load whose sockets failed was never committed */
    cfg = pt_proxy_config_load(g->conf_path, g->prefix, g->globals, &err);
    if (cfg == NULL) {
        pt_log(PT_LOG_EMERG, "%s", err.message);
        return -1;
    }
    g->loaded = cfg;
    g->zones_loaded = pt_upstream_zones_prepare(cfg, err.message, sizeof(err.message));
    if (g->zones_loaded == NULL) {
        pt_log(PT_LOG_EMERG, "%s", err.message);
        drop_loaded(g);
        return -1;
    }
    g->specs = make_specs(cfg);
    if (g->specs == NULL) {
        pt_log(PT_LOG_EMERG, "out of memory");
        drop_loaded(g);
        return -1;
    }
    fill_plan(g, plan);
    return 0;
}

static void switch_log(struct pt_master_glue *g)
{
    char path[sizeof(g->log_path)];
    int level = (int)g->current->main.error_log_level, rc;

    pt_log_files_error_log(g->current, path, sizeof(path));
    if (strcmp(path, g->log_path) == 0 && level == g->log_level)
        return;
    rc = pt_log_open(path, level);
    if (rc < 0) {
        pt_log(PT_LOG_ALERT, "open() \"%s\" failed (%d: %s): the error log stays where it "
               "was", path, -rc, strerror(-rc));
        return;
    }
    memcpy(g->log_path, path, sizeof(path));
    g->log_level = level;
}

static void glue_commit(void *ctx)
{
    struct pt_master_glue *g = ctx;

    pt_config_unref(g->current);
    g->current = g->loaded;
    g->loaded = NULL;
    free(g->specs);
    g->specs = NULL;
    pt_upstream_zones_release(g->zones_current); /* a zone both name stays mapped */
    g->zones_current = g->zones_loaded;
    g->zones_loaded = NULL;
    switch_log(g);
}

static int glue_worker_main(void *ctx, uint32_t slot, const int *fds, uint32_t fd_count)
{
    struct pt_master_glue *g = ctx;

    return pt_worker_run(g->current, slot, fds, fd_count);
}

/* The workers' user, when the master can give files to it (it runs as root); else -1. */
static uid_t workers_owner(const struct pt_master_glue *g)
{
    const char *user = g->current ? g->current->main.user : NULL;
    struct passwd *pw;

    if (user == NULL || geteuid() != 0 || (pw = getpwnam(user)) == NULL)
        return (uid_t)-1;
    return pw->pw_uid;
}

/* As nginx's master on SIGUSR1: it reopens every log first (as root, it can create the
 * files) and gives each new file to the workers' user, so that their own reopen, on the
 * SIGUSR1 forwarded next, can open it. */
static int glue_reopen_logs(void *ctx)
{
    struct pt_master_glue *g = ctx;
    uid_t owner = workers_owner(g);
    int rc = pt_log_reopen();

    if (rc < 0)
        pt_log(PT_LOG_ALERT, "reopening \"%s\" failed (%d: %s)", g->log_path, -rc,
               strerror(-rc));
    else if (owner != (uid_t)-1 && pt_log_fd() != STDERR_FILENO)
        pt_log_file_give(pt_log_fd(), g->log_path, owner);
    if (g->current != NULL)
        pt_log_files_reopen(g->current, owner);
    return rc < 0 ? -1 : 0;
}

void pt_master_glue_init(struct pt_master_glue *g, struct pt_master_ops *ops,
                         const char *conf_path, const char *prefix, const char *globals)
{
    memset(g, 0, sizeof(*g));
    g->conf_path = conf_path;
    g->prefix = prefix;
    g->globals = globals;
    g->log_level = -1;
    memset(ops, 0, sizeof(*ops));
    ops->ctx = g;
    ops->load = glue_load;
    ops->commit = glue_commit;
    ops->worker_main = glue_worker_main;
    ops->reopen_logs = glue_reopen_logs;
}

void pt_master_glue_cleanup(struct pt_master_glue *g)
{
    drop_loaded(g);
    pt_config_unref(g->current);
    g->current = NULL;
    pt_upstream_zones_release(g->zones_current);
    g->zones_current = NULL;
}
