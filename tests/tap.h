/* tests/tap.h - a tiny TAP producer for portico's C tests.
 *
 * Each check prints "ok N - what" or "not ok N - what" with both values on failure;
 * tap_done() prints the plan and returns the exit status. scripts/test-summary counts
 * these lines across every test program for make test's closing line.
 */
#ifndef PT_TESTS_TAP_H
#define PT_TESTS_TAP_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count;
static int tap_failed;

static inline int tap_ok(int pass, const char *fmt, ...)
{
    va_list ap;
    tap_count++;
    if (!pass)
        tap_failed++;
    printf("%sok %d - ", pass ? "" : "not ", tap_count);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    return pass;
}

/* Prints a diagnostic line, shown by TAP consumers beside the check it follows. */
static inline void tap_diag(const char *fmt, ...)
{
    va_list ap;
    printf("# ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
}

#define TAP_INT(got, want, ...)                                                         \
    do {                                                                                \
        intmax_t tap_g_ = (intmax_t)(got), tap_w_ = (intmax_t)(want);                   \
        if (!tap_ok(tap_g_ == tap_w_, __VA_ARGS__))                                     \
            tap_diag("got %jd, want %jd (%s)", tap_g_, tap_w_, #got);                   \
    } while (0)

#define TAP_STR(got, want, ...)                                                         \
    do {                                                                                \
        const char *tap_g_ = (got), *tap_w_ = (want);                                   \
        if (!tap_ok(tap_g_ && tap_w_ && strcmp(tap_g_, tap_w_) == 0, __VA_ARGS__))      \
            tap_diag("got \"%s\", want \"%s\" (%s)", tap_g_ ? tap_g_ : "(null)",        \
                     tap_w_ ? tap_w_ : "(null)", #got);                                 \
    } while (0)

static inline int tap_done(void)
{
    printf("1..%d\n", tap_count);
    return tap_failed ? 1 : 0;
}

#endif
