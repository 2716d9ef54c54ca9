#!/usr/bin/env python3
"""bench/lib/bench.py - the measuring half of bench/run (which builds, then calls this).

For each scenario it runs every server in alternating rounds (A B C A B C ...), each run on
a freshly started server with one worker pinned to SERVER_CPU while the load generator runs
on LOAD_CPU, takes the median of each figure over the rounds, prints a table per scenario
with the ratios and the `ratio_vs_PEER: X` lines, and rewrites that scenario's block in
bench/RESULTS.md.

Servers and scenarios are tables (SERVERS, SCENARIOS below): a new peer (HAProxy, h2o) is a
start function plus a config in bench/configs/SCENARIO.NAME.conf; a new scenario is a run
function that returns a dict of figures, and a table layout. Everything started lives in
its own process group, listed in $BENCH_PGIDS so that bench/run's EXIT trap can kill what a
crash here would leave behind.
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
}
DEFAULTS = {"ROUNDS": 3, "DURATION": 10, "WARMUP": 1, "CONNS": 50, "THREADS": 1,
            "IDLE_CONNS": 10000, "SERVER_CPU": "0", "LOAD_CPU": "1", "NICE": -10,
            "NOISE": 10, "RETRY": 30}
READY_TIMEOUT = 5.0   # seconds a server gets to answer on its port after it starts


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class NotRunnable(Exception):
    pass


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


def render_config(config_set, server, port, tmp):
    """bench/configs/SET.SERVER.conf with @PORT@ and @TMP@ filled in, written into tmp."""
    src = os.path.join(BENCH, "configs", "%s.%s.conf" % (config_set, server))
    with open(src) as f:
        text = f.read().replace("@PORT@", str(port)).replace("@TMP@", tmp)
    if config_set == "routing":
        write_routing_servers(tmp, port)
    if config_set == "static":
        write_static_files(tmp)
    dst = os.path.join(tmp, "%s.conf" % server)
    with open(dst, "w") as f:
        f.write(text)
    return dst


def cmd_portico(conf, port, tmp):
    return [os.environ["BENCH_PORTICO"], "-c", conf]


def cmd_nginx(conf, port, tmp):
    # -e: nginx opens its compiled-in error log before reading the config; keep it in tmp.
    return ["nginx", "-p", tmp + "/", "-e", os.path.join(tmp, "error.log"), "-c", conf]


def cmd_floor(conf, port, tmp):
    return [os.environ["BENCH_FLOOR"], "127.0.0.1:%d" % port]


# name -> (command builder, whether it reads a config from bench/configs). The first is the
# subject of every ratio; the order is the order of each round.
SERVERS = {
    "portico": (cmd_portico, True),
    "nginx": (cmd_nginx, True),
    "floor": (cmd_floor, False),
}
SUBJECT = "portico"


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
    """A started server: its process group, port and scratch dir."""

    def __init__(self, name, config_set, tmp_root):
        self.name = name
        self.port = free_port()
        self.tmp = os.path.join(tmp_root, "%s.%d" % (name, self.port))
        os.makedirs(self.tmp)
        build, has_conf = SERVERS[name]
        conf = render_config(config_set, name, self.port, self.tmp) if has_conf else None
        cmd = pinned(SETTINGS["SERVER_CPU"], build(conf, self.port, self.tmp))
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
        others = [p for p in pids if p != self.proc.pid]
        return others if others else pids

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

def run_return(srv, path="/", host=None):
    """GET / with a small body over keep-alive, wrk with fixed settings."""
    if SETTINGS["WARMUP"] > 0:
        wrk(srv.port, SETTINGS["WARMUP"], path, host)
    pids = srv.processes()
    cpus = sorted({SETTINGS["SERVER_CPU"], SETTINGS["LOAD_CPU"]})
    before, busy0, t0 = cpu_ticks(pids), cpu_busy(cpus), time.monotonic()
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    fig = wrk(srv.port, SETTINGS["DURATION"], path, host)
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk, reaped
    ticks = cpu_ticks(pids) - before
    wrk_s = (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime)
    others_s = (cpu_busy(cpus) - busy0 - ticks) / CLK_TCK - wrk_s
    fig["cpu_us"] = ticks / CLK_TCK * 1e6 / max(fig["requests"], 1)
    fig["wrk_us"] = wrk_s * 1e6 / max(fig["requests"], 1)
    fig["others"] = max(others_s, 0) / (time.monotonic() - t0) / len(cpus) * 100
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
                 targets=()):
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


def target_p99_vs(peer):
    def check(med):
        if SUBJECT not in med or peer not in med:
            return None
        s, p = med[SUBJECT]["p99"], med[peer]["p99"]
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
}


def median_figures(rounds):
    keys = rounds[0].keys()
    med = {k: statistics.median(r[k] for r in rounds) for k in keys}
    if "cpu_us" in med:
        med["cpu_spread"] = spread([r["cpu_us"] for r in rounds])
    if "errors" in med:
        med["errors"] = sum(r["errors"] for r in rounds)
    return med


RETRY_LEFT = [float(SETTINGS["RETRY"])]


def run_quietly(sc, srv):
    """One run; re-run while other processes took more than NOISE % of the CPUs during it,
    as long as the invocation's RETRY seconds last: this machine is shared."""
    while True:
        t0 = time.monotonic()
        fig = sc.run(srv)
        summary = " ".join("%s=%.4g" % (k, v) for k, v in fig.items())
        log("bench:   %s" % summary)
        if fig.get("others", 0) <= SETTINGS["NOISE"] or RETRY_LEFT[0] <= 0:
            return fig
        RETRY_LEFT[0] -= time.monotonic() - t0
        log("bench:   other tasks took %.0f%% of the CPUs: running again" % fig["others"])


def run_scenario(sc, servers, unrunnable, tmp_root):
    """Rounds of every server; returns (median figures by server, failures by server).
    A server that does not start is left out of every later scenario too; one that fails
    a run (wrk or the idle client could not complete) only of this scenario."""
    results = {name: [] for name in servers}
    failed = {}
    for rnd in range(1, SETTINGS["ROUNDS"] + 1):
        for name in list(servers):
            if name in unrunnable or name in failed:
                continue
            log("bench: %s round %d/%d: %s" % (sc.name, rnd, SETTINGS["ROUNDS"], name))
            try:
                srv = Running(name, sc.config_set, tmp_root)
            except NotRunnable as e:
                unrunnable[name] = str(e)
                log("bench: %s: not runnable yet (%s)" % (name, e))
                continue
            try:
                results[name].append(run_quietly(sc, srv))
            except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
                failed[name] = " / ".join(str(e).split("\n"))[:300]
                log("bench: %s failed in %s: %s" % (name, sc.name, failed[name]))
            finally:
                srv.stop()
    med = {n: median_figures(r) for n, r in results.items() if r and n not in failed}
    return med, failed


def render(sc, servers, med, unrunnable, failed):
    subj = med.get(SUBJECT)
    ratio_fig, ratio_high, ratio_what = sc.headline
    headers = ["server"] + [h for h, _ in sc.columns]
    headers.append(ratio_what.replace("PEER", "peer"))
    for _, fig, high, what in sc.extra_ratios:
        headers.append(what.replace("PEER", "peer"))
    rows = []
    for name in servers:
        if name not in med:
            what = "failed" if name in failed else "not yet" if name == SUBJECT else "not runnable"
            rows.append([name, what] + [""] * (len(headers) - 2))
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
    busy = [med[n]["others"] for n in servers if n in med and "others" in med[n]]
    if busy:
        notes.append("other tasks used %.1f%% of CPUs %s during the measured runs "
                     "(worst server's median; above a few %%, distrust the figures)"
                     % (max(busy), ",".join(sorted({SETTINGS["SERVER_CPU"],
                                                     SETTINGS["LOAD_CPU"]}))))
    if sc.targets:
        lines += ["", "| target (issue 3) | measured | verdict |", "|---|---:|---|"]
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


def machine():
    model = sh("lscpu | sed -n 's/^Model name: *//p' | head -1")
    nginx = sh("nginx -v 2>&1 | sed 's#.*/##'")
    wrk_v = sh("wrk -v 2>&1 | sed -n '1s/^wrk \\([^ ]*\\).*/\\1/p'")
    commit = sh("git -C %s rev-parse --short HEAD" % ROOT)
    if sh("git -C %s status --porcelain -- core config parser proxy tls" % ROOT):
        commit += " + uncommitted changes"
    portico = shlex.quote(os.environ.get("BENCH_PORTICO", ""))
    built = sh("%s -V 2>&1 | grep -o -- '-Dbuildtype=[a-z]*'" % portico)
    return ("%d CPUs (%s), Linux %s; nginx %s, wrk %s; portico at %s%s" %
            (os.cpu_count(), model, platform.release(), nginx, wrk_v, commit,
             " (%s)" % built if built else ""))


def command_line(args):
    env = ["%s=%s" % (k, SETTINGS[k]) for k in DEFAULTS if str(SETTINGS[k]) != str(DEFAULTS[k])]
    if os.environ.get("SERVERS"):
        env.append("SERVERS=%r" % os.environ["SERVERS"])
    return " ".join(env + ["bench/run"] + args)


SECTION = "## Server core (issue 3)"
SECTION_INTRO = """\
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


def markers(name):
    return "<!-- bench/run:%s -->" % name, "<!-- /bench/run:%s -->" % name


def update_results(blocks):
    path = os.path.join(BENCH, "RESULTS.md")
    text = open(path).read() if os.path.exists(path) else "# Benchmark results\n"
    if SECTION not in text:
        # right below the parser's section (another engineer's), else at the end
        new = SECTION + "\n\n" + SECTION_INTRO
        for name in SCENARIOS:
            begin, end = markers(name)
            new += "\n### %s\n\n%s\n%s\n" % (name, begin, end)
        m = re.search(r"^## Parser.*?(?=^## )", text, re.M | re.S)
        if m:
            text = text[:m.end()] + new + "\n" + text[m.end():]
        else:
            text = text.rstrip("\n") + "\n\n" + new
    else:
        # the prose describes this harness: keep it in step with the code
        start = text.index(SECTION)
        first = text.find("\n### ", start)
        if first > 0:
            text = text[:start] + SECTION + "\n\n" + SECTION_INTRO + text[first:]
    for name, block in blocks.items():
        begin, end = markers(name)
        if begin not in text:
            # a scenario added after the section was written: at the end of the section
            start = text.index(SECTION)
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
    names = args or list(SCENARIOS)
    for n in names:
        if n not in SCENARIOS:
            log("bench/run: unknown scenario %r (known: %s)" % (n, " ".join(SCENARIOS)))
            return 2
    servers = os.environ.get("SERVERS", " ".join(SERVERS)).split()
    for s in servers:
        if s not in SERVERS:
            log("bench/run: unknown server %r (known: %s)" % (s, " ".join(SERVERS)))
            return 2
    become_subreaper()
    tmp_root = os.environ.get("BENCH_TMP") or "/tmp"
    unrunnable = {}
    if os.environ.get("BENCH_PORTICO_BROKEN"):
        unrunnable["portico"] = os.environ["BENCH_PORTICO_BROKEN"]
    if "nginx" in servers and not shutil.which("nginx"):
        unrunnable["nginx"] = "nginx is not installed"

    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    where = machine()
    cmd = command_line(args)
    blocks = {}
    for n in names:
        sc = SCENARIOS[n]
        med, failed = run_scenario(sc, servers, unrunnable, tmp_root)
        table, ratios, notes = render(sc, servers, med, unrunnable, failed)
        head = ["`%s` · %s · %s" % (cmd, when, where), "",
                "%s; median of %d rounds." % (sc.describe(), SETTINGS["ROUNDS"]), ""]
        body = head + table + [""] + ["```"] + notes + ratios + ["```"]
        print("\n== %s" % n)
        print("\n".join(body), flush=True)
        blocks[n] = "\n".join(body)
    if os.environ.get("RESULTS", "1") != "0":
        update_results(blocks)
        log("bench: wrote %s to bench/RESULTS.md" % ", ".join(blocks))
    return 0


if __name__ == "__main__":
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda s, f: sys.exit(128 + s))
    sys.exit(main())
