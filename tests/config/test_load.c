/* tests/config/test_load.c - valid configs: values and defaults, nginx's inheritance,
 * includes with globs, -g, listeners, locations and return, -T, and the refcount.
 *
 * usage: test_load DIR   (DIR = tests/config; configs under DIR/valid)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "tests/config/valid_config.h"
#include "tests/tap.h"

static const char *dir;

static struct pt_config *load(const char *name, const char *global)
{
    return load_valid(dir, name, global);
}


static void defaults(void)
{
    struct pt_config *cfg = load("minimal.conf", NULL);
    const struct pt_conf_http_values *v;
    char pid[512];

    if (!cfg)
        return;
    v = &cfg->http_values;
    snprintf(pid, sizeof(pid), "%s/logs/portico.pid", dir);
    TAP_INT(cfg->main.worker_processes, 1, "worker_processes 1");
    TAP_INT(cfg->main.daemon, 1, "daemon on");
    TAP_INT(cfg->main.master_process, 1, "master_process on");
    TAP_STR(cfg->main.pid, pid, "pid logs/portico.pid under the prefix");
    TAP_INT(cfg->main.user == NULL && cfg->main.error_log == NULL, 1, "no user, no error_log");
    TAP_INT(cfg->main.error_log_level, PT_LOG_ERR, "error_log level error");
    TAP_INT(cfg->main.worker_connections, 512, "worker_connections 512");
    TAP_INT(cfg->main.multi_accept, 0, "multi_accept off");
    TAP_INT(cfg->has_http, 0, "no http block");
    TAP_INT(cfg->server_count + cfg->listener_count, 0, "no servers, no listeners");
    TAP_INT(v->client_header_buffer_size, 1024, "client_header_buffer_size 1k");
    TAP_INT(v->large_client_header_buffers_num, 4, "large_client_header_buffers 4 ...");
    TAP_INT(v->large_client_header_buffers_size, 8192, "large_client_header_buffers ... 8k");
    TAP_INT(v->client_header_timeout, 60000, "client_header_timeout 60s");
    TAP_INT(v->keepalive_timeout, 75000, "keepalive_timeout 75s");
    TAP_INT(v->keepalive_header_timeout, 0, "no keep-alive header timeout");
    TAP_INT(v->keepalive_requests, 1000, "keepalive_requests 1000");
    TAP_INT(v->keepalive_time, 3600000, "keepalive_time 1h");
    TAP_INT(v->client_body_timeout, 60000, "client_body_timeout 60s");
    TAP_INT(v->send_timeout, 60000, "send_timeout 60s");
    TAP_INT(v->client_max_body_size, 1 << 20, "client_max_body_size 1m");
    TAP_INT(v->client_body_buffer_size, 16384, "client_body_buffer_size 16k");
    TAP_INT(v->lingering_close, PT_LINGERING_ON, "lingering_close on");
    TAP_INT(v->lingering_time, 30000, "lingering_time 30s");
    TAP_INT(v->lingering_timeout, 5000, "lingering_timeout 5s");
    TAP_INT(v->server_tokens && v->tcp_nodelay, 1, "server_tokens, tcp_nodelay on");
    pt_config_unref(cfg);
}

static void main_context(void)
{
    struct pt_config *cfg = load("main.conf", NULL);
    char pid[512];

    if (!cfg)
        return;
    snprintf(pid, sizeof(pid), "%s/run/portico.pid", dir);
    TAP_INT(cfg->main.daemon, 0, "daemon off");
    TAP_INT(cfg->main.worker_processes, 3, "worker_processes 3");
    TAP_INT(cfg->main.worker_processes_auto, 0, "not auto");
    TAP_STR(cfg->main.pid, pid, "pid relative to the prefix");
    TAP_STR(cfg->main.user, "www-data", "user");
    TAP_STR(cfg->main.group, "staff", "group");
    TAP_STR(cfg->main.error_log, "stderr", "error_log stderr");
    TAP_INT(cfg->main.error_log_level, PT_LOG_NOTICE, "error_log level notice");
    TAP_INT(cfg->main.worker_rlimit_nofile, 4096, "worker_rlimit_nofile");
    TAP_INT(cfg->main.worker_shutdown_timeout, 10000, "worker_shutdown_timeout 10s");
    TAP_INT(cfg->main.worker_connections, 1024, "worker_connections 1024");
    TAP_INT(cfg->main.multi_accept, 1, "multi_accept on");
    pt_config_unref(cfg);
}

static void global_directives(void)
{
    struct pt_conf_error err;
    struct pt_config *cfg = load("minimal.conf", "daemon off; worker_processes auto;");
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);

    if (cfg) {
        TAP_INT(cfg->main.daemon, 0, "-g daemon off");
        TAP_INT(cfg->main.worker_processes_auto, 1, "-g worker_processes auto");
        TAP_INT(cfg->main.worker_processes, cpus > 0 ? cpus : 1, "auto is the online CPUs");
        TAP_INT(cfg->file_count, 1, "-g is not a file for -T");
        pt_config_unref(cfg);
    }
    cfg = pt_config_load("valid/main.conf", dir, "daemon on;", &err);
    TAP_INT(cfg == NULL, 1, "-g and the file setting one directive: duplicate");
    TAP_STR(err.message,
            "valid/main.conf:1:1: \"daemon\" directive is duplicate\ndaemon off;\n^\n",
            "the message points into the file, -g came first as nginx reads it");
    pt_config_unref(cfg);
    cfg = pt_config_load("valid/minimal.conf", dir, "daemon", &err);
    TAP_STR(err.message,
            "command line:1:1: unexpected end of file, expecting \";\" or \"}\"\ndaemon\n^\n",
            "an error in -g is placed on the command line");
    pt_config_unref(cfg);
}

static void inheritance(void)
{
    struct pt_config *cfg = load("inherit.conf", NULL);
    const struct pt_conf_server *s0, *s1;
    const struct pt_conf_location *root, *api, *v1, *exact, *x;

    if (!cfg)
        return;
    TAP_INT(cfg->server_count, 2, "two servers");
    s0 = cfg->servers[0];
    s1 = cfg->servers[1];
    TAP_INT(cfg->http_values.keepalive_timeout, 10000, "http: keepalive_timeout 10s");
    TAP_INT(cfg->http_values.keepalive_header_timeout, 5000, "http: header timeout 5s");
    TAP_INT(cfg->http_values.large_client_header_buffers_num, 8, "http: 8 large buffers");
    TAP_INT(s0->values.client_max_body_size, 5 << 20, "server overrides client_max_body_size");
    TAP_INT(s0->values.keepalive_timeout, 10000, "server inherits keepalive_timeout");
    TAP_INT(s0->values.large_client_header_buffers_size, 16384, "server inherits both fields");
    TAP_INT(s0->values.lingering_time, 30000, "unset everywhere: nginx's default");
    TAP_INT(s0->location_count, 3, "three top-level locations");
    root = s0->locations[0];
    api = s0->locations[1];
    exact = s0->locations[2];
    TAP_INT(root->values.client_max_body_size, 5 << 20, "location takes the server's value");
    TAP_INT(root->values.send_timeout, 20000, "location takes http's value through the server");
    TAP_INT(root->values.lingering_close, PT_LINGERING_ALWAYS,
            "a server value written after the location still reaches it");
    TAP_INT(root->values.ret.code, 200, "return 200");
    TAP_STR(root->values.ret.text.raw, "root $uri\n", "return text unescaped");
    TAP_STR(complex_text(&root->values.ret.text), "root {uri}\n", "compiled into parts");
    TAP_INT(root->values.ret.origin.line, 16, "return's line");
    TAP_INT(api->values.send_timeout, 3000, "location overrides send_timeout");
    TAP_INT(api->values.ret.code, 0, "no return");
    TAP_INT(api->child_count, 1, "one nested location");
    v1 = api->children[0];
    TAP_INT(v1->parent == api, 1, "nested location's parent");
    TAP_INT(v1->values.send_timeout, 3000, "nested location inherits from its parent");
    TAP_INT(v1->values.keepalive_requests, 10, "nested location's own value");
    TAP_INT(api->values.keepalive_requests, 1000, "the parent keeps its value");
    TAP_INT(exact->match, PT_LOC_EXACT, "= /exact");
    TAP_INT(s1->values.ret.code, 404, "server return 404");
    TAP_INT(s1->values.ret.has_text, 0, "without text");
    x = s1->locations[0];
    TAP_INT(x->values.ret.code, 0, "return is not inherited by a location");
    TAP_INT(x->values.send_timeout, 20000, "second server's location: http's value");
    pt_config_unref(cfg);
}

static char *file_text(const char *rel)
{
    char path[512];
    FILE *f;
    char *buf = calloc(1, 4096);

    snprintf(path, sizeof(path), "%s/valid/%s", dir, rel);
    f = fopen(path, "rb");
    if (f) {
        size_t n = fread(buf, 1, 4095, f);
        buf[n] = '\0';
        fclose(f);
    }
    return buf;
}

static void check_dump(const struct pt_config *cfg, const char *const *rels, int n)
{
    char *want = calloc(1, 16384), *got = NULL;
    size_t len = 0, w = 0;
    FILE *mem = open_memstream(&got, &len);

    for (int i = 0; i < n; i++) {
        char *text = file_text(rels[i]);
        w += (size_t)snprintf(want + w, 16384 - w, "# configuration file %s/valid/%s:\n%s\n",
                              dir, rels[i], text);
        free(text);
    }
    TAP_INT(pt_config_dump(cfg, mem), 0, "-T writes");
    fclose(mem);
    TAP_STR(got, want, "-T: each file once, in reading order, nginx's layout");
    free(got);
    free(want);
}

static void includes(void)
{
    static const char *const order[] = {
        "include.conf", "snippets/main_a.conf", "snippets/main_b.conf",
        "sites/a.conf", "sites/../snippets/common.conf", "sites/b.conf",
    };
    struct pt_config *cfg = load("include.conf", NULL);
    char path[512];

    if (!cfg)
        return;
    TAP_INT(cfg->main.worker_shutdown_timeout, 5000, "glob: main_a.conf read");
    TAP_INT(cfg->main.worker_rlimit_nofile, 2048, "glob: main_b.conf read");
    TAP_INT(cfg->server_count, 2, "sites/*.conf: two servers");
    TAP_STR(cfg->servers[0]->listens[0].text, "127.0.0.1:8001", "sorted: a.conf first");
    TAP_STR(cfg->servers[1]->listens[0].text, "127.0.0.1:8002", "then b.conf");
    TAP_INT(cfg->servers[0]->location_count, 1, "include relative to the including file");
    TAP_STR(cfg->servers[1]->locations[0]->values.ret.text.raw, "common\n",
            "the same snippet included twice");
    snprintf(path, sizeof(path), "%s/valid/include.conf", dir);
    TAP_STR(cfg->path, path, "path is absolute");
    TAP_INT(cfg->file_count, 6, "six distinct files read");
    for (uint32_t i = 0; i < cfg->file_count && i < 6; i++) {
        snprintf(path, sizeof(path), "%s/valid/%s", dir, order[i]);
        TAP_STR(cfg->files[i], path, "file %u in reading order", i);
    }
    check_dump(cfg, order, 6);
    pt_config_unref(cfg);
}

static void listeners(void)
{
    struct pt_config *cfg = load("listeners.conf", NULL);
    const struct pt_conf_listener *l;
    const char *dflt = geteuid() == 0 ? "0.0.0.0:80" : "0.0.0.0:8000";

    if (!cfg)
        return;
    TAP_INT(cfg->listener_count, 4, "four distinct addresses");
    l = cfg->listeners[0];
    TAP_STR(l->text, "127.0.0.1:8080", "first listener");
    TAP_INT(l->server_count, 2, "two servers on it");
    TAP_INT(l->default_server == cfg->servers[1], 1, "default_server marks the second");
    TAP_INT(((const struct sockaddr_in *)&l->addr)->sin_port, htons(8080), "port in the sockaddr");
    TAP_INT(l->backlog, 511, "nginx's backlog 511");
    l = cfg->listeners[1];
    TAP_STR(l->text, "[::1]:8080", "IPv6 listener");
    TAP_INT(l->addr.ss_family, AF_INET6, "an AF_INET6 sockaddr");
    TAP_INT(l->backlog, 64, "backlog=64");
    TAP_INT(l->ipv6only, 0, "ipv6only=off");
    l = cfg->listeners[2];
    TAP_STR(l->text, "0.0.0.0:8090", "listen 8090 is every IPv4 address");
    TAP_INT(l->server_count, 2, "two servers");
    TAP_INT(l->default_server == cfg->servers[1], 1, "no default_server: the first");
    TAP_INT(cfg->servers[1]->listens[1].reuseport, 1, "reuseport recorded");
    l = cfg->listeners[3];
    TAP_STR(l->text, dflt, "a server without listen: *:80 as root, *:8000 otherwise");
    TAP_INT(cfg->servers[0]->name_count, 2, "server_name with two names");
    TAP_INT(cfg->servers[1]->name_count, 2, "names over two server_name lines");
    TAP_STR(cfg->servers[1]->names[1], "*.b.example", "kept as written");
    TAP_INT(cfg->servers[2]->name_count, 1, "no server_name: one name");
    TAP_STR(cfg->servers[2]->names[0], "", "the empty name, as nginx");
    pt_config_unref(cfg);
}

static void locations(void)
{
    struct pt_config *cfg = load("locations.conf", NULL);
    struct pt_conf_location **l;

    if (!cfg)
        return;
    l = cfg->servers[0]->locations;
    TAP_INT(cfg->servers[0]->location_count, 7, "seven locations");
    TAP_INT(l[0]->match == PT_LOC_EXACT && l[0]->values.ret.code == 204, 1, "= / return 204");
    TAP_INT(l[1]->match, PT_LOC_PREFIX_NOREGEX, "^~");
    TAP_STR(l[1]->pattern, "/static/", "pattern without the modifier");
    TAP_INT(l[1]->values.ret.code, 301, "return 301");
    TAP_STR(complex_text(&l[1]->values.ret.text), "https://{host}{request_uri}", "the URL's parts");
    TAP_INT(l[2]->match, PT_LOC_REGEX, "~");
    TAP_STR(l[2]->pattern, "\\.php$", "regex source kept");
    TAP_INT(l[3]->match, PT_LOC_REGEX_CASELESS, "~*");
    TAP_INT(l[3]->values.ret.code, 302, "return URL is 302");
    TAP_STR(complex_text(&l[3]->values.ret.text), "https://img.example{uri}", "its URL");
    TAP_INT(l[4]->match, PT_LOC_NAMED, "@fallback");
    TAP_STR(l[4]->pattern, "fallback", "named without @");
    TAP_INT(l[5]->match, PT_LOC_EXACT, "=/glued");
    TAP_STR(l[5]->pattern, "/glued", "glued modifier removed");
    TAP_STR(complex_text(&l[5]->values.ret.text), "{scheme}://x", "${name} form");
    TAP_INT(l[6]->child_count, 2, "nested regex and prefix locations");
    pt_config_unref(cfg);
}

static void refcount(void)
{
    struct pt_config *cfg = load("inherit.conf", NULL);

    if (!cfg)
        return;
    TAP_INT(cfg->refs, 1, "a loaded config has one reference");
    TAP_INT(pt_config_ref(cfg) == cfg && cfg->refs == 2, 1, "ref");
    pt_config_unref(cfg);
    TAP_INT(cfg->refs, 1, "unref");
    pt_config_unref(cfg); /* freed here: valgrind checks nothing leaks */
    pt_config_unref(NULL);
    tap_ok(1, "unref(NULL) is a no-op");
}

static void missing_main(void)
{
    struct pt_conf_error err;
    struct pt_config *cfg = pt_config_load("valid/nope.conf", dir, NULL, &err);

    TAP_INT(cfg == NULL, 1, "a missing main file fails");
    TAP_STR(err.message, "cannot open \"valid/nope.conf\": No such file or directory\n",
            "with the path as given");
}

/* The path the caller passed may be gone once the load returns (a stack or heap buffer):
 * the snapshot keeps its own copy for messages and origins. */
static void path_outlives_caller(void)
{
    struct pt_conf_error err;
    char *path = strdup("valid/locations.conf");
    struct pt_config *cfg = pt_config_load(path, dir, NULL, &err);

    memset(path, 'X', strlen(path));
    free(path);
    if (!tap_ok(cfg != NULL && cfg->server_count > 0, "locations.conf loads"))
        return;
    TAP_STR(cfg->file_names[0], "valid/locations.conf",
            "the file's name survives the caller's buffer");
    TAP_STR(cfg->servers[0]->origin.file, "valid/locations.conf",
            "and so do the origins that name it");
    pt_config_unref(cfg);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_load DIR\n");
        return 2;
    }
    dir = argv[1];
    defaults();
    main_context();
    global_directives();
    inheritance();
    includes();
    listeners();
    locations();
    refcount();
    missing_main();
    path_outlives_caller();
    return tap_done();
}
