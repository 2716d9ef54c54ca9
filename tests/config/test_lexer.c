/* tests/config/test_lexer.c - parser/config_lexer: tokens, strings, escapes, comments,
 * line:col, and the lexical errors. */
#include <stdio.h>
#include <string.h>

#include "parser/config_lexer.h"
#include "tests/tap.h"

/* Lexes src and renders the tokens as one line: words in [], punctuation as is,
 * quoted words with their quote, errors as !message@line:col. */
static const char *render(const char *src)
{
    static char out[1024];
    struct pt_conf_lexer lx;
    struct pt_conf_token t;
    size_t n = 0;

    out[0] = '\0';
    pt_conf_lexer_init(&lx, src, (uint32_t)strlen(src));
    for (;;) {
        const char *sep = n ? " " : "";
        switch (pt_conf_lex(&lx, &t)) {
        case PT_CONF_TOK_WORD:
            n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s[%.*s]", sep,
                                  t.quote == '"' ? "dq" : t.quote ? "sq" : "", (int)t.len,
                                  src + t.off);
            break;
        case PT_CONF_TOK_SEMI:
            n += (size_t)snprintf(out + n, sizeof(out) - n, "%s;", sep);
            break;
        case PT_CONF_TOK_OPEN:
            n += (size_t)snprintf(out + n, sizeof(out) - n, "%s{", sep);
            break;
        case PT_CONF_TOK_CLOSE:
            n += (size_t)snprintf(out + n, sizeof(out) - n, "%s}", sep);
            break;
        case PT_CONF_TOK_EOF:
            return out;
        case PT_CONF_TOK_ERROR:
            snprintf(out + n, sizeof(out) - n, "%s!%s@%u:%u", sep, t.error, t.error_line,
                     t.error_col);
            return out;
        }
    }
}

/* Lexes src and renders every token's line:col. */
static const char *positions(const char *src)
{
    static char out[512];
    struct pt_conf_lexer lx;
    struct pt_conf_token t;
    size_t n = 0;

    out[0] = '\0';
    pt_conf_lexer_init(&lx, src, (uint32_t)strlen(src));
    while (pt_conf_lex(&lx, &t) < PT_CONF_TOK_EOF)
        n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%u:%u", n ? " " : "", t.line, t.col);
    snprintf(out + n, sizeof(out) - n, " eof@%u:%u", t.line, t.col);
    return out;
}

static const char *unescaped(const char *raw)
{
    static char out[256];
    uint32_t n = pt_conf_unescape(raw, (uint32_t)strlen(raw), out);

    out[n] = '\0';
    return out;
}

static void words_and_punctuation(void)
{
    TAP_STR(render("daemon off;"), "[daemon] [off] ;", "a simple directive");
    TAP_STR(render("http{server{}}"), "[http] { [server] { } }", "blocks without spaces");
    TAP_STR(render("a\tb\r\nc;"), "[a] [b] [c] ;", "tab, CR and LF are spaces");
    TAP_STR(render("return 200 foo}"), "[return] [200] [foo}]", "a } inside a word is part of it");
    TAP_STR(render("a b#c;"), "[a] [b#c] ;", "# inside a word is not a comment");
    TAP_STR(render("x ${host}{"), "[x] [${host}] {", "${ keeps its brace, a later { opens a block");
    TAP_STR(render("x a$b{"), "[x] [a$b] {", "a { after a name ends the word");
    TAP_STR(render(""), "", "empty input");
}

static void strings(void)
{
    TAP_STR(render("return 200 \"a b;c{}\";"), "[return] [200] dq[a b;c{}] ;",
            "double quotes hold spaces, ; { }");
    TAP_STR(render("x 'it''s';"), "[x] !unexpected character after a quoted string@1:7",
            "a quote right after a quoted string is refused");
    TAP_STR(render("x 'single \"q\"';"), "[x] sq[single \"q\"] ;", "single quotes");
    TAP_STR(render("x \"a\\\"b\";"), "[x] dq[a\\\"b] ;", "an escaped quote does not end it");
    TAP_STR(render("x \"\";"), "[x] dq[] ;", "an empty string is a word");
    TAP_STR(render("x \"a\"{"), "[x] dq[a] {", "a quoted string before a block");
    TAP_STR(render("x \"a\")"), "[x] dq[a] [)]", "a ) may follow a quoted string (if)");
    TAP_STR(render("x \"a\"b;"), "[x] !unexpected character after a quoted string@1:6",
            "text glued after a closing quote is refused at that byte");
    TAP_STR(render("x \"abc;\n"), "[x] !unterminated string@1:3",
            "an unterminated string points at its opening quote");
    TAP_STR(render("x 'abc\\"), "[x] !unterminated string@1:3",
            "an unterminated string ending in a backslash");
    TAP_STR(render("x \"multi\nline\";"), "[x] dq[multi\nline] ;", "strings span lines");
}

static void escapes(void)
{
    TAP_STR(render("a\\ b c;"), "[a\\ b] [c] ;", "a backslash keeps a space in a bare word");
    TAP_STR(render("a\\;b;"), "[a\\;b] ;", "a backslash keeps a ; in a bare word");
    TAP_STR(render("a\\"), "[a] !unexpected end of file after a backslash@1:2",
            "a lone backslash at the end");
    TAP_STR(unescaped("a\\\"b\\'c\\\\d"), "a\"b'c\\d", "\\\" \\' \\\\ become the character");
    TAP_STR(unescaped("\\n\\r\\t"), "\n\r\t", "\\n \\r \\t become control characters");
    TAP_STR(unescaped("\\d\\$x\\"), "\\d\\$x\\", "other backslashes stay, as nginx");
}

static void comments(void)
{
    TAP_STR(render("# all comment\nx; # trailing\n#last"), "[x] ;", "comments to end of line");
    TAP_STR(render("x \"#not\";"), "[x] dq[#not] ;", "# in a string is text");
    TAP_STR(render("x;#c{\n}"), "[x] ; }", "a comment hides { but not the next line");
}

static void lines_and_columns(void)
{
    TAP_STR(positions("a b;\n  c {\n\t}\n"), "1:1 1:3 1:4 2:3 2:5 3:2 eof@4:1",
            "line:col of each token, a tab is one column");
    TAP_STR(positions("x \"a\nb\" y;"), "1:1 1:3 2:4 2:5 eof@2:6",
            "a newline inside a string moves the line");
    TAP_STR(positions("é x;"), "1:1 1:3 1:4 eof@1:5", "a UTF-8 character is one column");
    TAP_STR(positions("# c\n\n   z;"), "3:4 3:5 eof@3:6", "comments and blank lines count");
}

static void errors(void)
{
    const char nul[] = {'a', ' ', 'b', '\0', 'c', ';'};
    struct pt_conf_lexer lx;
    struct pt_conf_token t;

    pt_conf_lexer_init(&lx, nul, sizeof(nul));
    pt_conf_lex(&lx, &t);
    TAP_INT(pt_conf_lex(&lx, &t), PT_CONF_TOK_ERROR, "a NUL byte in a word is refused");
    TAP_INT(t.error_col, 4, "at the NUL's column");
    pt_conf_lexer_init(&lx, "x", 1);
    pt_conf_lex(&lx, &t);
    TAP_INT(pt_conf_lex(&lx, &t), PT_CONF_TOK_EOF, "EOF");
    TAP_INT(pt_conf_lex(&lx, &t), PT_CONF_TOK_EOF, "EOF again");
}

int main(void)
{
    words_and_punctuation();
    strings();
    escapes();
    comments();
    lines_and_columns();
    errors();
    return tap_done();
}
