/* proxy/temp_paths.c - temp_paths.h. */
#include "proxy/temp_paths.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int make_one(const struct pt_config *cfg, const char *path, struct pt_conf_error *err)
{
    struct passwd *pw;

    if (path == NULL)
        return 0;
    if (mkdir(path, 0700) != 0) {
        int e = errno;
        if (e == EEXIST)
            return 0;
        snprintf(err->message, sizeof(err->message), "mkdir() \"%s\" failed (%d: %s)\n", path,
                 e, strerror(e));
        return -1;
    }
    /* A fresh folder: the workers' user must be able to write there. */
    if (geteuid() == 0 && cfg->main.user && (pw = getpwnam(cfg->main.user)) != NULL &&
        chown(path, pw->pw_uid, (gid_t)-1) != 0) {
        int e = errno;
        snprintf(err->message, sizeof(err->message), "chown(\"%s\", %ld) failed (%d: %s)\n",
                 path, (long)pw->pw_uid, e, strerror(e));
        return -1;
    }
    return 0;
}

static int walk(const struct pt_config *cfg, struct pt_conf_location *const *locs, uint32_t n,
                struct pt_conf_error *err)
{
    for (uint32_t i = 0; i < n; i++) {
        const struct pt_conf_location *l = locs[i];
        if (l->values.proxy.pass.raw &&
            make_one(cfg, l->values.proxy.client_body_temp_path, err) != 0)
            return -1;
        if (walk(cfg, l->children, l->child_count, err) != 0)
            return -1;
    }
    return 0;
}

int pt_temp_paths_make(const struct pt_config *cfg, struct pt_conf_error *err)
{
    for (uint32_t i = 0; i < cfg->server_count; i++) {
        const struct pt_conf_server *s = cfg->servers[i];
        if (walk(cfg, s->locations, s->location_count, err) != 0)
            return -1;
    }
    return 0;
}
