#!/usr/bin/env python3
"""Upstream state shared by the workers of a group (`zone`) and active health checks
(issue 5), seen from outside: a real portico with 2 workers in front of backends.py's
origin servers.

- health_check: a peer whose health uri answers 503 is out of rotation within about
  fails x interval and gets no client request after; when the uri answers 200 again it is
  back after about passes x interval;
- a reload that keeps `zone app 64k` keeps the state: the unhealthy peer stays out right
  away, and its transition is not logged a second time (a fresh zone would start it
  healthy, to be taken out again);
- a worker SIGKILLed under load wedges nothing: requests keep flowing, the slot is
  respawned and its health checks run again;
- passive state shared: with max_fails=1, a refused peer found by one worker is skipped by
  the other (one connect() error in the log, not one per worker);
- `health_check` without a zone is refused with nginx's kind of message.

Every wait polls the error log, the access log or a counter against a deadline.
"""
import os
import re
import signal
import threading
import time

from backends import Backend, h_identify, send_answer
from harness import Client, Server, Tap, free_port, get, run_cli, wait_until

t = Tap()

INTERVAL = 0.3  # seconds: health_check interval=300ms
FAILS = 2
PASSES = 2
SLACK = 1.5     # scheduling on a loaded test machine


class Peer:
    """A backend whose /health answers 200 or 503 as the test says, counting the client
    requests (any other path) it answers."""

    def __init__(self, name):
        self.healthy = True
        self.client_requests = 0
        self.checks = 0
        self._lock = threading.Lock()
        self.backend = Backend(name, routes={"/health": self._health, "/": self._client})
        self.port = self.backend.port

    def _health(self, backend, conn, req):
        with self._lock:
            self.checks += 1
        status = 200 if self.healthy else 503
        send_answer(backend, conn, req, [b"health\n"], 7, status=status)
        return True

    def _client(self, backend, conn, req):
        with self._lock:
            self.client_requests += 1
        return h_identify(backend, conn, req)

    def count(self):
        with self._lock:
            return self.client_requests

    def stop(self):
        self.backend.stop()


def health_http(a, b):
    return f"""
    log_format hc '$pid $status $upstream_addr $request_uri';
    access_log {{dir}}/hc.log hc;
    upstream app {{
        zone app 64k;
        server 127.0.0.1:{a.port};
        server 127.0.0.1:{b.port} slow_start=1s;
        health_check interval={int(INTERVAL * 1000)}ms fails={FAILS} passes={PASSES} uri=/health;
    }}
    server {{
        listen 127.0.0.1:{{port}};
        location / {{
            proxy_pass http://app;
        }}
    }}
"""


def fetch(port, path="/"):
    """One request on a fresh connection (so the kernel spreads them over the workers):
    (status, X-Backend)."""
    with Client(port) as c:
        c.send(get(path))
        r = c.read_response(5)
        return r.status, r.header("X-Backend")


def backends_of(port, n):
    """The X-Backend values of n requests, each on a fresh connection."""
    return [fetch(port, f"/r{i}")[1] for i in range(n)]


def count_lines(srv, pattern):
    return len(re.findall(pattern, srv.error_log()))


def log_pids(srv, pattern):
    """The pids of the error log lines matching pattern ("... [level] PID#SLOT: ...")."""
    return [int(m) for m in re.findall(r"\] (\d+)#\d+: " + pattern, srv.error_log())]


def unhealthy_re(p):
    return rf"peer 127\.0\.0\.1:{p.port} is unhealthy"


def healthy_re(p):
    return rf"peer 127\.0\.0\.1:{p.port} is healthy again"


CHECKER_RE = r'health checks of upstream "app" run here'


def test_health_check_reload_and_kill():
    a, b = Peer("a"), Peer("b")
    try:
        with Server(health_http(a, b), workers=2) as srv:
            # One worker of the two runs the group's checks, and both peers get them.
            started = wait_until(lambda: count_lines(srv, CHECKER_RE) >= 1, 5)
            t.ok(started, "one worker starts the group's health checks", srv.logs())
            t.eq(count_lines(srv, CHECKER_RE), 1, "only one")
            t.ok(wait_until(lambda: a.checks >= 1 and b.checks >= 1, 5),
                 "both peers are checked", f"a {a.checks} b {b.checks}")
            both = set(backends_of(srv.port, 20))
            t.eq(both, {"a", "b"}, "both peers serve while healthy")

            # (a) b's health uri fails: out of rotation within about fails x interval.
            b.healthy = False
            t0 = time.monotonic()
            out = wait_until(lambda: count_lines(srv, unhealthy_re(b)) >= 1,
                             FAILS * INTERVAL + INTERVAL + 5)
            took = time.monotonic() - t0
            t.ok(out, "b is logged unhealthy", srv.logs())
            t.between(took, 0, FAILS * INTERVAL + INTERVAL + SLACK,
                      f"within {FAILS} x {INTERVAL}s (+ one interval's phase)")
            t.contains(srv.error_log(), "[warn]", "at warn")
            before = b.count()
            served = backends_of(srv.port, 40)
            t.eq(set(served), {"a"}, "40 requests over both workers: none to b")
            t.eq(b.count(), before, "b's own count agrees")

            # (c) a reload keeping the zone keeps b out, without a second transition.
            old = set(srv.workers_now())
            srv.signal(signal.SIGHUP)
            t.ok(wait_until(lambda: count_lines(srv, CHECKER_RE) >= 2, 10),
                 "the new generation starts the checks", srv.logs())
            right_after = backends_of(srv.port, 20)
            t.eq(set(right_after), {"a"}, "right after the reload: none to b")
            t.ok(wait_until(lambda: not (set(srv.workers_now()) & old), 10),
                 "the old workers are gone")
            srv.note_pids()
            t.eq(set(backends_of(srv.port, 20)), {"a"}, "new workers only: none to b")
            checks = b.checks
            t.ok(wait_until(lambda: b.checks >= checks + FAILS + 1, 5),
                 "the new generation keeps checking b")
            t.eq(count_lines(srv, unhealthy_re(b)), 1,
                 "b was not taken out a second time: the zone kept its state")
            t.eq(b.count(), before, "b got no client request through the reload")

            # (a) again: b answers 200 again and is back after about passes x interval.
            b.healthy = True
            t0 = time.monotonic()
            back = wait_until(lambda: count_lines(srv, healthy_re(b)) >= 1,
                              PASSES * INTERVAL + INTERVAL + 5)
            took = time.monotonic() - t0
            t.ok(back, "b is logged healthy again", srv.logs())
            t.between(took, 0, PASSES * INTERVAL + INTERVAL + SLACK,
                      f"within {PASSES} x {INTERVAL}s (+ one interval's phase)")
            t.ok(wait_until(lambda: "b" in backends_of(srv.port, 10), 5),
                 "b serves clients again (slow_start ramps it)")

            # (d) SIGKILL a worker under load: nothing wedges, the slot comes back.
            checker = log_pids(srv, CHECKER_RE)[-1]
            stop = threading.Event()
            errors = []

            def load():
                deadline = time.monotonic() + 20
                while not stop.is_set() and time.monotonic() < deadline:
                    try:
                        fetch(srv.port)
                    except Exception as e:  # noqa: BLE001 - counted, the load goes on
                        errors.append(repr(e))

            answered = a.count() + b.count()
            threads = [threading.Thread(target=load, daemon=True) for _ in range(4)]
            for th in threads:
                th.start()
            t.ok(wait_until(lambda: a.count() + b.count() > answered + 50, 5), "load flows")
            os.kill(checker, signal.SIGKILL)
            respawned = wait_until(lambda: len(srv.workers_now()) == 2 and
                                   checker not in srv.workers_now(), 10)
            t.ok(respawned, "the killed worker's slot is respawned")
            t.ok(wait_until(lambda: count_lines(srv, CHECKER_RE) >= 3, 10),
                 "and runs the health checks again", srv.logs())
            srv.note_pids()
            stop.set()
            for th in threads:
                th.join(30)
            statuses = [fetch(srv.port)[0] for _ in range(40)]
            t.eq(set(statuses), {200}, "40 requests after the respawn: all 200")
            t.ok(len(errors) <= 4, "the load lost at most the kill's own requests",
                 "\n".join(errors[:10]))
            t.stopped_clean(srv)
    finally:
        a.stop()
        b.stop()


def test_passive_state_shared():
    a = Peer("a")
    dead = free_port()  # nothing listens: connect() is refused
    http = f"""
    log_format hc '$pid $status $upstream_addr $request_uri';
    access_log {{dir}}/hc.log hc;
    upstream app {{
        zone app 64k;
        server 127.0.0.1:{a.port} max_fails=1 fail_timeout=30s;
        server 127.0.0.1:{dead} max_fails=1 fail_timeout=30s;
    }}
    server {{
        listen 127.0.0.1:{{port}};
        location / {{
            proxy_pass http://app;
        }}
    }}
"""
    try:
        with Server(http, workers=2) as srv:
            access = os.path.join(srv.dir, "hc.log")

            def pids_served():
                try:
                    with open(access) as f:
                        lines = f.read().split("\n")
                except OSError:
                    return {}
                seen = {}
                for ln in lines:
                    if ln:
                        pid = ln.split()[0]
                        seen[pid] = seen.get(pid, 0) + 1
                return seen

            statuses = []
            # Requests on fresh connections until each worker has answered several.
            for _ in range(400):
                statuses.append(fetch(srv.port)[0])
                if len(pids_served()) >= 2 and min(pids_served().values()) >= 5:
                    break
            served = pids_served()
            t.eq(len(served), 2, "both workers answered requests")
            t.ok(min(served.values()) >= 5, "each at least 5", served)
            t.eq(set(statuses), {200}, "every request answered (the refused one retried)")
            refused = count_lines(srv, rf"connect\(\) failed.*127\.0\.0\.1:{dead}")
            t.eq(refused, 1, "one connect() to the refused peer in all: the other worker "
                             "skipped it (without a zone: one per worker)")
            t.stopped_clean(srv)
    finally:
        a.stop()


def test_health_check_needs_zone():
    with Server("""
    upstream app {
        server 127.0.0.1:9;
        health_check interval=1s;
    }
    server {
        listen 127.0.0.1:{port};
        location / { proxy_pass http://app; }
    }
""", start=False) as srv:
        rc, out, err = run_cli(srv.args("-t"))
        t.ok(rc != 0, "-t refuses it")
        t.contains(err, 'health checks require upstream "app" to be in shared memory',
                   "with the reason")


t.run(test_health_check_reload_and_kill, test_passive_state_shared, test_health_check_needs_zone)
t.done()
