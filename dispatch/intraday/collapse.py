"""A search that came back with far less than its warm start is searched again.

Under heavy machine load a re-plan's search was seen to return every job dropped (the day's whole
plan gone: 208 stops changed on 35 crews in ``bench/day_replay.py``). The warm start alone serves
what the crews were promised, so a solution serving less than half of it is a failed search, not a
better plan: that part is searched again from the same warm start with a longer limit (the
first-solution phase and the warm start's read are not bounded by the time limit, and when the limit
runs out inside them OR-Tools answers with every visit dropped), and the better of the two kept.
"""

from __future__ import annotations

from collections.abc import Sequence

import solver
from dispatch.intraday.parts import Part, solve
from dispatch.runtime.cluster import Cluster

# The second search's time limit: this many times the first's, and at least RETRY_MIN_S seconds.
RETRY_FACTOR = 4
RETRY_MIN_S = 12.0


def collapsed(part: Part, solution: solver.Solution) -> bool:
    """Whether ``solution`` serves less than half the jobs of its part's warm start, or nothing at all
    while some job would fit a crew alone (after a collapse the next warm start is empty)."""
    started = sum(len(r) for r in part.initial.values())
    served = len(solution.assigned_job_ids())
    if served == 0:
        return any(u.reason is solver.Reason.CROWDED_OUT for u in solution.unassigned)
    return 2 * served < started


def search_again_if_collapsed(
    parts: Sequence[Part],
    solutions: Sequence[solver.Solution],
    *,
    time_limit: float,
    reproducible: bool,
    workers: int | None,
    cluster: Cluster | None = None,
) -> tuple[list[solver.Solution], list[str]]:
    """The solutions, with collapsed ones searched again (kept if they then serve more; several parts on
    ``cluster``, the re-plan's own), and notes."""
    out = list(solutions)
    redo = [i for i, (p, s) in enumerate(zip(parts, solutions, strict=True)) if collapsed(p, s)]
    if not redo:
        return out, []
    notes = []
    limit = max(RETRY_MIN_S, RETRY_FACTOR * time_limit)
    for i, again in zip(redo, solve([parts[i] for i in redo], limit, reproducible, workers, cluster), strict=True):
        if len(again.assigned_job_ids()) > len(out[i].assigned_job_ids()):
            out[i] = again
            notes.append(f"search came back with {len(solutions[i].assigned_job_ids())} stops; searched again")
    return out, notes
