/* proxy/variables.h - the values of $variables for a request, and strings built from
 * them (struct pt_conf_complex). The names were checked when the config loaded; one this
 * release does not compute yet evaluates to the empty string, as an unset one does in
 * nginx. */
#ifndef PT_PROXY_VARIABLES_H
#define PT_PROXY_VARIABLES_H

#include "config/config.h"
#include "core/buf.h"

struct pt_request;

/* Appends the evaluated string to out (growing it). Returns 0 or -ENOMEM. */
int pt_complex_eval(const struct pt_request *r, const struct pt_conf_complex *cv,
                    struct pt_buf *out);

#endif
