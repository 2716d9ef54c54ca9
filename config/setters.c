/* config/setters.c - the typed setters: one argument read as a size, time, flag,
 * number, enum, string or path, stored at the row's field with the row's width. */
#include <stdio.h>
#include <string.h>

#include "config/setters.h"
#include "config/values.h"
#include "core/pt_types.h"

int pt_conf_bad_value(struct pt_conf_load *ld, const struct pt_conf_node *node,
                      const struct pt_conf_word *value, const char *expected)
{
    return pt_conf_fail(ld, value, NULL, "invalid value \"%s\" in \"%s\": expected %s",
                        pt_conf_show(ld, value->text, value->len), node->words[0].text,
                        expected);
}

/* Stores v in a field of 1, 4 or 8 bytes; PT_ERROR when it does not fit. */
static int store_uint(void *field, uint16_t size, uint64_t v)
{
    switch (size) {
    case 1:
        if (v > UINT8_MAX)
            return PT_ERROR;
        *(uint8_t *)field = (uint8_t)v;
        return PT_OK;
    case 4:
        if (v > UINT32_MAX)
            return PT_ERROR;
        *(uint32_t *)field = (uint32_t)v;
        return PT_OK;
    case 8:
        *(uint64_t *)field = v;
        return PT_OK;
    }
    return PT_ERROR;
}

PT_SETTER(pt_conf_set_size)
{
    const struct pt_conf_word *w = &node->words[1];
    uint64_t v;

    if (pt_conf_parse_size(w->text, w->len, &v) != PT_OK)
        return pt_conf_bad_value(ld, node, w, "a size like 512, 8k, 10m");
    if (store_uint(field, row->size, v) != PT_OK)
        return pt_conf_bad_value(ld, node, w, "a size below 4g");
    return PT_OK;
}

PT_SETTER(pt_conf_set_time)
{
    const struct pt_conf_word *w = &node->words[1];
    pt_msec_t v;

    (void)row;
    if (pt_conf_parse_time(w->text, w->len, &v) != PT_OK)
        return pt_conf_bad_value(ld, node, w, "a time like 30s, 500ms, 1h30m");
    *(pt_msec_t *)field = v;
    return PT_OK;
}

PT_SETTER(pt_conf_set_flag)
{
    const struct pt_conf_word *w = &node->words[1];
    uint8_t v;

    (void)row;
    if (pt_conf_parse_flag(w->text, w->len, &v) != PT_OK)
        return pt_conf_bad_value(ld, node, w, "\"on\" or \"off\"");
    if (field)
        *(uint8_t *)field = v;
    return PT_OK;
}

PT_SETTER(pt_conf_set_number)
{
    const struct pt_conf_word *w = &node->words[1];
    const struct pt_conf_bounds *b = row->extra;
    char expected[96];
    uint64_t v;

    if (b)
        snprintf(expected, sizeof(expected), "a number from %llu to %llu",
                 (unsigned long long)b->min, (unsigned long long)b->max);
    else
        snprintf(expected, sizeof(expected), "a number");
    if (pt_conf_parse_number(w->text, w->len, &v) != PT_OK ||
        (b && (v < b->min || v > b->max)) || store_uint(field, row->size, v) != PT_OK)
        return pt_conf_bad_value(ld, node, w, expected);
    return PT_OK;
}

/* `one of "a", "b", "c"` from an enum's names. */
static void enum_expected(const struct pt_conf_enum *e, char *out, size_t cap)
{
    size_t n = (size_t)snprintf(out, cap, "one of");

    for (; e->name && n < cap; e++)
        n += (size_t)snprintf(out + n, cap - n, "%s \"%s\"", n > 6 ? "," : "", e->name);
}

PT_SETTER(pt_conf_set_enum)
{
    const struct pt_conf_word *w = &node->words[1];
    const struct pt_conf_enum *e;
    char expected[256];

    for (e = row->extra; e->name; e++) {
        if (strcmp(e->name, w->text) == 0) {
            if (row->size == sizeof(int))
                *(int *)field = e->value;
            else
                *(uint8_t *)field = (uint8_t)e->value;
            return PT_OK;
        }
    }
    enum_expected(row->extra, expected, sizeof(expected));
    return pt_conf_bad_value(ld, node, w, expected);
}

PT_SETTER(pt_conf_set_string)
{
    (void)ld;
    (void)row;
    *(const char **)field = node->words[1].text;
    return PT_OK;
}

PT_SETTER(pt_conf_set_path)
{
    const struct pt_conf_word *w = &node->words[1];
    const char *path;

    (void)row;
    if (w->len == 0)
        return pt_conf_bad_value(ld, node, w, "a file path");
    path = pt_conf_prefixed(ld, w->text);
    if (!path)
        return PT_ERROR;
    *(const char **)field = path;
    return PT_OK;
}

PT_SETTER(pt_conf_set_none)
{
    (void)ld;
    (void)row;
    (void)node;
    (void)field;
    return PT_OK;
}
