/* core/version.h - what portico is and what it was built with.
 *
 * For `portico -v/-V` and the Server header: the product version and the version of the
 * jemalloc library actually linked (BoringSSL's is tls/tls.h's business).
 */
#ifndef PT_CORE_VERSION_H
#define PT_CORE_VERSION_H

/* "portico/0.1.0": static storage, never freed. */
const char *pt_version(void);

/* The jemalloc version the running process uses, e.g. "5.3.0-0-g54eaed1d...": asked of
 * the library itself, so it proves jemalloc is linked; the header's JEMALLOC_VERSION if
 * the library cannot say. Static storage, never freed. */
const char *pt_jemalloc_version(void);

#endif
