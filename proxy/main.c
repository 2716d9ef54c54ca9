/* proxy/main.c - portico's command line.
 *
 * Options follow nginx's (-c -p -g -t -T -q -s -v -V -h), because portico's users know
 * them; only the prefix differs: portico has no install prefix, so -p defaults to the
 * working directory, and -c (default conf/portico.conf) and the relative paths inside the
 * config resolve against it. Without -t/-T/-s, the config is loaded and the master runs.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "core/log.h"
#include "proxy/config_load.h"
#include "core/master.h"
#include "core/version.h"
#include "proxy/build_info.h"
#include "proxy/log_files.h"
#include "proxy/master_glue.h"
#include "tls/tls.h"

#define DEFAULT_CONF "conf/portico.conf"

struct pt_cmdline {
    bool help;        /* -h, -? */
    bool version;     /* -v */
    bool build;       /* -V, --version: version and how it was built */
    bool test_config; /* -t, -T: nginx runs these even after -v/-V/-h */
    bool dump_config; /* -T */
    bool quiet;       /* -q */
    const char *conf;    /* -c */
    const char *prefix;  /* -p */
    const char *globals; /* -g */
    const char *signal;  /* -s */
};

static void usage(FILE *out)
{
    fputs("Usage: portico [-?hvVtTq] [-s signal] [-p prefix]\n"
          "               [-c filename] [-g directives]\n"
          "\n"
          "Options:\n"
          "  -?,-h         : this help\n"
          "  -v            : show version and exit\n"
          "  -V, --version : show version and build options and exit\n"
          "  -t            : test configuration and exit\n"
          "  -T            : test configuration, dump it and exit\n"
          "  -q            : suppress non-error messages during configuration testing\n"
          "  -s signal     : send signal to a master process: stop, quit, reopen, reload\n"
          "  -p prefix     : set prefix path (default: the current directory)\n"
          "  -c filename   : set configuration file (default: " DEFAULT_CONF ")\n"
          "  -g directives : set global directives out of configuration file\n",
          out);
}

static void show_version(bool build)
{
    printf("portico version: %s\n", pt_version());
    if (!build)
        return;
    printf("built by %s\n", PT_BUILD_COMPILER);
    printf("built with %s\n", pt_tls_library_version());
    printf("built with jemalloc %s\n", pt_jemalloc_version());
    printf("configure arguments: %s\n", PT_BUILD_CONFIGURE);
}

static bool valid_signal(const char *name)
{
    return strcmp(name, "stop") == 0 || strcmp(name, "quit") == 0 ||
           strcmp(name, "reopen") == 0 || strcmp(name, "reload") == 0;
}

/* The value of -c/-p/-g/-s: the rest of this argument or the next one, as in nginx.
 * Returns the next argv index, or -1 after printing why. */
static int take_value(struct pt_cmdline *cmd, char opt, const char *rest, int argc,
                      char **argv, int i)
{
    const char *value = *rest ? rest : (i + 1 < argc ? argv[i + 1] : NULL);

    if (value == NULL) {
        fprintf(stderr, "portico: option \"-%c\" requires %s\n", opt,
                opt == 'c' ? "file name" : opt == 'p' ? "directory name" : "parameter");
        return -1;
    }
    if (opt == 'c')
        cmd->conf = value;
    else if (opt == 'p')
        cmd->prefix = value;
    else if (opt == 'g')
        cmd->globals = value;
    else if (!valid_signal(value)) {
        fprintf(stderr, "portico: invalid option: \"-s %s\"\n", value);
        return -1;
    } else
        cmd->signal = value;
    return *rest ? i + 1 : i + 2;
}

/* Reads one cluster of flags ("-tq", "-cFILE" or "-c FILE"); returns the next argv index,
 * or -1 after printing why the command line is refused. */
static int parse_arg(struct pt_cmdline *cmd, int argc, char **argv, int i)
{
    const char *arg = argv[i];

    if (strcmp(arg, "--version") == 0) {
        cmd->build = true;
        return i + 1;
    }
    if (arg[0] != '-' || arg[1] == '\0') {
        fprintf(stderr, "portico: invalid option: \"%s\"\n", arg);
        return -1;
    }
    for (const char *p = arg + 1; *p != '\0'; p++) {
        switch (*p) {
        case 'h':
        case '?':
            cmd->help = true;
            break;
        case 'v':
            cmd->version = true;
            break;
        case 'V':
            cmd->build = true;
            break;
        case 'T':
            cmd->dump_config = true;
            /* fall through */
        case 't':
            cmd->test_config = true;
            break;
        case 'q':
            cmd->quiet = true;
            break;
        case 'c':
        case 'p':
        case 'g':
        case 's':
            return take_value(cmd, *p, p + 1, argc, argv, i);
        default:
            fprintf(stderr, "portico: invalid option: \"%s\"\n", p);
            return -1;
        }
    }
    return i + 1;
}

/* What the user's -c names, for messages when the config could not be read. */
static const char *shown_path(const struct pt_cmdline *cmd, char *buf, size_t size)
{
    const char *conf = cmd->conf ? cmd->conf : DEFAULT_CONF;

    if (conf[0] == '/')
        return conf;
    snprintf(buf, size, "%s/%s", cmd->prefix, conf);
    return buf;
}

/* The config read and checked, its log files not opened. */
static struct pt_config *read_or_report(const struct pt_cmdline *cmd)
{
    struct pt_conf_error err;
    struct pt_config *cfg = pt_proxy_config_read(cmd->conf, cmd->prefix, cmd->globals, &err);

    if (cfg == NULL)
        fputs(err.message, stderr);
    return cfg;
}

/* -t, -T, -q: nginx's messages, on stderr; -T's dump on stdout. As nginx, the log files
 * are opened after "syntax is ok", and one that cannot be opened fails the test
 * ("portico: [emerg] open() ... failed"). */
static int test_config(const struct pt_cmdline *cmd)
{
    char buf[4096];
    struct pt_config *cfg = read_or_report(cmd);
    struct pt_conf_error err;
    int rc = 0;

    if (cfg == NULL) {
        fprintf(stderr, "portico: configuration file %s test failed\n",
                shown_path(cmd, buf, sizeof(buf)));
        return 1;
    }
    if (!cmd->quiet)
        fprintf(stderr, "portico: the configuration file %s syntax is ok\n", cfg->path);
    if (pt_log_files_open(cfg, &err) != 0) {
        pt_log(PT_LOG_EMERG, "%s", err.message);
        fprintf(stderr, "portico: configuration file %s test failed\n", cfg->path);
        pt_config_unref(cfg);
        return 1;
    }
    if (!cmd->quiet)
        fprintf(stderr, "portico: configuration file %s test is successful\n", cfg->path);
    if (cmd->dump_config && (pt_config_dump(cfg, stdout) != 0 || fflush(stdout) != 0)) {
        fprintf(stderr, "portico: writing the configuration dump failed\n");
        rc = 1;
    }
    pt_config_unref(cfg);
    return rc;
}

/* -s: the pid file is the one the config names, as nginx. */
static int send_signal(const struct pt_cmdline *cmd)
{
    struct pt_config *cfg = read_or_report(cmd);
    int rc;

    if (cfg == NULL)
        return 1;
    if (cfg->main.pid == NULL) {
        fprintf(stderr, "portico: [error] cannot send \"%s\": the configuration %s says "
                "\"pid off\"\n", cmd->signal, cfg->path);
        pt_config_unref(cfg);
        return 1;
    }
    rc = pt_signal_send(cfg->main.pid, cmd->signal);
    pt_config_unref(cfg);
    return rc;
}

static int run(const struct pt_cmdline *cmd)
{
    struct pt_master_glue glue;
    struct pt_master_ops ops;
    int code;

    pt_master_glue_init(&glue, &ops, cmd->conf, cmd->prefix, cmd->globals);
    code = pt_master_run(&ops);
    pt_master_glue_cleanup(&glue);
    return code;
}

int main(int argc, char **argv)
{
    static char cwd[4096];
    struct pt_cmdline cmd = {0};

    for (int i = 1; i < argc;) {
        i = parse_arg(&cmd, argc, argv, i);
        if (i < 0)
            return 1;
    }

    /* As nginx: reporting options print and exit, unless -t/-T asks for more. */
    if (cmd.version || cmd.build)
        show_version(cmd.build);
    if (cmd.help)
        usage(stdout);
    if ((cmd.version || cmd.build || cmd.help) && !cmd.test_config)
        return 0;

    if (cmd.prefix == NULL) {
        if (getcwd(cwd, sizeof(cwd)) == NULL) {
            perror("portico: getcwd() failed");
            return 1;
        }
        cmd.prefix = cwd;
    }
    if (cmd.test_config)
        return test_config(&cmd);
    if (cmd.signal != NULL)
        return send_signal(&cmd);
    return run(&cmd);
}
