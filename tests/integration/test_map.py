#!/usr/bin/env python3
"""map with regex keys through real requests: exact keys first, then regexes in config
order, ~* without case, $1 and named groups of the map's match in the value, a map's
named group used elsewhere; and `portico -t` refusing a bad map regex at its key."""
import re

from harness import Server, Tap, get, one, run_cli

t = Tap()

HTTP = r"""
    map $uri $kind {
        ~^/img/(?<file>[a-z]+)\.(png|gif)$  "image:$file:$2";
        ~*\.CSS$                            "style:$1";
        /img/exact.png                      exact;
        "~^/n/(\d{2})$"                     "two:$1";
        default                             other;
    }
    map $http_host $tenant { ~^(?<tenant_id>[a-z]+)\.t\.test$ "$tenant_id"; default none; }
    server { listen 127.0.0.1:{port}; return 200 "$kind|$tenant|$tenant_id"; }
"""

CASES = [
    ("/img/cat.png", "x", "image:cat:png|none|"),
    ("/img/exact.png", "x", "exact|none|"),
    ("/a/B.css", "x", "style:|none|"),
    ("/n/42", "x", "two:42|none|"),
    ("/n/421", "x", "other|none|"),
    # nginx leaves a map's captures set on the request after the map is evaluated; portico
    # keeps them to the map's value, so $tenant_id outside it is empty.
    ("/", "acme.t.test", "other|acme|"),
]


def body(raw):
    r = one(SRV.port, raw)
    return r.body.decode(errors="replace") if r.status == 200 else f"status {r.status}"


def test_values():
    for uri, host, want in CASES:
        t.eq(body(get(uri, host)), want, f"{host}{uri}")


def test_bad_regex():
    bad = Server("map $uri $m {\n    ~^/(a  1;\n}\nserver { listen 127.0.0.1:{port}; }\n",
                 start=False)
    code, _, err = run_cli(["-t", "-c", bad.conf, "-p", bad.dir])
    t.ok(code != 0, "-t refuses a bad map regex", err)
    # the column is the pattern's, after "    ~"
    t.ok(re.search(r':\d+:6: invalid regex "\^/\(a": missing closing parenthesis', err)
         is not None, "file:line:col of the key, and PCRE2's reason", err)
    bad.stop()  # never started: removes its dir


with Server(HTTP) as SRV:
    t.run(test_values)
t.run(test_bad_regex)
t.done()
