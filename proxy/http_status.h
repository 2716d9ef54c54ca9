/* proxy/http_status.h - status codes: reason phrases and the small HTML pages portico
 * sends for the errors and redirects it generates itself (as nginx does, same shape). */
#ifndef PT_PROXY_HTTP_STATUS_H
#define PT_PROXY_HTTP_STATUS_H

#include <stddef.h>
#include <stdint.h>

/* "OK", "Not Found"...; "" for a code without a registered phrase (e.g. 499). */
const char *pt_http_reason(uint16_t code);

/* The page for code, or NULL when nginx sends none (2xx, unknown codes). *len is set.
 * server_tokens chooses "portico/VERSION" or "portico" in its footer. */
const char *pt_http_error_page(uint16_t code, int server_tokens, size_t *len);

#endif
