/* core/clock.c - the cached time (clock.h). */
#include "core/clock.h"

#include <stdio.h>

uint64_t pt_now_ms;
time_t pt_now_sec;

static time_t date_sec = -1;
static char date_text[64]; /* room for any int the compiler imagines in %04d */

void pt_clock_update(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    pt_now_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
    clock_gettime(CLOCK_REALTIME, &ts);
    pt_now_sec = ts.tv_sec;
}

const char *pt_clock_http_date(void)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;

    if (date_sec == pt_now_sec)
        return date_text;
    gmtime_r(&pt_now_sec, &tm);
    snprintf(date_text, sizeof(date_text), "%s, %02d %s %04d %02d:%02d:%02d GMT",
             days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
             tm.tm_min, tm.tm_sec);
    date_sec = pt_now_sec;
    return date_text;
}
