#!/usr/bin/env python3
"""The seed notes' GIL experiment, measured: one busy loop per worker (the
seeds' `x = x ^ 1`, made to count: `x = x + 1`), as threads or as
multiprocessing processes, for a fixed time.

    python3 family/busy/busyloop.py --mode thread  --workers 2 --seconds 5
    python3 family/busy/busyloop.py --mode process --workers 2 --seconds 5

Watch `top` meanwhile, as the seeds do: threads share one core in total (the
GIL lets one of them run at a time), processes keep every core busy. The
script prints how many loop iterations each worker did, so the work rate can
be compared too. concbench (BenchmarkBusyLoop, `concbench gil`) runs this very
file under its per-core sampler, as `python3 -c <this file's text> ARGS`.

Output, one line each (parsed by concbench's family/busy package):

    ready mode=thread workers=2 chunk=65537 gil=enabled
    worker 0 iters=... x=... seconds=...
    ...
    total iters=... seconds=... rate=...

The loop runs in chunks of CHUNK iterations, and between chunks a worker
checks whether to stop and adds CHUNK to its count of iterations. The loop's
own x counts too: every iteration adds 1 to it, so x is the number of
iterations the loop really ran, and it must equal the count (a shortened or
skipped loop makes them differ; concbench checks the two on its side as
well). The seeds' x ^ 1 only flips bit 0, which says nothing about how many
times it ran; x + 1 is the same one-instruction body, with an int
allocation per iteration once x is past CPython's small ints.

The script always stops by itself after --seconds; with --stop-on-stdin it stops earlier when a line or EOF
arrives on stdin (how concbench ends it on time). It leaves no process
behind: process workers are daemonic, ask the kernel to kill them when their
parent dies (prctl PR_SET_PDEATHSIG, Linux), and between chunks check that
their parent and the script are still there (with the forkserver start
method, the parent is the fork server, which outlives a killed script).
Stdlib only.
"""

import argparse
import multiprocessing
import os
import signal
import sys
import threading
import time

CHUNK = 65537


def die_with_parent():
    """Ask Linux to SIGKILL this process when its parent dies."""
    try:
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # not Linux or no libc: the getppid check below still works


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def spin(should_stop, script=None):
    """The seeds' loop, in chunks. Returns (iterations, x, seconds).

    With script (the script's pid), a process worker also stops when the
    script is gone. Its own parent is not enough to watch: with the
    forkserver start method (Linux's default from Python 3.14) the parent is
    the fork server, which outlives a killed script."""
    parent = os.getppid()
    x = 0  # the loop's own count: every iteration adds to it
    n = 0  # the chunks' count, which x must equal
    t0 = time.perf_counter()
    while not should_stop():
        for _ in range(CHUNK):
            x = x + 1
        n += CHUNK
        if script is not None and (os.getppid() != parent or not alive(script)):
            break  # orphaned: the script is gone, so is the point of running
    return n, x, time.perf_counter() - t0


def thread_worker(i, stop, results):
    results[i] = spin(stop.is_set)


def process_worker(i, stop, queue, script):
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    queue.put(("ready", i))
    queue.put(("done", i, spin(stop.is_set, script)))


def gil_state():
    is_enabled = getattr(sys, "_is_gil_enabled", None)
    return "enabled" if is_enabled is None or is_enabled() else "disabled"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mode", choices=["thread", "process"], required=True)
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--stop-on-stdin", action="store_true",
                    help="also stop when a line or EOF arrives on stdin")
    a = ap.parse_args()
    if a.workers < 1 or a.seconds <= 0:
        ap.error("--workers must be >= 1 and --seconds > 0")

    if a.mode == "thread":
        stop = threading.Event()
        results = [None] * a.workers
        workers = [threading.Thread(target=thread_worker, args=(i, stop, results), daemon=True)
                   for i in range(a.workers)]
        for w in workers:
            w.start()  # returns once the thread runs
    else:
        # Run as `python3 -c` (how concbench runs it, so that no copy is left
        # on disk), __main__ has no file that a spawn or forkserver child
        # could import process_worker from: then the workers are forked.
        mp = multiprocessing
        if not getattr(sys.modules["__main__"], "__file__", None):
            mp = multiprocessing.get_context("fork")
        stop = mp.Event()
        queue = mp.Queue()
        workers = [mp.Process(target=process_worker, args=(i, stop, queue, os.getpid()), daemon=True)
                   for i in range(a.workers)]
        for w in workers:
            w.start()
        for _ in workers:
            msg = queue.get(timeout=60)
            if msg[0] != "ready":
                sys.exit(f"busyloop.py: worker {msg[1]} stopped before every worker started")

    # The stdin watcher starts only now: a process forked while another
    # thread sits in sys.stdin.readline() inherits stdin's lock held, and
    # multiprocessing's child start-up (which closes stdin) would hang on it.
    finish = threading.Event()  # time is up, or stdin said stop
    if a.stop_on_stdin:
        def watch_stdin():
            sys.stdin.readline()
            finish.set()
        threading.Thread(target=watch_stdin, daemon=True).start()

    t0 = time.perf_counter()
    print(f"ready mode={a.mode} workers={a.workers} chunk={CHUNK} gil={gil_state()}", flush=True)
    try:
        finish.wait(a.seconds)
    except KeyboardInterrupt:
        pass  # Ctrl-C: stop the workers and report what they did
    stop.set()
    elapsed = time.perf_counter() - t0
    if a.mode == "process":
        results = [None] * a.workers
        for _ in workers:  # read before join: a worker exits once its queue is flushed
            _, i, result = queue.get(timeout=60)  # ("done", i, (n, x, seconds))
            results[i] = result
    for w in workers:
        w.join(timeout=60)
        if w.is_alive():
            sys.exit("busyloop.py: worker did not stop within 60 s")

    total = 0
    rate = 0.0
    for i, (n, x, secs) in enumerate(results):
        print(f"worker {i} iters={n} x={x} seconds={secs:.6f}")
        if n <= 0 or x != n:
            sys.exit(f"busyloop.py: worker {i} did {n} iterations ending at x={x}: broken loop")
        total += n
        rate += n / secs
    print(f"total iters={total} seconds={elapsed:.6f} rate={rate:.0f}", flush=True)


if __name__ == "__main__":
    main()
