/* tls/tls.h - portico's TLS, on BoringSSL.
 *
 * tls/ owns the BoringSSL contexts, certificates, SNI, ALPN, the shared session cache,
 * ticket keys and OCSP stapling. BoringSSL's types and headers stay inside tls/: this
 * header includes none of them, so no other module needs /usr/include/android on its
 * include path or can come to depend on BoringSSL's API.
 */
#ifndef PT_TLS_TLS_H
#define PT_TLS_TLS_H

/* The TLS library portico runs with, for -V: e.g. "BoringSSL (OpenSSL 1.1.1 (compatible;
 * BoringSSL)) (API 17)". Static storage, never freed. */
const char *pt_tls_library_version(void);

#endif
