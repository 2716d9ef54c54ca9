/* proxy/main.c - portico's command line.
 *
 * Options follow nginx's (-c FILE -t -T -p -g -s -q), because portico's users know them.
 * This build only reports what it is: the server core (master, workers, config) is issue 3,
 * so the options that need it are recognised, refused with a clear message, and exit 1
 * rather than pretending to run.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/version.h"
#include "proxy/build_info.h"
#include "tls/tls.h"

struct pt_cmdline {
    bool help;           /* -h, -? */
    bool version;        /* -v */
    bool build;          /* -V, --version: version and how it was built */
    bool test_config;    /* -t, -T: nginx runs these even after -v/-V/-h */
    const char *server_option; /* the first option that needs the server core, if any */
};

static void usage(FILE *out)
{
    fputs("Usage: portico [-?hvV] [-c filename] [-t] [-T] [-q] [-p prefix] [-g directives]\n"
          "               [-s signal]\n"
          "\n"
          "Options:\n"
          "  -?,-h         : this help\n"
          "  -v            : show version and exit\n"
          "  -V, --version : show version and build options and exit\n"
          "\n"
          "Not built yet (they come with the server core):\n"
          "  -c filename   : set configuration file (default: conf/portico.conf)\n"
          "  -t            : test configuration and exit\n"
          "  -T            : test configuration, dump it and exit\n"
          "  -q            : suppress non-error messages during configuration testing\n"
          "  -p prefix     : set prefix path\n"
          "  -g directives : set global directives out of configuration file\n"
          "  -s signal     : send signal to a master process: stop, quit, reopen, reload\n",
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
        case 't':
        case 'T':
            cmd->test_config = true;
            /* fall through */
        case 'q':
            cmd->server_option = cmd->server_option ? cmd->server_option : arg;
            break;
        case 'c':
        case 'p':
        case 'g':
        case 's':
            /* The value is the rest of this argument or the next one, as in nginx. */
            if (p[1] == '\0' && i + 1 >= argc) {
                fprintf(stderr, "portico: option \"-%c\" requires an argument\n", *p);
                return -1;
            }
            cmd->server_option = cmd->server_option ? cmd->server_option : arg;
            return p[1] == '\0' ? i + 2 : i + 1;
        default:
            fprintf(stderr, "portico: invalid option: \"%s\"\n", arg);
            return -1;
        }
    }
    return i + 1;
}

int main(int argc, char **argv)
{
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

    if (cmd.server_option)
        fprintf(stderr, "portico: the server core is not built yet: \"%s\" needs it\n",
                cmd.server_option);
    else
        fprintf(stderr, "portico: the server core is not built yet: nothing to serve with\n");
    fprintf(stderr, "portico: this build answers -v, -V and -h only\n");
    return 1;
}
