/* tests/unit/config_file.h - unit tests that need a loaded config write its text to a
 * file under a scratch folder and load it with pt_config_load, as portico -c would. */
#ifndef PT_TESTS_UNIT_CONFIG_FILE_H
#define PT_TESTS_UNIT_CONFIG_FILE_H

#include <stdio.h>
#include <stdlib.h>

#include "config/config.h"

/* Writes text to dir/name and loads it (prefix dir); NULL with err filled when refused. */
static inline struct pt_config *pt_test_config_load(const char *dir, const char *name,
                                                    const char *text,
                                                    struct pt_conf_error *err)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    if (f == NULL) {
        snprintf(err->message, sizeof(err->message), "cannot write %s\n", path);
        return NULL;
    }
    fputs(text, f);
    fclose(f);
    return pt_config_load(path, dir, NULL, err);
}

/* "events {} http { preamble http }" in a new file under dir, loaded. */
static inline struct pt_config *pt_test_load_http(const char *dir, const char *preamble,
                                                  const char *http,
                                                  struct pt_conf_error *err)
{
    static unsigned loads;
    char name[32], *text;
    struct pt_config *cfg;

    snprintf(name, sizeof(name), "c%u.conf", ++loads);
    if (asprintf(&text, "events {}\nhttp {\n%s%s\n}\n", preamble, http) < 0)
        return NULL;
    cfg = pt_test_config_load(dir, name, text, err);
    free(text);
    return cfg;
}

#endif
