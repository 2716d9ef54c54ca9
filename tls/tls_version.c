/* tls/tls_version.c - which BoringSSL portico is built with and runs on. */
#include "tls/tls.h"

#include <stdio.h>

#include <openssl/base.h>
#include <openssl/crypto.h>

/* Debian's android-libboringssl-dev ships OpenSSL-compatible headers; a build that picked
 * up OpenSSL's by mistake must fail here rather than link a different library. */
#ifndef OPENSSL_IS_BORINGSSL
#error "tls/ needs BoringSSL's headers (/usr/include/android), not OpenSSL's"
#endif

const char *pt_tls_library_version(void)
{
    static char text[128];

    /* OpenSSL_version() is a call into libcrypto: the name it returns comes from the
     * library the process loaded, the rest from the headers portico was compiled with. */
    if (text[0] == '\0')
        snprintf(text, sizeof(text), "%s (%s) (API %d)", OpenSSL_version(OPENSSL_VERSION),
                 OPENSSL_VERSION_TEXT, BORINGSSL_API_VERSION);
    return text;
}
