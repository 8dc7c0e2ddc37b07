"""The plan assembled from the solved parts: typed routes, steps with running tallies, unassigned tickets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import solver
from dispatch.core.clock import local_midnight
from dispatch.core.domain import PlanInputs, Ticket
from dispatch.core.plan import CrewNotDispatched, Plan
from dispatch.core.policy import Policy
from dispatch.core.route import BreakWindow, Route, RouteCaps, RouteSummary, Span, Step, StepType
from dispatch.core.unassigned import Displacement, Unassigned, UnassignedFacts
from dispatch.planning.build import Build
from dispatch.planning.crews import CrewOnShift
from dispatch.planning.summary import summarize


def assemble_plan(inputs: PlanInputs, policy: Policy, parts: Sequence[tuple[Build, solver.Solution | None]]) -> Plan:
    """One unsaved plan of ``inputs.day`` from the parts a large region was split into (or a single part);
    a part not solved (``None``) contributes only what it left unassigned before solving."""
    tz = ZoneInfo(policy.region.timezone)
    origin = local_midnight(inputs.day, tz)
    routes: list[Route] = []
    unassigned: list[Unassigned] = []
    not_dispatched: list[CrewNotDispatched] = []
    tickets: dict[str, Ticket] = {}
    crews_count = 0
    for build, solution in parts:
        tickets.update(build.tickets)
        unassigned.extend(build.pre_unassigned)
        not_dispatched.extend(build.not_dispatched)
        crews_count += len(build.crews)
        if solution is None:
            continue
        by_id = {c.crew.crew_id: c for c in build.crews}
        for route in solution.routes:
            crew = by_id.get(route.crew_id)
            if crew is not None:
                routes.append(_route(build, crew, route, origin, tz))
        unassigned.extend(_unassigned(build, u, origin) for u in solution.unassigned)
    routes.sort(key=lambda r: r.crew_id)
    unassigned.sort(key=lambda u: (tickets[u.ticket_id].priority, u.ticket_id))
    return Plan(
        date=inputs.day,
        timezone=policy.region.timezone,
        routes=tuple(routes),
        unassigned=tuple(unassigned),
        crews_not_dispatched=tuple(not_dispatched),
        summary=summarize(policy, routes=routes, unassigned=unassigned, tickets=tickets, crews_on_shift=crews_count),
    )


def _unassigned(build: Build, u: solver.Unassigned, origin: dt.datetime) -> Unassigned:
    """The solver's unassigned job as the plan's, what would have to give way named by ticket priority, the
    values its explanation names with times from the day's origin."""
    shift = None
    if u.displaces is not None:
        victim, crew_id = u.displaces
        shift = Displacement(victim, build.tickets[victim].priority, crew_id)
    return Unassigned(u.job_id, u.reason.value, u.detail, shift, _facts(u.facts, origin))


def _moment(origin: dt.datetime, seconds: int) -> dt.datetime:
    """A solver time (seconds from the day's origin) as an aware datetime."""
    return origin + dt.timedelta(seconds=int(seconds))


def _facts(f: solver.Facts | None, origin: dt.datetime) -> UnassignedFacts | None:
    if f is None:
        return None
    return UnassignedFacts(
        skills=f.skills,
        crews=f.crews,
        count=f.count,
        minutes=f.minutes,
        cap_minutes=f.cap_minutes,
        demand=f.demand,
        windows=tuple((_moment(origin, a), _moment(origin, b)) for a, b in f.windows),
        at=_moment(origin, f.at) if f.at is not None else None,
    )


def _route(build: Build, c: CrewOnShift, route: solver.Route, origin: dt.datetime, tz: ZoneInfo) -> Route:
    """A crew's route from the solver's: times from the day's origin, running homes and exposure."""

    def at(seconds: int) -> dt.datetime:
        return _moment(origin, seconds)

    steps: list[Step] = []
    exposure_total = 0.0
    homes = 0
    for s in route.steps:
        if s.type is solver.StepType.BREAK:
            lat, lon = steps[-1].lat, steps[-1].lon  # a break is taken where the crew is
        else:
            site = build.problem.sites[s.site_index]
            lat, lon = site.y, site.x
        ticket_id, exposure, indoor, emergency = None, 0.0, False, False
        if s.type is solver.StepType.VISIT and s.job_id is not None:
            ticket = build.tickets[s.job_id]
            ticket_id, indoor = s.job_id, ticket.indoor
            exposure = build.exposure_min[s.job_id]
            exposure_total += exposure
            homes += int(indoor)
            emergency = s.job_id in build.emergencies
        steps.append(
            Step(
                type=StepType(s.type.value),
                lat=lat,
                lon=lon,
                arrival=at(s.arrival),
                start=at(s.start),
                end=at(s.end),
                travel_m=s.travel_distance,
                indoor=indoor,
                exposure_min=exposure,
                homes_entered=homes,
                exposure_total_min=round(exposure_total, 2),
                ticket_id=ticket_id,
                emergency=emergency,
            )
        )
    shift = c.shift
    has_break = shift.break_start and shift.break_end and shift.break_min
    return Route(
        crew_id=c.crew.crew_id,
        name=c.crew.name,
        members=tuple(c.members),
        vehicle=c.crew.vehicle.value,
        skills=tuple(c.crew.skills),
        shift=Span(shift.start.astimezone(tz), shift.end.astimezone(tz)),
        break_window=(
            BreakWindow(shift.break_start.astimezone(tz), shift.break_end.astimezone(tz), shift.break_min)  # type: ignore[union-attr]
            if has_break
            else None
        ),
        caps=RouteCaps(c.max_homes, c.max_exposure_min),
        outdoor_only=c.outdoor_only_reason,
        steps=tuple(steps),
        summary=RouteSummary(
            visits=route.summary.visits,
            homes_entered=route.summary.homes_entered,
            exposure_min=round(exposure_total, 2),
            distance_m=route.summary.distance,
            duration_s=route.summary.duration if route.summary.visits else 0,
        ),
    )
