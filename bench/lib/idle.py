#!/usr/bin/env python3
"""bench/lib/idle.py - the client of bench/run's `idle` scenario.

Opens COUNT keep-alive connections to HOST:PORT, sends one GET on each and reads its whole
answer, then leaves them all open and idle. At most WINDOW connections are in progress at
once, so no listen backlog overflows. Source addresses cycle over 127.0.0.1..SOURCES
(IP_BIND_ADDRESS_NO_PORT, so the port is picked per destination at connect).

Protocol with bench/run, over stdout/stdin:
  prints "ready N" once all N connections have their answer (or "failed N REASON");
  waits for a line on stdin (bench/run reads the server's RSS meanwhile);
  closes every connection with an RST (SO_LINGER 0: no TIME_WAIT left behind) and
  prints "closed N".
Bounded in time: gives up after --timeout seconds, closing what it opened.
"""
import argparse
import errno
import resource
import selectors
import socket
import struct
import sys
import time

IP_BIND_ADDRESS_NO_PORT = 24
REQUEST = b"GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: bench-idle\r\n\r\n"


def raise_nofile(need):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= need:
        return
    want = max(need, soft)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(hard, want)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))


def response_complete(buf):
    head_end = buf.find(b"\r\n\r\n")
    if head_end < 0:
        return False
    length = 0
    for line in buf[:head_end].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    return len(buf) >= head_end + 4 + length


def open_all(args):
    sel = selectors.DefaultSelector()
    done = []
    pending = {}  # socket -> bytes received so far (None while connecting)
    started = 0
    deadline = time.monotonic() + args.timeout
    while len(done) < args.count:
        while started < args.count and len(pending) < args.window:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            s.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
            s.bind(("127.0.0.%d" % (1 + started % args.sources), 0))
            rc = s.connect_ex((args.host, args.port))
            if rc not in (0, errno.EINPROGRESS):
                s.close()
                return done, "connect: %s" % errno.errorcode.get(rc, rc)
            pending[s] = None
            sel.register(s, selectors.EVENT_WRITE)
            started += 1
        left = deadline - time.monotonic()
        if left <= 0:
            for s in pending:
                s.close()
            return done, "timeout after %d answered" % len(done)
        for key, _ in sel.select(timeout=min(left, 1.0)):
            s = key.fileobj
            if pending[s] is None:
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    return done, "connect: %s" % errno.errorcode.get(err, err)
                s.send(REQUEST)
                pending[s] = b""
                sel.modify(s, selectors.EVENT_READ)
                continue
            try:
                data = s.recv(4096)
            except BlockingIOError:
                continue
            except OSError as e:
                return done, "recv: %s" % e
            if not data:
                return done, "server closed a connection before answering"
            pending[s] += data
            if response_complete(pending[s]):
                if not pending[s].startswith(b"HTTP/1.1 200"):
                    return done, "answer was not 200: %r" % pending[s][:40]
                sel.unregister(s)
                del pending[s]
                done.append(s)
    return done, None


def close_all(socks):
    linger = struct.pack("ii", 1, 0)
    for s in socks:
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
        except OSError:
            pass
        s.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--window", type=int, default=200)
    ap.add_argument("--sources", type=int, default=4)
    ap.add_argument("--timeout", type=float, default=60.0)
    args = ap.parse_args()
    raise_nofile(args.count + 64)

    socks, error = open_all(args)
    if error:
        print("failed %d %s" % (len(socks), error), flush=True)
        close_all(socks)
        return 1
    print("ready %d" % len(socks), flush=True)
    sys.stdin.readline()  # bench/run has read the RSS (or gone: EOF)
    close_all(socks)
    print("closed %d" % len(socks), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
