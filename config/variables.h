/* config/variables.h - "$name" and "${name}" in values that allow variables.
 *
 * A value is compiled once, at load, into literal and variable parts
 * (struct pt_conf_complex), so a request only fills in the variables. Names are
 * checked against pt_conf_known_variables: an unknown one is a load error, as in nginx.
 * Internal to config/.
 */
#ifndef PT_CONFIG_VARIABLES_H
#define PT_CONFIG_VARIABLES_H

#include "config/load.h"

/* Compiles w (its unescaped text) into *out; parts point into w's text. */
int pt_conf_compile_complex(struct pt_conf_load *ld, const struct pt_conf_word *w,
                            struct pt_conf_complex *out);

/* Whether name (without '$') is a known variable: an exact name, a name under a prefix
 * entry ("http_*"), or a capture 1..9. */
int pt_conf_variable_known(const char *name, uint32_t len);

/* Gathers the named groups of every regex in the tree from first (server_name ~RE,
 * location ~ RE, map ~KEY), before the walk: nginx accepts $name for a group written
 * anywhere in the config, later too (capture_names.c). PT_OK, or PT_ERROR out of memory. */
int pt_conf_collect_groups(struct pt_conf_load *ld, const struct pt_conf_node *first);

/* Whether name is a named group of one of the config's regexes (after the gathering). */
int pt_conf_group_known(const struct pt_conf_load *ld, const char *name, uint32_t len);

#endif
