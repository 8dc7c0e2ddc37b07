"""Upgrades: an unassigned job standing for many customers gets a route's place without its class losing a visit.

A wide outage's asset job (``Job.unserved_waits``) competes with the other jobs of its class by count. On a
day where the skilled crews are full the search serves whichever jobs of the class pack best, and the
customers behind a job only break ties it rarely meets: a 90-minute feeder section with 2,000 customers
behind it stays out while a 60-minute transformer with 80 is served, since the 30 minutes between them
are nowhere free. :func:`upgrade_in` tries, for each unassigned such job (most urgent class first, then
most customers), every route of a crew with its skills:

- in the place of a served job of its class that stands for fewer customers (that one goes back to the
  pool); made only where the objective falls (the customers waiting to the end of the horizon, their
  waiting before service and travel);
- or on top of the route with its less urgent visits pushed off and put back where they fit (as
  :func:`solver.eject.eject_in`: one more visit of its class);
- either one, where the room is short, after exchanging a visit of the route for an unassigned job of
  the same class and kind (not standing for many) that fits in less time: one of the
  :data:`EXCHANGE_NEAREST` nearest to the visit; the visit goes back to the pool.

So every class keeps at least as many visits (lexicographically, as the eject pass), and the jobs that do
not stand for many (the hazards of the asset jobs' class) keep as many visits in every class. The best
move over the routes (a visit more first, then fewest given up, then lowest objective) is made; what came
off is then offered to every route (as :func:`solver.fill.fill_routes`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from solver.eject import _cheapest, _eject_on
from solver.engine import RawRoute
from solver.fill import _Filler, _Route
from solver.model import Job, Problem

# Unassigned jobs tried in exchange for one visit of a route: the nearest to it.
EXCHANGE_NEAREST = 8
# The most placements the pass tries, per job of the problem: bounds its work in reproducible mode, where it
# has no deadline (the jobs standing for most customers are tried first).
TRIES_PER_JOB = 10


@dataclass(frozen=True)
class _Upgrade:
    """A route changed for an unassigned job: how it ranks and what comes off it."""

    key: tuple[int, tuple[int, ...], int]  # 0 if a visit more of the class, else 1; given up per class; objective
    crew: int
    route: _Route
    off: tuple[int, ...]  # jobs that came off the route: the one replaced, the one exchanged, those pushed off


def upgrade_in(problem: Problem, routes: Sequence[RawRoute], *, budget: float | None = 1.0) -> tuple[RawRoute, ...]:
    """``routes`` with unassigned jobs standing for many customers placed as the module says.

    Stops after ``budget`` seconds (None: goes through every such job, reproducibly, within
    :data:`TRIES_PER_JOB` placements per job of the problem)."""
    deadline = time.monotonic() + budget if budget is not None else float("inf")
    filler = _Filler(problem, routes)
    jobs = problem.jobs
    served = {j for r in routes for j, _ in r.visits}
    tries = [TRIES_PER_JOB * len(jobs)]
    todo = sorted(
        (j for j in range(len(jobs)) if jobs[j].unserved_waits),
        key=lambda j: (jobs[j].priority, -filler.weight[j], j),
    )
    for j in todo:
        if time.monotonic() > deadline:
            break
        best = None
        for v, route in enumerate(filler.routes):
            if route is None or not jobs[j].skills <= problem.crews[v].skills or (j in served and j not in route.order):
                continue
            for move in _upgrades(filler, v, route, j, served, tries, deadline):
                if best is None or move.key < best.key:
                    best = move
        if best is None:
            continue
        filler.routes[best.crew] = best.route
        filler.changed.add(best.crew)
        served.difference_update(best.off)
        served.update(best.route.order)
        for k in sorted(best.off, key=lambda k: (jobs[k].priority, -jobs[k].customers, k)):
            if k not in served and filler.insert(k):
                served.add(k)
    return filler.result()


def _upgrades(
    filler: _Filler, v: int, route: _Route, j: int, served: set[int], tries: list[int], deadline: float
) -> Iterator[_Upgrade]:
    """The moves that place ``j`` on crew ``v``'s ``route``: on top (less urgent visits pushed off) or in the
    place of a job of its class standing for fewer customers; or, if ``j`` is on the route already, earlier
    on it. Each as it is or after one exchange."""
    problem = filler.problem
    jobs, job = problem.jobs, problem.jobs[j]
    before = filler.objective(v, route)
    if j in route.order:
        ways: Sequence[int | None] = (j,)  # taken off and put back at its best place
    else:
        smaller = [k for k in route.order if _replaceable(job, jobs[k]) and filler.weight[k] < filler.weight[j]]
        ways = (None, *smaller)
    for k in ways:
        base = route if k is None else filler._route(v, [x for x in route.order if x != k])
        if base is None:
            continue
        for shorter, exchanged in _with_exchanges(filler, v, base, served, tries, deadline):
            tries[0] -= 1
            if k is None:
                eject = _eject_on(filler, v, shorter, j)
                placed, pushed = (None, ()) if eject is None else (eject.routes[v], eject.dropped)
            else:
                placed, pushed = _cheapest(filler, v, shorter, j), ()
            if placed is None:
                continue
            delta = filler.objective(v, placed) - before
            if k != j:
                delta += (0 if k is None else problem.unserved_wait(jobs[k])) - problem.unserved_wait(job)
            if k is not None and delta >= 0:
                continue
            loss = problem.served_by_class(jobs[x] for x in pushed)
            off = tuple(x for x in (k, exchanged) if x is not None and x != j) + tuple(pushed)
            yield _Upgrade((0 if k is None else 1, loss, delta), v, placed, off)
            break  # as it is if it fits; else the first exchange that makes room


def _with_exchanges(
    filler: _Filler, v: int, route: _Route, served: set[int], tries: list[int], deadline: float
) -> Iterator[tuple[_Route, int | None]]:
    """``route`` as it is, then with one visit exchanged for an unassigned job of its class and kind (nearest
    first, each at its cheapest place): (the route, the visit exchanged or None)."""
    yield route, None
    problem = filler.problem
    jobs, crew = problem.jobs, problem.crews[v]
    pool = np.array(
        [y for y in range(len(jobs)) if y not in served and _may_exchange(jobs[y]) and jobs[y].skills <= crew.skills],
        dtype=np.int64,
    )
    if not len(pool):
        return
    for x in route.order:
        other = jobs[x]
        if not _may_exchange(other) or other.preferred_crew:
            continue
        alike = pool[[jobs[y].priority == other.priority and jobs[y].service < other.service for y in pool]]
        if not len(alike):
            continue
        without = filler._route(v, [k for k in route.order if k != x])
        if without is None:
            continue
        near = alike[np.argsort(filler.durations[v][other.site.index, filler.site[alike]], kind="stable")]
        for y in near[:EXCHANGE_NEAREST].tolist():
            if tries[0] <= 0 or time.monotonic() > deadline:
                return
            tries[0] -= 1
            exchanged = _cheapest(filler, v, without, y)
            if exchanged is not None:
                yield exchanged, x


def _replaceable(job: Job, other: Job) -> bool:
    """Whether ``other`` may give ``job`` its place: of its class, standing for many, not held to its crew."""
    return (
        other.unserved_waits
        and other.priority == job.priority
        and not (other.required or other.promised or other.preferred_crew)
    )


def _may_exchange(job: Job) -> bool:
    """Whether a job may be exchanged for another of its class: one not standing for many, not held anywhere."""
    return not (job.unserved_waits or job.required or job.promised or job.preferred_crew or job.follows is not None)
