#!/usr/bin/env python3
"""concbench's Python driver: the seed notes' Python, run and timed by the Go
benchmark through a line protocol on stdin and stdout. Stdlib only, 3.9+.

    python3 family/py/driver.py     # then type the lines below

concbench (package family/py) runs this file as `python3 -c <its text>`, so
no copy of it is ever on disk. The protocol, one line each way:

    driver: ready python=3.11.7 gil=enabled
    go:     open counter sync=mutex workers=2      set up and warm (untimed)
    driver: ok
    go:     run 4096                               do 4096 ops, timed
    driver: done ns=812345
    go:     finish                                 tear down, report
    driver: result ops=4096 sum=... cpu=... ctxsw=... [family fields]

Any failure answers `error <text>` instead, and the driver goes on reading.
`ns` is what time.perf_counter_ns says the ops took (a team of threads
times a round from its first worker's start to its last one's end). Open
leaves every worker, thread and peer started and answering once, so that
the first timed op pays no start-up. `cpu` and `ctxsw` are
this interpreter's getrusage over its run rounds, plus its reaped children
(RUSAGE_CHILDREN), plus its live children (pool workers, peers) from /proc
between open and finish: their start-up is not in it. `sum` is a checksum the
Go side recomputes from its own answer table (for the kernels: the sum of
the results, mod 2**64, of items 0, 1, 2, ... with item i on argument i mod
64, exactly as package model folds a task). The driver checks nothing of its
own answers: the Go side does.

CONCBENCH_PY_FAULT=1 (tests only) plants one wrong answer per family where
the worker makes it (a kernel result, an echo, a lost locked increment), to
prove that the Go side fails the benchmark on it.
"""

import collections
import functools
import hashlib
import os
import queue
import resource
import signal
import struct
import subprocess
import sys
import threading
import time
import zlib

MASK = (1 << 64) - 1
ARG_RANGE = 64
FAULT = os.environ.get("CONCBENCH_PY_FAULT", "") != ""


def mix(x):
    """workloads.Mix: one splitmix64 step."""
    x = (x + 0x9E3779B97F4A7C15) & MASK
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & MASK
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


def fault(x):
    """A wrong answer under CONCBENCH_PY_FAULT, else x."""
    return (x + 1) & MASK if FAULT else x


# ---------------------------------------------------------------- kernels

SHA_BLOCK = 64 << 10
SHA_DATA = b"".join(struct.pack("<Q", mix(i)) for i in range(0, SHA_BLOCK, 8))
_sha_buf = threading.local()


def k_noop(a):
    return fault(mix(a))


def k_sha256(a):
    """workloads' sha256: the argument in the first 8 bytes of the 64 KiB
    block, 2 rounds, each feeding its digest back into bytes 8..40."""
    buf = getattr(_sha_buf, "b", None)
    if buf is None:
        buf = _sha_buf.b = bytearray(SHA_DATA)
    struct.pack_into("<Q", buf, 0, a)
    for _ in range(2):
        d = hashlib.sha256(buf).digest()
        buf[8:40] = d
    buf[8:40] = SHA_DATA[8:40]
    return fault(struct.unpack_from("<Q", d)[0])


def k_sleep(a):
    """workloads' sleep: 1 ms, and whether the clock moved that far."""
    t0 = time.perf_counter_ns()
    time.sleep(0.001)
    elapsed = 1 if time.perf_counter_ns() - t0 >= 1_000_000 else 0
    return fault(mix(a ^ (elapsed << 63)))


# Module-level so that a forked pool pickles them by name.
def item_noop(i):
    return k_noop(i % ARG_RANGE)


def item_sha256(i):
    return k_sha256(i % ARG_RANGE)


def item_sleep(i):
    return k_sleep(i % ARG_RANGE)


def item_sha_chain(rounds, i):
    """workloads' sha256-chain: rounds of SHA-256, each over the previous
    32-byte digest, the first over the argument (Scale's work= axis)."""
    d = struct.pack("<Q", i % ARG_RANGE) + bytes(24)
    for _ in range(rounds):
        d = hashlib.sha256(d).digest()
    return fault(struct.unpack_from("<Q", d)[0])


ITEMS = {"noop": item_noop, "sha256": item_sha256, "sleep": item_sleep}


# ---------------------------------------------------------------- usage

TICK_NS = 1_000_000_000 // os.sysconf("SC_CLK_TCK")


def own_usage():
    cpu = ctx = 0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        r = resource.getrusage(who)
        cpu += int((r.ru_utime + r.ru_stime) * 1e9)
        ctx += r.ru_nvcsw + r.ru_nivcsw
    return cpu, ctx


def live_usage(pids):
    """CPU ns and context switches of live children, from /proc."""
    cpu = ctx = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            cpu += (int(fields[11]) + int(fields[12])) * TICK_NS
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if "ctxt_switches:" in line:  # voluntary and not
                        ctx += int(line.split()[-1])
        except (OSError, IndexError, ValueError):
            pass  # gone: a reaped child is in RUSAGE_CHILDREN
    return cpu, ctx


def fork_ctx():
    """multiprocessing with the fork start method: run as `python3 -c`,
    __main__ has no file that a spawn or forkserver child could import the
    driver's functions from (Linux's default is fork up to 3.13)."""
    import multiprocessing

    return multiprocessing.get_context("fork")


def die_with_parent():
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


# ---------------------------------------------------------------- families
# A family is a class: __init__(params) sets up, warm() makes every worker,
# thread and peer answer once (so that no start-up is left for the first
# timed op), run(n) does n ops and may return the ns they took by its own
# clock (else the session times the call), result() returns its fields (ops
# and sum at least), close() tears down, pids() lists live children whose
# CPU counts.


class Family:
    def warm(self):
        pass

    def pids(self):
        return []

    def close(self):
        pass


class Team:
    """Threads that run work(worker, n) once per round, as model.Team: n ops
    split over the workers, the first n % workers get one more. The
    round's workers meet at a barrier first, so that all are awake, and
    its time runs from the first worker's start after the barrier to the
    last worker's end, by each one's reading of the one monotonic clock:
    waking the threads and collecting them is the harness, not the ops."""

    def __init__(self, workers, work):
        self.work = work
        self.inbox = [queue.SimpleQueue() for _ in range(workers)]
        self.done = queue.SimpleQueue()
        self.given = [0] * workers
        self.threads = [threading.Thread(target=self._loop, args=(w,), daemon=True) for w in range(workers)]
        for t in self.threads:
            t.start()

    def _loop(self, w):
        clock = time.perf_counter_ns
        while True:
            got = self.inbox[w].get()
            if got is None:
                return
            n, barrier = got
            try:
                if barrier is not None:
                    barrier.wait()
                t0 = clock()
                if n:
                    self.work(w, n)
                self.done.put((t0, clock()))
            except BaseException as e:  # report, never hang the round
                self.done.put(e)

    def warm(self):
        """Every thread takes one empty share and answers: all are running."""
        for q in self.inbox:
            q.put((0, None))
        self._collect(len(self.inbox))

    def round(self, n):
        k = len(self.inbox)
        shares = [n // k + (1 if w < n % k else 0) for w in range(k)]
        barrier = threading.Barrier(sum(1 for x in shares if x))
        for w, share in enumerate(shares):
            if share:
                self.given[w] += share
                self.inbox[w].put((share, barrier))
        return self._collect(barrier.parties)

    def _collect(self, busy):
        got = [self.done.get() for _ in range(busy)]
        errs = [e for e in got if isinstance(e, BaseException)]
        if errs:
            raise errs[0]
        return max(e for _, e in got) - min(s for s, _ in got) if got else 0

    def close(self):
        for q in self.inbox:
            q.put(None)
        for t in self.threads:
            t.join()


balance = 0  # the seeds' shared variable


class Counter(Family):
    """The seeds' balance: each op is balance = balance + 1 on one of the
    workers' threads, under a threading.Lock (sync=mutex) or not
    (sync=unsynced). Under CONCBENCH_PY_FAULT the locked update skips the
    last increment of every round, as a broken lock would lose it."""

    def __init__(self, p):
        global balance
        balance = 0
        self.lock = threading.Lock()
        work = {"mutex": self.locked, "unsynced": self.unsynced}[p["sync"]]
        self.team = Team(int(p["workers"]), work)

    def locked(self, w, n):
        global balance
        lock = self.lock
        for i in range(1, n + 1):
            with lock:
                if not (FAULT and i == n):
                    balance = balance + 1

    def unsynced(self, w, n):
        global balance
        for _ in range(n):
            balance = balance + 1

    def warm(self):
        self.team.warm()

    def run(self, n):
        return self.team.round(n)

    def result(self):
        ops = sum(self.team.given)
        return {"ops": ops, "sum": balance, "intended": ops}

    def close(self):
        self.team.close()


class Local(Family):
    """threading.local() (state=threading-local), state passed explicitly
    (state=explicit), a dict keyed by thread under a Lock (state=mutex-map).
    One op = one lookup-and-update of the worker's own state: n += 1,
    s += worker + 1. sum is the sum of the s; want is what the ops given say
    it must be (the Go side checks the two agree and ops is its b.N)."""

    def __init__(self, p):
        self.kind = p["state"]
        workers = int(p["workers"])
        self.tl = threading.local()
        self.explicit = [[0, 0] for _ in range(workers)]
        self.shared = {}
        self.lock = threading.Lock()
        self.final = [0] * workers
        self.team = Team(workers, {"threading-local": self.local, "explicit": self.passed,
                                   "mutex-map": self.mapped}[self.kind])

    def local(self, w, n):
        tl = self.tl
        if not hasattr(tl, "n"):
            tl.n, tl.s = 0, 0
        for _ in range(n):
            tl.n += 1
            tl.s += fault(w + 1)
        self.final[w] = tl.s

    def passed(self, w, n):
        self.step(self.explicit[w], w, n)
        self.final[w] = self.explicit[w][1]

    @staticmethod
    def step(st, w, n):
        for _ in range(n):
            st[0] += 1
            st[1] += fault(w + 1)

    def mapped(self, w, n):
        me = threading.get_ident()
        shared, lock = self.shared, self.lock
        for _ in range(n):
            with lock:
                st = shared.get(me)
                if st is None:
                    st = shared[me] = [0, 0]
                st[0] += 1
                st[1] += fault(w + 1)
        self.final[w] = shared[me][1]

    def warm(self):
        self.team.warm()

    def run(self, n):
        return self.team.round(n)

    def result(self):
        want = sum(g * (w + 1) for w, g in enumerate(self.team.given))
        return {"ops": sum(self.team.given), "sum": sum(self.final), "want": want}

    def close(self):
        self.team.close()


def spawn_child(conn, arg):
    conn.send(k_noop(arg))
    conn.close()


# What a spawn-method child runs: exec is pickled by name, so nothing of
# this file need be importable in a fresh interpreter.
SPAWN_CODE = """
import os
M = (1 << 64) - 1
x = (arg + 0x9E3779B97F4A7C15) & M
x ^= x >> 30
x = (x * 0xBF58476D1CE4E5B9) & M
x ^= x >> 27
x = (x * 0x94D049BB133111EB) & M
x ^= x >> 31
if os.environ.get("CONCBENCH_PY_FAULT"):
    x = (x + 1) & M
conn.send(x)
conn.close()
"""


class Spawn(Family):
    """Process(...).start()/join() with the fork or spawn start method, or
    threading.Thread().start()/join(). One op = start a worker, get its one
    answer (the noop kernel on the op's argument), join it."""

    def __init__(self, p):
        self.how = p["how"]
        self.seq = 0
        self.sum = 0
        if self.how != "thread":
            import multiprocessing

            self.ctx = multiprocessing.get_context(self.how)

    def one(self, arg):
        if self.how == "thread":
            out = [None]
            t = threading.Thread(target=lambda: out.__setitem__(0, k_noop(arg)))
            t.start()
            t.join()
            return out[0]
        r, w = self.ctx.Pipe(duplex=False)
        if self.how == "spawn":
            p = self.ctx.Process(target=exec, args=(SPAWN_CODE, {"conn": w, "arg": arg}))
        else:
            p = self.ctx.Process(target=spawn_child, args=(w, arg))
        p.start()
        w.close()
        v = r.recv()
        r.close()
        p.join()
        if p.exitcode != 0:
            raise RuntimeError(f"spawned worker exited with {p.exitcode}")
        return v

    def run(self, n):
        s = self.sum
        for i in range(self.seq, self.seq + n):
            s += self.one(i % ARG_RANGE)
        self.sum = s & MASK
        self.seq += n

    def result(self):
        return {"ops": self.seq, "sum": self.sum}


def hold(barrier):
    barrier.wait()
    return 0


def task_pid(_):
    """A worker's pid, after a pause long enough that the pool's other
    workers take the next tasks meanwhile."""
    time.sleep(0.02)
    return os.getpid()


def warm_pool(pool, workers, process):
    """Make every worker of a pool run a task before timing. A thread
    pool's tasks wait at one threading.Barrier of all workers, so none
    finishes until each thread has taken one (ThreadPoolExecutor starts a
    thread per task while none is idle). A process pool's workers report
    their pids, each after a pause that leaves the next task to another,
    until every one has answered."""
    if process:
        seen = set()
        for _ in range(100):
            seen.update(pool.map(task_pid, range(workers), chunksize=1))
            if len(seen) >= workers:
                return
        raise RuntimeError(f"pool: only {len(seen)} of {workers} workers answered")
    b = threading.Barrier(workers)
    list(pool.map(hold, [b] * workers))


class Scale(Family):
    """Pool(workers).apply_async(task, (i,)) (pool=process, fork start
    method) or ThreadPoolExecutor(workers).submit(task, i) (pool=thread):
    one op = one task of the kernel, as BenchmarkScale's. As in Go's pool,
    tasks stream through: at most 2 per worker are out at once, a round
    waits only for those beyond that, and run(0) waits for the rest (the
    drain, timed). The clock runs on across rounds (each round's time
    reaches back to the end of the one before), because the workers go on
    with the tasks out while Go asks for the next round: the sum of the
    rounds is the time from the first task to the last result."""

    def __init__(self, p):
        self.fn = ITEMS.get(p["kernel"])
        if p["kernel"] == "sha256-chain":  # a partial of a module-level function pickles by name
            self.fn = functools.partial(item_sha_chain, int(p["work"]))
        workers = int(p["workers"])
        self.process = p["pool"] == "process"
        self.workers = workers
        if self.process:
            self.pool = fork_ctx().Pool(workers)
            self.submit = lambda i: self.pool.apply_async(self.fn, (i,))
            self.get = lambda r: r.get()
        else:
            from concurrent.futures import ThreadPoolExecutor

            self.pool = ThreadPoolExecutor(workers)
            self.submit = lambda i: self.pool.submit(self.fn, i)
            self.get = lambda r: r.result()
        self.out = collections.deque()
        self.mark = None
        self.seq = 0
        self.sum = 0

    def warm(self):
        """Every worker up and answering (a forked pool's workers start
        lazily enough that the first tasks waited for them)."""
        warm_pool(self.pool, self.workers, self.process)

    def run(self, n):
        now = time.perf_counter_ns
        start = now() if self.mark is None else self.mark
        out, s, window = self.out, self.sum, 2 * self.workers
        for i in range(self.seq, self.seq + n):
            out.append(self.submit(i))
            if len(out) > window:
                s += self.get(out.popleft())
        if n == 0:  # the drain
            while out:
                s += self.get(out.popleft())
        self.sum = s & MASK
        self.seq += n
        self.mark = now()
        return self.mark - start

    def result(self):
        if self.out:
            raise RuntimeError(f"scale: {len(self.out)} tasks not drained (run 0)")
        return {"ops": self.seq, "sum": self.sum}

    def pids(self):
        return [w.pid for w in self.pool._pool] if self.process else []

    def close(self):
        if self.process:
            self.pool.close()
            self.pool.join()
        else:
            self.pool.shutdown()


class Pool(Family):
    """The seeds' Pool(n) calling styles on a multiprocessing Pool
    (pool=process) or multiprocessing.pool.ThreadPool (pool=thread): one op
    = one call over batch items (apply: batch apply_async(...).get() calls
    one after another). sum is the sum of the results; wsum weighs each by
    its position in its call plus one, which only an ordered delivery (map,
    imap) gets right."""

    def __init__(self, p):
        self.fn = ITEMS[p["kernel"]]
        self.mode = p["mode"]
        self.chunk = int(p["chunk"])
        self.batch = int(p["batch"])
        workers = int(p["workers"])
        if p["pool"] == "process":
            self.pool = fork_ctx().Pool(workers)
        else:
            from multiprocessing.pool import ThreadPool

            self.pool = ThreadPool(workers)
        self.process = p["pool"] == "process"
        self.pool.map(int, range(workers))  # every worker up before timing
        self.seq = 0
        self.sum = 0
        self.wsum = 0

    def call(self, items):
        pool, fn, c = self.pool, self.fn, self.chunk
        if self.mode == "map":
            return pool.map(fn, items, chunksize=c)
        if self.mode == "imap":
            return pool.imap(fn, items, chunksize=c)
        if self.mode == "unordered":
            return pool.imap_unordered(fn, items, chunksize=c)
        if self.mode == "apply":
            return (pool.apply_async(fn, (i,)).get() for i in items)
        raise ValueError(f"pool: unknown mode {self.mode!r}")

    def run(self, n):
        s, ws = self.sum, self.wsum
        for _ in range(n):
            for pos, v in enumerate(self.call(range(self.seq, self.seq + self.batch)), 1):
                s += v
                ws += pos * v
            self.seq += self.batch
        self.sum, self.wsum = s & MASK, ws & MASK

    def result(self):
        return {"ops": self.seq // self.batch, "items": self.seq, "sum": self.sum, "wsum": self.wsum}

    def pids(self):
        return [w.pid for w in self.pool._pool] if self.process else []

    def close(self):
        self.pool.close()
        self.pool.join()


def ipc_peer(ends, pattern):
    """The peer process: echo every message (pingpong), or take messages
    and answer each empty one with the count and seq sum so far (stream)."""
    die_with_parent()
    recv, send = ends
    n = s = 0
    while True:
        m = recv()
        if m is None or len(m) == 1:  # the parent's stop
            return
        if pattern == "pingpong":
            if FAULT:
                m = bytearray(m)
                struct.pack_into("<Q", m, 0, struct.unpack_from("<Q", m)[0] + 1)
            send(m)
        elif len(m) == 0:
            send(struct.pack("<QQ", n, fault(s) & MASK))
        else:
            n += len(m)
            s += struct.unpack_from("<Q", m)[0]


class IPC(Family):
    """multiprocessing.Pipe (transport=mp-pipe), multiprocessing.Queue
    (mp-queue), Manager().Queue() (manager-queue) to a forked peer.
    pattern=pingpong: one op = one round trip of size bytes; sum adds the
    seq (first 8 bytes, 1, 2, ...) of every echo, bytes their lengths.
    pattern=stream: one op = one message one way; each round ends with an
    empty message that the peer answers with its byte count and seq sum."""

    def __init__(self, p):
        ctx = fork_ctx()
        self.pattern = p["pattern"]
        self.size = int(p["size"])
        self.msg = bytearray(os.urandom(self.size))
        self.manager = None
        t = p["transport"]
        if t == "mp-pipe":
            a, b = ctx.Pipe()
            mine = (a.recv_bytes, a.send_bytes)
            peer = (b.recv_bytes, b.send_bytes)
            self.copy = False  # send_bytes writes the buffer before it returns
        elif t in ("mp-queue", "manager-queue"):
            if t == "mp-queue":
                q1, q2 = ctx.Queue(), ctx.Queue()
            else:
                self.manager = ctx.Manager()
                q1, q2 = self.manager.Queue(), self.manager.Queue()
            mine = (q2.get, q1.put)
            peer = (q1.get, q2.put)
            self.copy = True  # put pickles later, in a feeder thread
        else:
            raise ValueError(f"ipc: unknown transport {t!r}")
        self.recv, self.send = mine
        self.peer = ctx.Process(target=ipc_peer, args=(peer, self.pattern), daemon=True)
        self.peer.start()
        self.seq = 0
        self.sum = 0
        self.bytes = 0

    def warm(self):
        """One empty message and its answer: the forked peer is running
        (ping-pong echoes it, stream answers it with its counts, 0 and 0)."""
        self.send(b"")
        self.recv()

    def run(self, n):
        msg, send, recv = self.msg, self.send, self.recv
        if self.pattern == "pingpong":
            s = b = 0
            for seq in range(self.seq + 1, self.seq + n + 1):
                struct.pack_into("<Q", msg, 0, seq)
                send(bytes(msg) if self.copy else msg)
                r = recv()
                s += struct.unpack_from("<Q", r)[0]
                b += len(r)
            self.sum = (self.sum + s) & MASK
            self.bytes += b
        else:
            for seq in range(self.seq + 1, self.seq + n + 1):
                struct.pack_into("<Q", msg, 0, seq)
                send(bytes(msg) if self.copy else msg)
            send(b"")
            self.bytes, self.sum = struct.unpack("<QQ", recv())
        self.seq += n

    def result(self):
        return {"ops": self.seq, "sum": self.sum, "bytes": self.bytes}

    def pids(self):
        pids = [self.peer.pid]
        if self.manager is not None:
            pids.append(self.manager._process.pid)
        return pids

    def close(self):
        self.send(b"!")
        self.peer.join(5)
        if self.peer.is_alive():
            self.peer.kill()
            self.peer.join()
        if self.manager is not None:
            self.manager.shutdown()


def consumer(took):
    """The seeds' consumer: takes n, answers '200 OK'."""
    r = ""
    while True:
        n = yield r
        if not n:
            return
        took[0] += 1
        took[1] += n
        r = "200 OK" if not (FAULT and n == 1) else "500"


class Coroutine(Family):
    """The seeds' generator producer/consumer: c.send(n) hands item n over
    and gets '200 OK' back. One op = one hand-off. sum is the consumer's sum
    of the items it took, ok the replies that were '200 OK'."""

    def __init__(self, p):
        self.took = [0, 0]
        self.c = consumer(self.took)
        self.c.send(None)
        self.seq = 0
        self.ok = 0

    def run(self, n):
        c = self.c
        ok = 0
        for i in range(self.seq + 1, self.seq + n + 1):
            if c.send(i) == "200 OK":
                ok += 1
        self.ok += ok
        self.seq += n

    def result(self):
        return {"ops": self.took[0], "sum": self.took[1], "ok": self.ok}

    def close(self):
        self.c.close()


def cat_payload(n):
    """bytes i % 251: the Go side checks its CRC-32."""
    return bytes(i % 251 for i in range(n))


class Subprocess(Family):
    """subprocess.call(['true']) (cmd=true; sum counts exit statuses of 0)
    and Popen(['cat']).communicate(payload) (cmd=cat; sum adds the CRC-32
    of every echo)."""

    def __init__(self, p):
        self.cmd = p["cmd"]
        self.payload = cat_payload(int(p.get("size", "0")))
        self.argv = ["false" if FAULT else "true"]
        self.seq = 0
        self.sum = 0

    def run(self, n):
        s = 0
        for _ in range(n):
            if self.cmd == "true":
                s += subprocess.call(self.argv) == 0
            else:
                c = subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
                out, _ = c.communicate(self.payload)
                s += fault(zlib.crc32(out))
                if c.returncode != 0:
                    raise RuntimeError(f"cat exited with {c.returncode}")
        self.sum = (self.sum + s) & MASK
        self.seq += n

    def result(self):
        return {"ops": self.seq, "sum": self.sum}


def stop_child(ready, busy):
    die_with_parent()
    if FAULT:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    ready.send(b"r")
    if busy:
        x = 0
        while True:
            x ^= 1
    time.sleep(3600)


class Stop(Family):
    """terminate() and join() on a multiprocessing.Process (how=process),
    or an Event set and join() on a threading.Thread (how=thread), that is
    busy (the x ^= 1 loop) or blocked (asleep). One op = start it, wait
    until it runs, stop it, confirm it has. stop_ns is the time from the
    request to the confirmed stop; sum counts confirmed stops (a process
    ended by SIGTERM, a thread that is no longer alive)."""

    GRACE = 1.0

    def __init__(self, p):
        self.how = p["how"]
        self.busy = p["state"] == "busy"
        self.ctx = fork_ctx()
        self.seq = 0
        self.sum = 0
        self.stop_ns = 0

    def thread_op(self):
        stop, ready = threading.Event(), threading.Event()

        def work():
            ready.set()
            if self.busy:
                x = 0
                while not stop.is_set():
                    for _ in range(1000):
                        x ^= 1
            else:
                stop.wait()

        t = threading.Thread(target=work, daemon=True)
        t.start()
        ready.wait()
        t0 = time.perf_counter_ns()
        if not FAULT:  # the fault: a stop never asked for
            stop.set()
        t.join(self.GRACE)
        self.stop_ns += time.perf_counter_ns() - t0
        stopped = not t.is_alive()
        stop.set()
        t.join()
        return stopped

    def process_op(self):
        r, w = self.ctx.Pipe(duplex=False)
        p = self.ctx.Process(target=stop_child, args=(w, self.busy), daemon=True)
        p.start()
        w.close()
        r.recv_bytes()
        r.close()
        t0 = time.perf_counter_ns()
        p.terminate()
        p.join(self.GRACE)
        self.stop_ns += time.perf_counter_ns() - t0
        ok = p.exitcode == -signal.SIGTERM
        if p.exitcode is None:
            p.kill()
            p.join()
        return ok

    def run(self, n):
        op = self.thread_op if self.how == "thread" else self.process_op
        for _ in range(n):
            self.sum += 1 if op() else 0
        self.seq += n

    def result(self):
        return {"ops": self.seq, "sum": self.sum, "stop_ns": self.stop_ns}


class Fork(Family):
    """os.fork() from a parent holding touched bytes of touched memory (a
    bytearray, every page written): one op = fork, the child _exits with
    status arg % 64 + 1, the parent waitpid()s. sum adds the statuses."""

    def __init__(self, p):
        n = int(p["touched"])
        self.ballast = bytearray(n)
        for i in range(0, n, 4096):
            self.ballast[i] = 1
        self.seq = 0
        self.sum = 0

    def run(self, n):
        s = 0
        for i in range(self.seq, self.seq + n):
            want = i % ARG_RANGE + 1
            pid = os.fork()
            if pid == 0:
                os._exit(want + 1 if FAULT else want)
            _, st = os.waitpid(pid, 0)
            s += os.waitstatus_to_exitcode(st)
        self.sum += s
        self.seq += n

    def result(self):
        return {"ops": self.seq, "sum": self.sum}

    def close(self):
        self.ballast = None


FAMILIES = {"counter": Counter, "local": Local, "spawn": Spawn, "scale": Scale, "pool": Pool,
            "ipc": IPC, "coroutine": Coroutine, "subprocess": Subprocess, "stop": Stop, "fork": Fork}


# ---------------------------------------------------------------- protocol


def gil_state():
    is_enabled = getattr(sys, "_is_gil_enabled", None)
    return "enabled" if is_enabled is None or is_enabled() else "disabled"


class Session:
    def __init__(self):
        self.fam = None

    def open(self, args):
        if self.fam is not None:
            raise RuntimeError("open: a family is already open")
        name, params = args[0], dict(a.split("=", 1) for a in args[1:])
        if name not in FAMILIES:
            raise ValueError(f"open: unknown family {name!r} (have {' '.join(sorted(FAMILIES))})")
        self.fam = FAMILIES[name](params)
        self.fam.warm()
        self.cpu, self.ctx = 0, 0
        self.live0 = live_usage(self.fam.pids())
        return "ok"

    def run(self, args):
        n = int(args[0])
        c0, x0 = own_usage()
        t0 = time.perf_counter_ns()
        own = self.fam.run(n)
        ns = time.perf_counter_ns() - t0 if own is None else own
        c1, x1 = own_usage()
        self.cpu += c1 - c0
        self.ctx += x1 - x0
        return f"done ns={ns}"

    def finish(self, args):
        fam, self.fam = self.fam, None
        try:
            live = live_usage(fam.pids())
            res = fam.result()
        finally:
            fam.close()
        res["cpu"] = self.cpu + live[0] - self.live0[0]
        res["ctxsw"] = self.ctx + live[1] - self.live0[1]
        return "result " + " ".join(f"{k}={v}" for k, v in res.items())


def main():
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # concbench decides when to stop
    s = Session()
    out = sys.stdout
    out.write(f"ready python={sys.version.split()[0]} gil={gil_state()}\n")
    out.flush()
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        try:
            if words[0] not in ("open", "run", "finish") or (words[0] != "open" and s.fam is None):
                raise ValueError(f"unexpected command {line.strip()!r}")
            reply = getattr(s, words[0])(words[1:])
        except Exception as e:  # one line, then the next command
            reply = "error " + f"{type(e).__name__}: {e}".replace("\n", " ")
        out.write(reply + "\n")
        out.flush()
    if s.fam is not None:
        s.fam.close()


if __name__ == "__main__":
    main()
