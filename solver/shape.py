"""How long a problem's routes can be: a figure a search member chooses its knobs by.

Plain arithmetic on the problem (no OR-Tools): ``solver.engine`` asks it once per model.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from solver.model import Problem

# Jobs sampled for the nearest-neighbour travel: enough for a stable mean, cheap on 10,000-site matrices.
NEIGHBOUR_SAMPLE = 200


def visits_per_route(problem: Problem, jobs: Sequence[int]) -> float:
    """About how many of ``jobs`` (positions in ``problem.jobs``) one crew could serve in a shift.

    Per crew, the smallest of its working time over (mean service + mean travel to the nearest other job), its
    capacity over the mean demand, and the number of jobs; the mean over crews. Time windows are not counted, so
    tight windows make routes shorter than this. Solomon's short-horizon classes (C1, R1, RC1) give 11-14, the
    long ones (C2, R2, RC2) 36-66.
    """
    if not jobs or not problem.crews:
        return 0.0
    chosen = [problem.jobs[j] for j in jobs]
    sites = np.asarray([job.site.index for job in chosen], dtype=np.int64)
    service = float(np.mean([job.service for job in chosen]))
    demand = float(np.mean([job.demand for job in chosen]))
    step = service + _nearest_neighbour_travel(problem, sites)
    lengths = []
    for crew in problem.crews:
        working = crew.shift.end - crew.shift.start
        if crew.max_work is not None:
            working = min(working, crew.max_work)
        by_time = working / step if step > 0 else float(len(chosen))
        by_load = crew.capacity / demand if crew.capacity is not None and demand > 0 else float(len(chosen))
        lengths.append(min(by_time, by_load, float(len(chosen))))
    return float(np.mean(lengths))


def _nearest_neighbour_travel(problem: Problem, sites: np.ndarray) -> float:
    """The mean travel time from a job to the nearest other job (a fixed sample of jobs where there are many)."""
    if len(sites) < 2:
        return 0.0
    rows = sites
    if len(sites) > NEIGHBOUR_SAMPLE:
        rows = np.random.default_rng(0).choice(sites, NEIGHBOUR_SAMPLE, replace=False)
    durations = problem.travel.durations[np.ix_(rows, sites)].astype(np.float64)
    # Each sampled job's own column: travel to itself does not count (another job at the same site does).
    own = np.argmax(sites[None, :] == rows[:, None], axis=1)
    durations[np.arange(len(rows)), own] = np.inf
    return float(np.mean(durations.min(axis=1)))
