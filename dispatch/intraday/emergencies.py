"""Emergencies first: no hazard is left ``crowded_out`` while a crew could reach it within its shift
by displacing work that is not an emergency.

The search rarely finds the two-step move that takes ordinary stops off a full route to make room
for a hazard (and under load it may not even get past its first solution). After the search, each
emergency it left crowded out is put where a crew reaches it first, pushing out ordinary stops that
no longer fit (never another emergency), and the solver times those routes (its first solution from
them, in fixed work). The result is kept only when it loses fewer emergencies than the search alone
and serves every ordinary stop it did, bar those pushed out.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import solver
from dispatch.core.notes import NoteKind, RevisionNote
from dispatch.intraday.parts import Part
from dispatch.intraday.warmstart import insert_emergencies
from dispatch.planning.solve import initial_routes_for, solve_parts
from dispatch.runtime.cluster import Cluster

# The watchdog's base for a first solution timed on a cluster (fixed work: it never stops the search).
TIMED_LIMIT_S = 60.0


def timed(parts: Sequence[Part], cluster: Cluster | None = None) -> list[solver.Solution]:
    """Each part's warm start as the solver times it: its first solution, in fixed work (no time
    limit). Under heavy load a short timed search from these routes came back with less than it was
    given; this cannot, and the next re-plan's search improves on it. Several parts go to ``cluster``
    when it names a scheduler (``--scheduler``); else they are timed here (a local cluster would cost
    more to start than these first solutions take)."""
    if cluster is not None and cluster.address() is not None and len(parts) > 1:
        initial = {c: r for p in parts for c, r in p.initial.items()}
        problems = [p.build.problem for p in parts]
        return solve_parts(problems, TIMED_LIMIT_S, True, 1, cluster, None, initial)
    return [
        solver.solve(
            p.build.problem,
            reproducible=True,
            solution_limit=1,
            workers=1,
            initial_routes=initial_routes_for(p.build.problem, p.initial),
        )
        for p in parts
    ]


def crowded_out_emergencies(problem: solver.Problem, solution: solver.Solution) -> list[str]:
    """The emergencies (class 0) the solution leaves unassigned although some crew could take them alone."""
    return [
        u.job_id
        for u in solution.unassigned
        if u.reason is solver.Reason.CROWDED_OUT and problem.job(u.job_id).priority == 0
    ]


def lost_emergencies(problem: solver.Problem, solution: solver.Solution) -> int:
    """How many emergencies the solution leaves unassigned, whatever the reason."""
    return sum(1 for u in solution.unassigned if problem.job(u.job_id).priority == 0)


def better(
    problem: solver.Problem, before: solver.Solution, after: solver.Solution, room: dict[str, list[str]]
) -> bool:
    """Whether ``after`` (searched from the routes ``room``) loses fewer emergencies than ``before``
    while serving every ordinary job ``before`` served, bar those ``room`` pushed out to make way.

    A warm start the solver refuses sends it back to a search from scratch, which in a fraction of
    the time limit can serve far less: such a result is never taken."""
    if lost_emergencies(problem, after) >= lost_emergencies(problem, before):
        return False
    kept = {j for r in room.values() for j in r}
    pushed_out = sum(1 for j in before.assigned_job_ids() if j not in kept)
    return _ordinary_served(problem, after) >= _ordinary_served(problem, before) - pushed_out


def _ordinary_served(problem: solver.Problem, solution: solver.Solution) -> int:
    return sum(1 for j in solution.assigned_job_ids() if problem.job(j).priority != 0)


def make_room(
    problem: solver.Problem, solution: solver.Solution, targets: Mapping[str, int] | None = None
) -> dict[str, list[str]] | None:
    """The solution's routes with its crowded-out emergencies put in where a crew reaches them first
    (ordinary stops pushed out), or None when none of them can be placed that way."""
    lost = crowded_out_emergencies(problem, solution)
    if not lost:
        return None
    routes = {r.crew_id: list(r.job_ids()) for r in solution.routes}
    fixed = insert_emergencies(problem, routes, targets)
    placed = {j for r in fixed.values() for j in r}
    return fixed if any(j in placed for j in lost) else None


def emergencies_first(
    parts: Sequence[Part],
    solutions: Sequence[solver.Solution],
    cluster: Cluster | None = None,
) -> tuple[list[solver.Solution], list[RevisionNote]]:
    """The solutions with crowded-out emergencies rescued where a crew can reach them (several parts timed
    on ``cluster``), and notes."""
    out = list(solutions)
    redo: list[tuple[int, Part]] = []
    for i, (part, solution) in enumerate(zip(parts, solutions, strict=True)):
        room = make_room(part.build.problem, solution, part.targets)
        if room is not None:
            redo.append((i, dataclasses.replace(part, initial=room)))
    if not redo:
        return out, []
    notes: list[RevisionNote] = []
    for (i, part), again in zip(redo, timed([p for _, p in redo], cluster), strict=True):
        problem = part.build.problem
        before = crowded_out_emergencies(problem, out[i])
        if better(problem, out[i], again, part.initial):
            out[i] = again
            saved = sorted(set(before) - {u.job_id for u in again.unassigned})
            notes.append(RevisionNote(NoteKind.EMERGENCIES_FIRST, tickets=tuple(saved)))
    return out, notes
