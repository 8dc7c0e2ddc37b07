"""Overtime for hazards: a re-plan may extend crews' shifts by a few minutes so they reach
emergencies that no shift could otherwise take today.

For each emergency still unassigned after the search, the crew that needs the fewest minutes past
its shift end (going there from where it is and back to its depot, its break still to take counted)
is given them, rounded up to five minutes, and more, step by step, where the emergencies already on
its route need them too, as far as every member's overtime allowance (policy
``response.emergency_overtime_min``, ``overtime_max_min_per_day`` and ``overtime_max_min_per_week``)
goes. Where even that cannot hold the route's own emergencies and the new one, those go to the crew
that reaches them first, or on another crew's overtime, and the crew takes the new one. A crew may be
extended for several emergencies, always within its allowance. The solver times the routes with the
emergencies put on those crews (ordinary stops giving way); an extension is kept only where its
emergency ends up on the extended crew. Crews whose end the dispatcher moved (``--end-shift``) are
never extended, and no cap is relaxed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence

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
from dispatch.intraday.warmstart import place_emergency, put_emergency_on
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


# Per crew: the seconds of overtime granted and the hazards they are for.
Grants = dict[str, tuple[int, tuple[str, ...]]]


@dataclasses.dataclass(frozen=True)
class Reached:
    """An emergency placed with overtime: the problem with the shifts extended, the routes, the grants."""

    problem: solver.Problem
    routes: dict[str, list[str]]
    grants: Grants


def _one(crew_id: str, extra: int, job_id: str) -> Grants:
    """``extra`` seconds for ``crew_id`` to reach ``job_id``; none if it needs none."""
    return {crew_id: (extra, (job_id,))} if extra else {}


def _left(allowance: Mapping[str, int], grants: Grants) -> dict[str, int]:
    """Each crew's allowance less the seconds ``grants`` give it."""
    return {c: a - grants.get(c, (0, ()))[0] for c, a in allowance.items()}


def _merge(a: Grants, b: Grants) -> Grants:
    out = dict(a)
    for crew_id, (extra, tickets) in b.items():
        had = out.get(crew_id, (0, ()))
        out[crew_id] = (had[0] + extra, tuple(dict.fromkeys((*had[1], *tickets))))
    return out


def _options(
    problem: solver.Problem, job: solver.Job, left: Mapping[str, int], avoid: str | None
) -> list[tuple[int, str]]:
    """(extension to try first, crew) for each crew that could reach ``job`` alone within what it has left."""
    out = []
    for crew in problem.crews:
        need = needed_s(problem, crew, job)
        if need is None or crew.id == avoid:
            continue
        # An extension of nothing is no grant, but a crew that frees its route for a hazard may need none.
        first = max(math.ceil(need / STEP_S) * STEP_S, STEP_S if avoid is None else 0)
        if first <= left.get(crew.id, 0):
            out.append((first, crew.id))
    return sorted(out)


def reach_on_overtime(
    problem: solver.Problem,
    routes: dict[str, list[str]],
    job_id: str,
    left: Mapping[str, int],
    avoid: str | None = None,
) -> Reached | None:
    """``job_id`` put on the crew needing the fewest minutes past its shift, extended by as many steps as
    its allowance ``left`` holds for the crew to reach every emergency of its route and this one; where
    the route's own emergencies stand in the way, they go to other crews (within their shifts, or on
    their own overtime, ``avoid`` being the crew they leave) and the crew takes this one. None if no
    crew reaches it so."""
    job = problem.job(job_id)
    for first, crew_id in _options(problem, job, left, avoid):
        steps = range(first, left[crew_id] + 1, STEP_S)
        for extra in steps:
            wider = _extended(problem, crew_id, extra)
            put = put_emergency_on(wider, wider.crew(crew_id), routes.get(crew_id, []), job_id)
            if put is not None:
                return Reached(wider, {**routes, crew_id: put}, _one(crew_id, extra, job_id))
        if avoid is None:
            moved = _move_others(problem, routes, job_id, crew_id, steps, left)
            if moved is not None:
                return moved
    return None


def _move_others(
    problem: solver.Problem,
    routes: dict[str, list[str]],
    job_id: str,
    crew_id: str,
    steps: range,
    left: Mapping[str, int],
) -> Reached | None:
    """The crew given ``job_id`` once the other emergencies of its route are off it: each goes back on
    it if it still fits, else to the crew that reaches it first or on another crew's overtime."""
    route = routes.get(crew_id, [])
    others = [j for j in route if problem.job(j).priority == 0]
    if not others:
        return None
    freed = [j for j in route if j not in others]
    for extra in steps:
        wider = _extended(problem, crew_id, extra)
        put = put_emergency_on(wider, wider.crew(crew_id), freed, job_id)
        if put is None:
            continue
        got = Reached(wider, {**routes, crew_id: put}, _one(crew_id, extra, job_id))
        rest = {**left, crew_id: 0}
        for other in others:
            back = put_emergency_on(got.problem, got.problem.crew(crew_id), got.routes[crew_id], other)
            if back is not None:
                got = dataclasses.replace(got, routes={**got.routes, crew_id: back})
                continue
            elsewhere = place_emergency(got.problem, got.routes, other)
            if elsewhere is not None:
                got = dataclasses.replace(got, routes=elsewhere)
                continue
            paid = reach_on_overtime(got.problem, got.routes, other, rest, avoid=crew_id)
            if paid is None:
                return None
            rest = _left(rest, paid.grants)
            got = Reached(paid.problem, paid.routes, _merge(got.grants, paid.grants))
        return got
    return None


def _grant(
    part: Part, solution: solver.Solution, allowance: Mapping[str, int], only: Collection[str] | None = None
) -> tuple[Part, Grants]:
    """The part with shifts extended for its lost emergencies (those of ``only`` if given), and per crew
    (extra seconds, hazards).

    Each lost emergency is tried in turn (:func:`reach_on_overtime`); a crew already extended for one may
    be extended again for another, within what its allowance has left."""
    problem = part.build.problem
    routes = {r.crew_id: list(r.job_ids()) for r in solution.routes}
    granted: Grants = {}
    for job_id in _lost(problem, solution):
        if (only is not None and job_id not in only) or any(job_id in r for r in routes.values()):
            continue
        reached = reach_on_overtime(problem, routes, job_id, _left(allowance, granted))
        if reached is not None and reached.grants:
            problem, routes, granted = reached.problem, reached.routes, _merge(granted, reached.grants)
    if not granted:
        return part, {}
    build = dataclasses.replace(part.build, problem=problem)
    return dataclasses.replace(part, build=build, initial=routes), granted


def _lost(problem: solver.Problem, solution: solver.Solution) -> list[str]:
    return [u.job_id for u in solution.unassigned if problem.job(u.job_id).priority == 0]


def _taken(
    before: Part, solution: solver.Solution, extended: Part, granted: Grants, again: solver.Solution
) -> Grants | None:
    """The grants whose hazards the timed routes ``again`` keep on the extended crews, if ``again`` loses
    fewer emergencies than ``solution`` (see :func:`better`) and no extended crew whose hazards went
    elsewhere runs past its shift; None if it is not taken."""
    used: Grants = {}
    for crew_id, (extra, tickets) in granted.items():
        on_route = tuple(t for t in tickets if t in again.route_of(crew_id).job_ids())
        if on_route:
            used[crew_id] = (extra, on_route)
    if not used or _past_rostered_end(before.build.problem, again, set(granted) - set(used)):
        return None
    return used if better(extended.build.problem, solution, again, extended.initial) else None


def overtime_for_hazards(
    parts: Sequence[Part],
    solutions: Sequence[solver.Solution],
    *,
    allowance: dict[str, int],
    cluster: Cluster | None = None,
) -> tuple[list[Part], list[solver.Solution], Grants]:
    """Parts and solutions with overtime granted where it reaches a lost emergency, and the grants
    (crew -> (extra seconds, hazards)); parts without a useful grant are left as they were. When a part's
    grants together are not taken (the timed routes lose what they were given), each lost emergency's
    is tried alone, in turn, on top of those taken."""
    parts, out = list(parts), list(solutions)
    redo: list[tuple[int, Part, Grants]] = []
    for i, (part, solution) in enumerate(zip(parts, solutions, strict=True)):
        if lost_emergencies(part.build.problem, solution):
            extended, granted = _grant(part, solution, allowance)
            if granted:
                redo.append((i, extended, granted))
    kept: Grants = {}
    for (i, extended, granted), again in zip(redo, timed([p for _, p, _ in redo], cluster), strict=True):
        used = _taken(parts[i], out[i], extended, granted, again)
        if used is None:
            parts[i], out[i], used = _one_at_a_time(parts[i], out[i], allowance, cluster)
        else:
            parts[i], out[i] = extended, again
        kept.update(used)
    return parts, out, kept


def _one_at_a_time(
    part: Part, solution: solver.Solution, allowance: Mapping[str, int], cluster: Cluster | None
) -> tuple[Part, solver.Solution, Grants]:
    """The part and solution with each lost emergency's grant tried alone, in turn, kept where taken."""
    kept: Grants = {}
    for job_id in _lost(part.build.problem, solution):
        extended, granted = _grant(part, solution, _left(allowance, kept), only={job_id})
        if not granted:
            continue
        again = timed([extended], cluster)[0]
        used = _taken(part, solution, extended, granted, again)
        if used is not None:
            part, solution, kept = extended, again, _merge(kept, used)
    return part, solution, kept


def _past_rostered_end(problem: solver.Problem, solution: solver.Solution, crew_ids: set[str]) -> bool:
    """Whether a route of ``crew_ids`` (extended, but its hazards went elsewhere) runs past the shift end
    ``problem`` gives it: overtime no hazard asked for."""
    ends = {r.crew_id: max((s.end for s in r.steps), default=0) for r in solution.routes}
    return any(ends.get(c, 0) > problem.crew(c).shift.end for c in crew_ids)


def with_overtime(
    plan: Plan, *, rostered: Mapping[str, dt.datetime], previous: Plan, granted: Mapping[str, tuple[str, ...]]
) -> Plan:
    """The plan with each route running past its rostered shift end marked as overtime: the minutes,
    and the hazards it was extended for (this re-plan's grant, or kept from the previous revision)."""
    before = {r.crew_id: r.overtime.tickets for r in previous.routes if r.overtime is not None}
    routes = []
    for r in plan.routes:
        end = rostered.get(r.crew_id)
        minutes = math.ceil((r.shift.end - end).total_seconds() / 60) if end is not None else 0
        if minutes > 0:
            tickets = tuple(dict.fromkeys([*before.get(r.crew_id, ()), *granted.get(r.crew_id, ())]))
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
) -> tuple[list[Part], list[solver.Solution], Today, dict[str, tuple[str, ...]]]:
    """The re-plan's hook: overtime where it reaches a lost emergency (unless refused or switched
    off), the day with the extended shift ends, and the grants (crew -> hazards)."""
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
