/* tests/unit/fixture_reader.c - the corpus file format; see fixture_reader.h. */
#include "tests/unit/fixture_reader.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL) {
        fprintf(stderr, "fixture_reader: out of memory\n");
        abort();
    }
    return q;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xrealloc(NULL, n), s, n);
}

static void buf_reserve(struct pt_fx_buf *b, size_t more)
{
    if (b->len + more + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + more + 1)
        cap *= 2;
    b->p = xrealloc(b->p, cap);
    b->cap = cap;
    b->p[b->len] = '\0';
}

void pt_fx_buf_add(struct pt_fx_buf *b, const void *data, size_t len)
{
    buf_reserve(b, len);
    if (len)
        memcpy(b->p + b->len, data, len);
    b->len += len;
    b->p[b->len] = '\0';
}

void pt_fx_buf_printf(struct pt_fx_buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        pt_fx_buf_add(b, small, (size_t)n);
        return;
    }
    buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void pt_fx_buf_add_escaped(struct pt_fx_buf *b, const void *data, size_t len)
{
    const unsigned char *s = data;
    buf_reserve(b, 0);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = s[i];
        if (c == '\r')
            pt_fx_buf_add(b, "\\r", 2);
        else if (c == '\n')
            pt_fx_buf_add(b, "\\n", 2);
        else if (c == '\t')
            pt_fx_buf_add(b, "\\t", 2);
        else if (c == '\\')
            pt_fx_buf_add(b, "\\\\", 2);
        else if (c < 0x20 || c >= 0x7f)
            pt_fx_buf_printf(b, "\\x%02X", c);
        else
            pt_fx_buf_add(b, &c, 1);
    }
}

void pt_fx_buf_reset(struct pt_fx_buf *b)
{
    b->len = 0;
    if (b->p)
        b->p[0] = '\0';
}

void pt_fx_buf_cleanup(struct pt_fx_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int pt_fx_unescape(struct pt_fx_buf *b, const char *s)
{
    buf_reserve(b, 0);
    while (*s) {
        char c = *s++;
        if (c != '\\') {
            pt_fx_buf_add(b, &c, 1);
            continue;
        }
        switch (*s++) {
        case 'r': c = '\r'; break;
        case 'n': c = '\n'; break;
        case 't': c = '\t'; break;
        case '\\': c = '\\'; break;
        case 'x': {
            int hi = hexval(s[0]), lo = hi < 0 ? -1 : hexval(s[1]);
            if (lo < 0)
                return -1;
            c = (char)(hi << 4 | lo);
            s += 2;
            break;
        }
        default:
            return -1;
        }
        pt_fx_buf_add(b, &c, 1);
    }
    return 0;
}

/* ---- reading one file ---- */

struct reader {
    struct pt_fx_corpus *corpus;
    const char *file;
    int line;
    struct pt_fx_case *cur; /* the case being read, or NULL before the first "===" */
    size_t file_first;      /* index of this file's first case */
    int has_result;
};

static void problem(struct reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void problem(struct reader *r, const char *fmt, ...)
{
    va_list ap;
    char msg[512];
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pt_fx_buf_printf(&r->corpus->errors, "%s:%d: %s\n", r->file, r->line, msg);
    r->corpus->n_errors++;
}

static const char *const option_keys[] = {
    "kind", "request_method", "max_line", "max_head", "max_headers", "max_trailers", NULL,
};

static const char *const expect_keys[] = {
    "result", "method", "method_id", "target", "path", "host", "form", "version",
    "headers", "header", "framing", "content_length", "keep_alive", "upgrade",
    "expect_continue", "head_length", "status", "reason", "body", "consumed", NULL,
};

static int in_list(const char *const *list, const char *key)
{
    for (; *list; list++)
        if (strcmp(*list, key) == 0)
            return 1;
    return 0;
}

/* Ends the case being read: checks what every case needs. */
static void finish_case(struct reader *r)
{
    if (r->cur == NULL)
        return;
    int line = r->line;
    r->line = r->cur->line;
    if (!r->has_result)
        problem(r, "case \"%s\" has no result line", r->cur->name);
    if (r->cur->input.len == 0)
        problem(r, "case \"%s\" has no input", r->cur->name);
    r->line = line;
    r->cur = NULL;
}

static void start_case(struct reader *r, const char *name)
{
    finish_case(r);
    struct pt_fx_corpus *c = r->corpus;
    for (size_t i = r->file_first; i < c->n_cases; i++)
        if (strcmp(c->cases[i].name, name) == 0)
            problem(r, "case name \"%s\" used twice", name);
    c->cases = xrealloc(c->cases, (c->n_cases + 1) * sizeof *c->cases);
    r->cur = &c->cases[c->n_cases++];
    memset(r->cur, 0, sizeof *r->cur);
    r->cur->file = xstrdup(r->file);
    r->cur->name = xstrdup(name);
    r->cur->line = r->line;
    r->has_result = 0;
    pt_fx_buf_add(&r->cur->input, "", 0);
}

static void read_input(struct reader *r, const char *text)
{
    if (pt_fx_unescape(&r->cur->input, text) < 0)
        problem(r, "bad escape in input");
}

static void read_repeat(struct reader *r, const char *rest)
{
    char *end;
    unsigned long n = strtoul(rest, &end, 10);
    if (end == rest || *end != ' ' || n == 0 || n > 1000000) {
        problem(r, "expected \">repeat N TEXT\"");
        return;
    }
    struct pt_fx_buf text = {0};
    if (pt_fx_unescape(&text, end + 1) < 0)
        problem(r, "bad escape in repeated text");
    for (unsigned long i = 0; i < n; i++)
        pt_fx_buf_add(&r->cur->input, text.p, text.len);
    pt_fx_buf_cleanup(&text);
}

static uint32_t read_u32(struct reader *r, const char *word)
{
    char *end;
    unsigned long v = strtoul(word, &end, 10);
    if (end == word || *end != '\0' || v == 0 || v > UINT32_MAX) {
        problem(r, "expected a positive number, got \"%s\"", word);
        return 0;
    }
    return (uint32_t)v;
}

static void read_option(struct reader *r, const char *key, const char *value)
{
    char word[64];
    if (sscanf(value, "%63s", word) != 1) {
        problem(r, "option %s has no value", key);
        return;
    }
    struct pt_fx_case *c = r->cur;
    if (strcmp(key, "kind") == 0) {
        if (strcmp(word, "request") == 0)
            c->kind = PT_FX_REQUEST;
        else if (strcmp(word, "response") == 0)
            c->kind = PT_FX_RESPONSE;
        else if (strcmp(word, "chunked") == 0)
            c->kind = PT_FX_CHUNKED;
        else
            problem(r, "unknown kind \"%s\"", word);
    } else if (strcmp(key, "request_method") == 0) {
        free(c->request_method);
        c->request_method = xstrdup(word);
    } else if (strcmp(key, "max_line") == 0) {
        c->max_line = read_u32(r, word);
    } else if (strcmp(key, "max_head") == 0) {
        c->max_head = read_u32(r, word);
    } else if (strcmp(key, "max_headers") == 0) {
        c->max_headers = read_u32(r, word);
        if (c->max_headers > UINT16_MAX)
            problem(r, "max_headers is a header array's capacity: at most %u", UINT16_MAX);
    } else {
        c->max_trailers = read_u32(r, word);
    }
}

static void read_expect(struct reader *r, const char *key, const char *value)
{
    struct pt_fx_case *c = r->cur;
    if (strcmp(key, "header") != 0)
        for (size_t i = 0; i < c->n_expects; i++)
            if (strcmp(c->expects[i].key, key) == 0)
                problem(r, "key %s listed twice", key);
    struct pt_fx_buf raw = {0}, canon = {0};
    if (pt_fx_unescape(&raw, value) < 0)
        problem(r, "bad escape in value");
    pt_fx_buf_add_escaped(&canon, raw.p, raw.len);
    pt_fx_buf_cleanup(&raw);
    c->expects = xrealloc(c->expects, (c->n_expects + 1) * sizeof *c->expects);
    c->expects[c->n_expects].key = xstrdup(key);
    c->expects[c->n_expects].value = canon.p;
    c->n_expects++;
    if (strcmp(key, "result") == 0)
        r->has_result = 1;
}

static void read_key_value(struct reader *r, char *line)
{
    char *colon = strchr(line, ':');
    size_t klen = colon ? (size_t)(colon - line) : 0;
    if (klen == 0 || strspn(line, "abcdefghijklmnopqrstuvwxyz_") != klen) {
        problem(r, "expected \"key: value\", \"> input\" or \"=== name\"");
        return;
    }
    *colon = '\0';
    const char *value = colon[1] == ' ' ? colon + 2 : colon + 1;
    if (in_list(option_keys, line))
        read_option(r, line, value);
    else if (in_list(expect_keys, line))
        read_expect(r, line, value);
    else
        problem(r, "unknown key \"%s\"", line);
}

static void read_line(struct reader *r, char *line)
{
    if (line[0] == '#' || line[strspn(line, " \t")] == '\0')
        return;
    if (strncmp(line, "=== ", 4) == 0) {
        start_case(r, line + 4);
        return;
    }
    if (r->cur == NULL) {
        problem(r, "text before the first \"=== name\"");
        return;
    }
    if (strncmp(line, "> ", 2) == 0)
        read_input(r, line + 2);
    else if (strcmp(line, ">") == 0)
        return;
    else if (strncmp(line, ">repeat ", 8) == 0)
        read_repeat(r, line + 8);
    else
        read_key_value(r, line);
}

static void read_file(struct pt_fx_corpus *corpus, const char *dir, const char *name)
{
    struct reader r = {.corpus = corpus, .file = name, .file_first = corpus->n_cases};
    struct pt_fx_buf path = {0};
    pt_fx_buf_printf(&path, "%s/%s", dir, name);
    FILE *f = fopen(path.p, "r");
    pt_fx_buf_cleanup(&path);
    if (f == NULL) {
        problem(&r, "cannot open: %s", strerror(errno));
        return;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) >= 0) {
        r.line++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        read_line(&r, line);
    }
    finish_case(&r);
    free(line);
    fclose(f);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int pt_fx_corpus_load(struct pt_fx_corpus *corpus, const char *dir)
{
    memset(corpus, 0, sizeof *corpus);
    pt_fx_buf_add(&corpus->errors, "", 0);
    DIR *d = opendir(dir);
    if (d == NULL)
        return -1;
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len > 4 && e->d_name[0] != '.' && strcmp(e->d_name + len - 4, ".txt") == 0) {
            names = xrealloc(names, (n + 1) * sizeof *names);
            names[n++] = xstrdup(e->d_name);
        }
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n; i++) {
        read_file(corpus, dir, names[i]);
        free(names[i]);
    }
    free(names);
    return 0;
}

void pt_fx_corpus_cleanup(struct pt_fx_corpus *corpus)
{
    for (size_t i = 0; i < corpus->n_cases; i++) {
        struct pt_fx_case *c = &corpus->cases[i];
        free(c->file);
        free(c->name);
        free(c->request_method);
        pt_fx_buf_cleanup(&c->input);
        for (size_t j = 0; j < c->n_expects; j++) {
            free(c->expects[j].key);
            free(c->expects[j].value);
        }
        free(c->expects);
    }
    free(corpus->cases);
    pt_fx_buf_cleanup(&corpus->errors);
    memset(corpus, 0, sizeof *corpus);
}
