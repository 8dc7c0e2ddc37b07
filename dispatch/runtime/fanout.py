"""Fan independent tasks out: region parts, sweep points (on Dask; see :mod:`dispatch.runtime.cluster`).

The one place that decides how many tasks run at once and where. Tasks and results are plain, picklable
data (a built problem, a scenario and its inputs), never database sessions: the caller saves the results
in one transaction, after every task has succeeded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from dispatch.runtime.cluster import Cluster, session
from solver.search import available_cores

__all__ = ["available_cores", "fan_out", "workers_for"]


def workers_for(tasks: int, wanted: int | None = None) -> int:
    """Local processes to run ``tasks`` with: ``wanted`` (default one per core), never more than the tasks."""
    return Cluster(jobs=wanted).local_slots(tasks)


def fan_out[T, R](
    run: Callable[[T], R],
    tasks: Sequence[T],
    *,
    cluster: Cluster | None = None,
    names: Sequence[str] | None = None,
    order: Sequence[int] | None = None,
    on_done: Callable[[int, R], None] | None = None,
    on_wait: Callable[[], None] | None = None,
) -> list[R]:
    """``[run(t) for t in tasks]``, side by side where ``cluster`` says (default: a local cluster of one
    worker per core; in this process for a single task). See :meth:`dispatch.runtime.cluster.Session.map`."""
    with session(cluster, len(tasks)) as place:
        return place.map(run, tasks, names=names, order=order, on_done=on_done, on_wait=on_wait)
