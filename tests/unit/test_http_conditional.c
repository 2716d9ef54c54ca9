/* tests/unit/test_http_conditional.c - parser/http_conditional.h: IMF-fixdate, entity-tag
 * lists, byte ranges; what each accepts and what it refuses. */
#include <stdio.h>
#include <string.h>

#include "parser/http_conditional.h"
#include "tests/tap.h"

static int64_t date(const char *s)
{
    int64_t t = 0;

    return pt_http_date_parse(s, strlen(s), &t) == 0 ? t : -1;
}

static int etag(const char *list, const char *tag, int weak)
{
    return pt_http_etag_match(list, strlen(list), tag, strlen(tag), weak);
}

static int range(const char *s, struct pt_http_range *r)
{
    return pt_http_range_parse(s, strlen(s), r);
}

/* The range-specs of s as "first-last,..." ("-n" for a suffix, "a-" for an open end), the
 * first cap of them; "ERR" when refused. */
static const char *ranges(const char *s, uint32_t cap)
{
    static char text[256];
    struct pt_http_range_spec spec[8];
    uint32_t total = 0;
    size_t n = 0;

    if (pt_http_ranges_parse(s, strlen(s), spec, cap, &total) != 0)
        return "ERR";
    n += (size_t)snprintf(text, sizeof(text), "%u:", total);
    for (uint32_t i = 0; i < total && i < cap; i++) {
        const struct pt_http_range_spec *p = &spec[i];
        if (p->is_suffix)
            n += (size_t)snprintf(text + n, sizeof(text) - n, " -%llu",
                                  (unsigned long long)p->first);
        else if (p->last == UINT64_MAX)
            n += (size_t)snprintf(text + n, sizeof(text) - n, " %llu-",
                                  (unsigned long long)p->first);
        else
            n += (size_t)snprintf(text + n, sizeof(text) - n, " %llu-%llu",
                                  (unsigned long long)p->first, (unsigned long long)p->last);
    }
    return text;
}

int main(void)
{
    struct pt_http_range r;

    TAP_INT(date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777, "RFC 9110's example date");
    TAP_INT(date("Thu, 01 Jan 1970 00:00:01 GMT"), 1, "the epoch + 1");
    TAP_INT(date("Thu, 29 Feb 2024 12:00:00 GMT"), 1709208000, "a leap day");
    TAP_INT(date("Thu, 29 Feb 2023 12:00:00 GMT"), -1, "29 Feb of a common year");
    TAP_INT(date("Sunday, 06-Nov-94 08:49:37 GMT"), -1, "RFC 850 form refused");
    TAP_INT(date("Sun Nov  6 08:49:37 1994"), -1, "asctime form refused");
    TAP_INT(date("Sun, 06 Nov 1994 08:49:37 UTC"), -1, "a zone other than GMT");
    TAP_INT(date("Sun, 06 Nov 1994 24:49:37 GMT"), -1, "hour 24");
    TAP_INT(date("Sun, 06 Nov 1994 08:49:37 GMT "), -1, "trailing bytes");

    TAP_INT(etag("\"a-1\"", "\"a-1\"", 1), 1, "one tag");
    TAP_INT(etag("W/\"a-1\"", "\"a-1\"", 1), 1, "weak comparison takes W/");
    TAP_INT(etag("W/\"a-1\"", "\"a-1\"", 0), 0, "strong comparison refuses W/");
    TAP_INT(etag("\"x\", \"a-1\"", "\"a-1\"", 1), 1, "in a list");
    TAP_INT(etag("\"x\" ,\"y\"", "\"a-1\"", 1), 0, "not in a list");
    TAP_INT(etag("*", "\"a-1\"", 0), 1, "*");
    TAP_INT(etag("\"a-1", "\"a-1\"", 1), -1, "an unclosed tag");
    TAP_INT(etag("a-1", "\"a-1\"", 1), -1, "an unquoted tag");
    TAP_INT(etag("\"a-1\"x", "\"a-1\"", 1), -1, "bytes after a tag");

    TAP_INT(range("bytes=1-2", &r), 0, "a-b");
    TAP_INT((int)(r.first * 10 + r.last), 12, "a-b values");
    TAP_INT(range("bytes=5-", &r), 0, "a-");
    TAP_INT(r.last == UINT64_MAX && r.first == 5, 1, "a- values");
    TAP_INT(range("bytes=-7", &r), 0, "-n");
    TAP_INT(r.is_suffix && r.suffix == 7, 1, "-n values");
    TAP_INT(range("bytes=0-0, 5-9,-1", &r), 0, "several");
    TAP_INT((int)r.count, 3, "several: counted");
    TAP_INT(range("BYTES=1-2", &r), 0, "the unit in any case");
    TAP_INT(range("bytes=", &r), -1, "no range");
    TAP_INT(range("bytes=a-1", &r), -1, "not a number");
    TAP_INT(range("bytes=1-2-3", &r), -1, "two dashes");
    TAP_INT(range("bytes=99999999999999999999-", &r), -1, "overflow");
    TAP_INT(range("items=1-2", &r), -1, "another unit");

    TAP_STR(ranges("bytes=0-0, 5-9,-1,7-", 8), "4: 0-0 5-9 -1 7-", "every range-spec, in order");
    TAP_STR(ranges("bytes=0-0,5-9,-1,7-", 2), "4: 0-0 5-9", "only cap stored, all counted");
    TAP_STR(ranges("bytes=1-2", 0), "1:", "cap 0: counted only");
    TAP_STR(ranges("bytes=1-2,,3-4 ,", 8), "2: 1-2 3-4", "empty list elements skipped");
    TAP_STR(ranges("bytes=-5,2-", 8), "2: -5 2-", "a suffix does not leak into the next");
    TAP_STR(ranges("bytes=5-3", 8), "1: 5-3", "a-b with b < a: the caller's to judge");
    TAP_STR(ranges("bytes=,", 8), "ERR", "no range-spec at all");
    TAP_STR(ranges("bytes=1-2,x", 8), "ERR", "a bad second range");
    TAP_STR(ranges("bytes=1-2,3-4-", 8), "ERR", "a bad last range");
    return tap_done();
}
