/* parser/http_values.rl - machines for the few field values portico interprets:
 * Content-Length (RFC 9110 8.6), #token lists such as Transfer-Encoding and Connection
 * (RFC 9110 5.6.1, 10.1.4), and Host (RFC 9110 7.2, RFC 3986 3.2.2). Each runs over one
 * complete, already trimmed value. */
#include <stdint.h>

#include "parser/http_internal.h"

%%{
machine pt_http_content_length;
include pt_http_common "http_common.rl";

# 2^63 - 1 bounds a length so that it fits off_t everywhere it goes.
action digit {
    if (n > (UINT64_C(0x7fffffffffffffff) - (uint64_t)(fc - '0')) / 10) {
        return -1;
    }
    n = n * 10 + (uint64_t)(fc - '0');
}
main := digit+ $digit;
}%%

%% write data;

int pt_http_value_content_length(const char *s, size_t len, uint64_t *out)
{
    const unsigned char *p = (const unsigned char *)s, *pe = p + len;
    uint64_t n = 0;
    int cs = pt_http_content_length_start;

    %% write exec;

    if (cs < pt_http_content_length_first_final)
        return -1;
    *out = n;
    return 0;
}

%%{
machine pt_http_codings;
include pt_http_common "http_common.rl";

action coding_start { chunked = 0; have = 1; }
action chunked { chunked = 1; }
# "chunked;x=y" is a coding portico does not know: counted as another coding.
action param { chunked = 0; }
action coding_end {
    count_coding(h, have, chunked);
    have = 0;
}

# RFC 9110 5.6.1: #element = [ element ] *( OWS "," OWS [ element ] ); empty elements are
# accepted and skipped. A transfer coding is a token with ";" parameters (RFC 9110 7.3).
# An element is counted at its "," (or at the end): the OWS after a token may still lead
# to a ";".
parameter = token BWS "=" BWS ( token | quoted_string );
coding = ( token | "chunked"i %chunked ) >coding_start ( OWS ";" @param OWS parameter )*;
main := coding? ( OWS "," @coding_end OWS coding? )*;
}%%

%% write data;

static void count_coding(struct pt_http_head *h, int have, int chunked)
{
    if (have) {
        h->te_codings++;
        h->te_chunked += (uint16_t)chunked;
        h->te_chunked_last = (uint8_t)chunked;
    }
}

int pt_http_value_codings(const char *s, size_t len, struct pt_http_head *h)
{
    const unsigned char *p = (const unsigned char *)s, *pe = p + len, *eof = pe;
    int chunked = 0, have = 0;
    int cs = pt_http_codings_start;

    %% write exec;

    if (cs < pt_http_codings_first_final)
        return -1;
    count_coding(h, have, chunked);
    return 0;
}

%%{
machine pt_http_connection;
include pt_http_common "http_common.rl";

action close { h->flags |= PT_HTTP_CONN_CLOSE; }
action keep_alive { h->flags |= PT_HTTP_CONN_KEEP_ALIVE; }
action upgrade { h->flags |= PT_HTTP_CONN_UPGRADE; }

# RFC 9110 7.6.1: Connection = #connection-option, each a token.
option = token | "close"i %close | "keep-alive"i %keep_alive | "upgrade"i %upgrade;
main := option? ( OWS "," OWS option? )*;
}%%

%% write data;

int pt_http_value_connection(const char *s, size_t len, struct pt_http_head *h)
{
    const unsigned char *p = (const unsigned char *)s, *pe = p + len, *eof = pe;
    int cs = pt_http_connection_start;

    %% write exec;

    return cs >= pt_http_connection_first_final ? 0 : -1;
}

%%{
machine pt_http_host;
include pt_http_common "http_common.rl";

main := ( reg_name | ip_literal ) ( ":" port )?;
}%%

%% write data;

int pt_http_value_host(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *pe = p + len;
    int cs = pt_http_host_start;

    %% write exec;

    return cs >= pt_http_host_first_final ? 0 : -1;
}
