/* proxy/access_log.h - access_log: one line per finished request, in its log_format.
 *
 * A worker opens each distinct path once, the first time it logs (the master already
 * checked at load that each written path can be opened), and writes whole lines with
 * O_APPEND, so several workers share a file without tearing lines. With buffer= the
 * lines wait in a per-file buffer until it fills, flush='s timer fires, the logs are
 * reopened (SIGUSR1) or pt_access_log_flush() is called. /dev/stdout and /dev/stderr
 * write to the worker's fd 1 and 2.
 */
#ifndef PT_PROXY_ACCESS_LOG_H
#define PT_PROXY_ACCESS_LOG_H

#include <stddef.h>

#include "config/config.h"

struct pt_request;

/* Logs r, whose response was just queued at the end of r->hc->out, to every access_log
 * of its location. Call before the request is freed. Failures go to the error log. */
void pt_access_log_request(struct pt_request *r);

/* SIGUSR1: writes out buffered lines, then reopens every file by its path (after a
 * rename, new lines go to a new file). */
void pt_access_log_reopen(void);

/* Writes out every buffered line (a worker about to exit). */
void pt_access_log_flush(void);

/* Writes len bytes of in escaped for a log line, as nginx does: default turns '"', '\'
 * and bytes < 0x20 or >= 0x7f into \xHH; json escapes for a JSON string ('"', '\',
 * \n \r \t \b \f, other bytes < 0x20 as \u00hh); none copies. out NULL: only counts.
 * Returns the escaped length. */
size_t pt_log_escape(enum pt_log_escape escape, const char *in, size_t len, char *out);

#endif
