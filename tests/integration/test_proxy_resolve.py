#!/usr/bin/env python3
"""Upstream names re-resolved at run time (issue 5): `resolver ADDR valid=T;` and
`server NAME resolve;` in a group with a zone, seen from outside: a real portico with 2
workers, backends.py's origin servers on 127.0.0.2 and 127.0.0.3 (same port), and a fake
DNS server written here (UDP on 127.0.0.1, stdlib only) whose answer the test changes.

- the name first resolves to 127.0.0.2: traffic goes there;
- the answer switches to 127.0.0.3: traffic moves within valid + slack, without a reload,
  in both workers, and a load running across the switch has no failed request;
- the DNS server stops answering (the resolver times out): the old address keeps serving,
  and the failure is logged;
- NXDOMAIN: the peers go (502, as nginx), logged at warn; the name coming back brings
  them back;
- a first resolver address that refuses (nothing on its port) is skipped for the next one;
- a reload starts the new workers from the zone's latest answer, even with the DNS server
  silent: no moment without peers;
- resolved addresses are health-checked like the others (health_check in the group);
- AAAA is asked too (ipv6=on is the default): an answer without AAAA records is fine;
- config/: `resolve` without a zone, or without a resolver, is refused (nginx's rules).

Every wait polls an observable (a response, a counter, a log line) against a deadline.
"""
import os
import re
import signal
import socket
import struct
import threading
import time

from backends import Backend, send_answer
from harness import Client, Server, Tap, get, run_cli, wait_until

t = Tap()

NAME = "app.test"
VALID = 1.0   # seconds: resolver valid=1s
SLACK = 3.0   # scheduling on a loaded test machine, and one request's phase
TYPES = {1: "A", 28: "AAAA"}


class FakeDns:
    """A DNS server on 127.0.0.1 (a free UDP port) for one name. mode "answer": A records
    for self.addrs (TTL 1), no AAAA record (NODATA); "silent": queries are dropped (the
    resolver times out); "nxdomain": the name does not exist. Other names: NXDOMAIN.
    Counts the queries it got by type ("A", "AAAA")."""

    def __init__(self, name, addrs):
        self.name = name.lower()
        self.addrs = list(addrs)
        self.mode = "answer"
        self.counts = {}
        self._lock = threading.Lock()
        self._stop = False
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self._thread = threading.Thread(target=self._loop, daemon=True, name="fake-dns")
        self._thread.start()

    def set(self, mode, addrs=None):
        with self._lock:
            self.mode = mode
            if addrs is not None:
                self.addrs = list(addrs)

    def count(self, qtype="A"):
        with self._lock:
            return self.counts.get(qtype, 0)

    def stop(self):
        self._stop = True
        self._thread.join(5)
        self.sock.close()

    def _loop(self):
        while not self._stop:
            try:
                data, peer = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            answer = self._answer(data)
            if answer is not None:
                self.sock.sendto(answer, peer)

    def _answer(self, query):
        if len(query) < 12:
            return None
        qid, flags, qd = struct.unpack("!HHH", query[:6])
        at, labels = 12, []
        while at < len(query) and query[at] != 0:
            n = query[at]
            labels.append(query[at + 1:at + 1 + n].decode("latin-1"))
            at += 1 + n
        question = query[12:at + 5]
        qtype = struct.unpack("!H", query[at + 1:at + 3])[0]
        name = ".".join(labels).lower()
        with self._lock:
            kind = TYPES.get(qtype, str(qtype))
            self.counts[kind] = self.counts.get(kind, 0) + 1
            mode, addrs = self.mode, list(self.addrs)
        if mode == "silent":
            return None
        rcode = 3 if mode == "nxdomain" or name != self.name else 0
        records = b""
        if rcode == 0 and qtype == 1:
            for a in addrs:
                records += struct.pack("!HHHIH", 0xC00C, 1, 1, 1, 4) + socket.inet_aton(a)
        count = len(addrs) if rcode == 0 and qtype == 1 else 0
        head = struct.pack("!HHHHHH", qid, 0x8180 | rcode, 1, count, 0, 0)
        return head + question + records


def two_backends():
    """Backends "b2" on 127.0.0.2 and "b3" on 127.0.0.3 with the same port."""
    for _ in range(20):
        b2 = Backend("b2", host="127.0.0.2")
        try:
            b3 = Backend("b3", host="127.0.0.3", port=b2.port)
            return b2, b3
        except OSError:  # that port is taken on 127.0.0.3: another one
            b2.stop()
    raise RuntimeError("no port free on both 127.0.0.2 and 127.0.0.3")


def dead_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def resolve_http(dns, port, dead=None):
    first = f"127.0.0.1:{dead} " if dead else ""
    return f"""
    log_format rs '$pid $status $upstream_addr';
    access_log {{dir}}/rs.log rs;
    resolver {first}127.0.0.1:{dns.port} valid={int(VALID)}s;
    resolver_timeout 1s;
    upstream app {{
        zone app 64k;
        server {NAME}:{port} resolve;
    }}
    server {{
        listen 127.0.0.1:{{port}};
        location / {{
            proxy_pass http://app;
        }}
    }}
"""


def fetch(port):
    """One request on a fresh connection (the kernel spreads them over the workers):
    (status, X-Backend or None)."""
    with Client(port) as c:
        c.send(get("/"))
        r = c.read_response(5)
        return r.status, r.header("X-Backend")


def served_by(port, n=10):
    return [fetch(port)[1] for _ in range(n)]


def log_lines(srv):
    try:
        with open(os.path.join(srv.dir, "rs.log")) as f:
            return [ln.split() for ln in f.read().splitlines() if ln]
    except OSError:
        return []


def all_workers_moved(srv, mark, addr):
    """Every worker that answered since line mark, and both did, sent its last 3 there."""
    last = {}
    for pid, status, up in log_lines(srv)[mark:]:
        last.setdefault(pid, []).append(up)
    return len(last) >= 2 and all(ups[-3:] == [addr] * 3 for ups in last.values()
                                  if len(ups) >= 3) and all(len(u) >= 3 for u in last.values())


def count_lines(srv, pattern):
    return len(re.findall(pattern, srv.error_log()))


class Load:
    """Threads making requests on fresh connections until stopped; records the outcomes."""

    def __init__(self, port, threads=4):
        self.port = port
        self.results = []
        self.errors = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]
        for th in self._threads:
            th.start()

    def _run(self):
        deadline = time.monotonic() + 60
        while not self._stop.is_set() and time.monotonic() < deadline:
            try:
                r = fetch(self.port)
                with self._lock:
                    self.results.append(r)
            except Exception as e:  # noqa: BLE001 - counted
                with self._lock:
                    self.errors.append(repr(e))

    def count(self, backend=None):
        with self._lock:
            return sum(1 for s, b in self.results if backend is None or b == backend)

    def stop(self):
        self._stop.set()
        for th in self._threads:
            th.join(30)


def test_follow_the_name():
    b2, b3 = two_backends()
    dns = FakeDns(NAME, ["127.0.0.2"])
    try:
        with Server(resolve_http(dns, b2.port, dead=dead_udp_port()), workers=2) as srv:
            pids = set(srv.workers_now())
            up = wait_until(lambda: fetch(srv.port) == (200, "b2"), 5)
            t.ok(up, "the name's first address serves", srv.logs())
            t.eq(set(served_by(srv.port, 20)), {"b2"}, "20 requests: all to 127.0.0.2")
            t.ok(dns.count("A") >= 1, "A asked")
            t.ok(wait_until(lambda: dns.count("AAAA") >= 1, 5), "AAAA asked (ipv6=on)")
            t.eq(count_lines(srv, r"names of upstream \"app\" are re-resolved here"), 1,
                 "one worker resolves the group")

            # The answer switches while a load runs.
            load = Load(srv.port)
            t.ok(wait_until(lambda: load.count("b2") >= 20, 5), "the load flows")
            mark = len(log_lines(srv))
            t0 = time.monotonic()
            dns.set("answer", ["127.0.0.3"])
            moved = wait_until(lambda: load.count("b3") >= 1, VALID + SLACK)
            took = time.monotonic() - t0
            t.ok(moved, "traffic reaches 127.0.0.3", srv.logs())
            t.between(took, 0, VALID + SLACK, f"within valid ({VALID}s) + {SLACK}s")
            t.ok(wait_until(lambda: all_workers_moved(srv, mark, f"127.0.0.3:{b2.port}"), 5),
                 "both workers moved", log_lines(srv)[-10:])
            n = load.count("b3")
            t.ok(wait_until(lambda: load.count("b3") >= n + 40, 5), "the load goes on there")
            load.stop()
            statuses = {s for s, _ in load.results}
            t.eq(load.errors, [], "no request of the load failed")
            t.eq(statuses, {200}, f"all {len(load.results)} answered 200 across the switch")
            before = b2.requests
            t.eq(set(served_by(srv.port, 20)), {"b3"}, "20 more requests: all to 127.0.0.3")
            t.eq(b2.requests, before, "127.0.0.2 gets nothing more")
            t.eq(set(srv.workers_now()), pids, "no reload: the same workers")
            t.contains(srv.error_log(), f"{NAME}:{b2.port} resolves to 127.0.0.3",
                       "the change is logged")

            # The DNS server falls silent: the resolver times out, the address stays.
            dns.set("silent")
            t.ok(wait_until(lambda: count_lines(srv, r"could not be resolved \(timed out\)")
                            >= 1, VALID + 1 + SLACK), "the timeout is logged", srv.logs())
            t.eq(set(served_by(srv.port, 20)), {"b3"}, "127.0.0.3 keeps serving")
            asked = dns.count("A")
            t.ok(wait_until(lambda: dns.count("A") > asked, VALID + 1 + SLACK),
                 "and the name is asked again")
            t.eq(set(served_by(srv.port, 10)), {"b3"}, "still 127.0.0.3")

            # NXDOMAIN: the peers go, as nginx (502), logged at warn.
            dns.set("nxdomain")
            gone = wait_until(lambda: fetch(srv.port)[0] == 502, VALID + 1 + SLACK)
            t.ok(gone, "NXDOMAIN removes the peers: 502", srv.logs())
            t.ok(re.search(r"\[warn\].*app\.test:\d+ does not exist \(NXDOMAIN\): its 1 address "
                           r"removed", srv.error_log()), "logged at warn", srv.logs())
            t.eq({fetch(srv.port)[0] for _ in range(10)}, {502}, "every worker answers 502")
            t.contains(srv.error_log(), "no live upstreams", "nginx's message")

            # The name comes back.
            dns.set("answer", ["127.0.0.2"])
            t.ok(wait_until(lambda: set(served_by(srv.port, 6)) == {"b2"}, VALID + 1 + SLACK),
                 "the name back: 127.0.0.2 serves again")
            t.eq(set(srv.workers_now()), pids, "still no reload")
            t.stopped_clean(srv)
    finally:
        dns.stop()
        b2.stop()
        b3.stop()


def test_several_addresses():
    b2, b3 = two_backends()
    dns = FakeDns(NAME, ["127.0.0.2", "127.0.0.3"])
    try:
        with Server(resolve_http(dns, b2.port), workers=2) as srv:
            both = wait_until(lambda: set(served_by(srv.port, 10)) == {"b2", "b3"}, 5)
            t.ok(both, "a name with two addresses: both serve (round-robin)", srv.logs())
            dns.set("answer", ["127.0.0.3"])
            t.ok(wait_until(lambda: set(served_by(srv.port, 10)) == {"b3"}, VALID + SLACK),
                 "one address removed: only the other serves")
            dns.set("answer", ["127.0.0.3", "127.0.0.2"])
            t.ok(wait_until(lambda: set(served_by(srv.port, 10)) == {"b2", "b3"},
                            VALID + SLACK), "added back: both again")
            t.stopped_clean(srv)
    finally:
        dns.stop()
        b2.stop()
        b3.stop()


def test_reload_keeps_the_answer():
    b2, b3 = two_backends()
    dns = FakeDns(NAME, ["127.0.0.2"])
    try:
        with Server(resolve_http(dns, b2.port), workers=2) as srv:
            t.ok(wait_until(lambda: fetch(srv.port) == (200, "b2"), 5), "127.0.0.2 serves",
                 srv.logs())
            dns.set("answer", ["127.0.0.3"])
            t.ok(wait_until(lambda: set(served_by(srv.port, 6)) == {"b3"}, VALID + SLACK),
                 "then 127.0.0.3")
            dns.set("silent")  # the new generation cannot ask: it must start from the zone
            old = set(srv.workers_now())
            srv.signal(signal.SIGHUP)
            t.ok(wait_until(lambda: not (set(srv.workers_now()) & old) and
                            len(srv.workers_now()) == 2, 10), "reloaded: new workers")
            srv.note_pids()
            t.eq(set(served_by(srv.port, 20)), {"b3"},
                 "the new workers serve the zone's latest address at once (no 502)")
            t.stopped_clean(srv)
    finally:
        dns.stop()
        b2.stop()
        b3.stop()


def sick(backend, conn, req):
    """A health uri that fails."""
    send_answer(backend, conn, req, [b"sick\n"], 5, status=503)
    return True


def test_health_checks_follow():
    b2, b3 = two_backends()
    b3.routes["/health"] = sick
    dns = FakeDns(NAME, ["127.0.0.2", "127.0.0.3"])
    http = resolve_http(dns, b2.port).replace(
        "resolve;", "resolve;\n        health_check interval=300ms fails=1 passes=1 "
        "uri=/health;")
    try:
        with Server(http, workers=2) as srv:
            out = wait_until(lambda: re.search(rf"peer 127\.0\.0\.3:{b2.port} is unhealthy",
                                               srv.error_log()), 5)
            t.ok(out, "a resolved address is health-checked: 127.0.0.3 taken out", srv.logs())
            t.eq(set(served_by(srv.port, 20)), {"b2"}, "20 requests: none to it")
            t.stopped_clean(srv)
    finally:
        dns.stop()
        b2.stop()
        b3.stop()


def test_config_rules():
    for what, http, want in [
        ("without a zone", """
    resolver 127.0.0.1:53;
    upstream app { server app.test:80 resolve; }
    server { listen 127.0.0.1:{port}; location / { proxy_pass http://app; } }
""", 'resolving names at run time requires upstream "app" to be in shared memory'),
        ("without a resolver", """
    upstream app { zone app 64k; server app.test:80 resolve; }
    server { listen 127.0.0.1:{port}; location / { proxy_pass http://app; } }
""", 'no resolver defined to resolve names at run time in upstream "app"'),
    ]:
        with Server(http, start=False) as srv:
            rc, _, err = run_cli(srv.args("-t"))
            t.ok(rc != 0, f"resolve {what}: -t refuses it")
            t.contains(err, want, "with nginx's reason")


t.run(test_follow_the_name, test_several_addresses, test_reload_keeps_the_answer,
      test_health_checks_follow, test_config_rules)
t.done()
