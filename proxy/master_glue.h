/* proxy/master_glue.h - the configuration, as the generic master (core/master.h) sees it.
 *
 * core/ knows nothing of the config language, so this adapter implements its ops: load()
 * reads the config and describes it as a plan (one listening address per
 * cfg->listeners[i], worker_processes, pid, user, ...) with its log files open
 * (proxy/log_files.h), commit() makes that snapshot the one new workers run and switches
 * the error log, worker_main() runs pt_worker_run on it, reopen_logs() reopens the error
 * log and the snapshot's log files for SIGUSR1. The master forks workers from the
 * committed snapshot; each worker holds it, and inherits its log files, for life.
 * load() also acquires the shared memory zones the config names (proxy/upstream_zone.h),
 * so they are mapped before the workers are forked; a zone the committed config no
 * longer names is released at commit.
 */
#ifndef PT_PROXY_MASTER_GLUE_H
#define PT_PROXY_MASTER_GLUE_H

#include "config/config.h"
#include "core/master.h"

struct pt_upstream_zones;

struct pt_master_glue {
    const char *conf_path;     /* -c, NULL for the default */
    const char *prefix;        /* -p, already resolved by main */
    const char *globals;       /* -g, may be NULL */
    struct pt_config *current; /* committed: what new workers run */
    struct pt_config *loaded;  /* loaded, not committed yet */
    struct pt_listen_spec *specs; /* loaded's listeners, for the plan */
    struct pt_upstream_zones *zones_current; /* the zones current names */
    struct pt_upstream_zones *zones_loaded;  /* the zones loaded names */
    char log_path[4096];       /* the error log in use, "" before the first commit */
    int log_level;
};

/* Fills ops for pt_master_run; g must outlive the run. The strings are borrowed. */
void pt_master_glue_init(struct pt_master_glue *g, struct pt_master_ops *ops,
                         const char *conf_path, const char *prefix, const char *globals);
void pt_master_glue_cleanup(struct pt_master_glue *g);

#endif
