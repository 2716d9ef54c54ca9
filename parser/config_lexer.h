/* parser/config_lexer.h - tokens of nginx's configuration language.
 *
 * A Ragel scanner over one buffer that the caller owns (a whole file, or -g's text). It
 * does no I/O and no allocation: each call yields the next token as an offset and length
 * into that buffer, with the line and column it starts at. Words are returned raw (quotes
 * removed, escapes kept); pt_conf_unescape() turns them into their value into a buffer
 * the caller provides. The grammar of directives (name args ; or name args { ... }) is
 * config/'s business: the lexer knows only words, ";", "{", "}", comments and spaces.
 *
 * Lexical rules are nginx's: spaces are space, tab, CR and LF; "#" starts a comment only
 * where a token could start; a bare word ends at a space, ";" or "{" (a "{" right after
 * "$" is part of ${var}); a backslash makes the next byte part of the word; a quoted
 * string must be followed by a space, ";", "{" or ")".
 */
#ifndef PT_PARSER_CONFIG_LEXER_H
#define PT_PARSER_CONFIG_LEXER_H

#include <stdint.h>

enum pt_conf_token_kind {
    PT_CONF_TOK_WORD = 0, /* a bare word or a quoted string */
    PT_CONF_TOK_SEMI,     /* ; */
    PT_CONF_TOK_OPEN,     /* { */
    PT_CONF_TOK_CLOSE,    /* } */
    PT_CONF_TOK_EOF,      /* the buffer is exhausted */
    PT_CONF_TOK_ERROR,    /* see error, error_line, error_col */
};

struct pt_conf_token {
    enum pt_conf_token_kind kind;
    uint32_t off;  /* the word's bytes: for a quoted string, inside the quotes */
    uint32_t len;
    uint32_t line; /* where the token starts (a quoted string: its opening quote), 1-based */
    uint32_t col;  /* 1-based, in characters: a UTF-8 sequence or a tab counts one */
    char quote;    /* '"' or '\'' for a quoted string, 0 otherwise */
    const char *error;   /* PT_CONF_TOK_ERROR: what is wrong, static storage */
    const char *expected; /* PT_CONF_TOK_ERROR: what would have been right, or NULL */
    uint32_t error_line; /* PT_CONF_TOK_ERROR: the byte at fault */
    uint32_t error_col;
};

struct pt_conf_lexer {
    const char *buf;
    uint32_t len;
    uint32_t pos;  /* the next byte to scan */
    uint32_t line; /* of buf[pos] */
    uint32_t col;
};

void pt_conf_lexer_init(struct pt_conf_lexer *lx, const char *buf, uint32_t len);

/* Fills *tok with the next token and returns its kind. After PT_CONF_TOK_EOF every
 * further call returns PT_CONF_TOK_EOF again; after PT_CONF_TOK_ERROR the input is
 * refused and the caller stops. */
enum pt_conf_token_kind pt_conf_lex(struct pt_conf_lexer *lx, struct pt_conf_token *tok);

/* Writes the value of a word's raw bytes to dst (which holds at least len bytes) and
 * returns its length. As nginx: \" \' \\ become the character, \n \r \t the control
 * character, and any other backslash stays as written ("\d" is two bytes). */
uint32_t pt_conf_unescape(const char *src, uint32_t len, char *dst);

#endif
