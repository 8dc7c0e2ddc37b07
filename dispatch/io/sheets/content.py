"""Read a published plan (the documented JSON contract) into checked, render-ready values.

Every writer (PDF, HTML, CSV, GeoJSON) renders these values, so all of them show the same
stops, times and tallies. A malformed plan fails here with the exact place that is wrong
(``plan P1: routes[0].steps[3].arrival: ...``) instead of producing a half-written sheet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from dispatch.core.domain import Crew, HouseholdRisk, Ticket, Zone
from dispatch.core.policy import Policy
from dispatch.core.protection import ppe_level
from dispatch.core.zones import ZoneIndex

# Crews get a window, not a minute: traffic and the previous job move the arrival.
ARRIVAL_MARGIN_MIN = 15
STEP_TYPES = ("start", "visit", "break", "end")


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

    @property
    def published(self) -> bool:
        return self.status == "published"


def geo_uri(lat: float, lon: float) -> str:
    """RFC 5870 ``geo:`` link; phones open it in the installed navigation app."""
    return f"geo:{lat:.6f},{lon:.6f}?q={lat:.6f},{lon:.6f}"


class _Reader:
    def __init__(self, plan_id: str, tz: tzinfo) -> None:
        self.plan_id = plan_id
        self.tz = tz

    def fail(self, where: str, what: str) -> SheetError:
        return SheetError(f"plan {self.plan_id}: {where}: {what}")

    def field(self, obj: Mapping[str, Any], key: str, where: str) -> Any:
        if not isinstance(obj, Mapping):
            raise self.fail(where, f"expected an object, got {type(obj).__name__}")
        if key not in obj:
            raise self.fail(f"{where}.{key}" if where else key, "missing")
        return obj[key]

    def time(self, obj: Mapping[str, Any], key: str, where: str) -> datetime:
        raw = self.field(obj, key, where)
        try:
            moment = datetime.fromisoformat(raw)
        except (TypeError, ValueError):
            raise self.fail(f"{where}.{key}", f"expected an ISO 8601 time with offset, got {raw!r}") from None
        if moment.tzinfo is None:
            raise self.fail(f"{where}.{key}", f"time {raw!r} has no UTC offset")
        return moment.astimezone(self.tz)

    def number(self, obj: Mapping[str, Any], key: str, where: str, *, default: float | None = None) -> float:
        if default is not None and (key not in obj or obj[key] is None):
            return default
        raw = self.field(obj, key, where)
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise self.fail(f"{where}.{key}", f"expected a number, got {raw!r}")
        return float(raw)

    def coordinate(self, obj: Mapping[str, Any], where: str) -> tuple[float, float]:
        lat = self.number(obj, "lat", where)
        lon = self.number(obj, "lon", where)
        if not -90 <= lat <= 90:
            raise self.fail(f"{where}.lat", f"latitude {lat} outside -90..90")
        if not -180 <= lon <= 180:
            raise self.fail(f"{where}.lon", f"longitude {lon} outside -180..180")
        return lat, lon

    def cap(self, caps: Mapping[str, Any], key: str, where: str, default: float) -> float | None:
        """A cap from the plan (it may be lower than policy: rolling budgets); null means uncapped."""
        if key not in caps:
            return default
        if caps[key] is None:
            return None
        return self.number(caps, key, where)


def read_plan(
    *,
    plan: Mapping[str, Any],
    tickets: Mapping[str, Ticket],
    crews: Mapping[str, Crew],
    policy: Policy,
    tz: tzinfo,
    crew_id: str | None = None,
    zones: Sequence[Zone] = (),
) -> PlanSheets:
    """Check the plan against the contract and the tickets/crews it names; keep one crew if asked.
    ``zones`` (those valid on the plan's date count) raise a stop's PPE level."""
    if not isinstance(plan, Mapping):
        raise SheetError(f"plan: expected a JSON object, got {type(plan).__name__}")
    plan_id = str(plan.get("plan_id") or "?")
    r = _Reader(plan_id, tz)
    r.field(plan, "plan_id", "")
    raw_day = r.field(plan, "date", "")
    try:
        day = date.fromisoformat(raw_day)
    except (TypeError, ValueError):
        raise r.fail("date", f"expected YYYY-MM-DD, got {raw_day!r}") from None
    created_at = r.time(plan, "created_at", "") if plan.get("created_at") else None
    routes_raw = r.field(plan, "routes", "")
    if not isinstance(routes_raw, list):
        raise r.fail("routes", "expected a list")
    plan_crews = [str(r.field(route, "crew_id", f"routes[{i}]")) for i, route in enumerate(routes_raw)]
    if crew_id is not None and crew_id not in plan_crews:
        raise SheetError(
            f"plan {plan_id}: crew {crew_id!r} has no route in this plan (crews: {', '.join(plan_crews) or 'none'})"
        )
    zone_index = ZoneIndex([z for z in zones if z.valid_on(day)])
    routes = tuple(
        _read_route(r, route, f"routes[{i}]", tickets=tickets, crews=crews, policy=policy, zones=zone_index)
        for i, route in enumerate(routes_raw)
        if crew_id is None or plan_crews[i] == crew_id
    )
    unassigned_raw = plan.get("unassigned") or []
    if not isinstance(unassigned_raw, list):
        raise r.fail("unassigned", "expected a list")
    unassigned = []
    for i, item in enumerate(unassigned_raw):
        where = f"unassigned[{i}]"
        ticket_id = str(r.field(item, "ticket_id", where))
        unassigned.append(
            Unassigned(
                ticket_id=ticket_id,
                reason=str(r.field(item, "reason", where)),
                detail=str(item.get("detail") or ""),
                ticket=tickets.get(ticket_id),
            )
        )
    return PlanSheets(
        plan_id=plan_id,
        day=day,
        status=str(plan.get("status") or "?"),
        revision=plan.get("revision", "?"),
        created_at=created_at,
        routes=routes,
        unassigned=tuple(unassigned),
        phone_on_paper=policy.sheets.phone_on_paper,
    )


def _read_route(
    r: _Reader,
    route: Mapping[str, Any],
    where: str,
    *,
    tickets: Mapping[str, Ticket],
    crews: Mapping[str, Crew],
    policy: Policy,
    zones: ZoneIndex,
) -> RouteSheet:
    crew_id = str(r.field(route, "crew_id", where))
    shift = r.field(route, "shift", where)
    shift_start = r.time(shift, "start", f"{where}.shift")
    shift_end = r.time(shift, "end", f"{where}.shift")
    steps = r.field(route, "steps", where)
    if not isinstance(steps, list):
        raise r.fail(f"{where}.steps", "expected a list")
    items: list[Stop | Break] = []
    path: list[tuple[float, float]] = []
    depot: tuple[float, float] | None = None
    finish: tuple[float, float] | None = None
    seen: set[str] = set()
    for j, step in enumerate(steps):
        at = f"{where}.steps[{j}]"
        kind = r.field(step, "type", at)
        if kind not in STEP_TYPES:
            raise r.fail(f"{at}.type", f"expected one of {', '.join(STEP_TYPES)}, got {kind!r}")
        point = r.coordinate(step, at)
        path.append(point)
        if kind == "start":
            depot = depot or point
        elif kind == "end":
            finish = point
        elif kind == "break":
            items.append(
                Break(start=r.time(step, "start", at), end=r.time(step, "end", at), lat=point[0], lon=point[1])
            )
        else:
            ticket_id = str(r.field(step, "ticket_id", at))
            if ticket_id in seen:
                raise r.fail(f"{at}.ticket_id", f"ticket {ticket_id!r} visited twice on this route")
            seen.add(ticket_id)
            ticket = tickets.get(ticket_id)
            if ticket is None:
                raise r.fail(f"{at}.ticket_id", f"ticket {ticket_id!r} not found among the tickets given")
            risk = ticket.household_risk
            indoor = bool(step.get("indoor", ticket.indoor))
            items.append(
                Stop(
                    seq=sum(isinstance(i, Stop) for i in items) + 1,
                    ticket=ticket,
                    lat=point[0],
                    lon=point[1],
                    arrival=r.time(step, "arrival", at),
                    start=r.time(step, "start", at),
                    end=r.time(step, "end", at),
                    travel_m=r.number(step, "travel_m", at, default=0.0),
                    indoor=indoor,
                    exposure_min=r.number(step, "exposure_min", at, default=0.0),
                    homes_entered=int(r.number(step, "homes_entered", at)),
                    exposure_total_min=r.number(step, "exposure_total_min", at),
                    ppe_level=ppe_level(ticket, zones=zones.at(point[1], point[0]), policy=policy),
                    ends_home_entries=(
                        indoor and risk is HouseholdRisk.ISOLATING and policy.exposure.isolating_ends_home_entries
                    ),
                    emergency=step.get("emergency") is True,
                )
            )
    crew = crews.get(crew_id)
    if crew is None:
        # The plan carries all a sheet needs (a crew retired since publishing still gets its sheet).
        if depot is None:
            raise r.fail(
                f"{where}.crew_id", f"crew {crew_id!r} is not among the crews given and its route has no start"
            )
        crew = Crew(
            crew_id=crew_id,
            name=str(route.get("name") or crew_id),
            depot_lat=depot[0],
            depot_lon=depot[1],
            members=tuple(str(m) for m in route.get("members") or ()),
        )
    depot = depot or (crew.depot_lat, crew.depot_lon)
    if finish is None:
        finish = (crew.end_lat, crew.end_lon) if crew.end_lat is not None and crew.end_lon is not None else depot
    summary = route.get("summary") or {}
    caps = route.get("caps") or {}
    stops = [i for i in items if isinstance(i, Stop)]
    return RouteSheet(
        crew=crew,
        members=tuple(str(m) for m in (route.get("members") or crew.members)),
        vehicle=str(route.get("vehicle") or crew.vehicle),
        shift_start=shift_start,
        shift_end=shift_end,
        depot=depot,
        finish=finish,
        path=tuple(path),
        items=tuple(items),
        visits=int(r.number(summary, "visits", f"{where}.summary", default=float(len(stops)))),
        homes_entered=int(
            r.number(
                summary, "homes_entered", f"{where}.summary", default=float(stops[-1].homes_entered if stops else 0)
            )
        ),
        exposure_min=r.number(
            summary, "exposure_min", f"{where}.summary", default=stops[-1].exposure_total_min if stops else 0.0
        ),
        distance_m=r.number(summary, "distance_m", f"{where}.summary", default=0.0),
        duration_s=r.number(summary, "duration_s", f"{where}.summary", default=0.0),
        max_homes=_int_or_none(r.cap(caps, "max_homes", f"{where}.caps", policy.exposure.max_homes_per_shift)),
        max_exposure_min=r.cap(caps, "max_exposure_min", f"{where}.caps", policy.exposure.max_exposure_min_per_shift),
        outdoor_only=bool(route.get("outdoor_only")),
    )


def _int_or_none(value: float | None) -> int | None:
    return None if value is None else int(value)
