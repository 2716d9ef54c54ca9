/* proxy/config_load.h - a config load as the server needs it: config/'s checks, then the
 * ones config/ cannot make itself (regexes are compiled with PCRE2, which only proxy/
 * links), so `portico -t` and a reload refuse a bad regex with its file:line:col; and, for
 * a config that is to run, its log files opened (proxy/log_files.h), as nginx does at
 * every load, so a log that cannot be opened fails -t, a start and a reload. */
#ifndef PT_PROXY_CONFIG_LOAD_H
#define PT_PROXY_CONFIG_LOAD_H

#include "config/config.h"

/* As pt_config_load plus the routing check; no log file is opened. NULL with
 * err->message filled when either check fails. */
struct pt_config *pt_proxy_config_read(const char *path, const char *prefix,
                                       const char *global_directives,
                                       struct pt_conf_error *err);

/* pt_proxy_config_read, then pt_log_files_open: what the master runs on. NULL with
 * err->message filled when a check fails or a log file cannot be opened. */
struct pt_config *pt_proxy_config_load(const char *path, const char *prefix,
                                       const char *global_directives,
                                       struct pt_conf_error *err);

#endif
