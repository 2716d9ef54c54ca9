/* config/setters_main.c - main and events directives with a shape of their own. Their
 * rows have offset 0 in struct pt_conf_main: field is the whole struct. */
#include <string.h>
#include <unistd.h>

#include "config/setters.h"
#include "config/values.h"
#include "core/pt_types.h"

PT_SETTER(pt_conf_set_worker_processes)
{
    struct pt_conf_main *m = field;
    const struct pt_conf_word *w = &node->words[1];
    uint64_t n;

    (void)row;
    if (strcmp(w->text, "auto") == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        m->worker_processes = cpus > 0 ? (uint32_t)cpus : 1;
        m->worker_processes_auto = 1;
        return PT_OK;
    }
    if (pt_conf_parse_number(w->text, w->len, &n) != PT_OK || n < 1 || n > 1024)
        return pt_conf_bad_value(ld, node, w, "a number from 1 to 1024, or \"auto\"");
    m->worker_processes = (uint32_t)n;
    m->worker_processes_auto = 0;
    return PT_OK;
}

/* user NAME [GROUP]: as nginx, the group defaults to the user's name. Whether they exist
 * is the master's to find out, when it drops privileges. */
PT_SETTER(pt_conf_set_user)
{
    struct pt_conf_main *m = field;

    (void)ld;
    (void)row;
    m->user = node->words[1].text;
    m->group = node->word_count > 2 ? node->words[2].text : node->words[1].text;
    return PT_OK;
}

static const struct pt_conf_enum log_levels[] = {
    {"emerg", PT_LOG_EMERG}, {"alert", PT_LOG_ALERT},   {"crit", PT_LOG_CRIT},
    {"error", PT_LOG_ERR},   {"warn", PT_LOG_WARN},     {"notice", PT_LOG_NOTICE},
    {"info", PT_LOG_INFO},   {"debug", PT_LOG_DEBUG},   {NULL, 0},
};

static int set_log_level(struct pt_conf_load *ld, const struct pt_conf_node *node,
                         struct pt_conf_main *m)
{
    const struct pt_conf_word *w = &node->words[2];

    for (const struct pt_conf_enum *e = log_levels; e->name; e++) {
        if (strcmp(e->name, w->text) == 0) {
            m->error_log_level = (enum pt_log_level)e->value;
            return PT_OK;
        }
    }
    return pt_conf_bad_value(ld, node, w,
                             "a level: debug, info, notice, warn, error, crit, alert or emerg");
}

/* error_log PATH [LEVEL]. nginx may log to several places; portico to one, so a second
 * error_log is refused rather than half obeyed. */
PT_SETTER(pt_conf_set_error_log)
{
    struct pt_conf_main *m = field;
    const struct pt_conf_word *w = &node->words[1];

    (void)row;
    if (m->error_log)
        return pt_conf_fail(ld, &node->words[0], "expected one \"error_log\" in main context",
                            "several \"error_log\" directives are not supported yet");
    if (strncmp(w->text, "syslog:", 7) == 0 || strncmp(w->text, "memory:", 7) == 0)
        return pt_conf_fail(ld, w, "expected a file path or \"stderr\"",
                            "\"%.6s\" logging is an nginx feature portico does not support yet",
                            w->text);
    if (w->len == 0)
        return pt_conf_bad_value(ld, node, w, "a file path or \"stderr\"");
    m->error_log = strcmp(w->text, "stderr") == 0 ? w->text : pt_conf_prefixed(ld, w->text);
    if (!m->error_log)
        return PT_ERROR;
    m->error_log_level = PT_LOG_ERR;
    if (node->word_count > 2)
        return set_log_level(ld, node, m);
    return PT_OK;
}

/* pid PATH | off: "off" (no pid file) is portico's, for containers. */
PT_SETTER(pt_conf_set_pid)
{
    struct pt_conf_main *m = field;
    const struct pt_conf_word *w = &node->words[1];

    (void)row;
    if (strcmp(w->text, "off") == 0 && !w->quoted) {
        m->pid = NULL;
        return PT_OK;
    }
    if (w->len == 0)
        return pt_conf_bad_value(ld, node, w, "a file path or \"off\"");
    m->pid = pt_conf_prefixed(ld, w->text);
    return m->pid ? PT_OK : PT_ERROR;
}

/* use METHOD: portico's reactor is epoll; naming it is harmless, naming another is not. */
PT_SETTER(pt_conf_set_use)
{
    const struct pt_conf_word *w = &node->words[1];

    (void)row;
    (void)field;
    if (strcmp(w->text, "epoll") != 0)
        return pt_conf_bad_value(ld, node, w, "\"epoll\", the only event method of portico");
    return PT_OK;
}
