#!/usr/bin/env python3
"""Balancing across upstream peers (issue 5), seen from outside: real portico processes in
front of backends.py's origin servers, counted by their X-Backend header and the backends'
own counters.

- weighted round-robin: weights 5,3,2 over 10,000 keep-alive requests, exact with one
  worker (smooth round-robin repeats every 10 picks), within 2% with two;
- least_conn keeps requests away from a peer that holds one;
- ip_hash: 20 client /24 networks (sources 127.0.N.x), each always on nginx's peer;
- hash $arg_key consistent: removing one of four peers (reload) moves only its keys;
- failover: a peer stopped under load costs no request; all down is a quick 502;
- backup / down peers, max_fails and fail_timeout on a refusing peer;
- upstream keep-alive: connections bounded by the pool, keepalive_requests, backends
  that close idle connections (announced or not) cost no request;
- proxy_next_upstream http_502/http_503, non-idempotent requests, _tries 1;
- X-Forwarded-For from $proxy_add_x_forwarded_for.

Most servers run one worker, so that a worker's balancer sees every request and counts
can be exact (each is justified where it is asserted). The file also runs against nginx
(PORTICO_BIN=/usr/sbin/nginx): its configs say explicitly what portico defaults to
(upstream keep-alive, HTTP/1.1, no Connection header).
"""
import json
import re
import signal
import socket
import threading
import time
import zlib

from backends import Backend, h_identify
from harness import HOST, Client, Server, Tap, free_port, get, one, wait_until

t = Tap()

# nginx 1.22 needs these for upstream keep-alive; portico has them by default.
KEEP = """proxy_http_version 1.1;
        proxy_set_header Connection "";"""


def server_block(body, port="{port}", extra=""):
    return f"""
    server {{
        listen 127.0.0.1:{port};
        keepalive_requests 100000;
        {extra}
        {body}
    }}
"""


def upstream(name, lines, extra=""):
    servers = "\n".join(f"        server {ln};" for ln in lines)
    return f"""
    upstream {name} {{
{servers}
        {extra}
    }}
"""


def addr(b, params=""):
    return f"127.0.0.1:{b.port}{(' ' + params) if params else ''}"


# ---------------------------------------------------------------------------------------
# Clients


class BoundClient(Client):
    """A harness Client whose socket is bound to a source address first."""

    def __init__(self, port, source):  # pylint: disable=super-init-not-called
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((source, 0))
        self.sock.settimeout(5)
        self.sock.connect((HOST, port))
        self.buf = b""
        self.eof = None


def fetch(port, path, source=None, extra="", method="GET", body=b"", timeout=5):
    """One request on a fresh connection: the response."""
    c = BoundClient(port, source) if source else Client(port)
    with c:
        if method == "GET":
            c.send(get(path, extra=extra))
        else:
            c.send(f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n"
                   f"{extra}\r\n".encode() + body)
        return c.read_response(timeout)


class Load:
    """Requests over `conns` keep-alive connections in parallel, one in flight on each.

    paths: the request targets, in order; thread k sends those of index k mod conns.
    results[i] is (status, X-Backend, body) or ("error", repr) for paths[i]; a connection
    the server closes (Connection: close, or an error) is replaced by a new one. `done`
    counts the answered requests as they come (for a test that acts midway)."""

    def __init__(self, port, paths, conns=4, timeout=10):
        self.port, self.paths, self.conns, self.timeout = port, paths, conns, timeout
        self.results = [None] * len(paths)
        self.done = 0
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, args=(k,), daemon=True)
                         for k in range(conns)]

    def start(self):
        for th in self._threads:
            th.start()
        return self

    def join(self):
        for th in self._threads:
            th.join(self.timeout + 30)
        return self.results

    def run(self):
        return self.start().join()

    def alive(self):
        """How many of the connections' threads are still sending."""
        return sum(1 for th in self._threads if th.is_alive())

    def _run(self, k):
        c = None
        deadline = time.monotonic() + self.timeout + 20
        for i in range(k, len(self.paths), self.conns):
            if time.monotonic() > deadline:
                self.results[i] = ("error", "load deadline passed")
                continue
            try:
                if c is None:
                    c = Client(self.port)
                c.send(get(self.paths[i]))
                r = c.read_response(self.timeout)
                self.results[i] = (r.status, r.header("X-Backend"), r.body)
                if (r.header("Connection") or "").lower() == "close":
                    c.close()
                    c = None
            except Exception as e:  # noqa: BLE001 - recorded as this request's result
                self.results[i] = ("error", repr(e))
                if c is not None:
                    c.close()
                c = None
            with self._lock:
                self.done += 1
        if c is not None:
            c.close()


def tally(results):
    """{X-Backend: count} over the 200 answers."""
    out = {}
    for r in results:
        if r and r[0] == 200:
            out[r[1]] = out.get(r[1], 0) + 1
    return out


def failures(results, limit=5):
    """The results that are not a 200 whose body is the backend's name (a few)."""
    bad = [(i, r) for i, r in enumerate(results)
           if not (r and r[0] == 200 and r[2] == (r[1] or "").encode())]
    return len(bad), bad[:limit]


def log_count(srv, pattern):
    return len(re.findall(pattern, srv.error_log()))


# ---------------------------------------------------------------------------------------
# nginx's mappings, to check that a group moved over from nginx keeps its clients and keys


def nginx_ip_hash(ip, weights):
    """The peer index nginx's ip_hash gives an IPv4 client when every peer is up."""
    h, total = 89, sum(weights)
    for b in socket.inet_aton(ip)[:3]:
        h = (h * 113 + b) % 6271
    w = h % total
    for i, pw in enumerate(weights):
        if w < pw:
            return i
        w -= pw
    raise AssertionError("unreachable")


def nginx_chash_ring(names):
    """nginx's hash ... consistent ring over server names "HOST:PORT" (weight 1): 160
    points each, crc32(HOST \\0 PORT PREV_LE32); sorted, duplicates dropped."""
    points = []
    for idx, name in enumerate(names):
        host, _, port = name.rpartition(":")
        base = host.encode() + b"\0" + port.encode()
        prev = 0
        for _ in range(160):
            prev = zlib.crc32(base + prev.to_bytes(4, "little"))
            points.append((prev, idx))
    points.sort()
    ring = []
    for p in points:
        if not ring or ring[-1][0] != p[0]:
            ring.append(p)
    return ring


def nginx_chash(ring, key):
    h = zlib.crc32(key.encode())
    lo, hi = 0, len(ring)
    while lo < hi:
        mid = (lo + hi) // 2
        if ring[mid][0] < h:
            lo = mid + 1
        else:
            hi = mid
    return ring[lo % len(ring)][1]


# ---------------------------------------------------------------------------------------
# Weighted round-robin


def weighted_run(workers):
    bs = [Backend(f"w{i}") for i in range(3)]
    try:
        http = upstream("app", [addr(bs[0], "weight=5"), addr(bs[1], "weight=3"),
                                addr(bs[2], "weight=2")], "keepalive 16;") + \
            server_block(f"location / {{ proxy_pass http://app; {KEEP} }}")
        with Server(http, workers=workers) as srv:
            t0 = time.monotonic()
            res = Load(srv.port, ["/w"] * 10000, conns=4).run()
            t.diag(f"{workers} worker(s): 10,000 requests in {time.monotonic() - t0:.1f}s")
            return tally(res), failures(res), [b.requests for b in bs]
    finally:
        for b in bs:
            b.stop()


def test_weighted_one_worker():
    counts, (nbad, bad), backend_counts = weighted_run(1)
    t.eq(nbad, 0, "every answer is a 200 with the backend's name as its body") or t.diag(bad)
    # One worker picks every request; smooth weighted round-robin gives exactly 5,3,2 of
    # every 10 consecutive picks, and 10,000 is a whole number of cycles.
    t.eq(counts, {"w0": 5000, "w1": 3000, "w2": 2000}, "weights 5,3,2: exactly 5000/3000/2000")
    t.eq(backend_counts, [5000, 3000, 2000], "the backends' own counts agree")


def test_weighted_two_workers():
    counts, (nbad, bad), backend_counts = weighted_run(2)
    t.eq(nbad, 0, "every answer is a 200 with the backend's name as its body") or t.diag(bad)
    t.eq(sum(counts.values()), 10000, "10,000 answers")
    # Each worker runs its own smooth round-robin: after k whole cycles of 10 its counts
    # are exact, and its last partial cycle gives a peer at most its weight more or less
    # than its share; two workers: at most 2 x weight off.
    for name, w in (("w0", 5), ("w1", 3), ("w2", 2)):
        got = counts.get(name, 0)
        t.between(got / 10000, w / 10 - 0.02, w / 10 + 0.02, f"{name} (weight {w}) within 2%")
        t.between(got, 1000 * w - 2 * w, 1000 * w + 2 * w,
                  f"{name} (weight {w}): within 2 x weight of {1000 * w}")
    t.eq(backend_counts, [counts.get(f"w{i}", 0) for i in range(3)],
         "the backends' own counts agree")


# ---------------------------------------------------------------------------------------
# least_conn


def test_least_conn_slow_peer():
    release = threading.Event()

    def held(backend, conn, req):  # answers only when the test lets it (bounded)
        release.wait(15)
        return h_identify(backend, conn, req)

    slow = Backend("slow", routes={"/": held})
    fast = [Backend("f1"), Backend("f2")]
    holder = None
    try:
        http = upstream("app", [addr(slow), addr(fast[0]), addr(fast[1])],
                        "least_conn; keepalive 16;") + \
            server_block(f"location / {{ proxy_pass http://app; {KEEP} }}")
        with Server(http, workers=1) as srv:
            # Holders one at a time until one sits at the slow peer: with every peer idle
            # least_conn ties all three and takes them round-robin, so within three.
            for i in range(3):
                c = Client(srv.port)
                c.send(get(f"/hold{i}"))
                got = wait_until(lambda: sum(b.received for b in [slow] + fast) == i + 1, 5)
                if not got:
                    raise RuntimeError(f"holder {i} reached no backend")
                if slow.received == 1:
                    holder = c
                    break
                r = c.read_response()
                c.close()
                t.eq(r.status, 200, f"holder {i} answered by a fast peer")
            t.ok(holder is not None, "within 3 requests one is held by the slow peer")
            if holder is None:
                return

            # Sequential requests: the slow peer has 1 active, the fast ones 0 -> never slow.
            before = [b.received for b in fast]
            res = Load(srv.port, ["/seq"] * 100, conns=1).run()
            seq = tally(res)
            t.eq(failures(res)[0], 0, "100 sequential requests answered 200")
            t.eq(seq.get("slow", 0), 0, "sequential: none goes to the busy slow peer")
            f1, f2 = (b.received - x for b, x in zip(fast, before))
            t.eq(f1 + f2, 100, "sequential: all 100 on the two fast peers")
            # Tied at 0 active, the two take turns by smooth weights; the weights left by
            # the holders' picks can give one a head start of a few picks.
            t.ok(abs(f1 - f2) <= 4, "sequential: the fast peers take turns", (f1, f2))

            # Four concurrent clients: the slow peer (1 active) can be picked only while
            # both fast peers have at least as many; with 3 other requests in flight at
            # most, that holds only while no client request is stuck at the slow peer,
            # so at most one goes there (and its client waits for the release). The
            # others' requests all go to the fast peers: 4 x 50 = 200 if none is stuck,
            # 3 x 50 + the stuck client's requests before it if one is.
            load = Load(srv.port, ["/par"] * 200, conns=4, timeout=20).start()
            ok = wait_until(lambda: load.alive() <= slow.received - 1, 10)
            stuck = slow.received - 1
            answered = load.done
            release.set()
            res = load.join()
            t.ok(ok, "concurrent: every client not held by the slow peer finished")
            t.eq(failures(res)[0], 0, "200 concurrent requests answered 200")
            t.ok(stuck <= 1, "concurrent: at most 1 of them went to the slow peer", stuck)
            t.ok(answered >= 150, "concurrent: the other clients' requests were answered "
                 "meanwhile, by the fast peers", answered)
            r = holder.read_response()
            t.eq((r.status, r.header("X-Backend")), (200, "slow"), "the held request is answered")
    finally:
        release.set()
        if holder:
            holder.close()
        for b in [slow] + fast:
            b.stop()


# ---------------------------------------------------------------------------------------
# ip_hash


def test_ip_hash_sticky():
    bs = [Backend(f"i{i}") for i in range(3)]
    try:
        http = upstream("app", [addr(b) for b in bs], "ip_hash; keepalive 16;") + \
            server_block(f"location / {{ proxy_pass http://app; {KEEP} }}")
        with Server(http, workers=2) as srv:
            seen, wrong, expected = {}, [], {}
            for n in range(1, 21):
                want = f"i{nginx_ip_hash(f'127.0.{n}.1', [1, 1, 1])}"
                expected[n] = want
                got = []
                for host in (1, 2, 77):  # three sources in the /24, fresh connections
                    for _ in range(2):
                        got.append(fetch(srv.port, "/ip", f"127.0.{n}.{host}").header("X-Backend"))
                with BoundClient(srv.port, f"127.0.{n}.200") as c:  # and keep-alive
                    for _ in range(3):
                        c.send(get("/ip"))
                        got.append(c.read_response().header("X-Backend"))
                seen[n] = set(got)
                if set(got) != {want}:
                    wrong.append((n, got, want))
            t.eq(wrong, [], "each of 20 /24 networks always on one peer, nginx's ip_hash pick "
                 "(9 requests from 4 sources each)")
            used = set().union(*seen.values())
            t.ok(len(used) > 1, "the 20 networks use more than one peer", used)
            t.eq(used, set(expected.values()), "the peers used are nginx's picks")
            t.diag("networks per peer: " + str({b.name: sum(1 for v in expected.values()
                                                            if v == b.name) for b in bs}))
    finally:
        for b in bs:
            b.stop()


# ---------------------------------------------------------------------------------------
# hash $arg_key consistent


def chash_http(bs, gen):
    return upstream("app", [addr(b) for b in bs], "hash $arg_key consistent; keepalive 16;") + \
        server_block(f"""location = /gen {{ return 200 "gen {gen}"; }}
        location / {{ proxy_pass http://app; {KEEP} }}""")


def key_map(port, keys):
    res = Load(port, [f"/k?key={k}" for k in keys], conns=4).run()
    return {k: (r[1] if r[0] == 200 else f"status {r}") for k, r in zip(keys, res)}


def test_hash_consistent_remove_peer():
    bs = [Backend(f"h{i}") for i in range(4)]
    keys = [f"key{i}" for i in range(400)]
    try:
        with Server(chash_http(bs, 1), workers=2) as srv:
            before = key_map(srv.port, keys)
            again = key_map(srv.port, keys)
            t.eq(sum(1 for k in keys if before[k] != again[k]), 0,
                 "every key maps to the same peer twice (both workers)")
            ring4 = nginx_chash_ring([addr(b) for b in bs])
            want4 = {k: f"h{nginx_chash(ring4, k)}" for k in keys}
            t.eq(sum(1 for k in keys if before[k] != want4[k]), 0,
                 "4 peers: every key on nginx's ring pick")

            removed = bs[1]
            kept = [b for b in bs if b is not removed]
            old = srv.workers_now()
            srv.write_config(chash_http(kept, 2))
            srv.signal(signal.SIGHUP)
            t.ok(wait_until(lambda: _serves(srv.port, b"gen 2"), 10), "reload without h1")
            # Until they leave, old workers may still accept a connection: wait them out.
            t.ok(wait_until(lambda: not old & srv.workers_now(), 10), "the old workers exit")
            after = key_map(srv.port, keys)
            on_removed = [k for k in keys if before[k] == removed.name]
            moved = [k for k in keys if after[k] != before[k]]
            stayed_moved = [k for k in moved if before[k] != removed.name]
            t.eq(stayed_moved, [], "keys whose peer stayed do not move")
            t.eq(sorted(moved), sorted(on_removed), "exactly the removed peer's keys move")
            t.ok(all(after[k] in {b.name for b in kept} for k in keys),
                 "every key on a remaining peer")
            # 160 points per peer: a peer's share of the ring is 1/4 give or take a few
            # percent; 400 keys add sampling noise (sd ~2%).
            share = len(moved) / len(keys)
            t.between(share, 0.01, 0.25 + 0.10, "moved keys <= 1/N + 10% (N=4)")
            t.diag(f"moved {len(moved)} of {len(keys)} keys ({share:.1%})")
            ring3 = nginx_chash_ring([addr(b) for b in kept])
            want3 = {k: kept[nginx_chash(ring3, k)].name for k in keys}
            t.eq(sum(1 for k in keys if after[k] != want3[k]), 0,
                 "3 peers: every key on nginx's ring pick")
    finally:
        for b in bs:
            b.stop()


def _serves(port, body):
    try:
        return one(port, get("/gen"), timeout=2).body == body
    except Exception:  # noqa: BLE001 - not yet: polled
        return False


# ---------------------------------------------------------------------------------------
# Failover


def test_failover_peer_killed_under_load():
    lock, state = threading.Lock(), {"killed": False}

    def guarded(backend, conn, req):
        # A response is sent whole or not at all: a process killed midway through
        # writing one cuts it, which no proxy can hide. Killed: the request read is
        # dropped without a byte of answer (the proxy sees the connection close).
        with lock:
            if state["killed"]:
                raise OSError("killed")
            return h_identify(backend, conn, req)

    victim = Backend("v1", routes={"/": guarded})
    others = [Backend("v0"), Backend("v2")]
    bs = [others[0], victim, others[1]]
    try:
        http = upstream("app", [addr(b) for b in bs], "keepalive 16;") + \
            server_block(f"location / {{ proxy_pass http://app; {KEEP} }}")
        with Server(http, workers=2) as srv:
            load = Load(srv.port, ["/f"] * 3000, conns=4).start()
            wait_until(lambda: load.done >= 1000, 10)
            with lock:
                state["killed"] = True
                at_kill = load.done
            victim.stop()
            res = load.join()
            nbad, bad = failures(res)
            t.eq(nbad, 0, "3000 GETs, a peer stopped after ~1000: every answer a whole 200")
            if bad:
                t.diag(bad)
            counts = tally(res)
            t.ok(1000 <= at_kill < 3000, "the peer was stopped mid-load", at_kill)
            t.ok(counts.get("v1", 0) > 0, "the stopped peer answered before", counts)
            t.eq(sum(counts.values()), 3000, "all 3000 answered")
            t.eq(counts.get("v0", 0) + counts.get("v2", 0) + counts.get("v1", 0), 3000,
                 "by the three peers")
            t.diag(f"answers per peer: {counts}; stopped after {at_kill}")

            for b in others:
                b.stop()
            times, statuses = [], []
            for _ in range(3):
                t0 = time.monotonic()
                try:
                    statuses.append(fetch(srv.port, "/down", timeout=3).status)
                except Exception as e:  # noqa: BLE001
                    statuses.append(repr(e))
                times.append(time.monotonic() - t0)
            t.eq(statuses, [502, 502, 502], "all peers down: 502")
            t.ok(max(times) < 1.0, "all peers down: answered within 1 s", times)
    finally:
        for b in bs:
            b.stop()


# ---------------------------------------------------------------------------------------
# backup, down, max_fails / fail_timeout


def test_backup_and_down():
    a, d, bk = Backend("primary"), Backend("down"), Backend("backup")
    try:
        http = upstream("app", [addr(a), addr(d, "down"), addr(bk, "backup")],
                        "keepalive 16;") + \
            server_block(f"location / {{ proxy_pass http://app; {KEEP} }}")
        with Server(http, workers=1) as srv:
            res = Load(srv.port, ["/b"] * 20, conns=2).run()
            t.eq(tally(res), {"primary": 20}, "primary up: all 20 to it")
            t.eq((d.connections, bk.connections), (0, 0),
                 "neither the down peer nor the backup is connected to")
            a.stop()
            res = Load(srv.port, ["/b"] * 20, conns=2).run()
            t.eq(tally(res), {"backup": 20}, "primary stopped: all 20 to the backup, none fails")
            t.eq(d.connections, 0, "the down peer still never connected to")
    finally:
        for b in (a, d, bk):
            b.stop()


def test_max_fails_refusing_peer():
    good = Backend("good")
    refusing = free_port()  # nothing listens there
    try:
        http = upstream("app", [f"127.0.0.1:{refusing} max_fails=2 fail_timeout=1s",
                                addr(good)], "keepalive 16;") + \
            server_block(f"location / {{ proxy_pass http://app; {KEEP} }}")
        with Server(http, workers=1) as srv:
            pat = rf'connect\(\) failed[^\n]*upstream: "(http://)?127\.0\.0\.1:{refusing}'
            t0 = time.monotonic()
            res = Load(srv.port, ["/m"] * 20, conns=1).run()
            quick = time.monotonic() - t0
            t.eq(tally(res), {"good": 20}, "20 requests, all answered by the good peer")
            # Equal weights alternate: the refusing peer is tried on the 1st and 3rd
            # requests (each then goes on to the good one); the 2nd failure marks it down
            # for fail_timeout, so the other 18 skip it.
            wait_until(lambda: log_count(srv, pat) >= 2, 2)
            t.eq(log_count(srv, pat), 2, "max_fails=2: the refusing peer tried twice, then "
                 "skipped")
            t.eq(good.requests, 20, "the good peer got each request once")
            t.ok(quick < 0.9, "the 20 requests took less than fail_timeout", quick)
            # One request every 20 ms until the peer is tried again: not before
            # fail_timeout has passed since its 2nd failure (which came after t0), and
            # within 2.5 s (nginx counts in whole seconds: up to 2 s).
            statuses, probe_at = [], None
            while time.monotonic() - t0 < 3:
                r = fetch(srv.port, "/m")
                statuses.append((r.status, r.header("X-Backend")))
                if log_count(srv, pat) > 2:
                    probe_at = time.monotonic() - t0
                    break
                time.sleep(0.02)
            t.ok(probe_at is not None and 1.0 <= probe_at <= 2.5,
                 "after fail_timeout (1s) the peer is tried again", probe_at)
            res = Load(srv.port, ["/m"] * 10, conns=1).run()
            statuses += [(r[0], r[1]) for r in res]
            t.eq(set(statuses), {(200, "good")}, "meanwhile every request answered by the good "
                 "peer")
            t.eq(log_count(srv, pat), 3, "the probe failed: skipped again (10 more requests)")
    finally:
        good.stop()


# ---------------------------------------------------------------------------------------
# Upstream keep-alive


def test_keepalive_pool_bound():
    b = Backend("ka")
    try:
        http = upstream("app", [addr(b)], "keepalive 4; keepalive_requests 100000;") + \
            server_block(f"location / {{ proxy_pass http://app; {KEEP} }}")
        with Server(http, workers=2) as srv:
            res = Load(srv.port, ["/k"] * 10000, conns=4).run()
            t.eq(failures(res)[0], 0, "10,000 requests over 4 client connections: all 200")
            st = b.stats()
            # A client connection stays on one worker with one request in flight, so a
            # worker never has more requests in flight than the 4 idle ones its pool may
            # keep: it never closes one, and opens at most one per concurrent request.
            t.ok(st["connections"] <= 4 * 2, "at most keepalive x workers = 8 upstream "
                 "connections", st["connections"])
            t.ok(st["connections"] <= 4, "at most one per client connection (4)",
                 st["connections"])
            t.eq(sum(st["by_conn"].values()), 10000, "the backend answered 10,000")
    finally:
        b.stop()


def test_keepalive_requests():
    b = Backend("kr")
    try:
        http = upstream("app", [addr(b)], "keepalive 4; keepalive_requests 100;") + \
            server_block(f"location / {{ proxy_pass http://app; {KEEP} }}")
        with Server(http, workers=1) as srv:
            res = Load(srv.port, ["/k"] * 1000, conns=1).run()
            t.eq(failures(res)[0], 0, "1000 sequential requests: all 200")
            st = b.stats()
            t.eq(st["connections"], 10, "keepalive_requests 100: 10 upstream connections")
            t.eq(sorted(set(st["by_conn"].values())), [100], "each served exactly 100")
    finally:
        b.stop()


def test_backend_idle_close():
    b = Backend("idle", idle_timeout_ms=50)
    try:
        http = upstream("app", [addr(b)], "keepalive 4;") + \
            server_block(f"location / {{ proxy_pass http://app; {KEEP} }}")
        with Server(http, workers=1) as srv:
            statuses = []
            with Client(srv.port) as c:
                for i in range(40):  # pauses around the backend's 50 ms idle timeout
                    time.sleep((0, 0.02, 0.045, 0.05, 0.055, 0.08)[i % 6])
                    c.send(get("/i"))
                    r = c.read_response()
                    statuses.append((r.status, r.body))
            t.eq(statuses, [(200, b"idle")] * 40, "40 requests across idle closes: all 200")
            # Every pause of 80 ms outlasts the backend's idle timeout: a new connection.
            t.ok(b.connections >= 6, "the backend closed idle connections (new ones opened)",
                 b.connections)
            t.diag(f"upstream connections: {b.connections}; stale retries logged: "
                   f"{log_count(srv, 'closed a kept-alive connection')}")
    finally:
        b.stop()


def test_stale_connection_retry():
    def drop_third(backend, conn, req):
        # Answers two requests per connection and closes on the third without a byte:
        # a keep-alive timer that fires just as the proxy reuses the connection.
        if conn.answered == 2:
            return False
        return h_identify(backend, conn, req)

    b = Backend("stale", routes={"/": drop_third})
    try:
        http = upstream("app", [addr(b)], "keepalive 4;") + \
            server_block(f"location / {{ proxy_pass http://app; {KEEP} }}")
        with Server(http, workers=1) as srv:
            res = Load(srv.port, ["/s"] * 300, conns=1).run()
            t.eq(failures(res)[0], 0, "300 sequential GETs, every 3rd use of a connection "
                 "dropped: all 200")
            # Connection k answers requests 2k-1 and 2k; each of the first 149 drops the
            # next one, which the proxy sends again on a new connection.
            t.eq(b.connections, 150, "150 upstream connections")
            t.eq(b.received, 300 + 149, "149 requests sent twice")
            t.diag(f"stale retries logged: {log_count(srv, 'closed a kept-alive connection')}")
    finally:
        b.stop()


def test_silent_close():
    b = Backend("silent", max_requests=3, close_mode="silent")
    try:
        http = upstream("app", [addr(b)], "keepalive 8;") + \
            server_block(f"location / {{ proxy_pass http://app; {KEEP} }}")
        with Server(http, workers=1) as srv:
            res = Load(srv.port, ["/q"] * 300, conns=1).run()
            t.eq(failures(res)[0], 0, "300 sequential requests, each connection closed "
                 "unannounced after 3: all 200")
            res = Load(srv.port, ["/q"] * 300, conns=4).run()
            t.eq(failures(res)[0], 0, "300 more over 4 client connections: all 200")
            t.ok(b.connections >= 200, "at least 600/3 upstream connections", b.connections)
    finally:
        b.stop()


# ---------------------------------------------------------------------------------------
# proxy_next_upstream


def status_route(code):
    def answer(backend, conn, req):
        req.query["status"] = str(code)
        return h_identify(backend, conn, req)
    return {"/": answer}


def test_next_upstream():
    a503 = Backend("s503", routes=status_route(503))
    a502 = Backend("s502", routes=status_route(502))
    drop = Backend("drop", routes={"/": lambda backend, conn, req: False})
    good = Backend("good")
    refusing = free_port()
    ups = (upstream("u5xx", [addr(a503), addr(a502), addr(good)], "keepalive 8;") +
           upstream("upass", [addr(a503), addr(good)], "keepalive 8;") +
           upstream("upost", [addr(drop, "max_fails=0"), addr(good)], "keepalive 8;") +
           upstream("upostni", [addr(drop, "max_fails=0"), addr(good)], "keepalive 8;") +
           upstream("urefuse", [f"127.0.0.1:{refusing} max_fails=0", addr(good)],
                    "keepalive 8;") +
           upstream("utries", [f"127.0.0.1:{refusing} max_fails=0", addr(good)],
                    "keepalive 8;"))
    locs = f"""
        location /5xx/ {{ proxy_pass http://u5xx; {KEEP}
            proxy_next_upstream error timeout http_502 http_503; }}
        location /pass/ {{ proxy_pass http://upass; {KEEP} }}
        location /post/ {{ proxy_pass http://upost; {KEEP} }}
        location /postni/ {{ proxy_pass http://upostni; {KEEP}
            proxy_next_upstream error timeout non_idempotent; }}
        location /refuse/ {{ proxy_pass http://urefuse; {KEEP} }}
        location /tries/ {{ proxy_pass http://utries; {KEEP} proxy_next_upstream_tries 1; }}
    """
    try:
        with Server(ups + server_block(locs), workers=1) as srv:
            def gets(path, n):
                return [fetch(srv.port, path) for _ in range(n)]

            def posts(path, n):
                return [fetch(srv.port, path, method="POST", body=b"abc") for _ in range(n)]

            rs = gets("/5xx/x", 10)
            t.eq([(r.status, r.header("X-Backend")) for r in rs], [(200, "good")] * 10,
                 "http_502 http_503: a 503 or 502 goes on to the next peer")
            # max_fails=1: each failing peer's status counts as a failure: one request each.
            t.eq((a503.requests, a502.requests), (1, 1),
                 "the 503 and 502 peers each got one request (then marked failed)")

            base = a503.requests
            rs = gets("/pass/x", 10)
            got = sorted(r.status for r in rs)
            t.eq(got, [200] * 5 + [503] * 5, "default proxy_next_upstream: the 503 is passed "
                 "on (equal weights alternate: 5 of 10)")
            t.eq(a503.requests - base, 5, "the 503 peer answered those 5")

            g0, d0 = good.received, drop.received
            rs = posts("/post/x", 6)
            t.eq(sorted(r.status for r in rs), [200] * 3 + [502] * 3,
                 "POST dropped after it was sent: 502, not retried (3 of 6)")
            t.eq((drop.received - d0, good.received - g0), (3, 3),
                 "the dropping peer got 3 POSTs, the good one only its own 3")
            g0, d0 = good.received, drop.received
            rs = gets("/post/x", 6)
            t.eq([r.status for r in rs], [200] * 6, "GET dropped after it was sent: retried")
            t.eq((drop.received - d0, good.received - g0), (3, 6),
                 "the dropping peer got 3 GETs, each then went to the good one")
            g0, d0 = good.received, drop.received
            rs = posts("/postni/x", 6)
            t.eq([r.status for r in rs], [200] * 6, "non_idempotent: POSTs retried too")
            t.eq((drop.received - d0, good.received - g0), (3, 6),
                 "non_idempotent: the 3 dropped POSTs went on to the good peer")

            g0 = good.received
            rs = posts("/refuse/x", 6)
            t.eq([r.status for r in rs], [200] * 6,
                 "POST to a refusing peer (nothing sent): retried on the next")
            t.eq(good.received - g0, 6, "the good peer got all 6 POSTs")

            g0 = good.received
            rs = gets("/tries/x", 10)
            t.eq(sorted(r.status for r in rs), [200] * 5 + [502] * 5,
                 "proxy_next_upstream_tries 1: no retry, the refusing peer's 5 are 502")
            t.eq(good.received - g0, 5, "the good peer got only its own 5")
    finally:
        for b in (a503, a502, drop, good):
            b.stop()


# ---------------------------------------------------------------------------------------
# X-Forwarded-For


def test_x_forwarded_for():
    b = Backend("xff")
    try:
        http = upstream("app", [addr(b)], "keepalive 4;") + server_block(f"""
        location /xff/ {{ proxy_pass http://app/; {KEEP}
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; }}
        location /plain/ {{ proxy_pass http://app/; {KEEP} }}""")
        with Server(http, workers=1) as srv:
            def xff(path, extra="", source=None):
                r = fetch(srv.port, path, source=source, extra=extra)
                if r.status != 200:
                    return f"status {r.status}"
                hs = json.loads(r.body)["headers"]
                return [v for n, v in hs if n.lower() == "x-forwarded-for"]

            t.eq(xff("/xff/echo"), ["127.0.0.1"], "no incoming X-Forwarded-For: the client")
            t.eq(xff("/xff/echo", "X-Forwarded-For: 1.2.3.4\r\n"), ["1.2.3.4, 127.0.0.1"],
                 "incoming one: the client appended")
            t.eq(xff("/xff/echo", "X-Forwarded-For: 1.2.3.4\r\nX-Forwarded-For: 5.6.7.8\r\n"),
                 ["1.2.3.4, 5.6.7.8, 127.0.0.1"], "two incoming: joined, the client appended")
            t.eq(xff("/xff/echo", "X-Forwarded-For: 10.0.0.1\r\n", source="127.0.3.9"),
                 ["10.0.0.1, 127.0.3.9"], "the client's own address (source 127.0.3.9)")
            t.eq(xff("/plain/echo", "X-Forwarded-For: 1.2.3.4\r\n"), ["1.2.3.4"],
                 "without proxy_set_header: passed as received")
            t.eq(xff("/plain/echo"), [], "without proxy_set_header and none incoming: none")
    finally:
        b.stop()


t.run(test_weighted_one_worker, test_weighted_two_workers, test_least_conn_slow_peer,
      test_ip_hash_sticky, test_hash_consistent_remove_peer,
      test_failover_peer_killed_under_load, test_backup_and_down, test_max_fails_refusing_peer,
      test_keepalive_pool_bound, test_keepalive_requests, test_backend_idle_close,
      test_stale_connection_retry, test_silent_close, test_next_upstream, test_x_forwarded_for)
t.done()
