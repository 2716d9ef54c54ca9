#!/usr/bin/env python3
"""`return` as nginx answers it: status lines, header order, error pages, redirects,
variables, HEAD, HTTP/1.0, and which location (or server) a request lands in."""
import email.utils
import time

from harness import (DATE_RE, SERVER_TOKEN, Client, Server, Tap, error_page, get, one)

t = Tap()

HTTP = r"""
    server {
        listen 127.0.0.1:{port1};

        location = /hello { return 200 "hello\n"; }
        location = /404 { return 404; }
        location = /301 { return 301 http://x/y; }
        location = /302 { return 302 /rel; }
        location = /204 { return 204; }
        location = /444 { return 444; }
        location /v/ { return 200 "$request_method $uri $args"; }
        location /nothing { }

        location / { return 200 "prefix /"; }
        location /a { return 200 "prefix /a"; }
        location /a/b { return 200 "prefix /a/b"; }
        location = /a { return 200 "exact /a"; }
        location ^~ /s/ { return 200 "^~ /s/"; }
        location /s/t/ { return 200 "prefix /s/t/"; }
        location /outer/ {
            location /outer/inner/ { return 200 "inner"; }
            return 200 "outer";
        }
    }

    server {
        listen 127.0.0.1:{port2};
        return 200 "server-level\n";
        location / { return 404; }
    }
"""

srv = None


def start():
    global srv
    srv = Server(HTTP, nports=2)


def check_date(r, what):
    d = r.header("Date") or ""
    if t.ok(DATE_RE.match(d), f"{what}: Date is RFC 1123", d):
        when = email.utils.parsedate_to_datetime(d).timestamp()
        t.between(round(when - time.time()), -5, 5, f"{what}: Date is now (seconds off)")


def test_return_200_text():
    r = one(srv.port, get("/hello"))
    t.eq(r.status_line, "HTTP/1.1 200 OK", "status line")
    t.eq(r.names(), ["Server", "Date", "Content-Type", "Content-Length", "Connection"],
         "header names in order")
    t.eq(r.header("Server"), SERVER_TOKEN, "Server")
    check_date(r, "200")
    t.eq(r.header("Content-Type"), "text/plain", "Content-Type")
    t.eq(r.header("Content-Length"), "6", "Content-Length")
    t.eq(r.header("Connection"), "keep-alive", "Connection")
    t.eq(r.body, b"hello\n", "body")


def test_return_404_page():
    r = one(srv.port, get("/404"))
    t.eq(r.status_line, "HTTP/1.1 404 Not Found", "status line")
    t.eq(r.names(), ["Server", "Date", "Content-Type", "Content-Length", "Connection"],
         "header names in order")
    t.eq(r.header("Content-Type"), "text/html", "Content-Type")
    t.eq(r.header("Content-Length"), str(len(error_page(404))), "Content-Length")
    t.eq(r.header("Connection"), "keep-alive", "Connection")
    t.eq(r.body, error_page(404), "body is nginx's page")


def test_location_without_return_is_404():
    r = one(srv.port, get("/nothing"))
    t.eq(r.status_line, "HTTP/1.1 404 Not Found", "status line")
    t.eq(r.body, error_page(404), "body")


def test_return_301_absolute():
    r = one(srv.port, get("/301"))
    t.eq(r.status_line, "HTTP/1.1 301 Moved Permanently", "status line")
    t.eq(r.header("Location"), "http://x/y", "Location")
    t.eq(r.header("Content-Type"), "text/html", "Content-Type")
    t.eq(r.body, error_page(301), "body")


def test_return_302_relative():
    r = one(srv.port, get("/302", host="example.com:9999"))
    t.eq(r.status_line, "HTTP/1.1 302 Moved Temporarily", "status line")
    t.eq(r.header("Location"), f"http://example.com:{srv.port}/rel",
         "Location: host from Host without its port, the listen port")
    t.eq(r.body, error_page(302), "body titled 302 Found")
    r = one(srv.port, get("/302", host="Other.Example"))
    t.eq(r.header("Location"), f"http://other.example:{srv.port}/rel",
         "Location: host lowercased as nginx does")


def test_return_204():
    with Client(srv.port) as c:
        c.send(get("/204") + get("/hello"))
        r1, r2 = c.read_responses(2)
    t.eq(r1.status_line, "HTTP/1.1 204 No Content", "status line")
    t.eq(r1.header("Content-Type"), None, "no Content-Type")
    t.eq(r1.header("Content-Length"), None, "no Content-Length")
    t.eq(r1.header("Connection"), "keep-alive", "Connection")
    t.eq((r2.status, r2.body), (200, b"hello\n"), "next response on the connection")


def test_return_444_closes_silently():
    with Client(srv.port) as c:
        c.send(get("/444"))
        data, how = c.read_to_end(5)
    t.eq(data, b"", "no bytes")
    t.ok(how in ("eof", "reset"), "connection closed", how)


def test_variables():
    r = one(srv.port, get("/v/a/b?x=1"))
    t.eq(r.body, b"GET /v/a/b x=1", "$request_method $uri $args")
    t.eq(r.header("Content-Length"), "14", "Content-Length counts the expanded text")
    r = one(srv.port, b"POST /v/p HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
    t.eq(r.body, b"POST /v/p ", "POST, no args")
    r = one(srv.port, get("/v/%41/./c/../d?q=%41"))
    t.eq(r.body, b"GET /v/A/d q=%41", "$uri is decoded and normalised, $args is raw")


def test_head():
    with Client(srv.port) as c:
        c.send(b"HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\n" + get("/v/next"))
        r1 = c.read_response(head=True)
        r2 = c.read_response()
    t.eq(r1.status_line, "HTTP/1.1 200 OK", "status line")
    t.eq(r1.names(), ["Server", "Date", "Content-Type", "Content-Length", "Connection"],
         "same headers as GET")
    t.eq(r1.header("Content-Length"), "6", "Content-Length of the GET body")
    t.eq(r2.body, b"GET /v/next ", "no body came before the next response")
    with Client(srv.port) as c:
        c.send(b"HEAD /404 HTTP/1.1\r\nHost: x\r\n\r\n" + get("/v/next"))
        r1 = c.read_response(head=True)
        r2 = c.read_response()
    t.eq(r1.header("Content-Length"), str(len(error_page(404))), "HEAD 404: page length")
    t.eq(r2.body, b"GET /v/next ", "HEAD 404: no page body sent")


def test_http10():
    with Client(srv.port) as c:
        c.send(b"GET /hello HTTP/1.0\r\n\r\n")
        r = c.read_response()
        rest, how = c.read_to_end(5)
    t.eq(r.status_line, "HTTP/1.1 200 OK", "status line")
    t.eq(r.header("Connection"), "close", "Connection: close")
    t.eq(r.body, b"hello\n", "body")
    t.eq((rest, how), (b"", "eof"), "then the connection closes")
    with Client(srv.port) as c:
        c.send(b"GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        r = c.read_response()
        t.eq(r.header("Connection"), "keep-alive", "1.0 with keep-alive: kept")
        c.send(b"GET /v/again HTTP/1.0\r\n\r\n")
        r = c.read_response()
        t.eq(r.body, b"GET /v/again ", "1.0 with keep-alive: second request answered")


def test_location_matching():
    cases = [
        ("/a", "exact /a"),
        ("/ab", "prefix /a"),
        ("/a/", "prefix /a"),
        ("/a/b", "prefix /a/b"),
        ("/a/b/c", "prefix /a/b"),
        ("/zzz", "prefix /"),
        ("/", "prefix /"),
        ("/s/x", "^~ /s/"),
        ("/s/t/x", "prefix /s/t/"),
        ("/outer/x", "outer"),
        ("/outer/inner/x", "inner"),
        ("/a?x=1", "exact /a"),
        ("/%61", "exact /a"),          # matched after percent-decoding, as nginx
        ("/s/../a", "exact /a"),       # and after resolving dot segments
        ("//a", "exact /a"),           # and merging slashes (merge_slashes on)
    ]
    with Client(srv.port) as c:
        for path, want in cases:
            c.send(get(path))
            r = c.read_response()
            t.eq(r.body.decode(), want, f"GET {path}")


def test_server_return_wins():
    for path in ("/", "/anything"):
        r = one(srv.ports[1], get(path))
        t.eq((r.status, r.body), (200, b"server-level\n"), f"GET {path} on the 2nd server")


if t.run(start):
    t.run(test_return_200_text, test_return_404_page, test_location_without_return_is_404,
          test_return_301_absolute, test_return_302_relative, test_return_204,
          test_return_444_closes_silently, test_variables, test_head, test_http10,
          test_location_matching, test_server_return_wins)
    t.stopped_clean(srv)
t.done()
