/* tests/config/test_proxy.c - the reverse proxy's part of the snapshot: upstream groups
 * and their peers, implicit groups, proxy_pass, and the proxy_* values inherited
 * http -> server -> location, from valid/proxy.conf and nginx's defaults from
 * valid/minimal.conf.
 *
 * usage: test_proxy DIR   (DIR = tests/config)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "tests/config/valid_config.h"
#include "tests/tap.h"

static const char *dir;

static struct pt_config *load(const char *name)
{
    return load_valid(dir, name, NULL);
}


static const char *header(const struct pt_conf_proxy_headers *hs, uint32_t i)
{
    static char out[256];

    if (i >= hs->count)
        return "(none)";
    snprintf(out, sizeof(out), "%.*s: %s", (int)hs->list[i].name_len, hs->list[i].name,
             complex_text(&hs->list[i].value));
    return out;
}

static const char *pass_host(const struct pt_conf_proxy_pass *p)
{
    static char out[128];

    snprintf(out, sizeof(out), "%.*s", (int)p->host_len, p->host ? p->host : "");
    return out;
}

static void defaults(void)
{
    struct pt_config *cfg = load("minimal.conf");
    const struct pt_conf_proxy *p;
    char temp[512];

    if (!cfg)
        return;
    p = &cfg->http_values.proxy;
    snprintf(temp, sizeof(temp), "%s/client_body_temp", dir);
    TAP_INT(cfg->upstream_count, 0, "no upstream groups");
    TAP_INT(p->pass.raw == NULL && p->pass.upstream == NULL, 1, "no proxy_pass");
    TAP_INT(p->http_version, 11, "proxy_http_version 1.1 (nginx 1.29.7)");
    TAP_INT(p->connect_timeout, 60000, "proxy_connect_timeout 60s");
    TAP_INT(p->send_timeout, 60000, "proxy_send_timeout 60s");
    TAP_INT(p->read_timeout, 60000, "proxy_read_timeout 60s");
    TAP_INT(p->next_upstream, PT_NEXT_ERROR | PT_NEXT_TIMEOUT,
            "proxy_next_upstream error timeout");
    TAP_INT(p->next_upstream_tries, 0, "proxy_next_upstream_tries 0");
    TAP_INT(p->next_upstream_timeout, 0, "proxy_next_upstream_timeout 0");
    TAP_INT(p->buffering && p->request_buffering, 1,
            "proxy_buffering, proxy_request_buffering on");
    TAP_INT(p->buffer_size, 4096, "proxy_buffer_size 4k");
    TAP_INT(p->buffers.num, 8, "proxy_buffers 8 ...");
    TAP_INT(p->buffers.size, 4096, "proxy_buffers ... 4k");
    TAP_INT(p->busy_buffers_size, 0, "proxy_busy_buffers_size: nginx's computed default");
    TAP_INT(p->intercept_errors, 0, "proxy_intercept_errors off");
    TAP_INT(p->pass_request_headers && p->pass_request_body, 1,
            "proxy_pass_request_headers, proxy_pass_request_body on");
    TAP_INT(p->set_header.count + p->hide_header.count + p->pass_header.count, 0,
            "no header lists: the runtime adds nginx's defaults");
    TAP_STR(p->client_body_temp_path, temp, "client_body_temp under the prefix");
    TAP_INT(p->resolver.addr_count, 0, "no resolver");
    TAP_INT(p->resolver.timeout, 30000, "resolver_timeout 30s");
    pt_config_unref(cfg);
}

static void peer_is(const struct pt_conf_peer *p, const char *text, uint32_t weight,
                    uint32_t max_fails, pt_msec_t fail_timeout, const char *what)
{
    TAP_STR(p->text, text, "%s: address", what);
    TAP_INT(p->weight, weight, "%s: weight", what);
    TAP_INT(p->max_fails, max_fails, "%s: max_fails", what);
    TAP_INT(p->fail_timeout, fail_timeout, "%s: fail_timeout", what);
}

static void group_app(const struct pt_conf_upstream *u)
{
    const struct sockaddr_in *sin = (const struct sockaddr_in *)&u->peers[0].addr;

    TAP_STR(u->name, "app", "upstream app");
    TAP_INT(u->implicit, 0, "a block, not implicit");
    TAP_INT(u->balancer, PT_BALANCE_LEAST_CONN, "least_conn");
    TAP_INT(u->server_count, 4, "four server lines");
    TAP_INT(u->peer_count >= 4, 1, "a peer per address (localhost may have several)");
    peer_is(&u->peers[0], "127.0.0.1:9001", 3, 2, 30000, "peer 0");
    TAP_INT(sin->sin_family == AF_INET && sin->sin_port == htons(9001), 1, "peer 0 sockaddr");
    TAP_INT(u->peers[0].addr_len, sizeof(struct sockaddr_in), "peer 0 addr_len");
    TAP_STR(u->peers[0].name, "127.0.0.1:9001", "peer 0 name as written");
    peer_is(&u->peers[1], "127.0.0.2:80", 1, 1, 10000, "peer 1 (port 80, defaults)");
    TAP_INT(u->peers[1].backup, 1, "peer 1 backup");
    TAP_INT(u->peers[1].down, 0, "peer 1 not down");
    TAP_STR(u->peers[1].name, "127.0.0.2", "peer 1 name as written");
    TAP_STR(u->peers[2].text, "[::1]:9003", "peer 2 IPv6");
    TAP_INT(u->peers[2].addr.ss_family, AF_INET6, "peer 2 AF_INET6");
    TAP_INT(u->peers[2].down, 1, "peer 2 down");
    TAP_INT(u->peers[2].slow_start, 10000, "peer 2 slow_start=10s");
    TAP_INT(u->peers[2].server, 2, "peer 2 from server line 2");
    TAP_STR(u->peers[3].text, "127.0.0.1:9004", "localhost: IPv4 first, as nginx");
    TAP_STR(u->peers[3].name, "localhost:9004", "its name as written");
    TAP_INT(u->peers[u->peer_count - 1].server, 3, "localhost's peers from server line 3");
    TAP_STR(u->servers[3].host, "localhost", "server 3 host");
    TAP_INT(u->servers[3].port, 9004, "server 3 port");
    TAP_STR(u->servers[2].host, "::1", "an IPv6 host without brackets");
    TAP_INT(u->servers[1].port, 80, "port 80 by default");
    TAP_INT(u->servers[0].resolve, 0, "not re-resolved");
    TAP_INT(u->keepalive, 16, "keepalive 16");
    TAP_INT(u->keepalive_local, 0, "keepalive without local: shared between locations");
    TAP_INT(u->keepalive_timeout, 30000, "keepalive_timeout 30s");
    TAP_INT(u->keepalive_requests, 1000, "keepalive_requests 1000 by default");
    TAP_INT(u->keepalive_time, 3600000, "keepalive_time 1h by default");
    TAP_STR(u->zone, "app", "zone app");
    TAP_INT(u->zone_size, 65536, "zone 64k");
    TAP_INT(u->health_check.enabled, 1, "health_check");
    TAP_INT(u->health_check.interval, 2000, "interval=2s");
    TAP_INT(u->health_check.fails, 3, "fails=3");
    TAP_INT(u->health_check.passes, 2, "passes=2");
    TAP_STR(u->health_check.uri, "/healthz", "uri=/healthz");
    TAP_INT(u->origin.line, 15, "the group's origin");
}

static void group_defaults(const struct pt_conf_upstream *u, const char *what)
{
    TAP_INT(u->keepalive, 32, "%s: keepalive 32 (nginx 1.29.7)", what);
    TAP_INT(u->keepalive_local, 1, "%s: local by default", what);
    TAP_INT(u->keepalive_timeout, 60000, "%s: keepalive_timeout 60s", what);
    TAP_INT(u->keepalive_requests, 1000, "%s: keepalive_requests 1000", what);
    TAP_INT(u->keepalive_time, 3600000, "%s: keepalive_time 1h", what);
    TAP_INT(u->health_check.enabled, 0, "%s: no health_check", what);
}

static void groups(const struct pt_config *cfg)
{
    const struct pt_conf_upstream *u;

    TAP_INT(cfg->upstream_count, 7, "four blocks and three implicit groups");
    for (uint32_t i = 0; i < cfg->upstream_count; i++)
        TAP_INT(cfg->upstreams[i]->index, i, "group %u's index is its position", i);
    group_app(cfg->upstreams[0]);
    u = cfg->upstreams[1];
    TAP_STR(u->name, "hashed", "upstream hashed");
    TAP_INT(u->balancer, PT_BALANCE_HASH, "hash");
    TAP_INT(u->hash_consistent, 1, "consistent");
    TAP_STR(complex_text(&u->hash_key), "{request_uri}", "the key compiled");
    TAP_INT(u->servers[1].resolve, 1, "resolve");
    TAP_INT(u->zone_size, 65536, "zone app without a size takes app's");
    u = cfg->upstreams[2];
    TAP_INT(u->balancer, PT_BALANCE_IP_HASH, "ip_hash after the server line");
    TAP_STR(u->peers[0].text, "10.0.0.3:80", "plain's peer");
    group_defaults(u, "plain");
    u = cfg->upstreams[3];
    TAP_STR(u->name, "later", "a block written after its proxy_pass");
    TAP_INT(u->balancer, PT_BALANCE_ROUND_ROBIN, "round-robin by default");
    TAP_INT(u->keepalive, 0, "keepalive 0: off");
    u = cfg->upstreams[4];
    TAP_STR(u->name, "127.0.0.1:9100", "implicit group named host:port");
    TAP_INT(u->implicit, 1, "implicit");
    TAP_INT(u->peer_count == 1 && u->server_count == 1, 1, "one server, one peer");
    TAP_STR(u->peers[0].text, "127.0.0.1:9100", "its peer");
    group_defaults(u, "implicit");
    TAP_STR(cfg->upstreams[5]->name, "[::1]:9200", "implicit IPv6 group");
    TAP_STR(cfg->upstreams[5]->servers[0].host, "::1", "its host without brackets");
    TAP_STR(cfg->upstreams[6]->name, "127.0.0.1:80", "implicit group on port 80");
}

static void passes(const struct pt_config *cfg)
{
    struct pt_conf_location **l = cfg->servers[0]->locations;
    const struct pt_conf_proxy_pass *p;

    p = &l[0]->values.proxy.pass;
    TAP_INT(p->upstream == cfg->upstreams[0], 1, "proxy_pass http://app: the block");
    TAP_STR(pass_host(p), "app", "$proxy_host app");
    TAP_INT(p->has_uri, 0, "no URI part");
    TAP_STR(p->uri, "", "uri empty");
    TAP_STR(p->raw, "http://app", "raw URL");
    p = &l[1]->values.proxy.pass;
    TAP_INT(p->upstream == cfg->upstreams[4], 1, "proxy_pass to host:port: an implicit group");
    TAP_STR(pass_host(p), "127.0.0.1:9100", "$proxy_host with its port");
    TAP_INT(p->has_uri, 1, "a URI part");
    TAP_STR(p->uri, "/v1/", "uri /v1/");
    TAP_INT(p->origin.line, 50, "proxy_pass origin");
    TAP_INT(l[1]->children[0]->values.proxy.pass.raw == NULL, 1,
            "proxy_pass is not inherited by a nested location");
    TAP_INT(l[2]->values.proxy.pass.upstream == cfg->upstreams[4], 1,
            "the same host:port shares its implicit group");
    TAP_INT(l[6]->values.proxy.pass.upstream == cfg->upstreams[4], 1,
            "a regex location without a URI part shares it too");
    p = &l[3]->values.proxy.pass;
    TAP_INT(p->upstream == cfg->upstreams[3], 1, "http://Later: a block named later, any case");
    TAP_STR(pass_host(p), "Later", "$proxy_host as written");
    TAP_STR(p->uri, "/x?y", "uri with its query");
    TAP_STR(pass_host(&l[4]->values.proxy.pass), "[::1]:9200", "IPv6 $proxy_host");
    p = &l[5]->values.proxy.pass;
    TAP_STR(pass_host(p), "127.0.0.1", "port 80 left out of $proxy_host");
    TAP_STR(p->uri, "/", "uri /");
    TAP_INT(cfg->servers[1]->locations[0]->values.proxy.pass.upstream == cfg->upstreams[1], 1,
            "second server: hashed");
}

static void inheritance(const struct pt_config *cfg)
{
    const struct pt_conf_proxy *h = &cfg->http_values.proxy;
    const struct pt_conf_proxy *s = &cfg->servers[0]->values.proxy;
    const struct pt_conf_proxy *root = &cfg->servers[0]->locations[0]->values.proxy;
    const struct pt_conf_proxy *api = &cfg->servers[0]->locations[1]->values.proxy;
    const struct pt_conf_proxy *inner = &cfg->servers[0]->locations[1]->children[0]->values.proxy;
    const struct pt_conf_proxy *other = &cfg->servers[1]->locations[0]->values.proxy;

    TAP_INT(h->connect_timeout, 5000, "http: proxy_connect_timeout 5s");
    TAP_INT(s->connect_timeout, 5000, "server inherits it");
    TAP_INT(s->read_timeout, 30000, "server: proxy_read_timeout 30s");
    TAP_INT(root->connect_timeout, 5000, "location: http's value through the server");
    TAP_INT(root->read_timeout, 30000, "location: the server's value");
    TAP_INT(root->send_timeout, 60000, "unset everywhere: nginx's default");
    TAP_INT(api->http_version, 10, "proxy_http_version 1.0");
    TAP_INT(root->http_version, 11, "1.1 elsewhere");
    TAP_INT(inner->http_version, 10, "a nested location inherits 1.0");
    TAP_INT(h->set_header.count, 1, "http: one proxy_set_header");
    TAP_STR(header(&h->set_header, 0), "X-Level: http", "http's header");
    TAP_INT(s->set_header.count, 2, "server: its own two replace http's");
    TAP_STR(header(&s->set_header, 0), "X-Level: server", "server's first");
    TAP_STR(header(&s->set_header, 1), "X-Server: 1", "server's second");
    TAP_INT(root->set_header.count, 2, "location without any: the server's");
    TAP_INT(api->set_header.count, 2, "location with its own: only those");
    TAP_STR(header(&api->set_header, 0), "Upgrade: {http_upgrade}", "Upgrade $http_upgrade");
    TAP_STR(header(&api->set_header, 1), "Connection: {connection_upgrade}",
            "a map written after the server");
    TAP_INT(inner->set_header.count, 2, "nested: its parent's list");
    TAP_INT(other->set_header.count, 1, "second server: http's list");
    TAP_INT(h->next_upstream, PT_NEXT_ERROR | PT_NEXT_TIMEOUT | PT_NEXT_HTTP_502,
            "two proxy_next_upstream lines at one level add up");
    TAP_INT(root->next_upstream, PT_NEXT_ERROR | PT_NEXT_TIMEOUT | PT_NEXT_HTTP_502,
            "inherited");
    TAP_INT(api->next_upstream, 0, "off");
    TAP_INT(inner->next_upstream, 0, "off inherited");
    TAP_INT(other->next_upstream, PT_NEXT_ERROR | PT_NEXT_TIMEOUT,
            "a level's own line replaces the inherited conditions");
    TAP_INT(root->buffers.num == 16 && root->buffers.size == 8192, 1, "proxy_buffers 16 8k");
    TAP_INT(other->buffering, 0, "proxy_buffering off");
    TAP_INT(root->buffering, 1, "on elsewhere");
    TAP_INT(s->hide_header.count == 1 && strcmp(s->hide_header.names[0], "X-Powered-By") == 0,
            1, "proxy_hide_header");
    TAP_INT(api->hide_header.count, 1, "inherited");
    TAP_INT(api->pass_header.count == 1 && api->pass_header.lens[0] == 15, 1,
            "proxy_pass_header");
    TAP_INT(h->resolver.addr_count, 2, "resolver: two name servers");
    TAP_INT(h->resolver.addrs[0].ss_family, AF_INET, "the first IPv4");
    TAP_INT(((const struct sockaddr_in *)&h->resolver.addrs[0])->sin_port, htons(53),
            "port 53 by default");
    TAP_INT(((const struct sockaddr_in6 *)&h->resolver.addrs[1])->sin6_port, htons(5353),
            "[::1]:5353");
    TAP_INT(h->resolver.valid, 30000, "valid=30s");
    TAP_INT(h->resolver.ipv6, 0, "ipv6=off");
    TAP_INT(h->resolver.timeout, 5000, "resolver_timeout 5s");
    TAP_INT(inner->resolver.addr_count == 2 && inner->resolver.timeout == 5000, 1,
            "the resolver reaches a nested location");
}

static void proxy_conf(void)
{
    struct pt_config *cfg = load("proxy.conf");

    if (!cfg)
        return;
    TAP_INT(pt_conf_map_find(cfg, "connection_upgrade", 18) != NULL, 1,
            "map $http_upgrade $connection_upgrade");
    groups(cfg);
    passes(cfg);
    inheritance(cfg);
    pt_config_unref(cfg);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_proxy DIR\n");
        return 2;
    }
    dir = argv[1];
    defaults();
    proxy_conf();
    return tap_done();
}
