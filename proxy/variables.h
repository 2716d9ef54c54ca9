/* proxy/variables.h - the values of $variables for a request, and strings built from
 * them (struct pt_conf_complex). The names were checked when the config loaded; one this
 * release does not compute yet evaluates to the empty string, as an unset one does in
 * nginx. */
#ifndef PT_PROXY_VARIABLES_H
#define PT_PROXY_VARIABLES_H

#include "config/config.h"
#include "core/buf.h"
#include "parser/http.h"

struct pt_request;

/* What only the finished response knows, for $status, $body_bytes_sent, $bytes_sent and
 * $sent_http_NAME. Borrowed for one evaluation. */
struct pt_log_response {
    uint16_t status;
    uint64_t bytes_sent;      /* head and body */
    uint64_t body_bytes_sent;
    const char *head;         /* the response head as queued; NULL: unknown */
    const struct pt_http_header *headers; /* slices from head */
    uint16_t header_count;
};

/* Appends the evaluated string to out (growing it). Returns 0 or -ENOMEM. */
int pt_complex_eval(const struct pt_request *r, const struct pt_conf_complex *cv,
                    struct pt_buf *out);

/* As pt_complex_eval, for a log line: resp (may be NULL) gives the response's variables,
 * and each variable's value is escaped as escape says; an empty one is "-" with the
 * default escaping, as nginx writes a value that is not found. */
int pt_complex_eval_log(const struct pt_request *r, const struct pt_log_response *resp,
                        enum pt_log_escape escape, const struct pt_conf_complex *cv,
                        struct pt_buf *out);

#endif
