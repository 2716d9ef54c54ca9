/* tests/core/master_harness.c - see master_harness.h. */
#include "tests/core/master_harness.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/master.h"

/* ---- the fake config: what load() reads -------------------------------------------- */

struct h_ctx {
    const char *path;
    struct h_conf pending, current;
    struct pt_listen_spec listens[H_MAX_LISTENS];
    char texts[H_MAX_LISTENS][32];
    char log_open[256];
};

void h_conf_defaults(struct h_conf *c, const char *dir)
{
    memset(c, 0, sizeof(*c));
    c->workers = 1;
    c->master_process = 1;
    snprintf(c->label, sizeof(c->label), "g1");
    snprintf(c->pid, sizeof(c->pid), "%s/master.pid", dir);
    snprintf(c->log, sizeof(c->log), "%s/error.log", dir);
}

int h_conf_write(const char *path, const struct h_conf *c)
{
    char tmp[300];
    FILE *f;

    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    f = fopen(tmp, "w");
    if (f == NULL)
        return -1;
    fprintf(f, "workers %u\nlabel %s\nfail %d\ncrash %d\ndaemon %d\nmaster_process %d\n"
               "shutdown_ms %lld\nnofile %llu\npid %s\nlog %s\n",
            c->workers, c->label, c->fail, c->crash, c->daemon, c->master_process,
            (long long)c->shutdown_ms, (unsigned long long)c->nofile, c->pid, c->log);
    if (c->user[0])
        fprintf(f, "user %s\n", c->user);
    if (c->group[0])
        fprintf(f, "group %s\n", c->group);
    for (uint32_t i = 0; i < c->port_count; i++)
        fprintf(f, "port %d\n", c->ports[i]);
    fclose(f);
    return rename(tmp, path); /* the master never reads half a file */
}

static void parse_line(struct h_conf *c, const char *line)
{
    char key[32], value[256];
    long long n;

    if (sscanf(line, "%31s %255s", key, value) != 2)
        return;
    n = atoll(value);
    if (strcmp(key, "workers") == 0) c->workers = (uint32_t)n;
    else if (strcmp(key, "label") == 0) snprintf(c->label, sizeof(c->label), "%.31s", value);
    else if (strcmp(key, "fail") == 0) c->fail = (int)n;
    else if (strcmp(key, "crash") == 0) c->crash = (int)n;
    else if (strcmp(key, "daemon") == 0) c->daemon = (int)n;
    else if (strcmp(key, "master_process") == 0) c->master_process = (int)n;
    else if (strcmp(key, "shutdown_ms") == 0) c->shutdown_ms = n;
    else if (strcmp(key, "nofile") == 0) c->nofile = (uint64_t)n;
    else if (strcmp(key, "user") == 0) snprintf(c->user, sizeof(c->user), "%.31s", value);
    else if (strcmp(key, "group") == 0) snprintf(c->group, sizeof(c->group), "%.31s", value);
    else if (strcmp(key, "pid") == 0) snprintf(c->pid, sizeof(c->pid), "%s", value);
    else if (strcmp(key, "log") == 0) snprintf(c->log, sizeof(c->log), "%s", value);
    else if (strcmp(key, "port") == 0 && c->port_count < H_MAX_LISTENS)
        c->ports[c->port_count++] = (int)n;
}

static int read_conf(const char *path, struct h_conf *c)
{
    char line[300];
    FILE *f = fopen(path, "r");

    if (f == NULL)
        return -1;
    memset(c, 0, sizeof(*c));
    while (fgets(line, sizeof(line), f))
        parse_line(c, line);
    fclose(f);
    return 0;
}

static void fill_plan(struct h_ctx *x, struct pt_master_plan *plan)
{
    const struct h_conf *c = &x->pending;

    for (uint32_t i = 0; i < c->port_count; i++) {
        struct sockaddr_in *in = (struct sockaddr_in *)&x->listens[i].addr;
        memset(&x->listens[i], 0, sizeof(x->listens[i]));
        in->sin_family = AF_INET;
        in->sin_port = htons((uint16_t)c->ports[i]);
        in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        x->listens[i].addr_len = sizeof(*in);
        x->listens[i].backlog = 128;
        snprintf(x->texts[i], sizeof(x->texts[i]), "127.0.0.1:%d", c->ports[i]);
        x->listens[i].text = x->texts[i];
    }
    plan->workers = c->workers;
    plan->listens = x->listens;
    plan->listen_count = c->port_count;
    plan->shutdown_timeout_ms = c->shutdown_ms;
    plan->pid_path = c->pid[0] ? c->pid : NULL;
    plan->user = c->user[0] ? c->user : NULL;
    plan->group = c->group[0] ? c->group : NULL;
    plan->rlimit_nofile = c->nofile;
    plan->daemon = c->daemon;
    plan->master_process = c->master_process;
}

static int fake_load(void *ctx, struct pt_master_plan *plan)
{
    struct h_ctx *x = ctx;

    if (read_conf(x->path, &x->pending) != 0) {
        pt_log(PT_LOG_EMERG, "test: cannot read %s", x->path);
        return -1;
    }
    if (x->pending.fail) {
        pt_log(PT_LOG_EMERG, "test: load refused (fail 1)");
        return -1;
    }
    fill_plan(x, plan);
    return 0;
}

static void fake_commit(void *ctx)
{
    struct h_ctx *x = ctx;

    x->current = x->pending;
    if (strcmp(x->log_open, x->current.log) != 0 && pt_log_open(x->current.log,
                                                                 PT_LOG_DEBUG) == 0)
        snprintf(x->log_open, sizeof(x->log_open), "%s", x->current.log);
}

static int fake_reopen(void *ctx)
{
    (void)ctx;
    pt_log_reopen();
    pt_log(PT_LOG_NOTICE, "test: master reopened");
    return 0;
}

/* ---- the test worker ----------------------------------------------------------------- */

/* Waits for one line from c; 0 when it came, -1 on EOF, timeout or fast stop. A graceful
 * stop (pt_worker_quit) lets the request finish. */
static int await_line(int c)
{
    struct pollfd p = {.fd = c, .events = POLLIN};
    struct timespec limit = {.tv_sec = 10};
    char ch;

    for (;;) {
        int rc = ppoll(&p, 1, &limit, pt_worker_wait_sigmask());
        if (pt_worker_terminate || rc == 0)
            return -1;
        if (rc < 0 && pt_worker_quit)
            pt_log(PT_LOG_NOTICE, "test: worker %ld finishes a request after SIGQUIT",
                   (long)getpid());
        if (rc < 0)
            continue;
        if (read(c, &ch, 1) != 1)
            return -1;
        if (ch == '\n')
            return 0;
    }
}

static void serve(int c, uint32_t slot, const char *label)
{
    struct rlimit rl;

    getrlimit(RLIMIT_NOFILE, &rl);
    dprintf(c, "hello %u %ld %s %ld %ld\n", slot, (long)getpid(), label, (long)geteuid(),
            (long)rl.rlim_cur);
    if (await_line(c) == 0)
        dprintf(c, "ok\n");
    close(c);
}

static void check_reopen(uint32_t slot)
{
    if (!pt_worker_reopen)
        return;
    pt_worker_reopen = 0;
    pt_log_reopen();
    pt_log(PT_LOG_NOTICE, "test: worker %u reopened", slot);
}

static int fake_worker(void *ctx, uint32_t slot, const int *fds, uint32_t count)
{
    struct h_ctx *x = ctx;
    struct pollfd p[H_MAX_LISTENS];

    if (x->current.crash)
        return 1;
    for (uint32_t i = 0; i < count; i++)
        p[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
    while (!pt_worker_terminate && !pt_worker_quit) {
        check_reopen(slot);
        if (ppoll(p, count, NULL, pt_worker_wait_sigmask()) <= 0)
            continue;
        for (uint32_t i = 0; i < count; i++) {
            int c = (p[i].revents & POLLIN) ? accept4(p[i].fd, NULL, NULL, SOCK_CLOEXEC) : -1;
            if (c >= 0)
                serve(c, slot, x->current.label);
        }
    }
    for (uint32_t i = 0; i < count; i++)
        close(fds[i]); /* stops accepting; the master keeps the group */
    return 0;
}

pid_t h_master_start(const char *conf_path, const char *stderr_path)
{
    static struct h_ctx ctx;
    static struct pt_master_ops ops = {
        .ctx = &ctx, .load = fake_load, .commit = fake_commit,
        .worker_main = fake_worker, .reopen_logs = fake_reopen,
    };
    pid_t pid;

    fflush(NULL);
    pid = fork();
    if (pid != 0)
        return pid;
    /* A test killed by its timeout must not leave a master behind. */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    memset(&ctx, 0, sizeof(ctx));
    ctx.path = conf_path;
    if (stderr_path != NULL) {
        int fd = open(stderr_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, STDERR_FILENO);
        close(fd);
    }
    _exit(pt_master_run(&ops));
}

/* ---- clients --------------------------------------------------------------------------- */

int h_connect(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    struct timeval tv = {.tv_sec = 5};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        int err = -errno;
        close(fd);
        return err;
    }
    return fd;
}

static int read_line(int fd, char *buf, size_t size)
{
    size_t n = 0;

    while (n + 1 < size) {
        if (read(fd, &buf[n], 1) != 1)
            return -1;
        if (buf[n] == '\n')
            break;
        n++;
    }
    buf[n] = '\0';
    return 0;
}

int h_read_hello(int fd, struct h_hello *h)
{
    char line[128];
    long pid;

    if (read_line(fd, line, sizeof(line)) != 0)
        return -1;
    if (sscanf(line, "hello %u %ld %31s %ld %ld", &h->slot, &pid, h->label, &h->uid,
               &h->nofile) != 5)
        return -1;
    h->pid = (pid_t)pid;
    return 0;
}

int h_finish(int fd)
{
    char line[16];
    int rc = -1;

    if (write(fd, "go\n", 3) == 3 && read_line(fd, line, sizeof(line)) == 0)
        rc = strcmp(line, "ok") == 0 ? 0 : -1;
    close(fd);
    return rc;
}

int h_request(int port, struct h_hello *h)
{
    int fd = h_connect(port);

    if (fd < 0)
        return fd;
    if (h_read_hello(fd, h) != 0) {
        close(fd);
        return -1;
    }
    return h_finish(fd);
}

int h_collect(int port, uint32_t slots, const char *label, pid_t *pids)
{
    uint32_t seen = 0;

    struct timespec start, now;

    clock_gettime(CLOCK_MONOTONIC, &start);
    now = start;
    memset(pids, 0, slots * sizeof(*pids));
    for (int i = 0; i < 400 && seen < slots && now.tv_sec - start.tv_sec < 10; i++) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        struct h_hello h;
        if (h_request(port, &h) != 0)
            continue;
        if (strcmp(h.label, label) != 0)
            return -1;
        if (h.slot < slots && pids[h.slot] == 0) {
            pids[h.slot] = h.pid;
            seen++;
        }
    }
    return (int)seen;
}

/* ---- processes and files -------------------------------------------------------------- */

int h_wait_ms(int (*cond)(void *arg), void *arg, int timeout_ms)
{
    struct timespec step = {.tv_nsec = 5 * 1000 * 1000};

    for (int waited = 0; waited <= timeout_ms; waited += 5) {
        if (cond(arg))
            return 1;
        nanosleep(&step, NULL); /* polling an observable condition, not a guess */
    }
    return cond(arg);
}

static char proc_state(pid_t pid, pid_t *ppid)
{
    char path[64], buf[512], *p;
    char state = 0;
    long pp = 0;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    f = fopen(path, "r");
    if (f == NULL)
        return 0;
    if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) != NULL)
        sscanf(p + 1, " %c %ld", &state, &pp);
    fclose(f);
    if (ppid)
        *ppid = (pid_t)pp;
    return state;
}

int h_alive(pid_t pid)
{
    char s = proc_state(pid, NULL);

    return s != 0 && s != 'Z' && s != 'X';
}

static int gone(void *arg)
{
    return !h_alive(*(pid_t *)arg);
}

int h_wait_gone(pid_t pid, int timeout_ms)
{
    return h_wait_ms(gone, &pid, timeout_ms);
}

struct reap_arg {
    pid_t pid;
    int status;
};

static int reaped(void *arg)
{
    struct reap_arg *r = arg;

    return waitpid(r->pid, &r->status, WNOHANG) == r->pid;
}

int h_wait_child(pid_t pid, int timeout_ms, int *status)
{
    struct reap_arg r = {.pid = pid};
    int ok = h_wait_ms(reaped, &r, timeout_ms);

    *status = r.status;
    return ok;
}

int h_children(pid_t parent, pid_t *out, int max)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int n = 0;

    while (d && (e = readdir(d)) != NULL) {
        pid_t pid = (pid_t)atol(e->d_name), ppid = 0;
        char s;
        if (pid <= 0)
            continue;
        s = proc_state(pid, &ppid);
        if (ppid == parent && s != 0 && s != 'Z' && n < max)
            out[n++] = pid;
    }
    if (d)
        closedir(d);
    return n;
}

pid_t h_read_pid(const char *path)
{
    char buf[32] = {0};
    int fd = open(path, O_RDONLY);
    ssize_t n;

    if (fd < 0)
        return 0;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    return n > 0 ? (pid_t)atol(buf) : 0;
}

int h_file_count(const char *path, const char *needle)
{
    static char buf[1 << 20];
    int fd = open(path, O_RDONLY), count = 0;
    ssize_t n;

    if (fd < 0)
        return 0;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    for (char *p = buf; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        count++;
    return count;
}

struct count_arg {
    const char *path, *needle;
    int count;
};

static int counted(void *arg)
{
    struct count_arg *c = arg;

    return h_file_count(c->path, c->needle) >= c->count;
}

int h_wait_file_count(const char *path, const char *needle, int count, int timeout_ms)
{
    struct count_arg c = {path, needle, count};

    return h_wait_ms(counted, &c, timeout_ms);
}

int h_free_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

void h_remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[512];

    while (d && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        unlink(path);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}
