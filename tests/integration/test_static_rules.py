#!/usr/bin/env python3
"""Static-content rules beyond the bytes: the dotfile policy (portico's own: a segment
starting with '.' is a 404 unless `dotfiles on;`, /.well-known/ always served), alias
inherited by nested locations, the $args an internal redirect leaves (try_files' fallback
and error_page take the URI's own query or none; index keeps it), and `expires modified`
/ `expires @time`, and both (with add_header) on `return`. Runs against nginx too (PORTICO_BIN=/usr/sbin/nginx) except for the
dotfile policy, which nginx does not have."""
import email.utils
import os
import sys
import time

from harness import IS_NGINX, Server, Tap, error_page, one

t = Tap()

HTTP = r"""
    server {
        listen 127.0.0.1:{port};
        root {dir}/www;

        location /open/ { dotfiles on; }
        location /al/ {
            alias {dir}/aliased/;
            location /al/deep/ { }
            location /al/rooted/ { root {dir}/www; }
        }
        location /tf/ { try_files $uri /show?from=tf; }
        location /tfq/ { try_files $uri /show; }
        location /tfa/ { try_files $uri /show$is_args$args; }
        location = /show { return 200 "args=[$args] is=[$is_args] a=[$arg_a]\n"; }
        location /ep/ { error_page 404 /show?from=ep; }
        location /epq/ { error_page 404 /show; }
        location /ix/ { }
        location = /ix/index.html { return 200 "index args=[$args]\n"; }
        location /mod/ { expires modified 1h; }
        location /modpast/ { expires modified -1h; }
        location /daily/ { expires @{hhmm}; }
        location = /modret { expires modified 2h; add_header X-R r; return 200 "r\n"; }
        location = /ret404 { add_header X-R r; add_header X-A a always; return 404; }
    }
"""

OLD = 1_000_000_000  # 2001-09-09: a modified time long past

FILES = {
    "www/.env": b"SECRET=1\n",
    "www/d/.git/config": b"[core]\n",
    "www/.well-known/acme-challenge/tok": b"token\n",
    "www/open/.keep": b"kept\n",
    "www/a.b/.c": b"dot in a later segment\n",
    "www/x.txt": b"plain\n",
    "aliased/f.txt": b"aliased\n",
    "aliased/deep/g.txt": b"deep in alias\n",
    "www/al/rooted/h.txt": b"rooted under www\n",
    "www/ix/index.html": b"unused\n",
    "www/mod/a.txt": b"m\n",
    "www/modpast/a.txt": b"p\n",
    "www/daily/a.txt": b"d\n",
}

srv = None


def hhmm_later(minutes):
    """A local time of day `minutes` from now, as nginx's @XhYm, and its epoch seconds."""
    now = time.time()
    target = time.localtime(now + minutes * 60)
    at = time.mktime(target[:5] + (0,) + target[6:])
    return f"{target.tm_hour}h{target.tm_min}m", int(at)


def start():
    global srv, DAILY_AT
    hhmm, DAILY_AT = hhmm_later(90)
    http = HTTP.replace("{hhmm}", hhmm)
    if IS_NGINX:
        http = http.replace("dotfiles on;", "")
    srv = Server(http, start=False)
    for rel, data in FILES.items():
        path = os.path.join(srv.dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    for rel in ("www/mod/a.txt", "www/modpast/a.txt"):
        os.utime(os.path.join(srv.dir, rel), (OLD, OLD))
    os.chmod(srv.dir, 0o755)
    srv.start()


def fetch(path, method="GET"):
    raw = f"{method} {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    return one(srv.ports[0], raw, timeout=10, head=method == "HEAD")


def test_dotfiles():
    if IS_NGINX:
        return
    for path in ("/.env", "/d/.git/config", "/a.b/.c", "/%2eenv", "/x.txt/../.env"):
        r = fetch(path)
        t.eq((r.status, r.body), (404, error_page(404)), f"{path}: 404")
    r = fetch("/.well-known/acme-challenge/tok")
    t.eq((r.status, r.body), (200, b"token\n"), "/.well-known/ is served")
    t.eq(fetch("/.well-knownx/y").status, 404, "only the exact .well-known segment")
    r = fetch("/open/.keep")
    t.eq((r.status, r.body), (200, b"kept\n"), "dotfiles on; in a location serves them")
    t.eq(fetch("/x.txt").body, b"plain\n", "a dot inside a name is no dotfile")


def test_alias_inherited():
    t.eq(fetch("/al/f.txt").body, b"aliased\n", "alias in the location itself")
    r = fetch("/al/deep/g.txt")
    t.eq((r.status, r.body), (200, b"deep in alias\n"),
         "a nested location without root or alias inherits the alias")
    r = fetch("/al/rooted/h.txt")
    t.eq((r.status, r.body), (200, b"rooted under www\n"),
         "a nested root replaces the inherited alias")


def test_redirect_args():
    t.eq(fetch("/tf/none?a=1").body, b"args=[from=tf] is=[?] a=[]\n",
         "try_files fallback with its own query: that query")
    t.eq(fetch("/tfq/none?a=1").body, b"args=[] is=[] a=[]\n",
         "try_files fallback without a query clears $args (nginx)")
    t.eq(fetch("/tfa/none?a=1").body, b"args=[a=1] is=[?] a=[1]\n",
         "try_files fallback /show$is_args$args keeps them")
    r = fetch("/ep/none?a=2")
    t.eq((r.status, r.body), (404, b"args=[from=ep] is=[?] a=[]\n"),
         "error_page URI with a query: that query, original status")
    t.eq(fetch("/epq/none?a=2").body, b"args=[] is=[] a=[]\n",
         "error_page URI without a query clears $args (nginx)")
    t.eq(fetch("/ix/?a=3").body, b"index args=[a=3]\n", "index keeps $args")


def test_expires_modified():
    r = fetch("/mod/a.txt")
    t.eq(r.header("Expires"), email.utils.formatdate(OLD + 3600, usegmt=True),
         "expires modified 1h: the file's mtime + 1h")
    t.eq(r.header("Cache-Control"), "no-cache", "an Expires in the past: no-cache")
    r = fetch("/modpast/a.txt")
    t.eq((r.header("Expires"), r.header("Cache-Control")),
         (email.utils.formatdate(OLD - 3600, usegmt=True), "no-cache"),
         "expires modified -1h")
    now = int(time.time())
    r = fetch("/modret")
    exp = email.utils.parsedate_to_datetime(r.header("Expires")).timestamp()
    t.between(exp - now, 7200 - 2, 7200 + 2, "no file: expires modified counts from now")
    t.between(int(r.header("Cache-Control").split("=")[1]), 7200 - 2, 7200,
              "no file: max-age 2h")
    t.eq(r.header("X-R"), "r", "add_header applies to return")
    r = fetch("/ret404")
    t.eq((r.status, r.header("X-R"), r.header("X-A")), (404, None, "a"),
         "return 404: only the add_header marked always")


def test_expires_daily():
    r = fetch("/daily/a.txt")
    t.eq(r.header("Expires"), email.utils.formatdate(DAILY_AT, usegmt=True),
         "expires @time: the next such local time of day")
    age = int(r.header("Cache-Control").split("=")[1])
    t.between(DAILY_AT - int(time.time()) - age, -2, 2, "max-age counts down to it")


t.run(start, test_dotfiles, test_alias_inherited, test_redirect_args, test_expires_modified,
      test_expires_daily)
if srv:
    srv.stop()
t.done()
sys.exit(0)
