/* config/sources.c - the texts a config is read from: the main file, included files and
 * -g's directives. Each is read whole into the arena: the lexer scans it, errors show its
 * lines, and -T prints it as it was when loaded. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/load.h"
#include "core/pt_types.h"

static int add_source(struct pt_conf_load *ld, uint16_t *index)
{
    struct pt_conf_source *grown;

    if (ld->source_count >= PT_CONF_NO_FILE)
        return pt_conf_fail_plain(ld, "too many configuration files");
    if (ld->source_count == ld->source_cap) {
        /* Doubling in the arena: the old array is abandoned, a few hundred bytes. */
        uint32_t cap = ld->source_cap ? ld->source_cap * 2 : 8;
        grown = pt_conf_alloc(ld, cap * sizeof(*grown));
        if (!grown)
            return PT_ERROR;
        if (ld->source_count)
            memcpy(grown, ld->sources, ld->source_count * sizeof(*grown));
        ld->sources = grown;
        ld->source_cap = cap;
    }
    *index = (uint16_t)ld->source_count++;
    return PT_OK;
}

int pt_conf_source_text(struct pt_conf_load *ld, const char *name, const char *text,
                        uint32_t len, uint16_t *index)
{
    struct pt_conf_source *s;

    if (add_source(ld, index) != PT_OK)
        return PT_ERROR;
    s = &ld->sources[*index];
    s->name = name;
    s->path = NULL;
    s->text = pt_conf_strdup(ld, text, len);
    s->len = len;
    return s->text ? PT_OK : PT_ERROR;
}

static int fail_io(struct pt_conf_load *ld, const struct pt_conf_word *at, const char *what,
                   const char *name, int e)
{
    const char *shown = pt_conf_show(ld, name, (uint32_t)strlen(name));

    if (at)
        return pt_conf_fail(ld, at, NULL, "cannot %s \"%s\": %s", what, shown, strerror(e));
    return pt_conf_fail_plain(ld, "cannot %s \"%s\": %s", what, shown, strerror(e));
}

static int fail_at_or_plain(struct pt_conf_load *ld, const struct pt_conf_word *at,
                                    const char *fmt, const char *arg)
{
    if (at)
        return pt_conf_fail(ld, at, NULL, fmt, arg);
    return pt_conf_fail_plain(ld, fmt, arg);
}

static int read_all(int fd, char *buf, uint32_t len)
{
    uint32_t got = 0;

    while (got < len) {
        ssize_t n = read(fd, buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno;
        if (n == 0)
            return EIO; /* the file shrank while being read */
        got += (uint32_t)n;
    }
    return 0;
}

int pt_conf_source_file(struct pt_conf_load *ld, const char *name, const char *path,
                        const struct pt_conf_word *at, uint16_t *index)
{
    struct stat st;
    struct pt_conf_source *s;
    char *text;
    int fd, e;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail_io(ld, at, "open", name, errno);
    e = fstat(fd, &st) < 0 ? errno : 0;
    if (!e && S_ISDIR(st.st_mode))
        e = EISDIR;
    else if (!e && st.st_size > PT_CONF_MAX_FILE)
        e = EFBIG;
    if (e) {
        close(fd);
        return fail_io(ld, at, "read", name, e);
    }
    if (!S_ISREG(st.st_mode)) {
        /* A FIFO or device has no size to read up to, and -T could not show it again. */
        close(fd);
        return fail_at_or_plain(ld, at, "cannot read \"%s\": not a regular file",
                                        pt_conf_show(ld, name, (uint32_t)strlen(name)));
    }
    text = pt_conf_alloc(ld, (size_t)st.st_size + 1);
    e = text ? read_all(fd, text, (uint32_t)st.st_size) : 0;
    close(fd);
    if (!text)
        return PT_ERROR;
    if (e)
        return fail_io(ld, at, "read", name, e);
    if (add_source(ld, index) != PT_OK)
        return PT_ERROR;
    s = &ld->sources[*index];
    /* The main file's name is the caller's string (argv, or any buffer): the snapshot
     * names it in messages and origins long after the load, so it keeps a copy. */
    s->name = pt_conf_strdup(ld, name, strlen(name));
    if (!s->name)
        return PT_ERROR;
    s->path = path;
    s->text = text;
    s->len = (uint32_t)st.st_size;
    s->dev = st.st_dev;
    s->ino = st.st_ino;
    return PT_OK;
}
