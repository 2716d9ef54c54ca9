/* tests/core/test_master.c - the master with real processes and loopback sockets.
 *
 * One master lives through a story: start with 3 workers, a reload that adds an address
 * while requests are in flight and queued, reloads that fail (a refused config, an address
 * another process owns), a worker killed with SIGKILL, a reload that shrinks to 2 workers,
 * log reopening, and a graceful stop that finishes its in-flight request. Other masters
 * check what a start refuses, a fast stop, a crash loop, master_process off and daemon on.
 * The test is a child subreaper, so a worker that outlived its master would be found.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "core/master.h"
#include "tests/core/master_harness.h"
#include "tests/tap.h"

static char dir[128], conf_path[200], log_path[256], pid_path[256];
static struct h_conf conf;
static pid_t master;
static int p1, p2;
static pid_t gen_pids[H_MAX_SLOTS];

static int distinct(const pid_t *pids, int n)
{
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (pids[i] == 0 || pids[i] == pids[j])
                return 0;
    return 1;
}

static int all_gone(const pid_t *pids, int n, int timeout_ms)
{
    for (int i = 0; i < n; i++)
        if (!h_wait_gone(pids[i], timeout_ms))
            return 0;
    return 1;
}

struct pid_arg {
    const char *path;
    pid_t pid;
};

static int pid_file_is(void *arg)
{
    struct pid_arg *a = arg;

    return h_read_pid(a->path) == a->pid;
}

static int wait_pid_file(const char *path, pid_t pid)
{
    struct pid_arg a = {path, pid};

    return h_wait_ms(pid_file_is, &a, 5000);
}

static int refused(void *arg)
{
    int fd = h_connect(*(int *)arg);

    if (fd >= 0)
        close(fd);
    return fd == -ECONNREFUSED;
}

struct label_arg {
    int port;
    const char *label;
};

static int answers_with(void *arg)
{
    struct label_arg *a = arg;
    struct h_hello h;

    return h_request(a->port, &h) == 0 && strcmp(h.label, a->label) == 0;
}

static void start_three_workers(void)
{
    pid_t kids[16];

    conf.workers = 3;
    conf.ports[0] = p1;
    conf.port_count = 1;
    h_conf_write(conf_path, &conf);
    master = h_master_start(conf_path, NULL);
    tap_ok(wait_pid_file(pid_path, master), "the pid file names the master");
    TAP_INT(h_collect(p1, 3, "g1", gen_pids), 3, "3 workers answer, one per slot 0..2");
    tap_ok(distinct(gen_pids, 3), "each slot is a different process");
    TAP_INT(h_children(master, kids, 16), 3, "the master has exactly 3 children");
}

/* A reload while one request is in flight and more are queued behind busy workers: every
 * one of them is answered, and the old workers exit once their request is done. */
static void reload_in_flight(void)
{
    int held[8], answered = 0;
    struct label_arg g2 = {p2, "g2"};
    char quitting[96];
    struct h_hello first, h;
    pid_t kids[16];

    held[0] = h_connect(p1);
    tap_ok(held[0] >= 0 && h_read_hello(held[0], &first) == 0 && !strcmp(first.label, "g1"),
           "a request is in flight on generation 1");
    for (int i = 1; i < 8; i++)
        held[i] = h_connect(p1); /* answered or queued, not finished */
    conf.ports[1] = p2;
    conf.port_count = 2;
    snprintf(conf.label, sizeof(conf.label), "g2");
    h_conf_write(conf_path, &conf);
    TAP_INT(pt_signal_send(pid_path, "reload"), 0, "-s reload signals the master");
    snprintf(quitting, sizeof(quitting), "test: worker %ld finishes a request", (long)first.pid);
    /* Every worker may be busy with a held connection now, so the test asks no more of
     * them until those are finished: it watches the log instead. */
    tap_ok(h_wait_file_count(log_path, quitting, 1, 5000),
           "the old worker is told to quit while its request is in flight");
    tap_ok(h_alive(first.pid), "and lives on");
    TAP_INT(h_finish(held[0]), 0, "the in-flight request completes after the reload");
    for (int i = 1; i < 8; i++)
        answered += held[i] >= 0 && h_read_hello(held[i], &h) == 0 && h_finish(held[i]) == 0;
    TAP_INT(answered, 7, "every connection queued across the reload is answered");
    tap_ok(h_wait_ms(answers_with, &g2, 5000), "generation 2 answers on the new address");
    tap_ok(all_gone(gen_pids, 3, 5000), "the generation 1 workers exit");
    TAP_INT(h_collect(p1, 3, "g2", gen_pids), 3, "generation 2 serves every slot of the old address");
    TAP_INT(h_children(master, kids, 16), 3, "3 workers after the reload");
}

static void failed_reloads(void)
{
    pid_t pids[H_MAX_SLOTS];
    int busy_fd, busy_port = h_free_port();
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)busy_port)};

    conf.fail = 1;
    h_conf_write(conf_path, &conf);
    kill(master, SIGHUP);
    tap_ok(h_wait_file_count(log_path, "reload failed", 1, 5000), "a refused config is logged");
    TAP_INT(h_collect(p1, 3, "g2", pids), 3, "generation 2 keeps serving after it");
    tap_ok(memcmp(pids, gen_pids, 3 * sizeof(pid_t)) == 0, "by the same worker processes");

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    busy_fd = socket(AF_INET, SOCK_STREAM, 0);
    bind(busy_fd, (struct sockaddr *)&a, sizeof(a));
    listen(busy_fd, 8);
    conf.fail = 0;
    conf.ports[2] = busy_port;
    conf.port_count = 3;
    snprintf(conf.label, sizeof(conf.label), "g2x");
    h_conf_write(conf_path, &conf);
    kill(master, SIGHUP);
    tap_ok(h_wait_file_count(log_path, "reload failed", 2, 5000),
           "a reload that adds an address another process owns fails");
    tap_ok(h_file_count(log_path, "another process listens there") == 1,
           "and says the address is owned by another process");
    TAP_INT(h_collect(p1, 3, "g2", pids), 3, "generation 2 keeps serving after it");
    close(busy_fd);
    conf.port_count = 2;
    snprintf(conf.label, sizeof(conf.label), "g2");
}

struct respawn_arg {
    uint32_t slot;
    pid_t old;
    pid_t now;
};

static int slot_respawned(void *arg)
{
    struct respawn_arg *r = arg;
    struct h_hello h;

    for (int i = 0; i < 30; i++)
        if (h_request(p1, &h) == 0 && h.slot == r->slot && h.pid != r->old) {
            r->now = h.pid;
            return 1;
        }
    return 0;
}

static void kill_a_worker(void)
{
    struct respawn_arg r = {.slot = 1, .old = gen_pids[1]};
    pid_t kids[16];

    kill(gen_pids[1], SIGKILL);
    tap_ok(h_wait_gone(r.old, 5000), "the killed worker is gone");
    tap_ok(h_wait_ms(slot_respawned, &r, 5000), "slot 1 answers again from a new process");
    tap_ok(h_file_count(log_path, "exited on signal 9") == 1, "the death is logged");
    TAP_INT(h_children(master, kids, 16), 3, "3 workers again");
    gen_pids[1] = r.now;
}

static void shrink(void)
{
    pid_t pids[H_MAX_SLOTS];

    conf.workers = 2;
    conf.port_count = 1;
    snprintf(conf.label, sizeof(conf.label), "g3");
    h_conf_write(conf_path, &conf);
    kill(master, SIGHUP);
    tap_ok(h_wait_ms(refused, &p2, 5000), "the address left out of the config is closed");
    tap_ok(all_gone(gen_pids, 3, 5000), "the generation 2 workers exit");
    TAP_INT(h_collect(p1, 3, "g3", pids), 2, "2 slots answer after shrinking to 2 workers");
    memcpy(gen_pids, pids, sizeof(pids));
}

static void reopen_logs(void)
{
    char rotated[300];

    snprintf(rotated, sizeof(rotated), "%s.1", log_path);
    rename(log_path, rotated);
    TAP_INT(pt_signal_send(pid_path, "reopen"), 0, "-s reopen signals the master");
    tap_ok(h_wait_file_count(log_path, "test: master reopened", 1, 5000),
           "the master writes to a new log file");
    tap_ok(h_wait_file_count(log_path, "test: worker 0 reopened", 1, 5000) &&
           h_wait_file_count(log_path, "test: worker 1 reopened", 1, 5000),
           "so do both workers");
}

/* SIGQUIT: the idle worker exits at once, the busy one after its request. */
static void graceful_stop(void)
{
    struct h_hello h;
    int status = 0, fd = h_connect(p1);
    pid_t idle;

    tap_ok(fd >= 0 && h_read_hello(fd, &h) == 0, "a request is in flight before SIGQUIT");
    idle = gen_pids[h.slot == 0 ? 1 : 0];
    TAP_INT(pt_signal_send(pid_path, "quit"), 0, "-s quit signals the master");
    tap_ok(h_wait_gone(idle, 5000), "the idle worker exits");
    tap_ok(h_alive(master) && h_alive(h.pid), "the master and the busy worker wait");
    TAP_INT(h_finish(fd), 0, "the in-flight request completes");
    tap_ok(h_wait_child(master, 5000, &status), "then the master exits");
    TAP_INT(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0, "with status 0");
    TAP_INT(access(pid_path, F_OK), -1, "the pid file is removed");
    tap_ok(refused(&p1), "nothing listens any more");
}

static void address_in_use(void)
{
    char err_path[256];
    int fd, status = 0, port = h_free_port();
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    char needle[64];
    pid_t m;

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    bind(fd, (struct sockaddr *)&a, sizeof(a));
    listen(fd, 8);
    h_conf_defaults(&conf, dir);
    conf.ports[0] = port;
    conf.port_count = 1;
    h_conf_write(conf_path, &conf);
    snprintf(err_path, sizeof(err_path), "%s/stderr.txt", dir);
    m = h_master_start(conf_path, err_path);
    tap_ok(h_wait_child(m, 5000, &status), "a master refused its address exits");
    TAP_INT(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 1, "with status 1");
    snprintf(needle, sizeof(needle), "bind() to 127.0.0.1:%d failed (98:", port);
    tap_ok(h_file_count(err_path, needle) == 1 &&
           h_file_count(err_path, "another process listens there") == 1,
           "and says which address another process owns");
    TAP_INT(access(pid_path, F_OK), -1, "and writes no pid file");
    close(fd);
}

static void fast_stop(void)
{
    struct h_hello h;
    char c;
    int fd, status = 0;

    h_conf_defaults(&conf, dir);
    conf.workers = 2;
    conf.ports[0] = p1;
    conf.port_count = 1;
    h_conf_write(conf_path, &conf);
    master = h_master_start(conf_path, NULL);
    tap_ok(wait_pid_file(pid_path, master), "a second master starts");
    fd = h_connect(p1);
    tap_ok(fd >= 0 && h_read_hello(fd, &h) == 0, "a request is in flight before SIGTERM");
    kill(master, SIGTERM);
    tap_ok(h_wait_child(master, 4000, &status), "SIGTERM stops the master without waiting");
    TAP_INT(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0, "with status 0");
    TAP_INT(read(fd, &c, 1), 0, "the in-flight connection is closed");
    tap_ok(h_wait_gone(h.pid, 1000), "its worker is gone");
    close(fd);
}

/* worker_shutdown_timeout: an old worker still busy after it is stopped fast. */
static void shutdown_timeout(void)
{
    struct h_hello h;
    int status = 0, fd;
    char c;

    h_conf_defaults(&conf, dir);
    conf.ports[0] = p1;
    conf.port_count = 1;
    conf.shutdown_ms = 200;
    h_conf_write(conf_path, &conf);
    master = h_master_start(conf_path, NULL);
    tap_ok(wait_pid_file(pid_path, master), "a master with worker_shutdown_timeout starts");
    fd = h_connect(p1);
    tap_ok(fd >= 0 && h_read_hello(fd, &h) == 0, "a request is in flight before the reload");
    snprintf(conf.label, sizeof(conf.label), "g2");
    h_conf_write(conf_path, &conf);
    kill(master, SIGHUP);
    tap_ok(h_wait_file_count(log_path, "still running after worker_shutdown_timeout", 1,
                             5000), "the busy old worker outlives the timeout");
    TAP_INT(read(fd, &c, 1), 0, "and is stopped: its connection closes");
    tap_ok(h_wait_gone(h.pid, 5000), "the old worker is gone");
    close(fd);
    kill(master, SIGQUIT);
    tap_ok(h_wait_child(master, 5000, &status) && WIFEXITED(status) &&
           WEXITSTATUS(status) == 0, "the master stops");
}

static void crash_loop(void)
{
    struct label_arg fixed = {p1, "fixed"};
    int status = 0, starts;

    h_conf_defaults(&conf, dir);
    conf.ports[0] = p1;
    conf.port_count = 1;
    conf.crash = 1;
    h_conf_write(conf_path, &conf);
    master = h_master_start(conf_path, NULL);
    tap_ok(h_wait_file_count(log_path, "died 3 times in a row", 1, 5000),
           "a worker that dies as it starts is respawned with a delay");
    starts = h_file_count(log_path, "start worker process");
    tap_ok(starts >= 3 && starts <= 6, "a few respawns, not a storm (%d)", starts);
    conf.crash = 0;
    snprintf(conf.label, sizeof(conf.label), "fixed");
    h_conf_write(conf_path, &conf);
    kill(master, SIGHUP);
    tap_ok(h_wait_ms(answers_with, &fixed, 5000), "a reload with a working config ends the loop");
    kill(master, SIGQUIT);
    tap_ok(h_wait_child(master, 5000, &status) && WIFEXITED(status) &&
           WEXITSTATUS(status) == 0, "and the master stops");
}

static void single_process(void)
{
    struct h_hello h;
    int status = 0;

    h_conf_defaults(&conf, dir);
    conf.ports[0] = p1;
    conf.port_count = 1;
    conf.master_process = 0;
    conf.workers = 4;
    h_conf_write(conf_path, &conf);
    master = h_master_start(conf_path, NULL);
    tap_ok(wait_pid_file(pid_path, master), "master_process off starts");
    TAP_INT(h_request(p1, &h), 0, "master_process off answers");
    tap_ok(h.pid == master && h.slot == 0, "from the master itself, as slot 0");
    kill(master, SIGQUIT);
    tap_ok(h_wait_child(master, 5000, &status) && WIFEXITED(status) &&
           WEXITSTATUS(status) == 0, "SIGQUIT stops it");
}

static void daemon_on(void)
{
    struct h_hello h;
    int status = 0;
    pid_t d;

    h_conf_defaults(&conf, dir);
    conf.ports[0] = p1;
    conf.port_count = 1;
    conf.daemon = 1;
    h_conf_write(conf_path, &conf);
    master = h_master_start(conf_path, NULL);
    tap_ok(h_wait_child(master, 5000, &status) && WIFEXITED(status) &&
           WEXITSTATUS(status) == 0, "with daemon on, the starting process exits 0");
    h_wait_file_count(pid_path, "\n", 1, 5000); /* the daemon writes it after the fork */
    d = h_read_pid(pid_path);
    tap_ok(d > 0 && d != master && h_alive(d), "the pid file names the daemon");
    TAP_INT(h_request(p1, &h), 0, "the daemon's worker answers");
    TAP_INT(pt_signal_send(pid_path, "stop"), 0, "-s stop signals it");
    tap_ok(h_wait_child(d, 5000, &status), "the daemon exits");
}

/* What -s prints goes to stderr (no log is open in this process): captured in a file. */
static long master_uid(pid_t pid)
{
    char path[64], line[256];
    long uid = -1;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
    f = fopen(path, "r");
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "Uid: %*d %ld", &uid) == 1)
            break;
    if (f)
        fclose(f);
    return uid;
}

/* Workers drop to the user after the master bound the sockets; the master stays root so
 * that a reload can bind a privileged port and reopen root-owned logs. */
static void privileges(void)
{
    struct passwd *pw = getpwnam("nobody");
    struct group *gr = pw ? getgrgid(pw->pw_gid) : NULL;
    char err_path[256];
    struct h_hello h;
    int status = 0;

    if (geteuid() != 0 || gr == NULL) {
        tap_ok(1, "user and worker_rlimit_nofile # SKIP needs root and a \"nobody\" user");
        return;
    }
    h_conf_defaults(&conf, dir);
    conf.ports[0] = p1;
    conf.port_count = 1;
    conf.nofile = 1234;
    snprintf(conf.user, sizeof(conf.user), "nobody");
    snprintf(conf.group, sizeof(conf.group), "%.31s", gr->gr_name);
    h_conf_write(conf_path, &conf);
    master = h_master_start(conf_path, NULL);
    tap_ok(wait_pid_file(pid_path, master), "a master with a user starts");
    TAP_INT(h_request(p1, &h), 0, "its worker answers");
    TAP_INT(h.uid, pw->pw_uid, "as the user");
    TAP_INT(h.nofile, 1234, "with worker_rlimit_nofile");
    TAP_INT(master_uid(master), 0, "while the master stays root");
    kill(master, SIGQUIT);
    tap_ok(h_wait_child(master, 5000, &status) && WIFEXITED(status) &&
           WEXITSTATUS(status) == 0, "and stops");

    snprintf(conf.user, sizeof(conf.user), "pt-no-such-user");
    h_conf_write(conf_path, &conf);
    snprintf(err_path, sizeof(err_path), "%s/stderr-user.txt", dir);
    master = h_master_start(conf_path, err_path);
    tap_ok(h_wait_child(master, 5000, &status) && WIFEXITED(status) &&
           WEXITSTATUS(status) == 1, "an unknown user refuses the start");
    TAP_INT(h_file_count(err_path, "getpwnam(\"pt-no-such-user\") failed"), 1,
            "and names the user");
}

static void signal_errors(void)
{
    char path[256], err_path[256];
    int saved = dup(STDERR_FILENO), fd;
    FILE *f;

    snprintf(err_path, sizeof(err_path), "%s/signal-errors.txt", dir);
    fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, STDERR_FILENO);
    close(fd);
    snprintf(path, sizeof(path), "%s/none.pid", dir);
    TAP_INT(pt_signal_send(path, "reload"), 1, "-s with no pid file fails");
    snprintf(path, sizeof(path), "%s/bad.pid", dir);
    f = fopen(path, "w");
    fputs("12x\n", f);
    fclose(f);
    TAP_INT(pt_signal_send(path, "reload"), 1, "-s with a pid file that is not a pid fails");
    TAP_INT(pt_signal_send(path, "restart"), 1, "-s with an unknown signal fails");
    dup2(saved, STDERR_FILENO);
    close(saved);
    tap_ok(h_file_count(err_path, "portico: [error] open() \"") == 1 &&
           h_file_count(err_path, "none.pid\" failed (2: No such file or directory)") == 1,
           "a missing pid file is named");
    tap_ok(h_file_count(err_path, "portico: [error] invalid PID number \"12x\" in \"") == 1,
           "a pid file that is not a pid is quoted");
    tap_ok(h_file_count(err_path, "invalid signal \"restart\"") == 1,
           "an unknown signal is named");
}

static void nothing_left(void)
{
    pid_t kids[16];
    int n = h_children(getpid(), kids, 16);

    TAP_INT(n, 0, "no process is left running");
    for (int i = 0; i < n; i++)
        kill(kids[i], SIGKILL);
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0); /* a forked master must not repeat buffered TAP */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    snprintf(dir, sizeof(dir), "/tmp/pt-master-XXXXXX");
    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(conf_path, sizeof(conf_path), "%s/fake.conf", dir);
    h_conf_defaults(&conf, dir);
    snprintf(log_path, sizeof(log_path), "%s", conf.log);
    snprintf(pid_path, sizeof(pid_path), "%s", conf.pid);
    p1 = h_free_port();
    p2 = h_free_port();

    start_three_workers();
    reload_in_flight();
    failed_reloads();
    kill_a_worker();
    shrink();
    reopen_logs();
    graceful_stop();
    address_in_use();
    unlink(log_path);
    fast_stop();
    unlink(log_path);
    shutdown_timeout();
    unlink(log_path);
    crash_loop();
    single_process();
    daemon_on();
    privileges();
    signal_errors();
    nothing_left();
    h_remove_dir(dir);
    return tap_done();
}
