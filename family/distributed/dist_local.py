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
# first line out is "local", once every worker has started and answered;
# EOF on stdin stops the workers.
import multiprocessing
import os
import sys
import threading

if 'relay' not in globals():  # run as a file; concbench prepends dist_common.py
    from dist_common import die_with_parent, relay
from multiprocessing.managers import SyncManager



def work(task, result):
    die_with_parent()
    task.qsize()  # a manager proxy connects on its first call: not in a timed get
    result.put(None)  # up and connected: start-up is never a timed task's
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
    for _ in range(procs):
        result.get()  # every worker's None: all are up before the first task
    task.put((-1, 0))  # a multiprocessing.Queue starts its feeder thread at its first put
    result.get()
    print('local', flush=True)
    threading.Thread(target=feed, args=(task, procs, workers, manager), daemon=True).start()
    relay(result)


if __name__ == '__main__':
    main()
