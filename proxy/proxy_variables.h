/* proxy/proxy_variables.h - the proxy's variables for proxy/variables.c. */
#ifndef PT_PROXY_PROXY_VARIABLES_H
#define PT_PROXY_PROXY_VARIABLES_H

#include <stddef.h>
#include <stdint.h>

struct pt_request;

/* The value of $NAME (n, len without '$') into buf: its length (0 for empty), or -1 when
 * NAME is not one of the proxy's ($proxy_host, $proxy_port, $upstream_*: a value longer
 * than cap is cut). */
long pt_proxy_variable(const struct pt_request *r, const char *n, uint32_t len, char *buf,
                       size_t cap);

#endif
