/* proxy/hop_by_hop.c - hop_by_hop.h. */
#include "proxy/hop_by_hop.h"

#include <string.h>
#include <strings.h>

int pt_hop_by_hop(const char *n, size_t len, int upgrade)
{
    if (len > 6 && pt_field_eq(n, 6, "proxy-", 6))
        return 1;
    switch (len) { /* one or two comparisons per field, by its length */
    case 2:
        return pt_field_is(n, len, "te");
    case 7:
        return pt_field_is(n, len, "trailer") || (!upgrade && pt_field_is(n, len, "upgrade"));
    case 10:
        return pt_field_is(n, len, "connection") || pt_field_is(n, len, "keep-alive");
    case 17:
        return pt_field_is(n, len, "transfer-encoding");
    default:
        return 0;
    }
}

int pt_connection_first(const struct pt_http_head *h, const char *base)
{
    for (uint16_t i = 0; i < h->header_count; i++) {
        if (pt_field_is(base + h->headers[i].name.off, h->headers[i].name.len, "connection"))
            return i;
    }
    return -1;
}

/* Whether the comma-separated list [v, end) holds the token name. */
static int list_has(const char *v, const char *end, const char *name, size_t len)
{
    while (v < end) {
        const char *comma = memchr(v, ',', (size_t)(end - v));
        const char *stop = comma ? comma : end, *e = stop;
        while (v < stop && (*v == ' ' || *v == '\t'))
            v++;
        while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if ((size_t)(e - v) == len && strncasecmp(v, name, len) == 0)
            return 1;
        v = comma ? comma + 1 : end;
    }
    return 0;
}

int pt_connection_names(const struct pt_http_head *h, const char *base, int first,
                        const char *name, size_t len)
{
    for (int i = first; i >= 0 && i < h->header_count; i++) {
        const struct pt_http_header *f = &h->headers[i];
        const char *v = base + f->value.off;
        if (pt_field_is(base + f->name.off, f->name.len, "connection") &&
            list_has(v, v + f->value.len, name, len))
            return 1;
    }
    return 0;
}
