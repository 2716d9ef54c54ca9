"""tests/integration/backends.py - backends for the proxy integration tests (issue 5).

A `Backend` is an HTTP/1.1 origin server started in-process by a test, on 127.0.0.1 with an
ephemeral (or given) port, one thread per connection over blocking sockets, Python's
standard library only. It behaves as the test asks, per backend and per request:

    with Backend("b1") as b:                       # b.port, b.name; stopped on leaving
        ... proxy_pass http://127.0.0.1:{b.port} ...
        b.wait_for(lambda s: s["requests"] >= 2)   # counters, read under a lock
        b.seen[-1]["headers"]                     # what the proxy sent (last 1000 requests)

Per request, the path picks a handler and the query string tunes it (`/echo?delay=50`):

    (default) /NAME...  identify: `X-Backend: NAME` (on every answer) and the body NAME
    ?size=N             a body of N pattern bytes (`pattern(N)`; `pattern_sha256(N)`)
    /echo               the request line, headers and body summary received, as JSON
    /body               the request body's length and sha256 (and trailers), as JSON
    /sse?events=N&interval=MS   a Server-Sent Events stream of N events
    /ws                 a WebSocket echo (RFC 6455: handshake, masks, fragments, ping)
    /continue           `100 Continue` (or ?interim=CODE) before the final answer
    /trailers           a chunked answer with trailer fields
    /malformed?kind=K   a broken answer (MALFORMED lists the kinds), then a close
    /reset              a reset (SO_LINGER 0) instead of an answer (?after_bytes=N: midway)

    any handler: ?delay=MS before the answer, ?body_delay=MS between head and body,
    ?chunked=1 (chunked body), ?until_close=1 (no length: the body ends at the close),
    ?close=1 (Connection: close), ?status=CODE, ?idle_close=MS (this connection's idle
    keep-alive timeout from now on).

Per backend: `Backend(name, port=0, idle_timeout_ms=None, max_requests=None,
close_mode="header", routes=None)`: idle keep-alive connections are closed after
idle_timeout_ms; a connection is closed after max_requests answers, announced with
`Connection: close` (close_mode "header") or not (close_mode "silent", as a backend whose
keep-alive timer fires just as the proxy reuses the connection); routes maps a path prefix
to a handler name or to a function (backend, conn, req) -> keep_alive, ahead of the
built-in names.

Every request body is read (Content-Length or chunked, of any size) and hashed as it
arrives, never held in memory: handlers see req.body_length and req.body_sha256. The
counters are connections (accepted), requests (answered), received (heads read), open
(connections open now) and by_conn (answers per connection id); `stats()` copies them.
"""
import base64
import hashlib
import json
import socket
import struct
import threading
import time
from collections import deque
from urllib.parse import parse_qs, urlsplit

HOST = "127.0.0.1"
HEAD_LIMIT = 65536       # bytes of request head accepted
READ_TIMEOUT = 10.0      # seconds a started request (or a first one) may take to arrive
IO_BLOCK = 65536         # bytes read or written at once
SEEN_LIMIT = 1000        # requests kept in Backend.seen
WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

REASONS = {100: "Continue", 101: "Switching Protocols", 103: "Early Hints", 200: "OK",
           201: "Created", 204: "No Content", 301: "Moved Permanently", 302: "Found",
           304: "Not Modified", 400: "Bad Request", 404: "Not Found", 500: "Internal Server Error",
           502: "Bad Gateway", 503: "Service Unavailable"}

_PATTERN = bytes(range(256)) * 256  # 64 KiB of every byte value, repeated


def pattern(n, offset=0):
    """The n bytes of the pattern that ?size=N bodies carry, from offset."""
    out = bytearray()
    while len(out) < n:
        start = (offset + len(out)) % len(_PATTERN)
        out += _PATTERN[start:start + n - len(out)]
    return bytes(out)


def pattern_sha256(n):
    """sha256 hex of pattern(n), computed block by block."""
    h = hashlib.sha256()
    done = 0
    while done < n:
        k = min(IO_BLOCK, n - done)
        h.update(pattern(k, done))
        done += k
    return h.hexdigest()


class BadRequest(Exception):
    """The client's bytes are not a request this backend can read: 400 and close."""


class Request:
    """A request head as received, and the summary of its body once read."""

    def __init__(self, method, target, version, headers):
        self.method, self.target, self.version = method, target, version
        self.headers = headers                  # [(name, value)] in the order received
        parts = urlsplit(target)
        self.path = parts.path or "/"
        self.query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        self.body_length = 0
        self.body_sha256 = hashlib.sha256(b"").hexdigest()
        self.body_chunked = False
        self.trailers = []                      # [(name, value)] after a chunked body
        self.close = False                      # the answer closes the connection

    def header(self, name):
        """The first value of header name (case-insensitive), or None."""
        for n, v in self.headers:
            if n.lower() == name.lower():
                return v
        return None

    def has_token(self, name, token):
        """Whether any name header lists token (comma-separated, case-insensitive)."""
        return any(t.strip().lower() == token for n, v in self.headers
                   if n.lower() == name.lower() for t in v.split(","))

    def qint(self, key, default=0):
        try:
            return int(self.query.get(key, default))
        except ValueError:
            return default

    def summary(self, conn):
        return {"request_line": "%s %s %s" % (self.method, self.target, self.version),
                "method": self.method, "target": self.target, "version": self.version,
                "headers": [[n, v] for n, v in self.headers],
                "body_length": self.body_length, "body_sha256": self.body_sha256,
                "body_chunked": self.body_chunked, "trailers": [[n, v] for n, v in self.trailers],
                "conn": conn.id, "conn_request": conn.answered + 1}


class Conn:
    """One accepted connection: its socket, a read buffer and what it has done."""

    def __init__(self, sock, conn_id):
        self.sock, self.id = sock, conn_id
        self.buf = bytearray()
        self.answered = 0
        self.idle_timeout = None   # seconds; None: READ_TIMEOUT

    def fill(self, timeout):
        """Reads more into buf; False at EOF. Raises socket.timeout / OSError."""
        self.sock.settimeout(timeout)
        data = self.sock.recv(IO_BLOCK)
        if not data:
            return False
        self.buf += data
        return True

    def take(self, n):
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def read_exact(self, n):
        while len(self.buf) < n:
            if not self.fill(READ_TIMEOUT):
                raise BadRequest("closed after %d of %d bytes" % (len(self.buf), n))
        return self.take(n)

    def read_line(self, limit=HEAD_LIMIT):
        """One line up to CRLF (removed)."""
        while b"\r\n" not in self.buf:
            if len(self.buf) > limit:
                raise BadRequest("line too long")
            if not self.fill(READ_TIMEOUT):
                raise BadRequest("closed in a line")
        line, _, rest = bytes(self.buf).partition(b"\r\n")
        self.buf = bytearray(rest)
        return line

    def send(self, data):
        self.sock.sendall(data)

    def reset(self):
        """Closes with an RST: SO_LINGER on with a zero timeout."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()


# ---- reading requests --------------------------------------------------------------------

def read_head(conn):
    """The next request head, or None if the client closed (or left the connection idle
    longer than conn.idle_timeout: this backend's keep-alive timeout) first."""
    wait = READ_TIMEOUT if conn.idle_timeout is None else conn.idle_timeout
    while b"\r\n\r\n" not in conn.buf:
        if len(conn.buf) > HEAD_LIMIT:
            raise BadRequest("head too large")
        try:
            if not conn.fill(wait if not conn.buf else READ_TIMEOUT):
                if conn.buf:
                    raise BadRequest("closed in a head")
                return None
        except socket.timeout:
            if conn.buf:
                raise BadRequest("head timed out")
            return None  # idle: the keep-alive timeout of this backend
    head, _, rest = bytes(conn.buf).partition(b"\r\n\r\n")
    conn.buf = bytearray(rest)
    return parse_head(head)


def parse_head(head):
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise BadRequest("bad request line %r" % lines[0])
    headers = []
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip():
            raise BadRequest("bad header line %r" % line)
        headers.append((name, value.strip()))
    return Request(parts[0], parts[1], parts[2], headers)


def read_body(conn, req):
    """Reads req's body (Content-Length or chunked), hashing it as it comes."""
    h = hashlib.sha256()
    if req.has_token("transfer-encoding", "chunked"):
        req.body_chunked = True
        req.body_length = read_chunked(conn, req, h)
    elif req.header("content-length") is not None:
        try:
            left = int(req.header("content-length"))
        except ValueError:
            raise BadRequest("bad Content-Length") from None
        req.body_length = left
        stream_into(conn, left, h)
    req.body_sha256 = h.hexdigest()


def stream_into(conn, n, h):
    """Consumes n bytes of the connection into hash h, a block at a time."""
    while n > 0:
        if not conn.buf and not conn.fill(READ_TIMEOUT):
            raise BadRequest("closed with %d body bytes to come" % n)
        k = min(n, len(conn.buf))
        h.update(conn.buf[:k])
        del conn.buf[:k]
        n -= k


def read_chunked(conn, req, h):
    total = 0
    while True:
        line = conn.read_line(4096)
        try:
            size = int(line.split(b";")[0].strip(), 16)
        except ValueError:
            raise BadRequest("bad chunk size %r" % line) from None
        if size == 0:
            break
        stream_into(conn, size, h)
        total += size
        if conn.read_exact(2) != b"\r\n":
            raise BadRequest("chunk data not followed by CRLF")
    while True:
        line = conn.read_line()
        if not line:
            return total
        name, _, value = line.decode("latin-1").partition(":")
        req.trailers.append((name, value.strip()))


# ---- writing answers ---------------------------------------------------------------------

def framing(req):
    """How the body of the answer to req is delimited: length, chunked or close."""
    if req.query.get("until_close") == "1":
        return "close"
    if req.query.get("chunked") == "1":
        return "chunked" if req.version == "HTTP/1.1" else "close"
    return "length"


def head_bytes(backend, req, status, headers):
    reason = REASONS.get(status, "Status")
    lines = ["HTTP/1.1 %d %s" % (status, reason), "X-Backend: %s" % backend.name]
    lines += ["%s: %s" % kv for kv in headers]
    if req.close and status >= 200:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def send_answer(backend, conn, req, body_blocks, length, content_type="text/plain",
                headers=(), status=None, trailers=()):
    """Sends head and body (an iterable of bytes blocks, `length` bytes in all) with the
    framing the request asks for; trailers only with chunked framing."""
    status = status or req.qint("status", 200)
    mode = "chunked" if trailers and req.version == "HTTP/1.1" else framing(req)
    if mode == "close":
        req.close = True
    hdrs = [("Content-Type", content_type)] + list(headers)
    if mode == "length":
        hdrs.append(("Content-Length", str(length)))
    elif mode == "chunked":
        hdrs.append(("Transfer-Encoding", "chunked"))
        if trailers:
            hdrs.append(("Trailer", ", ".join(n for n, _ in trailers)))
    conn.send(head_bytes(backend, req, status, hdrs))
    pause(req.qint("body_delay"))
    if req.method == "HEAD" or status in (204, 304):
        return
    for block in body_blocks:
        if block:
            conn.send(b"%x\r\n%s\r\n" % (len(block), block) if mode == "chunked" else block)
    if mode == "chunked":
        conn.send(b"0\r\n" + b"".join(b"%s: %s\r\n" % (n.encode(), v.encode())
                                      for n, v in trailers) + b"\r\n")


def pattern_blocks(n):
    done = 0
    while done < n:
        k = min(IO_BLOCK, n - done)
        yield pattern(k, done)
        done += k


def pause(ms):
    if ms > 0:
        time.sleep(ms / 1000.0)


# ---- handlers: (backend, conn, req) -> whether the connection may serve another request --

def h_identify(backend, conn, req):
    if "size" in req.query:
        n = req.qint("size")
        send_answer(backend, conn, req, pattern_blocks(n), n, "application/octet-stream")
    else:
        body = backend.name.encode()
        send_answer(backend, conn, req, [body], len(body))
    return True


def h_echo(backend, conn, req):
    body = json.dumps(req.summary(conn), indent=1).encode() + b"\n"
    send_answer(backend, conn, req, [body], len(body), "application/json")
    return True


def h_body(backend, conn, req):
    body = json.dumps({"length": req.body_length, "sha256": req.body_sha256,
                       "chunked": req.body_chunked,
                       "trailers": [[n, v] for n, v in req.trailers]}).encode() + b"\n"
    send_answer(backend, conn, req, [body], len(body), "application/json")
    return True


def h_sse(backend, conn, req):
    events, interval = req.qint("events", 3), req.qint("interval", 100)

    def stream():
        for i in range(events):
            if i:
                pause(interval)
            yield b"id: %d\ndata: event %d from %s\n\n" % (i, i, backend.name.encode())
    if framing(req) == "length":  # an endless-looking stream: chunked unless told otherwise
        req.query["chunked"] = "1"
    send_answer(backend, conn, req, stream(), 0, "text/event-stream",
                [("Cache-Control", "no-cache")])
    return True


def h_continue(backend, conn, req):
    """The interim answer was sent before the body was read (see Backend._serve_one)."""
    return h_identify(backend, conn, req)


def h_trailers(backend, conn, req):
    body = backend.name.encode()
    send_answer(backend, conn, req, [body], len(body),
                trailers=[("X-Trailer-One", "1"), ("X-Checksum", hashlib.sha256(body).hexdigest())])
    return True


MALFORMED = {
    "garbage": b"this is not HTTP at all\r\n\r\n",
    "bad_status": b"HTTP/1.1 2OO OK\r\nContent-Length: 2\r\n\r\nok",
    "bad_header": b"HTTP/1.1 200 OK\r\nno colon here\r\nContent-Length: 2\r\n\r\nok",
    "double_length": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok!",
    "length_and_chunked": (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
                           b"Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"),
    "bad_chunk": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nok\r\n0\r\n\r\n",
    "short_body": b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this",
    "lf_only": b"HTTP/1.1 200 OK\nContent-Length: 2\n\nok",
    "obs_fold": b"HTTP/1.1 200 OK\r\nX-A: one\r\n two\r\nContent-Length: 2\r\n\r\nok",
    "huge_header": b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 65536 + b"\r\nContent-Length: 2\r\n\r\nok",
    "http09": b"ok, no head at all",
}


def h_malformed(backend, conn, req):
    conn.send(MALFORMED.get(req.query.get("kind", "garbage"), MALFORMED["garbage"]))
    return False


def h_reset(backend, conn, req):
    n = req.qint("after_bytes")
    if n > 0:
        size = n + 4096
        answer = (b"HTTP/1.1 200 OK\r\nX-Backend: %s\r\nContent-Length: %d\r\n\r\n"
                  % (backend.name.encode(), size)) + pattern(size)
        conn.send(answer[:n])
    conn.reset()
    return False


def h_websocket(backend, conn, req):
    key = req.header("sec-websocket-key")
    if not (req.has_token("upgrade", "websocket") and req.has_token("connection", "upgrade")
            and key):
        req.close = True
        body = b"a WebSocket handshake was expected\n"
        send_answer(backend, conn, req, [body], len(body), status=400)
        return False
    accept = base64.b64encode(hashlib.sha1(key.encode() + WS_GUID).digest()).decode()
    conn.send(("HTTP/1.1 101 Switching Protocols\r\nX-Backend: %s\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n"
               % (backend.name, accept)).encode())
    backend.count("requests", conn)
    ws_echo(conn)
    return False


def ws_read_frame(conn):
    """One frame: (fin, opcode, payload unmasked). Raises BadRequest at EOF."""
    b0, b1 = conn.read_exact(2)
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack("!H", conn.read_exact(2))[0]
    elif n == 127:
        n = struct.unpack("!Q", conn.read_exact(8))[0]
    mask = conn.read_exact(4) if b1 & 0x80 else None
    data = conn.read_exact(n)
    if mask:
        data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
    return bool(b0 & 0x80), b0 & 0x0F, data


def ws_frame(opcode, payload):
    """A server frame (never masked), final."""
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 127, n)
    return head + payload


def ws_echo(conn):
    """Echoes text and binary messages (fragments joined), answers pings, returns the
    close frame and ends."""
    message, opcode = bytearray(), None
    while True:
        fin, op, data = ws_read_frame(conn)
        if op == 0x8:  # close: echo its status code
            conn.send(ws_frame(0x8, data[:2]))
            return
        if op == 0x9:
            conn.send(ws_frame(0xA, data))
            continue
        if op == 0xA:
            continue
        if op in (0x1, 0x2):
            message, opcode = bytearray(data), op
        else:  # continuation
            message += data
        if fin and opcode is not None:
            conn.send(ws_frame(opcode, bytes(message)))
            message, opcode = bytearray(), None


HANDLERS = {"echo": h_echo, "body": h_body, "sse": h_sse, "ws": h_websocket,
            "continue": h_continue, "trailers": h_trailers, "malformed": h_malformed,
            "reset": h_reset}


# ---- the backend -------------------------------------------------------------------------

class Backend:
    """An origin server on 127.0.0.1 (see the module's docstring), started at construction."""

    def __init__(self, name="backend", port=0, idle_timeout_ms=None, max_requests=None,
                 close_mode="header", routes=None, host=HOST):
        if close_mode not in ("header", "silent"):
            raise ValueError("close_mode is 'header' or 'silent'")
        self.name = name
        self.idle_timeout_ms = idle_timeout_ms
        self.max_requests = max_requests
        self.close_mode = close_mode
        self.routes = dict(routes or {})
        self.seen = deque(maxlen=SEEN_LIMIT)   # request summaries, oldest first
        self._cv = threading.Condition()
        self._counts = {"connections": 0, "requests": 0, "received": 0, "open": 0}
        self._by_conn = {}
        self._socks = set()
        self._threads = []
        self._stopping = False
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((host, port))
        self._listener.listen(128)
        self.port = self._listener.getsockname()[1]
        self._acceptor = threading.Thread(target=self._accept_loop, daemon=True,
                                          name="backend-%s-accept" % name)
        self._acceptor.start()

    # -- counters

    def count(self, key, conn=None, delta=1):
        with self._cv:
            self._counts[key] += delta
            if key == "requests" and conn is not None:
                self._by_conn[conn.id] = self._by_conn.get(conn.id, 0) + 1
            self._cv.notify_all()

    def stats(self):
        """A copy of the counters: connections, requests, received, open, by_conn."""
        with self._cv:
            return self._stats_locked()

    @property
    def connections(self):
        """Connections accepted so far."""
        return self.stats()["connections"]

    @property
    def requests(self):
        """Requests answered so far (a reset is not an answer; a malformed one is)."""
        return self.stats()["requests"]

    @property
    def received(self):
        """Request heads read so far."""
        return self.stats()["received"]

    @property
    def open(self):
        """Connections open now."""
        return self.stats()["open"]

    def wait_for(self, predicate, timeout=5.0):
        """Waits until predicate(stats()) is true (returns True) or timeout (False)."""
        with self._cv:
            return self._cv.wait_for(lambda: predicate(self._stats_locked()), timeout)

    def _stats_locked(self):
        out = dict(self._counts)
        out["by_conn"] = dict(self._by_conn)
        return out

    def reset_counts(self):
        with self._cv:
            for k in ("connections", "requests", "received"):
                self._counts[k] = 0
            self._by_conn.clear()
            self.seen.clear()

    # -- life

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self, timeout=5.0):
        """Stops accepting, closes every connection, waits for the threads (bounded)."""
        with self._cv:
            if self._stopping:
                return
            self._stopping = True
            socks = list(self._socks)
        try:
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes accept()
        except OSError:
            pass
        self._listener.close()
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        deadline = time.monotonic() + timeout
        for t in [self._acceptor] + list(self._threads):
            t.join(max(0.0, deadline - time.monotonic()))

    def _accept_loop(self):
        next_id = 0
        while True:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return  # stopped
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._cv:
                if self._stopping:
                    sock.close()
                    return
                next_id += 1
                self._socks.add(sock)
                self._counts["connections"] += 1
                self._counts["open"] += 1
                self._cv.notify_all()
                t = threading.Thread(target=self._serve, args=(Conn(sock, next_id),),
                                     daemon=True, name="backend-%s-%d" % (self.name, next_id))
                self._threads = [x for x in self._threads if x.is_alive()] + [t]
            t.start()

    # -- one connection

    def _serve(self, conn):
        if self.idle_timeout_ms is not None:
            conn.idle_timeout = self.idle_timeout_ms / 1000.0
        try:
            while not self._stopping and self._serve_one(conn):
                pass
        except (OSError, BadRequest):
            pass  # the client went away, or sent what a test meant to be refused
        finally:
            try:
                conn.sock.close()
            except OSError:
                pass
            with self._cv:
                self._socks.discard(conn.sock)
                self._counts["open"] -= 1
                self._cv.notify_all()

    def _serve_one(self, conn):
        """Reads and answers one request; whether the connection may serve another."""
        try:
            req = read_head(conn)
        except BadRequest:
            conn.send(b"HTTP/1.1 400 Bad Request\r\nX-Backend: %s\r\nContent-Length: 0\r\n"
                      b"Connection: close\r\n\r\n" % self.name.encode())
            return False
        if req is None:
            return False
        self.count("received")
        handler = self._route(req)
        if "idle_close" in req.query:
            conn.idle_timeout = req.qint("idle_close") / 1000.0
        last = self.max_requests is not None and conn.answered + 1 >= self.max_requests
        req.close = (req.query.get("close") == "1" or req.has_token("connection", "close")
                     or (req.version == "HTTP/1.0" and not req.has_token("connection",
                                                                       "keep-alive"))
                     or (last and self.close_mode == "header"))
        if handler is h_reset and "after_bytes" not in req.query:
            self.seen.append(req.summary(conn))
            return handler(self, conn, req)  # before the body: the proxy may still be sending
        if handler is h_continue or req.has_token("expect", "100-continue"):
            conn.send(b"HTTP/1.1 %d %s\r\n\r\n" % (
                req.qint("interim", 100), REASONS.get(req.qint("interim", 100), "Info").encode()))
        if handler is not h_websocket:
            read_body(conn, req)
        self.seen.append(req.summary(conn))
        pause(req.qint("delay"))
        keep = handler(self, conn, req)
        if handler is not h_websocket:
            self.count("requests", conn)
        conn.answered += 1
        return keep and not req.close and not last

    def _route(self, req):
        for prefix in sorted(self.routes, key=len, reverse=True):
            if req.path.startswith(prefix):
                h = self.routes[prefix]
                return HANDLERS[h] if isinstance(h, str) else h
        first = req.path.lstrip("/").split("/")[0]
        return HANDLERS.get(first, h_identify)
