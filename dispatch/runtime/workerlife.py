"""A Dask preload for the workers of a local cluster: a worker process dies with the command that started it.

A local cluster's worker processes are children of the command (its nannies run in the command's own
event loop). Killed with SIGKILL, the command cannot close them, and a forked worker still holds copies of
the command's descriptors: its output pipes, and the database connection that holds the plan lock, so the
lock would outlive the run. Each worker therefore asks the kernel to kill it the moment its parent dies
(``solver.lifeline.die_with_parent``, with a watcher thread where the kernel cannot), as the solver's own
search processes do. Named in ``distributed.worker.preload`` by :mod:`dispatch.runtime.cluster`.
"""

from __future__ import annotations

import os

from solver.lifeline import die_with_parent


def dask_setup(worker: object) -> None:
    """Called by Dask in each worker process as it starts."""
    die_with_parent(os.getppid())
