/* proxy/static.c - static.h. */
#include "proxy/static.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proxy/http_conn.h"
#include "proxy/location.h"
#include "proxy/open_file_cache.h"
#include "proxy/request.h"
#include "proxy/routing.h"
#include "proxy/static_file.h"
#include "proxy/variables.h"
#include "proxy/worker.h"

#define PATH_CAP 4096

/* A string with variables: as written when it has none (no copy), else evaluated into
 * *scratch (which the caller releases). */
static int eval(const struct pt_request *r, const struct pt_conf_complex *cv,
                struct pt_buf *scratch, const char **s, size_t *len)
{
    if (cv->part_count == 1 && !cv->parts[0].is_var) {
        *s = cv->parts[0].text;
        *len = cv->parts[0].len;
        return 0;
    }
    scratch->end = scratch->start;
    if (pt_complex_eval(r, cv, scratch) != 0)
        return -1;
    *s = scratch->data ? scratch->data + scratch->start : "";
    *len = pt_buf_len(scratch);
    return 0;
}

/* root + uri, or alias + the uri past the location's prefix, NUL-terminated into path.
 * Returns 0, -ENAMETOOLONG or -ENOMEM. */
static int map_path(const struct pt_request *r, const char *uri, size_t ulen, char *path)
{
    const struct pt_conf_http_values *v = r->values;
    const struct pt_conf_complex *base = &v->root.path;
    struct pt_buf scratch = {0};
    const char *b;
    size_t blen;
    int rc = 0;

    if (v->alias.path.raw) {
        base = &v->alias.path;
        if (v->alias.whole_uri)
            ulen = 0;
        else if (ulen >= v->alias.strip) {
            uri += v->alias.strip;
            ulen -= v->alias.strip;
        }
    }
    if (eval(r, base, &scratch, &b, &blen) != 0)
        rc = -ENOMEM;
    else if (blen + ulen >= PATH_CAP)
        rc = -ENAMETOOLONG;
    else {
        memcpy(path, b, blen);
        memcpy(path + blen, uri, ulen);
        path[blen + ulen] = '\0';
        if (memchr(path, '\0', blen + ulen)) /* a variable may carry a NUL */
            rc = -ENOENT;
    }
    pt_buf_release(&scratch);
    return rc;
}

static uint16_t status_for_errno(int err)
{
    if (err == -EACCES || err == -EPERM)
        return 403;
    if (err == -ENOENT || err == -ENOTDIR || err == -ENAMETOOLONG || err == -ELOOP)
        return 404;
    return 500;
}

/* Makes uri the request's $uri (a copy). */
static int set_uri(struct pt_request *r, const char *uri, size_t len)
{
    struct pt_buf nb = {0};

    if (pt_buf_alloc(&nb, (uint32_t)(len ? len : 1)) != 0)
        return -1;
    memcpy(nb.data, uri, len);
    nb.end = (uint32_t)len;
    pt_buf_release(&r->uri_buf);
    r->uri_buf = nb;
    return 0;
}

/* Makes uri (without its "?args") the request's $uri and finds its location again. */
int pt_static_internal_redirect(struct pt_request *r, const char *uri, size_t len,
                                enum pt_redirect_args args)
{
    const struct pt_routing *rt = pt_routing_for(pt_worker.cfg);
    const char *q = memchr(uri, '?', len);
    size_t ulen, full = len;

    if (q)
        len = (size_t)(q - uri);
    if (len && uri[0] == '@') {
        char name[256];
        const struct pt_conf_location *loc;
        if (len - 1 >= sizeof(name))
            return pt_static_page(r, 500, NULL, 0);
        memcpy(name, uri + 1, len - 1);
        name[len - 1] = '\0';
        if ((loc = pt_location_named(r->server, name)) == NULL)
            return pt_static_page(r, 500, NULL, 0);
        r->location = loc;
        r->values = &loc->values;
        return PT_STATIC_REDIRECT;
    }
    if (len == 0 || uri[0] != '/' || rt == NULL)
        return pt_static_page(r, 500, NULL, 0);
    if (args == PT_ARGS_FROM_URI &&
        pt_request_set_args(r, q ? q + 1 : NULL, q ? full - len - 1 : 0) != 0)
        return -1;
    if (set_uri(r, uri, len) != 0)
        return -1;
    r->redirected = 1;
    uri = pt_request_uri(r, &ulen);
    r->location = pt_location_find(rt, r->server, uri, ulen, &r->loc_caps);
    r->values = r->location ? &r->location->values : &r->server->values;
    return PT_STATIC_REDIRECT;
}

/* 301 to uri + "/" (+ "?args"), absolute as nginx's absolute_redirect. */
static int redirect_to_dir(struct pt_request *r, const char *uri, size_t ulen)
{
    size_t alen;
    const char *args = pt_request_args(r, &alen);
    size_t qlen = args ? alen + 1 : 0;
    struct pt_buf path = {0}, loc = {0};
    int rc = -1;

    if (pt_buf_alloc(&path, (uint32_t)(ulen + 1 + qlen)) == 0) {
        memcpy(path.data, uri, ulen);
        path.data[ulen] = '/';
        if (args) {
            path.data[ulen + 1] = '?';
            memcpy(path.data + ulen + 2, args, alen);
        }
        if (pt_request_absolute_location(r, path.data, ulen + 1 + qlen, &loc) == 0)
            rc = pt_static_page(r, 301, loc.data, pt_buf_len(&loc));
    }
    pt_buf_release(&path);
    pt_buf_release(&loc);
    return rc;
}

/* A segment starting with '.' other than "/.well-known/" (the URI is normalised: no "."
 * or ".." segments are left). */
static int is_dotfile(const char *uri, size_t len)
{
    static const char wk[] = "well-known";
    const char *end = uri + len, *p = uri;

    while ((p = memchr(p, '/', (size_t)(end - p))) != NULL && ++p < end) {
        if (*p != '.')
            continue;
        size_t rest = (size_t)(end - p - 1);
        if (rest >= sizeof(wk) - 1 && memcmp(p + 1, wk, sizeof(wk) - 1) == 0 &&
            (rest == sizeof(wk) - 1 || p[sizeof(wk)] == '/'))
            continue;
        return 1;
    }
    return 0;
}

static int hidden(const struct pt_request *r, const char *uri, size_t len)
{
    return !r->values->dotfiles && is_dotfile(uri, len);
}

/* try_files: the first item that exists (a directory for "name/", else a file) becomes
 * the URI served here; none: the last item's =code, URI or @name. */
static int try_files(struct pt_request *r, int *found)
{
    const struct pt_conf_try_files *tf = &r->values->try_files;
    struct pt_buf scratch = {0};
    char path[PATH_CAP];
    int rc = 0;

    *found = 0;
    for (uint32_t i = 0; i + 1 < tf->count && !*found && rc == 0; i++) {
        const char *name;
        size_t len;
        struct stat st;
        if (eval(r, &tf->items[i], &scratch, &name, &len) != 0) {
            rc = -1;
            break;
        }
        /* A directory item is one written with a trailing '/'; as nginx, the URI it
         * gives has that '/' taken off (the static handler then redirects to add it). */
        const char *raw = tf->items[i].raw;
        int want_dir = raw[0] && raw[strlen(raw) - 1] == '/';
        if (want_dir && len > 1 && name[len - 1] == '/')
            len--;
        if (len == 0 || hidden(r, name, len) || map_path(r, name, len, path) != 0 ||
            stat(path, &st) != 0 ||
            (S_ISDIR(st.st_mode) ? 1 : 0) != want_dir)
            continue;
        *found = 1;
        rc = set_uri(r, name, len);
    }
    if (rc == 0 && !*found) {
        const char *last;
        size_t len;
        if (tf->fallback_code)
            rc = pt_static_page(r, tf->fallback_code, NULL, 0);
        else if (eval(r, &tf->items[tf->count - 1], &scratch, &last, &len) != 0)
            rc = -1;
        else
            rc = pt_static_internal_redirect(r, last, len, PT_ARGS_FROM_URI);
    }
    pt_buf_release(&scratch);
    return rc;
}

/* A URI ending in '/': the first index file that exists, by internal redirect (nginx's
 * index module); none: 403 for a directory, 404 when there is none. */
static int serve_index(struct pt_request *r, const char *uri, size_t ulen)
{
    const struct pt_conf_index *ix = &r->values->index;
    struct pt_buf scratch = {0}, target = {0};
    char path[PATH_CAP];
    struct stat st;
    int rc = 0, err = map_path(r, uri, ulen, path);
    size_t dir_len = strlen(path);

    for (uint32_t i = 0; i < ix->count && err == 0; i++) {
        const char *name;
        size_t len;
        if (eval(r, &ix->names[i], &scratch, &name, &len) != 0) {
            err = -ENOMEM;
            break;
        }
        if (len && name[0] == '/') { /* an absolute index is a redirect, found or not */
            rc = pt_static_internal_redirect(r, name, len, PT_ARGS_KEEP);
            goto out;
        }
        if (dir_len + len >= PATH_CAP)
            continue;
        memcpy(path + dir_len, name, len);
        path[dir_len + len] = '\0';
        if (stat(path, &st) == 0) {
            if (pt_buf_alloc(&target, (uint32_t)(ulen + len)) != 0) {
                rc = -1;
                goto out;
            }
            memcpy(target.data, uri, ulen);
            memcpy(target.data + ulen, name, len);
            rc = pt_static_internal_redirect(r, target.data, ulen + len, PT_ARGS_KEEP);
            goto out;
        }
        if (errno != ENOENT && errno != ENOTDIR) {
            err = -errno;
            break;
        }
        path[dir_len] = '\0';
    }
    if (err == -ENOMEM)
        rc = -1;
    else if (err)
        rc = pt_static_page(r, status_for_errno(err), NULL, 0);
    else
        rc = pt_static_page(r, stat(path, &st) == 0 ? 403 : status_for_errno(-errno), NULL, 0);
out:
    pt_buf_release(&scratch);
    pt_buf_release(&target);
    return rc;
}

static int serve_file(struct pt_request *r, const char *uri, size_t ulen)
{
    char path[PATH_CAP];
    struct stat st;
    void *entry = NULL;
    int fd = map_path(r, uri, ulen, path);

    if (fd == -ENOMEM)
        return -1;
    if (fd == 0)
        fd = pt_open_file_cache_open(&r->values->open_file_cache, path, &st, &entry);
    if (fd < 0)
        return pt_static_page(r, status_for_errno(fd), NULL, 0);
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        if (S_ISDIR(st.st_mode))
            return redirect_to_dir(r, uri, ulen);
        return pt_static_page(r, 404, NULL, 0);
    }
    return pt_static_send_file(r, fd, entry, &st, uri, ulen);
}

int pt_static_respond(struct pt_request *r)
{
    const char *uri;
    size_t ulen;
    int found = 1, rc;

    if (r->values->try_files.count) {
        rc = try_files(r, &found);
        if (rc != 0 || !found)
            return rc;
    }
    uri = pt_request_uri(r, &ulen);
    if (hidden(r, uri, ulen))
        return pt_static_page(r, 404, NULL, 0);
    if (ulen && uri[ulen - 1] == '/')
        return serve_index(r, uri, ulen);
    if (r->head.method_id != PT_METHOD_GET && r->head.method_id != PT_METHOD_HEAD)
        return pt_static_page(r, 405, NULL, 0);
    return serve_file(r, uri, ulen);
}
