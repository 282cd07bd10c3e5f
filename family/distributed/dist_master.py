# dist_master.py: the seeds' distributed master (multiprocessing.managers),
# driven by concbench over stdin and stdout.
#
# usage: CONCBENCH_DIST_SECRET=AUTHKEY python3 dist_master.py HOST PORT
#
# As in the seeds, a BaseManager registers a task queue and a result queue,
# serves them on HOST:PORT with AUTHKEY (from the environment: a command
# line is readable by every user of the machine) (manager.start() forks the server
# process), and the master puts tasks and gets results through proxies.
# concbench feeds the tasks: each stdin line "SEQ N" is put as the task
# (SEQ, N); each result (SEQ, N*N) a worker puts is printed as "SEQ VALUE".
# The first line out is the address the manager listens on; EOF on stdin
# shuts the manager down.
import os
import queue
import sys
import threading

if 'relay' not in globals():  # run as a file; concbench prepends dist_common.py
    from dist_common import die_with_parent, relay
from multiprocessing.managers import BaseManager

task_queue = queue.Queue()
result_queue = queue.Queue()


class QueueManager(BaseManager):
    pass



QueueManager.register('get_task_queue', callable=lambda: task_queue)
QueueManager.register('get_result_queue', callable=lambda: result_queue)


def feed(task, manager):
    for line in sys.stdin:
        seq, n = line.split()
        task.put((int(seq), int(n)))
    manager.shutdown()
    os._exit(0)


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    authkey = os.environ['CONCBENCH_DIST_SECRET'].encode()
    manager = QueueManager(address=(host, port), authkey=authkey)
    manager.start(die_with_parent)
    task = manager.get_task_queue()
    result = manager.get_result_queue()
    print('%s:%d' % manager.address, flush=True)
    threading.Thread(target=feed, args=(task, manager), daemon=True).start()
    relay(result)


if __name__ == '__main__':
    main()
