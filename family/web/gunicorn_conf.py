"""gunicorn settings for webapp.py: every worker dies with its master, and
a shared counter is made before the fork.

    gunicorn -c gunicorn_conf.py webapp:app

A gunicorn worker notices a dead master only when its own poll times out
(half of --timeout, 15 s by default for sync workers), so a benchmark killed
by Ctrl-C would leave its workers serving for that long. The master itself
gets PR_SET_PDEATHSIG from concbench; this gives each worker the same.

A stop is SIGTERM to the master, which passes it to its workers and waits
for them, at most graceful_timeout (then it SIGKILLs them and exits). A
gthread worker's SIGTERM handler only clears worker.alive, and its main loop
sees that when its poll returns: up to 1 s later, since Python resumes the
poll after the handler. post_worker_init puts a wake-up pipe in that poll
(signal.set_wakeup_fd: the interpreter writes to it when any signal comes,
from whichever thread takes it), so the loop sees the stop at once.

webapp.py's shm counter (CONCBENCH_WEB_SHM_FD) makes its lock when the
module is imported. Only --preload imports it in the master, before the
workers are forked; without it every worker would make its own lock, and
the counter would lose updates without a word. on_starting refuses that.
"""
import ctypes
import os
import selectors
import signal

PR_SET_PDEATHSIG = 1

# The master's bound on a graceful stop (gunicorn's default, said here):
# workers still running this long after SIGTERM are SIGKILLed. Requests here
# take milliseconds, so a worker that needs it is stuck, not busy.
graceful_timeout = 30


def on_starting(server):
    if os.environ.get("CONCBENCH_WEB_SHM_FD") and not server.cfg.preload_app:
        raise SystemExit("gunicorn_conf.py: the shm counter needs --preload (its lock must be made before the fork)")


def post_fork(server, worker):
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG)")
    if os.getppid() != worker.ppid:  # the master died before the prctl
        os._exit(1)


def post_worker_init(worker):
    poller = getattr(worker, "poller", None)  # gthread's main loop polls it
    if poller is None:
        return
    r, w = os.pipe()
    os.set_blocking(r, False)
    os.set_blocking(w, False)
    signal.set_wakeup_fd(w)
    poller.register(r, selectors.EVENT_READ, lambda fd: os.read(fd, 512))
