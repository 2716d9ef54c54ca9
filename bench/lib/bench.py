#!/usr/bin/env python3
"""bench/lib/bench.py - the measuring half of bench/run (which builds, then calls this).

For each scenario it runs every server in alternating rounds (A B C A B C ...), each run on
a freshly started server with one worker pinned to SERVER_CPU while the load generator runs
on LOAD_CPU, takes the median of each figure over the rounds, prints a table per scenario
with the ratios and the `ratio_vs_PEER: X` lines, and rewrites that scenario's block in
bench/RESULTS.md.

Servers and scenarios are tables (SERVERS, SCENARIOS below): a new peer is a start function
plus a config in bench/configs/SCENARIO.NAME.conf; a new scenario is a run function that
returns a dict of figures, the servers it compares, and a table layout. Everything started
lives in its own process group, listed in $BENCH_PGIDS so that bench/run's EXIT trap can
kill what a crash here would leave behind.

The proxy scenarios (issue 5) put one backend (bench/floor/backend.c, on LOAD_CPU with the
load generator, charged to no proxy) behind portico, nginx, HAProxy, h2o and the relay floor
(bench/floor/relay.c), and take three passes: peak requests/s and CPU per request with wrk;
latency at a fixed rate, about half the slowest peak, with bench/load/rate.c (Debian's wrk
has no -R); syscalls per request over a fixed count of requests (strace -c -f, and perf's
syscall tracepoint, which does not slow the server down).
"""
import ctypes
import datetime
import http.client
import os
import platform
import re
import resource
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCH = os.path.join(ROOT, "bench")
CLK_TCK = os.sysconf("SC_CLK_TCK")


def env_int(name, default):
    return int(os.environ.get(name, default))


SETTINGS = {
    "ROUNDS": env_int("ROUNDS", 3),
    "DURATION": env_int("DURATION", 10),     # seconds of each measured wrk run
    "WARMUP": env_int("WARMUP", 1),          # seconds of wrk before each measured run
    "CONNS": env_int("CONNS", 50),           # wrk -c
    "THREADS": env_int("THREADS", 1),        # wrk -t
    "IDLE_CONNS": env_int("IDLE_CONNS", 10000),
    "SERVER_CPU": os.environ.get("SERVER_CPU", "0"),
    "LOAD_CPU": os.environ.get("LOAD_CPU", "1"),
    "NICE": env_int("NICE", -10),            # servers and load generator alike
    "NOISE": env_int("NOISE", 10),           # % of other load that makes a run re-run
    "RETRY": env_int("RETRY", 30),           # seconds of re-runs allowed per invocation
    # proxy scenarios (issue 5)
    "RATE": env_int("RATE", 0),              # req/s of the latency pass; 0: RATE_SHARE % of
    "RATE_SHARE": env_int("RATE_SHARE", 50),  # the slowest server's median peak
    "SYSCALL_REQS": env_int("SYSCALL_REQS", 20000),  # requests counted; 0: no syscall pass
}
DEFAULTS = {"ROUNDS": 3, "DURATION": 10, "WARMUP": 1, "CONNS": 50, "THREADS": 1,
            "IDLE_CONNS": 10000, "SERVER_CPU": "0", "LOAD_CPU": "1", "NICE": -10,
            "NOISE": 10, "RETRY": 30, "RATE": 0, "RATE_SHARE": 50, "SYSCALL_REQS": 20000}
READY_TIMEOUT = 5.0   # seconds a server gets to answer on its port after it starts


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class NotRunnable(Exception):
    pass


class NotConfigurable(Exception):
    """The server refuses this scenario's config (portico -t): skipped in this scenario only,
    not in the others."""


# ---- process groups --------------------------------------------------------------------

LIVE_PGIDS = set()


def note_pgids():
    path = os.environ.get("BENCH_PGIDS")
    if path:
        with open(path + ".new", "w") as f:
            f.write("".join("%d\n" % p for p in sorted(LIVE_PGIDS)))
        os.replace(path + ".new", path)


def pinned(cpu, cmd):
    """cmd on one CPU, at the NICE priority that every server and load generator shares
    (a shared machine's niced background jobs then take little from the runs)."""
    return ["taskset", "-c", cpu] + cmd


def set_priority():
    try:
        os.setpriority(os.PRIO_PROCESS, 0, SETTINGS["NICE"])
    except OSError:
        pass


def spawn(cmd, **kw):
    """Starts cmd in a new session (so its process group is its own), noted for cleanup."""
    p = subprocess.Popen(cmd, start_new_session=True, preexec_fn=set_priority, **kw)
    LIVE_PGIDS.add(p.pid)
    note_pgids()
    return p


def group_members(pgid):
    """pids of the live (non-zombie) processes of process group pgid."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # after the comm: state ppid pgrp ...
        if int(fields[2]) == pgid and fields[0] != "Z":
            pids.append(int(entry))
    return sorted(pids)


def reap():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def kill_group(proc, grace=3.0):
    """Stops a process group: SIGTERM, then SIGKILL after grace seconds; waits for it."""
    pgid = proc.pid
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 2.0)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            pass
        end = time.monotonic() + wait
        while time.monotonic() < end:
            if proc.poll() is not None:
                reap()  # workers orphaned to us (we are a child subreaper)
            if not group_members(pgid):
                break
            time.sleep(0.02)
        if not group_members(pgid):
            break
    try:
        proc.wait(timeout=1)
    except subprocess.TimeoutExpired:
        pass
    reap()
    left = group_members(pgid)
    if left:
        log("bench: process group %d still has %s" % (pgid, left))
    else:
        LIVE_PGIDS.discard(pgid)
        note_pgids()


def become_subreaper():
    """Orphaned workers (a master killed first) come back to us, to be reaped."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


# ---- /proc -----------------------------------------------------------------------------

def cpu_ticks(pids):
    total = 0
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (stat fields 14, 15)
    return total


def cpu_busy(cpus):
    """Ticks the given CPUs were not idle since boot (steal included: a hypervisor's
    other guests are noise too): with the server's and the load generator's time taken
    out, what other processes took. Softirq time counts, as the tasks' own stime holds
    the network processing that runs in their context."""
    total = 0
    with open("/proc/stat") as f:
        for line in f:
            fields = line.split()
            if fields[0] in ["cpu%s" % c for c in cpus]:
                v = [int(x) for x in fields[1:9]]  # user nice system idle iowait irq softirq steal
                total += sum(v) - v[3] - v[4]
    return total


def rss_kib(pid):
    """Resident set in KiB. smaps_rollup walks the page tables, so it is exact; VmRSS in
    /proc/PID/status is the same figure from per-CPU counters that may lag by hundreds of
    KiB, too coarse for a per-connection delta. Falls back to VmRSS."""
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Rss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise OSError("no RSS for pid %d" % pid)


def open_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


# ---- servers ---------------------------------------------------------------------------

def free_port():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def render_config(config_set, server, port, tmp, backend_port=None):
    """bench/configs/SET.SERVER.conf with @PORT@, @BACKEND_PORT@ and @TMP@ filled in,
    written into tmp."""
    src = os.path.join(BENCH, "configs", "%s.%s.conf" % (config_set, server))
    with open(src) as f:
        text = f.read().replace("@PORT@", str(port)).replace("@TMP@", tmp)
    text = text.replace("@BACKEND_PORT@", str(backend_port))
    if config_set == "routing":
        write_routing_servers(tmp, port)
    if config_set == "static":
        write_static_files(tmp)
    dst = os.path.join(tmp, "%s.conf" % server)
    with open(dst, "w") as f:
        f.write(text)
    return dst


def cmd_portico(conf, port, tmp, backend_port):
    return [os.environ["BENCH_PORTICO"], "-c", conf]


def check_portico(conf):
    """`portico -t`: None if it takes the config, else its first line (file:line:col: what)."""
    try:
        p = subprocess.run([os.environ["BENCH_PORTICO"], "-t", "-c", conf], capture_output=True,
                           text=True, timeout=30, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as e:
        return "portico -t: %s" % e
    if p.returncode == 0:
        return None
    lines = [l.strip() for l in (p.stderr + p.stdout).splitlines() if l.strip()]
    return "portico -t rejects %s: %s" % (os.path.basename(conf),
                                          lines[0] if lines else "exit %d" % p.returncode)


def cmd_nginx(conf, port, tmp, backend_port):
    # -e: nginx opens its compiled-in error log before reading the config; keep it in tmp.
    return ["nginx", "-p", tmp + "/", "-e", os.path.join(tmp, "error.log"), "-c", conf]


def cmd_haproxy(conf, port, tmp, backend_port):
    # -db: foreground, no master-worker: one process, the one measured
    return ["haproxy", "-db", "-f", conf]


def cmd_h2o(conf, port, tmp, backend_port):
    return ["h2o", "-c", conf]


def cmd_floor(conf, port, tmp, backend_port):
    return [os.environ["BENCH_FLOOR"], "127.0.0.1:%d" % port]


def cmd_relay(conf, port, tmp, backend_port):
    return [os.environ["BENCH_RELAY"], "127.0.0.1:%d" % port, "127.0.0.1:%d" % backend_port]


class Peer:
    """How to start one server: its command, whether it reads a config from bench/configs,
    a check of that config that may refuse the scenario (None: none), and whether its
    worker is the process started (h2o forks a helper that is not a worker)."""

    def __init__(self, command, has_config, check=None, started_is_worker=False):
        self.command = command
        self.has_config = has_config
        self.check = check
        self.started_is_worker = started_is_worker


# name -> Peer. The first is the subject of every ratio; a scenario lists the servers it
# compares, in the order of each round.
SERVERS = {
    "portico": Peer(cmd_portico, True, check_portico),
    "nginx": Peer(cmd_nginx, True),
    "haproxy": Peer(cmd_haproxy, True, started_is_worker=True),
    "h2o": Peer(cmd_h2o, True, started_is_worker=True),
    "floor": Peer(cmd_floor, False),
    "relay": Peer(cmd_relay, False),
}
SUBJECT = "portico"
# Peers that are programs of the system; a missing one is "not installed", not an error.
INSTALLED = {"nginx": "nginx", "haproxy": "haproxy", "h2o": "h2o"}


def get(port, path="/"):
    """One GET on a fresh connection: (status, header bytes + body bytes, body)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        c.request("GET", path, headers={"Host": "localhost"})
        r = c.getresponse()
        body = r.read()
        head = "HTTP/1.1 %d %s\r\n" % (r.status, r.reason)
        head += "".join("%s: %s\r\n" % kv for kv in r.getheaders()) + "\r\n"
        return r.status, len(head) + len(body), body
    finally:
        c.close()


class Running:
    """A started server: its process group, port and scratch dir; backend: the Backend it
    proxies to (proxy scenarios), else None."""

    def __init__(self, name, config_set, tmp_root, backend=None):
        self.name = name
        self.backend = backend
        self.port = free_port()
        # unique even when free_port() hands out a port again in a later run
        self.tmp = tempfile.mkdtemp(prefix="%s.%d." % (name, self.port), dir=tmp_root)
        peer = SERVERS[name]
        backend_port = backend.port if backend else None
        conf = (render_config(config_set, name, self.port, self.tmp, backend_port)
                if peer.has_config else None)
        if peer.check:
            refused = peer.check(conf)
            if refused:
                raise NotConfigurable(refused)
        cmd = pinned(SETTINGS["SERVER_CPU"], peer.command(conf, self.port, self.tmp,
                                                         backend_port))
        self.stderr_path = os.path.join(self.tmp, "stderr")
        with open(self.stderr_path, "w") as err:
            self.proc = spawn(cmd, stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                              cwd=self.tmp)
        self.wait_ready()

    def why_not(self):
        """The first line the server wrote on stderr, else the last of its error log."""
        for path, pick in ((self.stderr_path, 0), (os.path.join(self.tmp, "error.log"), -1)):
            try:
                with open(path) as f:
                    lines = [l.strip() for l in f if l.strip()]
            except OSError:
                continue
            if lines:
                return lines[pick]
        return "no answer on its port within %gs" % READY_TIMEOUT

    def wait_ready(self):
        end = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                reason = "exited %d: %s" % (self.proc.returncode, self.why_not())
                self.stop()
                raise NotRunnable(reason)
            try:
                status, size, body = get(self.port)
                if status == 200 and body == b"hello\n" and self.workers():
                    self.response_bytes = size
                    return
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.05)
        reason = self.why_not()
        self.stop()
        raise NotRunnable(reason)

    def processes(self):
        return group_members(self.proc.pid)

    def workers(self):
        """The worker(s): every process of the group but the master, or the only one."""
        pids = self.processes()
        if SERVERS[self.name].started_is_worker:
            return [self.proc.pid] if self.proc.pid in pids else []
        others = [p for p in pids if p != self.proc.pid]
        return others if others else pids

    def stop(self):
        kill_group(self.proc)


class Backend:
    """The backend of the proxy scenarios (bench/floor/backend.c: "hello\\n" on /, 64 KiB on
    /64k, 1 MiB on /1m), one per scenario, the same for every proxy. It runs on LOAD_CPU
    beside the load generator, so that SERVER_CPU holds the proxy alone, and its CPU time
    is charged to no proxy (each table shows it per request)."""

    def __init__(self, tmp_root):
        self.port = free_port()
        cmd = pinned(SETTINGS["LOAD_CPU"], [os.environ["BENCH_BACKEND"],
                                            "127.0.0.1:%d" % self.port])
        self.proc = spawn(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, cwd=tmp_root)
        end = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < end and self.proc.poll() is None:
            try:
                if get(self.port)[2] == b"hello\n":
                    return
            except (OSError, http.client.HTTPException):
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("the backend (%s) does not answer" % os.environ["BENCH_BACKEND"])

    def pids(self):
        return group_members(self.proc.pid)

    def stop(self):
        kill_group(self.proc)


# ---- load generators -------------------------------------------------------------------

UNITS = {"us": 1.0, "ms": 1e3, "s": 1e6, "m": 60e6}


def parse_wrk(out):
    def latency(pct):
        m = re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s|m)\s*$" % pct, out, re.M)
        return float(m.group(1)) * UNITS[m.group(2)] if m else float("nan")
    m = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", out)
    if not m:
        raise RuntimeError("cannot read wrk's output:\n" + out)
    requests = int(m.group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors += int(non2xx.group(1)) if non2xx else 0
    return {"requests": requests, "rps": rps, "p50": latency(50), "p99": latency(99),
            "errors": errors}


def wrk(port, seconds, path="/", host=None):
    extra = ["-H", "Host: %s" % host] if host else []
    cmd = pinned(SETTINGS["LOAD_CPU"], [
        "wrk", "-t%d" % SETTINGS["THREADS"], "-c%d" % SETTINGS["CONNS"], "-d%ds" % seconds,
        "--latency"] + extra + ["http://127.0.0.1:%d%s" % (port, path)])
    p = spawn(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        out, _ = p.communicate(timeout=seconds + 30)
    finally:
        kill_group(p, grace=1.0)
    if p.returncode != 0:
        raise RuntimeError("wrk failed:\n" + out)
    return parse_wrk(out)


# ---- scenarios -------------------------------------------------------------------------

class CpuMeter:
    """CPU time over a run: the server's (all its processes), the backend's if any, the
    load generator's, and what other tasks took of the two CPUs, in % (the noise that makes
    run_quietly run again). The load generator is load_pid, read live from /proc, or if
    None every child reaped between start and stop (wrk, which runs the whole window)."""

    def __init__(self, srv, load_pid=None):
        self.srv = srv
        self.pids = srv.processes()
        self.backend_pids = srv.backend.pids() if srv.backend else []
        self.load_pid = load_pid
        self.cpus = sorted({SETTINGS["SERVER_CPU"], SETTINGS["LOAD_CPU"]})

    def load_seconds(self):
        if self.load_pid is not None:
            return cpu_ticks([self.load_pid]) / CLK_TCK
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        return ru.ru_utime + ru.ru_stime

    def start(self):
        self.ticks0 = cpu_ticks(self.pids)
        self.backend0 = cpu_ticks(self.backend_pids)
        self.busy0, self.t0 = cpu_busy(self.cpus), time.monotonic()
        self.load0 = self.load_seconds()

    def stop(self):
        """At the end of the window (wrk: once reaped): the figures of the run, without
        per-request division (see per_request). A server process that exited meanwhile
        (a crashed worker, respawned) takes its CPU time with it: the run fails."""
        ticks = cpu_ticks(self.pids) - self.ticks0
        gone = sorted(set(self.pids) - set(self.srv.processes()))
        if gone:
            raise RuntimeError("%s: process %s exited during the run (crashed?)" % (
                self.srv.name, ", ".join(map(str, gone))))
        backend = cpu_ticks(self.backend_pids) - self.backend0
        load_s = self.load_seconds() - self.load0
        others_s = (cpu_busy(self.cpus) - self.busy0 - ticks - backend) / CLK_TCK - load_s
        self.server_s, self.backend_s, self.load_s = ticks / CLK_TCK, backend / CLK_TCK, load_s
        self.others = max(others_s, 0) / (time.monotonic() - self.t0) / len(self.cpus) * 100

    def per_request(self, requests):
        n = max(requests, 1)
        return self.server_s * 1e6 / n, self.backend_s * 1e6 / n, self.load_s * 1e6 / n


def run_return(srv, path="/", host=None):
    """GET / with a small body over keep-alive, wrk with fixed settings."""
    if SETTINGS["WARMUP"] > 0:
        wrk(srv.port, SETTINGS["WARMUP"], path, host)
    meter = CpuMeter(srv)
    meter.start()
    fig = wrk(srv.port, SETTINGS["DURATION"], path, host)
    meter.stop()
    fig["cpu_us"], backend_us, fig["wrk_us"] = meter.per_request(fig["requests"])
    if srv.backend:
        fig["backend_us"] = backend_us
    fig["others"] = meter.others
    fig["rss"] = sum(rss_kib(w) for w in srv.workers())
    fig["resp"] = srv.response_bytes
    return fig


# The routing scenario's config (bench/configs/routing.*.conf includes it): 10,000 server
# names in 100 servers, the last of which also has 100 regex locations beside a ^~ prefix.
ROUTING_NAMES, ROUTING_REGEXES = 10000, 100
ROUTING_HOST = "host-%d.example.com" % (ROUTING_NAMES - 1)


def write_routing_servers(tmp, port):
    per = 100
    with open(os.path.join(tmp, "routing-servers.conf"), "w") as f:
        for s in range(ROUTING_NAMES // per):
            names = " ".join("host-%d.example.com" % (s * per + i) for i in range(per))
            f.write("server {\n    listen 127.0.0.1:%d;\n    server_name %s;\n" % (port, names))
            if s == 0:  # the default server: what the readiness check asks for
                f.write("    location = / { return 200 \"hello\\n\"; }\n")
            if s == ROUTING_NAMES // per - 1:
                for r in range(ROUTING_REGEXES):
                    f.write("    location ~ ^/r%d/(\\w+)$ { return 200 \"r$1\\n\"; }\n" % r)
                f.write("    location ^~ /static/ { return 200 \"hello\\n\"; }\n")
            f.write("    location / { return 404; }\n}\n")


# The static scenarios' files, written next to each server's config (root @TMP@/www).
STATIC_FILES = {"4k.bin": 4096, "1m.bin": 1 << 20}


def write_static_files(tmp):
    www = os.path.join(tmp, "www")
    os.makedirs(www, exist_ok=True)
    # nginx started as root serves as nobody: the files and every folder above them must
    # be readable by others (mktemp made the run's folder 0700).
    for d in (os.path.dirname(tmp), tmp, www):
        os.chmod(d, 0o755)
    for name, size in STATIC_FILES.items():
        with open(os.path.join(www, name), "wb") as f:
            f.write(bytes((i * 7 + 3) % 251 for i in range(size)))
            os.fchmod(f.fileno(), 0o644)


def run_static_4k(srv):
    """A 4 KiB file over keep-alive (sendfile on, both servers)."""
    return run_return(srv, "/4k.bin")


def run_static_1m(srv):
    """A 1 MiB file over keep-alive: the client's copy bounds the rate, so CPU per
    request tells the servers apart."""
    return run_return(srv, "/1m.bin")


def run_routing(srv):
    """The return scenario's request, routed through the big config: Host found among
    10,000 names, the URI under a ^~ prefix beside 100 regex locations."""
    return run_return(srv, "/static/x", ROUTING_HOST)


def run_idle(srv):
    """IDLE_CONNS keep-alive connections, each after one request, left idle: worker RSS
    before and after, per connection."""
    n = SETTINGS["IDLE_CONNS"]
    workers = srv.workers()
    time.sleep(0.2)
    rss0 = sum(rss_kib(w) for w in workers)
    fds0 = sum(open_fds(w) for w in workers)
    cmd = pinned(SETTINGS["LOAD_CPU"], [
        sys.executable, os.path.join(BENCH, "lib", "idle.py"), "--port", str(srv.port),
        "--count", str(n), "--timeout", "60"])
    p = spawn(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        line = p.stdout.readline().strip()
        if not line.startswith("ready"):
            raise RuntimeError("idle client: %s" % (line or "no answer"))
        time.sleep(0.5)  # the worker has written every answer; let it finish its turn
        rss1 = sum(rss_kib(w) for w in workers)
        held = sum(open_fds(w) for w in workers) - fds0
        p.stdin.write("close\n")
        p.stdin.flush()
        closed = p.stdout.readline().strip()
        if not closed.startswith("closed"):
            raise RuntimeError("idle client did not close: %r" % closed)
        p.wait(timeout=10)
    finally:
        kill_group(p, grace=1.0)
    return {"rss0": rss0, "rss1": rss1, "held": held,
            "per_conn": (rss1 - rss0) * 1024.0 / n}


# ---- the proxy scenarios (issue 5) ------------------------------------------------------

def rate_loader(port, path, args, timeout):
    """Starts bench/load/rate.c on LOAD_CPU with CONNS connections (args: its other options);
    a watchdog kills it after timeout seconds, whatever it is doing."""
    cmd = pinned(SETTINGS["LOAD_CPU"], [os.environ["BENCH_RATE"], "-c%d" % SETTINGS["CONNS"]]
                 + args + ["http://127.0.0.1:%d%s" % (port, path)])
    p = spawn(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
              text=True)
    def kill():
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    watchdog = threading.Timer(timeout, kill)
    watchdog.daemon = True
    watchdog.start()
    return p, watchdog


def finish_loader(p, watchdog, on_line=None):
    """Reads the loader's output to its end (on_line sees each line as it comes); returns its
    "KEY VALUE" figures. Raises RuntimeError if it failed or timed out."""
    lines = []
    try:
        for line in p.stdout:
            line = line.strip()
            lines.append(line)
            if on_line:
                on_line(line)
        p.wait(timeout=5)
    finally:
        watchdog.cancel()
        kill_group(p, grace=1.0)
    figs = {}
    for line in lines:
        parts = line.split()
        if len(parts) == 2:
            try:
                figs[parts[0]] = float(parts[1])
            except ValueError:
                pass
    if p.returncode != 0 or "requests" not in figs or figs.get("timed_out"):
        raise RuntimeError("rate failed (exit %s):\n%s" % (p.returncode, "\n".join(lines[-20:])))
    return figs


def run_at_rate(srv, path, rate):
    """Latency at a fixed rate: bench/load/rate.c at `rate` req/s over CONNS connections for
    DURATION s after a WARMUP s warm-up, latency from each request's scheduled time; the
    server's CPU per request over the same window."""
    seconds, warmup = SETTINGS["DURATION"], max(SETTINGS["WARMUP"], 1)
    p, watchdog = rate_loader(srv.port, path, ["-r%d" % rate, "-d%d" % seconds,
                                               "-w%d" % warmup], seconds + warmup + 30)
    meter = CpuMeter(srv, load_pid=p.pid)

    def on_line(line):
        if line == "start":
            meter.start()
        elif line == "stop":
            meter.stop()
    figs = finish_loader(p, watchdog, on_line)
    cpu_us, backend_us, load_us = meter.per_request(figs["requests"])
    return {"rate": rate, "rate_rps": figs["rps"], "p50r": figs["p50_us"],
            "p99r": figs["p99_us"], "p999r": figs["p999_us"], "lag99": figs["lag_p99_us"],
            "cpu_rate_us": cpu_us, "rate_errors": figs["errors"] + figs["non2xx"],
            "others": meter.others}


def closed_loop(srv, path, count):
    """count requests over CONNS connections, each sent when the previous answer is in."""
    p, watchdog = rate_loader(srv.port, path, ["-n%d" % count, "-t120"], 150)
    return finish_loader(p, watchdog)


def tracer_attached(pid):
    """True once every thread of pid is traced (strace -f -p attaches them all)."""
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return True  # gone: nothing to wait for
    for tid in tids:
        try:
            with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
                traced = any(l.startswith("TracerPid:") and l.split()[1] != "0" for l in f)
        except OSError:
            continue
        if not traced:
            return False
    return True


def parse_strace_summary(text):
    """strace -c's table -> {syscall: calls}, with the total under "total"."""
    calls = {}
    for line in text.splitlines():
        m = re.match(r"^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\S+)\s*$", line)
        if m:
            calls[m.group(2)] = int(m.group(1))
    return calls


def traced(srv, path, count, tool_cmd, ready):
    """Runs tool_cmd (attached to srv's workers) around count closed-loop requests;
    ready() says when it is attached. Returns the requests counted."""
    tool = spawn(tool_cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                 stderr=subprocess.DEVNULL)
    try:
        end = time.monotonic() + 10
        while not ready() and time.monotonic() < end and tool.poll() is None:
            time.sleep(0.02)
        if tool.poll() is not None or not ready():
            raise RuntimeError("%s did not attach" % tool_cmd[0])
        figs = closed_loop(srv, path, count)
        os.killpg(tool.pid, signal.SIGINT)  # both print their summary and detach
        tool.wait(timeout=30)
    finally:
        kill_group(tool, grace=5.0)
    return figs["requests"]


def count_syscalls(srv, path, share=1):
    """Syscalls of the server's workers per request over SYSCALL_REQS/share closed-loop
    requests (share: fewer for big answers), after as many unmeasured ones (pools warm). Two counts: `perf stat` on the
    raw_syscalls:sys_enter tracepoint (cheap: the server runs at its own pace, so its
    epoll_wait batching is the real one) and `strace -c -f` (the issue's measure, with a
    breakdown by syscall; ptrace slows the server, so batches grow and epoll_wait calls
    per request shrink)."""
    n = max(SETTINGS["SYSCALL_REQS"] // share, 100)
    closed_loop(srv, path, n)
    pids = srv.workers()
    out = {}
    if shutil.which("perf"):
        perf_out = os.path.join(srv.tmp, "perf.txt")
        cmd = ["perf", "stat", "-x,", "-e", "raw_syscalls:sys_enter", "-o", perf_out,
               "-p", ",".join(str(p) for p in pids)]
        t_ready = time.monotonic() + 0.5  # perf says nothing when it is attached
        try:
            done = traced(srv, path, n, cmd, lambda: time.monotonic() > t_ready)
            with open(perf_out) as f:
                m = re.search(r"^(\d+),[^,]*,raw_syscalls:sys_enter", f.read(), re.M)
            if m:
                out["sys_perf"] = int(m.group(1)) / max(done, 1)
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
            log("bench:   perf stat failed: %s" % e)
    if shutil.which("strace"):
        strace_out = os.path.join(srv.tmp, "strace.txt")
        cmd = ["strace", "-c", "-f", "-o", strace_out]
        for pid in pids:
            cmd += ["-p", str(pid)]
        try:
            done = traced(srv, path, n, cmd, lambda: all(tracer_attached(p) for p in pids))
            with open(strace_out) as f:
                calls = parse_strace_summary(f.read())
            if "total" in calls:
                out["sys_strace"] = calls.pop("total") / max(done, 1)
                out["sys_calls"] = {k: v / max(done, 1) for k, v in calls.items()}
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
            log("bench:   strace failed: %s" % e)
    return out


def proxy_scenario_runs(path, syscall_share):
    """The three passes of a proxy scenario for one path: (peak, at_rate, syscalls)."""
    return (lambda srv: run_return(srv, path),
            lambda srv, rate: run_at_rate(srv, path, rate),
            lambda srv: count_syscalls(srv, path, syscall_share))


def fmt_int(x):
    return "{:,}".format(int(round(x)))


def fmt_ratio(num, den):
    if num is None or den is None:
        return "not yet"
    if den == 0:
        return "inf" if num > 0 else "n/a"
    return "%.2f" % (num / den)


def spread(values):
    med = statistics.median(values)
    return (max(values) - min(values)) / med * 100 if med else 0.0


class Scenario:
    def __init__(self, name, title, config_set, run, columns, headline, extra_ratios=(),
                 targets=(), servers=("portico", "nginx", "floor"), section="core",
                 backend=False, at_rate=None, syscalls=None):
        self.name = name
        self.title = title
        self.config_set = config_set   # bench/configs/CONFIG_SET.SERVER.conf
        self.run = run                 # Running -> dict of figures
        self.columns = columns         # [(header, function(median figures) -> str)]
        # (figure, higher_is_better, what): ratio_vs_PEER, oriented so >1 favours portico
        self.headline = headline
        # more ratio lines: [(line prefix, figure, higher_is_better, what)]
        self.extra_ratios = extra_ratios
        # [(what, function(medians by server) -> (measured text, met) or None if not yet)]
        self.targets = targets
        self.servers = servers         # compared, in the order of each round
        self.section = section         # the part of RESULTS.md it writes (SECTIONS)
        # proxy scenarios: a Backend behind every server, a second pass of rounds at a fixed
        # rate ((Running, rate) -> figures) and a syscall count ((Running) -> figures)
        self.backend = backend
        self.at_rate = at_rate
        self.syscalls = syscalls

    def describe(self):
        return self.title.format(**SETTINGS)


def oriented(fig, higher_is_better, subject, peer):
    s, p = subject.get(fig) if subject else None, peer.get(fig)
    if s is None or p is None:
        return None, None
    return (s, p) if higher_is_better else (p, s)


def target_ratio(fig, higher_is_better, peer, at_least):
    """A target on a ratio: met when ratio_vs_peer (oriented: >1 favours portico) is at
    least at_least."""
    def check(med):
        if SUBJECT not in med or peer not in med:
            return None
        num, den = oriented(fig, higher_is_better, med[SUBJECT], med[peer])
        if not den:
            return None
        return "%.2f" % (num / den), num / den >= at_least
    return check


def target_p99_vs(peer, key="p99"):
    def check(med):
        if SUBJECT not in med or peer not in med or key not in med[SUBJECT] \
                or key not in med[peer]:
            return None
        s, p = med[SUBJECT][key], med[peer][key]
        return "%.0f µs vs %.0f µs" % (s, p), s <= p
    return check


def target_idle_bytes(limit):
    def check(med):
        if SUBJECT not in med:
            return None
        b = med[SUBJECT]["per_conn"]
        return "%.0f bytes" % b, b <= limit
    return check


# The columns of a wrk scenario that is judged by rate and CPU per request.
LOAD_COLUMNS = [
    ("req/s", lambda f: fmt_int(f["rps"])),
    ("p50 µs", lambda f: "%.0f" % f["p50"]),
    ("p99 µs", lambda f: "%.0f" % f["p99"]),
    ("CPU µs/req", lambda f: "%.2f" % f["cpu_us"]),
    ("worker RSS KiB", lambda f: fmt_int(f["rss"])),
    ("errors", lambda f: "%d" % f["errors"]),
]

def column(header, key, spec):
    """A column showing figure key with a %-format spec, or "n/a" when the run has none."""
    return (header, lambda f: spec % f[key] if key in f else "n/a")


# The columns of a proxy scenario: peak with wrk, then the fixed-rate pass, then syscalls.
PROXY_COLUMNS = [
    ("req/s", lambda f: fmt_int(f["rps"])),
    column("CPU µs/req", "cpu_us", "%.2f"),
    ("CPU spread", lambda f: "±%.1f%%" % (f["cpu_spread"] / 2)),
    column("p50 µs @rate", "p50r", "%.0f"),
    column("p99 µs @rate", "p99r", "%.0f"),
    column("p99.9 µs @rate", "p999r", "%.0f"),
    column("CPU µs/req @rate", "cpu_rate_us", "%.2f"),
    column("syscalls/req strace", "sys_strace", "%.2f"),
    column("syscalls/req perf", "sys_perf", "%.2f"),
    ("worker RSS KiB", lambda f: fmt_int(f["rss"])),
    column("backend CPU µs/req", "backend_us", "%.2f"),
    ("errors", lambda f: "%d" % (f["errors"] + f.get("rate_errors", 0))),
]
PROXY_SERVERS = ("portico", "nginx", "haproxy", "h2o", "relay")
PROXY_RATIOS = [("rps_ratio_vs_", "rps", True, "requests/s, portico/PEER"),
                ("p99_ratio_vs_", "p99r", False, "p99 latency at the fixed rate, PEER/portico")]
PROXY_HEADLINE = ("cpu_us", False, "CPU per proxied request, PEER/portico")


def proxy_scenario(name, path, what, targets=(), syscall_share=1):
    peak, at_rate, syscalls = proxy_scenario_runs(path, syscall_share)
    return Scenario(
        name,
        "GET %s answered by the backend with %s, proxied over upstream keep-alive: peak with "
        "`wrk -t{THREADS} -c{CONNS} -d{DURATION}s` after a {WARMUP}s warm-up; latency at a "
        "fixed rate with bench/load/rate.c (-c{CONNS}, {DURATION}s); syscalls over "
        "%d closed-loop requests" % (path, what, max(SETTINGS["SYSCALL_REQS"] // syscall_share,
                                                   100)),
        "proxy", peak, PROXY_COLUMNS, PROXY_HEADLINE, PROXY_RATIOS, targets,
        servers=PROXY_SERVERS, section="proxy", backend=True, at_rate=at_rate,
        syscalls=syscalls)


PROXY_TARGETS = [
    ("CPU per request within 15% of the relay floor (ratio_vs_relay >= 0.87)",
     target_ratio("cpu_us", False, "relay", 1 / 1.15)),
    ("CPU per request >= 1.15x nginx's (ratio_vs_nginx >= 1.15)",
     target_ratio("cpu_us", False, "nginx", 1.15)),
    ("CPU per request >= 1.25x HAProxy's (ratio_vs_haproxy >= 1.25)",
     target_ratio("cpu_us", False, "haproxy", 1.25)),
    ("requests/s no lower than nginx (rps_ratio_vs_nginx >= 1.00)",
     target_ratio("rps", True, "nginx", 1.0)),
    ("requests/s no lower than HAProxy (rps_ratio_vs_haproxy >= 1.00)",
     target_ratio("rps", True, "haproxy", 1.0)),
    ("p99 at the fixed rate no worse than nginx", target_p99_vs("nginx", "p99r")),
    ("p99 at the fixed rate no worse than HAProxy", target_p99_vs("haproxy", "p99r")),
]

SCENARIOS = {
    "return": Scenario(
        "return",
        "GET / answered by `return 200 \"hello\\n\"` over keep-alive: "
        "`wrk -t{THREADS} -c{CONNS} -d{DURATION}s --latency` after a {WARMUP}s warm-up",
        "return", run_return,
        [("req/s", lambda f: fmt_int(f["rps"])),
         ("p50 µs", lambda f: "%.0f" % f["p50"]),
         ("p99 µs", lambda f: "%.0f" % f["p99"]),
         ("CPU µs/req", lambda f: "%.2f" % f["cpu_us"]),
         ("CPU spread", lambda f: "±%.1f%%" % (f["cpu_spread"] / 2)),
         ("worker RSS KiB", lambda f: fmt_int(f["rss"])),
         ("wrk CPU µs/req", lambda f: "%.2f" % f["wrk_us"]),
         ("resp bytes", lambda f: "%d" % f["resp"]),
         ("errors", lambda f: "%d" % f["errors"])],
        ("rps", True, "requests/s, portico/PEER"),
        [("cpu_ratio_vs_", "cpu_us", False, "CPU per request, PEER/portico")],
        [("CPU per request within 6% of the floor (cpu_ratio_vs_floor >= 0.94)",
          target_ratio("cpu_us", False, "floor", 1 / 1.06)),
         ("CPU per request >= 1.07x nginx's (cpu_ratio_vs_nginx >= 1.07)",
          target_ratio("cpu_us", False, "nginx", 1.07)),
         ("requests/s no lower than nginx (ratio_vs_nginx >= 1.00)",
          target_ratio("rps", True, "nginx", 1.0)),
         ("p99 latency no worse than nginx", target_p99_vs("nginx"))]),
    "routing": Scenario(
        "routing",
        "the return request routed through 10,000 server names (100 servers of 100 names; "
        "Host: the last name) to a ^~ location beside 100 regex locations: "
        "`wrk -t{THREADS} -c{CONNS} -d{DURATION}s --latency` after a {WARMUP}s warm-up",
        "routing", run_routing,
        LOAD_COLUMNS,
        ("rps", True, "requests/s, portico/PEER"),
        [("cpu_ratio_vs_", "cpu_us", False, "CPU per request, PEER/portico")]),
    "static4k": Scenario(
        "static4k",
        "GET /4k.bin, a 4 KiB file, over keep-alive with sendfile on: "
        "`wrk -t{THREADS} -c{CONNS} -d{DURATION}s --latency` after a {WARMUP}s warm-up",
        "static", run_static_4k,
        LOAD_COLUMNS,
        ("rps", True, "requests/s, portico/PEER"),
        [("cpu_ratio_vs_", "cpu_us", False, "CPU per request, PEER/portico")],
        [("requests/s >= 1.1x nginx's (ratio_vs_nginx >= 1.10)",
          target_ratio("rps", True, "nginx", 1.1))]),
    "static1m": Scenario(
        "static1m",
        "GET /1m.bin, a 1 MiB file, over keep-alive with sendfile on: "
        "`wrk -t{THREADS} -c{CONNS} -d{DURATION}s --latency` after a {WARMUP}s warm-up",
        "static", run_static_1m,
        LOAD_COLUMNS,
        ("rps", True, "requests/s, portico/PEER"),
        [("cpu_ratio_vs_", "cpu_us", False, "CPU per request, PEER/portico")],
        [("requests/s no lower than nginx's (ratio_vs_nginx >= 1.00)",
          target_ratio("rps", True, "nginx", 1.0)),
         ("CPU per request no higher than nginx's (cpu_ratio_vs_nginx >= 1.00)",
          target_ratio("cpu_us", False, "nginx", 1.0))]),
    "idle": Scenario(
        "idle",
        "{IDLE_CONNS} idle keep-alive connections, each after one request: "
        "worker RSS before and after",
        "return", run_idle,
        [("conns held", lambda f: fmt_int(f["held"])),
         ("RSS before KiB", lambda f: fmt_int(f["rss0"])),
         ("RSS after KiB", lambda f: fmt_int(f["rss1"])),
         ("bytes/conn", lambda f: "%.0f" % f["per_conn"])],
        ("per_conn", False, "bytes per idle connection, PEER/portico"),
        targets=[("<= 400 bytes of worker RSS per idle connection", target_idle_bytes(400))]),
    "proxy": proxy_scenario("proxy", "/", 'a 6-byte body ("hello\\n")', PROXY_TARGETS),
    "proxy64k": proxy_scenario("proxy64k", "/64k", "a 64 KiB body"),
    "proxy1m": proxy_scenario("proxy1m", "/1m", "a 1 MiB body", syscall_share=10),
}


SUMMED = ("errors", "rate_errors")  # figures added up over the rounds, not their median


def median_figures(rounds):
    keys = rounds[0].keys()
    med = {k: statistics.median(r[k] for r in rounds) for k in keys}
    if "cpu_us" in med:
        med["cpu_spread"] = spread([r["cpu_us"] for r in rounds])
    for k in SUMMED:
        if k in med:
            med[k] = sum(r[k] for r in rounds)
    return med


RETRY_LEFT = [float(SETTINGS["RETRY"])]


def run_quietly(run, srv):
    """One run; re-run while other processes took more than NOISE % of the CPUs during it,
    as long as the invocation's RETRY seconds last: this machine is shared."""
    while True:
        t0 = time.monotonic()
        fig = run(srv)
        summary = " ".join("%s=%.4g" % (k, v) for k, v in fig.items())
        log("bench:   %s" % summary)
        if fig.get("others", 0) <= SETTINGS["NOISE"] or RETRY_LEFT[0] <= 0:
            return fig
        RETRY_LEFT[0] -= time.monotonic() - t0
        log("bench:   other tasks took %.0f%% of the CPUs: running again" % fig["others"])


class Outcome:
    """What a scenario found: median figures by server, and why the others have none.
    unrunnable is shared by every scenario of the invocation (a server that does not start
    is left out of the later ones too); failed and skipped are this scenario's (a run that
    could not complete; a config the server refuses); notes: passes that failed on their
    own (the server keeps its other figures); rate: the fixed rate of the latency pass."""

    def __init__(self, unrunnable):
        self.med = {}
        self.unrunnable = unrunnable
        self.failed = {}
        self.skipped = {}
        self.notes = []
        self.rate = None
        self.rate_basis = None  # how the rate was set, for the notes

    def out(self, name):
        return name in self.unrunnable or name in self.failed or name in self.skipped


def one_run(sc, name, tmp_root, backend, out, run):
    """Starts name, runs run(srv) on it and stops it; None if it could not start (recorded
    in out), else the figures. An exception of the run propagates after the stop."""
    try:
        srv = Running(name, sc.config_set, tmp_root, backend)
    except NotRunnable as e:
        out.unrunnable[name] = str(e)
        log("bench: %s: not runnable yet (%s)" % (name, e))
        return None
    except NotConfigurable as e:
        out.skipped[name] = str(e)
        log("bench: %s: skipped in %s (%s)" % (name, sc.name, e))
        return None
    try:
        return run(srv)
    finally:
        srv.stop()


def rounds(sc, servers, tmp_root, backend, out, run, what):
    """ROUNDS alternating rounds of run over the servers still in; figures by server. A
    run that fails puts its server out of this scenario (what="peak") or only leaves its
    figures of this pass out (any other pass)."""
    results = {name: [] for name in servers}
    dropped = set()  # failed in this pass only
    for rnd in range(1, SETTINGS["ROUNDS"] + 1):
        for name in servers:
            if out.out(name) or name in dropped or (what != "peak" and name not in out.med):
                continue
            log("bench: %s %s round %d/%d: %s" % (sc.name, what, rnd, SETTINGS["ROUNDS"], name))
            try:
                fig = one_run(sc, name, tmp_root, backend, out, run)
            except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
                reason = " / ".join(str(e).split("\n"))[:300]
                log("bench: %s failed in %s (%s pass): %s" % (name, sc.name, what, reason))
                if what == "peak":
                    out.failed[name] = reason
                else:
                    out.notes.append("%s: %s pass failed (%s)" % (name, what, reason))
                    dropped.add(name)
                continue
            if fig is not None:
                results[name].append(fig)
    return {n: r for n, r in results.items() if r and not out.out(n) and n not in dropped}


# The servers whose peaks set the latency pass's rate: the subject and the peers its targets
# name (a slower extra peer, h2o, would set a rate far below half of theirs).
RATE_FROM = ("portico", "nginx", "haproxy")


def fixed_rate(out):
    """(rate, how it was set): RATE, else RATE_SHARE % of the lowest median peak among the
    RATE_FROM servers measured (among all measured if none is); None if no peak."""
    if SETTINGS["RATE"] > 0:
        return SETTINGS["RATE"], "RATE"
    names = [n for n in RATE_FROM if "rps" in out.med.get(n, {})]
    names = names or [n for n, m in out.med.items() if "rps" in m]
    if not names:
        return None, None
    return (int(min(out.med[n]["rps"] for n in names) * SETTINGS["RATE_SHARE"] / 100),
            "%d%% of the lowest median peak of %s" % (SETTINGS["RATE_SHARE"], "/".join(names)))


def run_scenario(sc, servers, unrunnable, tmp_root):
    """The rounds of a scenario (and for a proxy scenario its latency and syscall passes,
    behind one backend); returns an Outcome."""
    out = Outcome(unrunnable)
    backend = Backend(tmp_root) if sc.backend else None
    try:
        peak = rounds(sc, servers, tmp_root, backend, out,
                      lambda srv: run_quietly(sc.run, srv), "peak")
        out.med = {n: median_figures(r) for n, r in peak.items()}
        out.rate, out.rate_basis = fixed_rate(out) if sc.at_rate else (None, None)
        if out.rate:
            def at_rate(srv):
                fig = run_quietly(lambda s: sc.at_rate(s, out.rate), srv)
                fig["rate_others"] = fig.pop("others")
                return fig
            for n, r in rounds(sc, servers, tmp_root, backend, out, at_rate, "rate").items():
                out.med[n].update(median_figures(r))
        if sc.syscalls and SETTINGS["SYSCALL_REQS"] > 0:
            for name in servers:
                if out.out(name) or name not in out.med:
                    continue
                log("bench: %s syscalls: %s" % (sc.name, name))
                try:
                    fig = one_run(sc, name, tmp_root, backend, out, sc.syscalls)
                except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
                    out.notes.append("%s: syscall pass failed (%s)" % (name, e))
                    continue
                out.med[name].update(fig or {})
    finally:
        if backend:
            backend.stop()
    return out


def why_absent(name, out):
    if name in out.failed:
        return "failed"
    if name in out.skipped:
        return "skipped"
    return "not yet" if name == SUBJECT else "not runnable"


def syscall_notes(servers, med):
    """One line per server: syscalls per request, by syscall (strace -c -f), largest first."""
    notes = []
    for name in servers:
        calls = med.get(name, {}).get("sys_calls")
        if not calls:
            continue
        top = sorted(calls.items(), key=lambda kv: -kv[1])
        shown = ["%s %.2f" % kv for kv in top if kv[1] >= 0.005][:8]
        notes.append("syscalls/req %s: %.2f (strace), %s (perf) = %s" % (
            name, med[name]["sys_strace"],
            "%.2f" % med[name]["sys_perf"] if "sys_perf" in med[name] else "n/a",
            ", ".join(shown)))
    return notes


def render(sc, servers, out):
    med, unrunnable, failed = out.med, out.unrunnable, out.failed
    subj = med.get(SUBJECT)
    ratio_fig, ratio_high, ratio_what = sc.headline
    headers = ["server"] + [h for h, _ in sc.columns]
    headers.append(ratio_what.replace("PEER", "peer"))
    for _, fig, high, what in sc.extra_ratios:
        headers.append(what.replace("PEER", "peer"))
    rows = []
    for name in servers:
        if name not in med:
            rows.append([name, why_absent(name, out)] + [""] * (len(headers) - 2))
            continue
        row = [name] + [fn(med[name]) for _, fn in sc.columns]
        for fig, high in [(ratio_fig, ratio_high)] + [(f, h) for _, f, h, _ in sc.extra_ratios]:
            if name == SUBJECT:
                row.append("1.00" if subj else "not yet")
            else:
                row.append(fmt_ratio(*oriented(fig, high, subj, med[name])))
        rows.append(row)
    lines = ["| " + " | ".join(headers) + " |",
             "|" + "|".join("---" if i == 0 else "---:" for i in range(len(headers))) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    ratio_lines = []
    for name in servers:
        if name == SUBJECT:
            continue
        peer = med.get(name)
        if peer is None:
            ratio_lines.append("ratio_vs_%s: n/a  (%s: no figures)" % (name, sc.name))
            continue
        ratio_lines.append("ratio_vs_%s: %s  (%s: %s)" % (
            name, fmt_ratio(*oriented(ratio_fig, ratio_high, subj, peer)), sc.name,
            ratio_what.replace("PEER", name)))
        for prefix, fig, high, what in sc.extra_ratios:
            ratio_lines.append("%s%s: %s  (%s: %s)" % (
                prefix, name, fmt_ratio(*oriented(fig, high, subj, peer)), sc.name,
                what.replace("PEER", name)))
    notes = ["%s: not runnable yet (%s)" % (n, unrunnable[n]) for n in servers if n in unrunnable]
    notes += ["%s: failed in %s (%s)" % (n, sc.name, failed[n]) for n in servers if n in failed]
    notes += ["%s: skipped in %s (%s)" % (n, sc.name, out.skipped[n])
              for n in servers if n in out.skipped]
    notes += out.notes
    if out.rate:
        lags = ", ".join("%s %.0f" % (n, med[n]["lag99"]) for n in servers
                         if n in med and "lag99" in med[n])
        notes.append("latency pass: %d req/s for every server (%s); p99 of how late the "
                     "loader's timers sent (its own delay, not the server's), µs: %s" % (
                         out.rate, out.rate_basis, lags))
        over = [n for n in servers if n in med and "rps" in med[n] and med[n]["rps"] <= out.rate]
        if over:
            notes.append("%s: the fixed rate is at or above its peak: its latency there is "
                         "a queue's" % ", ".join(over))
    notes += syscall_notes(servers, med)
    busy = [med[n][k] for n in servers if n in med for k in ("others", "rate_others")
            if k in med[n]]
    if busy:
        notes.append("other tasks used %.1f%% of CPUs %s during the measured runs "
                     "(worst server's median; above a few %%, distrust the figures)"
                     % (max(busy), ",".join(sorted({SETTINGS["SERVER_CPU"],
                                                     SETTINGS["LOAD_CPU"]}))))
    if sc.targets:
        lines += ["", "| target (%s) | measured | verdict |" % SECTIONS[sc.section].issue,
                  "|---|---:|---|"]
        for what, check in sc.targets:
            got = check(med)
            if got is None:
                lines.append("| %s | not yet | not yet |" % what)
            else:
                lines.append("| %s | %s | **%s** |" % (what, got[0], "MET" if got[1] else "MISSED"))
    return lines, ratio_lines, notes


# ---- the report ------------------------------------------------------------------------

def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True,
                              timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def machine(proxies=False):
    model = sh("lscpu | sed -n 's/^Model name: *//p' | head -1")
    nginx = sh("nginx -v 2>&1 | sed 's#.*/##'")
    wrk_v = sh("wrk -v 2>&1 | sed -n '1s/^wrk \\([^ ]*\\).*/\\1/p'")
    commit = sh("git -C %s rev-parse --short HEAD" % ROOT)
    if sh("git -C %s status --porcelain -- core config parser proxy tls" % ROOT):
        commit += " + uncommitted changes"
    portico = shlex.quote(os.environ.get("BENCH_PORTICO", ""))
    built = sh("%s -V 2>&1 | grep -o -- '-Dbuildtype=[a-z]*'" % portico)
    peers = ""
    if proxies:
        haproxy = sh("haproxy -v 2>&1 | sed -n '1s/^HAProxy version \\([^ ]*\\).*/\\1/p'")
        h2o = sh("h2o --version 2>&1 | sed -n '1s/^h2o version //p'")
        peers = ", HAProxy %s, h2o %s" % (haproxy or "n/a", h2o or "n/a")
    return ("%d CPUs (%s), Linux %s; nginx %s%s, wrk %s; portico at %s%s" %
            (os.cpu_count(), model, platform.release(), nginx, peers, wrk_v, commit,
             " (%s)" % built if built else ""))


def command_line(args):
    env = ["%s=%s" % (k, SETTINGS[k]) for k in DEFAULTS if str(SETTINGS[k]) != str(DEFAULTS[k])]
    if os.environ.get("SERVERS"):
        env.append("SERVERS=%r" % os.environ["SERVERS"])
    return " ".join(env + ["bench/run"] + args)


class Section:
    """A part of RESULTS.md that bench/run writes: its title, the prose kept in step with
    this harness, the issue its targets come from, and the section it goes below when it
    is first written (a regex of a title; else at the end)."""

    def __init__(self, title, intro, issue, after):
        self.title, self.intro, self.issue, self.after = title, intro, issue, after


CORE_INTRO = """\
`bench/run [SCENARIO...]` (scenarios: return, idle; none = all) writes the tables below,
each between its marker comments, from the run it describes; the rest of this section is
prose. Every server runs with one worker on CPU 0 and the load generator on CPU 1; each
figure is the median of alternating rounds, each round on a freshly started server.
CPU per request is the server's utime+stime (all its processes, /proc/PID/stat) over the
run divided by the requests wrk counted; RSS is the worker's, exact from
/proc/PID/smaps_rollup. Every ratio is oriented so that >1 means portico is better:
requests/s portico/peer, CPU per request and bytes per idle connection peer/portico.
The floor (bench/floor/floor.c) is a bare edge-triggered epoll loop answering each read
with nginx's response bytes (one read and one write per request): the least any server can
spend per request on this kernel. The servers and wrk run at nice -10 (NICE), so that
niced background jobs on this shared machine take little from them; each table says how
much of CPUs 0 and 1 other tasks still used during the measured runs (a run above 10% is
run again, within 30 s of re-runs per invocation); figures taken while that is above a
few percent are noisy (cache pollution, wake-up latency in p99).
On 2 cores wrk saturates CPU 1 before any server saturates CPU 0 (the table shows wrk's
own CPU per request): requests/s then measures wrk more than the server, ratios of it near
1.00 are within noise, and CPU per request is the figure that separates the servers.

Targets (issue 3), each with its verdict under its table: `return` within 6% of the
floor in CPU per request (≥ 1.07× nginx), requests/s no lower than nginx, p99 no worse;
`idle` ≤ 400 bytes of worker RSS per connection.
"""

PROXY_INTRO = """\
`bench/run proxy proxy64k proxy1m` writes the tables below, each between its marker
comments, from the run it describes; the rest of this section is prose. Each scenario
starts one backend (bench/floor/backend.c: a bare epoll loop answering "hello\\n", 64 KiB
or 1 MiB by path, with nginx's headers) and puts in front of it, in alternating rounds,
each on a fresh start with one worker (one thread) on CPU 0: portico and nginx (the same
config, bench/configs/proxy.*.conf: upstream keep-alive, a cache of 32 connections,
HTTP/1.1, `Connection ""`), HAProxy (`nbthread 1`, HTTP mode, `http-reuse always`), h2o
(`num-threads: 1`) and the relay floor (bench/floor/relay.c: a bare edge-triggered epoll
loop that gives each client connection its own backend connection and copies bytes
blindly both ways, no HTTP at all, through LIFO-reused buffers in reads of 65,483 bytes,
one IPv4 packet's payload: the least any proxy can spend per request on this kernel).
The load generator and the backend share CPU 1, so the proxy has CPU 0 to itself; the
backend's CPU is charged to no proxy (its column shows it per request). With 50 client
connections and a cache of 32, nginx opens and closes backend connections as it goes
(connect and close in its syscall breakdown): that is nginx with this configuration.
Three passes: peak requests/s and CPU per request with wrk; latency at a fixed rate (RATE,
by default half the lowest median peak, the same for every server) with bench/load/rate.c,
which keeps a schedule and times each request from it, as wrk2 does (Debian's wrk has no
-R; h2load's --rps times requests from their send, hiding stalls); syscalls per request
over a fixed count of closed-loop requests, counted by `strace -c -f` (with a breakdown) and
by perf on the raw_syscalls:sys_enter tracepoint (strace slows the proxy down, so its
epoll_wait calls batch more events than at full speed; perf's count is the real one).
Every ratio is oriented so that >1 means portico is better. A portico that rejects the
config (`portico -t`) is skipped with the reason, and the peers are measured all the same.

Targets (issue 5), each with its verdict under the `proxy` table: CPU per proxied request
within 15% of the relay floor, ≥ 1.15× nginx and ≥ 1.25× HAProxy in CPU efficiency,
requests/s no lower than either, p99 at the fixed rate no worse than either. `proxy64k`
and `proxy1m` are reported without targets.
"""

SECTIONS = {
    "core": Section("## Server core (issue 3)", CORE_INTRO, "issue 3", r"## Parser"),
    "proxy": Section("## Reverse proxy (issue 5)", PROXY_INTRO, "issue 5",
                     r"## Server core \(issue 3\)"),
}


def markers(name):
    return "<!-- bench/run:%s -->" % name, "<!-- /bench/run:%s -->" % name


def results_path():
    """bench/RESULTS.md, or RESULTS_FILE (a copy to try this harness's writing on)."""
    return os.environ.get("RESULTS_FILE") or os.path.join(BENCH, "RESULTS.md")


def write_section(text, section, names):
    """text with section present (new below section.after, with a block per scenario
    of names) and its prose brought in step with this harness."""
    if section.title not in text:
        new = section.title + "\n\n" + section.intro
        for name in names:
            begin, end = markers(name)
            new += "\n### %s\n\n%s\n%s\n" % (name, begin, end)
        m = re.search(r"^%s.*?(?=^## )" % section.after, text, re.M | re.S)
        if m:
            return text[:m.end()] + new + "\n" + text[m.end():]
        return text.rstrip("\n") + "\n\n" + new
    start = text.index(section.title)
    first = text.find("\n### ", start)
    if first > 0:
        text = text[:start] + section.title + "\n\n" + section.intro + text[first:]
    return text


def update_results(blocks):
    path = results_path()
    text = open(path).read() if os.path.exists(path) else "# Benchmark results\n"
    for key, section in SECTIONS.items():
        names = [n for n, sc in SCENARIOS.items() if sc.section == key]
        if any(n in blocks for n in names):
            text = write_section(text, section, names)
    for name, block in blocks.items():
        begin, end = markers(name)
        if begin not in text:
            # a scenario added after the section was written: at the end of the section
            start = text.index(SECTIONS[SCENARIOS[name].section].title)
            stop = text.find("\n## ", start)
            stop = len(text) if stop < 0 else stop + 1
            text = (text[:stop].rstrip("\n") + "\n\n### %s\n\n%s\n%s\n\n" % (name, begin, end)
                    + text[stop:])
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = head + begin + "\n" + block + "\n" + end + tail
    with open(path, "w") as f:
        f.write(text)


def main():
    args = sys.argv[1:]
    # no argument: the server core's scenarios (the proxy ones take minutes each)
    names = args or [n for n, sc in SCENARIOS.items() if sc.section == "core"]
    for n in names:
        if n not in SCENARIOS:
            log("bench/run: unknown scenario %r (known: %s)" % (n, " ".join(SCENARIOS)))
            return 2
    wanted = os.environ.get("SERVERS", "").split()
    for s in wanted:
        if s not in SERVERS:
            log("bench/run: unknown server %r (known: %s)" % (s, " ".join(SERVERS)))
            return 2
    become_subreaper()
    tmp_root = os.environ.get("BENCH_TMP") or "/tmp"
    unrunnable = {}
    if os.environ.get("BENCH_PORTICO_BROKEN"):
        unrunnable["portico"] = os.environ["BENCH_PORTICO_BROKEN"]
    for name, program in INSTALLED.items():
        if not shutil.which(program):
            unrunnable[name] = "%s is not installed" % program

    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    where = machine(proxies=any(SCENARIOS[n].backend for n in names))
    cmd = command_line(args)
    blocks = {}
    for n in names:
        sc = SCENARIOS[n]
        servers = [s for s in sc.servers if not wanted or s in wanted]
        outcome = run_scenario(sc, servers, unrunnable, tmp_root)
        table, ratios, notes = render(sc, servers, outcome)
        head = ["`%s` · %s · %s" % (cmd, when, where), "",
                "%s; median of %d rounds." % (sc.describe(), SETTINGS["ROUNDS"]), ""]
        body = head + table + [""] + ["```"] + notes + ratios + ["```"]
        print("\n== %s" % n)
        print("\n".join(body), flush=True)
        blocks[n] = "\n".join(body)
    if os.environ.get("RESULTS", "1") != "0":
        update_results(blocks)
        log("bench: wrote %s to %s" % (", ".join(blocks), results_path()))
    return 0


if __name__ == "__main__":
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda s, f: sys.exit(128 + s))
    sys.exit(main())
