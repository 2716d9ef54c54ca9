/* tests/config/test_values.c - config/'s pure pieces: value syntaxes (sizes, times,
 * numbers, flags), the did-you-mean distance, known variables, and the error layout. */
#include <string.h>

#include "config/config_error.h"
#include "config/registry.h"
#include "config/values.h"
#include "config/variables.h"
#include "core/pt_types.h"
#include "tests/tap.h"

static int64_t size_of(const char *s)
{
    uint64_t v;

    return pt_conf_parse_size(s, (uint32_t)strlen(s), &v) == PT_OK ? (int64_t)v : -1;
}

static int64_t time_of(const char *s)
{
    pt_msec_t v;

    return pt_conf_parse_time(s, (uint32_t)strlen(s), &v) == PT_OK ? v : -1;
}

static void sizes(void)
{
    TAP_INT(size_of("512"), 512, "512 bytes");
    TAP_INT(size_of("8k"), 8192, "8k");
    TAP_INT(size_of("8K"), 8192, "8K");
    TAP_INT(size_of("10m"), 10 << 20, "10m");
    TAP_INT(size_of("1g"), INT64_C(1) << 30, "1g");
    TAP_INT(size_of("0"), 0, "0");
    TAP_INT(size_of("8q"), -1, "8q refused");
    TAP_INT(size_of("k"), -1, "a unit alone refused");
    TAP_INT(size_of("8kb"), -1, "8kb refused");
    TAP_INT(size_of(""), -1, "empty refused");
    TAP_INT(size_of("-1"), -1, "negative refused");
    TAP_INT(size_of("99999999999999999999"), -1, "overflow refused");
    TAP_INT(size_of("9000000000g"), -1, "overflow by the unit refused");
}

static void times(void)
{
    TAP_INT(time_of("75s"), 75000, "75s");
    TAP_INT(time_of("75"), 75000, "a bare number is seconds");
    TAP_INT(time_of("500ms"), 500, "500ms");
    TAP_INT(time_of("1h30m"), 5400000, "1h30m");
    TAP_INT(time_of("1m30"), 90000, "1m30: a bare number after minutes is seconds");
    TAP_INT(time_of("2d"), INT64_C(2) * 86400000, "2d");
    TAP_INT(time_of("1w"), INT64_C(7) * 86400000, "1w");
    TAP_INT(time_of("1M"), INT64_C(30) * 86400000, "1M is 30 days");
    TAP_INT(time_of("1y"), INT64_C(365) * 86400000, "1y");
    TAP_INT(time_of("1s500ms"), 1500, "1s500ms");
    TAP_INT(time_of("0"), 0, "0");
    TAP_INT(time_of("30m1h"), -1, "units out of order refused");
    TAP_INT(time_of("1h1h"), -1, "a unit twice refused");
    TAP_INT(time_of("1s5"), 6000, "a bare number after seconds is more seconds, as nginx");
    TAP_INT(time_of("1s5s"), -1, "but not a unit again");
    TAP_INT(time_of("5q"), -1, "unknown unit refused");
    TAP_INT(time_of("s"), -1, "a unit alone refused");
    TAP_INT(time_of(""), -1, "empty refused");
    TAP_INT(time_of("9999999999999999y"), -1, "overflow refused");
}

static void numbers_and_flags(void)
{
    uint64_t n = 0;
    uint8_t f = 9;

    TAP_INT(pt_conf_parse_number("1024", 4, &n), PT_OK, "1024 is a number");
    TAP_INT(n, 1024, "its value");
    TAP_INT(pt_conf_parse_number("1k", 2, &n), PT_ERROR, "1k is not a number");
    TAP_INT(pt_conf_parse_number("", 0, &n), PT_ERROR, "empty is not a number");
    TAP_INT(pt_conf_parse_flag("on", 2, &f) == PT_OK && f == 1, 1, "on");
    TAP_INT(pt_conf_parse_flag("OFF", 3, &f) == PT_OK && f == 0, 1, "OFF (any case, as nginx)");
    TAP_INT(pt_conf_parse_flag("yes", 3, &f), PT_ERROR, "yes is not a flag");
}

static void distance(void)
{
    TAP_INT(pt_conf_distance("listen", "listen", 2), 0, "same");
    TAP_INT(pt_conf_distance("listn", "listen", 2), 1, "a deletion");
    TAP_INT(pt_conf_distance("lsiten", "listen", 2), 1, "a swap of neighbours is one edit");
    TAP_INT(pt_conf_distance("demon", "daemon", 2), 1, "an insertion");
    TAP_INT(pt_conf_distance("keepalive_timeuot", "keepalive_timeout", 2), 1, "a long swap");
    TAP_INT(pt_conf_distance("abc", "xyz", 2), 3, "far: limit + 1");
    TAP_INT(pt_conf_distance("a", "abcdef", 2), 3, "length gap over the limit");
}

static void variables(void)
{
    TAP_INT(pt_conf_variable_known("host", 4), 1, "$host");
    TAP_INT(pt_conf_variable_known("http_user_agent", 15), 1, "$http_ prefix");
    TAP_INT(pt_conf_variable_known("arg_id", 6), 1, "$arg_ prefix");
    TAP_INT(pt_conf_variable_known("sent_http_x", 11), 1, "$sent_http_ prefix");
    TAP_INT(pt_conf_variable_known("7", 1), 1, "capture $7");
    TAP_INT(pt_conf_variable_known("0", 1), 0, "$0 is not a capture");
    TAP_INT(pt_conf_variable_known("hostx", 5), 0, "$hostx unknown");
    TAP_INT(pt_conf_variable_known("hos", 3), 0, "a prefix of a name is not the name");
}

static const char *fmt(const char *text, uint32_t line, uint32_t col, const char *hint)
{
    static char out[2048];

    pt_conf_format_error(out, sizeof(out), "f.conf", text, (uint32_t)strlen(text), line, col,
                         "boom", hint);
    return out;
}

static void error_layout(void)
{
    char small[16];

    TAP_STR(fmt("a;\n  bad x;\n", 2, 3, NULL), "f.conf:2:3: boom\n  bad x;\n  ^\n",
            "message, line, caret");
    TAP_STR(fmt("\t\tbad;\n", 1, 3, "expected: good;"),
            "f.conf:1:3: boom\n\t\tbad;\n\t\t^\nexpected: good;\n", "tabs kept in the caret line, hint");
    TAP_STR(fmt("x;\r\ny é z;\r\n", 2, 5, NULL), "f.conf:2:5: boom\ny é z;\n    ^\n",
            "CR dropped, a UTF-8 character is one column");
    TAP_STR(fmt("a\x01" "b;", 1, 3, NULL), "f.conf:1:3: boom\na?b;\n  ^\n",
            "control bytes shown as ?");
    TAP_STR(fmt("x;\n", 2, 1, NULL), "f.conf:2:1: boom\n\n^\n", "a position at the end");
    pt_conf_format_error(small, sizeof(small), NULL, NULL, 0, 0, 0, "a long message here",
                         NULL);
    TAP_INT(small[strlen(small) - 1], '\n', "a message cut short still ends in a newline");
    {
        char line[512], want[512];
        memset(line, 'a', 400);
        memcpy(line + 200, "BAD", 3);
        line[400] = '\0';
        snprintf(want, sizeof(want), "f.conf:1:201: boom\n...%.*s...\n%*s^\n", 160, line + 140,
                 63, "");
        TAP_STR(fmt(line, 1, 201, NULL), want, "a long line is shown as a window");
    }
}

static void defaults_parse(void)
{
    int bad = 0;

    /* Every default is parsed by its row's setter at each load; pt_config_load's tests
     * would all fail on a bad one, this names it. */
    for (uint32_t i = 0; i < pt_conf_row_count; i++) {
        const struct pt_conf_row *r = &pt_conf_rows[i];
        if (r->def && !r->set)
            bad++;
        if (!r->syntax || !r->set)
            bad++;
    }
    TAP_INT(bad, 0, "every row has a setter and a syntax");
    TAP_INT(pt_conf_nginx_only("proxy_cache"), 1, "proxy_cache is nginx's");
    TAP_INT(pt_conf_nginx_only("proxy_pass"), 0, "proxy_pass is portico's, though proxy_* is not");
    TAP_INT(pt_conf_nginx_only("ssl_certificate"), 1, "ssl_* is nginx's");
    TAP_INT(pt_conf_nginx_only("listen"), 0, "listen is not on the list");
}

int main(void)
{
    sizes();
    times();
    numbers_and_flags();
    distance();
    variables();
    error_layout();
    defaults_parse();
    return tap_done();
}
