/* config/setters_static.c - the static-file directives with a shape of their own: root
 * and alias (paths with variables), index, try_files, types { }, expires, add_header,
 * open_file_cache. */
#include <stdlib.h>
#include <string.h>

#include "config/blocks.h"
#include "config/setters.h"
#include "config/values.h"
#include "config/variables.h"
#include "core/pt_types.h"

static int row_is_set(const struct pt_conf_load *ld, const char *name)
{
    uint32_t i = pt_conf_row_index(pt_conf_row_find(name));

    return ld->scope && ld->scope->set && ((ld->scope->set->bits[i / 64] >> (i % 64)) & 1);
}

/* Compiles w with the prefix put before it when it is a relative path. */
static int compile_path(struct pt_conf_load *ld, const struct pt_conf_word *w,
                        struct pt_conf_complex *out)
{
    struct pt_conf_word abs = *w;

    if (w->text[0] != '/' && w->text[0] != '$') {
        size_t plen = strlen(ld->prefix), n = plen + 1 + w->len;
        char *t = pt_conf_alloc(ld, n + 1);
        if (!t)
            return PT_ERROR;
        memcpy(t, ld->prefix, plen);
        t[plen] = '/';
        memcpy(t + plen + 1, w->text, w->len + 1);
        abs.text = t;
        abs.len = (uint32_t)n;
    }
    return pt_conf_compile_complex(ld, &abs, out);
}

/* root PATH | alias PATH: one or the other per location, as nginx ("is duplicate"). */
PT_SETTER(pt_conf_set_root)
{
    struct pt_conf_path *p = field;
    const char *other = strcmp(row->name, "root") == 0 ? "alias" : "root";

    if (row_is_set(ld, other))
        return pt_conf_fail(ld, &node->words[0], NULL, "\"%s\" directive is duplicate, "
                            "\"%s\" directive was specified earlier", row->name, other);
    if (node->words[1].len == 0)
        return pt_conf_bad_value(ld, node, &node->words[1], "a path");
    if (other[0] == 'r' && ld->scope && ld->scope->loc &&
        ld->scope->loc->pub.match == PT_LOC_NAMED)
        return pt_conf_fail(ld, &node->words[0], NULL,
                            "\"alias\" directive cannot be used inside the named location");
    if (other[0] == 'r') {
        const struct pt_conf_location *loc = &ld->scope->loc->pub;
        p->whole_uri = loc->match == PT_LOC_REGEX || loc->match == PT_LOC_REGEX_CASELESS;
        p->strip = p->whole_uri ? 0 : loc->pattern_len;
    }
    return compile_path(ld, &node->words[1], &p->path);
}

/* index FILE...: repeated directives at one level add up, as in nginx. */
PT_SETTER(pt_conf_set_index)
{
    struct pt_conf_index *ix = field;
    uint32_t add = node->word_count - 1, keep;
    struct pt_conf_complex *names;

    (void)row;
    if (ix->from_default)
        ix->count = 0;
    keep = ix->count;
    names = pt_conf_alloc(ld, (keep + add) * sizeof(*names));
    if (!names)
        return PT_ERROR;
    if (keep)
        memcpy(names, ix->names, keep * sizeof(*names));
    for (uint32_t i = 0; i < add; i++) {
        const struct pt_conf_word *w = &node->words[i + 1];
        if (w->len == 0)
            return pt_conf_fail(ld, w, NULL, "index \"\" in \"index\" directive is invalid");
        if (pt_conf_compile_complex(ld, w, &names[keep + i]) != PT_OK)
            return PT_ERROR;
    }
    ix->names = names;
    ix->count = keep + add;
    ix->from_default = node->words[0].file == PT_CONF_NO_FILE;
    return PT_OK;
}

/* try_files FILE... =CODE | URI */
PT_SETTER(pt_conf_set_try_files)
{
    struct pt_conf_try_files *tf = field;
    uint32_t n = node->word_count - 1;
    const struct pt_conf_word *last = &node->words[n];

    (void)row;
    tf->items = pt_conf_alloc(ld, n * sizeof(*tf->items));
    if (!tf->items)
        return PT_ERROR;
    for (uint32_t i = 0; i < n; i++) {
        if (pt_conf_compile_complex(ld, &node->words[i + 1], &tf->items[i]) != PT_OK)
            return PT_ERROR;
    }
    tf->count = n;
    if (last->text[0] == '=') {
        uint64_t code;
        if (pt_conf_parse_number(last->text + 1, last->len - 1, &code) != PT_OK ||
            code < 1 || code > 999)
            return pt_conf_fail(ld, last, NULL, "invalid code \"%s\"",
                                pt_conf_show(ld, last->text, last->len));
        tf->fallback_code = (uint16_t)code;
    }
    return PT_OK;
}

static int type_cmp(const void *a, const void *b)
{
    return strcmp(((const struct pt_conf_type *)a)->ext, ((const struct pt_conf_type *)b)->ext);
}

static char *lower_dup(struct pt_conf_load *ld, const char *s, uint32_t len)
{
    char *d = pt_conf_strdup(ld, s, len);

    for (uint32_t i = 0; d && i < len; i++)
        d[i] = (char)(d[i] >= 'A' && d[i] <= 'Z' ? d[i] + 32 : d[i]);
    return d;
}

/* Adds one "type ext..." line; a repeated extension takes the newer type (nginx warns). */
static int add_type_line(struct pt_conf_load *ld, const struct pt_conf_node *c,
                         struct pt_conf_type *all, uint32_t *count)
{
    if (c->is_block || c->word_count < 2)
        return pt_conf_fail(ld, &c->words[0], "expected: type extension ...;",
                            "invalid line in \"types\" block");
    for (uint32_t i = 1; i < c->word_count; i++) {
        char *ext = lower_dup(ld, c->words[i].text, c->words[i].len);
        uint32_t j;
        if (!ext)
            return PT_ERROR;
        for (j = 0; j < *count && strcmp(all[j].ext, ext) != 0; j++)
            ;
        all[j] = (struct pt_conf_type){ext, c->words[0].text};
        if (j == *count)
            (*count)++;
    }
    return PT_OK;
}

/* types { type ext...; }: several blocks at one level add up. */
PT_SETTER(pt_conf_set_types)
{
    struct pt_conf_types *t = field;
    uint32_t cap = t->count, count = t->count;
    struct pt_conf_type *all;

    (void)row;
    for (const struct pt_conf_node *c = node->children; c; c = c->next)
        cap += c->word_count;
    all = pt_conf_alloc(ld, (cap + 1) * sizeof(*all));
    if (!all)
        return PT_ERROR;
    if (count)
        memcpy(all, t->entries, count * sizeof(*all));
    for (const struct pt_conf_node *c = node->children; c; c = c->next) {
        if (add_type_line(ld, c, all, &count) != PT_OK)
            return PT_ERROR;
    }
    qsort(all, count, sizeof(*all), type_cmp);
    t->entries = all;
    t->count = count;
    return PT_OK;
}

/* expires off | epoch | max | [modified] [-]TIME | @TIME-OF-DAY, nginx's forms. */
PT_SETTER(pt_conf_set_expires)
{
    struct pt_conf_expires *e = field;
    int modified = node->word_count == 3;
    const struct pt_conf_word *w = &node->words[modified ? 2 : 1];
    const char *t = w->text;
    uint32_t len = w->len;
    pt_msec_t ms;

    (void)row;
    if (modified && strcmp(node->words[1].text, "modified") != 0)
        return pt_conf_bad_value(ld, node, &node->words[1], "\"modified\" or a time");
    if (!modified && strcmp(t, "off") == 0)
        *e = (struct pt_conf_expires){PT_EXPIRES_OFF, 0};
    else if (!modified && strcmp(t, "epoch") == 0)
        *e = (struct pt_conf_expires){PT_EXPIRES_EPOCH, 0};
    else if (!modified && strcmp(t, "max") == 0)
        *e = (struct pt_conf_expires){PT_EXPIRES_MAX, 0};
    else if (t[0] == '@') {
        if (modified)
            return pt_conf_fail(ld, w, NULL,
                                "daily time cannot be used with \"modified\" parameter");
        if (pt_conf_parse_time(t + 1, len - 1, &ms) != PT_OK)
            return pt_conf_bad_value(ld, node, w, "a time of day like @15h30m");
        if (ms > 24 * 3600 * 1000)
            return pt_conf_fail(ld, w, NULL, "daily time value must be less than 24 hours");
        *e = (struct pt_conf_expires){PT_EXPIRES_DAILY, ms};
    } else {
        int neg = t[0] == '-', skip = neg || t[0] == '+';
        if (pt_conf_parse_time(t + skip, len - (uint32_t)skip, &ms) != PT_OK)
            return pt_conf_bad_value(ld, node, w, modified ? "a time like 1h, -1"
                                     : "off, epoch, max or a time like 1h, -1, @15h");
        *e = (struct pt_conf_expires){modified ? PT_EXPIRES_MODIFIED : PT_EXPIRES_TIME,
                                      neg ? -ms : ms};
    }
    return PT_OK;
}

/* add_header NAME VALUE [always] */
PT_SETTER(pt_conf_set_add_header)
{
    struct pt_conf_headers *hs = field;
    struct pt_conf_header *list = pt_conf_alloc(ld, (hs->count + 1) * sizeof(*list));
    struct pt_conf_header *h;

    (void)row;
    if (!list)
        return PT_ERROR;
    if (node->word_count == 4 && strcmp(node->words[3].text, "always") != 0)
        return pt_conf_fail(ld, &node->words[3], "expected: add_header name value [always];",
                            "invalid parameter \"%s\"",
                            pt_conf_show(ld, node->words[3].text, node->words[3].len));
    if (hs->count)
        memcpy(list, hs->list, hs->count * sizeof(*list));
    h = &list[hs->count];
    h->name = node->words[1].text;
    h->name_len = node->words[1].len;
    h->always = node->word_count == 4;
    if (pt_conf_compile_complex(ld, &node->words[2], &h->value) != PT_OK)
        return PT_ERROR;
    hs->list = list;
    hs->count++;
    return PT_OK;
}

/* open_file_cache off | max=N [inactive=TIME] */
PT_SETTER(pt_conf_set_open_file_cache)
{
    struct pt_conf_open_file_cache *c = field;

    (void)row;
    *c = (struct pt_conf_open_file_cache){0, 60000};
    if (node->word_count == 2 && strcmp(node->words[1].text, "off") == 0)
        return PT_OK;
    for (uint32_t i = 1; i < node->word_count; i++) {
        const struct pt_conf_word *w = &node->words[i];
        uint64_t n;
        if (strncmp(w->text, "max=", 4) == 0 &&
            pt_conf_parse_number(w->text + 4, w->len - 4, &n) == PT_OK && n > 0 &&
            n <= 1000000)
            c->max = (uint32_t)n;
        else if (strncmp(w->text, "inactive=", 9) != 0 ||
                 pt_conf_parse_time(w->text + 9, w->len - 9, &c->inactive) != PT_OK)
            return pt_conf_bad_value(ld, node, w, "max=N [inactive=time] or off");
    }
    if (c->max == 0)
        return pt_conf_fail(ld, &node->words[0], NULL,
                            "\"open_file_cache\" must have the \"max\" parameter");
    return PT_OK;
}

/* "=" or "=CODE" before the URI of an error_page: -1 when w is not one. */
static int error_page_response(const struct pt_conf_word *w, int *response)
{
    uint64_t n;

    if (w->len == 0 || w->text[0] != '=')
        return -1;
    if (w->len == 1) {
        *response = 0;
        return 0;
    }
    if (pt_conf_parse_number(w->text + 1, w->len - 1, &n) != PT_OK || n < 100 || n > 999)
        return -2;
    *response = (int)n;
    return 0;
}

/* error_page CODE ... [=[RESPONSE]] URI (codes 300-599, as nginx) */
PT_SETTER(pt_conf_set_error_page)
{
    struct pt_conf_error_pages *eps = field;
    const struct pt_conf_word *uri = &node->words[node->word_count - 1];
    uint32_t last_code = node->word_count - 2, codes;
    int response = -1, rc = error_page_response(&node->words[last_code], &response);
    struct pt_conf_error_page *list;
    struct pt_conf_complex cv;

    (void)row;
    if (rc == -2)
        return pt_conf_fail(ld, &node->words[last_code], "expected: =CODE, a status 100-999",
                            "invalid response code \"%s\"",
                            pt_conf_show(ld, node->words[last_code].text,
                                         node->words[last_code].len));
    codes = rc == 0 ? last_code - 1 : last_code;
    if (codes == 0)
        return pt_conf_fail(ld, uri, "expected: error_page code ... [=[response]] uri;",
                            "invalid number of arguments in \"error_page\" directive");
    if (pt_conf_compile_complex(ld, uri, &cv) != PT_OK)
        return PT_ERROR;
    list = pt_conf_alloc(ld, (eps->count + codes) * sizeof(*list));
    if (!list)
        return PT_ERROR;
    if (eps->count)
        memcpy(list, eps->list, eps->count * sizeof(*list));
    for (uint32_t i = 1; i <= codes; i++) {
        const struct pt_conf_word *w = &node->words[i];
        uint64_t code;
        if (pt_conf_parse_number(w->text, w->len, &code) != PT_OK || code < 300 || code > 599)
            return pt_conf_fail(ld, w, "expected: a status code from 300 to 599",
                                "value \"%s\" must be between 300 and 599",
                                pt_conf_show(ld, w->text, w->len));
        list[eps->count++] = (struct pt_conf_error_page){(uint16_t)code, (int16_t)response, cv};
    }
    eps->list = list;
    return PT_OK;
}
