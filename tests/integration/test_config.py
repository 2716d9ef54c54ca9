#!/usr/bin/env python3
"""`portico -t` / `-T`: a table of broken configs, each refused with exit 1 and an error
that starts `FILE:LINE:COL:` at the token at fault and shows the line with a caret under
it; a good config passes with nginx's two lines; -T prints every file it read; a log file
that cannot be opened fails -t in nginx's words, after "syntax is ok"."""
import os
import shutil
import tempfile

from harness import Tap, run_cli

t = Tap()

GOOD_MAIN = """daemon off;
worker_processes 2;
events {
    worker_connections 64;
}
http {
%s
}
"""


def http(body):
    return GOOD_MAIN % body


def prefix_dir():
    """A scratch prefix laid out as nginx's: with logs/, where the default error log
    (logs/error.log) and access log (logs/access.log) go; -t opens both."""
    d = tempfile.mkdtemp(prefix="portico-integ-conf-")
    os.mkdir(os.path.join(d, "logs"))
    return d


# name, config text, the token at fault (its first occurrence after `after`, if given),
# and what the message must name.
CASES = [
    ("unknown directive with a near one",
     http("    server {\n        listen 127.0.0.1:8080;\n        keepalive_timout 5s;\n    }"),
     "keepalive_timout", None, ["keepalive_timout", "did you mean", "keepalive_timeout"]),
    ("unknown directive in main",
     "worker_processess 2;\nevents {\n}\n",
     "worker_processess", None, ["worker_processess", "did you mean", "worker_processes"]),
    ("missing semicolon before }",
     http("    server {\n        listen 127.0.0.1:8080;\n        keepalive_timeout 5s\n    }"),
     "}", "keepalive_timeout 5s", ['";"']),
    ("a location regex that does not compile (checked with PCRE2 at -t)",
     http("    server {\n        listen 127.0.0.1:8080;\n        location ~ ^/(a {\n        }\n    }"),
     "^/(a", None, ["invalid regex", "^/(a"]),
    ("unsupported nginx directive",
     http("    gzip on;\n    server {\n        listen 127.0.0.1:8080;\n    }"),
     "gzip", None, ["gzip", "support"]),
    ("directive in the wrong context (main in server)",
     http("    server {\n        listen 127.0.0.1:8080;\n        worker_processes 2;\n    }"),
     "worker_processes", "listen", ["worker_processes"]),
    ("directive in the wrong context (listen in http)",
     http("    listen 127.0.0.1:8080;\n    server {\n    }"),
     "listen", None, ["listen"]),
    ("directive in the wrong context (return in http)",
     http("    return 200;\n    server {\n        listen 127.0.0.1:8080;\n    }"),
     "return", None, ["return"]),
    ("invalid time",
     http("    keepalive_timeout 5x;\n    server {\n        listen 127.0.0.1:8080;\n    }"),
     "5x", None, ["keepalive_timeout"]),
    ("invalid size",
     http("    server {\n        listen 127.0.0.1:8080;\n        client_max_body_size 10q;\n    }"),
     "10q", None, ["client_max_body_size"]),
    ("invalid flag",
     "daemon maybe;\nevents {\n}\n",
     "maybe", None, ["daemon"]),
    ("no arguments",
     http("    keepalive_requests;\n    server {\n        listen 127.0.0.1:8080;\n    }"),
     "keepalive_requests", None, ["keepalive_requests"]),
    ("block directive without a block",
     "daemon off;\nevents;\n",
     "events", "off;", ["events"]),
]


def position(text, token, after):
    """1-based line and column of token's first occurrence (after `after`, if given)."""
    start = text.index(after) + len(after) if after else 0
    i = text.index(token, start)
    line = text.count("\n", 0, i) + 1
    col = i - (text.rfind("\n", 0, i) + 1) + 1
    return line, col, text.splitlines()[line - 1]


def check_error(name, path, text, token, after, names, rc, err):
    line, col, src = position(text, token, after)
    where = f"{path}:{line}:{col}:"
    t.eq(rc, 1, f"{name}: exit 1")
    first = next((ln for ln in err.splitlines() if path in ln), "")
    t.ok(first.startswith(where), f"{name}: starts {os.path.basename(path)}:{line}:{col}:",
         f"want a line starting {where!r} in stderr:\n{err}")
    for n in names:
        t.ok(n.lower() in first.lower() or n.lower() in err.lower(),
             f"{name}: the message names {n}", err)
    lines = err.splitlines()
    caret = " " * (col - 1) + "^"
    shown = any(lines[i] == src and lines[i + 1].rstrip() == caret
                for i in range(len(lines) - 1))
    t.ok(shown, f"{name}: shows the line and a caret under column {col}",
         f"want:\n{src}\n{caret}\ngot:\n{err}")


def test_broken_configs():
    d = prefix_dir()
    try:
        for i, (name, text, token, after, names) in enumerate(CASES):
            path = os.path.join(d, f"bad{i}.conf")
            with open(path, "w") as f:
                f.write(text)
            rc, _out, err = run_cli(["-t", "-p", d + "/", "-c", path])
            check_error(name, path, text, token, after, names, rc, err)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_error_in_included_file():
    d = prefix_dir()
    try:
        os.mkdir(os.path.join(d, "conf.d"))
        main = http("    include conf.d/*.conf;")
        inc = "server {\n    listen 127.0.0.1:8080;\n    keepalive_timout 5s;\n}\n"
        with open(os.path.join(d, "portico.conf"), "w") as f:
            f.write(main)
        with open(os.path.join(d, "conf.d", "a.conf"), "w") as f:
            f.write(inc)
        rc, _out, err = run_cli(["-t", "-p", d + "/", "-c", os.path.join(d, "portico.conf")])
        check_error("error in an included file", os.path.join(d, "conf.d", "a.conf"), inc,
                    "keepalive_timout", None, ["keepalive_timout"], rc, err)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_good_config_t_and_T():
    d = prefix_dir()
    try:
        os.mkdir(os.path.join(d, "conf.d"))
        main = http("    keepalive_timeout 5s;\n    include conf.d/*.conf;")
        incs = {"a.conf": "server {\n    listen 127.0.0.1:8080;\n    return 200 \"a\\n\";\n}\n",
                "b.conf": "server {\n    listen 127.0.0.1:8081;\n    return 204;\n}\n"}
        path = os.path.join(d, "portico.conf")
        with open(path, "w") as f:
            f.write(main)
        for n, text in incs.items():
            with open(os.path.join(d, "conf.d", n), "w") as f:
                f.write(text)

        rc, out, err = run_cli(["-t", "-p", d + "/", "-c", path])
        t.eq(rc, 0, "-t: exit 0")
        t.contains(out + err, f"the configuration file {path} syntax is ok", "-t: syntax is ok")
        t.contains(out + err, f"configuration file {path} test is successful",
                   "-t: test is successful")

        rc, out, err = run_cli(["-T", "-p", d + "/", "-c", path])
        t.eq(rc, 0, "-T: exit 0")
        t.contains(out, f"# configuration file {path}:\n{main}", "-T: the main file")
        for n, text in incs.items():
            p = os.path.join(d, "conf.d", n)
            t.contains(out, f"# configuration file {p}:\n{text}", f"-T: the included {n}")
        t.ok(out.index("a.conf:") < out.index("b.conf:"), "-T: included files in glob order",
             out)

        rc, out, err = run_cli(["-t", "-q", "-p", d + "/", "-c", path])
        t.eq((rc, out + err), (0, ""), "-t -q: exit 0, silent")
    finally:
        shutil.rmtree(d, ignore_errors=True)


ISSUE3_DIRECTIVES = """daemon off;
master_process on;
worker_processes auto;
worker_rlimit_nofile 4096;
worker_shutdown_timeout 10s;
pid {dir}/portico.pid;
error_log {dir}/error.log info;
events {
    worker_connections 64;
    use epoll;
    multi_accept on;
}
http {
    keepalive_timeout 75s;
    keepalive_requests 1000;
    client_header_timeout 60s;
    client_body_timeout 60s;
    send_timeout 1m;
    client_header_buffer_size 1k;
    large_client_header_buffers 4 8k;
    client_max_body_size 1m;
    server {
        listen 127.0.0.1:8080 default_server reuseport backlog=511;
        listen 127.0.0.1:8081;
        keepalive_timeout 500ms;
        client_max_body_size 10m;
        return 301 http://example.com$request_uri;
        location / {
            keepalive_requests 10;
            location /inner/ {
                return 200 "$request_method $uri $args\\n";
            }
        }
        location = /exact { return 404; }
        location ^~ /static/ { return 204; }
    }
}
"""


def test_every_issue3_directive():
    d = prefix_dir()
    try:
        path = os.path.join(d, "portico.conf")
        with open(path, "w") as f:
            f.write(ISSUE3_DIRECTIVES.replace("{dir}", d))
        rc, out, err = run_cli(["-t", "-p", d + "/", "-c", path])
        t.ok(rc == 0 and err.count("\n") == 2,
             "-t accepts every directive issue 3 lists (nginx's syntax)", f"exit {rc}\n{out}{err}")
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_missing_file_and_g():
    d = prefix_dir()
    try:
        path = os.path.join(d, "nope.conf")
        rc, out, err = run_cli(["-t", "-p", d + "/", "-c", path])
        t.eq(rc, 1, "missing config file: exit 1")
        t.contains(err, path, "missing config file: named")
        good = os.path.join(d, "g.conf")
        with open(good, "w") as f:
            f.write("events {\n}\n")
        rc, out, err = run_cli(["-t", "-p", d + "/", "-c", good, "-g", "worker_processes 3;"])
        t.eq(rc, 0, "-g 'worker_processes 3;': exit 0")
        rc, out, err = run_cli(["-t", "-p", d + "/", "-c", good, "-g", "no_such_thing 3;"])
        t.eq(rc, 1, "-g with an unknown directive: exit 1")
        t.contains(err, "no_such_thing", "-g with an unknown directive: named")
    finally:
        shutil.rmtree(d, ignore_errors=True)


LOG_MAIN = """daemon off;
error_log %s/error.log;
events {
}
http {
%s
}
"""


def t_lines(d, body, *flags):
    """-t on LOG_MAIN around body in prefix d: (exit code, stderr's lines)."""
    path = os.path.join(d, "portico.conf")
    with open(path, "w") as f:
        f.write(LOG_MAIN % (d, body))
    rc, _out, err = run_cli(["-t", *flags, "-p", d + "/", "-c", path])
    return rc, err.splitlines()


def test_unopenable_logs_fail_t():
    # nginx -t opens every log file after parsing and fails on one it cannot open, with
    # no file:line; nginx's default access log is logs/access.log under the prefix.
    d = tempfile.mkdtemp(prefix="portico-integ-conf-")  # no logs/
    path = os.path.join(d, "portico.conf")
    server = "    server {\n        listen 127.0.0.1:8080;\n    }"
    try:
        t.eq(t_lines(d, server),
             (1, [f"portico: the configuration file {path} syntax is ok",
                  f'portico: [emerg] open() "{d}/logs/access.log" failed '
                  "(2: No such file or directory)",
                  f"portico: configuration file {path} test failed"]),
             "the default logs/access.log without logs/: nginx's three lines, exit 1")
        t.eq(t_lines(d, server, "-q"),
             (1, [f'portico: [emerg] open() "{d}/logs/access.log" failed '
                  "(2: No such file or directory)",
                  f"portico: configuration file {path} test failed"]),
             "-q: the failure still shows")
        t.eq(t_lines(d, f"    access_log {d}/none/a.log;\n" + server),
             (1, [f"portico: the configuration file {path} syntax is ok",
                  f'portico: [emerg] open() "{d}/none/a.log" failed '
                  "(2: No such file or directory)",
                  f"portico: configuration file {path} test failed"]),
             "a written path in a missing folder")
        t.eq(t_lines(d, f"    access_log {d}/a.log;\n    server {{\n"
                        f"        listen 127.0.0.1:8080;\n        access_log {d}/none/b.log;\n"
                        "    }"),
             (1, [f"portico: the configuration file {path} syntax is ok",
                  f'portico: [emerg] open() "{d}/none/b.log" failed '
                  "(2: No such file or directory)",
                  f"portico: configuration file {path} test failed"]),
             "a server's own path too")
        t.eq(t_lines(d, "    access_log off;\n" + server)[0], 0,
             "access_log off everywhere: the default is not opened (nginx), -t passes")
        t.ok(not os.path.exists(os.path.join(d, "logs")), "and nothing was created for it")
        t.eq(t_lines(d, f"    access_log {d}/a.log;\n" + server)[0], 0,
             "a written path replaces the default: -t passes without logs/")
        t.ok(os.path.isfile(os.path.join(d, "a.log")), "-t created a.log, as nginx -t does")
        with open(path, "w") as f:
            f.write(f"error_log {d}/none/error.log;\nevents {{\n}}\n")
        rc, _out, err = run_cli(["-t", "-p", d + "/", "-c", path])
        t.eq((rc, err.splitlines()[1:2]),
             (1, [f'portico: [emerg] open() "{d}/none/error.log" failed '
                  "(2: No such file or directory)"]),
             "an error_log that cannot be opened fails -t too")
    finally:
        shutil.rmtree(d, ignore_errors=True)


t.run(test_broken_configs, test_error_in_included_file, test_good_config_t_and_T,
      test_every_issue3_directive, test_missing_file_and_g, test_unopenable_logs_fail_t)
t.done()
