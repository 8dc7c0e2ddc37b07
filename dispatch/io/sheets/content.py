"""A published plan, with the tickets and crews it names, turned into render-ready route sheet values.

Every writer (PDF, HTML, CSV, GeoJSON) renders these values, so all of them show the same stops,
times and tallies, in the region's time zone. The plan itself was checked when it was read
(:meth:`dispatch.core.plan.Plan.from_json`); what fails here is a plan that names a ticket or crew
the sheets are not given, with the place that names it (``plan 7: routes[0].steps[3].ticket_id: ...``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

from dispatch.core.domain import Crew, HouseholdRisk, Ticket, Zone
from dispatch.core.plan import NotDone, Plan
from dispatch.core.policy import Policy
from dispatch.core.protection import ppe_level
from dispatch.core.route import Route, Step, StepProgress, StepType
from dispatch.core.unassigned import Displacement, UnassignedFacts
from dispatch.core.zones import ZoneIndex

# Crews get a window, not a minute: traffic and the previous job move the arrival.
ARRIVAL_MARGIN_MIN = 15


class SheetError(ValueError):
    """The plan or its inputs cannot be turned into route sheets; the message says where."""


@dataclass(frozen=True)
class Stop:
    seq: int  # 1-based position among the crew's visits
    ticket: Ticket
    lat: float
    lon: float
    arrival: datetime  # local time zone
    start: datetime
    end: datetime
    travel_m: float
    indoor: bool
    exposure_min: float
    homes_entered: int  # running total after this stop
    exposure_total_min: float  # running total after this stop
    # The protection to wear (0 none ... 3 full PPE, policy [sheets.ppe]): what a sheet prints instead of
    # the household's risk, which no crew file carries (it is read at the door, by neighbours too).
    ppe_level: int
    ends_home_entries: bool  # policy: an isolating home is the last home of the shift
    emergency: bool = False  # a hazard still within its response target: go straight there
    # A revision's visit already done or under way when it was made (the re-plan's ``progress``).
    progress: StepProgress | None = None

    @property
    def done(self) -> bool:
        return self.progress is StepProgress.DONE

    @property
    def ppe_required(self) -> bool:
        return self.ppe_level > 0

    @property
    def window_from(self) -> datetime:
        return self.arrival - timedelta(minutes=ARRIVAL_MARGIN_MIN)

    @property
    def window_to(self) -> datetime:
        return max(self.arrival, self.start) + timedelta(minutes=ARRIVAL_MARGIN_MIN)

    @property
    def waiting_min(self) -> float:
        return (self.start - self.arrival).total_seconds() / 60

    @property
    def nav_uri(self) -> str:
        return geo_uri(self.lat, self.lon)


@dataclass(frozen=True)
class Break:
    start: datetime
    end: datetime
    lat: float
    lon: float


@dataclass(frozen=True)
class RouteSheet:
    crew: Crew
    members: tuple[str, ...]
    vehicle: str
    shift_start: datetime
    shift_end: datetime
    depot: tuple[float, float]  # (lat, lon) where the route starts
    finish: tuple[float, float]  # (lat, lon) where it ends
    path: tuple[tuple[float, float], ...]  # (lat, lon) of every step in order
    items: tuple[Stop | Break, ...]  # visits and breaks in route order
    visits: int
    homes_entered: int
    exposure_min: float
    distance_m: float
    duration_s: float
    max_homes: int | None
    max_exposure_min: float | None
    outdoor_only: bool = False  # the crew's exposure budget is spent: no home entries today
    overtime_min: int = 0  # minutes past the rostered shift end (a re-plan's overtime)

    @property
    def crew_id(self) -> str:
        return self.crew.crew_id

    @property
    def stops(self) -> tuple[Stop, ...]:
        return tuple(i for i in self.items if isinstance(i, Stop))

    @property
    def breaks(self) -> tuple[Break, ...]:
        return tuple(i for i in self.items if isinstance(i, Break))


@dataclass(frozen=True)
class Unassigned:
    ticket_id: str
    reason: str
    detail: str
    ticket: Ticket | None  # None when the ticket is no longer in the database
    displaces: Displacement | None = None  # crowded out: what would have to give way for it
    facts: UnassignedFacts | None = None  # the values the detail names, for wording it in the sheet's language
    not_done: NotDone | None = None  # reported not done today: what the re-plan did with it


@dataclass(frozen=True)
class PlanSheets:
    plan_id: str
    day: date
    status: str
    revision: int | str
    created_at: datetime | None
    routes: tuple[RouteSheet, ...]
    unassigned: tuple[Unassigned, ...]
    # Customers' phone numbers on paper, the CSV and the GeoJSON too (policy sheets.phone_on_paper);
    # otherwise only the phone page shows them, as a tap-to-call link.
    phone_on_paper: bool = False
    # How short the day is: crew-hours the crowded-out tickets of each priority or more urgent would take.
    short_crew_hours: Mapping[int, float] = field(default_factory=dict)

    @property
    def published(self) -> bool:
        return self.status == "published"


def geo_uri(lat: float, lon: float) -> str:
    """RFC 5870 ``geo:`` link; phones open it in the installed navigation app."""
    return f"geo:{lat:.6f},{lon:.6f}?q={lat:.6f},{lon:.6f}"


def read_plan(
    *,
    plan: Plan,
    tickets: Mapping[str, Ticket],
    crews: Mapping[str, Crew],
    policy: Policy,
    tz: tzinfo,
    crew_id: str | None = None,
    zones: Sequence[Zone] = (),
) -> PlanSheets:
    """The sheets of ``plan`` (one crew's if asked), checked against the tickets and crews it names.
    ``zones`` (those valid on the plan's date count) raise a stop's PPE level."""
    plan_id = str(plan.plan_id if plan.plan_id is not None else "?")
    plan_crews = [r.crew_id for r in plan.routes]
    if crew_id is not None and crew_id not in plan_crews:
        raise SheetError(
            f"plan {plan_id}: crew {crew_id!r} has no route in this plan (crews: {', '.join(plan_crews) or 'none'})"
        )
    zone_index = ZoneIndex([z for z in zones if z.valid_on(plan.date)])
    routes = tuple(
        _route_sheet(
            route, f"plan {plan_id}: routes[{i}]", tickets=tickets, crews=crews, policy=policy, tz=tz, zones=zone_index
        )
        for i, route in enumerate(plan.routes)
        if crew_id is None or route.crew_id == crew_id
    )
    return PlanSheets(
        plan_id=plan_id,
        day=plan.date,
        status=plan.status,
        revision=plan.revision,
        created_at=plan.created_at.astimezone(tz) if plan.created_at else None,
        routes=routes,
        unassigned=tuple(
            Unassigned(
                u.ticket_id,
                u.reason,
                u.detail,
                tickets.get(u.ticket_id),
                u.displaces,
                u.facts,
                plan.not_done_of(u.ticket_id),
            )  # fmt: skip
            for u in plan.unassigned
        ),
        phone_on_paper=policy.sheets.phone_on_paper,
        short_crew_hours=dict(plan.summary.short_crew_hours_by_priority),
    )


def _route_sheet(
    route: Route,
    where: str,
    *,
    tickets: Mapping[str, Ticket],
    crews: Mapping[str, Crew],
    policy: Policy,
    tz: tzinfo,
    zones: ZoneIndex,
) -> RouteSheet:
    items: list[Stop | Break] = []
    path: list[tuple[float, float]] = []
    depot: tuple[float, float] | None = None
    finish: tuple[float, float] | None = None
    seen: set[str] = set()
    for j, step in enumerate(route.steps):
        point = (step.lat, step.lon)
        path.append(point)
        if step.type is StepType.START:
            depot = depot or point
        elif step.type is StepType.END:
            finish = point
        elif step.type is StepType.BREAK:
            items.append(
                Break(start=step.start.astimezone(tz), end=step.end.astimezone(tz), lat=step.lat, lon=step.lon)
            )
        else:
            ticket_id = step.ticket_id or ""
            if ticket_id in seen:
                raise SheetError(f"{where}.steps[{j}].ticket_id: ticket {ticket_id!r} visited twice on this route")
            if step.progress is None:  # a reported visit (not home) may be followed by its visit again
                seen.add(ticket_id)
            ticket = tickets.get(ticket_id)
            if ticket is None:
                raise SheetError(
                    f"{where}.steps[{j}].ticket_id: ticket {ticket_id!r} not found among the tickets given"
                )
            seq = sum(isinstance(i, Stop) for i in items) + 1
            items.append(_stop(step, ticket, seq=seq, policy=policy, tz=tz, zones=zones))
    crew = crews.get(route.crew_id)
    if crew is None:
        # The plan carries all a sheet needs (a crew retired since publishing still gets its sheet).
        if depot is None:
            raise SheetError(
                f"{where}.crew_id: crew {route.crew_id!r} is not among the crews given and its route has no start"
            )
        crew = Crew(
            crew_id=route.crew_id,
            name=route.name or route.crew_id,
            depot_lat=depot[0],
            depot_lon=depot[1],
            members=route.members,
        )
    depot = depot or (crew.depot_lat, crew.depot_lon)
    if finish is None:
        finish = (crew.end_lat, crew.end_lon) if crew.end_lat is not None and crew.end_lon is not None else depot
    summary = route.summary
    return RouteSheet(
        crew=crew,
        members=route.members or crew.members,
        vehicle=route.vehicle or str(crew.vehicle),
        shift_start=route.shift.start.astimezone(tz),
        shift_end=route.shift.end.astimezone(tz),
        overtime_min=route.overtime.minutes if route.overtime is not None else 0,
        depot=depot,
        finish=finish,
        path=tuple(path),
        items=tuple(items),
        visits=summary.visits,
        homes_entered=summary.homes_entered,
        exposure_min=float(summary.exposure_min),
        distance_m=float(summary.distance_m),
        duration_s=float(summary.duration_s),
        max_homes=route.caps.max_homes,
        max_exposure_min=float(route.caps.max_exposure_min),
        outdoor_only=bool(route.outdoor_only),
    )


def _stop(step: Step, ticket: Ticket, *, seq: int, policy: Policy, tz: tzinfo, zones: ZoneIndex) -> Stop:
    """A visit step as the crew reads it: times in the region's zone, the PPE level (never the household's
    condition) and the home-entry rule."""
    risk = ticket.household_risk
    return Stop(
        seq=seq,
        ticket=ticket,
        lat=step.lat,
        lon=step.lon,
        arrival=step.arrival.astimezone(tz),
        start=step.start.astimezone(tz),
        end=step.end.astimezone(tz),
        travel_m=float(step.travel_m),
        indoor=step.indoor,
        exposure_min=float(step.exposure_min),
        homes_entered=step.homes_entered,
        exposure_total_min=float(step.exposure_total_min),
        ppe_level=ppe_level(ticket, zones=zones.at(step.lon, step.lat), policy=policy),
        ends_home_entries=step.indoor
        and risk is HouseholdRisk.ISOLATING
        and policy.exposure.isolating_ends_home_entries,
        emergency=step.emergency,
        # An unconfirmed stop (no report yet) is still the crew's to do and report: shown as planned.
        progress=step.progress if step.progress is not StepProgress.UNCONFIRMED else None,
    )
