/* parser/http_chunked.rl - the chunked transfer coding (RFC 9112 section 7.1).
 *
 * The machine reads only framing: size lines, the CRLF after each chunk's data, and the
 * trailer section. Chunk data is not run through it: when a size line ends the machine
 * stops, and C hands the data out as slices of the caller's buffer. Trailer fields are
 * validated and skipped (portico does not forward them). */
#include <string.h>

#include "parser/http_internal.h"

%%{
machine pt_http_chunked;
include pt_http_common "http_common.rl";

action size_start { c->size = 0; }
# The size must stay below 2^63 so it fits an off_t; a longer run of digits is refused
# here, not wrapped.
action size_digit {
    if (c->size >> 59) {
        c->error_status = 400;
        c->error_reason = "chunk size too large";
        fbreak;
    }
    c->size = (c->size << 4) | hex_value(fc);
}
action line_end {
    line_start = (uint32_t)(fpc + 1 - base);
    c->line_bytes = 0;
    pe = base + window(c, line_start, len);
}
action size_line_end {
    if (c->size == 0) {
        fgoto trailers;
    }
    c->remaining = c->size;
    fnext data_end;
    fbreak;
}
action trailer_line_end {
    c->trailer_bytes += c->line_bytes + (uint32_t)(fpc + 1 - base) - line_start;
    if (c->trailer_bytes > c->max_trailers) {
        c->error_status = 431;
        c->error_reason = "trailer section larger than the limit";
        fbreak;
    }
}
action body_end { c->done = 1; fbreak; }

chunk_ext_val = token | quoted_string;
chunk_ext = ( BWS ";" BWS token ( BWS "=" BWS chunk_ext_val )? )*;
size_line = xdigit+ >size_start $size_digit chunk_ext CRLF @line_end @size_line_end;

main := size_line;
data_end := CRLF @line_end @{ fgoto main; };
trailers := ( field_line_plain CRLF @trailer_line_end @line_end )* CRLF @body_end;
}%%

%% write data;

static uint64_t hex_value(unsigned char ch)
{
    if (ch <= '9')
        return (uint64_t)(ch - '0');
    return (uint64_t)((ch | 0x20) - 'a' + 10);
}

/* Where the machine must stop: the input's end or the current line's max_line. */
static uint32_t window(const struct pt_chunked *c, uint32_t line_start, size_t len)
{
    uint64_t end = (uint64_t)line_start + c->max_line - c->line_bytes;

    return (uint32_t)(end < len ? end : len);
}

void pt_chunked_init(struct pt_chunked *c, uint32_t max_line, uint32_t max_trailers)
{
    memset(c, 0, sizeof(*c));
    c->cs = pt_http_chunked_start;
    c->max_line = max_line ? max_line : PT_HTTP_DEFAULT_MAX_LINE;
    c->max_trailers = max_trailers ? max_trailers : PT_HTTP_DEFAULT_MAX_HEAD;
}

/* Runs the framing machine over buf[from, len); returns where it stopped. */
static size_t run_machine(struct pt_chunked *c, const char *buf, size_t from, size_t len)
{
    const unsigned char *base = (const unsigned char *)buf;
    const unsigned char *p = base + from;
    uint32_t line_start = (uint32_t)from;
    const unsigned char *pe = base + window(c, line_start, len);
    int cs = c->cs;

    %% write exec;

    c->cs = cs;
    /* Bytes of an unfinished line count against max_line in the next call too. */
    if (!c->error_status && !c->done && c->remaining == 0 && cs != pt_http_chunked_error)
        c->line_bytes += (uint32_t)(p - base) - line_start;
    return (size_t)(p - base);
}

static int refuse(struct pt_chunked *c, const char *reason)
{
    if (!c->error_status) {
        c->error_status = 400;
        c->error_reason = reason;
    }
    return PT_PARSE_ERROR;
}

int pt_chunked_parse(struct pt_chunked *c, const char *buf, size_t len, size_t *consumed,
                     struct pt_slice *data)
{
    size_t pos = 0;

    for (;;) {
        if (c->error_status)
            return PT_PARSE_ERROR;
        if (c->remaining > 0) {
            size_t n = len - pos;
            if (n == 0)
                break;
            if (n > c->remaining)
                n = (size_t)c->remaining;
            *data = (struct pt_slice){(uint32_t)pos, (uint32_t)n};
            c->remaining -= n;
            *consumed = pos + n;
            return PT_PARSE_DATA;
        }
        if (c->done || pos == len)
            break;
        pos = run_machine(c, buf, pos, len);
        if (c->cs == pt_http_chunked_error)
            return refuse(c, "malformed chunked framing");
        if (c->remaining == 0 && !c->done && pos < len)
            return refuse(c, "chunk size, extension or trailer line longer than the limit");
    }
    *consumed = pos;
    return c->done ? PT_PARSE_DONE : PT_PARSE_AGAIN;
}
