# dist_local.py: the seeds' in-machine queues between processes, driven by
# concbench over stdin and stdout.
#
# usage: python3 dist_local.py manager|pipe PROCS
#
# PROCS multiprocessing.Process workers get (SEQ, N) tasks from a task queue
# and put (SEQ, N*N) on a result queue. The queues are Manager().Queue()
# (manager: every get and put is a proxy call to the manager's server
# process, the queue the seeds say works between Pool workers) or a plain
# multiprocessing.Queue() (pipe: a pipe with a feeder thread). Each stdin
# line "SEQ N" is put as a task; each result is printed as "SEQ VALUE". The
# first line out is "local"; EOF on stdin stops the workers.
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from multiprocessing.managers import SyncManager


def die_with_parent():
    """Linux: SIGKILL this process when its parent dies (prctl
    PR_SET_PDEATHSIG), so that a killed run leaves no server or worker
    behind; Python's multiprocessing children outlive a parent killed with
    SIGKILL otherwise."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def work(task, result):
    die_with_parent()
    while True:
        t = task.get()
        if t is None:
            return
        seq, n = t
        result.put((seq, n * n))


def feed(task, procs, workers, manager):
    for line in sys.stdin:
        seq, n = line.split()
        task.put((int(seq), int(n)))
    for _ in range(procs):
        task.put(None)
    for w in workers:
        w.join()
    if manager is not None:
        manager.shutdown()  # removes its socket's temporary directory
    os._exit(0)


def main():
    kind, procs = sys.argv[1], int(sys.argv[2])
    manager = None
    if kind == 'manager':
        manager = SyncManager()
        manager.start(die_with_parent)
        task, result = manager.Queue(), manager.Queue()
    else:
        task, result = multiprocessing.Queue(), multiprocessing.Queue()
    workers = [multiprocessing.Process(target=work, args=(task, result)) for _ in range(procs)]
    for w in workers:
        w.start()
    print('local', flush=True)
    threading.Thread(target=feed, args=(task, procs, workers, manager), daemon=True).start()
    out = sys.stdout
    while True:
        try:
            seq, value = result.get()
        except (EOFError, OSError):
            os._exit(0)  # feed has shut the manager down
        out.write('%d %d\n' % (seq, value))
        out.flush()


if __name__ == '__main__':
    main()
