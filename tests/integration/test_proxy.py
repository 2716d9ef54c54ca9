#!/usr/bin/env python3
"""proxy_pass, one request at a time: what the upstream receives (request line and URI
rules, Host, proxy_set_header, hop-by-hop headers, bodies), what the client receives
(status line, portico's Server and Date, hidden and passed headers, add_header), the
variables of the access log, and every failure: refused, reset, malformed, timeouts
(connect, read, send) and a cut body. Backends are real servers on loopback
(tests/integration/backends.py). Runs against nginx too (PORTICO_BIN=/usr/sbin/nginx)
where nginx 1.22 behaves as 1.29.7 (HTTP/1.1 upstream, keep-alive set explicitly)."""
import json
import os
import socket
import sys
import time

from backends import Backend, send_answer
from harness import IS_NGINX, Client, Server, Tap, error_page, get, one

t = Tap()

HTTP = r"""
    log_format up '$status $upstream_status $upstream_addr $request_uri $upstream_http_x_backend';
    access_log {dir}/up.log up;
    upstream app {
        server 127.0.0.1:{b1};
        keepalive 32;
    }
    upstream dead { server 127.0.0.1:{dead}; }
    upstream blackhole { server 127.0.0.1:{blackhole}; }
    upstream sink { server 127.0.0.1:{sink}; }
    upstream hang_then_b1 {
        server 127.0.0.1:{blackhole} max_fails=0;
        server 127.0.0.1:{b1} backup;
    }
    server {
        listen 127.0.0.1:{port};
        proxy_http_version 1.1;
        proxy_set_header Connection "";

        location / { proxy_pass http://app; }
        location /pre/ { proxy_pass http://app/x/; }
        location = /exact { proxy_pass http://app/other?a=b; }
        location /implicit/ { proxy_pass http://127.0.0.1:{b1}; }
        location /host/ {
            proxy_pass http://app;
            proxy_set_header Host $host;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header Accept-Encoding "";
            proxy_set_header Connection "";
        }
        location /hide/ {
            proxy_pass http://app;
            proxy_hide_header X-Backend;
            proxy_pass_header Server;
            add_header X-Added yes;
        }
        location /tf/ { try_files /nothing @up; }
        location @up { proxy_pass http://app; }
        location /dead/ { proxy_pass http://dead; }
        location /slow/ { proxy_pass http://app; proxy_read_timeout 300ms; }
        location /cto/ { proxy_pass http://blackhole; proxy_connect_timeout 300ms; }
        location /nut/ { proxy_pass http://hang_then_b1; proxy_connect_timeout 300ms; }
        location /nutt/ {
            proxy_pass http://hang_then_b1;
            proxy_connect_timeout 300ms;
            proxy_next_upstream_timeout 200ms;
        }
        location /sto/ {
            proxy_pass http://sink;
            proxy_send_timeout 300ms;
            client_max_body_size 64m;
        }
        location /intercept/ {
            proxy_pass http://app;
            proxy_intercept_errors on;
            error_page 500 = /fallback;
        }
        location = /fallback { return 200 "fallback\n"; }
        location /ep502/ { proxy_pass http://dead; error_page 502 = /fallback; }
        location /stream/ { proxy_pass http://app; proxy_request_buffering off; }
        location /stream_tmo/ {
            proxy_pass http://app;
            proxy_request_buffering off;
            client_body_timeout 300ms;
        }
    }
"""

srv = b1 = None
blackhole = sink = None
queued = []


def fill_blackhole():
    """A listener that never accepts, its queue full: connects to it hang (SYNs dropped),
    which is how proxy_connect_timeout shows on loopback."""
    global blackhole
    blackhole = socket.socket()
    blackhole.bind(("127.0.0.1", 0))
    blackhole.listen(0)
    port = blackhole.getsockname()[1]
    for _ in range(2):
        c = socket.socket()
        c.setblocking(False)
        try:
            c.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        queued.append(c)
    time.sleep(0.05)  # the handshakes complete in the kernel; nothing to poll for
    return port


def open_sink():
    """A listener whose connections complete in the kernel but are never read: a request
    body sent there fills the socket buffers, then the proxy's writes wait."""
    global sink
    sink = socket.socket()
    sink.bind(("127.0.0.1", 0))
    sink.listen(16)
    return sink.getsockname()[1]


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def own_headers(backend, conn, req):
    """An answer with headers nginx hides or passes: Server, X-Pad, X-Accel-*."""
    send_answer(backend, conn, req, [b"own"], 3, "text/plain",
                [("Server", "backend/1.0"), ("X-Pad", "pad"), ("X-Accel-Buffering", "no"),
                 ("X-Kept", "kept")])
    return True


def start():
    global srv, b1
    b1 = Backend("b1", routes={"/x/": "echo", "/other": "echo", "/tf/": "echo",
                               "/host/": "echo", "/implicit/": "echo", "/hide/": own_headers,
                               "/stream": "body"})
    http = (HTTP.replace("{b1}", str(b1.port)).replace("{dead}", str(closed_port()))
            .replace("{blackhole}", str(fill_blackhole())).replace("{sink}", str(open_sink())))
    srv = Server(http)


def req(path, extra="", method="GET", body=b"", head=False):
    raw = f"{method} {path} HTTP/1.1\r\nHost: front.test\r\n{extra}".encode()
    if body:
        raw += f"Content-Length: {len(body)}\r\n".encode()
    return one(srv.port, raw + b"\r\n" + body, timeout=10, head=head)


def echoed(path, extra="", method="GET", body=b""):
    r = req(path, extra, method, body)
    return r, json.loads(r.body)


def test_pass_through():
    r = req("/hello")
    t.eq((r.status, r.body, r.header("X-Backend")), (200, b"b1", "b1"), "status, body, headers")
    t.ok(r.header("Server", ).startswith("portico") or IS_NGINX, "Server is the proxy's",
         r.header("Server"))
    t.ok(r.header("Date"), "a Date")
    t.eq(r.header("Connection"), "keep-alive", "the client connection stays open")


def test_request_line_and_uri():
    _, e = echoed("/echo/a%2Fb/../c?x=1&y")
    t.eq(e["target"], "/echo/a%2Fb/../c?x=1&y", "no URI part: the request URI as sent")
    _, e = echoed("/pre/echo?q=1")
    t.eq(e["target"], "/x/echo?q=1", "a URI part replaces the location prefix")
    _, e = echoed("/pre/sp%20ace/%7Euser")
    t.eq(e["target"], "/x/sp%20ace/~user", "the rest is the normalised URI, escaped again")
    _, e = echoed("/exact")
    t.eq(e["target"], "/other?a=b", "= location with a URI and its own query")
    _, e = echoed("/tf/echo?k=v")
    t.eq(e["target"], "/tf/echo?k=v", "via try_files to a named location: the URI as sent")
    t.eq(e["version"], "HTTP/1.1", "HTTP/1.1 upstream")


def test_headers_sent():
    _, e = echoed("/echo", "X-Custom: 1\r\nConnection: keep-alive, X-Hop\r\nX-Hop: h\r\n"
                           "Keep-Alive: timeout=5\r\nTE: trailers\r\nUpgrade: foo\r\n"
                           "Proxy-Connection: x\r\n")
    h = {k.lower(): v for k, v in e["headers"]}
    t.eq(h.get("host"), "app", "Host is $proxy_host: the group's name")
    t.eq(h.get("x-custom"), "1", "an end-to-end header passes")
    # nginx 1.22 sends the headers Connection names and Proxy-* on: portico, as RFC 9110
    # 7.6.1 and the issue ask, does not.
    hops = ("keep-alive", "te", "upgrade") if IS_NGINX else \
        ("x-hop", "keep-alive", "te", "upgrade", "proxy-connection")
    for hop in hops:
        t.ok(hop not in h, f"hop-by-hop {hop} is not sent", h)
    t.ok("connection" not in h, "no Connection header upstream (keep-alive)", h)
    _, e = echoed("/implicit/echo")
    t.eq(dict((k.lower(), v) for k, v in e["headers"]).get("host"), f"127.0.0.1:{b1.port}",
         "an implicit group's Host is host:port")
    _, e = echoed("/host/echo", "Accept-Encoding: gzip\r\n")
    h = {k.lower(): v for k, v in e["headers"]}
    t.eq(h.get("host"), "front.test", "proxy_set_header Host $host")
    t.eq(h.get("x-real-ip"), "127.0.0.1", "proxy_set_header with a variable")
    t.ok("accept-encoding" not in h, "an empty proxy_set_header removes the header", h)


def test_bodies_sent():
    body = os.urandom(3000)
    r, e = echoed("/body", method="POST", body=body)
    import hashlib
    t.eq((e["length"], e["sha256"]), (len(body), hashlib.sha256(body).hexdigest()),
         "a Content-Length body arrives whole")
    raw = (b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
           b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
    e = json.loads(one(srv.port, raw, timeout=10).body)
    h = {k.lower(): v for k, v in e["headers"]}
    t.eq((h.get("content-length"), "transfer-encoding" in h, e["body_length"]),
         ("11", False, 11), "a chunked body is sent decoded with a Content-Length")


def test_streamed_bodies():
    import hashlib
    body = os.urandom(1 << 20)
    with Client(srv.port) as c:
        before = b1.received
        c.send(f"POST /stream/x HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n\r\n"
               .encode() + body[:1000])
        t.ok(b1.wait_for(lambda s: s["received"] > before, 5),
             "request_buffering off: the upstream has the head before the body is complete")
        c.send(body[1000:])
        e = json.loads(c.read_response(10).body)
    t.eq((e["length"], e["sha256"], e["chunked"]), (len(body), hashlib.sha256(body).hexdigest(),
                                                   False), "a streamed Content-Length body")
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 70000]), body[i:i + 70000])
                      for i in range(0, len(body), 70000)) + b"0\r\nX-T: 1\r\n\r\n"
    raw = b"POST /stream/y HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks
    e = json.loads(one(srv.port, raw + get("/stream/z"), timeout=10).body)
    # nginx 1.22 re-chunks the body and drops the request's trailers
    t.eq((e["length"], e["sha256"], e["chunked"], e["trailers"]),
         (len(body), hashlib.sha256(body).hexdigest(), True, [] if IS_NGINX else [["X-T", "1"]]),
         "a streamed chunked body goes with its framing and trailers")
    if IS_NGINX:  # nginx closes without an answer; portico says 408, as for a slow head
        return
    with Client(srv.port) as c:
        c.send(b"POST /stream_tmo/x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
        r = c.read_response(5)
    t.eq(r.status, 408, "a client that stops mid-body: 408 after client_body_timeout")


def test_response_headers():
    r = req("/hide/x")
    t.eq(r.body, b"own", "the body")
    t.eq(r.header("X-Backend"), None, "proxy_hide_header")
    t.eq(r.header("Server"), "backend/1.0", "proxy_pass_header Server: the backend's")
    t.eq((r.header("X-Pad"), r.header("X-Accel-Buffering")), (None, None),
         "X-Pad and X-Accel-* hidden by default")
    t.eq(r.header("X-Kept"), "kept", "other headers pass")
    t.eq(r.header("X-Added"), "yes", "add_header on a proxied response")


def test_failures():
    t0 = time.monotonic()
    r = req("/dead/x")
    t.eq((r.status, r.body), (502, error_page(502)), "a refused connection: 502")
    t.ok(time.monotonic() - t0 < 1, "quickly")
    r = req("/reset")
    t.eq(r.status, 502, "a reset before any response byte: 502")
    # nginx 1.22 forwards "garbage" and "2OO" as HTTP/0.9 answers; portico never forwards what it
    # cannot parse.
    for kind in () if IS_NGINX else ("garbage", "bad_status", "bad_header",
                                                  "double_length", "length_and_chunked",
                                                  "lf_only", "obs_fold", "huge_header",
                                                  "http09"):
        r = req(f"/malformed?kind={kind}")
        t.eq(r.status, 502, f"a malformed response ({kind}): 502, never forwarded")
    t.ok("upstream sent an invalid header" in srv.error_log() or IS_NGINX,
         "and a log line says why", srv.error_log()[-500:])
    t0 = time.monotonic()
    r = req("/slow/x?delay=2000")
    took = time.monotonic() - t0
    t.eq((r.status, r.body), (504, error_page(504)), "proxy_read_timeout: 504")
    t.between(took, 0.25, 1.5, "after the read timeout")
    t0 = time.monotonic()
    r = req("/cto/x")
    took = time.monotonic() - t0
    t.eq(r.status, 504, "proxy_connect_timeout: 504")
    t.between(took, 0.25, 1.5, "after the connect timeout")
    body = b"x" * (32 << 20)  # more than the loopback socket buffers hold
    t0 = time.monotonic()
    r = req("/sto/x", method="POST", body=body)
    took = time.monotonic() - t0
    t.eq(r.status, 504, "proxy_send_timeout: an upstream that does not read: 504")
    t.between(took, 0.3, 5, "after the send timeout (300ms), once the body is in")
    r = req("/nut/x")
    t.eq((r.status, r.body), (200, b"b1"), "a connect timeout goes on to the next peer")
    r = req("/nutt/x")
    t.eq(r.status, 504, "not past proxy_next_upstream_timeout: the timeout's 504")
    r = req("/ep502/x")
    t.eq((r.status, r.body), (200, b"fallback\n"), "error_page 502 = for portico's own 502")
    r = req("/intercept/x?status=500")
    t.eq((r.status, r.body), (200, b"fallback\n"), "proxy_intercept_errors + error_page")
    r = req("/x?status=500")
    t.eq((r.status, r.body), (500, b"b1"), "without intercept: the upstream's 500 as is")


def test_cut_body():
    with Client(srv.port) as c:
        c.send(get("/reset?after_bytes=100&size=100000"))
        data, how = c.read_to_end(10)
    t.ok(b"200 OK" in data[:20] and len(data) < 100000, "a body cut midway: the head "
         "went out, then the connection closes", (how, len(data)))


def test_log_variables():
    req("/logged?a=1")
    req("/dead/logged")
    want = [f"200 200 127.0.0.1:{b1.port} /logged?a=1 b1", "502 502 127.0.0.1:"]
    ok = False
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not ok:
        try:
            lines = open(os.path.join(srv.dir, "up.log")).read().splitlines()
        except OSError:
            lines = []
        ok = any(want[0] == ln for ln in lines) and any(
            ln.startswith(want[1]) and ln.endswith("/dead/logged -") for ln in lines)
        time.sleep(0.02)
    t.ok(ok, "$upstream_status, $upstream_addr, $upstream_http_NAME in the access log",
         lines[-5:])


t.run(start, test_pass_through, test_request_line_and_uri, test_headers_sent,
      test_bodies_sent, test_streamed_bodies, test_response_headers, test_failures, test_cut_body,
      test_log_variables)
if srv:
    srv.stop()
if b1:
    b1.stop()
for s in queued + [x for x in (blackhole, sink) if x]:
    s.close()
t.done()
sys.exit(0)
