/* proxy/static_file.h - the response for one open regular file (static.c finds it):
 * ETag and Last-Modified, If-None-Match / If-Modified-Since (304), If-Range and byte
 * ranges (206, several as multipart/byteranges: proxy/byte_ranges.h; 416), expires,
 * add_header, HEAD, and the file body handed to the connection (proxy/file_body.h).
 * Also the pages static.c answers with (301, 403, 404), with the same header additions.
 * Internal to proxy/.
 */
#ifndef PT_PROXY_STATIC_FILE_H
#define PT_PROXY_STATIC_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

struct pt_request;

/* Queues the response for fd (owned from here on: closed, or given back to the cache
 * through cache_entry). uri names the file (its extension gives Content-Type). Returns 0,
 * or -1 when memory ran out. */
int pt_static_send_file(struct pt_request *r, int fd, void *cache_entry, const struct stat *st,
                        const char *uri, size_t ulen);

/* nginx's page for status, with Location when location is not NULL. */
int pt_static_page(struct pt_request *r, uint16_t status, const char *location, size_t loc_len);

#endif
