/* parser/config_lexer.rl - the scanner for nginx's configuration language.
 *
 * One Ragel scanner (longest match) yields one token per call: the machine stops with
 * fbreak as soon as a token is recognised, and the next call starts a fresh scan where
 * the last one ended. Spaces and comments are matched and skipped inside the scanner.
 * Lines and columns are counted in C over the bytes consumed, once per byte. The whole
 * input is present (a config is read whole), so eof is the end of the buffer and a
 * string still open there is an error, not a reason to wait for more. */
#include <string.h>

#include "parser/config_lexer.h"

%%{
machine pt_config_lexer;
alphtype unsigned char;

action word   { kind = PT_CONF_TOK_WORD; fbreak; }
action dquote { kind = PT_CONF_TOK_WORD; quote = '"'; fbreak; }
action squote { kind = PT_CONF_TOK_WORD; quote = '\''; fbreak; }
action open_string { kind = PT_CONF_TOK_ERROR; unterminated = 1; fbreak; }

ws      = [ \t\r\n];
comment = '#' [^\n]*;
escape  = '\\' any;

# A quoted string: any byte but its quote, a backslash escapes the next byte (the value
# of the escape is pt_conf_unescape's business).
dq_body = ( [^"\\] | escape )*;
sq_body = ( [^'\\] | escape )*;
dq_string = '"' dq_body '"';
sq_string = "'" sq_body "'";
# The same strings with no closing quote before the end of the input (a lone trailing
# backslash included). Longest match prefers the closed string whenever there is one.
dq_open = '"' dq_body '\\'?;
sq_open = "'" sq_body '\\'?;

# A bare word: ends at a space, ";" or "{", except that "{" right after "$" opens ${name}.
# Quotes, "#" and "}" inside a word are ordinary bytes, as in nginx.
word_byte  = any - ws - [;{\\$];
word_piece = word_byte | '$' '{'? | escape;
word_first = (word_byte - [}#"']) | '$' '{'? | escape;
word = word_first word_piece*;

main := |*
    ws+;
    comment;
    ';' => { kind = PT_CONF_TOK_SEMI; fbreak; };
    '{' => { kind = PT_CONF_TOK_OPEN; fbreak; };
    '}' => { kind = PT_CONF_TOK_CLOSE; fbreak; };
    dq_string => dquote;
    sq_string => squote;
    dq_open => open_string;
    sq_open => open_string;
    word => word;
*|;
}%%

%% write data;

void pt_conf_lexer_init(struct pt_conf_lexer *lx, const char *buf, uint32_t len)
{
    lx->buf = buf;
    lx->len = len;
    lx->pos = 0;
    lx->line = 1;
    lx->col = 1;
}

/* Moves the position to `to`, counting lines and columns. A column counts characters:
 * UTF-8 continuation bytes do not start one, so a caret lines up under the text. */
static void advance(struct pt_conf_lexer *lx, uint32_t to)
{
    for (; lx->pos < to; lx->pos++) {
        unsigned char ch = (unsigned char)lx->buf[lx->pos];
        if (ch == '\n') {
            lx->line++;
            lx->col = 1;
        } else if ((ch & 0xc0) != 0x80) {
            lx->col++;
        }
    }
}

static enum pt_conf_token_kind fail(struct pt_conf_lexer *lx, struct pt_conf_token *tok,
                                    const char *error, const char *expected)
{
    tok->kind = PT_CONF_TOK_ERROR;
    tok->error = error;
    tok->expected = expected;
    tok->error_line = lx->line;
    tok->error_col = lx->col;
    return PT_CONF_TOK_ERROR;
}

/* nginx's rule: a closing quote must be followed by a space, ";", "{" or ")" (for
 * "if (...)"), so "a"b is refused instead of read as one word or two. */
static int quote_followed_well(const struct pt_conf_lexer *lx)
{
    if (lx->pos >= lx->len)
        return 1;
    return strchr(" \t\r\n;{)", lx->buf[lx->pos]) != NULL && lx->buf[lx->pos] != '\0';
}

/* Runs the scanner from lx->pos; on return [*start, *end) is the token matched (or the
 * place the scan stopped) and the return value its kind, -1 for no token at all. */
static int scan(const struct pt_conf_lexer *lx, uint32_t *start, uint32_t *end,
                char *quote_out, int *unterminated_out)
{
    const unsigned char *base = (const unsigned char *)lx->buf;
    const unsigned char *p = base + lx->pos;
    const unsigned char *pe = base + lx->len;
    const unsigned char *eof = pe;
    const unsigned char *ts = NULL, *te = NULL;
    int cs, act = 0;
    int kind = -1, unterminated = 0;
    char quote = 0;

    (void)act;
    (void)pt_config_lexer_en_main;
    (void)pt_config_lexer_first_final;
    %% write init;
    %% write exec;

    if (cs == pt_config_lexer_error) {
        /* Only a lone backslash at the very end cannot start a token. */
        *start = *end = (uint32_t)((ts ? ts : p) - base);
        return -2;
    }
    *start = ts ? (uint32_t)(ts - base) : (uint32_t)(p - base);
    *end = te ? (uint32_t)(te - base) : (uint32_t)(p - base);
    *quote_out = quote;
    *unterminated_out = unterminated;
    return kind;
}

enum pt_conf_token_kind pt_conf_lex(struct pt_conf_lexer *lx, struct pt_conf_token *tok)
{
    uint32_t start, end;
    char quote = 0;
    int unterminated = 0;
    int kind;
    const char *nul;

    memset(tok, 0, sizeof(*tok));
    kind = scan(lx, &start, &end, &quote, &unterminated);
    advance(lx, start);
    tok->line = lx->line;
    tok->col = lx->col;
    if (kind == -2)
        return fail(lx, tok, "unexpected end of file after a backslash",
                    "expected a character to escape");
    if (kind < 0) {
        advance(lx, lx->len);
        tok->line = lx->line;
        tok->col = lx->col;
        return tok->kind = PT_CONF_TOK_EOF;
    }
    if (unterminated)
        return fail(lx, tok, "unterminated string", "expected a closing quote");
    /* A NUL would cut the value short wherever it is used as a C string. */
    nul = memchr(lx->buf + start, '\0', end - start);
    if (nul) {
        advance(lx, (uint32_t)(nul - lx->buf));
        return fail(lx, tok, "unexpected NUL byte", NULL);
    }
    tok->kind = (enum pt_conf_token_kind)kind;
    tok->quote = quote;
    tok->off = quote ? start + 1 : start;
    tok->len = (end - start) - (quote ? 2 : 0);
    advance(lx, end);
    if (quote && !quote_followed_well(lx))
        return fail(lx, tok, "unexpected character after a quoted string",
                    "expected a space, \";\" or \"{\" after the closing quote");
    return tok->kind;
}

uint32_t pt_conf_unescape(const char *src, uint32_t len, char *dst)
{
    uint32_t i = 0, n = 0;

    while (i < len) {
        char ch = src[i];
        if (ch == '\\' && i + 1 < len) {
            char next = src[i + 1];
            const char *from = "\"'\\nrt";
            const char *to = "\"'\\\n\r\t";
            const char *hit = strchr(from, next);
            if (hit && next != '\0') {
                dst[n++] = to[hit - from];
                i += 2;
                continue;
            }
        }
        dst[n++] = ch;
        i++;
    }
    return n;
}
