/* proxy/access_log.c - access_log lines: the response's facts, the line, the files
 * (access_log.h).
 *
 * The response is read back from the connection's output buffer with parser/'s response
 * machine: portico only ever queues whole responses there, and the buffer is written
 * out and released before new requests are read, so the one just queued starts either
 * where the last logged one ended (pipelining) or at the buffer's start. */
#include "proxy/access_log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "proxy/http_conn.h"
#include "proxy/log_files.h"
#include "proxy/request.h"
#include "proxy/variables.h"
#include "proxy/worker.h"

#define PT_LOG_RESPONSE_HEADERS 64 /* more than portico's own responses ever carry */

/* A worker's side of one of its config's log files (struct pt_conf_log_file). */
struct log_file {
    const char *path; /* for messages */
    int fd;           /* inherited from the master; -1: no access_log of a server uses it */
    char *buf;        /* NULL: unbuffered */
    uint32_t size, len;
    pt_msec_t flush;  /* 0: no timer */
    struct pt_timer timer;
};

static struct {
    const struct pt_config *cfg; /* the config files[] was made for */
    struct log_file *files;      /* by pt_conf_log_file.index */
    uint32_t count;
    struct pt_buf line;
} logs;

/* ---- escaping ---- */

static size_t escape_default(const char *in, size_t len, char *out)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            if (out)
                out[n] = (char)c;
            n++;
            continue;
        }
        if (out)
            memcpy(out + n, (char[4]){'\\', 'x', hex[c >> 4], hex[c & 15]}, 4);
        n += 4;
    }
    return n;
}

/* The two-byte JSON escape of c, or 0 when it has none. */
static char json_short(unsigned char c)
{
    switch (c) {
    case '"': return '"';
    case '\\': return '\\';
    case '\n': return 'n';
    case '\r': return 'r';
    case '\t': return 't';
    case '\b': return 'b';
    case '\f': return 'f';
    }
    return 0;
}

static size_t escape_json(const char *in, size_t len, char *out)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        char s = json_short(c);
        if (s) {
            if (out)
                memcpy(out + n, (char[2]){'\\', s}, 2);
            n += 2;
        } else if (c < 0x20) {
            if (out)
                memcpy(out + n, (char[6]){'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]}, 6);
            n += 6;
        } else {
            if (out)
                out[n] = (char)c;
            n++;
        }
    }
    return n;
}

size_t pt_log_escape(enum pt_log_escape escape, const char *in, size_t len, char *out)
{
    if (escape == PT_LOG_ESCAPE_DEFAULT)
        return escape_default(in, len, out);
    if (escape == PT_LOG_ESCAPE_JSON)
        return escape_json(in, len, out);
    if (out)
        memcpy(out, in, len);
    return len;
}

/* ---- the response ---- */

/* Reads the response at `at` in out; 1 when it is whole and ends exactly at out's end. */
static int response_at(const struct pt_request *r, uint32_t at, struct pt_http_response *resp,
                       struct pt_http_header *headers)
{
    const struct pt_buf *out = &r->hc->out;
    uint64_t body;

    if (at < out->start || at >= out->end)
        return 0;
    pt_http_response_init(resp, headers, PT_LOG_RESPONSE_HEADERS, NULL, r->head.method_id);
    if (pt_http_response_parse(resp, out->data + at, out->end - at) != PT_PARSE_DONE)
        return 0;
    body = resp->head.framing == PT_BODY_LENGTH ? resp->head.content_length : 0;
    /* A static file's bytes follow out (struct pt_file_body), not inside it. */
    if (r->hc->file.fd >= 0 && r->hc->file.remaining <= body)
        body -= r->hc->file.remaining;
    return at + resp->head.head_length + body == out->end;
}

/* Fills lr from the response just queued; status 0 when it cannot be found. */
static void find_response(const struct pt_request *r, struct pt_log_response *lr,
                          struct pt_http_response *resp, struct pt_http_header *headers)
{
    const struct pt_http_conn *hc = r->hc;
    uint32_t at = hc->log_mark;

    memset(lr, 0, sizeof(*lr));
    if (!hc->out.data)
        return;
    if (!response_at(r, at, resp, headers)) {
        at = hc->out.start;
        if (!response_at(r, at, resp, headers))
            return;
    }
    lr->status = resp->status;
    lr->bytes_sent = hc->out.end - at;
    lr->body_bytes_sent = lr->bytes_sent - resp->head.head_length;
    if (hc->file.fd >= 0) { /* a static file's bytes go after out, still to be sent */
        lr->bytes_sent += hc->file.remaining;
        lr->body_bytes_sent += hc->file.remaining;
    }
    lr->head = hc->out.data + at;
    lr->headers = headers;
    lr->header_count = resp->head.header_count;
}

/* ---- files ---- */

/* Opened by the master with the config (proxy/log_files.h): a worker only buffers. */

static void file_write_out(struct log_file *f, const char *data, size_t len)
{
    while (len > 0 && f->fd >= 0) {
        ssize_t n = write(f->fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            pt_log(PT_LOG_ALERT, "write() to \"%s\" failed: %s", f->path, strerror(errno));
            return;
        }
        data += n;
        len -= (size_t)n;
    }
}

static void file_flush(struct log_file *f)
{
    if (f->len)
        file_write_out(f, f->buf, f->len);
    f->len = 0;
    if (pt_timer_armed(&f->timer))
        pt_timer_cancel(&pt_worker.reactor.timers, &f->timer);
}

static void on_flush_timer(struct pt_timer *t)
{
    file_flush((struct log_file *)((char *)t - offsetof(struct log_file, timer)));
}

/* The worker's side of one access_log's file; a shared path takes the largest buffer and
 * the shortest flush of its lines. */
static void file_use(const struct pt_conf_access_log *l)
{
    struct log_file *f;

    if (l->file == NULL || l->file->index >= logs.count)
        return;
    f = &logs.files[l->file->index];
    f->path = l->file->path;
    f->fd = l->file->fd;
    f->timer.fire = on_flush_timer;
    f->size = l->buffer > f->size ? l->buffer : f->size;
    if (l->flush && (!f->flush || l->flush < f->flush))
        f->flush = l->flush;
}

static void files_add(const struct pt_conf_access_logs *set)
{
    for (uint32_t i = 0; i < set->count; i++)
        file_use(&set->logs[i]);
}

static void files_add_locations(struct pt_conf_location *const *locs, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) {
        files_add(&locs[i]->values.access_log);
        files_add_locations(locs[i]->children, locs[i]->child_count);
    }
}

/* Sizes the buffers of cfg's files once (a worker runs one config for its life). */
static void files_prepare(const struct pt_config *cfg)
{
    if (logs.cfg == cfg)
        return;
    logs.cfg = cfg;
    logs.files = calloc(cfg->log_file_count ? cfg->log_file_count : 1, sizeof(*logs.files));
    if (logs.files == NULL) {
        pt_log(PT_LOG_ALERT, "no memory for the access_log files: nothing is logged");
        return;
    }
    logs.count = cfg->log_file_count;
    for (uint32_t i = 0; i < logs.count; i++)
        logs.files[i].fd = -1;
    for (uint32_t i = 0; i < cfg->server_count; i++) {
        files_add(&cfg->servers[i]->values.access_log);
        files_add_locations(cfg->servers[i]->locations, cfg->servers[i]->location_count);
    }
    for (uint32_t i = 0; i < logs.count; i++) {
        struct log_file *f = &logs.files[i];
        if (f->size && (f->buf = malloc(f->size)) == NULL)
            f->size = 0; /* unbuffered rather than silent */
    }
}

/* One line to f: into its buffer when it fits, else out now. */
static void file_add_line(struct log_file *f, const char *line, size_t len)
{
    if (f->fd < 0)
        return;
    if (f->size == 0) {
        file_write_out(f, line, len);
        return;
    }
    if (f->len + len > f->size)
        file_flush(f);
    if (len > f->size) {
        file_write_out(f, line, len);
        return;
    }
    memcpy(f->buf + f->len, line, len);
    f->len += (uint32_t)len;
    if (f->flush && !pt_timer_armed(&f->timer))
        pt_timer_set(&pt_worker.reactor.timers, &f->timer, pt_now_ms + (uint64_t)f->flush);
}

/* ---- lines ---- */

static void log_one(const struct pt_request *r, const struct pt_conf_access_log *l,
                    const struct pt_log_response *lr)
{
    struct pt_buf *line = &logs.line;
    struct log_file *f;

    if (l->file == NULL || l->file->index >= logs.count)
        return;
    f = &logs.files[l->file->index];
    line->start = line->end = 0;
    if (pt_complex_eval_log(r, lr, l->format->escape, &l->format->line, line) != 0 ||
        (pt_buf_room(line) == 0 && pt_buf_grow(line, line->size * 2) != 0)) {
        pt_log(PT_LOG_ALERT, "no memory for an access_log line");
        return;
    }
    line->data[line->end++] = '\n';
    file_add_line(f, line->data + line->start, pt_buf_len(line));
}

/* Logs r with the response found in out, or with *given when not NULL. */
static void log_request(struct pt_request *r, const struct pt_log_response *given)
{
    const struct pt_conf_access_logs *set = &r->values->access_log;
    struct pt_http_header headers[PT_LOG_RESPONSE_HEADERS];
    struct pt_http_response resp;
    struct pt_log_response lr;

    if (!set->off && set->count && pt_worker.cfg) {
        files_prepare(pt_worker.cfg);
        if (given)
            lr = *given;
        else
            find_response(r, &lr, &resp, headers);
        for (uint32_t i = 0; i < set->count; i++)
            log_one(r, &set->logs[i], &lr);
    }
    /* Even unlogged: a logged response pipelined after this one starts here. */
    r->hc->log_mark = r->hc->out.end;
}

void pt_access_log_request(struct pt_request *r)
{
    log_request(r, NULL);
}

void pt_access_log_response(struct pt_request *r, const struct pt_log_response *lr)
{
    log_request(r, lr);
}

void pt_access_log_unanswered(struct pt_request *r, uint16_t status)
{
    const struct pt_log_response lr = {.status = status};

    log_request(r, &lr);
}

void pt_access_log_flush(void)
{
    for (uint32_t i = 0; i < logs.count; i++)
        file_flush(&logs.files[i]);
}

void pt_access_log_reopen(void)
{
    pt_access_log_flush();
    if (pt_worker.cfg != NULL)
        pt_log_files_reopen(pt_worker.cfg, (uid_t)-1);
}
