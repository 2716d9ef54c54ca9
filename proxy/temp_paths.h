/* proxy/temp_paths.h - the folders proxied request bodies spill to (client_body_temp_path),
 * made when a config is loaded, as nginx makes its temp paths: by the master, given to
 * the workers' user, so that a worker can create its (unnamed, O_TMPFILE) files there. */
#ifndef PT_PROXY_TEMP_PATHS_H
#define PT_PROXY_TEMP_PATHS_H

#include "config/config.h"

/* Makes every client_body_temp_path of a proxying location that does not exist (one
 * level, mode 0700). Returns 0, or -1 with err->message "mkdir() \"PATH\" failed (...)". */
int pt_temp_paths_make(const struct pt_config *cfg, struct pt_conf_error *err);

#endif
