"""One part of a re-plan ready to solve: stability costs, storm deadlines and the warm start."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import solver
from dispatch.core.domain import PlanInputs, Ticket
from dispatch.core.plan import Plan
from dispatch.core.policy import Policy
from dispatch.core.route import StepProgress
from dispatch.intraday.promises import as_promised
from dispatch.intraday.warmstart import _feasible_prefix, _insert_emergencies
from dispatch.planning.build import Build
from dispatch.planning.fill import fill_across_parts
from dispatch.planning.solve import PartsProgress, initial_routes_for, solve_parts
from dispatch.runtime.cluster import Cluster

# Share of a storm re-plan's time limit for the search with hard deadlines (the rest relaxes missed ones).
STORM_FIRST_SHARE = 0.75


@dataclass(frozen=True)
class Part:
    """One part of a re-plan, ready to solve: the problem with stability costs and storm deadlines,
    and the warm start (the promised routes, emergencies put in)."""

    build: Build
    initial: dict[str, list[str]]
    deadlines: dict[str, int]
    windows: dict[str, tuple[solver.TimeWindow, ...]]  # each job's own windows, before any deadline
    # Each emergency's latest start within its response target (seconds from the day's origin).
    targets: dict[str, int] = field(default_factory=dict)

    def relaxed(self, missed: set[str], solution: solver.Solution) -> Part:
        """The part with missed deadlines dropped, warm-started from ``solution``."""
        problem = self.build.problem
        jobs = tuple(
            dataclasses.replace(j, time_windows=self.windows[j.id]) if j.id in missed else j for j in problem.jobs
        )
        return Part(
            dataclasses.replace(self.build, problem=dataclasses.replace(problem, jobs=jobs)),
            {r.crew_id: list(r.job_ids()) for r in solution.routes},
            {j: d for j, d in self.deadlines.items() if j not in missed},
            self.windows,
            self.targets,
        )


def promised_stops(previous: Plan) -> dict[str, list[str]]:
    """Each crew's tickets still ahead in ``previous``, in order: not its visits done or under way (a ticket
    reported not done and offered again has its finished visit on one route and its new stop on another)."""
    out: dict[str, list[str]] = {}
    for r in previous.routes:
        done = (StepProgress.DONE, StepProgress.UNDER_WAY)
        out[r.crew_id] = [s.ticket_id for s in r.visits if s.ticket_id is not None and s.progress not in done]
    return out


def prepare(
    build: Build,
    *,
    previous: Plan,
    prev_crew_of: Mapping[str, str],
    tickets: Mapping[str, Ticket],
    policy: Policy,
    origin: dt.datetime,
    move_cost_s: int,
    reorder_cost_s: int,
) -> Part:
    """Stability costs (each stop prefers its promised crew and its place in that crew's order),
    storm deadlines, and the warm start for one part of a re-plan."""
    problem = build.problem
    crew_ids = {c.id for c in problem.crews}
    windows = {j.id: j.time_windows for j in problem.jobs}
    follows: dict[str, str] = {}
    promised_ids = promised_stops(previous)
    for r in previous.routes:
        before = ""
        for tid in promised_ids.get(r.crew_id, []):
            if tid in windows:
                follows[tid] = before
                before = tid
    jobs = []
    deadlines: dict[str, int] = {}
    for job in problem.jobs:
        owner = prev_crew_of.get(job.id)
        # A stop's waiting counts per customer, so moving a big outage's stop for a few minutes of its
        # customers' waiting paid off at once: its stability costs count per customer too (an
        # emergency's do not, so a hazard may still be reached sooner).
        weight = 1 if job.priority == 0 else max(1, job.customers)
        if owner in crew_ids and move_cost_s > 0:
            job = dataclasses.replace(job, preferred_crew=owner, move_cost=move_cost_s * weight)
        if owner in crew_ids and reorder_cost_s > 0:
            job = dataclasses.replace(job, follows=follows[job.id], reorder_cost=reorder_cost_s * weight)
        if owner is not None:
            job = as_promised(job)
        if policy.storm.enabled:
            job, deadline = _storm_deadline(problem, job, tickets[job.id], policy, origin)
            if deadline is not None:
                deadlines[job.id] = deadline
        jobs.append(job)
    problem = dataclasses.replace(problem, jobs=tuple(jobs))
    promised = {r.crew_id: r for r in previous.routes}
    initial = {
        c.id: _feasible_prefix(problem, c, [t for t in promised_ids[c.id] if t in windows])
        for c in problem.crews
        if c.id in promised
    }
    targets = {
        j.id: int((tickets[j.id].reported_at + dt.timedelta(hours=hours) - origin).total_seconds())
        for j in problem.jobs
        if j.priority == 0 and (hours := policy.response.target_hours.get(tickets[j.id].priority)) is not None
    }
    initial = _insert_emergencies(problem, initial, targets)
    return Part(dataclasses.replace(build, problem=problem), initial, deadlines, windows, targets)


def solve(
    parts: Sequence[Part],
    time_limit: float,
    reproducible: bool,
    workers: int | None,
    cluster: Cluster | None = None,
    on_part: PartsProgress | None = None,
    *,
    repair: bool = False,
) -> list[solver.Solution]:
    """Solve the parts: one as is, several side by side on ``cluster`` (default: a local cluster of
    ``workers`` processes) sharing the time limit; ``on_part`` hears as each of several is solved;
    ``repair``: the warm start first cut to the solver's own rules and filled
    (``solver.fill.repair_routes``)."""
    if len(parts) == 1:
        part = parts[0]
        return [
            solver.solve(
                part.build.problem,
                time_limit=time_limit,
                reproducible=reproducible,
                workers=workers,
                initial_routes=initial_routes_for(part.build.problem, part.initial),
                repair_initial=repair,
            )
        ]
    initial = {c: r for part in parts for c, r in part.initial.items()}
    problems = [p.build.problem for p in parts]
    return solve_parts(
        problems,
        time_limit,
        reproducible,
        None,
        cluster or Cluster(jobs=workers),
        None,
        initial,
        on_part,
        repair_initial=repair,
    )


def fill_across(
    inputs: PlanInputs,
    policy: Policy,
    parts: Sequence[Part],
    solutions: Sequence[solver.Solution],
    aside: Sequence[Build],
    ready: Callable[[PlanInputs, frozenset[str]], Part],
) -> tuple[list[Part], list[solver.Solution], list[Build]]:
    """The fill pass over the assembled re-plan, as the nightly plan's (:func:`fill_across_parts`): a ticket
    one part left open goes to another part's crew where one feasible insertion serves it. A part taking
    some is built again by ``ready`` (its stability costs and storm deadlines), its jobs keeping the
    windows they were searched under (a storm deadline nobody could meet stays relaxed)."""
    if len(parts) + len(aside) < 2:
        return list(parts), list(solutions), list(aside)
    windows = {j.id: j.time_windows for p in parts for j in p.build.problem.jobs}

    def rebuild(sub: PlanInputs, emergencies: frozenset[str]) -> Build:
        build = ready(sub, emergencies).build
        jobs = tuple(
            dataclasses.replace(j, time_windows=windows[j.id]) if j.id in windows else j for j in build.problem.jobs
        )
        return dataclasses.replace(build, problem=dataclasses.replace(build.problem, jobs=jobs))

    solved = [*zip((p.build for p in parts), solutions, strict=True), *((b, None) for b in aside)]
    filled = fill_across_parts(inputs, policy, solved, rebuild=rebuild)
    n = len(parts)
    out_parts = [dataclasses.replace(p, build=b) for p, (b, _) in zip(parts, filled[:n], strict=True)]
    out_solutions = [s if s is not None else old for (_, s), old in zip(filled[:n], solutions, strict=True)]
    return out_parts, out_solutions, [b for b, _ in filled[n:]]


def _storm_deadline(
    problem: solver.Problem, job: solver.Job, ticket: Ticket, policy: Policy, origin: dt.datetime
) -> tuple[solver.Job, int | None]:
    """Make a P1/P2 response target a hard deadline when some crew can still meet it."""
    target = policy.response.target_hours.get(ticket.priority)
    if ticket.priority > 2 or target is None:
        return job, None
    deadline = int((ticket.reported_at + dt.timedelta(hours=target) - origin).total_seconds())
    reachable = False
    for crew in problem.crews:
        if not crew.can_do(job) or (job.enters_home and not crew.homes_allowed):
            continue
        arrive = crew.shift.start + problem.duration(crew, crew.start, job.site)
        back = problem.duration(crew, job.site, crew.end)
        if arrive <= deadline and arrive + job.service + back <= crew.shift.end:
            reachable = True
            break
    if not reachable:
        return job, None
    if job.time_windows:
        windows = tuple(
            solver.TimeWindow(w.start, min(w.end, deadline)) for w in job.time_windows if w.start <= deadline
        )
        if not windows:
            return job, None
    else:
        windows = (solver.TimeWindow(0, deadline),)
    return dataclasses.replace(job, time_windows=windows), deadline
