/* parser/http_conditional.rl - http_conditional.h: IMF-fixdate (RFC 9110 5.6.7),
 * entity-tag lists (RFC 9110 8.8.3) and byte ranges (RFC 9110 14.1.2). */
#include "parser/http_conditional.h"

#include <string.h>

%%{
machine pt_http_date;

action d_day { day = day * 10 + (fc - '0'); }
action d_year { year = year * 10 + (fc - '0'); }
action d_hour { hour = hour * 10 + (fc - '0'); }
action d_min { min = min * 10 + (fc - '0'); }
action d_sec { sec = sec * 10 + (fc - '0'); }

day_name = "Mon" | "Tue" | "Wed" | "Thu" | "Fri" | "Sat" | "Sun";
month = "Jan" @{ mon = 1; } | "Feb" @{ mon = 2; } | "Mar" @{ mon = 3; } |
        "Apr" @{ mon = 4; } | "May" @{ mon = 5; } | "Jun" @{ mon = 6; } |
        "Jul" @{ mon = 7; } | "Aug" @{ mon = 8; } | "Sep" @{ mon = 9; } |
        "Oct" @{ mon = 10; } | "Nov" @{ mon = 11; } | "Dec" @{ mon = 12; };
main := day_name ", " digit{2} $d_day " " month " " digit{4} $d_year " "
        digit{2} $d_hour ":" digit{2} $d_min ":" digit{2} $d_sec " GMT";
}%%

%% write data;

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 ? 28 + leap : days[m - 1];
}

int pt_http_date_parse(const char *s, size_t len, int64_t *out)
{
    const unsigned char *p = (const unsigned char *)s, *pe = p + len;
    int cs = pt_http_date_start;
    int day = 0, mon = 0, year = 0, hour = 0, min = 0, sec = 0;

    %% write exec;

    if (cs < pt_http_date_first_final || day < 1 || day > days_in_month(year, mon) ||
        hour > 23 || min > 59 || sec > 60)
        return -1;
    *out = days_from_civil(year, mon, day) * 86400 + hour * 3600 + min * 60 + sec;
    return 0;
}

%%{
machine pt_http_etags;
include pt_http_common "http_common.rl";

action tag_start { weak_tag = 0; tag = p; }
action weak { weak_tag = 1; }
action opaque_start { tag = p; }
action tag_end {
    if ((size_t)(p - tag) == elen && memcmp(tag, etag, elen) == 0 && (weak || !weak_tag))
        found = 1;
}

# RFC 9110 8.8.3: entity-tag = [ weak ] opaque-tag; etagc = "!" / %x23-7E / obs-text.
etagc = 0x21 | 0x23..0x7e | 0x80..0xff;
opaque_tag = ( '"' etagc* '"' ) >opaque_start %tag_end;
entity_tag = ( "W/" @weak )? opaque_tag;
list = ( entity_tag >tag_start )? ( OWS "," OWS ( entity_tag >tag_start )? )*;
main := "*" @{ found = 1; } | list;
}%%

%% write data;

int pt_http_etag_match(const char *s, size_t len, const char *etag, size_t elen, int weak)
{
    const unsigned char *p = (const unsigned char *)s, *pe = p + len, *eof = pe;
    const unsigned char *tag = p;
    int cs = pt_http_etags_start, found = 0, weak_tag = 0;

    %% write exec;

    if (cs < pt_http_etags_first_final)
        return -1;
    return found;
}

%%{
machine pt_http_range;
include pt_http_common "http_common.rl";

action digit {
    if (n > (UINT64_MAX - (uint64_t)(fc - '0')) / 10)
        return -1;
    n = n * 10 + (uint64_t)(fc - '0');
}
action num_start { n = 0; }
action spec_start { spec = (struct pt_http_range_spec){0, UINT64_MAX, 0}; }
action first { spec.first = n; }
action last { spec.last = n; }
action suffix { spec.first = n; spec.is_suffix = 1; }
action spec_end {
    if (count == UINT32_MAX)
        return -1;
    if (count < cap)
        out[count] = spec;
    count++;
}

number = digit+ >num_start $digit;
int_range = number %first "-" ( number %last )?;
suffix_range = "-" number %suffix;
range_spec = ( int_range | suffix_range ) >spec_start %spec_end;
main := "bytes"i "=" OWS range_spec ( OWS "," OWS range_spec? )* OWS;
}%%

%% write data;

int pt_http_ranges_parse(const char *s, size_t len, struct pt_http_range_spec *out,
                         uint32_t cap, uint32_t *total)
{
    const unsigned char *p = (const unsigned char *)s, *pe = p + len, *eof = pe;
    int cs = pt_http_range_start;
    uint64_t n = 0;
    uint32_t count = 0;
    struct pt_http_range_spec spec = {0, UINT64_MAX, 0};

    %% write exec;

    if (cs < pt_http_range_first_final || count == 0)
        return -1;
    *total = count;
    return 0;
}

int pt_http_range_parse(const char *s, size_t len, struct pt_http_range *out)
{
    struct pt_http_range_spec spec;
    uint32_t count;

    if (pt_http_ranges_parse(s, len, &spec, 1, &count) != 0)
        return -1;
    *out = (struct pt_http_range){spec.is_suffix ? 0 : spec.first, spec.last,
                                  spec.is_suffix ? spec.first : 0, spec.is_suffix, count};
    return 0;
}
