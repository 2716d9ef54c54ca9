/* tests/unit/fixture_reader.h - reads the HTTP parser corpus under tests/fixtures/http.
 *
 * A fixture file holds cases; each starts with "=== name", names its kind and limits,
 * gives its input as "> " lines (escapes \r \n \t \\ \xHH; the file's own newline is not
 * input; ">repeat N TEXT" appends TEXT N times) and lists what the parse must give as
 * "key: value" lines. Lines starting with '#' and blank lines are ignored.
 */
#ifndef PT_TESTS_FIXTURE_READER_H
#define PT_TESTS_FIXTURE_READER_H

#include <stddef.h>
#include <stdint.h>

/* A growable byte string, always NUL-terminated; the bytes may hold NULs themselves. */
struct pt_fx_buf {
    char *p;    /* owned; NULL until the first append */
    size_t len; /* bytes, the terminating NUL not counted */
    size_t cap;
};

void pt_fx_buf_add(struct pt_fx_buf *b, const void *data, size_t len);
void pt_fx_buf_printf(struct pt_fx_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends data in the corpus's escaped form: \r \n \t \\ and \xHH for other bytes
 * outside 0x20..0x7E; everything else as itself. */
void pt_fx_buf_add_escaped(struct pt_fx_buf *b, const void *data, size_t len);
void pt_fx_buf_reset(struct pt_fx_buf *b);
void pt_fx_buf_cleanup(struct pt_fx_buf *b);

/* Decodes the escapes of s (NUL-terminated) onto b. Returns 0, or -1 on a bad escape. */
int pt_fx_unescape(struct pt_fx_buf *b, const char *s);

enum pt_fx_kind {
    PT_FX_REQUEST = 0,
    PT_FX_RESPONSE,
    PT_FX_CHUNKED,
};

/* One "key: value" expectation; value is in canonical escaped form, so it compares
 * byte for byte with a dump line. */
struct pt_fx_expect {
    char *key;   /* owned */
    char *value; /* owned */
};

struct pt_fx_case {
    char *file; /* owned: the fixture file's base name */
    char *name; /* owned */
    int line;   /* line of the "===" in file */
    enum pt_fx_kind kind;
    char *request_method; /* owned, or NULL: response cases only, the method answered */
    uint32_t max_line;    /* 0 when not given: the parser's default */
    uint32_t max_head;
    uint32_t max_headers;
    uint32_t max_trailers;
    struct pt_fx_buf input;
    struct pt_fx_expect *expects; /* owned, n_expects of them, in file order */
    size_t n_expects;
};

struct pt_fx_corpus {
    struct pt_fx_case *cases; /* owned, sorted by file then by position */
    size_t n_cases;
    struct pt_fx_buf errors; /* one line per problem found in the files, "file:line: what" */
    size_t n_errors;
};

/* Reads every *.txt in dir (sorted by name). Problems in the files are collected in
 * corpus->errors, and the cases around them still load. Returns 0, or -1 when dir could
 * not be read at all. */
int pt_fx_corpus_load(struct pt_fx_corpus *corpus, const char *dir);
void pt_fx_corpus_cleanup(struct pt_fx_corpus *corpus);

#endif
