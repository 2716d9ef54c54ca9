#!/usr/bin/env python3
"""Every timeout configured at 1s, observed from the client: client_header_timeout (408
after part of a head, a silent close after nothing), client_body_timeout (408),
keepalive_timeout (a silent close), send_timeout (a client that never reads is dropped)."""
import select
import socket
import time

from harness import (TCP_ESTABLISHED, Client, Server, Tap, error_page, get, peer_tcp_state,
                     tcp_state)

t = Tap()

BIG = "b" * 1000
HTTP = r"""
    client_header_timeout 1s;
    client_body_timeout 1s;
    keepalive_timeout 1s;
    send_timeout 1s;
    server {
        listen 127.0.0.1:{port};
        location / { return 200 "ok\n"; }
    }
    server {
        listen 127.0.0.1:{port2};
        keepalive_requests 100000;  # the connection must not end by its request count
        location /big { return 200 "%s"; }
    }
""" % BIG

LO, HI = 0.8, 2.5  # the window a 1s timer must fire in, seen from the client

srv = None


def start():
    global srv
    srv = Server(HTTP, nports=2)


def expect_408(name, c, t0):
    try:
        r = c.read_response(timeout=5)
    except Exception as e:  # noqa: BLE001 - reported as the check's failure
        t.ok(False, f"{name}: a 408 response", repr(e))
        return
    took = time.monotonic() - t0
    rest, how = c.read_to_end(5)
    t.eq((r.status_line, r.header("Connection")), ("HTTP/1.1 408 Request Time-out", "close"),
         f"{name}: 408, Connection: close")
    t.eq(r.body, error_page(408), f"{name}: the status page")
    t.between(round(took, 2), LO, HI, f"{name}: after ~1s")
    t.eq((rest, how), (b"", "eof"), f"{name}: then the connection closes")


def test_client_header_timeout_partial():
    with Client(srv.port) as c:
        t0 = time.monotonic()
        c.send(b"GET / HTTP/1.1\r\nHost: x\r\n")
        expect_408("half a head", c, t0)


def test_client_header_timeout_request_line_only():
    with Client(srv.port) as c:
        t0 = time.monotonic()
        c.send(b"GET /abc HT")
        expect_408("part of the request line", c, t0)


def test_client_header_timeout_nothing():
    with Client(srv.port) as c:
        took, how, data = c.closed_by_peer(5)
    t.eq((data, how), (b"", "eof"), "nothing sent: closed without a byte")
    t.between(round(took, 2), LO, HI, "nothing sent: after ~1s")


def test_client_body_timeout():
    with Client(srv.port) as c:
        c.send(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab")
        t0 = time.monotonic()
        expect_408("Content-Length 10, 2 bytes sent", c, t0)
    with Client(srv.port) as c:
        c.send(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab")
        t0 = time.monotonic()
        expect_408("chunked, a chunk cut short", c, t0)


def test_keepalive_timeout():
    with Client(srv.port) as c:
        c.send(get("/"))
        r = c.read_response()
        t.eq((r.status, r.header("Connection")), (200, "keep-alive"), "first response")
        took, how, data = c.closed_by_peer(5)
    t.eq((data, how), (b"", "eof"), "idle: closed without a byte")
    t.between(round(took, 2), LO, HI, "idle: closed after ~1s")


def test_send_timeout():
    """A client that pipelines 20000 requests into a tiny receive buffer and never reads:
    the server's writes stall, and after send_timeout it drops the connection."""
    reqs = b"".join(get("/big") for _ in range(20000))
    c = Client(srv.ports[1], rcvbuf=4096)
    t0 = time.monotonic()
    sent = 0
    write_error = None
    closed_at = None
    deadline = t0 + 10
    while time.monotonic() < deadline:
        if (tcp_state(c.sock) != TCP_ESTABLISHED
                or peer_tcp_state(c.sock) != TCP_ESTABLISHED):
            closed_at = time.monotonic()
            break
        if sent < len(reqs) and select.select([], [c.sock], [], 0.05)[1]:
            try:
                sent += c.sock.send(reqs[sent:sent + 65536], socket.MSG_DONTWAIT)
            except BlockingIOError:
                pass
            except OSError as e:
                write_error = e
                closed_at = time.monotonic()
                break
        elif sent >= len(reqs):
            time.sleep(0.02)  # polling the TCP state, not waiting for a guess
    t.diag(f"after {time.monotonic() - t0:.2f}s: sent {sent} of {len(reqs)} request bytes; "
           f"states: client {tcp_state(c.sock)}, server {peer_tcp_state(c.sock)}; "
           f"write error {write_error!r}")
    t.ok(closed_at is not None, "the server dropped the connection within 10s",
         f"still established after {time.monotonic() - t0:.1f}s")
    if closed_at is not None:
        t.between(round(closed_at - t0, 2), 0.9, 6, "dropped a few seconds after the start")
    c.sock.settimeout(5)
    got = 0
    how = None
    try:
        while True:
            d = c.sock.recv(1 << 20)
            if not d:
                how = "eof"
                break
            got += len(d)
    except ConnectionResetError:
        how = "reset"
    except socket.timeout:
        how = "timeout"
    c.sock.close()
    t.ok(how in ("eof", "reset"), "reading afterwards ends (EOF or reset)",
         f"{how} after {got} bytes")
    t.ok(got < 20000 * 1000, "far from all responses were sent", got)
    r = Client(srv.ports[1])
    r.send(get("/big"))
    t.eq(r.read_response().status, 200, "the server still answers others")
    r.close()


if t.run(start):
    t.run(test_client_header_timeout_partial, test_client_header_timeout_request_line_only,
          test_client_header_timeout_nothing, test_client_body_timeout,
          test_keepalive_timeout, test_send_timeout)
    t.stopped_clean(srv)
t.done()
