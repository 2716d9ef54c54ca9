#!/usr/bin/env python3
"""Routing through real requests: which server a Host picks (exact, both wildcard kinds
with the longest winning, regexes in order, default_server, the empty name, case, a
trailing dot, a port) and which location a path picks (=, ^~, prefix, ~, ~*, nesting).
Each server and location answers its own name, so the body says where the request went.
The same table holds for Debian's nginx (PORTICO_BIN=/usr/sbin/nginx)."""
from harness import Server, Tap, get, one

t = Tap()

HTTP = r"""
    server { listen 127.0.0.1:{port1}; server_name first.test; return 200 "first"; }
    server { listen 127.0.0.1:{port1} default_server; server_name default.test;
             return 200 "default"; }
    server { listen 127.0.0.1:{port1}; server_name example.com "";
             return 200 "exact"; }
    server { listen 127.0.0.1:{port1}; server_name *.example.com; return 200 "head"; }
    server { listen 127.0.0.1:{port1}; server_name *.www.example.com;
             return 200 "head-longer"; }
    server { listen 127.0.0.1:{port1}; server_name www.example.*; return 200 "tail"; }
    server { listen 127.0.0.1:{port1}; server_name www.example.co.*;
             return 200 "tail-longer"; }
    server { listen 127.0.0.1:{port1}; server_name ~^api\d+\.test$; return 200 "regex1"; }
    server { listen 127.0.0.1:{port1}; server_name ~^api1\.test$ ~^v\d\.test$;
             return 200 "regex2"; }

    server { listen 127.0.0.1:{port3}; server_name named.test; return 200 "named"; }
    server { listen 127.0.0.1:{port3}; return 200 "unnamed"; }

    server {
        listen 127.0.0.1:{port2};
        location = / { return 200 "=/"; }
        location / { return 200 "/"; }
        location /docs/ {
            location ~ \.md$ { return 200 "docs-md"; }
            return 200 "/docs/";
        }
        location ^~ /static/ { return 200 "^~/static/"; }
        location ~ \.(png|jpg)$ { return 200 "png"; }
        location ~* \.GIF$ { return 200 "gif"; }
        location ~ /img/ { return 200 "img"; }
        location @named { return 200 "named"; }
    }
"""

HOSTS = [
    ("example.com", "exact"), ("EXAMPLE.COM", "exact"), ("example.com.", "exact"),
    ("example.com:8080", "exact"), ("a.example.com", "head"),
    ("x.www.example.com", "head-longer"), ("www.example.de", "tail"),
    ("www.example.co.uk", "tail-longer"), ("api1.test", "regex1"), ("v2.test", "regex2"),
    ("first.test", "first"), ("unknown.test", "default"),
]

URIS = [
    ("/", "=/"), ("/x", "/"), ("/docs/", "/docs/"), ("/docs/a.md", "docs-md"),
    ("/docs/a.png", "png"), ("/static/a.png", "^~/static/"), ("/img/a.png", "png"),
    ("/img/a.txt", "img"), ("/x/A.gif", "gif"), ("/x/a.PNG", "/"), ("/named", "/"),
    ("/%64ocs/a.md", "docs-md"),
]


def body(port, raw):
    r = one(port, raw)
    return r.body.decode(errors="replace") if r.status == 200 else f"status {r.status}"


def test_server_names():
    port = SRV.ports[0]
    for host, want in HOSTS:
        t.eq(body(port, get("/", host)), want, f"Host {host}")
    t.eq(body(port, b"GET / HTTP/1.0\r\n\r\n"), "exact", "no Host: the empty name")
    t.eq(one(port, get("/", "a..b")).status, 400, "Host a..b is refused")
    # A server without server_name has the name "": it takes Host-less requests, while
    # an unknown Host goes to the first server (no default_server here).
    t.eq(body(SRV.ports[2], b"GET / HTTP/1.0\r\n\r\n"), "unnamed", "no Host: unnamed server")
    t.eq(body(SRV.ports[2], get("/", "zzz")), "named", "unknown Host: the first server")


def test_locations():
    for uri, want in URIS:
        t.eq(body(SRV.ports[1], get(uri)), want, f"location for {uri}")


# Named groups as variables: a server_name's, and a location's, which wins over the
# server_name's for a name both have; $1 is the location's match.
CAPTURES = r"""
    server { listen 127.0.0.1:{port1}; server_name ~^(?<sub>[a-z]+)\.example\.com$;
             location / { return 200 "$sub"; }
             location ~ ^/u/(?<user>[a-z]+)/(\d+)$ { return 200 "$sub:$user:$2:$1"; }
             location ~ ^/s/(?<sub>[a-z]+)$ { return 200 "$sub"; } }
    server { listen 127.0.0.1:{port1}; server_name plain.test;
             location ~ ^/(?<first>[^/]+) { return 200 "[$first][$sub]"; } }
"""


def test_named_captures():
    port = CAPS.ports[0]
    t.eq(body(port, get("/", "shop.example.com")), "shop", "$sub from server_name")
    t.eq(body(port, get("/u/bob/42", "shop.example.com")), "shop:bob:42:bob",
         "location groups, server_name groups and $n together")
    t.eq(body(port, get("/s/loc", "shop.example.com")), "loc",
         "a name in both: the location's")
    t.eq(body(port, get("/abc/d", "plain.test")), "[abc][]",
         "a group of another server's regex is empty here")


with Server(HTTP, nports=3) as SRV:
    t.run(test_server_names, test_locations)
with Server(CAPTURES, nports=1) as CAPS:
    t.run(test_named_captures)
t.done()
