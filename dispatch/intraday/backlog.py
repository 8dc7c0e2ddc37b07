"""The backlog keeps its place: no P1 is left ``crowded_out`` while a crew could take it by letting
less urgent stops go.

A fresh hazard takes a skilled crew's time, and the stops it pushes out are often the backlog's P1s
(line-down jobs that need the same skill). Each P1 outweighs any number of lower-priority stops, but a
short search under load rarely finds the two-step move that takes a P2 off another skilled crew's
route to make room for the P1, so the P1 waited for the next day while P2s were served. After the
search and the emergency rescue, each P1 the solution leaves crowded out is put where it displaces
the fewest stops, all of them less urgent (:func:`insert_before_less_urgent`); the solver times those
routes and the result is kept only when it serves more by priority class than the search did.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import solver
from dispatch.core.notes import NoteKind, RevisionNote
from dispatch.intraday.emergencies import timed
from dispatch.intraday.parts import Part
from dispatch.intraday.warmstart import insert_before_less_urgent, served_by_class
from dispatch.runtime.cluster import Cluster

# The priority class whose crowded-out jobs are put back (1: P1 tickets past their emergency target).
BACKLOG_CLASS = 1


def crowded_out_backlog(problem: solver.Problem, solution: solver.Solution) -> list[str]:
    """The backlog jobs the solution leaves unassigned although some crew could take them alone."""
    return [
        u.job_id
        for u in solution.unassigned
        if u.reason is solver.Reason.CROWDED_OUT and problem.job(u.job_id).priority == BACKLOG_CLASS
    ]


def backlog_first(
    parts: Sequence[Part], solutions: Sequence[solver.Solution], cluster: Cluster | None = None
) -> tuple[list[solver.Solution], list[RevisionNote]]:
    """The solutions with crowded-out P1s put back where less urgent stops give way, and notes."""
    out = list(solutions)
    redo: list[tuple[int, Part]] = []
    for i, (part, solution) in enumerate(zip(parts, solutions, strict=True)):
        problem = part.build.problem
        lost = crowded_out_backlog(problem, solution)
        if not lost:
            continue
        routes = {r.crew_id: list(r.job_ids()) for r in solution.routes}
        fixed = insert_before_less_urgent(problem, routes, lost)
        if fixed != routes:
            redo.append((i, dataclasses.replace(part, initial=fixed)))
    notes: list[RevisionNote] = []
    for (i, part), again in zip(redo, timed([p for _, p in redo], cluster), strict=True):
        problem = part.build.problem
        if served_by_class(problem, again.assigned_job_ids()) < served_by_class(problem, out[i].assigned_job_ids()):
            before = set(crowded_out_backlog(problem, out[i]))
            saved = sorted(before & set(again.assigned_job_ids()))
            out[i] = again
            notes.append(RevisionNote(NoteKind.BACKLOG_FIRST, tickets=tuple(saved)))
    return out, notes
