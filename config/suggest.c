/* config/suggest.c - what to say about a directive portico does not know.
 *
 * Three cases, never a silent skip: a directive nginx has and portico does not support
 * yet says exactly that (a user moving an nginx.conf learns what is missing, not that
 * they made a typo); a name near a known directive gets "did you mean" (Damerau-
 * Levenshtein over the registry, distance 1 for short names, 2 otherwise); anything else
 * is an unknown directive, as nginx says. */
#include <string.h>

#include "config/registry.h"
#include "core/pt_types.h"

/* nginx directives (core, http, events, upstream, stream, mail modules, open source and
 * commercial) that portico does not implement yet, by exact name. */
static const char *const nginx_names[] = {
    "absolute_redirect", "accept_mutex_delay", "add_after_body",
    "add_before_body", "add_trailer", "addition_types", "allow",
    "api", "break", "chunked_transfer_encoding", "client_body_in_file_only",
    "client_body_in_single_buffer", "connection_pool_size",
    "create_full_put_path", "debug_connection", "debug_points", "deny",
    "devpoll_changes", "devpoll_events", "disable_symlinks", "empty_gif", "env",
    "epoll_events", "eventport_events", "flv",
    "google_perftools_profiles", "http2", "http3", "if", "if_modified_since",
    "ignore_invalid_headers", "internal", "keepalive_disable", "kqueue_changes",
    "kqueue_events", "least_time",
    "limit_except", "load_module", "lock_file", "log_not_found",
    "log_subrequest", "match", "merge_slashes", "min_delete_depth",
    "msie_padding", "msie_refresh", "ntlm", "output_buffers", "pcre_jit", "port_in_redirect",
    "postpone_output", "protocol", "queue", "random", "random_index", "read_ahead",
    "recursive_error_pages", "request_pool_size", "reset_timedout_connection",
    "rewrite", "rewrite_log", "satisfy", "send_lowat", "server_name_in_redirect",
    "set", "set_real_ip_from", "starttls", "state", "status", "status_format",
    "status_zone", "sticky", "sticky_cookie_insert", "stream", "stub_status",
    "subrequest_output_buffer_size", "thread_pool", "timeout", "timer_resolution",
    "underscores_in_headers", "uninitialized_variable_warn",
    "valid_referers", "worker_aio_requests", "worker_cpu_affinity",
    "worker_priority", "worker_rlimit_core", "working_directory", "mail", "geo",
    "server_names_hash_bucket_size", "server_names_hash_max_size", "variables_hash_bucket_size",
    "variables_hash_max_size", "types_hash_bucket_size", "types_hash_max_size",
    "map_hash_bucket_size", "map_hash_max_size", "open_log_file_cache",
    NULL,
};

/* Families named by their prefix: every proxy_*, ssl_*, gzip* ... directive (but those
 * with a registry row, and names a typo away from one). */
static const char *const nginx_prefixes[] = {
    "proxy_", "fastcgi_", "uwsgi_", "scgi_", "grpc_", "memcached_", "ssl", "gzip", "gunzip",
    "limit_req", "limit_conn", "limit_rate", "auth_", "sub_filter", "ssi", "image_filter",
    "xslt_", "perl", "js_", "mp4", "hls", "f4f", "slice", "secure_link", "userid",
    "geoip_", "geoip2", "dav_", "autoindex", "open_file_cache_", "http2_", "http3_", "quic_",
    "spdy_", "zone_sync", "health_check", "mirror", "ancient_browser", "modern_browser",
    "charset", "source_charset", "override_charset", "referer_hash_", "resolver",
    "real_ip_", "split_clients", "imap_", "pop3_", "smtp_", "preread_", "otel_",
    "keyval", "aio", "directio", "mqtt",
    NULL,
};

static int nginx_name(const char *name)
{
    for (const char *const *n = nginx_names; *n; n++) {
        if (strcmp(*n, name) == 0)
            return 1;
    }
    return 0;
}

static int nginx_family(const char *name)
{
    for (const char *const *p = nginx_prefixes; *p; p++) {
        if (strncmp(*p, name, strlen(*p)) == 0)
            return 1;
    }
    return 0;
}

int pt_conf_nginx_only(const char *name)
{
    /* A row is supported, though its family (proxy_*, resolver*) is not all. */
    return !pt_conf_row_find(name) && (nginx_name(name) || nginx_family(name));
}

#define MAX_NAME 64

static uint32_t min3(uint32_t a, uint32_t b, uint32_t c)
{
    uint32_t m = a < b ? a : b;

    return m < c ? m : c;
}

/* Optimal string alignment distance: insertions, deletions, substitutions and swaps
 * of neighbours cost 1. Three rolling rows; names longer than MAX_NAME are never near. */
uint32_t pt_conf_distance(const char *a, const char *b, uint32_t limit)
{
    uint32_t rows[3][MAX_NAME + 1];
    uint32_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
    size_t la = strlen(a), lb = strlen(b);

    if (la > MAX_NAME || lb > MAX_NAME || (la > lb ? la - lb : lb - la) > limit)
        return limit + 1;
    for (size_t j = 0; j <= lb; j++)
        prev[j] = (uint32_t)j;
    for (size_t i = 1; i <= la; i++) {
        uint32_t best = cur[0] = (uint32_t)i;
        for (size_t j = 1; j <= lb; j++) {
            uint32_t cost = a[i - 1] != b[j - 1];
            cur[j] = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                prev2[j - 2] + 1 < cur[j])
                cur[j] = prev2[j - 2] + 1;
            if (cur[j] < best)
                best = cur[j];
        }
        if (best > limit)
            return limit + 1;
        uint32_t *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    return prev[lb] <= limit ? prev[lb] : limit + 1;
}

/* The registry name nearest to name, preferring on a tie one allowed in ctx. */
static const char *nearest(const char *name, unsigned ctx)
{
    uint32_t limit = strlen(name) <= 4 ? 1 : 2;
    uint32_t best_d = limit + 1;
    int best_here = 0;
    const char *best = NULL;

    for (uint32_t i = 0; i < pt_conf_row_count; i++) {
        const struct pt_conf_row *row = &pt_conf_rows[i];
        uint32_t d = pt_conf_distance(name, row->name, limit);
        int here = (row->ctx & ctx) != 0;
        if (d < best_d || (d == best_d && d <= limit && here && !best_here)) {
            best = row->name;
            best_d = d;
            best_here = here;
        }
    }
    return best;
}

int pt_conf_fail_unknown(struct pt_conf_load *ld, const struct pt_conf_node *node)
{
    const struct pt_conf_word *w = &node->words[0];
    const char *shown = pt_conf_show(ld, w->text, w->len);
    const char *near;

    near = nearest(w->text, ld->scope->ctx);
    /* "proxy_pas" is a typo of proxy_pass, not one of the proxy_* portico lacks. */
    if (nginx_name(w->text) || (nginx_family(w->text) && !near))
        return pt_conf_fail(ld, w, NULL, "\"%s\" is an nginx directive portico does not "
                            "support yet", shown);
    if (near)
        return pt_conf_fail(ld, w, NULL, "unknown directive \"%s\", did you mean \"%s\"?",
                            shown, near);
    return pt_conf_fail(ld, w, NULL, "unknown directive \"%s\"", shown);
}
