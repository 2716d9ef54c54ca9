/* tests/core/master_harness.h - a fake config and a tiny worker for the master's tests.
 *
 * The master under test runs in a child of the test, with ops whose load() reads a small
 * key/value file the test rewrites before each reload, and whose worker answers each
 * connection with "hello SLOT PID LABEL UID NOFILE\n", waits for a line, answers "ok\n"
 * and closes: so a test can hold a request in flight, see which worker and generation
 * served it (and with which uid and file limit), and finish it when it chooses. Everything waits on observable conditions with a deadline.
 */
#ifndef PT_TESTS_CORE_MASTER_HARNESS_H
#define PT_TESTS_CORE_MASTER_HARNESS_H

#include <stdint.h>
#include <sys/types.h>

#define H_MAX_LISTENS 4
#define H_MAX_SLOTS 8

/* What the fake config file says (one "key value..." per line). */
struct h_conf {
    uint32_t workers;
    int ports[H_MAX_LISTENS]; /* on 127.0.0.1 */
    uint32_t port_count;
    char label[32];           /* the generation's name, echoed by its workers */
    int fail;                 /* load() refuses */
    int crash;                /* workers exit 1 as soon as they start */
    int daemon, master_process;
    int64_t shutdown_ms;
    uint64_t nofile;          /* worker_rlimit_nofile, 0 = leave */
    char user[32], group[32]; /* "" = keep */
    char pid[256], log[256];
};

/* One answered "hello SLOT PID LABEL UID NOFILE". */
struct h_hello {
    uint32_t slot;
    pid_t pid;
    char label[32];
    long uid;    /* the worker's effective uid */
    long nofile; /* its RLIMIT_NOFILE soft limit */
};

/* The config file and its writer. */
void h_conf_defaults(struct h_conf *c, const char *dir);
int h_conf_write(const char *path, const struct h_conf *c);

/* Forks a master running pt_master_run on the config at path; its stderr goes to
 * stderr_path when not NULL. Returns its pid. */
pid_t h_master_start(const char *conf_path, const char *stderr_path);

/* Clients, with 5 s timeouts. connect returns the fd or -errno. */
int h_connect(int port);
int h_read_hello(int fd, struct h_hello *h);
int h_finish(int fd); /* sends the line, expects "ok", closes; 0 on success */
int h_request(int port, struct h_hello *h);
/* Connects until every slot 0..slots-1 answered with label (at most 400 tries in 10 s); fills
 * pids[slot]. Returns how many slots were seen, -1 if a wrong label answered. */
int h_collect(int port, uint32_t slots, const char *label, pid_t *pids);

/* Processes. */
int h_wait_ms(int (*cond)(void *arg), void *arg, int timeout_ms); /* 1 if cond came true */
int h_alive(pid_t pid);                     /* exists and is not a zombie */
int h_wait_gone(pid_t pid, int timeout_ms); /* 1 when it no longer runs */
int h_wait_child(pid_t pid, int timeout_ms, int *status); /* 1 when reaped */
int h_children(pid_t parent, pid_t *out, int max);
pid_t h_read_pid(const char *path);
int h_file_count(const char *path, const char *needle); /* occurrences in the file */
int h_wait_file_count(const char *path, const char *needle, int count, int timeout_ms);
int h_free_port(void);
void h_remove_dir(const char *dir); /* its files, then itself */

#endif
