"""tests/integration/harness.py - black-box tests of a real portico on loopback.

What a test file gets from here:
- TAP: `t = Tap()`, `t.eq(got, want, name)`, `t.ok(cond, name, detail)`, `t.run(fn)`,
  `t.done()`; a failure prints both values; an exception in a test is one "not ok" and the
  file goes on with its next test; the plan comes last.
- `Server(http_block, ...)`: writes a config into a fresh temp dir, starts
  `portico -p DIR -c DIR/portico.conf` in the foreground (daemon off, master on, 2 workers),
  waits until it answers, and stops it (QUIT, then TERM, then KILL, each with a bounded
  wait) on `stop()`, on leaving a `with` block, and at exit, so nothing is left running.
  `{port}`, `{port2}`, ... in the config text become free loopback ports; `{dir}` the dir.
- Raw sockets: `Client` sends bytes and reads whole responses (Content-Length, chunked,
  no body for HEAD/1xx/204/304, or until close) with deadlines; `read_to_end` tells EOF
  from a reset from a timeout.

Nothing here sleeps to synchronise: every wait polls an observable condition (a port that
answers or refuses, a pid that is gone, a line in a log) against a deadline.

The binary is BUILD_ROOT/portico (argv[1]); PORTICO_BIN overrides it, which lets a test
file run against Debian's nginx (PORTICO_BIN=/usr/sbin/nginx) to check what nginx does.
"""
import atexit
import errno
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

# ---------------------------------------------------------------------------------------
# TAP


class Tap:
    """TAP output: one line per check, the plan at the end."""

    def __init__(self):
        self.n = 0
        self.failed = 0
        self.current = None  # the test running now, prefixed to check names

    def _line(self, good, name, detail=None):
        self.n += 1
        if self.current:
            name = f"{self.current}: {name}"
        name = name.replace("\n", "\\n").replace("#", "\\#")
        print(f"{'ok' if good else 'not ok'} {self.n} - {name}", flush=True)
        if not good:
            self.failed += 1
            if detail:
                for ln in str(detail).splitlines():
                    print(f"#   {ln}", flush=True)
        return good

    def ok(self, cond, name, detail=None):
        return self._line(bool(cond), name, detail)

    def eq(self, got, want, name):
        good = got == want
        return self._line(good, name, None if good else f"got:  {got!r}\nwant: {want!r}")

    def contains(self, haystack, needle, name):
        good = haystack is not None and needle in haystack
        return self._line(good, name,
                          None if good else f"want {needle!r} in:\n{haystack!r}")

    def between(self, got, lo, hi, name):
        good = got is not None and lo <= got <= hi
        return self._line(good, name, None if good else f"got:  {got!r}\nwant: [{lo}, {hi}]")

    def diag(self, msg):
        for ln in str(msg).splitlines():
            print(f"# {ln}", flush=True)

    def run(self, *fns):
        """Runs test functions in order; an exception is one failed check, then the next
        test. Returns False if any raised. Servers a test starts in a `with` block are
        stopped when it ends; shared ones when the caller stops them or at done()."""
        good = True
        for fn in fns:
            self.current = fn.__name__
            try:
                fn()
            except Exception:  # noqa: BLE001 - any failure is reported, not raised
                self._line(False, "raised", traceback.format_exc())
                good = False
            finally:
                self.current = None
        return good

    def stopped_clean(self, srv, what="nothing left running after stop"):
        """Stops srv and checks that no process of it is left (pgrep -f on its dir too)."""
        left = srv.stop()
        return self._line(left == [], what, None if left == [] else f"left: {left}")

    def done(self):
        print(f"1..{self.n}", flush=True)
        stop_all()
        sys.exit(1 if self.failed else 0)


# ---------------------------------------------------------------------------------------
# The binary and the server process

BUILD_ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "build")
BINARY = os.path.abspath(os.environ.get("PORTICO_BIN") or os.path.join(BUILD_ROOT, "portico"))
IS_NGINX = os.path.basename(BINARY).startswith("nginx")
SERVER_TOKEN = "nginx/1.22.1" if IS_NGINX else "portico/0.1.0"
HOST = "127.0.0.1"


def free_port():
    """A loopback port nobody listens on right now (the kernel's pick)."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


MAIN_TEMPLATE = """daemon off;
master_process on;
worker_processes {workers};
pid {dir}/portico.pid;
error_log {dir}/error.log info;
{main_extra}
events {{
    worker_connections {worker_connections};
}}

http {{
{http}
}}
"""

_live = []  # servers started and not yet stopped


def stop_all():
    for s in list(_live):
        s.stop()


atexit.register(stop_all)
# meson stops a test that runs over its timeout with SIGTERM: exit through atexit, so the
# servers go too.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))


def _proc_start_time(pid):
    """Field 22 of /proc/PID/stat (start time), or None if the pid is gone or a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return None
    rest = stat[stat.rindex(")") + 2:].split()
    if rest[0] == "Z":
        return None
    return rest[19]


def children(pid):
    """Pids of the live children of pid."""
    out = set()
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                out.update(int(x) for x in f.read().split())
        except OSError:
            pass
    return {p for p in out if _proc_start_time(p) is not None}


def zombies(pid):
    """Pids of the children of pid that exited and were not reaped."""
    out = []
    for task in os.listdir(f"/proc/{pid}/task") if os.path.isdir(f"/proc/{pid}/task") else []:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                kids = [int(x) for x in f.read().split()]
        except OSError:
            continue
        for k in kids:
            try:
                with open(f"/proc/{k}/stat") as f:
                    st = f.read()
            except OSError:
                continue
            if st[st.rindex(")") + 2] == "Z":
                out.append(k)
    return out


def pid_alive(pid):
    return _proc_start_time(pid) is not None


def wait_until(cond, timeout, step=0.02):
    """Polls cond() until it returns a true value (returned) or timeout passes (None)."""
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() >= deadline:
            return None
        time.sleep(step)


def port_answers(port):
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


def port_refuses(port):
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return False
    except ConnectionRefusedError:
        return True
    except OSError:
        return False


def pgrep_dir(path):
    """Pids whose command line names path (pgrep -f), other than this test's own."""
    r = subprocess.run(["pgrep", "-f", re.escape(path)], capture_output=True, text=True)
    me = os.getpid()
    return {int(x) for x in r.stdout.split() if int(x) != me}


class Server:
    """One portico (master + workers) in its own temp dir, on free loopback ports.

    http: the text inside `http { }`, with {port}, {port2}, ... and {dir} substituted.
    main_extra: more main-context directives. nports: how many free ports to pick.
    start=False writes the config only (for -t/-T or a test that starts it itself).
    """

    def __init__(self, http, main_extra="", workers=2, nports=1, start=True, wait=True,
                 worker_connections=1024):
        self.dir = tempfile.mkdtemp(prefix="portico-integ-")
        # A prefix as nginx installs one: the default access log is logs/access.log, and
        # a log that cannot be opened fails the start.
        os.mkdir(os.path.join(self.dir, "logs"))
        self.conf = os.path.join(self.dir, "portico.conf")
        self.ports = [free_port() for _ in range(nports)]
        self.port = self.ports[0]
        self.workers = workers
        self.worker_connections = worker_connections
        self.main_extra = main_extra
        self.proc = None
        self.known = {}  # pid -> start time of every master/worker seen, to check at stop
        self.leftovers = []
        self.write_config(http)
        if start:
            self.start(wait=wait)

    def subst(self, text):
        vals = {"dir": self.dir, "port": self.port}
        for i, p in enumerate(self.ports):
            vals[f"port{i + 1}"] = p
        return re.sub(r"\{(dir|port\d*)\}", lambda m: str(vals[m.group(1)]), text)

    def config_text(self, http):
        return MAIN_TEMPLATE.format(workers=self.workers, dir=self.dir,
                                    worker_connections=self.worker_connections,
                                    main_extra=self.subst(self.main_extra),
                                    http=self.subst(http))

    def write_config(self, http, raw=None):
        """Writes the config (raw: the whole file as is, else the template around http)."""
        text = raw if raw is not None else self.config_text(http)
        tmp = self.conf + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, self.conf)

    def args(self, *more):
        """The command line's arguments (without the binary): -p DIR/ -c DIR/portico.conf."""
        return ["-p", self.dir + "/", "-c", self.conf, *more]

    def cmd(self, *more):
        return [BINARY, *self.args(*more)]

    def start(self, wait=True):
        self.out = open(os.path.join(self.dir, "stdout.txt"), "wb")
        self.err = open(os.path.join(self.dir, "stderr.txt"), "wb")
        self.proc = subprocess.Popen(self.cmd(), stdout=self.out, stderr=self.err,
                                     stdin=subprocess.DEVNULL)
        _live.append(self)
        self.note_pids()
        if wait:
            self.wait_ready()

    def wait_ready(self, timeout=10):
        deadline = time.monotonic() + timeout
        while not all(port_answers(p) for p in self.ports):
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode} before "
                                   f"answering:\n{self.logs()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not answer within {timeout}s:\n{self.logs()}")
            time.sleep(0.02)
        want = os.cpu_count() if self.workers == "auto" else self.workers
        wait_until(lambda: len(self.workers_now()) >= want, 5)
        self.note_pids()

    @property
    def pid(self):
        return self.proc.pid

    def workers_now(self):
        return children(self.pid)

    def note_pids(self):
        """Remembers the master and its current children, to check at stop that all are gone."""
        for p in {self.pid} | self.workers_now():
            st = _proc_start_time(p)
            if st is not None:
                self.known.setdefault(p, st)

    def _known_alive(self):
        return [p for p, st in self.known.items() if _proc_start_time(p) == st]

    def signal(self, sig):
        self.note_pids()
        os.kill(self.pid, sig)

    def logs(self):
        out = []
        for name in ("stderr.txt", "error.log"):
            try:
                with open(os.path.join(self.dir, name), "rb") as f:
                    data = f.read()[-3000:]
                out.append(f"--- {name} (tail) ---\n" + data.decode("utf-8", "replace"))
            except OSError:
                pass
        return "\n".join(out)

    def error_log(self):
        try:
            with open(os.path.join(self.dir, "error.log"), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def wait_exit(self, timeout):
        """True when the master has exited within timeout."""
        try:
            self.proc.wait(timeout=timeout)
            return True
        except subprocess.TimeoutExpired:
            return False

    def stop(self):
        """QUIT, then TERM, then KILL (bounded waits); kills leftover workers by pid.

        Returns the list of pids that were still alive after the master exited on its own
        (workers it should have taken down), for tests that check it."""
        if self.proc is None:  # never started: only the dir to remove
            if not os.environ.get("KEEP_TMP"):
                shutil.rmtree(self.dir, ignore_errors=True)
            return self.leftovers
        if self not in _live:
            return self.leftovers
        _live.remove(self)
        self.note_pids()
        for sig, wait in ((signal.SIGQUIT, 5), (signal.SIGTERM, 3), (signal.SIGKILL, 3)):
            if self.proc.poll() is not None:
                break
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                break
            if self.wait_exit(wait):
                break
        # Workers get a moment to follow a master that is gone; then they are killed.
        wait_until(lambda: not self._known_alive(), 3)
        self.leftovers = self._known_alive()
        for p in self.leftovers:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        stray = pgrep_dir(self.dir)
        for p in stray:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.leftovers += sorted(stray - set(self.leftovers))
        self.out.close()
        self.err.close()
        if not os.environ.get("KEEP_TMP"):
            shutil.rmtree(self.dir, ignore_errors=True)
        return self.leftovers

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def run_cli(args, timeout=10):
    """Runs the binary with args; returns (exit code, stdout, stderr) as text."""
    r = subprocess.run([BINARY, *args], capture_output=True, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")


# ---------------------------------------------------------------------------------------
# Raw HTTP on sockets

DATE_RE = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d "
                     r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} "
                     r"\d\d:\d\d:\d\d GMT$")

REASONS = {100: "Continue", 200: "OK", 204: "No Content", 301: "Moved Permanently",
           302: "Moved Temporarily", 400: "Bad Request", 404: "Not Found",
           408: "Request Time-out", 413: "Request Entity Too Large",
           414: "Request-URI Too Large", 431: "Request Header Fields Too Large",
           501: "Not Implemented", 502: "Bad Gateway", 503: "Service Temporarily Unavailable",
           504: "Gateway Time-out", 505: "HTTP Version Not Supported"}


def error_page(code):
    """nginx's HTML page for code, signed with the server's token."""
    title = f"{code} {'Found' if code == 302 else REASONS[code]}"
    return (f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
            f"<center><h1>{title}</h1></center>\r\n<hr><center>{SERVER_TOKEN}</center>\r\n"
            f"</body>\r\n</html>\r\n").encode()


class Response:
    def __init__(self, version, status, reason, headers, body, raw):
        self.version, self.status, self.reason = version, status, reason
        self.headers = headers  # [(name, value)] in the order received
        self.body, self.raw = body, raw

    @property
    def status_line(self):
        return f"{self.version} {self.status} {self.reason}"

    def header(self, name):
        """The value of the first header called name (case-insensitive), or None."""
        for n, v in self.headers:
            if n.lower() == name.lower():
                return v
        return None

    def names(self):
        return [n for n, _ in self.headers]

    def __repr__(self):
        return f"<Response {self.raw[:300]!r}{'...' if len(self.raw) > 300 else ''}>"


class Closed(Exception):
    """The peer closed (how: 'eof' or 'reset') before a whole response arrived."""

    def __init__(self, how, partial):
        super().__init__(f"connection {how} after {partial[:200]!r}")
        self.how, self.partial = how, partial


class Timeout(Exception):
    def __init__(self, partial):
        super().__init__(f"timed out after {partial[:200]!r}")
        self.partial = partial


class Client:
    """A raw TCP client with a read buffer; every read has a deadline."""

    def __init__(self, port, rcvbuf=None, host=HOST):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(5)
        self.sock.connect((host, port))
        self.buf = b""
        self.eof = None  # None while open; 'eof' or 'reset' once the peer closed

    def send(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else data.encode())

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _fill(self, deadline):
        """Reads more into buf; False once the peer closed; raises Timeout at deadline."""
        if self.eof:
            return False
        left = deadline - time.monotonic()
        if left <= 0:
            raise Timeout(self.buf)
        self.sock.settimeout(left)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            raise Timeout(self.buf) from None
        except ConnectionResetError:
            self.eof = "reset"
            return False
        if not data:
            self.eof = "eof"
            return False
        self.buf += data
        return True

    def read_exact_prefix(self, n, timeout=5):
        """Waits until n bytes are buffered, and returns (and consumes) them."""
        deadline = time.monotonic() + timeout
        while len(self.buf) < n:
            if not self._fill(deadline):
                raise Closed(self.eof, self.buf)
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_response(self, timeout=5, head=False):
        """One whole response from the buffer and the socket (head: answer to HEAD)."""
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in self.buf:
            if not self._fill(deadline):
                raise Closed(self.eof, self.buf)
        end = self.buf.index(b"\r\n\r\n") + 4
        head_bytes = self.buf[:end]
        lines = head_bytes[:-4].decode("latin-1").split("\r\n")
        m = re.match(r"^(HTTP/\d\.\d) (\d{3}) ?(.*)$", lines[0])
        if not m:
            raise ValueError(f"bad status line in {head_bytes!r}")
        version, status, reason = m.group(1), int(m.group(2)), m.group(3)
        headers = []
        for ln in lines[1:]:
            name, _, value = ln.partition(":")
            headers.append((name, value.strip()))
        resp = Response(version, status, reason, headers, b"", b"")
        pos = end
        te = (resp.header("Transfer-Encoding") or "").lower()
        cl = resp.header("Content-Length")
        if head or status < 200 or status in (204, 304):
            body_end = pos
        elif "chunked" in te:
            body, body_end = self._read_chunked(pos, deadline)
            resp.body = body
        elif cl is not None:
            body_end = pos + int(cl)
            while len(self.buf) < body_end:
                if not self._fill(deadline):
                    raise Closed(self.eof, self.buf)
            resp.body = self.buf[pos:body_end]
        else:
            while self._fill(deadline):
                pass
            body_end = len(self.buf)
            resp.body = self.buf[pos:]
        resp.raw = self.buf[:body_end]
        self.buf = self.buf[body_end:]
        return resp

    def _read_chunked(self, pos, deadline):
        body = b""
        while True:
            while b"\r\n" not in self.buf[pos:]:
                if not self._fill(deadline):
                    raise Closed(self.eof, self.buf)
            eol = self.buf.index(b"\r\n", pos)
            size = int(self.buf[pos:eol].split(b";")[0], 16)
            pos = eol + 2
            if size == 0:  # trailer fields, then the empty line
                while True:
                    while b"\r\n" not in self.buf[pos:]:
                        if not self._fill(deadline):
                            raise Closed(self.eof, self.buf)
                    eol = self.buf.index(b"\r\n", pos)
                    empty = eol == pos
                    pos = eol + 2
                    if empty:
                        return body, pos
            while len(self.buf) < pos + size + 2:
                if not self._fill(deadline):
                    raise Closed(self.eof, self.buf)
            body += self.buf[pos:pos + size]
            pos += size + 2

    def read_responses(self, n, timeout=5, head=False):
        deadline = time.monotonic() + timeout
        return [self.read_response(max(0.01, deadline - time.monotonic()), head=head)
                for _ in range(n)]

    def read_to_end(self, timeout=5):
        """Reads until the peer closes. Returns (bytes not yet consumed, how it ended:
        'eof', 'reset' or 'timeout'); the buffer is left empty."""
        deadline = time.monotonic() + timeout
        how = "timeout"
        try:
            while self._fill(deadline):
                pass
            how = self.eof
        except Timeout:
            pass
        data, self.buf = self.buf, b""
        return data, how

    def closed_by_peer(self, timeout):
        """Waits for the peer to close; returns (seconds waited, 'eof'/'reset'/'timeout',
        bytes received meanwhile)."""
        t0 = time.monotonic()
        data, how = self.read_to_end(timeout)
        return time.monotonic() - t0, how, data


def get(path="/", host="x", extra=""):
    return f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{extra}\r\n".encode()


def one(port, raw, timeout=5, head=False):
    """Sends raw on a fresh connection and returns the first response."""
    with Client(port) as c:
        c.send(raw)
        return c.read_response(timeout, head=head)


def tcp_state(sock):
    """The kernel's TCP state of sock (1 = ESTABLISHED, 7 = CLOSE, 8 = CLOSE_WAIT)."""
    info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)
    return info[0]


TCP_ESTABLISHED = 1


def peer_tcp_state(sock):
    """The kernel's TCP state of the server's end of sock's connection (from /proc/net/tcp,
    both ends being on this host), or None once it is gone. A server that closes while
    its unsent responses wait on a full client window sits in FIN_WAIT1 (4): the client
    sees no FIN until it reads, so only the server's end shows the close."""
    try:
        lhost, lport = sock.getsockname()
        rhost, rport = sock.getpeername()
    except OSError:  # not connected any more: reset
        return None

    def hexaddr(host, port):
        return f"{socket.htonl(int.from_bytes(socket.inet_aton(host), 'big')):08X}:{port:04X}"

    want_local, want_rem = hexaddr(rhost, rport), hexaddr(lhost, lport)
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            fields = line.split()
            if fields[1] == want_local and fields[2] == want_rem:
                return int(fields[3], 16)
    return None


def is_conn_error(e):
    return isinstance(e, OSError) and e.errno in (errno.ECONNRESET, errno.EPIPE,
                                                  errno.ECONNABORTED)
