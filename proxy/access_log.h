/* proxy/access_log.h - access_log: one line per finished request, in its log_format.
 *
 * The master opens the files when it loads the config (proxy/log_files.h) and a worker
 * writes to the descriptors it inherits, whole lines with O_APPEND, so several workers
 * share a file without tearing lines. With buffer= the lines wait in a per-file buffer
 * until it fills, flush='s timer fires, the logs are reopened (SIGUSR1) or
 * pt_access_log_flush() is called. /dev/stdout and /dev/stderr write to the worker's fd
 * 1 and 2.
 */
#ifndef PT_PROXY_ACCESS_LOG_H
#define PT_PROXY_ACCESS_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

struct pt_request;

/* Logs r, whose response was just queued at the end of r->hc->out, to every access_log
 * of its location. Call before the request is freed. Failures go to the error log. */
void pt_access_log_request(struct pt_request *r);

/* Logs r with the response facts the caller knows (a proxied response streams through
 * out, so its head is no longer there when the request ends). */
struct pt_log_response;
void pt_access_log_response(struct pt_request *r, const struct pt_log_response *lr);

/* Logs r, which got no response: `return 444` closes the connection instead, and nginx
 * logs such a request with that status and nothing sent ($bytes_sent and
 * $body_bytes_sent 0, no $sent_http_*). */
void pt_access_log_unanswered(struct pt_request *r, uint16_t status);

/* SIGUSR1: writes out buffered lines, then reopens every file by its path onto the same
 * descriptor (after a rename, new lines go to a new file; the master made it and gave
 * it to this worker's user first). A file that cannot be reopened keeps the old one. */
void pt_access_log_reopen(void);

/* Writes out every buffered line (a worker about to exit). */
void pt_access_log_flush(void);

/* Writes len bytes of in escaped for a log line, as nginx does: default turns '"', '\'
 * and bytes < 0x20 or >= 0x7f into \xHH; json escapes for a JSON string ('"', '\',
 * \n \r \t \b \f, other bytes < 0x20 as \u00hh); none copies. out NULL: only counts.
 * Returns the escaped length. */
size_t pt_log_escape(enum pt_log_escape escape, const char *in, size_t len, char *out);

#endif
