"""Overtime for hazards: a re-plan may extend one crew's shift by a few minutes so it reaches an
emergency that no shift could otherwise take today.

For each emergency still unassigned after the search, the crew that needs the fewest minutes past
its shift end (going there from where it is and back to its depot, its break still to take counted)
is given them, rounded up to five minutes, if every member's overtime allowance (policy
``response.emergency_overtime_min``, ``overtime_max_min_per_day`` and ``overtime_max_min_per_week``)
covers them. The solver times the routes with the emergency put on that crew (ordinary stops
giving way); the extension is kept only where the emergency ends up on the extended crew. Crews
whose end the dispatcher moved (``--end-shift``) are never extended, and no cap is relaxed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence

from sqlmodel import Session

import solver
from dispatch.core.domain import Crew
from dispatch.core.plan import Plan
from dispatch.core.policy import Policy
from dispatch.core.route import Overtime
from dispatch.intraday.day import Today
from dispatch.intraday.emergencies import better, lost_emergencies, timed
from dispatch.intraday.model import ReplanInputs
from dispatch.intraday.parts import Part
from dispatch.intraday.warmstart import insert_emergencies
from dispatch.runtime.cluster import Cluster
from dispatch.store.models.plans import plan_of, published_plan
from solver.diagnose import overrun

# Overtime is granted in steps of this many seconds.
STEP_S = 300


def allowance_s(
    crews: Sequence[Crew],
    *,
    policy: Policy,
    already_min: Mapping[str, float],
    week_min: Mapping[str, float],
    fixed: Sequence[str],
) -> dict[str, int]:
    """Per crew, the seconds of overtime a re-plan may still add today: the policy's emergency
    overtime less what the crew already has, within every member's daily and weekly limits. Crews
    whose end the dispatcher fixed get none."""
    r = policy.response
    out: dict[str, int] = {}
    for crew in crews:
        if crew.crew_id in fixed:
            continue
        today = already_min.get(crew.crew_id, 0.0)
        left = r.emergency_overtime_min - today
        for m in crew.members:
            left = min(
                left, r.overtime_max_min_per_day - today, r.overtime_max_min_per_week - week_min.get(m, 0.0) - today
            )
        if left > 0:
            out[crew.crew_id] = int(left * 60)
    return out


def needed_s(problem: solver.Problem, crew: solver.Crew, job: solver.Job) -> int | None:
    """Seconds past ``crew``'s shift end it needs to do ``job`` alone and get back, its break taken where
    it costs least, as the unassigned reason says (0: it fits; None: it cannot)."""
    if not crew.can_do(job) or (job.enters_home and (not crew.homes_allowed or crew.max_homes == 0)):
        return None
    if crew.max_exposure is not None and job.exposure > crew.max_exposure:
        return None
    return overrun(problem, crew, job)


def _extended(problem: solver.Problem, crew_id: str, extra: int) -> solver.Problem:
    crews = tuple(
        dataclasses.replace(c, shift=solver.TimeWindow(c.shift.start, c.shift.end + extra)) if c.id == crew_id else c
        for c in problem.crews
    )
    return dataclasses.replace(problem, crews=crews)


def _place(
    problem: solver.Problem, routes: dict[str, list[str]], job_id: str, crew_id: str, extra: int, allowed: int
) -> tuple[int, dict[str, list[str]]] | None:
    """The extension (``extra``, else one step more, within ``allowed``) with which the emergency goes
    on ``crew_id``'s route, and the routes with it put in; None if neither does."""
    for e in (extra, extra + STEP_S):
        if e > allowed:
            break
        fixed = insert_emergencies(_extended(problem, crew_id, e), routes)
        if job_id in fixed.get(crew_id, []):
            return e, fixed
    return None


def _grant(part: Part, solution: solver.Solution, allowance: dict[str, int]) -> tuple[Part, dict[str, tuple[int, str]]]:
    """The part with shifts extended for its lost emergencies, and per crew (extra seconds, ticket).

    Crews are tried from the fewest minutes needed; an extension counts only if the emergency can be
    put on the crew's route with it (ordinary stops giving way), with one more step tried if not."""
    problem = part.build.problem
    routes = {r.crew_id: list(r.job_ids()) for r in solution.routes}
    granted: dict[str, tuple[int, str]] = {}
    for u in solution.unassigned:
        job = problem.job(u.job_id)
        if job.priority != 0:
            continue
        options = []
        for crew in problem.crews:
            need = needed_s(problem, crew, job)
            if need is not None and need > 0 and crew.id not in granted:
                options.append((math.ceil(need / STEP_S) * STEP_S, crew.id))
        for extra, crew_id in sorted(options):
            placed = _place(problem, routes, job.id, crew_id, extra, allowance.get(crew_id, 0))
            if placed is not None:
                granted[crew_id] = (placed[0], job.id)
                problem, routes = _extended(problem, crew_id, placed[0]), placed[1]
                break
    if not granted:
        return part, {}
    build = dataclasses.replace(part.build, problem=problem)
    return dataclasses.replace(part, build=build, initial=routes), granted


def overtime_for_hazards(
    parts: Sequence[Part],
    solutions: Sequence[solver.Solution],
    *,
    allowance: dict[str, int],
    cluster: Cluster | None = None,
) -> tuple[list[Part], list[solver.Solution], dict[str, tuple[int, str]]]:
    """Parts and solutions with overtime granted where it reaches a lost emergency, and the grants
    (crew -> (extra seconds, ticket)); parts without a useful grant are left as they were."""
    parts, out = list(parts), list(solutions)
    redo: list[tuple[int, Part, dict[str, tuple[int, str]]]] = []
    for i, (part, solution) in enumerate(zip(parts, solutions, strict=True)):
        if lost_emergencies(part.build.problem, solution):
            extended, granted = _grant(part, solution, allowance)
            if granted:
                redo.append((i, extended, granted))
    kept: dict[str, tuple[int, str]] = {}
    if not redo:
        return parts, out, kept
    for (i, part, granted), again in zip(redo, timed([p for _, p, _ in redo], cluster), strict=True):
        used = {c: g for c, g in granted.items() if g[1] in again.route_of(c).job_ids()}
        if used and better(part.build.problem, out[i], again, part.initial):
            parts[i], out[i] = part, again
            kept.update(used)
    return parts, out, kept


def with_overtime(
    plan: Plan, *, rostered: Mapping[str, dt.datetime], previous: Plan, granted: Mapping[str, str]
) -> Plan:
    """The plan with each route running past its rostered shift end marked as overtime: the minutes,
    and the hazards it was extended for (this re-plan's grant, or kept from the previous revision)."""
    before = {r.crew_id: r.overtime.tickets for r in previous.routes if r.overtime is not None}
    routes = []
    for r in plan.routes:
        end = rostered.get(r.crew_id)
        minutes = math.ceil((r.shift.end - end).total_seconds() / 60) if end is not None else 0
        if minutes > 0:
            tickets = tuple(
                dict.fromkeys([*before.get(r.crew_id, ()), *([granted[r.crew_id]] if r.crew_id in granted else [])])
            )
            r = dataclasses.replace(r, overtime=Overtime(minutes, tickets))
        routes.append(r)
    return plan.with_(routes=tuple(routes))


def extend_for_hazards(
    rin: ReplanInputs,
    policy: Policy,
    *,
    today: Today,
    parts: Sequence[Part],
    solutions: Sequence[solver.Solution],
    origin: dt.datetime,
    cluster: Cluster | None = None,
) -> tuple[list[Part], list[solver.Solution], Today, dict[str, str]]:
    """The re-plan's hook: overtime where it reaches a lost emergency (unless refused or switched
    off), the day with the extended shift ends, and the grants (crew -> hazard)."""
    if not rin.overtime or policy.response.emergency_overtime_min <= 0:
        return list(parts), list(solutions), today, {}
    fixed = set(rin.end_shift) | {
        r.crew_id for r in rin.previous.routes if r.end_shift is not None and not (r.overtime and r.overtime.tickets)
    }
    already = {
        c: max(0.0, (end - today.shifts[c].end).total_seconds() / 60)
        for c, end in today.end_shift.items()
        if c in today.shifts
    }
    allowance = allowance_s(
        [c for c in rin.inputs.crews if c.crew_id in today.shifts],
        policy=policy,
        already_min=already,
        week_min=rin.overtime_week_min,
        fixed=sorted(fixed),
    )
    parts, solutions, kept = overtime_for_hazards(parts, solutions, allowance=allowance, cluster=cluster)
    if not kept:
        return parts, solutions, today, {}
    shift_end = {c.id: c.shift.end for p in parts for c in p.build.problem.crews}
    ends = {**today.end_shift, **{c: origin + dt.timedelta(seconds=shift_end[c]) for c in kept}}
    return parts, solutions, dataclasses.replace(today, end_shift=ends), {c: t for c, (_, t) in kept.items()}


def overtime_this_week(session: Session, *, day: dt.date) -> dict[str, float]:
    """Each worker's overtime minutes on the days of ``day``'s week (from Monday) before it, as the
    published plans record it (every member of a crew works its overtime)."""
    out: dict[str, float] = defaultdict(float)
    monday = day - dt.timedelta(days=day.weekday())
    for k in range((day - monday).days):
        row = published_plan(session, day=monday + dt.timedelta(days=k))
        if row is None:
            continue
        for r in plan_of(row).routes:
            if r.overtime is not None:
                for m in r.members:
                    out[m] += r.overtime.minutes
    return dict(out)
