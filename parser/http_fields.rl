/* parser/http_fields.rl - the field-line grammar of a message head, with its marks
 * (RFC 9112 section 5). Included by the request and response machines, whose C code
 * names the head `h`, the buffer start `base` and the caller's length `len`. Actions only
 * record offsets; pt_http_head_store() (http_head.c) turns them into a header slot. */
%%{
machine pt_http_fields;
include pt_http_common "http_common.rl";

action mark { h->mark = (uint32_t)(fpc - base); }
action name_start {
    h->mark = (uint32_t)(fpc - base);
    fexec pt_skip_token(fpc + 1, pe);
}
action name_end {
    h->name_end = (uint32_t)(fpc - base);
    h->value_start = h->name_end + 1;
    h->field_kind = (uint8_t)pt_http_field_kind((const char *)base + h->mark,
                                                h->name_end - h->mark);
}
# The value's first byte: mark it, then skip the rest of the run (http_scan.h).
action value_start {
    h->value_start = (uint32_t)(fpc - base);
    fexec pt_skip_value(fpc + 1, pe);
}

# At a line's LF: the next line starts after it, so its length window starts there.
action line_next {
    h->line_start = (uint32_t)(fpc + 1 - base);
    pe = base + pt_http_head_window(h, len);
}
action header_end {
    if (pt_http_head_store(h, (const char *)base, (uint32_t)(fpc - base)) != 0) {
        fbreak;
    }
}
action head_end { h->done = 1; fbreak; }

field_value = ( field_vchar >value_start ( field_vchar | SP | HTAB )* )?;
field_line = token >name_start ":" >name_end OWS field_value;
header_line = field_line CRLF @header_end @line_next;
head_end = CRLF @head_end;
}%%
