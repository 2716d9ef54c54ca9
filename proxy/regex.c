/* proxy/regex.c - the PCRE2 wrapper (regex.h). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "proxy/regex.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pt_regex {
    pcre2_code *code;
};

/* One block for every match in this process: workers are single-threaded, and a match
 * copies what it keeps into struct pt_captures before the next one runs. */
static pcre2_match_data *match_data;

struct pt_regex *pt_regex_new(const char *pattern, size_t len, int caseless, char *err,
                              size_t errlen)
{
    struct pt_regex *re = calloc(1, sizeof(*re));
    int code;
    PCRE2_SIZE offset;

    if (re == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    re->code = pcre2_compile((PCRE2_SPTR)pattern, len, caseless ? PCRE2_CASELESS : 0, &code,
                             &offset, NULL);
    if (re->code == NULL) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(code, msg, sizeof(msg));
        snprintf(err, errlen, "%s at offset %zu", (const char *)msg, (size_t)offset);
        free(re);
        return NULL;
    }
    /* JIT is an optimisation: where it is unavailable (no JIT support, W^X policy) the
     * interpreter gives the same answers, so a failure here is not an error. */
    (void)pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE);
    return re;
}

void pt_regex_free(struct pt_regex *re)
{
    if (re == NULL)
        return;
    pcre2_code_free(re->code);
    free(re);
}

static void keep_captures(const struct pt_regex *re, int rc, struct pt_captures *caps)
{
    const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(match_data);
    uint32_t n = rc > 0 && rc < PT_CAPTURES_MAX ? (uint32_t)rc : PT_CAPTURES_MAX;

    caps->re = re;
    caps->count = n;
    for (uint32_t i = 0; i < 2 * n; i++)
        caps->ovector[i] = ov[i] == PCRE2_UNSET ? UINT32_MAX : (uint32_t)ov[i];
}

int pt_regex_match(const struct pt_regex *re, const char *subject, size_t len,
                   struct pt_captures *caps)
{
    int rc;

    if (match_data == NULL) {
        match_data = pcre2_match_data_create(PT_CAPTURES_MAX, NULL);
        if (match_data == NULL)
            return -1;
    }
    rc = pcre2_match(re->code, (PCRE2_SPTR)subject, len, 0, 0, match_data, NULL);
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    if (rc < 0)
        return -1;
    if (caps)
        keep_captures(re, rc, caps);
    return 1;
}

long pt_captures_get(const struct pt_captures *caps, const char *subject, uint32_t n,
                     const char **out)
{
    uint32_t start, end;

    if (caps->re == NULL || n >= caps->count)
        return -1;
    start = caps->ovector[2 * n];
    end = caps->ovector[2 * n + 1];
    if (start == UINT32_MAX || end < start)
        return -1;
    *out = subject + start;
    return (long)(end - start);
}

int pt_regex_group(const struct pt_regex *re, const char *name, size_t len)
{
    char z[64]; /* PCRE2 wants the name NUL-terminated */
    int n;

    if (re == NULL || len >= sizeof(z))
        return -1;
    memcpy(z, name, len);
    z[len] = '\0';
    n = pcre2_substring_number_from_name(re->code, (PCRE2_SPTR)z);
    return n > 0 ? n : -1;
}
