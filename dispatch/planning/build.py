"""The solver problem of a day's inputs: crews with their shifts and caps, tickets as jobs, travel."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import solver
from dispatch.core.clock import local_midnight
from dispatch.core.domain import Category, HouseholdRisk, PlanInputs, Ticket
from dispatch.core.exposure import ticket_exposure_min
from dispatch.core.plan import CrewNotDispatched
from dispatch.core.policy import Policy
from dispatch.core.unassigned import Unassigned, UnassignedFacts
from dispatch.core.zones import ZoneIndex
from dispatch.planning.crews import CrewOnShift, crews_on_shift
from dispatch.planning.roads import profiles_for
from dispatch.planning.travel import MatrixFromCoords

# Reasons decided before the solver sees a ticket (the solver's own are in solver.Reason).
ZONE_CLOSED = "zone_closed"


NO_CREW_ON_SHIFT = "no_crew_on_shift"


@dataclass
class Build:
    """A built part: the solver problem and what assembling the plan needs of its inputs."""

    problem: solver.Problem
    crews: list[CrewOnShift]
    tickets: dict[str, Ticket]
    exposure_min: dict[str, float]
    pre_unassigned: list[Unassigned] = field(default_factory=list)
    not_dispatched: list[CrewNotDispatched] = field(default_factory=list)
    # Tickets planned as emergencies (solver class 0): still within their response target.
    emergencies: frozenset[str] = frozenset()


@dataclass
class _Jobs:
    """What building records of each ticket: the ticket, its exposure, whether it is an emergency, or
    why it is unassigned before solving."""

    tickets: dict[str, Ticket] = field(default_factory=dict)
    exposure_min: dict[str, float] = field(default_factory=dict)
    pre_unassigned: list[Unassigned] = field(default_factory=list)
    emergencies: set[str] = field(default_factory=set)


class _Sites:
    """The problem's sites in the order they are added (the travel matrix rows), depots shared."""

    def __init__(self, model: solver.Model) -> None:
        self.model = model
        self.coords: list[tuple[float, float]] = []
        self.names: list[str] = []
        self.depots: dict[tuple[float, float], solver.Site] = {}
        self.reached: set[int] = set()  # sites someone drives to: job sites and crews' ends

    def site(self, lon: float, lat: float, name: str, *, reached: bool = True) -> solver.Site:
        self.coords.append((lon, lat))
        self.names.append(name)
        site = self.model.add_site(x=lon, y=lat, name=name)
        if reached:
            self.reached.add(site.index)
        return site

    def start_only(self) -> frozenset[int]:
        """Sites only ever left (a crew's position in a re-plan): road travel needs their rows, not columns."""
        return frozenset(range(len(self.coords))) - self.reached

    def depot(self, lon: float, lat: float, name: str, *, reached: bool = True) -> solver.Site:
        if (lon, lat) not in self.depots:
            self.depots[(lon, lat)] = self.site(lon, lat, name, reached=reached)
        site = self.depots[(lon, lat)]
        if reached:
            self.reached.add(site.index)
        return site


def build_problem(
    inputs: PlanInputs,
    policy: Policy,
    *,
    as_of: dt.datetime | None = None,
    emergencies: Collection[str] = (),
) -> Build:
    """The solver problem for ``inputs``. ``as_of`` is when the plan starts to run (default: the
    earliest shift start): a ticket still within its response target then is an emergency, and so
    is every ticket named in ``emergencies`` (one already dispatched as such stays one)."""
    origin = local_midnight(inputs.day, ZoneInfo(policy.region.timezone))
    crews, not_dispatched = crews_on_shift(inputs, policy)
    model = solver.Model()
    model.set_objective(
        solver.Objective(
            travel_time_weight=policy.solver.travel_time_weight,
            wait_weight=policy.solver.wait_weight,
            priority_ratio=policy.solver.priority_ratio,
        )
    )
    sites = _Sites(model)
    for c in crews:
        _add_crew(model, sites, c, origin, policy)
    if as_of is None:
        as_of = min((c.shift.start for c in crews), default=origin)
    jobs = _Jobs()
    zones = ZoneIndex([z for z in inputs.zones if z.valid_on(inputs.day)])
    for t in sorted(inputs.tickets, key=lambda t: t.ticket_id):
        _add_ticket(model, sites, jobs, t, zones=zones, day=inputs.day, origin=origin, policy=policy,
                    as_of=as_of, sticky=emergencies, crews=bool(crews),
                    margin=inputs.overrun.get(t.category.value, 1.0) if t.indoor else 1.0)  # fmt: skip
    if not crews:
        # The solver needs a crew; an idle placeholder never serves anything.
        here = sites.coords[0] if sites.coords else (108.55, -6.72)
        model.add_crew(id="__none__", start=sites.depot(here[0], here[1], "none"), shift=solver.TimeWindow(0, 0))
    profiles = profiles_for([c.crew.vehicle.value for c in crews]) if crews else ()
    problem = model.build(
        MatrixFromCoords(sites.coords, inputs.zones, inputs.day, policy, sites.names, profiles, sites.start_only())
    )
    return Build(
        problem,
        crews,
        jobs.tickets,
        jobs.exposure_min,
        jobs.pre_unassigned,
        not_dispatched,
        frozenset(jobs.emergencies),
    )


def _add_crew(model: solver.Model, sites: _Sites, c: CrewOnShift, origin: dt.datetime, policy: Policy) -> None:
    """A crew on shift as a solver crew: depot and end, shift and break in seconds from ``origin``, caps."""

    def secs(t: dt.datetime) -> int:
        return int((t - origin).total_seconds())

    shift = c.shift
    has_end = c.crew.end_lat is not None and c.crew.end_lon is not None
    start = sites.depot(c.crew.depot_lon, c.crew.depot_lat, f"{c.crew.crew_id} depot", reached=not has_end)
    end = start
    if c.crew.end_lat is not None and c.crew.end_lon is not None:
        end = sites.depot(c.crew.end_lon, c.crew.end_lat, f"{c.crew.crew_id} end")
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
        # On roads each vehicle kind drives its own matrix (a motorcycle takes lanes a car cannot).
        profile=c.crew.vehicle.value if policy.travel.on_roads else None,
    )


def _add_ticket(
    model: solver.Model,
    sites: _Sites,
    jobs: _Jobs,
    t: Ticket,
    *,
    zones: ZoneIndex,
    day: dt.date,
    origin: dt.datetime,
    policy: Policy,
    as_of: dt.datetime,
    sticky: Collection[str],
    crews: bool,
    margin: float = 1.0,
) -> None:
    """A ticket as a job (or unassigned before solving: a home in a closed zone, no crew on shift);
    its exposure counts against the caps times ``margin`` (the overrun margin of its category)."""
    jobs.tickets[t.ticket_id] = t
    here = zones.at(t.lon, t.lat)
    jobs.exposure_min[t.ticket_id] = ticket_exposure_min(t, zones=here, policy=policy)
    closed = [z.name for z in here if z.closed]
    if t.indoor and closed:
        jobs.pre_unassigned.append(
            Unassigned(
                t.ticket_id,
                ZONE_CLOSED,
                f"inside closed zone {closed[0]}: no home entries there",
                facts=UnassignedFacts(zone=closed[0]),
            )
        )
        return
    if not crews:
        jobs.pre_unassigned.append(Unassigned(t.ticket_id, NO_CREW_ON_SHIFT, f"no crew is on shift on {day}"))
        return
    windows = []
    if t.window_start and t.window_end:
        tz = origin.tzinfo
        ws = dt.datetime.combine(day, dt.time.fromisoformat(t.window_start), tzinfo=tz)
        we = dt.datetime.combine(day, dt.time.fromisoformat(t.window_end), tzinfo=tz)
        windows.append(solver.TimeWindow(int((ws - origin).total_seconds()), int((we - origin).total_seconds())))
    emergency = (
        (t.ticket_id in sticky and t.priority in policy.response.emergency_priorities)
        or policy.response.is_emergency(priority=t.priority, reported_at=t.reported_at, as_of=as_of)
        or policy.outage.is_emergency(category=t.category, customers=t.customers_affected)
    )
    if emergency:
        jobs.emergencies.add(t.ticket_id)
    urgency = policy.response.emergency_customers * max(1, policy.solver.wait_weight)
    model.add_job(
        id=t.ticket_id,
        site=sites.site(t.lon, t.lat, t.ticket_id),
        service=t.service_min * 60,
        time_windows=windows,
        skills=t.skills,
        priority=0 if emergency else t.priority,
        urgency=urgency if emergency else 0,
        customers=max(1, t.customers_affected),
        enters_home=t.indoor,
        exposure=math.ceil(jobs.exposure_min[t.ticket_id] * margin * 60),
        contaminating=t.indoor
        and t.household_risk == HouseholdRisk.ISOLATING
        and policy.exposure.isolating_ends_home_entries,
        # A wide outage's asset job: every customer behind it waits while it is left out.
        unserved_waits=t.category is Category.ASSET_OUTAGE,
        # Counted by its customers within its priority only: among emergencies every job is one, so a fresh
        # hazard is never outweighed by an asset job that is itself still within its response target.
        weight=1
        if emergency
        else min(solver.MAX_WEIGHT, policy.outage.job_weight(category=t.category, customers=t.customers_affected)),
    )
