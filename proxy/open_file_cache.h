/* proxy/open_file_cache.h - open_file_cache: a worker's open fds and their stat, by path.
 *
 * A hit costs one stat() of the path (to see that the file is still the same: device,
 * inode, size and mtime) instead of open + fstat + close, so a changed or replaced file is
 * never served stale (nginx's open_file_cache_valid window is 0 here). Entries unused for
 * `inactive` are closed; past `max`, the least recently used idle entry goes. An entry
 * in use by a response is never closed under it. Per worker, no locks.
 */
#ifndef PT_PROXY_OPEN_FILE_CACHE_H
#define PT_PROXY_OPEN_FILE_CACHE_H

#include <sys/stat.h>

#include "config/config.h"

/* Opens path (O_RDONLY|O_NONBLOCK|O_CLOEXEC) and fstats it into *st, through the cache
 * when conf->max > 0. Returns the fd or -errno; *entry tells whether the fd must go
 * back with pt_open_file_cache_release(*entry) rather than close() (NULL: close it). */
int pt_open_file_cache_open(const struct pt_conf_open_file_cache *conf, const char *path,
                            struct stat *st, void **entry);

/* Gives back a cached fd once a response is done with it. */
void pt_open_file_cache_release(void *entry);

#endif
