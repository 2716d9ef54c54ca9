/* core/master_gen.c - the master's copy of a plan (master_internal.h).
 *
 * The plan's memory belongs to the config loader and may go at the next load, while the
 * master needs the generation's values for as long as it respawns its workers: so it keeps
 * its own copy, with the user and group already resolved, since a name that does not
 * resolve must fail the load, not every respawn.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/master_internal.h"

static char *copy_string(const char *s, int *failed)
{
    char *c;

    if (s == NULL)
        return NULL;
    c = strdup(s);
    if (c == NULL)
        *failed = 1;
    return c;
}

static int copy_listens(struct pt_gen *g, const struct pt_master_plan *p)
{
    if (p->listen_count == 0)
        return 0;
    g->listens = calloc(p->listen_count, sizeof(*g->listens));
    g->listen_texts = calloc(p->listen_count, sizeof(*g->listen_texts));
    if (g->listens == NULL || g->listen_texts == NULL)
        return -1;
    for (uint32_t i = 0; i < p->listen_count; i++) {
        g->listens[i] = p->listens[i];
        snprintf(g->listen_texts[i], sizeof(g->listen_texts[i]), "%s",
                 p->listens[i].text ? p->listens[i].text : "?");
        g->listens[i].text = g->listen_texts[i];
    }
    g->listen_count = p->listen_count;
    return 0;
}

/* The user directive needs root, as nginx says; without it the workers keep our user. */
static int resolve_user(struct pt_gen *g, const struct pt_master_plan *p, int *failed)
{
    if (p->user == NULL)
        return 0;
    if (geteuid() != 0) {
        pt_log(PT_LOG_WARN, "the \"user\" directive makes sense only if the master process "
                            "runs with super-user privileges, ignored");
        return 0;
    }
    if (pt_proc_resolve_user(p->user, p->group, &g->uid, &g->gid) != 0)
        return -1;
    g->user = copy_string(p->user, failed);
    return 0;
}

int pt_gen_from_plan(struct pt_gen *g, const struct pt_master_plan *p)
{
    int failed = 0;

    memset(g, 0, sizeof(*g));
    if (p->workers == 0) {
        pt_log(PT_LOG_EMERG, "the plan asks for 0 worker processes");
        return -1;
    }
    g->workers = p->master_process ? p->workers : 1;
    g->shutdown_timeout_ms = p->shutdown_timeout_ms;
    g->rlimit_nofile = p->rlimit_nofile;
    g->daemon = p->daemon;
    g->master_process = p->master_process;
    g->pid_path = copy_string(p->pid_path, &failed);
    if (copy_listens(g, p) != 0)
        failed = 1;
    if (!failed && resolve_user(g, p, &failed) != 0) {
        pt_gen_cleanup(g);
        return -1;
    }
    if (failed) {
        pt_log(PT_LOG_EMERG, "out of memory copying the configuration's plan");
        pt_gen_cleanup(g);
        return -1;
    }
    return 0;
}

void pt_gen_cleanup(struct pt_gen *g)
{
    free(g->listens);
    free(g->listen_texts);
    free(g->pid_path);
    free(g->user);
    memset(g, 0, sizeof(*g));
}
