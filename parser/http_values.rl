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
machine pt_http_list;
include pt_http_common "http_common.rl";

action tok_start { tok = p; has_params = 0; have = 1; }
action tok_end { tok_len = (size_t)(p - tok); }
action param { has_params = 1; }
action flush {
    if (have) {
        cb(ctx, (const char *)tok, tok_len, has_params);
    }
    have = 0;
}

# RFC 9110 5.6.1: #element = [ element ] *( OWS "," OWS [ element ] ); empty elements are
# accepted and skipped. An element is a token with optional ";" parameters (7.3). The
# element is reported at its "," (or at the end), since the OWS after a token may still
# lead to a ";".
parameter = token BWS "=" BWS ( token | quoted_string );
element = token >tok_start %tok_end ( OWS ";" @param OWS parameter )*;
main := element? ( OWS "," @flush OWS element? )*;
}%%

%% write data;

int pt_http_value_list(const char *s, size_t len, pt_http_list_cb cb, void *ctx)
{
    const unsigned char *p = (const unsigned char *)s, *pe = p + len, *eof = pe;
    const unsigned char *tok = p;
    size_t tok_len = 0;
    int has_params = 0, have = 0;
    int cs = pt_http_list_start;

    %% write exec;

    if (cs < pt_http_list_first_final)
        return -1;
    if (have)
        cb(ctx, (const char *)tok, tok_len, has_params);
    return 0;
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
