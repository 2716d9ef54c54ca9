#!/usr/bin/env python3
"""The process model seen from outside: 20 reloads under wrk with zero failed requests, a
broken reload keeps the old generation, a killed worker is respawned, graceful QUIT
finishes an in-flight request, -s reload/quit, fast stop, log reopening, and refusing a
port another process owns. After each: no process of the test left."""
import os
import re
import signal
import socket
import shutil
import subprocess
import time

from harness import (Client, Server, Tap, children, get, one, pgrep_dir, pid_alive,
                     port_answers, port_refuses, run_cli, wait_until, zombies)

t = Tap()


def gen_http(n, extra=""):
    return f"""
    keepalive_timeout 65s;
    server {{
        listen 127.0.0.1:{{port}};
        {extra}
        location / {{ return 200 "gen {n}\\n"; }}
    }}
"""


def serves(srv, body):
    """True when a fresh connection is answered with body."""
    try:
        return one(srv.port, get("/"), timeout=2).body == body
    except Exception:  # noqa: BLE001 - not yet: the caller polls
        return False


def reload_to(srv, n, how="HUP"):
    srv.write_config(gen_http(n))
    if how == "HUP":
        srv.signal(signal.SIGHUP)
    else:
        rc, out, err = run_cli(srv.args("-s", "reload"))
        if rc != 0:
            return f"-s reload exited {rc}: {out}{err}"
    if not wait_until(lambda: serves(srv, f"gen {n}\n".encode()), 10):
        return f"gen {n} not served within 10s"
    srv.note_pids()
    return None


def parse_wrk(out):
    m = re.search(r"(\d+) requests in", out)
    return {
        "requests": int(m.group(1)) if m else 0,
        "socket_errors": re.findall(r"Socket errors:.*", out),
        "non_2xx": re.findall(r"Non-2xx or 3xx responses:.*", out),
    }


def test_reloads_under_load():
    with Server(gen_http(0)) as srv:
        wrk = subprocess.Popen(["wrk", "-t1", "-c20", "-d15s", "--latency",
                                f"http://127.0.0.1:{srv.port}/"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            failures = []
            old_gone = True
            for n in range(1, 21):
                before = srv.workers_now()
                why = reload_to(srv, n, how="HUP" if n % 5 else "-s")
                if why:
                    failures.append(why)
                    break
                # The old generation finishes under load and leaves: its workers exit.
                if not wait_until(lambda: not (before & srv.workers_now()), 10):
                    old_gone = False
            t.eq(failures, [], "20 reloads, each new generation served (every 5th by -s reload)")
            t.ok(old_gone, "each old generation's workers exit under load")
            t.ok(wrk.poll() is None, "the 20 reloads happened while wrk was running")
            out, _ = wrk.communicate(timeout=60)
        finally:
            if wrk.poll() is None:
                wrk.kill()
                wrk.wait()
        t.diag(out)
        stats = parse_wrk(out)
        t.ok(stats["requests"] > 0, "wrk made requests", out)
        t.eq(stats["socket_errors"], [], "wrk: no socket errors")
        t.eq(stats["non_2xx"], [], "wrk: no non-2xx responses")
        t.eq(len(srv.workers_now()), 2, "2 workers at the end")
        t.eq(zombies(srv.pid), [], "no unreaped workers")
        t.ok(serves(srv, b"gen 20\n"), "gen 20 serving at the end")
        t.stopped_clean(srv)


def test_broken_reload_keeps_old():
    with Server(gen_http(0)) as srv:
        workers = srv.workers_now()
        broken = gen_http(1).replace('return 200 "gen 1\\n";', 'return 200 "gen 1\\n"')
        srv.write_config(gen_http(1), raw=srv.config_text(broken))
        lines = srv.error_log()
        srv.signal(signal.SIGHUP)
        logged = wait_until(lambda: srv.conf + ":" in srv.error_log()[len(lines):], 5)
        t.ok(logged, "error.log names the broken file", srv.error_log()[-1500:])
        bodies = {one(srv.port, get("/")).body for _ in range(20)}
        t.eq(bodies, {b"gen 0\n"}, "20 new connections: still gen 0")
        t.eq(srv.workers_now(), workers, "the same workers")
        t.ok(srv.proc.poll() is None, "the master is still running")
        t.eq(reload_to(srv, 2), None, "a good reload afterwards: gen 2 served")
        t.stopped_clean(srv)


def test_killed_worker_respawned():
    with Server(gen_http(0)) as srv:
        workers = srv.workers_now()
        t.eq(len(workers), 2, "2 workers")
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        results = []
        for _ in range(50):
            try:
                results.append(one(srv.port, get("/"), timeout=5).body)
            except Exception as e:  # noqa: BLE001 - a failed request is what is checked
                results.append(repr(e))
        t.eq(results, [b"gen 0\n"] * 50, "50 requests right after the kill all succeed")
        respawned = wait_until(lambda: (len(srv.workers_now()) == 2
                                        and victim not in srv.workers_now()), 5)
        t.ok(respawned, "a new worker takes the dead one's place", srv.workers_now())
        srv.note_pids()
        t.eq(zombies(srv.pid), [], "the dead worker was reaped")
        t.contains(srv.error_log(), str(victim), "error.log names the dead worker")
        results = [one(srv.port, get("/")).body for _ in range(20)]
        t.eq(results, [b"gen 0\n"] * 20, "20 more requests succeed")
        t.stopped_clean(srv)


def idle_and_in_flight(srv):
    """An idle keep-alive connection, and one whose request is in flight: Expect:
    100-continue makes "the worker has read the head" observable, so what comes next
    surely finds the request with its head read and its body pending (2 of 5 bytes)."""
    idle = Client(srv.port)
    idle.send(get("/"))
    t.eq(idle.read_response().body, b"gen 0\n", "an idle keep-alive connection")
    c = Client(srv.port)
    c.send(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
    t.eq(c.read_exact_prefix(25), b"HTTP/1.1 100 Continue\r\n\r\n", "the head was read")
    c.send(b"ab")
    return idle, c


def test_graceful_quit_finishes_in_flight():
    with Server(gen_http(0)) as srv:
        workers = srv.workers_now()
        idle, c = idle_and_in_flight(srv)
        srv.signal(signal.SIGQUIT)
        t.ok(wait_until(lambda: port_refuses(srv.port), 5),
             "after QUIT the port refuses new connections")
        took, how, data = idle.closed_by_peer(5)
        t.eq((data, how), (b"", "eof"), "the idle keep-alive connection is closed")
        t.ok(srv.proc.poll() is None, "the master waits for the in-flight request")
        c.send(b"cde")
        r = c.read_response()
        t.eq((r.status, r.body), (200, b"gen 0\n"), "the in-flight request is answered whole")
        t.eq(r.header("Connection"), "close", "with Connection: close")
        rest, how = c.read_to_end(5)
        t.eq((rest, how), (b"", "eof"), "then its connection closes")
        c.close()
        idle.close()
        t.ok(srv.wait_exit(10), "then the master exits")
        t.eq([p for p in workers if os.path.exists(f"/proc/{p}")], [], "workers are gone")
        t.stopped_clean(srv)


def test_reload_finishes_in_flight():
    """A request in flight across a reload is answered by the old generation, whole; its
    keep-alive connection is then closed, saying so; an idle one is closed."""
    with Server(gen_http(0)) as srv:
        idle, c = idle_and_in_flight(srv)
        t.eq(reload_to(srv, 1), None, "reload: gen 1 served to new connections")
        took, how, data = idle.closed_by_peer(5)
        t.eq((data, how), (b"", "eof"), "the idle keep-alive connection is closed")
        c.send(b"cde")
        r = c.read_response()
        t.eq((r.status, r.body), (200, b"gen 0\n"), "the in-flight request is answered by gen 0")
        t.eq(r.header("Connection"), "close", "with Connection: close")
        rest, how = c.read_to_end(5)
        t.eq((rest, how), (b"", "eof"), "then its connection closes")
        c.close()
        idle.close()
        t.stopped_clean(srv)


def test_signal_commands():
    with Server(gen_http(0)) as srv:
        t.eq(reload_to(srv, 1, how="-s"), None, "-s reload: gen 1 served")
        rc, out, err = run_cli(srv.args("-s", "quit"))
        t.eq(rc, 0, "-s quit: exit 0")
        t.ok(srv.wait_exit(10), "-s quit: the master exits", srv.logs())
        t.stopped_clean(srv)
    with Server(gen_http(0)) as srv:
        rc, out, err = run_cli(srv.args("-s", "stop"))
        t.eq(rc, 0, "-s stop: exit 0")
        t.ok(srv.wait_exit(5), "-s stop: the master exits", srv.logs())
        t.stopped_clean(srv)
    d = Server(gen_http(0), start=False)
    rc, out, err = run_cli(d.args("-s", "reload"))
    t.ok(rc != 0, "-s reload with no server running: exit nonzero", (rc, out, err))
    d.stop()


def test_fast_stop():
    with Server(gen_http(0)) as srv:
        workers = srv.workers_now()
        c = Client(srv.port)
        c.send(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab")
        srv.signal(signal.SIGTERM)
        t.ok(srv.wait_exit(5), "SIGTERM: the master exits without waiting for requests")
        t.ok(wait_until(lambda: not any(os.path.exists(f"/proc/{p}") for p in workers), 5),
             "SIGTERM: workers are gone")
        c.close()
        t.ok(not os.path.exists(os.path.join(srv.dir, "portico.pid")),
             "the pid file is removed on exit")
        t.stopped_clean(srv)


def test_pid_file_and_reopen():
    with Server(gen_http(0)) as srv:
        pidfile = os.path.join(srv.dir, "portico.pid")
        with open(pidfile) as f:
            t.eq(f.read().strip(), str(srv.pid), "the pid file holds the master's pid")
        log = os.path.join(srv.dir, "error.log")
        os.rename(log, log + ".old")
        srv.signal(signal.SIGUSR1)
        t.ok(wait_until(lambda: os.path.exists(log), 5), "SIGUSR1: error.log is reopened")
        t.eq(one(srv.port, get("/")).body, b"gen 0\n", "still serving")
        t.stopped_clean(srv)


def test_refuses_an_owned_port():
    owner = socket.socket()
    owner.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    owner.bind(("127.0.0.1", 0))
    owner.listen(16)
    port = owner.getsockname()[1]
    try:
        srv = Server(gen_http(0).replace("{port}", str(port)), start=False)
        srv.start(wait=False)
        exited = srv.wait_exit(5)
        t.ok(exited and srv.proc.returncode != 0,
             "a port held by another process (SO_REUSEPORT): refuses to start",
             srv.proc.returncode)
        t.contains(open(os.path.join(srv.dir, "stderr.txt")).read() + srv.error_log(),
                   f"127.0.0.1:{port}", "the error names the address")
        t.stopped_clean(srv)
    finally:
        owner.close()
    with Server(gen_http(0)) as first:
        second = Server(gen_http(1).replace("{port}", str(first.port)), start=False)
        second.start(wait=False)
        exited = second.wait_exit(5)
        t.ok(exited and second.proc.returncode != 0,
             "a port held by another portico: refuses to start", second.proc.returncode)
        t.stopped_clean(second)
        bodies = {one(first.port, get("/")).body for _ in range(20)}
        t.eq(bodies, {b"gen 0\n"}, "the first one still answers every connection")
        t.stopped_clean(first)


def test_worker_connections():
    """worker_connections bounds what a worker holds: past it, a new connection waits in
    the queue until one closes (issue 3: stop accepting until a slot frees)."""
    with Server(gen_http(0), workers=1, worker_connections=16) as srv:
        idle = [Client(srv.port) for _ in range(40)]
        c = Client(srv.port)
        c.send(get("/"))
        try:
            r = c.read_response(timeout=0.5)
            t.ok(False, "with 40 idle connections open, a 41st is not served", r)
        except Exception:  # noqa: BLE001 - a timeout is the expected outcome
            t.ok(True, "with 40 idle connections open, a 41st is not served")
        for i in idle:
            i.close()
        r = c.read_response(timeout=5)
        t.eq(r.body, b"gen 0\n", "once they close, it is served")
        c.close()
        t.eq([one(srv.port, get("/")).body for _ in range(20)], [b"gen 0\n"] * 20,
             "then 20 more")
        t.stopped_clean(srv)


def test_worker_processes_auto():
    with Server(gen_http(0), workers="auto") as srv:
        t.eq(len(srv.workers_now()), os.cpu_count(), "worker_processes auto: one per CPU")
        t.stopped_clean(srv)


def proc_status(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return line.split()[1]
    return None


def test_user_and_rlimit():
    if os.geteuid() != 0:
        t.ok(True, "user: # SKIP not root")
        return
    import grp
    import pwd
    nobody = pwd.getpwnam("nobody").pw_uid
    group = grp.getgrgid(pwd.getpwnam("nobody").pw_gid).gr_name  # Debian: nogroup
    main = f"user nobody {group};\nworker_rlimit_nofile 4321;"
    with Server(gen_http(0), main_extra=main) as srv:
        workers = sorted(srv.workers_now())
        # A worker answering requests may still be its sibling's fork in progress: wait
        # (bounded) for both to have dropped privileges rather than read one mid-switch.
        wait_until(lambda: [proc_status(p, "Uid") for p in workers] == [str(nobody)] * 2, 5)
        t.eq([proc_status(p, "Uid") for p in workers], [str(nobody)] * 2,
             "user nobody: workers run as nobody")
        t.eq(proc_status(srv.pid, "Uid"), "0", "the master stays root")
        limits = []
        for p in workers:
            with open(f"/proc/{p}/limits") as f:
                limits += [ln.split()[3] for ln in f if ln.startswith("Max open files")]
        t.eq(limits, ["4321"] * 2, "worker_rlimit_nofile 4321: the workers' soft limit")
        t.eq(one(srv.port, get("/")).body, b"gen 0\n", "still serving")
        t.eq(reload_to(srv, 1), None, "reload as root master with nobody workers")
        t.stopped_clean(srv)


def test_worker_shutdown_timeout():
    with Server(gen_http(0), main_extra="worker_shutdown_timeout 1s;") as srv:
        c = Client(srv.port)
        c.send(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        t.eq(c.read_exact_prefix(25), b"HTTP/1.1 100 Continue\r\n\r\n", "the head was read")
        c.send(b"ab")
        t0 = time.monotonic()
        srv.signal(signal.SIGQUIT)
        exited = srv.wait_exit(10)
        took = time.monotonic() - t0
        t.ok(exited, "QUIT with a request stuck in flight: the master exits")
        t.between(round(took, 2), 0.8, 3, "after worker_shutdown_timeout (1s)")
        data, how = c.read_to_end(5)
        t.ok(how in ("eof", "reset"), "the stuck connection is closed", (data, how))
        c.close()
        t.stopped_clean(srv)


def test_daemon_on():
    srv = Server(gen_http(0), start=False)
    try:
        srv.write_config(None, raw=srv.config_text(gen_http(0)).replace("daemon off;",
                                                                        "daemon on;"))
        rc, out, err = run_cli(srv.args())
        t.eq((rc, out, err), (0, "", ""), "daemon on: the command returns 0 at once, silent")
        pidfile = os.path.join(srv.dir, "portico.pid")
        t.ok(wait_until(lambda: port_answers(srv.port), 5), "daemon on: it answers")
        # the pid file appears whole (written aside, then renamed), maybe after the port
        t.ok(wait_until(lambda: os.path.exists(pidfile), 5), "daemon on: the pid file")
        with open(pidfile) as f:
            master = int(f.read().strip())
        workers = wait_until(lambda: children(master) if len(children(master)) == 2 else None, 5)
        t.ok(workers, "daemon on: the master from the pid file has 2 workers", children(master))
        workers = workers or set()
        t.eq(one(srv.port, get("/")).body, b"gen 0\n", "daemon on: serving")
        rc, out, err = run_cli(srv.args("-s", "quit"))
        t.eq(rc, 0, "-s quit: exit 0")
        gone = wait_until(lambda: not any(pid_alive(p) for p in {master} | workers), 10)
        t.ok(gone, "daemon on: master and workers exit on -s quit")
    finally:
        for p in pgrep_dir(srv.dir):
            os.kill(p, signal.SIGKILL)
        shutil.rmtree(srv.dir, ignore_errors=True)


t.run(test_reloads_under_load, test_broken_reload_keeps_old, test_killed_worker_respawned,
      test_graceful_quit_finishes_in_flight, test_reload_finishes_in_flight,
      test_signal_commands, test_fast_stop, test_pid_file_and_reopen,
      test_refuses_an_owned_port, test_worker_connections, test_worker_processes_auto,
      test_user_and_rlimit, test_worker_shutdown_timeout, test_daemon_on)
t.done()
