/* tests/config/test_broken.c - the table of broken configs.
 *
 * Each broken/NAME.conf must fail to load with exactly the message in
 * broken/NAME.expected, byte for byte: file:line:col, the source line, the caret and the
 * hint are the user interface of a config error. Files are loaded as "broken/NAME.conf"
 * with the prefix set to this folder, so messages carry stable relative paths.
 * Files under broken/inc/ are only included by the cases, never loaded on their own.
 *
 * usage: test_broken DIR            run every case (TAP)
 *        test_broken DIR NAME.conf  print NAME's message, to write or check an .expected
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "tests/tap.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = calloc(1, (size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

static int is_case(const struct dirent *d)
{
    size_t n = strlen(d->d_name);

    return n > 5 && strcmp(d->d_name + n - 5, ".conf") == 0;
}

/* Loads broken/name; returns the error message, or NULL when it loaded. */
static const char *load(const char *dir, const char *name, struct pt_conf_error *err)
{
    char path[512];
    struct pt_config *cfg;

    snprintf(path, sizeof(path), "broken/%s", name);
    cfg = pt_config_load(path, dir, NULL, err);
    if (cfg) {
        pt_config_unref(cfg);
        return NULL;
    }
    return err->message;
}

static void check_case(const char *dir, const char *name)
{
    char expected_path[1024];
    struct pt_conf_error err;
    const char *got = load(dir, name, &err);
    char *want;

    snprintf(expected_path, sizeof(expected_path), "%s/broken/%.*s.expected", dir,
             (int)(strlen(name) - 5), name);
    want = slurp(expected_path);
    if (!want) {
        tap_ok(0, "%s: no %s", name, expected_path);
        return;
    }
    if (!tap_ok(got && strcmp(got, want) == 0, "%s fails with the expected message", name)) {
        tap_diag("want:\n%s", want);
        tap_diag("got:\n%s", got ? got : "(loaded without error)");
    }
    free(want);
}

int main(int argc, char **argv)
{
    struct dirent **cases;
    char broken[512];
    int n;

    if (argc < 2) {
        fprintf(stderr, "usage: test_broken DIR [NAME.conf]\n");
        return 2;
    }
    if (argc == 3) {
        struct pt_conf_error err;
        const char *msg = load(argv[1], argv[2], &err);
        fputs(msg ? msg : "(loaded without error)\n", stdout);
        return 0;
    }
    snprintf(broken, sizeof(broken), "%s/broken", argv[1]);
    n = scandir(broken, &cases, is_case, alphasort);
    tap_ok(n >= 30, "at least 30 broken configs (%d)", n);
    for (int i = 0; i < n; i++) {
        check_case(argv[1], cases[i]->d_name);
        free(cases[i]);
    }
    free(cases);
    return tap_done();
}
