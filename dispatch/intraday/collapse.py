"""A search that came back with far less than its warm start is searched again.

Under heavy machine load a re-plan's search was seen to return every job dropped (the day's whole
plan gone: 208 stops changed on 35 crews in ``bench/day_replay.py``). The warm start alone serves
what the crews were promised, so a solution serving less than half of it is a failed search, not a
better plan: that part is searched again from the same warm start with a longer limit (the
first-solution phase and the warm start's read are not bounded by the time limit, and when the limit
runs out inside them OR-Tools answers with every visit dropped), and the better of the two kept.

A search can also lose its warm start without serving under half of it: at the lunch-hour re-plan of
``bench/day_replay.py`` (seed 11, load 18) one came back having dropped 55 of 90 promised stops, 9
backlog P1s among them (127 stops changed on 28 crews). A re-plan drops a few promised stops where a
hazard takes their place, never dozens: a solution that drops more than ``LOST_MAX`` of its warm
start's stops is searched again too, and the one keeping more emergencies and P1s, then more of the
warm start, is kept.
"""

from __future__ import annotations

from collections.abc import Sequence

import solver
from dispatch.core.notes import NoteKind, RevisionNote
from dispatch.intraday.emergencies import timed
from dispatch.intraday.parts import Part, solve
from dispatch.runtime.cluster import Cluster

# The second search's time limit: this many times the first's, and at least RETRY_MIN_S seconds.
RETRY_FACTOR = 4
RETRY_MIN_S = 12.0
# More promised stops than this dropped by one search means it lost its warm start.
LOST_MAX = 12


def collapsed(part: Part, solution: solver.Solution) -> bool:
    """Whether ``solution`` serves less than half the jobs of its part's warm start, or nothing at all
    while some job would fit a crew alone (after a collapse the next warm start is empty)."""
    started = sum(len(r) for r in part.initial.values())
    served = len(solution.assigned_job_ids())
    if served == 0:
        return any(u.reason is solver.Reason.CROWDED_OUT for u in solution.unassigned)
    return 2 * served < started or lost_from_warm_start(part, solution) > LOST_MAX


def lost_from_warm_start(part: Part, solution: solver.Solution) -> int:
    """How many of the warm start's stops the solution leaves unassigned."""
    served = solution.assigned_job_ids()
    return sum(1 for r in part.initial.values() for j in r if j not in served)


def _keeps(part: Part, solution: solver.Solution) -> tuple[int, int, int, int]:
    """What a solution keeps, best first: emergencies, P1s, warm-start stops, then all stops served."""
    problem = part.build.problem
    served = solution.assigned_job_ids()
    by_class = [sum(1 for j in served if problem.job(j).priority == c) for c in (0, 1)]
    return by_class[0], by_class[1], -lost_from_warm_start(part, solution), len(served)


def search_again_if_collapsed(
    parts: Sequence[Part],
    solutions: Sequence[solver.Solution],
    *,
    time_limit: float,
    reproducible: bool,
    workers: int | None,
    cluster: Cluster | None = None,
) -> tuple[list[solver.Solution], list[RevisionNote]]:
    """The solutions, with collapsed ones searched again (kept if they then serve more; several parts on
    ``cluster``, the re-plan's own), and notes."""
    out = list(solutions)
    redo = [i for i, (p, s) in enumerate(zip(parts, solutions, strict=True)) if collapsed(p, s)]
    if not redo:
        return out, []
    notes: list[RevisionNote] = []
    limit = max(RETRY_MIN_S, RETRY_FACTOR * time_limit)
    # From the warm start cut to the solver's own rules (a stop the re-plan's walk let through but the
    # solver refuses would make it drop the whole warm start again).
    again_all = solve([parts[i] for i in redo], limit, reproducible, workers, cluster, repair=True)
    for i, again in zip(redo, again_all, strict=True):
        if _keeps(parts[i], again) > _keeps(parts[i], out[i]):
            out[i] = again
            notes.append(RevisionNote(NoteKind.SEARCHED_AGAIN, count=len(solutions[i].assigned_job_ids())))
    # Searched again and still lost: the warm start as the solver times it (its read, in fixed work,
    # cannot run out of time), when that keeps more.
    still = [i for i in redo if collapsed(parts[i], out[i])]
    for i, warm in zip(still, timed([parts[i] for i in still], cluster), strict=True):
        if _keeps(parts[i], warm) > _keeps(parts[i], out[i]):
            out[i] = warm
            notes.append(RevisionNote(NoteKind.WARM_START_KEPT, count=len(solutions[i].assigned_job_ids())))
    return out, notes
