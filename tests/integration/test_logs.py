#!/usr/bin/env python3
"""access_log as nginx writes it: the combined line for a known request, a JSON-escaped
format, access_log off, buffer= and flush=, reopening after a rename (SIGUSR1),
/dev/stdout, `return 444` logged with its status; and the files as nginx's master keeps
them: opened by the master at load (workers hold them from the start), so a path that
cannot be opened fails -t, a start and a reload, and, as root with `user nobody`, a log
in a folder only root may write works and is given to nobody on SIGUSR1."""
import grp
import json
import os
import pwd
import re
import signal
import time

from harness import Client, Server, Tap, get, one, run_cli, wait_until

t = Tap()

HTTP = r"""
    log_format j escape=json '{"uri":"$request_uri","ua":"$http_user_agent",'
                             '"status":$status,"bytes":$body_bytes_sent,"m":"$m"}';
    map $arg_k $m { default none; a alpha; }
    access_log {dir}/access.log;
    access_log {dir}/json.log j;
    server {
        listen 127.0.0.1:{port};
        location / { return 200 "hello\n"; }
        location /missing { return 404; }
        location /quiet { access_log off; return 200 "q"; }
        location /stdout { access_log /dev/stdout; return 200 "s"; }
        location /buffered { access_log {dir}/buf.log combined buffer=64k flush=1s;
                             return 200 "b"; }
        location /small { access_log {dir}/small.log combined buffer=1k; return 200 "s"; }
        location /files/ { root {dir}; sendfile on; }
        location /close { return 444; }
    }
"""

TIME = r"\[\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\]"

srv = None


def read(name):
    try:
        with open(os.path.join(srv.dir, name), "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def lines(name):
    return [ln for ln in read(name).split("\n") if ln]


def start():
    global srv
    srv = Server(HTTP)


def test_combined_line():
    raw = get("/hello?a=1", extra='Referer: http://ref/x\r\nUser-Agent: Mo"z\\ \u00e9\r\n')
    r = one(srv.port, raw)
    t.eq(r.status, 200, "answered")
    got = [ln for ln in lines("access.log") if "/hello?a=1" in ln]
    want = (r'127\.0\.0\.1 - - ' + TIME + r' "GET /hello\?a=1 HTTP/1\.1" 200 6 '
            r'"http://ref/x" "Mo\\x22z\\x5C \\xC3\\xA9"')
    t.ok(len(got) == 1 and re.fullmatch(want, got[0]), "the combined line is nginx's", got)


def test_missing_headers_are_dashes():
    r = one(srv.port, get("/missing"))
    got = [ln for ln in lines("access.log") if "/missing" in ln]
    tail = f'"GET /missing HTTP/1.1" 404 {len(r.body)} "-" "-"'
    t.ok(len(got) == 1 and len(r.body) > 0 and got[0].endswith(tail),
         "a 404 with its body size, absent headers as \"-\"", got)


def test_refused_request_logged():
    # nginx writes refused requests too: the status, and the request line as received.
    with Client(srv.port) as c:
        c.send(b"GET /refused HTTP/1.1\r\nHost : x\r\n\r\n")
        r = c.read_response()
    t.eq(r.status, 400, "a malformed header is refused")
    ok = wait_until(lambda: any('"GET /refused HTTP/1.1" 400 ' in ln
                                for ln in lines("access.log")), 2)
    t.ok(ok, "the refused request is in the access log with 400",
         [ln for ln in lines("access.log") if "refused" in ln])
    with Client(srv.port) as c:
        c.send(b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        r = c.read_response()
    t.eq(r.status, 414, "a request line over the limit is 414")
    t.ok(wait_until(lambda: any('" 414 ' in ln for ln in lines("access.log")), 2),
         "and is logged with 414")


def test_file_body_bytes():
    # A file sent after the head (sendfile) counts in $body_bytes_sent like any body.
    os.makedirs(os.path.join(srv.dir, "files"), exist_ok=True)
    with open(os.path.join(srv.dir, "files", "big.bin"), "wb") as f:
        f.write(b"x" * 100000)
    os.chmod(os.path.join(srv.dir, "files", "big.bin"), 0o644)
    r = one(srv.port, get("/files/big.bin"))
    t.eq((r.status, len(r.body)), (200, 100000), "the file is served whole")
    ok = wait_until(lambda: any('"GET /files/big.bin HTTP/1.1" 200 100000 ' in ln
                                for ln in lines("access.log")), 2)
    t.ok(ok, "its line counts the file's 100000 body bytes",
         [ln for ln in lines("access.log") if "big.bin" in ln])


def test_json_line():
    one(srv.port, get("/j?k=a", extra='User-Agent: a"b\\c\td\r\n'))
    got = [ln for ln in lines("json.log") if '"/j?k=a"' in ln]
    t.eq(got, ['{"uri":"/j?k=a","ua":"a\\"b\\\\c\\td","status":200,"bytes":6,"m":"alpha"}'],
         "the JSON line, escaped as nginx does")
    try:
        t.eq(json.loads(got[0])["ua"], 'a"b\\c\td', "and it parses as JSON")
    except (ValueError, IndexError) as e:
        t.ok(False, "and it parses as JSON", e)


def test_head_and_pipelining():
    with Client(srv.port) as c:
        c.send(get("/quiet") + get("/p1") + b"HEAD /p2 HTTP/1.1\r\nHost: x\r\n\r\n" +
               get("/p3"))
        c.read_response()
        c.read_response()
        c.read_response(head=True)
        c.read_response()
    got = {ln.split('"')[1]: ln.split('"')[2].strip() for ln in lines("access.log")
           if re.search(r'"(GET|HEAD) /p\d ', ln)}
    t.eq(got, {"GET /p1 HTTP/1.1": "200 6", "HEAD /p2 HTTP/1.1": "200 0",
               "GET /p3 HTTP/1.1": "200 6"},
         "pipelined after an unlogged one: each its own status and size")


def test_off_writes_nothing():
    before = read("access.log") + read("json.log")
    one(srv.port, get("/quiet"))
    one(srv.port, get("/after-quiet"))
    after = read("access.log") + read("json.log")
    t.ok("/quiet" not in after, "access_log off: no line", after[len(before):])
    t.ok("/after-quiet" in after, "the next request is logged")


def test_buffer_and_flush():
    one(srv.port, get("/buffered"))
    t.eq(read("buf.log"), "", "buffer=: the line waits in the buffer")
    t.ok(wait_until(lambda: "/buffered" in read("buf.log"), 5), "flush=1s writes it out")


def test_buffer_fills():
    with Client(srv.port) as c:
        for i in range(30):  # ~80 bytes a line: 1k fills after about twelve
            c.send(get(f"/small/{i}"))
            c.read_response()
    got = lines("small.log")
    t.ok(0 < len(got) < 30, "buffer=1k without flush=: written when full, the rest waits",
         f"{len(got)} lines")


def test_reopen_after_rename():
    one(srv.port, get("/before-rename"))
    os.rename(os.path.join(srv.dir, "access.log"), os.path.join(srv.dir, "access.log.1"))
    srv.signal(signal.SIGUSR1)

    def new_file_used():
        one(srv.port, get("/after-rename"))
        return "/after-rename" in read("access.log")
    t.ok(wait_until(new_file_used, 5, step=0.1), "after SIGUSR1 lines go to a new access.log")
    t.contains(read("access.log.1"), "/before-rename", "the renamed file kept the old lines")


def test_dev_stdout():
    one(srv.port, get("/stdout"))
    t.ok(wait_until(lambda: "GET /stdout HTTP/1.1" in read("stdout.txt"), 3),
         "access_log /dev/stdout writes to portico's stdout", read("stdout.txt"))


def test_bad_path_fails_t():
    bad = Server("access_log /nonexistent-dir/x.log; server { listen 127.0.0.1:{port}; }",
                 start=False)
    code, out, err = run_cli(bad.args("-t"))
    t.ok(code != 0, "-t fails for a path that cannot be opened", err)
    t.contains(err, 'open() "/nonexistent-dir/x.log" failed', "and says which")
    bad.stop()


def test_444_logged():
    # nginx: `return 444` closes without a byte and logs status 444, 0 bytes sent.
    with Client(srv.port) as c:
        c.send(get("/close?a=1"))
        data, how = c.read_to_end()
    t.eq((data, how), (b"", "eof"), "return 444: closed without a response")
    want = r'127\.0\.0\.1 - - ' + TIME + r' "GET /close\?a=1 HTTP/1\.1" 444 0 "-" "-"'
    got = wait_until(lambda: [ln for ln in lines("access.log") if "/close?a=1" in ln], 2)
    t.ok(got and len(got) == 1 and re.fullmatch(want, got[0]),
         "logged as nginx does: status 444, 0 bytes", got)
    t.eq([ln for ln in lines("json.log") if '"/close?a=1"' in ln],
         ['{"uri":"/close?a=1","ua":"","status":444,"bytes":0,"m":"none"}'],
         "in every access_log of the location ($body_bytes_sent 0)")


def test_444_after_pipelined():
    # nginx answers what came before on the connection, then closes at the 444.
    with Client(srv.port) as c:
        c.send(get("/before-444") + get("/close?p=1"))
        r = c.read_response()
        data, how = c.read_to_end()
    t.eq((r.status, r.body, data, how), (200, b"hello\n", b"", "eof"),
         "the pipelined request before it is answered, then the connection closes")
    got = wait_until(lambda: [ln.split('"')[1] + ln.split('"')[2] for ln in lines("access.log")
                              if "/before-444" in ln or "/close?p=1" in ln], 2)
    t.eq(got, ["GET /before-444 HTTP/1.1 200 6 ", "GET /close?p=1 HTTP/1.1 444 0 "],
         "both logged, in order")


def worker_fd_paths(pid):
    out = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            out.add(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:
            pass
    return out


def test_workers_inherit_files():
    # Opened by the master when the config loads, not by a worker on its first line:
    # before any request, every worker already holds every log file.
    with Server(f"access_log {{dir}}/inherit.log; server {{ listen 127.0.0.1:{{port}}; }}") as s:
        path = os.path.join(s.dir, "inherit.log")
        held = {p: path in worker_fd_paths(p) for p in s.workers_now()}
        t.ok(len(held) == 2 and all(held.values()), "both workers hold inherit.log at start",
             held)
        t.ok(path in worker_fd_paths(s.pid), "and so does the master")


def test_bad_path_fails_start():
    bad = Server("access_log {dir}/none/x.log; server { listen 127.0.0.1:{port}; }",
                 start=False)
    code, _out, err = run_cli(bad.args())
    t.eq((code, err.splitlines()),
         (1, [f'portico: [emerg] open() "{bad.dir}/none/x.log" failed '
              "(2: No such file or directory)"]),
         "a start with an access_log that cannot be opened: exit 1, nginx's message")
    bad.stop()


def test_bad_path_fails_reload():
    http = "access_log {dir}/%s; server { listen 127.0.0.1:{port}; return 200 \"%s\\n\"; }"
    with Server(http % ("a.log", "gen 0")) as s:
        workers = s.workers_now()
        before = len(s.error_log())
        s.write_config(http % ("none/a.log", "gen 1"))
        s.signal(signal.SIGHUP)
        said = wait_until(lambda: "reload failed" in s.error_log()[before:], 5)
        new = s.error_log()[before:]
        t.ok(said and re.search(r'\[emerg\] \d+#0: open\(\) "' + re.escape(s.dir) +
                                r'/none/a\.log" failed \(2: No such file or directory\)\n', new),
             "a reload to a log that cannot be opened: [emerg] open() ... failed, in the "
             "error log", new)
        r = one(s.port, get("/still"))
        t.eq((r.status, r.body), (200, b"gen 0\n"), "the old configuration keeps serving")
        t.eq(s.workers_now(), workers, "with the same workers")
        t.ok(wait_until(lambda: '"GET /still HTTP/1.1" 200 6 ' in read_in(s, "a.log"), 2),
             "which log to the old file")
        s.write_config(http % ("b.log", "gen 2"))
        s.signal(signal.SIGHUP)
        t.ok(wait_until(lambda: one(s.port, get("/")).body == b"gen 2\n", 5),
             "a good reload afterwards is served")
        one(s.port, get("/gen2"))
        t.ok(wait_until(lambda: "/gen2" in read_in(s, "b.log"), 2), "and logs to its file")


def read_in(s, name):
    try:
        with open(os.path.join(s.dir, name), "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def test_root_folder_user_nobody():
    if os.geteuid() != 0:
        t.diag("skipped: not root, so workers cannot run as another user; "
               "test_workers_inherit_files covers the fds")
        return
    nobody = pwd.getpwnam("nobody")
    group = grp.getgrgid(nobody.pw_gid).gr_name
    http = ("access_log {dir}/rootonly/access.log; "
            "server { listen 127.0.0.1:{port}; return 200 \"r\\n\"; }")
    s = Server(http, main_extra=f"user nobody {group};", start=False)
    with s:
        os.chmod(s.dir, 0o755)  # as /var/log: others may enter, only root writes
        os.mkdir(os.path.join(s.dir, "rootonly"), 0o755)
        s.start()
        def owners():  # a worker just forked may not have dropped root yet
            return {os.stat(f"/proc/{p}").st_uid for p in s.workers_now()}
        wait_until(lambda: owners() == {nobody.pw_uid}, 2)
        t.eq(owners(), {nobody.pw_uid}, "the workers run as nobody")
        log = os.path.join(s.dir, "rootonly", "access.log")
        one(s.port, get("/as-nobody"))
        t.ok(wait_until(lambda: '"GET /as-nobody HTTP/1.1" 200 2 ' in
                        read_in(s, "rootonly/access.log"), 2),
             "a log in a folder only root may write gets the workers' lines")
        t.eq((os.stat(log).st_uid, os.stat(os.path.join(s.dir, "error.log")).st_uid), (0, 0),
             "at start the access and error logs stay root's (nginx chowns neither)")
        os.rename(log, log + ".1")
        s.signal(signal.SIGUSR1)

        def rotated():
            one(s.port, get("/after-usr1"))
            return "/after-usr1" in read_in(s, "rootonly/access.log")
        t.ok(wait_until(rotated, 5, step=0.1), "after SIGUSR1 the workers write the new file")
        t.eq((os.stat(log).st_uid, os.stat(os.path.join(s.dir, "error.log")).st_uid),
             (nobody.pw_uid, nobody.pw_uid),
             "the master gave the reopened files to nobody (nginx's ngx_reopen_files)")
        t.ok("/as-nobody" in read_in(s, "rootonly/access.log.1") and
             "/as-nobody" not in read_in(s, "rootonly/access.log"),
             "the renamed file kept the old lines")
        t.ok("failed" not in s.error_log(), "no open() failed in the error log",
             s.error_log()[-1500:])


t.run(start, test_combined_line, test_missing_headers_are_dashes,
      test_refused_request_logged, test_file_body_bytes, test_json_line,
      test_head_and_pipelining, test_off_writes_nothing, test_buffer_and_flush,
      test_buffer_fills, test_reopen_after_rename, test_dev_stdout, test_bad_path_fails_t,
      test_444_logged, test_444_after_pipelined, test_workers_inherit_files,
      test_bad_path_fails_start, test_bad_path_fails_reload, test_root_folder_user_nobody)
if srv:
    t.stopped_clean(srv)
t.done()
