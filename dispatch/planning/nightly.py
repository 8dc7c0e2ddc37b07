"""The nightly plan: split, build, solve and assemble one plan of a day."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import solver
from dispatch.core.domain import PlanInputs
from dispatch.core.plan import Plan
from dispatch.core.policy import Policy
from dispatch.core.unassigned import Unassigned, UnassignedFacts
from dispatch.outages.grouping import group_outages
from dispatch.planning.border import border_pass
from dispatch.planning.build import NO_CREW_ON_SHIFT, Build, build_problem
from dispatch.planning.document import assemble_plan
from dispatch.planning.fill import fill_across_parts
from dispatch.planning.solve import PartsProgress, initial_routes_for, solve_parts
from dispatch.planning.split import Part, partition
from dispatch.runtime.cluster import IN_PROCESS, Cluster, Session, session

# The share of the time limit kept for the border pass when a region is planned in parts.
BORDER_SHARE = 0.2
# The least search work (solutions) of a border pass's solve in reproducible mode.
BORDER_MIN_SOLUTIONS = 20


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
    progress: Callable[[float, solver.Incumbent | None], None] | None = None,
    initial_routes: dict[str, list[str]] | None = None,
    as_of: dt.datetime | None = None,
    repair_initial: bool = False,
    cluster: Cluster | None = None,
    on_part: PartsProgress | None = None,
    border: bool = True,
) -> PlanResult:
    """Plan ``inputs.day``: every open ticket ends up exactly once, as a visit, unassigned or in an outage.

    With a network (``inputs.assets``) no-power reports are first grouped into outages
    (:func:`dispatch.outages.grouping.group_outages`): one asset job stands for the tickets each absorbs.

    ``reproducible`` bounds the search by ``solution_limit`` (default: the solver's, scaled to the
    problem) instead of wall time, so the same inputs always give the same plan. A region larger
    than ``solver.max_tickets_per_solve`` is split (:func:`partition`: by depot, a crowded one
    geographically) and its parts are solved side by side on ``cluster`` (default: a local Dask cluster of
    ``workers`` processes, one per core), sharing the time limit; ``on_part`` hears as each part is solved.
    Then (unless not ``border``) the border pass offers the tickets a part left open to a neighbouring
    part's crews (:mod:`dispatch.planning.border`), within the last :data:`BORDER_SHARE` of the time limit,
    and the fill pass inserts any ticket still left that one feasible insertion into any route would serve.
    ``repair_initial``: ``initial_routes`` come from another plan (a what-if's base), cut to these rules first.
    ``as_of`` is when the plan starts to run (default: each part's earliest shift start): a ticket still
    within its response target then is planned as an emergency (policy ``response.emergency_priorities``).
    """
    limit = policy.solver.time_limit_s if time_limit is None else time_limit
    t0 = time.perf_counter()
    grouping = group_outages(inputs, policy, as_of=as_of)
    inputs = replace(inputs, tickets=grouping.tickets)
    parts = partition(inputs, policy)
    planned = [part for part in parts if part.unplanned is None]
    builds = [build_problem(part.inputs, policy, as_of=as_of) for part in planned]
    aside = [unplanned_build(part, policy, as_of) for part in parts if part.unplanned is not None]
    t_built = time.perf_counter()
    first = limit * (1 - BORDER_SHARE) if border and len(parts) > 1 else limit
    solved, moved = _solve_and_border(
        builds, aside, parts, planned, policy, as_of=as_of, first=first, limit=limit, reproducible=reproducible,
        solution_limit=solution_limit, workers=workers, progress=progress, initial_routes=initial_routes,
        repair_initial=repair_initial, cluster=cluster, on_part=on_part, whole=inputs,
    )  # fmt: skip
    t_solved = time.perf_counter()
    plan = assemble_plan(inputs, policy, solved)
    if inputs.assets:
        plan = plan.with_(outages=grouping.outages)
    timings = {
        "build_s": round(t_built - t0, 3),
        "solve_s": round(t_solved - t_built, 3),
        "document_s": round(time.perf_counter() - t_solved, 3),
        "groups": len(builds),
        "unplanned_parts": len(aside),
        "border_offered": moved[0],
        "border_taken": moved[1],
    }
    return PlanResult(
        plan,
        sum(s.stats.objective for _, s in solved if s is not None),
        solved[0][1] if len(solved) == 1 else None,
        timings,
    )


def _solve_and_border(
    builds: list[Build],
    aside: list[Build],
    parts: list[Part],
    planned: list[Part],
    policy: Policy,
    *,
    as_of: dt.datetime | None,
    first: float,
    limit: float,
    reproducible: bool,
    solution_limit: int | None,
    workers: int | None,
    progress: Callable[[float, solver.Incumbent | None], None] | None,
    initial_routes: dict[str, list[str]] | None,
    repair_initial: bool,
    cluster: Cluster | None,
    on_part: PartsProgress | None,
    whole: PlanInputs,
) -> tuple[list[tuple[Build, solver.Solution | None]], tuple[int, int]]:
    """One part solved here with the full portfolio, several side by side on the cluster, within ``first``
    seconds; then the border pass in the rest of ``limit`` (on the same cluster)."""
    if len(builds) == 1:
        routes = initial_routes_for(builds[0].problem, initial_routes)
        solutions = [
            solver.solve(
                builds[0].problem,
                time_limit=first,
                reproducible=reproducible,
                solution_limit=solution_limit,
                workers=workers,
                progress=progress,
                initial_routes=routes,
                repair_initial=repair_initial,
            )
        ]
        return _then_border(builds, solutions, aside, parts, planned, policy, as_of, first, limit,
                            reproducible, solution_limit, IN_PROCESS, whole)  # fmt: skip
    with session(cluster or Cluster(jobs=workers), len(builds)) as place:  # one cluster for parts and border
        problems = [b.problem for b in builds]
        solutions = solve_parts(
            problems, first, reproducible, solution_limit, place, progress, initial_routes, on_part,
            repair_initial=repair_initial,
        )  # fmt: skip
        return _then_border(builds, solutions, aside, parts, planned, policy, as_of, first, limit,
                            reproducible, solution_limit, place, whole)  # fmt: skip


def _then_border(
    builds: list[Build],
    solutions: list[solver.Solution],
    aside: list[Build],
    parts: list[Part],
    planned: list[Part],
    policy: Policy,
    as_of: dt.datetime | None,
    first: float,
    limit: float,
    reproducible: bool,
    solution_limit: int | None,
    place: Cluster | Session,
    whole: PlanInputs,
) -> tuple[list[tuple[Build, solver.Solution | None]], tuple[int, int]]:
    """The solved parts with the set-aside ones, after the border pass if time was kept for it. The border
    pass is kept only if, both followed by the fill pass, it serves no fewer tickets by priority (most
    urgent first) than the fill pass alone: it re-solves a part with the offered tickets, the fill pass
    inserts them one at a time, and either can win."""
    solved: list[tuple[Build, solver.Solution | None]] = [
        *zip(builds, solutions, strict=True),
        *((b, None) for b in aside),
    ]
    if first >= limit:  # the fill guarantee over the assembled plan: leftovers go to any crew with room
        return fill_across_parts(whole, policy, solved), (0, 0)
    bordered, moved = _border(parts, planned, solved, policy, as_of, limit - first, reproducible, solution_limit, place)
    plain, bordered = fill_across_parts(whole, policy, solved), fill_across_parts(whole, policy, bordered)
    if _served_key(bordered) < _served_key(plain):
        return plain, (moved[0], 0)
    return bordered, moved


def _served_key(solved: list[tuple[Build, solver.Solution | None]]) -> tuple[int, ...]:
    """Jobs served by solver priority class (by weight), most urgent first (0: an emergency), for comparing plans."""
    counts = [0] * len(solver.PRIORITY_CLASSES)
    for build, solution in solved:
        if solution is not None:
            served = build.problem.served_by_class(build.problem.job(j) for j in solution.assigned_job_ids())
            counts = [a + b for a, b in zip(counts, served, strict=True)]
    return tuple(counts)


def _border(
    parts: list[Part],
    planned: list[Part],
    solved: list[tuple[Build, solver.Solution | None]],
    policy: Policy,
    as_of: dt.datetime | None,
    limit: float,
    reproducible: bool,
    solution_limit: int | None,
    cluster: Cluster | Session,
) -> tuple[list[tuple[Build, solver.Solution | None]], tuple[int, int]]:
    """The border pass over the solved parts (planned first, then the set-aside ones, as in ``solved``)."""
    inputs = [p.inputs for p in planned] + [p.inputs for p in parts if p.unplanned is not None]

    def again(problems: list[solver.Problem], routes: dict[str, list[str]]) -> list[solver.Solution]:
        # Warm from the parts' routes, a quarter of the work of a cold solve places the extra tickets.
        jobs = max(len(p.jobs) for p in problems)
        solutions = max(BORDER_MIN_SOLUTIONS, (solution_limit or 60 + jobs // 3) // 4) if reproducible else None
        return solve_parts(problems, max(limit, 0.5), reproducible, solutions, cluster, None, routes)

    result = border_pass([(i, b, s) for i, (b, s) in zip(inputs, solved, strict=True)], policy, again, as_of=as_of)
    return result.parts, (result.offered, result.taken)


def unplanned_build(part: Part, policy: Policy, as_of: dt.datetime | None) -> Build:
    """A part the partitioner set aside (beyond its depot's crews): not solved, its tickets unassigned
    with the partitioner's sentence (``crowded_out``: displaced by more urgent and nearer work) and the crews
    given that work as its values (no ``at``: no crew could start it)."""
    build = build_problem(part.inputs, policy, as_of=as_of)
    named = part.given_to[: solver.NAMED_CREWS]
    facts = UnassignedFacts(crews=named, count=len(part.given_to)) if part.given_to else None
    build.pre_unassigned = [
        Unassigned(u.ticket_id, solver.Reason.CROWDED_OUT.value, part.unplanned or "", facts=facts)
        if u.reason == NO_CREW_ON_SHIFT
        else u
        for u in build.pre_unassigned
    ]
    return build
