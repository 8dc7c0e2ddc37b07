"""Nightly planning: dispatcher's inputs -> solver problem -> plan document -> saved plan version.

The pure part (:func:`make_plan`) takes :class:`PlanInputs` and a :class:`Policy` and touches no
database, so what-if scenarios run it on edited copies of the inputs. :func:`load_inputs` and
:func:`save_plan` are the database edges; the CLI calls them inside one transaction each.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import os
import time
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from shapely import STRtree
from shapely.geometry import Point
from sqlmodel import Session, select

import solver
from dispatch.domain import Crew, HouseholdRisk, PlanInputs, Shift, Ticket, Zone
from dispatch.policy import Policy
from solver.travel import GreatCircleTravel, MatrixTravel, TravelMatrices

# Reasons decided before the solver sees a ticket (the solver's own are in solver.Reason).
ZONE_CLOSED = "zone_closed"
NO_CREW_ON_SHIFT = "no_crew_on_shift"


@dataclass(frozen=True)
class CrewOnShift:
    crew: Crew
    shift: Shift
    members: tuple[str, ...]
    max_homes: int
    max_exposure_min: float
    outdoor_only_reason: str | None = None


@dataclass(frozen=True)
class PlanResult:
    """A computed plan: the document (the JSON contract) plus what saving needs."""

    document: dict[str, Any]
    objective: int
    solution: solver.Solution | None
    # Seconds spent building the problem, solving and writing the document; groups solved.
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class _Build:
    problem: solver.Problem
    crews: list[CrewOnShift]
    tickets: dict[str, Ticket]
    exposure_min: dict[str, float]
    pre_unassigned: list[dict[str, str]] = field(default_factory=list)
    not_dispatched: list[dict[str, str]] = field(default_factory=list)
    # Tickets planned as emergencies (solver class 0): still within their response target.
    emergencies: frozenset[str] = frozenset()


def local_midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz)


class ZoneIndex:
    """Which zones contain a point (the zones valid on the planned day)."""

    def __init__(self, zones: Sequence[Zone]) -> None:
        self.zones = list(zones)
        self.tree = STRtree([z.geometry for z in self.zones]) if self.zones else None

    def at(self, lon: float, lat: float) -> list[Zone]:
        if self.tree is None:
            return []
        point = Point(lon, lat)
        return [self.zones[i] for i in self.tree.query(point, predicate="intersects")]


def ticket_exposure_min(ticket: Ticket, *, zones: list[Zone], policy: Policy) -> float:
    """Weighted in-home minutes: in-home minutes x zone risk weight x household multiplier."""
    if not ticket.indoor:
        return 0.0
    inside = ticket.service_min * policy.category.indoor_share
    weight = max((z.risk_weight for z in zones), default=1.0)
    return round(inside * weight * policy.household_multiplier(ticket.household_risk), 2)


def crews_on_shift(inputs: PlanInputs, policy: Policy) -> tuple[list[CrewOnShift], list[dict[str, str]]]:
    """The crews that can be dispatched on ``inputs.day`` with their caps, and those that cannot, with why."""
    shifts = {s.crew_id: s for s in inputs.shifts if s.date == inputs.day}
    out: list[CrewOnShift] = []
    not_dispatched: list[dict[str, str]] = []
    use_standby = policy.storm.enabled and policy.storm.call_standby
    for crew in sorted(inputs.crews, key=lambda c: c.crew_id):
        shift = shifts.get(crew.crew_id)
        if shift is None:
            continue
        if shift.standby and not use_standby:
            not_dispatched.append({"crew_id": crew.crew_id, "reason": "standby shift (called only in storm mode)"})
            continue
        away = {m: inputs.unavailable_members[m] for m in crew.members if m in inputs.unavailable_members}
        members = tuple(m for m in crew.members if m not in away)
        if len(members) < policy.exposure.min_crew_members:
            why = ", ".join(f"{m}: {r}" for m, r in sorted(away.items())) or "no members"
            not_dispatched.append(
                {
                    "crew_id": crew.crew_id,
                    "reason": f"{len(members)} of {len(crew.members)} members available, "
                    f"policy minimum is {policy.exposure.min_crew_members} ({why})",
                }
            )
            continue
        max_homes = policy.exposure.max_homes_per_shift
        max_exposure = policy.exposure.max_exposure_min_per_shift
        limiting: list[str] = []
        for m in members:
            budget = inputs.budgets.get(m)
            if budget is None:
                continue
            if budget.homes_left is not None and budget.homes_left < max_homes:
                max_homes = max(0, budget.homes_left)
                limiting.append(m)
            if budget.exposure_min_left is not None and budget.exposure_min_left < max_exposure:
                max_exposure = max(0.0, budget.exposure_min_left)
                limiting.append(m)
        outdoor_only = None
        if max_homes <= 0 or max_exposure <= 0:
            outdoor_only = "rolling exposure budget spent by " + ", ".join(sorted(set(limiting)))
        out.append(CrewOnShift(crew, shift, members, max_homes, max_exposure, outdoor_only))
    return out, not_dispatched


def _travel(sites: list[tuple[float, float]], zones: Sequence[Zone], policy: Policy) -> TravelMatrices:
    """Great-circle road estimate at the car's speed; legs touching slow zones are slowed.

    Half of a leg is driven at each end's speed (its zone's ``speed_kmh`` if slower): a simple,
    vectorised stand-in for congested town centres until a road network is available.
    """
    base = GreatCircleTravel(circuity=policy.travel.circuity, speed_kmh=policy.travel.car_speed_kmh)
    stub_sites = [solver.Site(index=i, x=lon, y=lat) for i, (lon, lat) in enumerate(sites)]
    matrices = base.matrices(stub_sites)
    slow = [z for z in zones if z.speed_kmh and z.speed_kmh < policy.travel.car_speed_kmh]
    if not slow:
        return matrices
    index = ZoneIndex(slow)
    speed = np.full(len(sites), policy.travel.car_speed_kmh / 3.6)
    for i, (lon, lat) in enumerate(sites):
        here = index.at(lon, lat)
        if here:
            speed[i] = min(z.speed_kmh for z in here) / 3.6  # type: ignore[type-var]
    dist = matrices.distances.astype(np.float64)
    durations = np.ceil(dist / 2 / speed[:, None] + dist / 2 / speed[None, :]).astype(np.int32)
    return MatrixTravel(durations=durations, distances=matrices.distances).matrices(stub_sites)


def build_problem(
    inputs: PlanInputs,
    policy: Policy,
    *,
    as_of: dt.datetime | None = None,
    emergencies: Collection[str] = (),
) -> _Build:
    """The solver problem for ``inputs``. ``as_of`` is when the plan starts to run (default: the
    earliest shift start): a ticket still within its response target then is an emergency, and so
    is every ticket named in ``emergencies`` (one already dispatched as such stays one)."""
    tz = ZoneInfo(policy.region.timezone)
    origin = local_midnight(inputs.day, tz)

    def secs(t: dt.datetime) -> int:
        return int((t - origin).total_seconds())

    crews, not_dispatched = crews_on_shift(inputs, policy)
    zones = ZoneIndex([z for z in inputs.zones if z.valid_on(inputs.day)])
    model = solver.Model()
    model.set_objective(
        solver.Objective(
            travel_time_weight=policy.solver.travel_time_weight,
            wait_weight=policy.solver.wait_weight,
            priority_ratio=policy.solver.priority_ratio,
        )
    )
    coords: list[tuple[float, float]] = []

    def site(lon: float, lat: float, name: str) -> solver.Site:
        coords.append((lon, lat))
        return model.add_site(x=lon, y=lat, name=name)

    depots: dict[tuple[float, float], solver.Site] = {}

    def depot(lon: float, lat: float, name: str) -> solver.Site:
        if (lon, lat) not in depots:
            depots[(lon, lat)] = site(lon, lat, name)
        return depots[(lon, lat)]

    for c in crews:
        shift = c.shift
        start = depot(c.crew.depot_lon, c.crew.depot_lat, f"{c.crew.crew_id} depot")
        end = start
        if c.crew.end_lat is not None and c.crew.end_lon is not None:
            end = depot(c.crew.end_lon, c.crew.end_lat, f"{c.crew.crew_id} end")
        breaks = []
        if shift.break_start and shift.break_end and shift.break_min:
            breaks.append(
                solver.Break(
                    id="break",
                    window=solver.TimeWindow(secs(shift.break_start), secs(shift.break_end)),
                    duration=shift.break_min * 60,
                )
            )
        model.add_crew(
            id=c.crew.crew_id,
            start=start,
            end=end,
            shift=solver.TimeWindow(secs(shift.start), secs(shift.end)),
            skills=c.crew.skills,
            max_homes=c.max_homes,
            max_exposure=int(c.max_exposure_min * 60),
            homes_allowed=c.outdoor_only_reason is None,
            breaks=breaks,
            speed_factor=policy.travel.speed_factor(c.crew.vehicle),
        )

    tickets: dict[str, Ticket] = {}
    exposure_min: dict[str, float] = {}
    pre_unassigned: list[dict[str, str]] = []
    if as_of is None:
        as_of = min((c.shift.start for c in crews), default=origin)
    sticky = set(emergencies)
    emergency_ids: set[str] = set()
    urgency = policy.response.emergency_customers * max(1, policy.solver.wait_weight)
    for t in sorted(inputs.tickets, key=lambda t: t.ticket_id):
        tickets[t.ticket_id] = t
        here = zones.at(t.lon, t.lat)
        exposure_min[t.ticket_id] = ticket_exposure_min(t, zones=here, policy=policy)
        closed = [z.name for z in here if z.closed]
        if t.indoor and closed:
            pre_unassigned.append(
                {
                    "ticket_id": t.ticket_id,
                    "reason": ZONE_CLOSED,
                    "detail": f"inside closed zone {closed[0]}: no home entries there",
                }
            )
            continue
        if not crews:
            pre_unassigned.append(
                {"ticket_id": t.ticket_id, "reason": NO_CREW_ON_SHIFT, "detail": f"no crew is on shift on {inputs.day}"}
            )
            continue
        windows = []
        if t.window_start and t.window_end:
            ws = dt.datetime.combine(inputs.day, dt.time.fromisoformat(t.window_start), tzinfo=tz)
            we = dt.datetime.combine(inputs.day, dt.time.fromisoformat(t.window_end), tzinfo=tz)
            windows.append(solver.TimeWindow(secs(ws), secs(we)))
        emergency = (t.ticket_id in sticky and t.priority in policy.response.emergency_priorities) or (
            policy.response.is_emergency(priority=t.priority, reported_at=t.reported_at, as_of=as_of)
        )
        if emergency:
            emergency_ids.add(t.ticket_id)
        model.add_job(
            id=t.ticket_id,
            site=site(t.lon, t.lat, t.ticket_id),
            service=t.service_min * 60,
            time_windows=windows,
            skills=t.skills,
            priority=0 if emergency else t.priority,
            urgency=urgency if emergency else 0,
            customers=max(1, t.customers_affected),
            enters_home=t.indoor,
            exposure=math.ceil(exposure_min[t.ticket_id] * 60),
            contaminating=t.indoor
            and t.household_risk == HouseholdRisk.ISOLATING
            and policy.exposure.isolating_ends_home_entries,
        )
    if not crews:
        # The solver needs a crew; an idle placeholder never serves anything.
        here = coords[0] if coords else (108.55, -6.72)
        stub = depot(here[0], here[1], "none")
        model.add_crew(id="__none__", start=stub, shift=solver.TimeWindow(0, 0))
    problem = model.build(_MatrixFromCoords(coords, inputs.zones, inputs.day, policy))
    return _Build(problem, crews, tickets, exposure_min, pre_unassigned, not_dispatched, frozenset(emergency_ids))


@dataclass(frozen=True)
class _MatrixFromCoords:
    coords: list[tuple[float, float]]
    zones: Sequence[Zone]
    day: dt.date
    policy: Policy

    def matrices(self, sites: Sequence[solver.Site]) -> TravelMatrices:
        return _travel(self.coords, [z for z in self.zones if z.valid_on(self.day)], self.policy)


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
    """Plan ``inputs.day``: every open ticket ends up exactly once, as a visit or unassigned.

    ``reproducible`` bounds the search by ``solution_limit`` (default: the solver's, scaled to the
    problem) instead of wall time, so the same inputs always give the same plan. A region larger
    than ``solver.max_tickets_per_solve`` is split by depot (:func:`split_inputs`) and its parts
    are solved in parallel, one per core, sharing the time limit. ``as_of`` is when the plan starts
    to run (default: each part's earliest shift start): a ticket still within its response target
    then is planned as an emergency (policy ``response.emergency_priorities``).
    """
    limit = policy.solver.time_limit_s if time_limit is None else time_limit
    t0 = time.perf_counter()
    parts = split_inputs(inputs, policy)
    builds = [build_problem(part, policy, as_of=as_of) for part in parts]
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
        solutions = _solve_parts(
            [b.problem for b in builds], limit, reproducible, solution_limit, workers, progress, initial_routes
        )
    t_solved = time.perf_counter()
    document = plan_document_parts(inputs, policy, [(b, [s]) for b, s in zip(builds, solutions, strict=True)])
    timings = {
        "build_s": round(t_built - t0, 3),
        "solve_s": round(t_solved - t_built, 3),
        "document_s": round(time.perf_counter() - t_solved, 3),
        "groups": len(builds),
    }
    return PlanResult(
        document,
        sum(s.stats.objective for s in solutions),
        solutions[0] if len(solutions) == 1 else None,
        timings,
    )


def initial_routes_for(
    problem: solver.Problem, initial_routes: Mapping[str, list[str]] | None
) -> dict[str, list[str]] | None:
    """The part of ``initial_routes`` (crew -> ticket ids) that concerns ``problem``'s crews and jobs."""
    if not initial_routes:
        return None
    crew_ids = {c.id for c in problem.crews}
    job_ids = {j.id for j in problem.jobs}
    return {c: [j for j in js if j in job_ids] for c, js in initial_routes.items() if c in crew_ids}


def _solve_part(args: tuple[solver.Problem, float, bool, int | None, dict[str, list[str]] | None]) -> solver.Solution:
    problem, share, reproducible, solution_limit, routes = args
    return solver.solve(
        problem,
        time_limit=share,
        reproducible=reproducible,
        solution_limit=solution_limit,
        workers=1,
        initial_routes=routes,
    )


def _solve_parts(
    problems: list[solver.Problem],
    limit: float,
    reproducible: bool,
    solution_limit: int | None,
    workers: int | None,
    progress: Callable[[float, int | None], None] | None,
    initial_routes: dict[str, list[str]] | None,
) -> list[solver.Solution]:
    """Solve independent parts side by side, one process per core, within ``limit`` seconds in all."""
    import multiprocessing as mp
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    cores = workers or len(os.sched_getaffinity(0))
    total = max(1, sum(len(p.jobs) for p in problems))
    # Each part's share of the cores' combined time: a floor to find a first solution (at most half
    # a second, and at most half the budget over all parts), the rest in proportion to its tickets.
    budget = limit * cores
    floor = min(0.5, budget / (2 * len(problems)))
    tasks = [
        (
            p,
            floor + (budget - floor * len(problems)) * len(p.jobs) / total,
            reproducible,
            solution_limit,
            initial_routes_for(p, initial_routes),
        )
        for p in problems
    ]
    order = sorted(range(len(tasks)), key=lambda i: -len(problems[i].jobs))  # big parts first
    results: dict[int, solver.Solution] = {}
    t0 = time.monotonic()
    context = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    with ProcessPoolExecutor(max_workers=cores, mp_context=context) as pool:
        futures = {pool.submit(_solve_part, tasks[i]): i for i in order}
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            for f in done:
                results[futures[f]] = f.result()
            if progress is not None:
                progress(min(limit, (time.monotonic() - t0)), None)
    return [results[i] for i in range(len(problems))]


def split_inputs(
    inputs: PlanInputs, policy: Policy, *, home: Callable[[Crew], tuple[float, float]] | None = None
) -> list[PlanInputs]:
    """Split a region above ``solver.max_tickets_per_solve`` tickets by depot.

    Each ticket goes with the crews of its nearest depot (great-circle distance); neighbouring
    depots are then merged while a part holds at most that many tickets, so every part is a routing
    problem of bounded size with its own travel matrix. Tickets are not exchanged between parts;
    crews that are not dispatched stay in the first part so they are reported once.
    ``home`` gives a crew's depot (default: where it starts; a re-plan passes where it ends).
    """
    if len(inputs.tickets) <= policy.solver.max_tickets_per_solve:
        return [inputs]
    dispatchable, _ = crews_on_shift(inputs, policy)
    depots: dict[tuple[float, float], list[str]] = defaultdict(list)
    for c in dispatchable:
        depots[home(c.crew) if home else (c.crew.depot_lat, c.crew.depot_lon)].append(c.crew.crew_id)
    if len(depots) < 2:
        return [inputs]
    keys = list(depots)
    lat = np.array([k[0] for k in keys])
    lon = np.array([k[1] for k in keys])
    t_lat = np.array([t.lat for t in inputs.tickets])
    t_lon = np.array([t.lon for t in inputs.tickets])
    from solver.travel import great_circle_m

    nearest = np.argmin(great_circle_m(t_lon[:, None], t_lat[:, None], lon[None, :], lat[None, :]), axis=1)
    tickets_of: dict[int, list[Ticket]] = defaultdict(list)
    for t, k in zip(inputs.tickets, nearest, strict=True):
        tickets_of[int(k)].append(t)
    # Neighbouring depots are merged while a part stays within half the limit: fewer, larger parts
    # let tickets go to the nearer office's crews across a boundary and cost less per-solve
    # overhead, and parts of up to half the limit, solved two at a time, keep within the memory
    # target (10,000 tickets: 1.15 GB peak at the full limit, 0.58 GB at half).
    groups = [[k] for k in range(len(keys))]
    size = [len(tickets_of.get(k, [])) for k in range(len(keys))]
    gap = great_circle_m(lon[:, None], lat[:, None], lon[None, :], lat[None, :])
    limit = max(1, policy.solver.max_tickets_per_solve // 2)
    while len(groups) > 1:
        small = min(range(len(groups)), key=lambda g: (size[g], groups[g][0]))
        fits = [g for g in range(len(groups)) if g != small and size[g] + size[small] <= limit]
        if not fits:
            break
        near = min(fits, key=lambda g: (min(gap[a, b] for a in groups[small] for b in groups[g]), groups[g][0]))
        merged, merged_size = sorted(groups[near] + groups[small]), size[near] + size[small]
        for g in sorted((small, near), reverse=True):
            del groups[g], size[g]
        groups.append(merged)
        size.append(merged_size)
    grouped = {cid for ids in depots.values() for cid in ids}
    parts = []
    for n, group in enumerate(groups):
        crew_ids = {cid for k in group for cid in depots[keys[k]]}
        if n == 0:
            crew_ids |= {c.crew_id for c in inputs.crews if c.crew_id not in grouped}
        parts.append(
            dataclasses.replace(
                inputs,
                tickets=tuple(t for k in sorted(group) for t in tickets_of.get(k, [])),
                crews=tuple(c for c in inputs.crews if c.crew_id in crew_ids),
                shifts=tuple(s for s in inputs.shifts if s.crew_id in crew_ids),
            )
        )
    return parts


def _iso(origin: dt.datetime, seconds: int) -> str:
    return (origin + dt.timedelta(seconds=int(seconds))).isoformat()


def plan_document_parts(
    inputs: PlanInputs, policy: Policy, parts: Sequence[tuple[_Build, Sequence[solver.Solution]]]
) -> dict[str, Any]:
    """One plan document from the parts a large region was split into (or a single part)."""
    tz = ZoneInfo(policy.region.timezone)
    origin = local_midnight(inputs.day, tz)
    routes_out = []
    unassigned: list[dict[str, str]] = []
    not_dispatched: list[dict[str, str]] = []
    tickets: dict[str, Ticket] = {}
    crews_count = 0
    served_by_priority: dict[int, int] = defaultdict(int)
    for build, solutions in parts:
        tickets.update(build.tickets)
        unassigned.extend(build.pre_unassigned)
        not_dispatched.extend(build.not_dispatched)
        crews_count += len(build.crews)
        sites = build.problem.sites
        by_id = {c.crew.crew_id: c for c in build.crews}
        for sol in solutions:
            for route in sol.routes:
                c = by_id.get(route.crew_id)
                if c is None:
                    continue
                steps = []
                exposure_total = 0.0
                homes = 0
                for s in route.steps:
                    step: dict[str, Any] = {"type": s.type.value}
                    if s.type is solver.StepType.BREAK:
                        prev = steps[-1]
                        step.update({"lat": prev["lat"], "lon": prev["lon"]})
                    else:
                        site = sites[s.site_index]
                        step.update({"lat": site.y, "lon": site.x})
                    exposure = 0.0
                    indoor = False
                    if s.type is solver.StepType.VISIT and s.job_id is not None:
                        ticket = build.tickets[s.job_id]
                        step["ticket_id"] = s.job_id
                        indoor = ticket.indoor
                        exposure = build.exposure_min[s.job_id]
                        exposure_total += exposure
                        homes += int(indoor)
                        served_by_priority[ticket.priority] += 1
                        if s.job_id in build.emergencies:
                            step["emergency"] = True
                    step.update(
                        {
                            "arrival": _iso(origin, s.arrival),
                            "start": _iso(origin, s.start),
                            "end": _iso(origin, s.end),
                            "travel_m": s.travel_distance,
                            "indoor": indoor,
                            "exposure_min": exposure,
                            "homes_entered": homes,
                            "exposure_total_min": round(exposure_total, 2),
                        }
                    )
                    steps.append(step)
                routes_out.append(
                    {
                        "crew_id": c.crew.crew_id,
                        "name": c.crew.name,
                        "members": list(c.members),
                        "vehicle": c.crew.vehicle.value,
                        "skills": list(c.crew.skills),
                        "shift": {
                            "start": c.shift.start.astimezone(tz).isoformat(),
                            "end": c.shift.end.astimezone(tz).isoformat(),
                        },
                        "break": (
                            {
                                "window_start": c.shift.break_start.astimezone(tz).isoformat(),
                                "window_end": c.shift.break_end.astimezone(tz).isoformat(),
                                "minutes": c.shift.break_min,
                            }
                            if c.shift.break_start and c.shift.break_end and c.shift.break_min
                            else None
                        ),
                        "caps": {"max_homes": c.max_homes, "max_exposure_min": c.max_exposure_min},
                        "outdoor_only": c.outdoor_only_reason,
                        "steps": steps,
                        "summary": {
                            "visits": route.summary.visits,
                            "homes_entered": route.summary.homes_entered,
                            "exposure_min": round(exposure_total, 2),
                            "distance_m": route.summary.distance,
                            "duration_s": route.summary.duration if route.summary.visits else 0,
                        },
                    }
                )
            unassigned.extend(
                {"ticket_id": u.job_id, "reason": u.reason.value, "detail": u.detail} for u in sol.unassigned
            )
    routes_out.sort(key=lambda r: r["crew_id"])
    unassigned.sort(key=lambda u: (tickets[u["ticket_id"]].priority, u["ticket_id"]))
    return {
        "plan_id": None,
        "date": inputs.day.isoformat(),
        "status": "draft",
        "created_at": None,
        "revision": 0,
        "timezone": policy.region.timezone,
        "routes": routes_out,
        "unassigned": unassigned,
        "crews_not_dispatched": not_dispatched,
        "summary": summarize(
            inputs, policy, routes=routes_out, unassigned=unassigned, tickets=tickets, crews_on_shift=crews_count
        ),
    }


def summarize(
    inputs: PlanInputs,
    policy: Policy,
    *,
    routes: Sequence[dict[str, Any]],
    unassigned: Sequence[dict[str, str]],
    tickets: Mapping[str, Ticket],
    crews_on_shift: int,
) -> dict[str, Any]:
    """The plan's ``summary`` block, from its routes and unassigned tickets."""
    served_by_priority: dict[int, int] = defaultdict(int)
    for r in routes:
        for st in r["steps"]:
            if st["type"] == "visit":
                served_by_priority[tickets[st["ticket_id"]].priority] += 1
    unassigned_by_priority: dict[int, int] = defaultdict(int)
    by_reason: dict[str, int] = defaultdict(int)
    for u in unassigned:
        unassigned_by_priority[tickets[u["ticket_id"]].priority] += 1
        by_reason[u["reason"]] += 1
    worst = max(
        (
            {
                "crew_id": r["crew_id"],
                "homes_entered": r["summary"]["homes_entered"],
                "exposure_min": r["summary"]["exposure_min"],
            }
            for r in routes
        ),
        key=lambda w: (w["exposure_min"], w["homes_entered"]),
        default=None,
    )
    response = _response_summary(inputs, policy, list(routes), dict(tickets))
    return {
        "tickets": sum(served_by_priority.values()) + len(unassigned),
        "served": sum(served_by_priority.values()),
        "unassigned": len(unassigned),
        "served_by_priority": {str(p): served_by_priority.get(p, 0) for p in (1, 2, 3, 4)},
        "unassigned_by_priority": {str(p): unassigned_by_priority.get(p, 0) for p in (1, 2, 3, 4)},
        "unassigned_by_reason": dict(sorted(by_reason.items())),
        "crews_on_shift": crews_on_shift,
        "crews_used": sum(1 for r in routes if r["summary"]["visits"]),
        "distance_m": sum(r["summary"]["distance_m"] for r in routes),
        "homes_entered": sum(r["summary"]["homes_entered"] for r in routes),
        "exposure_min": round(sum(r["summary"]["exposure_min"] for r in routes), 2),
        "worst_exposure": worst,
        "customer_minutes_waited": response["customer_minutes"],
        "within_target_by_priority": response["within_target"],
        "caps": {
            "max_homes_per_shift": policy.exposure.max_homes_per_shift,
            "max_exposure_min_per_shift": policy.exposure.max_exposure_min_per_shift,
        },
    }


def _response_summary(
    inputs: PlanInputs, policy: Policy, routes: list[dict[str, Any]], tickets: dict[str, Ticket]
) -> dict[str, Any]:
    """Customer-minutes waited (report to arrival x customers) and tickets reached within target."""
    within: dict[str, list[int]] = {str(p): [0, 0] for p in (1, 2, 3, 4)}
    customer_minutes = 0.0
    for r in routes:
        for s in r["steps"]:
            if s["type"] != "visit":
                continue
            t = tickets[s["ticket_id"]]
            waited_h = (dt.datetime.fromisoformat(s["arrival"]) - t.reported_at).total_seconds() / 3600
            customer_minutes += max(0.0, waited_h) * 60 * t.customers_affected
            target = policy.response.target_hours.get(t.priority)
            within[str(t.priority)][1] += 1
            if target is not None and waited_h <= target:
                within[str(t.priority)][0] += 1
    return {
        "customer_minutes": round(customer_minutes),
        "within_target": {p: {"within": v[0], "served": v[1]} for p, v in within.items()},
    }


# ---------------------------------------------------------------- database edges


def load_inputs(session: Session, *, day: dt.date, policy: Policy) -> PlanInputs:
    """Everything the plan for ``day`` needs, read in one go."""
    from dispatch.models import load_crews, load_open_tickets, load_shifts, load_zones

    unavailable: dict[str, str] = {}
    budgets: dict[str, Any] = {}
    try:  # the exposure ledger (issue 4) adds quarantines and rolling budgets when present
        from dispatch import exposure
    except ImportError:
        exposure = None  # type: ignore[assignment]
    if exposure is not None:
        unavailable = exposure.unavailable_members(session, day=day)
        budgets = exposure.member_budgets(session, day=day, policy=policy)
    return PlanInputs(
        day=day,
        tickets=tuple(load_open_tickets(session)),
        crews=tuple(load_crews(session)),
        shifts=tuple(load_shifts(session, day=day)),
        zones=tuple(load_zones(session, day=day)),
        unavailable_members=unavailable,
        budgets=budgets,
    )


def save_plan(
    session: Session,
    *,
    result: PlanResult,
    now: dt.datetime,
    time_limit: float,
    reproducible: bool,
    kind: str = "nightly",
    parent_id: int | None = None,
    as_of: dt.datetime | None = None,
) -> dict[str, Any]:
    """Store a new plan version (draft) and the tickets' carry-over reasons; returns the document."""
    import json

    from dispatch.models import PlanRow, PlanUnassignedRow, PlanVisitRow, TicketRow
    from dispatch.models.plans import next_version

    doc = dict(result.document)
    day = dt.date.fromisoformat(doc["date"])
    version = next_version(session, day=day)
    row = PlanRow(
        plan_date=day,
        version=version,
        kind=kind,
        status="draft",
        created_at=now,
        parent_id=parent_id,
        as_of=as_of,
        time_limit_s=time_limit,
        reproducible=reproducible,
        objective=result.objective,
        document="{}",
    )
    session.add(row)
    session.flush()
    doc.update({"plan_id": row.id, "version": version, "revision": version, "created_at": now.isoformat()})
    row.document = json.dumps(doc, ensure_ascii=False)
    for r in doc["routes"]:
        seq = 0
        for s in r["steps"]:
            if s["type"] != "visit":
                continue
            seq += 1
            session.add(
                PlanVisitRow(
                    plan_id=row.id,
                    crew_id=r["crew_id"],
                    seq=seq,
                    ticket_id=s["ticket_id"],
                    arrival=dt.datetime.fromisoformat(s["arrival"]),
                    start=dt.datetime.fromisoformat(s["start"]),
                    end=dt.datetime.fromisoformat(s["end"]),
                    indoor=s["indoor"],
                    exposure_min=s["exposure_min"],
                    travel_m=s["travel_m"],
                )
            )
    reasons = {u["ticket_id"]: u for u in doc["unassigned"]}
    for u in doc["unassigned"]:
        session.add(PlanUnassignedRow(plan_id=row.id, ticket_id=u["ticket_id"], reason=u["reason"], detail=u["detail"]))
    planned_ids = [s["ticket_id"] for r in doc["routes"] for s in r["steps"] if s["type"] == "visit"]
    ids = list(reasons) + planned_ids
    for chunk in range(0, len(ids), 500):
        for t in session.exec(select(TicketRow).where(TicketRow.ticket_id.in_(ids[chunk : chunk + 500]))):  # type: ignore[attr-defined]
            u = reasons.get(t.ticket_id)
            t.unassigned_reason = u["reason"] if u else None
            t.unassigned_detail = u["detail"] if u else None
            session.add(t)
    return doc
