/* proxy/static_file.c - static_file.h.
 *
 * The request fields read here (dates, entity tags, Range) are parsed by the machines of
 * parser/http_conditional.rl. */
#include "proxy/static_file.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "parser/http_conditional.h"
#include "proxy/byte_ranges.h"
#include "proxy/file_body.h"
#include "proxy/header_additions.h"
#include "proxy/http_conn.h"
#include "proxy/http_response.h"
#include "proxy/http_status.h"
#include "proxy/static.h"
#include "proxy/open_file_cache.h"
#include "proxy/request.h"
#include "proxy/variables.h"

/* ---- request headers ---- */

static const char *request_header(const struct pt_request *r, const char *name, size_t *len)
{
    const char *base = r->hc->in.data + r->hc->in.start;
    size_t nlen = strlen(name);

    for (uint16_t i = 0; i < r->head.head.header_count; i++) {
        const struct pt_http_header *h = &r->head.head.headers[i];
        if (h->name.len == nlen && strncasecmp(base + h->name.off, name, nlen) == 0) {
            *len = h->value.len;
            return base + h->value.off;
        }
    }
    return NULL;
}

/* A date field as seconds; -1 when absent or not an IMF-fixdate. */
static int header_date(const struct pt_request *r, const char *name, time_t *out)
{
    size_t len;
    const char *v = request_header(r, name, &len);
    int64_t t;

    if (v == NULL || pt_http_date_parse(v, len, &t) != 0)
        return -1;
    *out = (time_t)t;
    return 0;
}

/* ---- response headers ---- */

int pt_static_page(struct pt_request *r, uint16_t status, const char *location, size_t loc_len)
{
    struct pt_response resp;
    struct pt_buf x = {0};
    int rc = status >= 300 ? pt_request_error_page(r, status) : 0;

    if (rc == 1)
        return PT_STATIC_REDIRECT;
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    rc = -1;

    pt_request_response_init(&resp, r, status);
    resp.body = pt_http_error_page(status, resp.server_tokens, &resp.body_len);
    resp.content_type = resp.body ? "text/html" : NULL;
    resp.location = location;
    resp.location_len = loc_len;
    if (pt_buf_alloc(&x, 1024) == 0 && pt_header_additions(r, status, -1, &x) == 0) {
        resp.extra = x.data;
        resp.extra_len = pt_buf_len(&x);
        rc = pt_response_append(&r->hc->out, &resp);
    }
    pt_buf_release(&x);
    return rc;
}

/* ---- the file ---- */

static const struct pt_conf_type builtin_types[] = {
    {"gif", "image/gif"}, {"html", "text/html"}, {"jpg", "image/jpeg"},
};

static const char *content_type(const struct pt_conf_http_values *v, const char *uri, size_t len)
{
    const struct pt_conf_type *t = v->types.entries ? v->types.entries : builtin_types;
    size_t lo = 0, hi = v->types.entries ? v->types.count : 3, n = 0;
    char ext[32];
    size_t i = len;

    while (i > 0 && uri[i - 1] != '.' && uri[i - 1] != '/')
        i--;
    if (i == 0 || uri[i - 1] != '.' || len - i >= sizeof(ext))
        return v->default_type;
    for (; i < len; i++)
        ext[n++] = (char)(uri[i] >= 'A' && uri[i] <= 'Z' ? uri[i] + 32 : uri[i]);
    ext[n] = '\0';
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(ext, t[mid].ext);
        if (c == 0)
            return t[mid].type;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return v->default_type;
}

/* nginx's not-modified filter: every conditional given must hold for a 304. */
static int not_modified(const struct pt_request *r, const struct stat *st, const char *etag,
                        size_t elen)
{
    size_t inm_len = 0, ims_len = 0;
    int has_ims = request_header(r, "If-Modified-Since", &ims_len) != NULL;
    const char *inm = request_header(r, "If-None-Match", &inm_len);
    time_t t;

    if (!has_ims && !inm)
        return 0;
    if (has_ims && (header_date(r, "If-Modified-Since", &t) != 0 || t != st->st_mtime))
        return 0;
    if (inm && (elen == 0 || pt_http_etag_match(inm, inm_len, etag, elen, 1) != 1))
        return 0;
    return 1;
}

/* If-Match (strong) and If-Unmodified-Since: 412 when one fails, as nginx. */
static int precondition_failed(const struct pt_request *r, const struct stat *st,
                               const char *etag, size_t elen)
{
    size_t len;
    const char *im = request_header(r, "If-Match", &len);
    time_t t;

    if (im && (elen == 0 ? !(len == 1 && im[0] == '*')
                         : pt_http_etag_match(im, len, etag, elen, 0) != 1))
        return 1;
    if (request_header(r, "If-Unmodified-Since", &len) &&
        (header_date(r, "If-Unmodified-Since", &t) != 0 || st->st_mtime > t))
        return 1;
    return 0;
}

/* Range, unless If-Range names another version (an entity tag compared strongly, or a
 * date compared exactly, as nginx). */
static enum pt_ranges_result wanted_ranges(const struct pt_request *r, const struct stat *st,
                                           const char *etag, size_t elen,
                                           struct pt_byte_ranges *out)
{
    size_t len, ir_len;
    const char *range = request_header(r, "Range", &len);
    const char *ir = request_header(r, "If-Range", &ir_len);
    time_t t;

    out->count = 0;
    out->list = out->inline_list;
    if (!range)
        return PT_RANGES_NONE;
    if (ir && ir_len && ir[0] == '"' && (ir_len != elen || memcmp(ir, etag, elen) != 0))
        return PT_RANGES_NONE;
    if (ir && ir_len && ir[0] != '"' &&
        (header_date(r, "If-Range", &t) != 0 || t != st->st_mtime))
        return PT_RANGES_NONE;
    return pt_byte_ranges_judge(range, len, (uint64_t)st->st_size, r->values->max_ranges, out);
}

/* The status for a file that is not 304: 200 (*rg the whole file), 206 with one range in
 * *rg or with several in *parts (type: each part's), 416, or -1 (out of memory). */
static int choose_ranges(const struct pt_request *r, const struct stat *st, const char *etag,
                         size_t elen, const char *type, struct pt_byte_range *rg,
                         struct pt_multipart **parts)
{
    struct pt_byte_ranges br;
    int status = 200;

    switch (wanted_ranges(r, st, etag, elen, &br)) {
    case PT_RANGES_NONE:
        break;
    case PT_RANGES_ONE:
        *rg = br.list[0];
        status = 206;
        break;
    case PT_RANGES_MANY:
        *parts = pt_multipart_new(&br, (uint64_t)st->st_size, type);
        status = *parts ? 206 : -1;
        break;
    case PT_RANGES_BAD:
        status = 416;
        break;
    case PT_RANGES_NOMEM:
        status = -1;
        break;
    }
    pt_byte_ranges_cleanup(&br);
    return status;
}

/* Files up to this size go with their head in one segment. With sendfile off they are
 * read into the output buffer behind the head: one write. With sendfile on the head is
 * sent with MSG_MORE and the file by sendfile, no cork: the body is not copied through
 * user space or into the socket (a 4 KiB copy was a fifth of the CPU per request). */
#define SMALL_FILE (16 * 1024)

static void attach_body(struct pt_request *r, int fd, void *cache_entry,
                        const struct pt_byte_range *rg, struct pt_multipart *parts)
{
    const struct pt_conf_http_values *v = r->values;
    struct pt_file_body *fb = &r->hc->file;

    fb->fd = fd;
    fb->cache_entry = cache_entry;
    fb->use_sendfile = v->sendfile;
    fb->max_chunk = v->sendfile_max_chunk;
    if (parts)
        pt_file_body_multipart(fb, parts);
    else
        pt_file_body_slice(fb, rg->start, rg->len);
    /* A small file goes in one segment with its head by MSG_MORE (proxy/http_conn.c):
     * the cork's two setsockopt calls are for large ones. */
    if (v->sendfile && v->tcp_nopush && fb->remaining > SMALL_FILE)
        pt_file_body_cork(fb, &r->hc->conn);
}

static void release_fd(int fd, void *cache_entry)
{
    if (cache_entry)
        pt_open_file_cache_release(cache_entry);
    else
        close(fd);
}

/* ETag, expires, add_header, then Accept-Ranges (unless max_ranges 0) or Content-Range
 * (one range: rg; none for multipart, rg NULL), in nginx's order. */
static int file_headers(const struct pt_request *r, uint16_t status, const char *etag,
                        size_t elen, const struct pt_byte_range *rg, const struct stat *st,
                        struct pt_buf *x)
{
    uint64_t size = (uint64_t)st->st_size;

    if (elen && (pt_header_add(x, "ETag: ", 6) || pt_header_add(x, etag, elen) ||
                 pt_header_add(x, "\r\n", 2)))
        return -1;
    if (pt_header_additions(r, status, st->st_mtime, x) != 0)
        return -1;
    if (status == 200 && r->values->max_ranges)
        return PT_HEADER_LIT(x, "Accept-Ranges: bytes\r\n");
    if (status == 206 && rg) {
        char line[96];
        int n = snprintf(line, sizeof(line), "Content-Range: bytes %llu-%llu/%llu\r\n",
                         (unsigned long long)rg->start,
                         (unsigned long long)(rg->start + rg->len - 1),
                         (unsigned long long)size);
        return pt_header_add(x, line, (size_t)n);
    }
    return 0;
}

/* 416 with Content-Range: bytes * /size, as nginx: its range filter turns the file's 200
 * into the 416 after the headers filter has run, so the additions for a 200 stay (but
 * ETag and Last-Modified, which the error page clears), and the error page then adds the
 * "always" ones a second time. */
static int respond_416(struct pt_request *r, const struct stat *st)
{
    struct pt_response resp;
    struct pt_buf x = {0};
    int rc = -1;

    pt_request_response_init(&resp, r, 416);
    resp.body = pt_http_error_page(416, resp.server_tokens, &resp.body_len);
    resp.content_type = "text/html";
    if (pt_buf_alloc(&x, 1024) == 0 && pt_header_additions(r, 200, st->st_mtime, &x) == 0 &&
        pt_header_addf(&x, "Content-Range: bytes */%llu\r\n",
                       (unsigned long long)st->st_size) == 0 &&
        pt_header_additions(r, 416, st->st_mtime, &x) == 0) {
        resp.extra = x.data;
        resp.extra_len = pt_buf_len(&x);
        rc = pt_response_append(&r->hc->out, &resp);
    }
    pt_buf_release(&x);
    return rc;
}


static int read_small(int fd, const struct pt_byte_range *rg, char *out)
{
    size_t got = 0;

    while (got < rg->len) {
        ssize_t n = pread(fd, out + got, (size_t)rg->len - got, (off_t)(rg->start + got));
        if (n <= 0)
            return -1; /* an error or a file that shrank: the file body path reports it */
        got += (size_t)n;
    }
    return 0;
}

int pt_static_send_file(struct pt_request *r, int fd, void *cache_entry, const struct stat *st,
                        const char *uri, size_t ulen)
{
    const struct pt_conf_http_values *v = r->values;
    uint64_t size = (uint64_t)st->st_size;
    struct pt_byte_range rg = {0, size};
    struct pt_multipart *parts = NULL;
    struct pt_response resp;
    struct pt_buf x = {0};
    const char *type = content_type(v, uri, ulen);
    char etag[64], small[SMALL_FILE], multipart_type[PT_MULTIPART_TYPE_MAX];
    size_t elen = 0;
    /* An error_page target goes out with the error's status (nginx's err_status); the
     * not-modified and range filters act on a 200 only. */
    int status = r->status_override ? r->status_override : 200, rc = -1;

    if (v->etag)
        elen = (size_t)snprintf(etag, sizeof(etag), "\"%llx-%llx\"",
                                (unsigned long long)st->st_mtime, (unsigned long long)size);
    if (status == 200 && precondition_failed(r, st, etag, elen)) {
        release_fd(fd, cache_entry);
        return pt_static_page(r, 412, NULL, 0);
    }
    if (status == 200 && not_modified(r, st, etag, elen)) {
        status = 304;
    } else if (status == 200) {
        status = choose_ranges(r, st, etag, elen, type, &rg, &parts);
        if (status == 416 || status < 0) {
            release_fd(fd, cache_entry);
            return status < 0 ? -1 : respond_416(r, st);
        }
    }
    pt_request_response_init(&resp, r, (uint16_t)status);
    resp.status = (uint16_t)status; /* a 206 or 304 after error_page's "=200" too */
    resp.content_type = type[0] ? type : NULL; /* default_type "": none, as nginx */
    resp.body_len = rg.len;
    if (parts) {
        pt_multipart_content_type(parts, multipart_type);
        resp.content_type = multipart_type;
        resp.body_len = pt_multipart_length(parts);
    }
    resp.file_body = 1;
    if (status != 304 && !resp.head_only && resp.body_len <= SMALL_FILE && !v->sendfile &&
        (parts ? pt_multipart_read(parts, fd, small) : read_small(fd, &rg, small)) == 0) {
        resp.body = small; /* copied behind the head: one write, no sendfile, no cork */
        resp.file_body = 0;
    }
    if (status == 200 || status == 206 || status == 304) /* nginx drops it for others */
        resp.last_modified = st->st_mtime;
    if (pt_buf_alloc(&x, 1024) == 0 &&
        file_headers(r, (uint16_t)status, etag, elen, parts ? NULL : &rg, st, &x) == 0) {
        resp.extra = x.data;
        resp.extra_len = pt_buf_len(&x);
        rc = pt_response_append(&r->hc->out, &resp);
    }
    pt_buf_release(&x);
    if (rc == 0 && resp.file_body && status != 304 && !resp.head_only && resp.body_len > 0) {
        attach_body(r, fd, cache_entry, &rg, parts);
    } else {
        pt_multipart_free(parts);
        release_fd(fd, cache_entry);
    }
    return rc;
}
