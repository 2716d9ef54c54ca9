/* proxy/request.c - a request's route and its answer (request.h). The content phase runs
 * `return` when the location (or server) has one, else the static handler
 * (proxy/static.h), whose internal redirects run the phase again. */
#include "proxy/request.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "parser/uri.h"
#include "proxy/http_conn.h"
#include "proxy/header_additions.h"
#include "proxy/http_response.h"
#include "proxy/http_status.h"
#include "proxy/location.h"
#include "proxy/proxy.h"
#include "proxy/routing.h"
#include "proxy/server_names.h"
#include "proxy/static.h"
#include "proxy/static_file.h"
#include "proxy/variables.h"
#include "proxy/worker.h"

/* Requests of a worker, recycled: the object holds the header array, so it is large
 * enough that the allocator's fast path is worth skipping. Servers with different
 * client_max_headers are rare: an object of another size just goes back to the
 * allocator. */
static struct pt_request *free_requests;
static uint32_t free_count;
#define KEEP_FREE 1024

/* pt_request_new clears the object around the parser state, which sits between them. */
_Static_assert(offsetof(struct pt_request, server) ==
                   offsetof(struct pt_request, head) + sizeof(struct pt_http_request),
               "struct pt_request: server must follow head");

/* A request object with room for capacity header slots after it. */
static struct pt_request *request_alloc(uint32_t capacity)
{
    struct pt_request *r = free_requests;

    if (r && r->header_capacity == capacity) {
        free_requests = r->next_free;
        free_count--;
        return r;
    }
    r = malloc(sizeof(*r) + capacity * sizeof(struct pt_http_header));
    if (r)
        r->header_capacity = capacity;
    return r;
}

struct pt_request *pt_request_new(struct pt_http_conn *hc)
{
    const struct pt_conf_http_values *v = &hc->listener->default_server->values;
    struct pt_http_limits limits = {
        .max_line = v->large_client_header_buffers_size,
        .max_head = v->large_client_header_buffers_size * v->large_client_header_buffers_num,
    };
    struct pt_request *r = request_alloc(v->client_max_headers);
    uint32_t capacity;

    if (r == NULL)
        return NULL;
    /* pt_http_request_init clears the parser's part; the rest is cleared here. */
    capacity = r->header_capacity;
    memset(r, 0, offsetof(struct pt_request, head));
    memset(&r->server, 0, offsetof(struct pt_request, host) - offsetof(struct pt_request, server));
    r->server_caps.re = r->loc_caps.re = NULL;
    r->server_caps.count = r->loc_caps.count = 0;
    r->header_capacity = capacity;
    r->hc = hc;
    r->head_deadline_ms = pt_now_ms + (uint64_t)v->client_header_timeout;
    pt_http_request_init(&r->head, (struct pt_http_header *)(r + 1), (uint16_t)capacity,
                         &limits);
    return r;
}

void pt_request_free(struct pt_request *r)
{
    if (r == NULL)
        return;
    pt_buf_release(&r->uri_buf);
    pt_buf_release(&r->args_buf);
    pt_proxy_free(r->proxy);
    r->proxy = NULL;
    pt_request_body_release(&r->body);
    if (free_count >= KEEP_FREE) {
        free(r);
        return;
    }
    r->next_free = free_requests;
    free_requests = r;
    free_count++;
}

/* The path without its query, normalised: in place of the head's bytes when they already
 * are (the common case: no copy), else into uri_buf. An absolute-form target with no
 * path means "/". */
static int normalise_uri(struct pt_request *r, const char *base)
{
    const char *path = base + r->head.path.off;
    const char *query = memchr(path, '?', r->head.path.len);
    size_t len = query ? (size_t)(query - path) : r->head.path.len, out_len;

    if (len == 0 || path[0] != '/') {
        r->uri_buf.data = NULL;
        r->uri = (struct pt_slice){0, 0};
        return len == 0 && r->head.target_form == PT_TARGET_ABSOLUTE ? 1 : -1;
    }
    if (pt_uri_is_normal(path, len)) {
        r->uri = (struct pt_slice){r->head.path.off, (uint32_t)len};
        return 0;
    }
    if (pt_buf_alloc(&r->uri_buf, (uint32_t)len) != 0 ||
        pt_uri_normalize(path, len, r->uri_buf.data, &out_len) != 0)
        return -1;
    r->uri_buf.end = (uint32_t)out_len;
    return 0;
}

const char *pt_request_args(const struct pt_request *r, size_t *len)
{
    const char *path, *q;

    if (r->args_replaced) {
        *len = pt_buf_len(&r->args_buf);
        return r->args_buf.data;
    }
    path = r->hc->in.data + r->hc->in.start + r->head.path.off;
    q = memchr(path, '?', r->head.path.len);
    *len = q ? r->head.path.len - (size_t)(q - path) - 1 : 0;
    return q ? q + 1 : NULL;
}

int pt_request_set_args(struct pt_request *r, const char *args, size_t len)
{
    struct pt_buf nb = {0};

    if (args && pt_buf_alloc(&nb, (uint32_t)(len ? len : 1)) != 0)
        return -1;
    if (args) {
        memcpy(nb.data, args, len);
        nb.end = (uint32_t)len;
    }
    pt_buf_release(&r->args_buf);
    r->args_buf = nb;
    r->args_replaced = 1;
    return 0;
}

const char *pt_request_uri(const struct pt_request *r, size_t *len)
{
    if (r->uri_buf.data) {
        *len = pt_buf_len(&r->uri_buf);
        return r->uri_buf.data;
    }
    if (r->uri.len == 0) {
        *len = 1;
        return "/";
    }
    *len = r->uri.len;
    return r->hc->in.data + r->hc->in.start + r->uri.off;
}

/* A listener with one server and no regex name has nothing to choose: the lookup (and its
 * hashing of the Host) is skipped, as nginx does for an address without virtual names. */
static int sole_server(const struct pt_conf_listener *l)
{
    const struct pt_conf_server *s = l->servers[0];

    if (l->server_count != 1)
        return 0;
    for (uint32_t i = 0; i < s->name_count; i++) {
        if (s->names[i][0] == '~')
            return 0;
    }
    return 1;
}

int pt_request_route(struct pt_request *r, const char *base)
{
    const struct pt_routing *rt = pt_routing_for(pt_worker.cfg);
    const struct pt_conf_listener *l = r->hc->listener;
    const char *uri;
    size_t len;
    long host_len = 0;

    r->server = l->default_server;
    r->location = NULL;
    r->values = &r->server->values;
    if (r->head.host.len)
        host_len = pt_server_names_host(base + r->head.host.off, r->head.host.len, r->host,
                                        sizeof(r->host));
    if (host_len < 0)
        return 400;
    r->host_len = (uint16_t)host_len;
    if (rt == NULL)
        return 500;
    if (!sole_server(l)) {
        r->server = pt_server_names_find(pt_routing_names(rt, l), r->host, r->host_len,
                                         &r->server_caps);
        r->values = &r->server->values;
    }
    if (r->head.target_form != PT_TARGET_ORIGIN && r->head.target_form != PT_TARGET_ABSOLUTE)
        return 0;
    if (normalise_uri(r, base) < 0)
        return 400;
    uri = pt_request_uri(r, &len);
    r->location = pt_location_find(rt, r->server, uri, len, &r->loc_caps);
    if (r->location)
        r->values = &r->location->values;
    return 0;
}

void pt_request_response_init(struct pt_response *resp, const struct pt_request *r,
                              uint16_t status)
{
    const struct pt_conf_http_values *v = r->values;

    memset(resp, 0, sizeof(*resp));
    resp->status = r->status_override ? r->status_override : status;
    resp->keep_alive = r->keep_alive;
    resp->head_only = r->head.method_id == PT_METHOD_HEAD;
    resp->server_tokens = v->server_tokens;
    resp->keep_alive_header_sec = (uint32_t)(v->keepalive_header_timeout / 1000);
}

static const struct pt_conf_error_page *find_error_page(const struct pt_request *r,
                                                        uint16_t status)
{
    const struct pt_conf_error_pages *eps = &r->values->error_page;

    for (uint32_t i = 0; i < eps->count; i++) {
        if (eps->list[i].code == status)
            return &eps->list[i];
    }
    return NULL;
}

int pt_request_error_page(struct pt_request *r, uint16_t status)
{
    const struct pt_conf_error_page *ep = r->error_paged ? NULL : find_error_page(r, status);
    struct pt_buf uri = {0};
    const char *u;
    size_t len;
    int rc;

    if (ep == NULL)
        return 0;
    r->error_paged = 1;
    if (pt_complex_eval(r, &ep->uri, &uri) != 0)
        return -1;
    u = uri.data ? uri.data + uri.start : "";
    len = pt_buf_len(&uri);
    if (len && (u[0] == '/' || u[0] == '@')) {
        /* nginx: the redirected request is a GET (HEAD stays HEAD), and answers with the
         * original code unless "=" or "=CODE" says otherwise. */
        if (r->head.method_id != PT_METHOD_HEAD)
            r->head.method_id = PT_METHOD_GET;
        r->status_override = ep->response < 0 ? status : (uint16_t)ep->response;
        rc = pt_static_internal_redirect(r, u, len, PT_ARGS_FROM_URI);
        rc = rc == PT_STATIC_REDIRECT ? 1 : rc < 0 ? -1 : 2;
    } else {
        r->status_override = ep->response > 0 ? (uint16_t)ep->response : 302;
        rc = pt_static_page(r, r->status_override, u, len) == 0 ? 2 : -1;
    }
    pt_buf_release(&uri);
    return rc;
}

/* nginx's absolute_redirect: a Location that starts with '/' gets scheme, host and the
 * listener's port (unless 80). */
int pt_request_absolute_location(const struct pt_request *r, const char *path, size_t len,
                                 struct pt_buf *loc)
{
    static const struct pt_conf_part host = {"host", 4, 1};
    static const struct pt_conf_complex host_cv = {"$host", (struct pt_conf_part *)&host, 1};
    const union pt_sockaddr *a = (const union pt_sockaddr *)&r->hc->listener->addr;
    unsigned port = ntohs(a->sa.sa_family == AF_INET6 ? a->in6.sin6_port : a->in.sin_port);
    char tail[16];
    int n = port == 80 ? 0 : snprintf(tail, sizeof(tail), ":%u", port);

    if (pt_buf_alloc(loc, (uint32_t)(1024 + len)) != 0)
        return -1;
    memcpy(loc->data, "http://", 7);
    loc->end = 7;
    if (pt_complex_eval(r, &host_cv, loc) != 0 ||
        (pt_buf_room(loc) < n + len && pt_buf_grow(loc, pt_buf_len(loc) + (uint32_t)(n + len)) != 0))
        return -1;
    memcpy(loc->data + loc->end, tail, (size_t)n);
    loc->end += (uint32_t)n;
    memcpy(loc->data + loc->end, path, len);
    loc->end += (uint32_t)len;
    return 0;
}

static int is_redirect(uint16_t code)
{
    return code == 301 || code == 302 || code == 303 || code == 307 || code == 308;
}

/* The text of a return: as written when it names no variable (the common case, no copy),
 * else evaluated into *scratch. */
static int return_text(const struct pt_request *r, const struct pt_conf_complex *cv,
                       struct pt_buf *scratch, const char **text, size_t *len)
{
    if (cv->part_count == 0 || (cv->part_count == 1 && !cv->parts[0].is_var)) {
        *text = cv->part_count ? cv->parts[0].text : "";
        *len = cv->part_count ? cv->parts[0].len : 0;
        return 0;
    }
    if (pt_complex_eval(r, cv, scratch) != 0)
        return -1;
    *text = scratch->data ? scratch->data + scratch->start : "";
    *len = pt_buf_len(scratch);
    return 0;
}

/* Queues resp with the location's expires and add_header lines. */
static int append_with_additions(struct pt_request *r, struct pt_response *resp)
{
    struct pt_buf x = {0};
    int rc = -1;

    if (r->values->expires.mode == PT_EXPIRES_OFF && r->values->add_header.count == 0)
        return pt_response_append(&r->hc->out, resp); /* the common case: no buffer */
    if (pt_buf_alloc(&x, 512) == 0 && pt_header_additions(r, resp->status, -1, &x) == 0) {
        resp->extra = x.data;
        resp->extra_len = pt_buf_len(&x);
        rc = pt_response_append(&r->hc->out, resp);
    }
    pt_buf_release(&x);
    return rc;
}

/* `return code [text|URL]`: a redirect's argument is its Location and the body nginx's
 * page; another code's text is the body (default_type text/plain); no text gives the
 * code's page, if it has one. */
static int respond_return(struct pt_request *r, const struct pt_conf_return *ret)
{
    struct pt_buf scratch = {0}, loc = {0};
    struct pt_response resp;
    const char *text = NULL;
    size_t len = 0;
    int rc = 0;

    pt_request_response_init(&resp, r, ret->code);
    if (ret->has_text && return_text(r, &ret->text, &scratch, &text, &len) != 0)
        rc = -1;
    if (rc == 0 && is_redirect(ret->code) && text) {
        if (len && text[0] == '/' && (rc = pt_request_absolute_location(r, text, len, &loc)) == 0)
            text = loc.data, len = pt_buf_len(&loc);
        resp.location = text, resp.location_len = len;
    } else if (text) {
        resp.content_type = "text/plain";
        resp.body = text, resp.body_len = len;
    }
    if (resp.body == NULL) {
        resp.body = pt_http_error_page(ret->code, resp.server_tokens, &resp.body_len);
        resp.content_type = resp.body ? "text/html" : "text/plain";
    }
    if (rc == 0)
        rc = append_with_additions(r, &resp);
    pt_buf_release(&scratch);
    pt_buf_release(&loc);
    return rc;
}

/* A page of nginx's for status, on a connection that stays as the request left it. */
static int respond_page(struct pt_request *r, uint16_t status)
{
    struct pt_response resp;

    pt_request_response_init(&resp, r, status);
    resp.body = pt_http_error_page(status, resp.server_tokens, &resp.body_len);
    resp.content_type = resp.body ? "text/html" : NULL;
    return append_with_additions(r, &resp);
}

int pt_request_respond(struct pt_request *r)
{
    const struct pt_conf_return *ret = &r->server->values.ret;

    /* A server-level return runs before any location is looked at (nginx's server
     * rewrite phase), after an internal redirect too. */
    for (int redirects = 0; redirects <= 10; redirects++) {
        const struct pt_conf_return *lr = ret->code ? ret : &r->values->ret;
        int rc;
        if (lr->code == 444)
            return PT_REQUEST_CLOSE;
        if (lr->code && !lr->has_text && lr->code >= 300 &&
            (rc = pt_request_error_page(r, lr->code)) != 0) {
            if (rc == 1)
                continue;
            return rc < 0 ? -1 : 0;
        }
        if (lr->code)
            return respond_return(r, lr);
        if (r->values->proxy.pass.raw)
            return PT_RESPOND_PROXY;
        rc = pt_static_respond(r);
        if (rc != PT_STATIC_REDIRECT)
            return rc;
    }
    /* nginx: "rewrite or internal redirection cycle" */
    return respond_page(r, 500);
}

int pt_request_respond_error(struct pt_http_conn *hc, const struct pt_conf_http_values *v,
                             uint16_t status)
{
    struct pt_response resp;

    memset(&resp, 0, sizeof(resp));
    resp.status = status;
    resp.server_tokens = v->server_tokens;
    resp.head_only = hc->req && hc->req->head.method_id == PT_METHOD_HEAD;
    resp.body = pt_http_error_page(status, v->server_tokens, &resp.body_len);
    resp.content_type = resp.body ? "text/html" : NULL;
    return pt_response_append(&hc->out, &resp);
}
