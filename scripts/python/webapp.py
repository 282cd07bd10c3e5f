"""The concbench web app in Flask: the seeds' WSGI world, run by gunicorn.

    gunicorn --chdir scripts/python --workers 2 webapp:app

It answers exactly what the Go servers answer (family/web, app.go), so one
client verifies both: /hello a fixed body, /work?arg=N the sha256 kernel of
workloads/kernels.go, /sleep?arg=N the 1 ms sleep kernel, and /count a
module-level counter with the worker's pid ("<value> <pid>\\n"). The
counter is the seeds' shared variable: a plain global, one per worker
process, so the answers depend on which worker served the request.
"""
import hashlib
import os
import struct
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


counter = 0


@app.route("/count")
def count():
    global counter
    counter += 1
    return text("%d %d\n" % (counter, os.getpid()))
