"""Ejection: an unassigned job takes a route's place by pushing several less urgent visits off it.

:func:`solver.fill.swap_in` trades one visit for one job. On a day where the skilled crews are packed
with long jobs, a 60-minute hazard often needs the room of two or three short, less urgent visits on
one route, or the same visits in another order around it: the one-for-one swap finds no place and
the hazard stays ``crowded_out`` although a crew could reach it by giving up lower work (what a
dispatcher would do by hand). :func:`eject_in` tries, for each unassigned job (most urgent first),
every route of a crew with its skills: the route's less urgent visits come off, the job goes in at
its cheapest feasible place, and the visits that came off go back onto the same route where they still
fit (most urgent first, each at its cheapest place). The route that loses the least (fewest visits of
the most urgent class given up, then customers, then waiting) takes the job; what it gave up is then
offered to every route (as :func:`solver.fill.fill_routes`).

Each move serves one more job of a class and gives up jobs of strictly less urgent classes only, so
served by priority rises lexicographically with every move. Required jobs never come off a route.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from solver.engine import RawRoute
from solver.fill import _breaks_isolation, _Filler, _Route
from solver.model import Problem

# The most placements a pass tries for chains (a visit of the job's own class moved to another route to make
# room), per job of the problem: bounds the pass's work in reproducible mode, where it has no deadline
# (tried most urgent job first). A 1,000-ticket day with 40 crews: 3 per job keeps the pass near a second.
CHAIN_TRIES_PER_JOB = 3
# The visits of its own class, nearest to the job, that a chain tries to move out of its way.
CHAIN_NEAREST = 6


@dataclass(frozen=True)
class _Move:
    """Routes that change for an unassigned job to get in: what they give up and their waiting."""

    loss: tuple[int, ...]  # visits given up per class (most urgent first), then their customers
    cost: int  # waiting and urgency of the changed routes, minus what they had
    routes: dict[int, _Route]
    dropped: tuple[int, ...]

    def key(self) -> tuple[tuple[int, ...], int]:
        return self.loss, self.cost


def eject_in(problem: Problem, routes: Sequence[RawRoute], *, budget: float | None = 2.0) -> tuple[RawRoute, ...]:
    """``routes`` with unassigned jobs placed by pushing less urgent visits off one route, or by moving a
    visit of the job's own class to another route first (see the module).

    Stops after ``budget`` seconds (None: goes through every unassigned job, reproducibly; the chains then
    stop after :data:`CHAIN_TRIES_PER_JOB` tries per job of the problem)."""
    deadline = time.monotonic() + budget if budget is not None else float("inf")
    filler = _Filler(problem, routes)
    jobs = problem.jobs
    served = {j for r in routes for j, _ in r.visits}
    tries = [CHAIN_TRIES_PER_JOB * len(jobs)]
    todo = sorted(
        (j for j in range(len(jobs)) if j not in served), key=lambda j: (jobs[j].priority, -jobs[j].customers, j)
    )
    given_up: list[int] = []
    for j in todo:
        if time.monotonic() > deadline:
            break
        if j in served:
            continue
        move = _direct(filler, j) or _chain(filler, j, tries, deadline)
        if move is None:
            continue
        for v, route in move.routes.items():
            filler.routes[v] = route
            filler.changed.add(v)
        served.add(j)
        served.difference_update(move.dropped)
        given_up.extend(move.dropped)
    for k in sorted({k for k in given_up if k not in served}, key=lambda k: (jobs[k].priority, -jobs[k].customers, k)):
        if filler.insert(k):
            served.add(k)
    return filler.result()


def _direct(filler: _Filler, j: int) -> _Move | None:
    """The best route for ``j`` with less urgent visits pushed off (None: no route has room even then)."""
    best = None
    for v, route in enumerate(filler.routes):
        if route is not None and any(
            filler.problem.jobs[k].priority > filler.problem.jobs[j].priority for k in route.order
        ):
            move = _eject_on(filler, v, route, j)
            if move is not None and (best is None or move.key() < best.key()):
                best = move
    return best


def _chain(filler: _Filler, j: int, tries: list[int], deadline: float) -> _Move | None:
    """``j`` in the place of a visit ``k`` of its own class on one route, ``k`` on another route (each with
    less urgent visits pushed off where needed): the cheapest such pair in what they give up, or None.
    Only the :data:`CHAIN_NEAREST` visits nearest to ``j`` are tried as ``k``; visits promised to their crew
    stay where they are."""
    problem = filler.problem
    jobs, job = problem.jobs, problem.jobs[j]
    site = int(filler.site[j])
    pairs = sorted(
        (int(filler.durations[v][site, filler.site[k]]), v, k)
        for v, route in enumerate(filler.routes)
        if route is not None and job.skills <= problem.crews[v].skills
        for k in route.order
        if jobs[k].priority == job.priority and not (jobs[k].required or jobs[k].promised or jobs[k].preferred_crew)
    )[:CHAIN_NEAREST]
    best = None
    for _, v, k in pairs:
        if tries[0] <= 0 or time.monotonic() > deadline:
            break
        route, other = filler.routes[v], jobs[k]
        assert route is not None
        tries[0] -= 1
        without = filler._route(v, [x for x in route.order if x != k])
        here = None if without is None else _eject_on(filler, v, without, j)
        if here is None:
            continue
        here = dataclasses.replace(here, cost=here.cost + without.cost - route.cost)
        for w, there in enumerate(filler.routes):
            if w == v or there is None or not other.skills <= problem.crews[w].skills:
                continue
            tries[0] -= 1
            moved = _eject_on(filler, w, there, k)
            if moved is None:
                continue
            pair = _Move(
                tuple(a + b for a, b in zip(here.loss, moved.loss, strict=True)),
                here.cost + moved.cost,
                {**here.routes, **moved.routes},
                here.dropped + moved.dropped,
            )
            if best is None or pair.key() < best.key():
                best = pair
    return best


def _eject_on(filler: _Filler, v: int, route: _Route, j: int) -> _Move | None:
    """Job ``j`` on crew ``v``'s ``route`` with the route's less urgent visits taken off and put back where they
    still fit (most urgent first, each at its cheapest place); None if ``j`` does not fit even then."""
    problem = filler.problem
    jobs, crew = problem.jobs, problem.crews[v]
    job = jobs[j]
    if not job.skills <= crew.skills:
        return None
    lesser = [k for k in route.order if jobs[k].priority > job.priority and not jobs[k].required]
    shorter = filler._route(v, [k for k in route.order if k not in lesser]) if lesser else route
    if shorter is None:
        return None
    placed = _cheapest(filler, v, shorter, j)
    if placed is None:
        return None
    dropped = []
    for k in sorted(lesser, key=lambda k: (jobs[k].priority, -jobs[k].customers, k)):
        longer = _cheapest(filler, v, placed, k)
        if longer is None:
            dropped.append(k)
        else:
            placed = longer
    per_class = problem.served_by_class(jobs[k] for k in dropped)
    loss = (*per_class, sum(jobs[k].customers for k in dropped))
    return _Move(loss, placed.cost - route.cost, {v: placed}, tuple(dropped))


def _cheapest(filler: _Filler, v: int, route: _Route, j: int) -> _Route | None:
    """``route`` with job ``j`` at its cheapest feasible position (exact rules), or None."""
    crew, job = filler.problem.crews[v], filler.problem.jobs[j]
    if not filler._may_take(crew, route, job):
        return None
    column = filler._screen(v, route, np.array([j], dtype=np.int64))[:, 0]
    best: tuple[int, int] | None = None
    for delta, pos in filler._candidates(v, route, j, column):
        if best is not None and delta >= best[0]:
            break  # candidates come cheapest travel first; waiting only adds
        cost = filler._exact(v, route, j, pos)
        if cost is not None and (best is None or delta + cost < best[0]):
            best = (delta + cost, pos)
    if best is None:
        return None
    order = [*route.order[: best[1]], j, *route.order[best[1] :]]
    if _breaks_isolation(filler.problem, order):
        return None
    return filler._route(v, order)
