/* config/setters.h - the setters registry rows point at.
 *
 * Typed setters (setters.c) read one argument as a size, time, flag, number, enum,
 * string or path and store it at the row's field, sized by the row. Custom setters
 * handle directives with a shape of their own. Internal to config/.
 */
#ifndef PT_CONFIG_SETTERS_H
#define PT_CONFIG_SETTERS_H

#include "config/registry.h"

#define PT_SETTER(name)                                                                 \
    int name(struct pt_conf_load *ld, const struct pt_conf_row *row,                    \
             const struct pt_conf_node *node, void *field)

/* setters.c: one argument each. */
PT_SETTER(pt_conf_set_size);
PT_SETTER(pt_conf_set_time);
PT_SETTER(pt_conf_set_flag);   /* field NULL: checked, not stored */
PT_SETTER(pt_conf_set_number); /* row->extra: const struct pt_conf_bounds *, or NULL */
PT_SETTER(pt_conf_set_enum);   /* row->extra: const struct pt_conf_enum * */
PT_SETTER(pt_conf_set_string);
PT_SETTER(pt_conf_set_path);   /* relative to the prefix */
PT_SETTER(pt_conf_set_none);   /* include: expanded before the walk */

/* setters_main.c */
PT_SETTER(pt_conf_set_worker_processes);
PT_SETTER(pt_conf_set_user);
PT_SETTER(pt_conf_set_error_log);
PT_SETTER(pt_conf_set_pid);
PT_SETTER(pt_conf_set_use);

/* setters_http.c */
PT_SETTER(pt_conf_set_keepalive_timeout);
PT_SETTER(pt_conf_set_large_buffers);
PT_SETTER(pt_conf_set_return);
PT_SETTER(pt_conf_set_server_name);

/* setters_static.c */
PT_SETTER(pt_conf_set_root); /* root and alias */
PT_SETTER(pt_conf_set_index);
PT_SETTER(pt_conf_set_try_files);
PT_SETTER(pt_conf_set_types);
PT_SETTER(pt_conf_set_expires);
PT_SETTER(pt_conf_set_add_header);
PT_SETTER(pt_conf_set_error_page);
PT_SETTER(pt_conf_set_open_file_cache);

/* setters_log.c */
PT_SETTER(pt_conf_set_log_format);
PT_SETTER(pt_conf_set_access_log);

/* setters_map.c */
PT_SETTER(pt_conf_set_map);
/* Makes the variables of the map blocks from `from` on (same level) known ahead. */
int pt_conf_map_declare_ahead(struct pt_conf_load *ld, const struct pt_conf_node *from);

/* upstream.c */
PT_SETTER(pt_conf_set_upstream);
PT_SETTER(pt_conf_set_upstream_server);
PT_SETTER(pt_conf_set_upstream_keepalive);
PT_SETTER(pt_conf_set_upstream_balancer); /* least_conn, ip_hash, hash */
PT_SETTER(pt_conf_set_upstream_zone);
PT_SETTER(pt_conf_set_health_check);

/* setters_proxy.c */
PT_SETTER(pt_conf_set_proxy_pass);
PT_SETTER(pt_conf_set_proxy_header);
PT_SETTER(pt_conf_set_header_names); /* proxy_hide_header, proxy_pass_header */
PT_SETTER(pt_conf_set_next_upstream);
PT_SETTER(pt_conf_set_proxy_buffers);
PT_SETTER(pt_conf_set_busy_buffers);
PT_SETTER(pt_conf_set_temp_path);
PT_SETTER(pt_conf_set_resolver);

/* listen.c */
PT_SETTER(pt_conf_set_listen);

/* blocks.c */
PT_SETTER(pt_conf_set_events);
PT_SETTER(pt_conf_set_http);
PT_SETTER(pt_conf_set_server);
PT_SETTER(pt_conf_set_location);

/* Bounds for pt_conf_set_number. */
struct pt_conf_bounds {
    uint64_t min;
    uint64_t max;
};

/* Fails with `invalid value "V" in "NAME": expected WHAT`, pointing at the value. */
int pt_conf_bad_value(struct pt_conf_load *ld, const struct pt_conf_node *node,
                      const struct pt_conf_word *value, const char *expected);

#endif
