/* proxy/server_names.c - server_name lookup tables (server_names.h). */
#include "proxy/server_names.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One name in a hash: key lower-cased, without the wildcard part. */
struct name_slot {
    char *key; /* NULL: empty slot; owned */
    uint32_t len;
    uint8_t whole; /* ".example.com": the head wildcard also matches the key itself */
    const struct pt_conf_server *srv;
};

/* Open addressing, linear probing, at most half full: a probe is a cache line or two. */
struct name_hash {
    struct name_slot *slots;
    uint32_t mask;
};

struct name_regex {
    struct pt_regex *re;
    const struct pt_conf_server *srv;
};

struct pt_server_names {
    struct name_hash exact; /* "example.com", "" */
    struct name_hash head;  /* "*.example.com" and ".example.com", keyed "example.com" */
    struct name_hash tail;  /* "www.example.*", keyed "www.example" */
    struct name_regex *regexes; /* in config order */
    uint32_t regex_count;
    const struct pt_conf_server *default_server;
    const struct pt_config *cfg; /* while building: for messages (pt_config_error_at) */
};

static uint32_t hash_bytes(const char *s, size_t len)
{
    uint32_t h = 2166136261u; /* FNV-1a: short keys, no need for more */

    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

static int hash_init(struct name_hash *h, uint32_t names)
{
    uint32_t size = 8;

    while (size < names * 2)
        size *= 2;
    h->slots = calloc(size, sizeof(*h->slots));
    h->mask = size - 1;
    return h->slots ? 0 : -1;
}

static void hash_cleanup(struct name_hash *h)
{
    if (h->slots == NULL)
        return;
    for (uint32_t i = 0; i <= h->mask; i++)
        free(h->slots[i].key);
    free(h->slots);
    h->slots = NULL;
}

static struct name_slot *hash_slot(const struct name_hash *h, const char *key, size_t len)
{
    uint32_t i = hash_bytes(key, len) & h->mask;

    while (h->slots[i].key &&
           !(h->slots[i].len == len && memcmp(h->slots[i].key, key, len) == 0))
        i = (i + 1) & h->mask;
    return &h->slots[i];
}

static const struct name_slot *hash_find(const struct name_hash *h, const char *key,
                                         size_t len)
{
    const struct name_slot *s = hash_slot(h, key, len);
    return s->key ? s : NULL;
}

/* Adds key (lower-cased here). A name already present keeps its first server, as nginx
 * does (it warns "conflicting server name"). 0, or -1 out of memory. */
static int hash_add(struct name_hash *h, const char *key, size_t len, int whole,
                    const struct pt_conf_server *srv)
{
    char lower[256];
    struct name_slot *s;

    if (len >= sizeof(lower))
        return 0; /* longer than any Host that can match (pt_server_names_host) */
    for (size_t i = 0; i < len; i++)
        lower[i] = (char)(key[i] >= 'A' && key[i] <= 'Z' ? key[i] + 32 : key[i]);
    s = hash_slot(h, lower, len);
    if (s->key)
        return 0;
    s->key = malloc(len + 1);
    if (s->key == NULL)
        return -1;
    memcpy(s->key, lower, len);
    s->key[len] = '\0';
    s->len = (uint32_t)len;
    s->whole = (uint8_t)whole;
    s->srv = srv;
    return 0;
}

static int has_upper(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] >= 'A' && s[i] <= 'Z')
            return 1;
    return 0;
}

/* A ~regex name; an invalid one is reported at the name itself (origin). */
static int add_regex(struct pt_server_names *sn, const char *pat, const struct pt_conf_server *srv,
                     const struct pt_conf_origin *origin, char *err, size_t errlen)
{
    char msg[300], text[400];
    size_t len = strlen(pat);
    struct pt_regex *re = pt_regex_new(pat, len, has_upper(pat, len), msg, sizeof(msg));

    if (re == NULL) {
        snprintf(text, sizeof(text), "invalid regex \"%s\" in server_name: %s", pat, msg);
        pt_config_error_at(sn->cfg, origin, pat, len, text, err, errlen);
        return -1;
    }
    sn->regexes[sn->regex_count++] = (struct name_regex){re, srv};
    return 0;
}

/* Files one server_name value under its kind. */
static int add_name(struct pt_server_names *sn, const struct pt_conf_server *srv, uint32_t i,
                    char *err, size_t errlen)
{
    const char *name = srv->names[i];
    size_t len = strlen(name);

    if (name[0] == '~')
        return add_regex(sn, name + 1, srv, &srv->name_origins[i], err, errlen);
    if (len >= 2 && name[0] == '*' && name[1] == '.')
        return hash_add(&sn->head, name + 2, len - 2, 0, srv);
    if (len >= 2 && name[0] == '.')
        return hash_add(&sn->head, name + 1, len - 1, 1, srv);
    if (len >= 2 && name[len - 1] == '*' && name[len - 2] == '.')
        return hash_add(&sn->tail, name, len - 2, 0, srv);
    if (len > 1 && name[len - 1] == '.')
        len--; /* "example.com." is "example.com", as a Host's trailing dot is dropped */
    return hash_add(&sn->exact, name, len, 0, srv);
}

static int add_server(struct pt_server_names *sn, const struct pt_conf_server *srv, char *err,
                      size_t errlen)
{
    if (srv->name_count == 0)
        return hash_add(&sn->exact, "", 0, 0, srv); /* nginx's default name is "" */
    for (uint32_t i = 0; i < srv->name_count; i++)
        if (add_name(sn, srv, i, err, errlen) != 0)
            return -1;
    return 0;
}

static uint32_t count_names(const struct pt_conf_listener *l)
{
    uint32_t n = 0;

    for (uint32_t i = 0; i < l->server_count; i++)
        n += l->servers[i]->name_count + 1;
    return n;
}

struct pt_server_names *pt_server_names_new(const struct pt_config *cfg,
                                            const struct pt_conf_listener *l, char *err,
                                            size_t errlen)
{
    struct pt_server_names *sn = calloc(1, sizeof(*sn));
    uint32_t n = count_names(l);

    if (sn == NULL || hash_init(&sn->exact, n) || hash_init(&sn->head, n) ||
        hash_init(&sn->tail, n) || (sn->regexes = calloc(n, sizeof(*sn->regexes))) == NULL) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    sn->default_server = l->default_server;
    sn->cfg = cfg;
    for (uint32_t i = 0; i < l->server_count; i++)
        if (add_server(sn, l->servers[i], err, errlen) != 0)
            goto fail;
    return sn;
fail:
    pt_server_names_free(sn);
    return NULL;
}

void pt_server_names_free(struct pt_server_names *sn)
{
    if (sn == NULL)
        return;
    hash_cleanup(&sn->exact);
    hash_cleanup(&sn->head);
    hash_cleanup(&sn->tail);
    for (uint32_t i = 0; i < sn->regex_count; i++)
        pt_regex_free(sn->regexes[i].re);
    free(sn->regexes);
    free(sn);
}

/* The longest "*.suffix" (or ".suffix") that host falls under: suffixes are tried from
 * the longest, the whole host first (only ".name" matches it). */
static const struct pt_conf_server *find_head(const struct name_hash *h, const char *host,
                                              size_t len)
{
    const struct name_slot *s = hash_find(h, host, len);

    if (s && s->whole)
        return s->srv;
    for (size_t i = 0; i < len; i++) {
        if (host[i] != '.')
            continue;
        s = hash_find(h, host + i + 1, len - i - 1);
        if (s)
            return s->srv;
    }
    return NULL;
}

/* The longest "prefix.*": prefixes end before a dot, tried from the rightmost dot. */
static const struct pt_conf_server *find_tail(const struct name_hash *h, const char *host,
                                              size_t len)
{
    for (size_t i = len; i-- > 0;) {
        if (host[i] != '.')
            continue;
        const struct name_slot *s = hash_find(h, host, i);
        if (s)
            return s->srv;
    }
    return NULL;
}

const struct pt_conf_server *pt_server_names_find(const struct pt_server_names *sn,
                                                  const char *host, size_t len,
                                                  struct pt_captures *caps)
{
    const struct name_slot *s = hash_find(&sn->exact, host, len);
    const struct pt_conf_server *srv;

    caps->re = NULL;
    if (s)
        return s->srv;
    if (len == 0)
        return sn->default_server;
    if ((srv = find_head(&sn->head, host, len)) || (srv = find_tail(&sn->tail, host, len)))
        return srv;
    for (uint32_t i = 0; i < sn->regex_count; i++)
        if (pt_regex_match(sn->regexes[i].re, host, len, caps) == 1)
            return sn->regexes[i].srv;
    return sn->default_server;
}

long pt_server_names_host(const char *host, size_t len, char *out, size_t outlen)
{
    size_t n = len, dot = (size_t)-2;
    int literal = len > 0 && host[0] == '[';

    for (size_t i = 0; i < len; i++) {
        char c = host[i];
        if (c == '.' && dot + 1 == i)
            return -1; /* ".." */
        if (c == '.')
            dot = i;
        else if (c == ':' && !literal) {
            n = i;
            break;
        } else if (c == ']' && literal) {
            n = i + 1;
            break;
        } else if (c == '/' || c == '\\' || c == '\0')
            return -1;
    }
    if (n > 0 && dot == n - 1)
        n--;
    if (n == 0 || n > outlen)
        return -1;
    for (size_t i = 0; i < n; i++)
        out[i] = (char)(host[i] >= 'A' && host[i] <= 'Z' ? host[i] + 32 : host[i]);
    return (long)n;
}
