#!/usr/bin/env python3
"""Keep-alive, pipelining, request bodies that `return` reads and discards (keep-alive
stays in sync), Expect: 100-continue, keepalive_requests, keepalive_timeout 0 and
client_max_body_size."""
from harness import Client, Server, Tap, error_page, get

t = Tap()

HTTP = r"""
    server {
        listen 127.0.0.1:{port1};
        location / { return 200 "$uri"; }
    }
    server {
        listen 127.0.0.1:{port2};
        keepalive_requests 3;
        location / { return 200 "$uri"; }
    }
    server {
        listen 127.0.0.1:{port3};
        keepalive_timeout 0;
        location / { return 200 "$uri"; }
    }
    server {
        listen 127.0.0.1:{port4};
        client_max_body_size 10;
        location / { return 200 "$uri"; }
    }
"""

srv = None


def start():
    global srv
    srv = Server(HTTP, nports=4)


def post(path, body, extra=""):
    return (f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n{extra}\r\n"
            .encode() + body)


def chunked(path, chunks, trailer=b""):
    out = f"POST {path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
    for c in chunks:
        out += f"{len(c):x}\r\n".encode() + c + b"\r\n"
    return out + b"0\r\n" + trailer + b"\r\n"


def test_keepalive_sequential():
    with Client(srv.ports[0]) as c:
        for i in range(5):
            c.send(get(f"/k{i}"))
            r = c.read_response()
            t.eq((r.status, r.body, r.header("Connection")), (200, f"/k{i}".encode(), "keep-alive"),
                 f"request {i + 1} on one connection")


def test_pipelining_100():
    with Client(srv.ports[0]) as c:
        c.send(b"".join(get(f"/p{i}") for i in range(100)))
        rs = c.read_responses(100, timeout=10)
        bodies = [r.body.decode() for r in rs]
        t.eq(bodies, [f"/p{i}" for i in range(100)], "100 responses, in order")
        t.eq({r.header("Connection") for r in rs}, {"keep-alive"}, "all keep-alive")
        t.eq(c.buf, b"", "no bytes beyond the 100th response")
        c.send(get("/after"))
        r = c.read_response()
        t.eq(r.body, b"/after", "the connection is still open")


def test_pipelining_mixed():
    """Bodies, HEAD and errors' neighbours in one write: each answer in its place."""
    reqs = (post("/m1", b"hello") + b"HEAD /m2 HTTP/1.1\r\nHost: x\r\n\r\n"
            + chunked("/m3", [b"abc", b"defgh"]) + get("/m4"))
    with Client(srv.ports[0]) as c:
        c.send(reqs)
        r1 = c.read_response()
        r2 = c.read_response(head=True)
        r3 = c.read_response()
        r4 = c.read_response()
    t.eq([r1.body, r2.header("Content-Length"), r3.body, r4.body],
         [b"/m1", "3", b"/m3", b"/m4"], "POST, HEAD, chunked POST, GET in one write")


def test_body_content_length():
    with Client(srv.ports[0]) as c:
        c.send(post("/b1", b"hello") + get("/b2"))
        r1, r2 = c.read_responses(2)
    t.eq([(r1.status, r1.body), (r2.status, r2.body)], [(200, b"/b1"), (200, b"/b2")],
         "POST with a 5-byte body, then GET, in one write")
    with Client(srv.ports[0]) as c:
        c.send(post("/b3", b"hello")[:-5])
        for b in (b"h", b"el", b"lo"):
            c.send(b)
        c.send(get("/b4"))
        r1, r2 = c.read_responses(2)
    t.eq([r1.body, r2.body], [b"/b3", b"/b4"], "the body in pieces, then GET")
    big = b"x" * 500000
    with Client(srv.ports[0]) as c:
        c.send(post("/b5", big) + get("/b6"))
        r1, r2 = c.read_responses(2, timeout=10)
    t.eq([r1.body, r2.body], [b"/b5", b"/b6"], "a 500000-byte body, then GET")


def test_body_chunked():
    with Client(srv.ports[0]) as c:
        c.send(chunked("/c1", [b"hello"], trailer=b"X-Trailer: 1\r\n") + get("/c2"))
        r1, r2 = c.read_responses(2)
    t.eq([(r1.status, r1.body), (r2.status, r2.body)], [(200, b"/c1"), (200, b"/c2")],
         "chunked body with a trailer, then GET")
    raw = (b"POST /c3 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
           b"3;ext=1\r\nabc\r\nA\r\n0123456789\r\n0\r\n\r\n")
    with Client(srv.ports[0]) as c:
        c.send(raw + get("/c4"))
        r1, r2 = c.read_responses(2)
    t.eq([r1.body, r2.body], [b"/c3", b"/c4"], "chunk extension and a hex size, then GET")
    with Client(srv.ports[0]) as c:
        for i in range(0, len(raw), 3):
            c.send(raw[i:i + 3])
        c.send(get("/c4"))
        r1, r2 = c.read_responses(2)
    t.eq([r1.body, r2.body], [b"/c3", b"/c4"], "the same in 3-byte writes")
    big = [bytes([65 + i % 26]) * 3000 for i in range(100)]
    with Client(srv.ports[0]) as c:
        c.send(chunked("/c5", big) + get("/c6"))
        r1, r2 = c.read_responses(2, timeout=10)
    t.eq([r1.body, r2.body], [b"/c5", b"/c6"], "100 chunks of 3000 bytes, then GET")


def test_expect_100_continue():
    with Client(srv.ports[0]) as c:
        c.send(b"POST /e1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        first = c.read_exact_prefix(len(b"HTTP/1.1 100 Continue\r\n\r\n"))
        t.eq(first, b"HTTP/1.1 100 Continue\r\n\r\n", "100 Continue comes first")
        c.send(b"hello")
        r = c.read_response()
        t.eq((r.status, r.body), (200, b"/e1"), "then the final response")
        c.send(get("/e2"))
        r = c.read_response()
        t.eq(r.body, b"/e2", "and the connection stays in sync")


def test_keepalive_requests():
    with Client(srv.ports[1]) as c:
        conns = []
        for i in range(3):
            c.send(get(f"/r{i}"))
            r = c.read_response()
            conns.append(r.header("Connection"))
        rest, how = c.read_to_end(5)
    t.eq(conns, ["keep-alive", "keep-alive", "close"], "keepalive_requests 3: 3rd says close")
    t.eq((rest, how), (b"", "eof"), "then the connection closes")
    with Client(srv.ports[1]) as c:
        c.send(b"".join(get(f"/q{i}") for i in range(5)))
        rs = c.read_responses(3)
        rest, how = c.read_to_end(5)
    t.eq([r.body for r in rs], [b"/q0", b"/q1", b"/q2"], "5 pipelined: the first 3 answered")
    t.eq((rest, how), (b"", "eof"), "5 pipelined: then EOF (no 4th response, no reset)")


def test_keepalive_timeout_0():
    with Client(srv.ports[2]) as c:
        c.send(get("/z"))
        r = c.read_response()
        rest, how = c.read_to_end(5)
    t.eq((r.body, r.header("Connection")), (b"/z", "close"), "Connection: close")
    t.eq((rest, how), (b"", "eof"), "then the connection closes")


def refused_413(name, raw):
    with Client(srv.ports[3]) as c:
        c.send(raw)
        r = c.read_response()
        rest, how = c.read_to_end(5)
    t.eq((r.status_line, r.header("Connection")),
         ("HTTP/1.1 413 Request Entity Too Large", "close"), f"{name}: 413, Connection: close")
    t.eq(r.body, error_page(413), f"{name}: the status page")
    t.eq((rest, how), (b"", "eof"), f"{name}: then the connection closes")


def test_client_max_body_size():
    with Client(srv.ports[3]) as c:
        c.send(post("/ok", b"0123456789") + chunked("/ok2", [b"01234", b"56789"]) + get("/ok3"))
        rs = c.read_responses(3)
    t.eq([r.body for r in rs], [b"/ok", b"/ok2", b"/ok3"], "bodies of exactly 10 bytes pass")
    refused_413("Content-Length 11", post("/big", b"0123456789a"))
    refused_413("Content-Length 11, no body sent yet",
                b"POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n")
    refused_413("chunked body of 11 bytes", chunked("/big", [b"01234", b"567890"]))


if t.run(start):
    t.run(test_keepalive_sequential, test_pipelining_100, test_pipelining_mixed,
          test_body_content_length, test_body_chunked, test_expect_100_continue,
          test_keepalive_requests, test_keepalive_timeout_0, test_client_max_body_size)
    t.stopped_clean(srv)
t.done()
