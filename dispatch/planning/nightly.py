"""The nightly plan: split, build, solve and assemble one plan of a day."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import solver
from dispatch.core.domain import PlanInputs
from dispatch.core.plan import Plan, Unassigned
from dispatch.core.policy import Policy
from dispatch.outages.grouping import group_outages
from dispatch.planning.build import NO_CREW_ON_SHIFT, Build, build_problem
from dispatch.planning.document import assemble_plan
from dispatch.planning.solve import initial_routes_for, solve_parts
from dispatch.planning.split import Part, partition


@dataclass(frozen=True)
class PlanResult:
    """A computed, unsaved plan plus what saving and benchmarks need."""

    plan: Plan
    objective: int
    solution: solver.Solution | None
    # Seconds spent building the problem, solving and writing the document; groups solved.
    timings: dict[str, float] = field(default_factory=dict)


def make_plan(
    inputs: PlanInputs,
    policy: Policy,
    *,
    time_limit: float | None = None,
    reproducible: bool = False,
    solution_limit: int | None = None,
    workers: int | None = None,
    progress: Callable[[float, int | None], None] | None = None,
    initial_routes: dict[str, list[str]] | None = None,
    as_of: dt.datetime | None = None,
) -> PlanResult:
    """Plan ``inputs.day``: every open ticket ends up exactly once, as a visit, unassigned or in an outage.

    With a network (``inputs.assets``) no-power reports are first grouped into outages
    (:func:`dispatch.outages.grouping.group_outages`): one asset job stands for the tickets each absorbs.

    ``reproducible`` bounds the search by ``solution_limit`` (default: the solver's, scaled to the
    problem) instead of wall time, so the same inputs always give the same plan. A region larger
    than ``solver.max_tickets_per_solve`` is split (:func:`partition`: by depot, a crowded one
    geographically) and its parts are solved in parallel, one per core, sharing the time limit.
    ``as_of`` is when the plan starts to run (default: each part's earliest shift start): a ticket still
    within its response target then is planned as an emergency (policy ``response.emergency_priorities``).
    """
    limit = policy.solver.time_limit_s if time_limit is None else time_limit
    t0 = time.perf_counter()
    grouping = group_outages(inputs, policy, as_of=as_of)
    inputs = replace(inputs, tickets=grouping.tickets)
    parts = partition(inputs, policy)
    builds = [build_problem(part.inputs, policy, as_of=as_of) for part in parts if part.unplanned is None]
    aside = [unplanned_build(part, policy, as_of) for part in parts if part.unplanned is not None]
    t_built = time.perf_counter()
    if len(builds) == 1:
        problem = builds[0].problem
        routes = initial_routes_for(problem, initial_routes)
        solutions = [
            solver.solve(
                problem,
                time_limit=limit,
                reproducible=reproducible,
                solution_limit=solution_limit,
                workers=workers,
                progress=progress,
                initial_routes=routes,
            )
        ]
    else:
        solutions = solve_parts(
            [b.problem for b in builds], limit, reproducible, solution_limit, workers, progress, initial_routes
        )
    t_solved = time.perf_counter()
    plan = assemble_plan(inputs, policy, [*zip(builds, solutions, strict=True), *((b, None) for b in aside)])
    if inputs.assets:
        plan = plan.with_(outages=grouping.outages)
    timings = {
        "build_s": round(t_built - t0, 3),
        "solve_s": round(t_solved - t_built, 3),
        "document_s": round(time.perf_counter() - t_solved, 3),
        "groups": len(builds),
        "unplanned_parts": len(aside),
    }
    return PlanResult(
        plan,
        sum(s.stats.objective for s in solutions),
        solutions[0] if len(solutions) == 1 else None,
        timings,
    )


def unplanned_build(part: Part, policy: Policy, as_of: dt.datetime | None) -> Build:
    """A part the partitioner set aside (beyond its depot's crews): not solved, its tickets unassigned
    with the partitioner's sentence (``crowded_out``: displaced by more urgent and nearer work)."""
    build = build_problem(part.inputs, policy, as_of=as_of)
    build.pre_unassigned = [
        Unassigned(u.ticket_id, solver.Reason.CROWDED_OUT.value, part.unplanned or "")
        if u.reason == NO_CREW_ON_SHIFT
        else u
        for u in build.pre_unassigned
    ]
    return build
