/* proxy/config_load.h - a config load as the server needs it: config/'s checks, then the
 * ones config/ cannot make itself (regexes are compiled with PCRE2, which only proxy/
 * links), so `portico -t` and a reload refuse a bad regex with its file:line:col. */
#ifndef PT_PROXY_CONFIG_LOAD_H
#define PT_PROXY_CONFIG_LOAD_H

#include "config/config.h"

/* As pt_config_load; NULL with err->message filled when either check fails. */
struct pt_config *pt_proxy_config_load(const char *path, const char *prefix,
                                       const char *global_directives,
                                       struct pt_conf_error *err);

#endif
