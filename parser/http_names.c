/* parser/http_names.c - names recognised once a token has been sliced: methods
 * (case-sensitive, RFC 9110 9.1) and case-insensitive words; field names are told apart
 * inline (http_internal.h, pt_http_field_kind) since that runs once per header line. */
#include <string.h>

#include "parser/http_internal.h"

static unsigned char ascii_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

int pt_http_token_eq(const char *s, size_t len, const char *lower_word)
{
    size_t i;

    for (i = 0; i < len; i++) {
        if (lower_word[i] == '\0' || ascii_lower((unsigned char)s[i]) != (unsigned char)lower_word[i])
            return 0;
    }
    return lower_word[i] == '\0';
}

static const char *const method_names[] = {
    [PT_METHOD_OTHER] = "OTHER",     [PT_METHOD_GET] = "GET",
    [PT_METHOD_HEAD] = "HEAD",       [PT_METHOD_POST] = "POST",
    [PT_METHOD_PUT] = "PUT",         [PT_METHOD_DELETE] = "DELETE",
    [PT_METHOD_CONNECT] = "CONNECT", [PT_METHOD_OPTIONS] = "OPTIONS",
    [PT_METHOD_TRACE] = "TRACE",     [PT_METHOD_PATCH] = "PATCH",
};

static int is_method(const char *name, enum pt_http_method m)
{
    return memcmp(name, method_names[m], strlen(method_names[m])) == 0;
}

enum pt_http_method pt_http_method_id(const char *name, size_t len)
{
    static const enum pt_http_method by_length[8][2] = {
        [3] = {PT_METHOD_GET, PT_METHOD_PUT},     [4] = {PT_METHOD_POST, PT_METHOD_HEAD},
        [5] = {PT_METHOD_PATCH, PT_METHOD_TRACE}, [6] = {PT_METHOD_DELETE, PT_METHOD_OTHER},
        [7] = {PT_METHOD_OPTIONS, PT_METHOD_CONNECT},
    };
    if (len >= 8)
        return PT_METHOD_OTHER;
    for (int i = 0; i < 2; i++) {
        enum pt_http_method m = by_length[len][i];
        if (m != PT_METHOD_OTHER && is_method(name, m))
            return m;
    }
    return PT_METHOD_OTHER;
}

const char *pt_http_method_name(enum pt_http_method m)
{
    if ((size_t)m >= sizeof(method_names) / sizeof(method_names[0]))
        return "OTHER";
    return method_names[m];
}

const char *pt_http_framing_name(enum pt_http_framing f)
{
    static const char *const names[] = {
        [PT_BODY_NONE] = "none",
        [PT_BODY_LENGTH] = "length",
        [PT_BODY_CHUNKED] = "chunked",
        [PT_BODY_UNTIL_CLOSE] = "until-close",
        [PT_BODY_TUNNEL] = "tunnel",
    };
    if ((size_t)f >= sizeof(names) / sizeof(names[0]))
        return "unknown";
    return names[f];
}
