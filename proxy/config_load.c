/* proxy/config_load.c - config/'s load plus the routing check and the log files
 * (config_load.h). */
#include "proxy/config_load.h"

#include <string.h>

#include "proxy/log_files.h"
#include "proxy/routing.h"
#include "proxy/temp_paths.h"

struct pt_config *pt_proxy_config_read(const char *path, const char *prefix,
                                       const char *global_directives,
                                       struct pt_conf_error *err)
{
    struct pt_config *cfg = pt_config_load(path, prefix, global_directives, err);
    size_t n;

    if (cfg == NULL)
        return NULL;
    if (pt_routing_check(cfg, err->message, sizeof(err->message) - 1) != 0) {
        n = strlen(err->message);
        if (n == 0 || err->message[n - 1] != '\n')
            memcpy(err->message + n, "\n", 2); /* config/'s messages end in a newline */
        pt_config_unref(cfg);
        return NULL;
    }
    return cfg;
}

struct pt_config *pt_proxy_config_load(const char *path, const char *prefix,
                                       const char *global_directives,
                                       struct pt_conf_error *err)
{
    struct pt_config *cfg = pt_proxy_config_read(path, prefix, global_directives, err);

    if (cfg != NULL && (pt_log_files_open(cfg, err) != 0 || pt_temp_paths_make(cfg, err) != 0)) {
        pt_config_unref(cfg); /* closes what was opened */
        return NULL;
    }
    return cfg;
}
