"""SIGTERM stops a build as Ctrl-C does.

Python's default for SIGTERM ends the process on the spot: no ``finally``
runs, so with ``-j`` the forked processes writing pages are not stopped
(Sphinx's ``ParallelTasks.join`` terminates them on the way out) and go on
writing after the build is gone, into the folder the next build uses. During
a build, SIGTERM raises ``KeyboardInterrupt`` instead, which Sphinx handles
like Ctrl-C: the build unwinds, its worker processes are stopped and
waited for, and it exits with status 2. What the stopped build leaves is
repaired by the next one (``rewrites.py``, ``stale_output.py``).
"""

from __future__ import annotations

import signal
import threading

from sphinx.application import Sphinx


def interrupt(signum, frame) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def stop_on_sigterm(app: Sphinx) -> None:
    # Only from the main thread (a signal handler cannot be set elsewhere), and
    # only over the default: a program that runs Sphinx and handles SIGTERM
    # itself (sphinx-autobuild, a test runner) keeps its handler.
    in_main = threading.current_thread() is threading.main_thread()
    if in_main and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, interrupt)


def restore_sigterm(app: Sphinx, exception: Exception | None) -> None:
    in_main = threading.current_thread() is threading.main_thread()
    if in_main and signal.getsignal(signal.SIGTERM) is interrupt:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
