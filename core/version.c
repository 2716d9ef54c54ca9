/* core/version.c - version strings for -v/-V. */
#include "core/version.h"

#include <jemalloc/jemalloc.h>

#ifndef PT_VERSION
#error "PT_VERSION comes from core/meson.build (the project version)"
#endif

const char *pt_version(void)
{
    return "portico/" PT_VERSION;
}

const char *pt_jemalloc_version(void)
{
    /* Ask the library rather than trust the header: the runtime version is the one that
     * matters, and the call is what keeps libjemalloc linked under --as-needed. */
    const char *version = NULL;
    size_t len = sizeof(version);

    if (mallctl("version", &version, &len, NULL, 0) != 0 || version == NULL)
        return JEMALLOC_VERSION;
    return version;
}
