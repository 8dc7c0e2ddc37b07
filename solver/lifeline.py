"""Worker processes die with the process that started them.

A search worker forked by a run that is then killed (``kill -9``, an OOM kill, a service stop) would
otherwise go on searching until its time limit, holding whatever it inherited: a planning lock's file
descriptor, a database connection. :func:`die_with_parent` is called first thing in every worker.

On Linux the kernel does it: ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` kills the worker the moment its
parent thread ends. Everywhere (as the fallback, and on Linux too, should ``prctl`` be refused) a daemon
thread watches the parent's process id and ends the worker within :data:`WATCH_S` seconds of the
parent's death (the worker is then adopted by another process, so ``getppid()`` changes).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

# prctl option from <linux/prctl.h>: the signal a process gets when its parent thread dies.
PR_SET_PDEATHSIG = 1
# How often the fallback watcher checks that the parent is alive (seconds).
WATCH_S = 0.5


def die_with_parent(parent_pid: int, *, kernel: bool = True) -> None:
    """Make this (child) process end when ``parent_pid`` (the process that started it) ends.

    ``parent_pid`` is the parent's id as the parent saw it (``os.getpid()`` before starting the child),
    so a parent that died before this call is noticed at once. ``kernel=False`` uses the watcher
    thread alone (the portable way; tests use it to check the fallback on Linux).
    """
    if not (kernel and _kernel_kills_orphan()):
        _watch(parent_pid)
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os._exit(1)


def _kernel_kills_orphan() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent_pid: int) -> None:
    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(WATCH_S)
        os._exit(1)

    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()
