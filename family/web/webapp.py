"""The concbench web app in Flask: the seeds' WSGI world, run by gunicorn.

    gunicorn --chdir family/web --preload --workers 2 webapp:app

It answers exactly what the Go servers answer (family/web, app.go), so one
client verifies both: /hello a fixed body, /work?arg=N the sha256 kernel of
workloads/kernels.go, /sleep?arg=N the 1 ms sleep kernel, and /count a
counter with the worker's pid ("<value> <pid>\\n").

/count's counter is chosen by the environment, as for the Go servers
(family/web, gosrv.go):

global (neither variable set): the seeds' shared variable, a plain
    module-level `counter += 1`: one per worker process, so the answers
    depend on which worker served the request. Under gthread it is also
    shared by the worker's threads with nothing but the GIL between them.
shm (CONCBENCH_WEB_SHM_FD=4): one counter for the whole server. The
    textbook answer is multiprocessing.Value('Q', 0, lock=True) made before
    gunicorn forks; this is that Value taken apart: a ctypes c_uint64 on a
    shared mapping plus a multiprocessing lock, both made in the master
    (gunicorn --preload imports this module there; gunicorn_conf.py refuses
    shm without it), so every worker inherits the same page and the same
    lock. The mapping is the memfd the benchmark passes as descriptor 4
    rather than Value's own arena, so that the benchmark reads the total
    from the page itself instead of asking the app. The lock is a plain
    multiprocessing Lock (one process-shared POSIX semaphore, unlinked from
    /dev/shm as soon as it is made under the fork context, so nothing is
    left there), not Value's RLock: nothing re-enters it. Python has no
    atomic add on an mmap, hence the lock, and it must exclude threads too
    (gthread): a semaphore does. fcntl locks would not: lockf is held per
    process, so a worker's threads would all hold it at once, and flock is
    held per open file description, which every worker shares through the
    inherited descriptor. The price is a semaphore round trip per request,
    and a worker killed inside the lock would stall the others.
redis (CONCBENCH_WEB_REDIS=<unix socket>): INCR on the redis-server the
    benchmark starts, over a few lines of RESP on the standard library's
    socket (no redis package): one connection per thread, made on its
    first request, so no connection crosses a fork or is shared by
    threads. A failed INCR answers 500 with the reason, so the client fails.
"""
import ctypes
import hashlib
import mmap
import multiprocessing
import os
import socket
import struct
import threading
import time

from flask import Flask, Response, request

app = Flask(__name__)

MASK = (1 << 64) - 1
ARG_RANGE = 64
SLEEP_FOR = 0.001


def mix(x):
    """workloads.Mix: one splitmix64 step."""
    x = (x + 0x9E3779B97F4A7C15) & MASK
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & MASK
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


# workloads' 64 KiB sha256 block: Mix(i) at every 8-byte offset i.
BLOCK = b"".join(struct.pack("<Q", mix(i)) for i in range(0, 64 << 10, 8))


def sha256_kernel(a):
    buf = bytearray(BLOCK)
    buf[0:8] = struct.pack("<Q", a)
    for _ in range(2):
        digest = hashlib.sha256(buf).digest()
        buf[8:40] = digest
    return struct.unpack_from("<Q", digest)[0]


def sleep_kernel(a):
    t0 = time.monotonic()
    time.sleep(SLEEP_FOR)
    elapsed = 1 if time.monotonic() - t0 >= SLEEP_FOR else 0
    return mix(a ^ (elapsed << 63))


def text(body, status=200):
    return Response(body, status=status, content_type="text/plain; charset=utf-8")


def kernel(f):
    try:
        a = int(request.args.get("arg", ""))
    except ValueError:
        a = -1
    if not 0 <= a < ARG_RANGE:
        return text("arg: want 0 to 63\n", 400)
    return text(str(f(a)))


@app.route("/hello")
def hello():
    return text("Hello, World!\n")


@app.route("/work")
def work():
    return kernel(sha256_kernel)


@app.route("/sleep")
def sleep():
    return kernel(sleep_kernel)


counter = 0  # the seeds' shared variable


def incr_global():
    global counter
    counter += 1
    return counter


class ShmCounter:
    """A uint64 on a shared mapping of fd, under a lock made here: make it
    before the fork, in the master."""

    def __init__(self, fd):
        self.mem = mmap.mmap(fd, 8)  # MAP_SHARED, read-write
        os.close(fd)  # the mapping keeps the page
        self.n = ctypes.c_uint64.from_buffer(self.mem)
        # The fork context's lock is unlinked at once: no /dev/shm entry,
        # no resource tracker process (3.14 defaults to forkserver).
        self.lock = multiprocessing.get_context("fork").Lock()

    def incr(self):
        with self.lock:
            v = self.n.value + 1
            self.n.value = v
        return v


class RedisError(Exception):
    pass


# The key the benchmark reads the total from (family/web, counter.go).
REDIS_KEY = b"concbench:web:count"


class RedisCounter:
    """INCR on redis-server's unix socket, one connection per thread."""

    INCR = b"*2\r\n$4\r\nINCR\r\n$%d\r\n%s\r\n" % (len(REDIS_KEY), REDIS_KEY)

    def __init__(self, path):
        self.path = path
        self.local = threading.local()
        # A connection made before a fork would be shared with the child.
        os.register_at_fork(after_in_child=self.forget)

    def forget(self):
        self.local = threading.local()

    def conn(self):
        c = getattr(self.local, "conn", None)
        if c is None:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(self.path)
            except OSError:
                s.close()
                raise
            c = self.local.conn = (s, s.makefile("rb"))
        return c

    def incr(self):
        s, r = self.conn()
        try:
            s.sendall(self.INCR)
            line = r.readline()
            if line[:1] != b":" or line[-2:] != b"\r\n":
                raise RedisError("INCR %s: redis answered %r" % (REDIS_KEY.decode(), line))
            return int(line[1:-2])
        except (OSError, ValueError, RedisError):
            r.close()
            s.close()
            self.local.conn = None
            raise


def make_counter(env):
    """/count's increment, as the environment says."""
    fd = env.get("CONCBENCH_WEB_SHM_FD")
    if fd:
        return ShmCounter(int(fd)).incr
    sock = env.get("CONCBENCH_WEB_REDIS")
    if sock:
        return RedisCounter(sock).incr
    return incr_global


incr = make_counter(os.environ)


@app.route("/count")
def count():
    try:
        v = incr()
    except (OSError, ValueError, RedisError) as e:
        return text("count: %s\n" % e, 500)
    return text("%d %d\n" % (v, os.getpid()))
