/* parser/uri.rl - request-path normalisation (parser/uri.h says what it promises).
 *
 * The machine reads the path as a string of units: a raw byte or a %XX escape. A unit is
 * a slash ("/" or %2F), a dot ("." or %2E) or any other byte, so a decoded '/' or '.'
 * takes part in slash merging and dot segments exactly as a raw one does; that is what
 * nginx's ngx_http_parse_complex_uri does by going back to the state it was in before the
 * '%' (quoted_state) with the decoded byte. Other decoded bytes, '%' '?' '#' included, are
 * ordinary: "%2541" is "%41", never "A".
 *
 * Like nginx, output is written as the units arrive and taken back when a segment turns
 * out to be "." or "..": the actions write bytes (this machine transforms, it does not
 * only recognise), each at most one per unit, so out never outgrows what was read.
 *
 * Compiled, the machine is nginx's: four states that read a unit (sw_slash, sw_usual,
 * sw_dot, sw_dot_dot, where each decides what a slash does), two per state for an escape
 * half read, two shared, and the start (`ragel -V -p parser/uri.rl` draws it).
 */
#include "parser/uri.h"

/* Value of a hex digit the machine has already checked. */
static inline unsigned hex_value(unsigned char c)
{
    return c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
}

/* RFC 3986 5.2.4 step 2C: out[0, *n) ends in "/.."; drop it and the segment before it,
 * keeping that segment's leading '/'. The root's '/' has no segment before it: nginx
 * refuses such a request (400), where RFC 3986 would stop at "/". */
static int pop_segment(const char *out, size_t *n)
{
    size_t u = *n - 3; /* out[u] is the '/' that began the ".." */

    if (u == 0)
        return -1;
    for (u--; out[u] != '/'; u--)
        ;
    *n = u + 1;
    return 0;
}

%%{
machine pt_uri_normalize;
alphtype unsigned char;

action emit_byte { out[n++] = (char)fc; }
action emit_pct { out[n++] = (char)(hex_value(p[-1]) << 4 | hex_value(fc)); }
action emit_dot { out[n++] = '.'; }
action emit_slash { out[n++] = '/'; }
# out ends in "/.": keep the '/' (RFC 3986 5.2.4 step 2B).
action drop_dot { n--; }
action drop_dot_dot {
    if (pop_segment(out, &n) != 0)
        return -1;
}

# RFC 3986 2.1. "%00" and a raw NUL are refused, as nginx refuses a decoded NUL: a NUL
# in a path cuts every C string it reaches.
pct = "%" xdigit xdigit;
slash = "/" | "%2" [Ff];
dot = ( "." | "%2" [Ee] ) @emit_dot;
other = ( any - [/.%\0] ) @emit_byte
      | ( pct - ( "%2" [EeFf] | "%00" ) ) @emit_pct;

# RFC 3986 3.3: a segment is what lies between slashes. "." and ".." are the dot segments
# of 5.2.4; anything else made of dots and other units is a name ("...", ".a", "a..b").
name = ( dot | other )+ - ( dot | dot dot );

# A segment and the slash that closes it. An empty segment is a repeated slash, merged
# (nginx's merge_slashes on): the slash writes nothing. The slash after a dot segment
# writes nothing either, and takes back what the segment wrote.
step = slash
     | dot slash @drop_dot
     | dot dot slash @drop_dot_dot
     | name slash @emit_slash;

# The last segment, with no slash after it: a trailing "/." or "/.." leaves a "/", as in
# nginx's end-of-input cases for sw_dot and sw_dot_dot.
last = dot %/drop_dot
     | ( dot dot ) %/drop_dot_dot
     | name;

# The first '/' is a raw one: the request grammar (origin-form) has already said so.
main := "/" @emit_slash step* last?;
}%%

%% write data;

int pt_uri_normalize(const char *path, size_t len, char *out, size_t *out_len)
{
    const unsigned char *p = (const unsigned char *)path, *pe = p + len, *eof = pe;
    size_t n = 0;
    int cs = pt_uri_normalize_start;

    %% write exec;

    if (cs < pt_uri_normalize_first_final)
        return -1;
    *out_len = n;
    return 0;
}

/* A byte loop rather than a machine: it only looks for '%', NUL, and a '/' followed by
 * '/', "./", "../", "." or ".." at the end. */
int pt_uri_is_normal(const char *path, size_t len)
{
    if (len == 0 || path[0] != '/')
        return 0;
    for (size_t i = 0; i < len; i++) {
        size_t rest = len - i - 1; /* bytes after path[i] */
        const char *s = path + i + 1;

        if (path[i] == '%' || path[i] == '\0')
            return 0;
        if (path[i] != '/' || rest == 0)
            continue;
        if (s[0] == '/')
            return 0;
        if (s[0] == '.' && (rest == 1 || s[1] == '/'))
            return 0;
        if (s[0] == '.' && s[1] == '.' && (rest == 2 || s[2] == '/'))
            return 0;
    }
    return 1;
}
