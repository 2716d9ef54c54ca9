#!/usr/bin/env python3
"""error_page as nginx: a code's response replaced by an internal redirect to a URI or a
named location (answering with the original code, "=" the redirect's own, or "=CODE"),
by a 302 to an absolute URL, no chaining of error pages, inheritance (a level with its own
error_page replaces its parent's), and `return CODE` without text taking part. Runs against
nginx too (PORTICO_BIN=/usr/sbin/nginx)."""
import os

from harness import Server, Tap, get, one

t = Tap()

HTTP = r"""
    error_page 404 /errors/404.html;
    server {
        listen 127.0.0.1:{port};
        root {dir}/www;
        location /inherit/ { }
        location /own/ { error_page 404 =200 /errors/soft.txt; }
        location /named/ { error_page 404 @fallback; }
        location @fallback { return 200 "fallback for $uri\n"; }
        location /equals/ { error_page 404 = /ok; }
        location = /ok { return 201 "created\n"; }
        location /away/ { error_page 404 http://example.com/gone; }
        location /away301/ { error_page 404 =301 http://example.com/moved; }
        location /ret/ { error_page 403 /errors/403.txt; return 403; }
        location /rettext/ { error_page 403 /errors/403.txt; return 403 "own text\n"; }
        location /chain/ { error_page 404 /missing-too.html; }
    }
"""

FILES = {
    "www/errors/404.html": b"<p>custom 404</p>\n",
    "www/errors/soft.txt": b"soft landing\n",
    "www/errors/403.txt": b"custom 403\n",
}


def main():
    srv = Server(HTTP, start=False)
    for rel, data in FILES.items():
        path = os.path.join(srv.dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    os.chmod(srv.dir, 0o755)
    srv.start()
    checks(srv)
    t.stopped_clean(srv)


def checks(srv):
    def fetch(path, method="GET"):
        raw = f"{method} {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
        return one(srv.port, raw, head=method == "HEAD")

    r = fetch("/nope")
    t.eq((r.status, r.body), (404, b"<p>custom 404</p>\n"), "http-level error_page: 404 with the page")
    t.eq(r.header("Content-Type"), "text/html", "the page's own Content-Type")
    r = fetch("/inherit/nope")
    t.eq((r.status, r.body), (404, b"<p>custom 404</p>\n"), "inherited by a location without its own")
    r = fetch("/own/nope")
    t.eq((r.status, r.body), (200, b"soft landing\n"), "=200 answers 200 with the redirect's file")
    r = fetch("/named/x")
    t.eq((r.status, r.body), (404, b"fallback for /named/x\n"), "@name: the named location, original code")
    r = fetch("/equals/x")
    t.eq((r.status, r.body), (201, b"created\n"), "= takes the redirect's own status")
    r = fetch("/away/x")
    t.eq((r.status, r.header("Location")), (302, "http://example.com/gone"), "absolute URL: 302")
    r = fetch("/away301/x")
    t.eq((r.status, r.header("Location")), (301, "http://example.com/moved"), "=301 URL: 301")
    r = fetch("/ret/x")
    t.eq((r.status, r.body), (403, b"custom 403\n"), "return 403 without text takes error_page")
    r = fetch("/rettext/x")
    t.eq((r.status, r.body), (403, b"own text\n"), "return 403 with text keeps its text")
    r = fetch("/chain/x")
    t.eq(r.status, 404, "a missing error page does not chain: plain 404")
    t.ok(b"<center><h1>404 Not Found</h1></center>" in r.body, "with the built-in page")
    r = fetch("/nope", "HEAD")
    t.eq((r.status, r.body), (404, b""), "HEAD: 404, no body")


t.run(main)
t.done()
