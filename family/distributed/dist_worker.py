# dist_worker.py: the seeds' distributed worker (multiprocessing.managers).
#
# usage: CONCBENCH_DIST_SECRET=AUTHKEY python3 dist_worker.py HOST PORT
#
# It connects to the master's BaseManager, then gets (SEQ, N) tasks from the
# task queue and puts (SEQ, N*N) on the result queue, one proxy call each,
# until the master goes away or stdin closes. It prints "ready" once
# connected.
import os
import sys
import threading
from multiprocessing.managers import BaseManager


class QueueManager(BaseManager):
    pass


QueueManager.register('get_task_queue')
QueueManager.register('get_result_queue')


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    authkey = os.environ['CONCBENCH_DIST_SECRET'].encode()
    m = QueueManager(address=(host, port), authkey=authkey)
    m.connect()
    task = m.get_task_queue()
    result = m.get_result_queue()
    print('ready', flush=True)
    threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    while True:
        try:
            seq, n = task.get()
            result.put((seq, n * n))
        except (EOFError, OSError):
            os._exit(0)  # the master has shut down


if __name__ == '__main__':
    main()
