/* config/config.h - the configuration snapshot a master and its workers run on.
 *
 * pt_config_load() reads nginx's configuration language (a documented subset, with
 * nginx's semantics and defaults), checks every directive against the registry
 * (config/registry.c) and returns an immutable, reference-counted snapshot: everything in
 * it lives in one arena freed in one step when the last reference goes, so a reload never
 * frees what a live request still reads. Errors name file:line:col, show the line with a
 * caret and say what was expected.
 */
#ifndef PT_CONFIG_CONFIG_H
#define PT_CONFIG_CONFIG_H

#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "config/config_base.h"

/* nginx's error_log levels, most severe first. core/log.h declares the same enum (core
 * and config may not include each other); whichever comes first defines it. */
#ifndef PT_LOG_LEVELS_DEFINED
#define PT_LOG_LEVELS_DEFINED
enum pt_log_level {
    PT_LOG_EMERG = 0,
    PT_LOG_ALERT,
    PT_LOG_CRIT,
    PT_LOG_ERR,
    PT_LOG_WARN,
    PT_LOG_NOTICE,
    PT_LOG_INFO,
    PT_LOG_DEBUG,
};
#endif

/* return code [text | URL]; code 0 when no return is configured. */
struct pt_conf_return {
    uint16_t code;
    uint8_t has_text;
    struct pt_conf_complex text; /* body for most codes, Location for 301 302 303 307 308 */
    struct pt_conf_origin origin;
};

enum pt_lingering_close { PT_LINGERING_OFF = 0, PT_LINGERING_ON, PT_LINGERING_ALWAYS };

/* log_format's escape= parameter. */
enum pt_log_escape { PT_LOG_ESCAPE_DEFAULT = 0, PT_LOG_ESCAPE_JSON, PT_LOG_ESCAPE_NONE };

/* log_format NAME [escape=...] STRING...; "combined" is predefined, as in nginx. */
struct pt_conf_log_format {
    const char *name;
    enum pt_log_escape escape;
    struct pt_conf_complex line; /* the strings joined; a newline is added per entry */
    struct pt_conf_log_format *next; /* the config's formats, newest first */
};

/* One log file of a snapshot, as nginx's cycle->open_files: each distinct access_log
 * path once. config/ only lists them; proxy/ opens them when the master loads the config
 * (proxy/log_files.h), as root, and the workers inherit the descriptors. The snapshot
 * closes them when its last reference goes. */
struct pt_conf_log_file {
    const char *path; /* absolute, or /dev/stdout, /dev/stderr */
    int fd;           /* -1: not opened; 1 or 2 for /dev/stdout and /dev/stderr */
    uint32_t index;   /* 0..log_file_count-1, in the order the paths were first named */
    uint8_t written;  /* named by an access_log in the config, not only by the default
                       * (nginx opens the default only where a server or location uses it) */
    struct pt_conf_log_file *next;
};

/* One access_log PATH [FORMAT [buffer=SIZE] [flush=TIME]]. */
struct pt_conf_access_log {
    const char *path; /* absolute (prefix-relative resolved), or /dev/stdout, /dev/stderr */
    struct pt_conf_log_file *file; /* path's entry in the snapshot's log_files */
    const struct pt_conf_log_format *format;
    uint32_t buffer;  /* bytes; 0: every line is written at once */
    pt_msec_t flush;  /* 0: buffered lines wait until the buffer fills */
    struct pt_conf_origin origin;
};

/* The access_log directives of one level: a level that writes any replaces its parent's
 * (nginx), so the set is inherited as one value. */
struct pt_conf_access_logs {
    struct pt_conf_access_log *logs; /* in the arena, in config order */
    uint32_t count;
    uint8_t off;          /* access_log off: nothing is logged here */
    uint8_t from_default; /* still nginx's default: the first directive written replaces it */
};

/* map $source $name { default V; KEY V; ... }: $name computed when a request uses it. */
struct pt_conf_map_entry {
    const char *key;
    uint32_t key_len;
    struct pt_conf_complex value;
};

/* A "~RE VALUE;" or "~*RE VALUE;" line: tried after the exact keys, in config order;
 * proxy/ compiles pattern (routing.h: pt_routing_map_regex). $1..$9 and the regex's named
 * groups in value are the regex's captures. */
struct pt_conf_map_regex {
    const char *pattern; /* without the "~" or "~*" */
    uint32_t pattern_len;
    uint8_t caseless;
    struct pt_conf_complex value;
    struct pt_conf_origin origin; /* of the key */
};

struct pt_conf_map {
    const char *name; /* the new variable, without '$' */
    uint32_t name_len;
    struct pt_conf_complex source;
    struct pt_conf_map_entry *entries; /* exact keys, config order */
    uint32_t entry_count;
    struct pt_conf_complex def; /* default: "" unless written */
    uint8_t ahead;              /* named by a map block further on, not read yet */
    struct pt_conf_map *next;   /* the config's maps, newest first */
    struct pt_conf_map_regex *regexes; /* regex keys, config order */
    uint32_t regex_count;
};

/* root / alias: a path that may hold variables ($1 from a regex location). A relative
 * root is made absolute against the prefix at load. */
struct pt_conf_path {
    struct pt_conf_complex path; /* raw NULL: unset */
    /* alias: how much of the URI it replaces, the prefix of the location where it was
     * written (nested locations that set neither root nor alias inherit both, as
     * nginx); whole_uri in a regex location, where the evaluated alias is the path. */
    uint32_t strip;
    uint8_t whole_uri;
};

/* index FILE...: the names tried, in order, for a URI ending in '/'. */
struct pt_conf_index {
    struct pt_conf_complex *names;
    uint32_t count;
    uint8_t from_default; /* still nginx's default: the first directive replaces it */
};

/* try_files ITEM... LAST: items checked in order; LAST is "=code" or a URI. */
struct pt_conf_try_files {
    struct pt_conf_complex *items; /* count - 1 checks, then the fallback */
    uint32_t count;
    uint16_t fallback_code; /* "=code" as the last item; 0 when it is a URI */
};

/* types { type ext...; }: sorted by lower-case extension for a binary search. */
struct pt_conf_type {
    const char *ext;
    const char *type;
};

struct pt_conf_types {
    struct pt_conf_type *entries; /* NULL: nginx's built-in three (html, gif, jpg) */
    uint32_t count;
};

enum pt_expires_mode {
    PT_EXPIRES_OFF = 0,
    PT_EXPIRES_EPOCH,
    PT_EXPIRES_MAX,
    PT_EXPIRES_TIME,     /* now + time; a negative time gives Cache-Control: no-cache */
    PT_EXPIRES_MODIFIED, /* the file's mtime + time (now + time for other responses) */
    PT_EXPIRES_DAILY,    /* @time: the next such time of day, local time */
};

struct pt_conf_expires {
    enum pt_expires_mode mode;
    pt_msec_t time;
};

/* add_header NAME VALUE [always]. */
struct pt_conf_header {
    const char *name;
    uint32_t name_len;
    struct pt_conf_complex value;
    uint8_t always; /* every status, not only 2xx and 3xx */
};

/* error_page CODE ... [=[RESPONSE]] URI: one entry per code. A level with any
 * error_page replaces its parent's list (nginx's inheritance). */
struct pt_conf_error_page {
    uint16_t code;
    int16_t response;            /* -1: keep code; 0: "=" (the redirect's own status); else */
    struct pt_conf_complex uri;  /* "/path", "@name", or an absolute URL (a 302) */
};

struct pt_conf_error_pages {
    struct pt_conf_error_page *list;
    uint32_t count;
};

/* The add_header directives of a level: a level with any replaces its parent's. */
struct pt_conf_headers {
    struct pt_conf_header *list;
    uint32_t count;
};

/* open_file_cache max=N [inactive=T] | off. */
struct pt_conf_open_file_cache {
    uint32_t max; /* 0: off */
    pt_msec_t inactive; /* 60s */
};

#include "config/config_proxy.h"

/* The values a request runs with, settable at http, server and (most) location level and
 * inherited downward as nginx does: a level that does not set a value takes its parent's,
 * the top takes nginx's default. Fields are named for their directive. */
struct pt_conf_http_values {
    /* http, server */
    uint32_t client_header_buffer_size;        /* 1k */
    uint32_t large_client_header_buffers_num;  /* 4 */
    uint32_t large_client_header_buffers_size; /* 8k */
    pt_msec_t client_header_timeout;           /* 60s */
    uint32_t client_max_headers;               /* 100: header lines a request may carry */
    /* http, server, location */
    pt_msec_t keepalive_timeout;        /* 75s; 0 disables keep-alive */
    pt_msec_t keepalive_header_timeout; /* 0: no "Keep-Alive: timeout=N" header */
    uint32_t keepalive_requests;        /* 1000 */
    pt_msec_t keepalive_time;           /* 1h */
    pt_msec_t client_body_timeout;      /* 60s */
    pt_msec_t send_timeout;             /* 60s */
    uint64_t client_max_body_size;      /* 1m; 0 disables the check */
    uint32_t client_body_buffer_size;   /* 16k (2 pages x 8k in nginx on x86-64) */
    enum pt_lingering_close lingering_close; /* on */
    pt_msec_t lingering_time;                /* 30s */
    pt_msec_t lingering_timeout;             /* 5s */
    uint8_t server_tokens;                   /* on; 0 off, 1 on, 2 build (shown as on) */
    uint8_t tcp_nodelay;                     /* on */
    struct pt_conf_return ret;               /* server and location only, not inherited */
    struct pt_conf_access_logs access_log;   /* logs/access.log combined */
    /* static files (proxy/static.c) */
    struct pt_conf_path root;             /* html */
    struct pt_conf_path alias;            /* location only; a root below clears it */
    struct pt_conf_index index;           /* index.html */
    struct pt_conf_try_files try_files;   /* server and location, not inherited */
    struct pt_conf_types types;           /* nginx's built-in three */
    const char *default_type;             /* text/plain */
    uint8_t sendfile;                     /* off */
    uint8_t tcp_nopush;                   /* off */
    uint8_t etag;                         /* on */
    uint8_t dotfiles;                     /* off: portico's own, see proxy/static.h */
    uint64_t sendfile_max_chunk;          /* 2m; 0: no limit */
    uint64_t max_ranges;                  /* 2147483647 (nginx: unlimited); 0: no ranges */
    struct pt_conf_expires expires;       /* off */
    /* the reverse proxy (proxy/upstream*.c) */
    struct pt_conf_proxy proxy;
    struct pt_conf_headers add_header;    /* none */
    struct pt_conf_error_pages error_page; /* none */
    struct pt_conf_open_file_cache open_file_cache; /* off */
};

enum pt_loc_match {
    PT_LOC_PREFIX = 0, /* location /path */
    PT_LOC_EXACT,      /* location = /path */
    PT_LOC_PREFIX_NOREGEX, /* location ^~ /path */
    PT_LOC_REGEX,      /* location ~ re */
    PT_LOC_REGEX_CASELESS, /* location ~* re */
    PT_LOC_NAMED,      /* location @name */
};

struct pt_conf_location {
    enum pt_loc_match match;
    const char *pattern; /* the path, regex source, or name (without '@') */
    uint32_t pattern_len;
    struct pt_conf_http_values values; /* merged: final values for requests here */
    struct pt_conf_location **children; /* nested locations, in config order */
    uint32_t child_count;
    struct pt_conf_location *parent; /* NULL at server level */
    struct pt_conf_origin origin;
};

struct pt_conf_listen {
    struct sockaddr_storage addr;
    socklen_t addr_len;
    const char *text;  /* normalised "127.0.0.1:8080" / "[::1]:8080" for logs and -T */
    int backlog;       /* backlog=N, default 511 as nginx */
    uint8_t default_server;
    uint8_t reuseport; /* accepted: portico always gives each worker its own socket */
    uint8_t ipv6only;  /* ipv6only=on|off, default on; only an IPv6 socket uses it */
    uint8_t options_set; /* backlog, reuseport, ipv6only or bind written: this listen
                          * gives its address's socket options (one per address) */
    struct pt_conf_origin origin; /* of the address argument */
};

struct pt_conf_server {
    struct pt_conf_listen *listens; /* none written: nginx's *:80 as root, else *:8000 */
    uint32_t listen_count;
    const char **names; /* server_name values as written, "" for the empty name */
    uint32_t name_count;
    struct pt_conf_http_values values; /* merged server-level values (with server return) */
    struct pt_conf_location **locations; /* top-level locations, in config order */
    uint32_t location_count;
    struct pt_conf_origin origin;
    struct pt_conf_origin *name_origins; /* names[i] was written at name_origins[i] (the
                                          * default "" at the server block), for messages
                                          * about a name such as an invalid regex */
};

/* One listening address, with the servers that listen on it. The master binds one socket
 * per worker for each listener (SO_REUSEPORT) and keeps it across reloads while the same
 * address stays in the config. */
struct pt_conf_listener {
    struct sockaddr_storage addr;
    socklen_t addr_len;
    const char *text;
    int backlog;
    uint8_t ipv6only;
    struct pt_conf_server **servers; /* in config order */
    uint32_t server_count;
    struct pt_conf_server *default_server; /* default_server, else the first */
};

struct pt_conf_main {
    uint32_t worker_processes; /* "auto" resolved to the online CPU count */
    uint8_t worker_processes_auto;
    uint8_t daemon;            /* on, as nginx */
    uint8_t master_process;    /* on */
    const char *pid;           /* absolute; "logs/portico.pid" under the prefix; NULL for "off" */
    const char *user;          /* NULL: keep the running user */
    const char *group;         /* the user's name when not written, as nginx */
    const char *error_log;     /* absolute path, "stderr", or NULL for the compiled default */
    enum pt_log_level error_log_level; /* error */
    uint64_t worker_rlimit_nofile;     /* 0: leave the limit alone */
    pt_msec_t worker_shutdown_timeout; /* 0: wait for in-flight requests without limit */
    uint32_t worker_connections;       /* events { worker_connections 512; } */
    uint8_t multi_accept;              /* accepted, portico always accepts in a loop */
};

struct pt_config {
    const char *path;   /* the main file, absolute */
    const char *prefix; /* -p, default the compiled prefix; relative paths resolve here */
    struct pt_conf_main main;
    uint8_t has_http;
    struct pt_conf_http_values http_values;
    struct pt_conf_server **servers;
    uint32_t server_count;
    struct pt_conf_listener **listeners;
    uint32_t listener_count;
    struct pt_conf_log_format *log_formats; /* log_format, newest first, "combined" too */
    struct pt_conf_map *maps;               /* map blocks, newest first */
    struct pt_conf_upstream **upstreams;    /* upstream blocks in config order, then the
                                             * implicit groups of proxy_pass in the order
                                             * first named; upstreams[i]->index == i */
    uint32_t upstream_count;
    struct pt_conf_log_file *log_files;     /* every access_log path, first named first */
    uint32_t log_file_count;
    const char **files; /* every file read, main first, in reading order (for -T);
                         * absolute; a file included twice is listed once */
    const char **file_names; /* files[i] as messages name it (pt_conf_origin.file) */
    const char **file_data;  /* files[i]'s bytes as they were read */
    uint32_t *file_sizes;
    uint32_t file_count;
    uint32_t refs; /* not atomic: a snapshot is shared by processes, never threads */
    void *arena; /* owns everything above, the struct itself included */
};

/* A load failure: the formatted message (file:line:col, the line, a caret, what was
 * expected, and "did you mean" when a known directive is near), ready to print with
 * fputs: every line, the last included, ends in "\n". The layout is described at the
 * top of config/config_error.c. */
struct pt_conf_error {
    char message[2048];
};

/* Reads path (resolved against prefix when relative; path NULL for
 * "conf/portico.conf"; prefix NULL for the compiled default, a relative prefix is taken
 * from the working directory), with global_directives (-g, may be NULL) parsed as if
 * written at the top of the main context (messages call it "command line"). Relative
 * paths in directives (pid, error_log) resolve against the prefix; an include's against
 * the including file's folder. Messages name the main file as path was given. Returns a
 * snapshot with one reference, or NULL with *err filled. */
struct pt_config *pt_config_load(const char *path, const char *prefix,
                                 const char *global_directives, struct pt_conf_error *err);

/* The compiled default prefix (-p), e.g. "/usr/local/portico"; static storage. */
const char *pt_config_default_prefix(void);

struct pt_config *pt_config_ref(struct pt_config *cfg);
/* The last unref closes the log files' descriptors (those above 2) and frees the arena. */
void pt_config_unref(struct pt_config *cfg); /* NULL is a no-op */

/* A check made after loading (e.g. proxy/'s regex compilation) reported in the loader's
 * shape: "FILE:LINE:COL: msg", the line, a caret. The caret goes under the first
 * occurrence of token (token_len bytes) on that line at or after o's column, or under
 * o's column when token is NULL or not found there. out is always NUL-terminated. */
void pt_config_error_at(const struct pt_config *cfg, const struct pt_conf_origin *o,
                        const char *token, size_t token_len, const char *msg, char *out,
                        size_t cap);

/* nginx -T: each file read, as "# configuration file PATH:", its bytes and a newline.
 * Returns PT_OK (0) or PT_ERROR (-1) when writing failed. */
int pt_config_dump(const struct pt_config *cfg, FILE *out);

/* The names of variables portico knows (for $name in values), without '$';
 * NULL-terminated. A name ending in "*" is a family: "http_*" is every $http_NAME.
 * "1".."9" are regex captures. */
extern const char *const pt_conf_known_variables[];

/* The map that defines $name (name without '$'), or NULL. */
const struct pt_conf_map *pt_conf_map_find(const struct pt_config *cfg, const char *name,
                                           uint32_t len);

#endif
