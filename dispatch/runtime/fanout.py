"""Fan independent tasks out to worker processes: region parts, sweep points.

The one place that decides how many processes run at once and how they start (and that they end
with the process that started them). Tasks and results
are plain, picklable data (a built problem, a scenario and its inputs), never database sessions:
the caller saves the results in one transaction.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

from solver.lifeline import die_with_parent
from solver.search import available_cores, process_context

__all__ = ["available_cores", "fan_out", "workers_for"]


def workers_for(tasks: int, wanted: int | None = None) -> int:
    """Processes to run ``tasks`` with: ``wanted`` (default one per core), never more than the tasks."""
    return max(1, min(wanted or available_cores(), tasks))


def fan_out[T, R](
    run: Callable[[T], R],
    tasks: Sequence[T],
    *,
    workers: int | None = None,
    order: Sequence[int] | None = None,
    on_done: Callable[[int, R], None] | None = None,
    on_wait: Callable[[], None] | None = None,
    poll_s: float = 0.2,
) -> list[R]:
    """``[run(t) for t in tasks]``, side by side in ``workers`` processes (in this process when one).

    ``order`` is the order to submit in (e.g. the largest first); ``on_done(i, result)`` is called as
    each task ends, ``on_wait()`` every ``poll_s`` seconds while tasks run (for progress displays).
    A task's exception is raised here once the pool has shut down.
    """
    jobs = workers_for(len(tasks), workers)
    sequence = list(order) if order is not None else list(range(len(tasks)))
    results: dict[int, R] = {}
    if jobs == 1:
        for i in sequence:
            results[i] = run(tasks[i])
            if on_done is not None:
                on_done(i, results[i])
        return [results[i] for i in range(len(tasks))]
    # Workers die with this process: a killed run leaves no search behind holding its lock.
    with ProcessPoolExecutor(
        max_workers=jobs, mp_context=process_context(), initializer=die_with_parent, initargs=(os.getpid(),)
    ) as pool:
        futures: dict[Future[R], int] = {pool.submit(run, tasks[i]): i for i in sequence}
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=poll_s, return_when=FIRST_COMPLETED)
            for future in done:
                i = futures[future]
                results[i] = future.result()
                if on_done is not None:
                    on_done(i, results[i])
            if on_wait is not None:
                on_wait()
    return [results[i] for i in range(len(tasks))]
