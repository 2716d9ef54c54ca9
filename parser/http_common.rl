/* parser/http_common.rl - character classes and token grammar shared by every HTTP
 * machine (RFC 9110 section 5.6, RFC 9112 section 2). No actions here: the machines that
 * include this file mark what they need. */
%%{
machine pt_http_common;
alphtype unsigned char;

CRLF = "\r\n";
SP = " ";
HTAB = "\t";
OWS = ( SP | HTAB )*;
BWS = OWS;

# RFC 9110 5.6.2
tchar = alnum | [!#$%&'*+\-.\^_`|~];
token = tchar+;

# RFC 9110 5.5: field values may carry obs-text, never CTLs (bare CR, NUL, DEL).
vchar = 0x21..0x7e;
obs_text = 0x80..0xff;
field_vchar = vchar | obs_text;

# RFC 9110 5.6.4
qdtext = HTAB | SP | 0x21 | 0x23..0x5b | 0x5d..0x7e | obs_text;
quoted_pair = "\\" ( HTAB | SP | vchar | obs_text );
quoted_string = "\"" ( qdtext | quoted_pair )* "\"";

# RFC 3986 2.1-2.3
pct_encoded = "%" xdigit xdigit;
unreserved = alnum | [\-._~];
sub_delims = [!$&'()*+,;=];
reg_name = ( unreserved | pct_encoded | sub_delims )*;
ip_literal = "[" ( xdigit | [:.] )+ "]";
port = digit*;

# RFC 9112 2.3: case-sensitive, one digit each side.
http_version = "HTTP/" digit "." digit;

# RFC 9112 5: a field line without the machine's marks (trailers are only validated).
field_line_plain = token ":" OWS ( field_vchar ( field_vchar | SP | HTAB )* )?;
}%%
