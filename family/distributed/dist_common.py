# dist_common.py: what the distributed family's Python master and local
# queue share. concbench puts this text before dist_master.py and
# dist_local.py when it hands them to python3 as -c text (a -c script
# cannot import a file of its own).
import ctypes
import os
import signal
import sys


def die_with_parent():
    """Linux: SIGKILL this process when its parent dies (prctl
    PR_SET_PDEATHSIG), so that a killed run leaves no server or worker
    behind; Python's multiprocessing children outlive a parent killed with
    SIGKILL otherwise."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def relay(result):
    """Print each (SEQ, VALUE) from the result queue as "SEQ VALUE" until
    the queue's manager is shut down."""
    out = sys.stdout
    while True:
        try:
            seq, value = result.get()
        except (EOFError, OSError):
            os._exit(0)  # feed has shut the manager down
        out.write('%d %d\n' % (seq, value))
        out.flush()
