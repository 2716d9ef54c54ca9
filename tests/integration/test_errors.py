#!/usr/bin/env python3
"""Refused requests: each parser error and each head limit is answered with its status
page and `Connection: close`, then the connection closes; lingering close keeps the
answer intact when the client goes on sending."""
import select
import socket
import threading
import time

from harness import Client, Server, Tap, error_page, get, one, wait_until

t = Tap()

HTTP = r"""
    large_client_header_buffers 4 1k;
    server {
        listen 127.0.0.1:{port};
        location / { return 200 "ok\n"; }
    }
    server {
        listen 127.0.0.1:{port2};
        client_header_buffer_size 64;
        client_max_headers 5;
        location / { return 200 "ok\n"; }
    }
"""

srv = None


def start():
    global srv
    srv = Server(HTTP, nports=2)


def refused(name, raw, code):
    """Sends raw; checks the status page, Connection: close and the close that follows,
    and that the refusal left a line in error.log (DESIGN.md: every refused request gets
    the right status code and a log line)."""
    lines = srv.error_log().count("\n")
    with Client(srv.port) as c:
        c.send(raw)
        try:
            r = c.read_response()
        except Exception as e:  # noqa: BLE001 - reported as the check's failure
            t.ok(False, f"{name}: {code} response", repr(e))
            return
        rest, how = c.read_to_end(5)
    t.eq(r.status, code, f"{name}: status")
    t.eq(r.header("Connection"), "close", f"{name}: Connection: close")
    t.eq(r.header("Content-Type"), "text/html", f"{name}: Content-Type")
    t.eq(r.body, error_page(code), f"{name}: the status page")
    t.eq((rest, how), (b"", "eof"), f"{name}: then the connection closes")
    logged = wait_until(lambda: srv.error_log().count("\n") > lines, 2)
    t.ok(logged, f"{name}: a line in error.log", srv.error_log()[-500:])


def accepted(name, raw, port=None):
    r = one(port or srv.port, raw)
    t.eq((r.status, r.body), (200, b"ok\n"), f"{name}: answered 200")


def test_parser_errors():
    refused("bare LF", b"GET / HTTP/1.1\nHost: x\n\n", 400)
    refused("bare LF after the request line", b"GET / HTTP/1.1\r\nHost: x\n\r\n", 400)
    refused("space before the colon", b"GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400)
    refused("HTTP/1.1 without Host", b"GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", 400)
    refused("two Host fields", b"GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400)
    refused("Transfer-Encoding: gzip",
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400)
    refused("Transfer-Encoding: gzip, chunked",
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501)
    refused("HTTP/2.0", b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505)
    refused("Content-Length and Transfer-Encoding",
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400)
    refused("two different Content-Lengths",
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
            400)
    refused("Content-Length not a number",
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n", 400)
    refused("obs-fold", b"GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  2\r\n\r\n", 400)
    refused("dot segments above the root", get("/../x"), 400)
    accepted("HTTP/1.0 without Host", b"GET / HTTP/1.0\r\n\r\n")


def test_head_limits():
    # large_client_header_buffers 4 1k: a line must fit 1k, the whole head 4k.
    refused("request line over 1k", get("/" + "a" * 2000), 414)
    accepted("request line of 500 bytes", get("/" + "a" * 500))
    refused("one header line over 1k", get("/", extra="X-Long: " + "b" * 2000 + "\r\n"), 431)
    fields = "".join(f"X-F{i}: {'c' * 900}\r\n" for i in range(6))
    refused("six header lines of 900 bytes (head over 4k)", get("/", extra=fields), 431)
    fields = "".join(f"X-F{i}: {'c' * 900}\r\n" for i in range(3))
    accepted("three header lines of 900 bytes", get("/", extra=fields))
    # client_header_buffer_size 64: a head that outgrows it moves to the large buffers.
    p2 = srv.ports[1]
    accepted("64-byte first buffer: a 600-byte request line", get("/" + "a" * 600), p2)
    accepted("64-byte first buffer: three 900-byte lines", get("/", extra=fields), p2)
    with Client(p2) as c:
        c.send(get("/" + "a" * 300) + get("/", extra=fields) + get("/"))
        rs = c.read_responses(3)
    t.eq([r.status for r in rs], [200] * 3, "64-byte first buffer: pipelined, all answered")
    # client_max_headers 5 (portico's bound on header slots per request): Host + 4 fits.
    four = "".join(f"X-H{i}: v\r\n" for i in range(4))
    accepted("client_max_headers 5: five header lines", get("/", extra=four), p2)
    with Client(p2) as c:
        c.send(get("/", extra=four + "X-H5: v\r\n"))
        r = c.read_response()
    t.eq((r.status, r.header("Connection")), (431, "close"),
         "client_max_headers 5: a sixth header line is 431")


def test_lingering_close():
    """A client that goes on sending after a refused request still reads the whole page:
    the server must not close with unread bytes (a reset would discard the page)."""
    with Client(srv.port) as c:
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
        stop = threading.Event()
        sent = [0]

        def garbage():
            chunk = b"G" * 16384
            while not stop.is_set() and sent[0] < 4 << 20:
                if not select.select([], [c.sock], [], 0.05)[1]:
                    continue
                try:
                    sent[0] += c.sock.send(chunk, socket.MSG_DONTWAIT)
                except BlockingIOError:
                    continue
                except OSError:
                    return

        c.send(b"GET / HTTP/1.1\r\nHost : x\r\n\r\n" + b"G" * 65536)
        th = threading.Thread(target=garbage, daemon=True)
        th.start()
        try:
            r = c.read_response(timeout=5)
            page_ok = (r.status, r.body) == (400, error_page(400))
            t.ok(page_ok, "the 400 page arrives whole while the client sends", r)
        except Exception as e:  # noqa: BLE001
            t.ok(False, "the 400 page arrives whole while the client sends", repr(e))
        # The garbage stops; the server then closes (EOF, not a reset).
        stop.set()
        th.join(5)
        rest, how = c.read_to_end(10)
        t.eq((rest, how), (b"", "eof"), "then EOF, not a reset")

    # The same with all the bytes in one write, read only afterwards.
    for n in (1, 8):
        with Client(srv.port) as c:
            c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
            c.send(b"GET / HTTP/1.0\r\nHost: x\r\nBad Header\r\n\r\n" + b"Z" * (n * 65536))
            t0 = time.monotonic()
            data, how = c.read_to_end(10)
            t.ok(data.endswith(error_page(400)) and data.startswith(b"HTTP/1.1 400 "),
                 f"{n}x64k of trailing bytes: the page arrives whole", data[:200])
            t.ok(how == "eof", f"{n}x64k of trailing bytes: EOF, not a reset",
                 f"{how} after {time.monotonic() - t0:.2f}s")


if t.run(start):
    t.run(test_parser_errors, test_head_limits, test_lingering_close)
    t.stopped_clean(srv)
t.done()
