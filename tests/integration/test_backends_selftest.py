"""tests/integration/test_backends_selftest.py - checks backends.py on its own, no portico.

Each behaviour of the proxy tests' backends is driven directly, with http.client or raw
sockets (harness.Client), so that a proxy test that fails points at the proxy, not at its
backend. Not in the meson suite: run it by hand after changing backends.py:

    python3 tests/integration/test_backends_selftest.py

TAP output; exits 1 if a check failed. Takes about 5 seconds.
"""
import base64
import hashlib
import http.client
import json
import os
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from backends import MALFORMED, Backend, pattern, pattern_sha256  # noqa: E402
from harness import Client, Tap, get  # noqa: E402

t = Tap()


def conn(b):
    return http.client.HTTPConnection("127.0.0.1", b.port, timeout=5)


def fetch(b, path, method="GET", body=None, headers=None):
    c = conn(b)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r, r.read()
    finally:
        c.close()


def test_identify_and_counters():
    with Backend("b1") as b:
        c = conn(b)
        for _ in range(3):
            c.request("GET", "/anything")
            r = c.getresponse()
            body = r.read()
        c.close()
        t.eq(r.getheader("X-Backend"), "b1", "X-Backend names the backend")
        t.eq(body, b"b1", "the body is the name")
        t.ok(b.wait_for(lambda s: s["open"] == 0), "the connection is closed after the client")
        st = b.stats()
        t.eq((st["connections"], st["requests"], st["received"]), (1, 3, 3),
             "one connection, three requests")
        t.eq(st["by_conn"], {1: 3}, "answers per connection")
        t.eq(b.seen[-1]["target"], "/anything", "the request is in seen")


def test_echo():
    with Backend("e") as b:
        r, body = fetch(b, "/echo?x=1", headers={"X-Test": "yes", "Host": "example.org"})
        got = json.loads(body)
        t.eq(r.getheader("Content-Type"), "application/json", "echo answers JSON")
        t.eq(got["request_line"], "GET /echo?x=1 HTTP/1.1", "echo: the request line")
        t.ok(["X-Test", "yes"] in got["headers"] and ["Host", "example.org"] in got["headers"],
             "echo: the headers as received", got["headers"])
        r, body = fetch(b, "/echo", "POST", b"abc", {"Content-Type": "text/plain"})
        got = json.loads(body)
        t.eq((got["body_length"], got["body_sha256"]), (3, hashlib.sha256(b"abc").hexdigest()),
             "echo: the body's summary")


def test_delay():
    with Backend() as b:
        t0 = time.monotonic()
        r, _ = fetch(b, "/?delay=200")
        t.between(time.monotonic() - t0, 0.2, 2.0, "delay=200 answers after 200 ms")
        with Client(b.port) as c:
            c.send(get("/?body_delay=200&size=10"))
            t0 = time.monotonic()
            while b"\r\n\r\n" not in c.buf:
                c._fill(t0 + 2)  # the head comes at once
            head_at = time.monotonic() - t0
            resp = c.read_response()
            t.ok(head_at < 0.15, "body_delay: the head first", head_at)
            t.eq(len(resp.body) if resp.status == 200 else None, 10, "then the body")


def test_sizes():
    with Backend() as b:
        r, body = fetch(b, "/?size=300000")
        t.eq(r.getheader("Content-Length"), "300000", "size: Content-Length")
        t.ok(body == pattern(300000), "size: the pattern bytes", len(body))
        t.eq(hashlib.sha256(body).hexdigest(), pattern_sha256(300000), "pattern_sha256")
        r, body = fetch(b, "/?size=100000&chunked=1")
        t.eq((r.getheader("Transfer-Encoding"), r.getheader("Content-Length")),
             ("chunked", None), "chunked=1: chunked framing")
        t.ok(body == pattern(100000), "chunked=1: the pattern bytes", len(body))
        with Client(b.port) as c:
            c.send(get("/?size=5000&until_close=1"))
            resp = c.read_response()
            t.eq((resp.header("Content-Length"), resp.header("Transfer-Encoding"),
                  resp.header("Connection")), (None, None, "close"),
                 "until_close=1: no length, Connection: close")
            t.ok(resp.body == pattern(5000), "until_close=1: the body ends at the close")
        r, body = fetch(b, "/?status=503")
        t.eq(r.status, 503, "status=503")
        r, body = fetch(b, "/?size=10", "HEAD")
        t.eq((r.getheader("Content-Length"), body), ("10", b""), "HEAD: a length, no body")


def test_sse():
    with Backend("s") as b:
        t0 = time.monotonic()
        r, body = fetch(b, "/sse?events=3&interval=50")
        t.eq(r.getheader("Content-Type"), "text/event-stream", "sse: event-stream")
        t.eq(body.count(b"\n\n"), 3, "sse: three events")
        t.ok(b"id: 2\ndata: event 2 from s\n\n" in body, "sse: the last event", body)
        t.between(time.monotonic() - t0, 0.1, 2.0, "sse: 50 ms apart")
        with Client(b.port) as c:
            c.send(get("/sse?events=2&interval=300"))
            c.read_exact_prefix(1)
            t0 = time.monotonic()
            while b"event 0" not in c.buf:
                c._fill(time.monotonic() + 1)
            t.ok(time.monotonic() - t0 < 0.2, "sse: the first event comes before the second")


def test_idle_timeout():
    with Backend(idle_timeout_ms=200) as b:
        with Client(b.port) as c:
            c.send(get("/"))
            c.read_response()
            waited, how, _ = c.closed_by_peer(3)
            t.between(waited, 0.15, 1.0, "idle_timeout_ms=200 closes an idle connection")
            t.eq(how, "eof", "with a FIN")
    with Backend() as b:
        with Client(b.port) as c:
            c.send(get("/?idle_close=100"))
            c.read_response()
            waited, how, _ = c.closed_by_peer(3)
            t.between(waited, 0.05, 1.0, "idle_close=100 on this connection")


def test_max_requests():
    with Backend(max_requests=2) as b:
        with Client(b.port) as c:
            c.send(get("/") + get("/"))
            r1, r2 = c.read_responses(2)
            t.eq((r1.header("Connection"), r2.header("Connection")), (None, "close"),
                 "max_requests=2: the second answer says close")
            t.eq(c.read_to_end(2)[1], "eof", "and the connection closes")
    with Backend(max_requests=1, close_mode="silent") as b:
        with Client(b.port) as c:
            c.send(get("/"))
            r = c.read_response()
            t.eq(r.header("Connection"), None, "close_mode=silent: not announced")
            t.eq(c.read_to_end(2)[1], "eof", "close_mode=silent: closed all the same")
    with Backend() as b:
        with Client(b.port) as c:
            c.send(get("/?close=1"))
            t.eq(c.read_response().header("Connection"), "close", "close=1")
            t.eq(c.read_to_end(2)[1], "eof", "close=1 closes")
        with Client(b.port) as c:
            c.send(b"GET / HTTP/1.0\r\n\r\n")
            c.read_response()
            t.eq(c.read_to_end(2)[1], "eof", "HTTP/1.0 without keep-alive closes")


def test_malformed():
    with Backend() as b:
        for kind, want in MALFORMED.items():
            with Client(b.port) as c:
                c.send(get("/malformed?kind=" + kind))
                data, how = c.read_to_end(3)
                t.ok(data == want and how == "eof", "malformed %s: sent as is, then closed" % kind,
                     (data[:80], how))


def test_reset():
    with Backend() as b:
        with Client(b.port) as c:
            c.send(get("/reset"))
            data, how = c.read_to_end(3)
            t.eq((data, how), (b"", "reset"), "reset: an RST, no byte")
        with Client(b.port) as c:
            c.send(get("/reset?after_bytes=40"))
            data, how = c.read_to_end(3)
            t.eq((len(data), how), (40, "reset"), "reset?after_bytes=40: 40 bytes, then an RST")
        t.eq(b.requests, 0, "a reset is not an answer")
        t.eq(b.received, 2, "but the requests were received")


def test_request_bodies():
    with Backend() as b:
        size = 5 * 1024 * 1024
        with Client(b.port) as c:
            c.send(b"POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % size)
            for off in range(0, size, 65536):
                c.send(pattern(min(65536, size - off), off))
            got = json.loads(c.read_response(10).body)
        t.eq((got["length"], got["sha256"]), (size, pattern_sha256(size)),
             "a 5 MiB Content-Length body: length and sha256")
        chunks = [b"hello ", b"x" * 70000, b"world"]
        raw = (b"POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
               + b"".join(b"%x;ext=1\r\n%s\r\n" % (len(ch), ch) for ch in chunks)
               + b"0\r\nX-Sum: 42\r\n\r\n")
        with Client(b.port) as c:
            c.send(raw)
            got = json.loads(c.read_response().body)
        whole = b"".join(chunks)
        t.eq((got["length"], got["sha256"], got["chunked"], got["trailers"]),
             (len(whole), hashlib.sha256(whole).hexdigest(), True, [["X-Sum", "42"]]),
             "a chunked body with extensions and trailers")


def ws_send(c, opcode, payload, fin=True):
    mask = os.urandom(4)
    n = len(payload)
    b0 = (0x80 if fin else 0) | opcode
    head = (struct.pack("!BB", b0, 0x80 | n) if n < 126 else
            struct.pack("!BBH", b0, 0x80 | 126, n) if n < 65536 else
            struct.pack("!BBQ", b0, 0x80 | 127, n))
    c.send(head + mask + bytes(x ^ mask[i % 4] for i, x in enumerate(payload)))


def ws_recv(c):
    b0, b1 = c.read_exact_prefix(2)
    t.ok(not b1 & 0x80, "ws: server frames are not masked")
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack("!H", c.read_exact_prefix(2))[0]
    elif n == 127:
        n = struct.unpack("!Q", c.read_exact_prefix(8))[0]
    return b0 & 0x0F, c.read_exact_prefix(n)


def test_websocket():
    with Backend("w") as b:
        key = base64.b64encode(os.urandom(16)).decode()
        with Client(b.port) as c:
            c.send("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % key)
            r = c.read_response()
            want = base64.b64encode(hashlib.sha1(
                key.encode() + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest()).decode()
            t.eq((r.status, r.header("Sec-WebSocket-Accept")), (101, want), "ws: the handshake")
            ws_send(c, 0x1, b"hi there")
            t.eq(ws_recv(c), (0x1, b"hi there"), "ws: a text frame echoed")
            big = os.urandom(70000)
            ws_send(c, 0x2, big)
            t.ok(ws_recv(c) == (0x2, big), "ws: a 70000-byte binary frame echoed")
            ws_send(c, 0x1, b"frag", fin=False)
            ws_send(c, 0x0, b"mented")
            t.eq(ws_recv(c), (0x1, b"fragmented"), "ws: fragments joined")
            ws_send(c, 0x9, b"p")
            t.eq(ws_recv(c), (0xA, b"p"), "ws: ping answered by pong")
            ws_send(c, 0x8, struct.pack("!H", 1000))
            t.eq(ws_recv(c), (0x8, struct.pack("!H", 1000)), "ws: close echoed")
            t.eq(c.read_to_end(2)[1], "eof", "ws: then the connection closes")
        r, body = fetch(b, "/ws")
        t.eq(r.status, 400, "ws: a request without a handshake gets 400")


def test_continue():
    with Backend("c") as b:
        with Client(b.port) as c:
            c.send(b"POST /continue HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                   b"Expect: 100-continue\r\n\r\n")
            interim = c.read_response()
            t.eq(interim.status_line, "HTTP/1.1 100 Continue", "continue: 100 before the body")
            c.send(b"abc")
            final = c.read_response()
            t.eq((final.status, final.body), (200, b"c"), "continue: then the answer")
        with Client(b.port) as c:
            c.send(get("/continue?interim=103"))
            t.eq(c.read_response().status, 103, "continue?interim=103")
            t.eq(c.read_response().status, 200, "then 200")
        r, body = fetch(b, "/", "POST", b"xyz", {"Expect": "100-continue"})
        t.eq((r.status, body), (200, b"c"), "http.client gets past a 100 Continue")


def test_trailers():
    with Backend("tr") as b:
        with Client(b.port) as c:
            c.send(get("/trailers"))
            r = c.read_response()
            t.eq((r.header("Transfer-Encoding"), r.header("Trailer")),
                 ("chunked", "X-Trailer-One, X-Checksum"), "trailers: announced")
            t.eq(r.body, b"tr", "trailers: the body")
            t.ok(b"\r\n0\r\nX-Trailer-One: 1\r\nX-Checksum: " in r.raw, "trailers: sent", r.raw)


def test_routes():
    def teapot(backend, conn, req):
        conn.send(b"HTTP/1.1 418 I'm a teapot\r\nContent-Length: 0\r\n\r\n")
        return True
    with Backend("r", routes={"/api/": "echo", "/tea": teapot}) as b:
        r, body = fetch(b, "/api/v1")
        t.eq(json.loads(body)["target"], "/api/v1", "routes: a prefix to a built-in handler")
        t.eq(fetch(b, "/teapot")[0].status, 418, "routes: a prefix to a function")
        t.eq(fetch(b, "/other")[1], b"r", "routes: the rest as usual")


def test_concurrency_and_stop():
    b = Backend("many")
    errors = []

    def client():
        try:
            c = conn(b)
            for _ in range(20):
                c.request("GET", "/")
                if c.getresponse().read() != b"many":
                    errors.append("bad body")
            c.close()
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))
    threads = [threading.Thread(target=client) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(10)
    t.eq(errors, [], "8 concurrent clients")
    t.ok(b.wait_for(lambda s: s["requests"] == 160 and s["connections"] == 8),
         "counters: 160 requests on 8 connections", b.stats())
    idle = socket.create_connection(("127.0.0.1", b.port))
    t.ok(b.wait_for(lambda s: s["open"] == 1), "an idle connection is open")
    t0 = time.monotonic()
    b.stop()
    t.ok(time.monotonic() - t0 < 2, "stop() is quick with an idle connection open")
    idle.settimeout(2)
    t.eq(idle.recv(10), b"", "stop() closes it")
    idle.close()
    try:
        socket.create_connection(("127.0.0.1", b.port), timeout=1).close()
        refused = False
    except ConnectionRefusedError:
        refused = True
    t.ok(refused, "stop() closes the port")
    b.stop()  # a second stop does nothing


def test_given_port():
    with Backend("p") as first:
        port = first.port
    with Backend("p2", port=port) as b:
        t.eq((b.port, fetch(b, "/")[1]), (port, b"p2"), "a given port")


t.run(test_identify_and_counters, test_echo, test_delay, test_sizes, test_sse,
      test_idle_timeout, test_max_requests, test_malformed, test_reset, test_request_bodies,
      test_websocket, test_continue, test_trailers, test_routes, test_concurrency_and_stop,
      test_given_port)
t.done()
