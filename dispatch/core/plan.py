"""The plan: one day's routes, unassigned tickets and summary, as typed immutable values.

This module is the plan JSON contract of docs/plan-format.md. :meth:`Plan.to_json` and
:meth:`Plan.from_json` are the only code that writes or reads the JSON; everything else passes
:class:`Plan` values. Times are timezone-aware datetimes (written in the region's offset), distances
integer metres, durations integer seconds, exposure weighted minutes. Optional keys are left out of
the JSON when they have no value, as documented; reading validates every key once and names the
place of the first problem (``routes[3].steps[2].arrival: ...``).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, TypeVar

PRIORITIES = (1, 2, 3, 4)
T = TypeVar("T")


class PlanFormatError(ValueError):
    """A plan document does not follow the contract; the message says where and what."""


class StepType(StrEnum):
    START = "start"
    VISIT = "visit"
    BREAK = "break"
    END = "end"


class StepProgress(StrEnum):
    """How far a step of a re-plan had got at the re-plan time (frozen steps only)."""

    DONE = "done"
    UNDER_WAY = "under_way"


class PlanKind(StrEnum):
    NIGHTLY = "nightly"
    REPLAN = "replan"


class PlanStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"  # the version crews get (one per day)
    SUPERSEDED = "superseded"  # published once, replaced by a later version


# ----------------------------------------------------------------------------------------- routes


@dataclass(frozen=True)
class Step:
    """One stop of a route: the crew's start, a visit, a break or the end of its shift."""

    type: StepType
    lat: float
    lon: float
    arrival: dt.datetime
    start: dt.datetime
    end: dt.datetime
    travel_m: int  # driven from the previous step
    indoor: bool
    exposure_min: float  # weighted in-home minutes of this step
    homes_entered: int  # running total on the route
    exposure_total_min: float  # running total on the route
    ticket_id: str | None = None  # visits only
    emergency: bool = False  # a hazard planned as an emergency (key only when true)
    progress: StepProgress | None = None  # re-plans: frozen steps only
    outcome: str | None = None  # re-plans: a frozen visit's reported outcome (null while under way)

    @property
    def is_visit(self) -> bool:
        return self.type is StepType.VISIT


@dataclass(frozen=True)
class Span:
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True)
class BreakWindow:
    """A break of ``minutes`` to be taken inside [window_start, window_end]."""

    window_start: dt.datetime
    window_end: dt.datetime
    minutes: int


@dataclass(frozen=True)
class RouteCaps:
    """Tonight's caps of the crew (the tightest member's rolling budget within the per-shift caps)."""

    max_homes: int
    max_exposure_min: float


@dataclass(frozen=True)
class RouteSummary:
    visits: int
    homes_entered: int
    exposure_min: float
    distance_m: int
    duration_s: int


@dataclass(frozen=True)
class Route:
    """One crew's day: who, when, with which caps, and its steps in order."""

    crew_id: str
    name: str
    members: tuple[str, ...]
    vehicle: str
    skills: tuple[str, ...]
    shift: Span
    break_window: BreakWindow | None  # JSON key "break"
    caps: RouteCaps
    outdoor_only: str | None  # why the crew enters no home tonight, or None
    steps: tuple[Step, ...]
    summary: RouteSummary
    break_taken: Span | None = None  # re-plans: a break begun before the re-plan time
    end_shift: dt.datetime | None = None  # re-plans: a shift end the dispatcher moved

    @property
    def visits(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.type is StepType.VISIT)

    @property
    def ticket_ids(self) -> tuple[str, ...]:
        return tuple(s.ticket_id for s in self.steps if s.type is StepType.VISIT and s.ticket_id is not None)

    @property
    def break_step(self) -> Step | None:
        return next((s for s in self.steps if s.type is StepType.BREAK), None)

    @property
    def break_span(self) -> Span | None:
        """When the crew's break is planned (its step), or was taken (recorded by an earlier re-plan)."""
        step = self.break_step
        return Span(step.start, step.end) if step is not None else self.break_taken


@dataclass(frozen=True)
class Unassigned:
    """An open ticket the plan does not serve, with the reason (a code) and a sentence for people."""

    ticket_id: str
    reason: str
    detail: str


@dataclass(frozen=True)
class CrewNotDispatched:
    crew_id: str
    reason: str


# ---------------------------------------------------------------------------------------- summary


@dataclass(frozen=True)
class WorstExposure:
    crew_id: str
    homes_entered: int
    exposure_min: float


@dataclass(frozen=True)
class WithinTarget:
    within: int  # served within the priority's response target
    served: int


@dataclass(frozen=True)
class SummaryCaps:
    max_homes_per_shift: int
    max_exposure_min_per_shift: float


@dataclass(frozen=True)
class PlanSummary:
    tickets: int
    served: int
    unassigned: int
    served_by_priority: Mapping[int, int]
    unassigned_by_priority: Mapping[int, int]
    unassigned_by_reason: Mapping[str, int]
    crews_on_shift: int
    crews_used: int
    distance_m: int
    homes_entered: int
    exposure_min: float
    worst_exposure: WorstExposure | None
    customer_minutes_waited: int
    within_target_by_priority: Mapping[int, WithinTarget]
    caps: SummaryCaps


# -------------------------------------------------------------------------------------- re-plans


@dataclass(frozen=True)
class CrewChange:
    """What a revision changed on one crew's stops not yet done or under way."""

    crew_id: str
    changed: bool  # any stop changed, or retimed
    summary: str  # for the dispatcher, e.g. "2 stops added, 1 moved to C07"
    added: tuple[str, ...]  # new to the crew's route (not in the previous revision)
    moved_in: Mapping[str, str]  # ticket -> crew it came from
    moved_out: Mapping[str, str]  # ticket -> crew it went to
    dropped: tuple[str, ...]  # now unassigned (or closed)
    reordered: int
    retimed: int  # arrival moved by more than the retime tolerance
    frozen: int  # visits done or under way, not re-planned

    @property
    def stops_changed(self) -> int:
        return len(self.added) + len(self.moved_in) + len(self.moved_out) + len(self.dropped) + self.reordered


@dataclass(frozen=True)
class Forecast:
    """A P1 ticket's forecast arrival against its response target."""

    ticket_id: str
    crew_id: str | None
    reported_at: dt.datetime
    arrival: dt.datetime | None
    response_h: float | None
    target_h: float | None
    within_target: bool
    under_way: bool
    emergency: bool
    reason: str | None = None  # unassigned ones only


@dataclass(frozen=True)
class Revision:
    """What a re-plan adds: the plan it revises, its clock time and what it changed."""

    parent_id: int | None
    as_of: dt.datetime
    storm: bool
    changes: Mapping[str, CrewChange]
    response_forecast: tuple[Forecast, ...]
    storm_deadlines: Mapping[str, dt.datetime]
    notes: tuple[str, ...]


# ------------------------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class Plan:
    """A plan of one day. Unsaved plans have no id, creation time or version yet."""

    date: dt.date
    timezone: str
    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    crews_not_dispatched: tuple[CrewNotDispatched, ...]
    summary: PlanSummary
    plan_id: int | None = None
    status: str = "draft"
    created_at: dt.datetime | None = None
    revision: int = 0
    version: int | None = None
    revision_of: Revision | None = None  # re-plans only
    unlocated_tickets: tuple[str, ...] | None = None  # open tickets without coordinates, not planned

    @property
    def kind(self) -> PlanKind:
        return PlanKind.REPLAN if self.revision_of is not None else PlanKind.NIGHTLY

    def route(self, crew_id: str) -> Route | None:
        return next((r for r in self.routes if r.crew_id == crew_id), None)

    def visits(self) -> list[tuple[Route, Step]]:
        """Every visit step with its route, route by route."""
        return [(r, s) for r in self.routes for s in r.steps if s.type is StepType.VISIT]

    def served_ticket_ids(self) -> list[str]:
        return [s.ticket_id for _, s in self.visits() if s.ticket_id is not None]

    def with_(self, **changes: Any) -> Plan:
        return replace(self, **changes)

    # ------------------------------------------------------------------------------ JSON

    def to_json(self) -> dict[str, Any]:
        """The documented JSON object (key order as documented; optional keys only when set)."""
        out: dict[str, Any] = {
            "plan_id": self.plan_id,
            "date": self.date.isoformat(),
            "status": self.status,
            "created_at": _iso_or_none(self.created_at),
            "revision": self.revision,
            "timezone": self.timezone,
            "routes": [_route_json(r) for r in self.routes],
            "unassigned": [{"ticket_id": u.ticket_id, "reason": u.reason, "detail": u.detail} for u in self.unassigned],
            "crews_not_dispatched": [{"crew_id": c.crew_id, "reason": c.reason} for c in self.crews_not_dispatched],
            "summary": _summary_json(self.summary),
        }
        if self.revision_of is not None:
            out.update(_revision_json(self.revision_of))
        if self.unlocated_tickets is not None:
            out["unlocated_tickets"] = list(self.unlocated_tickets)
        if self.version is not None:
            out["version"] = self.version
        return out

    def dumps(self, *, indent: int | None = None) -> str:
        """The JSON text: stored compact, printed with ``indent=2``."""
        return json.dumps(self.to_json(), indent=indent, ensure_ascii=False, allow_nan=False)

    @classmethod
    def from_json(cls, data: Any) -> Plan:
        """A plan from its JSON object (or text); :class:`PlanFormatError` names the first problem."""
        if isinstance(data, str | bytes):
            try:
                data = json.loads(data)
            except ValueError as exc:
                raise PlanFormatError(f"plan: not JSON: {exc}") from exc
        r = _Reader(data, "plan")
        kind = r.opt("kind", _str)
        if kind is not None and kind != PlanKind.REPLAN.value:
            raise PlanFormatError(f"plan.kind: {kind!r} is not 'replan'")
        return cls(
            plan_id=r.opt("plan_id", _int),
            date=r.req("date", _date),
            status=r.req("status", _str),
            created_at=r.opt("created_at", _time),
            revision=r.req("revision", _int),
            timezone=r.req("timezone", _str),
            routes=tuple(r.each("routes", _read_route)),
            unassigned=tuple(r.each("unassigned", _read_unassigned)),
            crews_not_dispatched=tuple(r.each("crews_not_dispatched", _read_not_dispatched)),
            summary=r.req("summary", _read_summary),
            revision_of=_read_revision(r) if kind is not None else None,
            unlocated_tickets=tuple(r.each("unlocated_tickets", _str)) if "unlocated_tickets" in r.obj else None,
            version=r.opt("version", _int),
        )


# ---------------------------------------------------------------------------------------- writing


def _iso(value: dt.datetime) -> str:
    return value.isoformat()


def _iso_or_none(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _step_json(s: Step) -> dict[str, Any]:
    out: dict[str, Any] = {"type": s.type.value, "lat": s.lat, "lon": s.lon}
    if s.ticket_id is not None:
        out["ticket_id"] = s.ticket_id
    if s.emergency:
        out["emergency"] = True
    out.update(
        {
            "arrival": _iso(s.arrival),
            "start": _iso(s.start),
            "end": _iso(s.end),
            "travel_m": s.travel_m,
            "indoor": s.indoor,
            "exposure_min": s.exposure_min,
            "homes_entered": s.homes_entered,
            "exposure_total_min": s.exposure_total_min,
        }
    )
    if s.progress is not None:
        out["progress"] = s.progress.value
        if s.type is StepType.VISIT:
            out["outcome"] = s.outcome
    return out


def _route_json(r: Route) -> dict[str, Any]:
    b = r.break_window
    out: dict[str, Any] = {
        "crew_id": r.crew_id,
        "name": r.name,
        "members": list(r.members),
        "vehicle": r.vehicle,
        "skills": list(r.skills),
        "shift": {"start": _iso(r.shift.start), "end": _iso(r.shift.end)},
        "break": (
            None
            if b is None
            else {"window_start": _iso(b.window_start), "window_end": _iso(b.window_end), "minutes": b.minutes}
        ),
        "caps": {"max_homes": r.caps.max_homes, "max_exposure_min": r.caps.max_exposure_min},
        "outdoor_only": r.outdoor_only,
        "steps": [_step_json(s) for s in r.steps],
        "summary": {
            "visits": r.summary.visits,
            "homes_entered": r.summary.homes_entered,
            "exposure_min": r.summary.exposure_min,
            "distance_m": r.summary.distance_m,
            "duration_s": r.summary.duration_s,
        },
    }
    if r.break_taken is not None:
        out["break_taken"] = {"start": _iso(r.break_taken.start), "end": _iso(r.break_taken.end)}
    if r.end_shift is not None:
        out["end_shift"] = _iso(r.end_shift)
    return out


def _summary_json(s: PlanSummary) -> dict[str, Any]:
    w = s.worst_exposure
    return {
        "tickets": s.tickets,
        "served": s.served,
        "unassigned": s.unassigned,
        "served_by_priority": {str(p): s.served_by_priority.get(p, 0) for p in PRIORITIES},
        "unassigned_by_priority": {str(p): s.unassigned_by_priority.get(p, 0) for p in PRIORITIES},
        "unassigned_by_reason": dict(s.unassigned_by_reason),
        "crews_on_shift": s.crews_on_shift,
        "crews_used": s.crews_used,
        "distance_m": s.distance_m,
        "homes_entered": s.homes_entered,
        "exposure_min": s.exposure_min,
        "worst_exposure": (
            None
            if w is None
            else {"crew_id": w.crew_id, "homes_entered": w.homes_entered, "exposure_min": w.exposure_min}
        ),
        "customer_minutes_waited": s.customer_minutes_waited,
        "within_target_by_priority": {
            str(p): {"within": v.within, "served": v.served} for p, v in s.within_target_by_priority.items()
        },
        "caps": {
            "max_homes_per_shift": s.caps.max_homes_per_shift,
            "max_exposure_min_per_shift": s.caps.max_exposure_min_per_shift,
        },
    }


def _revision_json(v: Revision) -> dict[str, Any]:
    return {
        "kind": PlanKind.REPLAN.value,
        "parent_id": v.parent_id,
        "as_of": _iso(v.as_of),
        "storm": v.storm,
        "changes": {crew: _change_json(c) for crew, c in v.changes.items()},
        "response_forecast": [_forecast_json(f) for f in v.response_forecast],
        "storm_deadlines": {t: _iso(d) for t, d in v.storm_deadlines.items()},
        "notes": list(v.notes),
    }


def _change_json(c: CrewChange) -> dict[str, Any]:
    return {
        "crew_id": c.crew_id,
        "changed": c.changed,
        "summary": c.summary,
        "added": list(c.added),
        "moved_in": dict(c.moved_in),
        "moved_out": dict(c.moved_out),
        "dropped": list(c.dropped),
        "reordered": c.reordered,
        "retimed": c.retimed,
        "frozen": c.frozen,
    }


def _forecast_json(f: Forecast) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ticket_id": f.ticket_id,
        "crew_id": f.crew_id,
        "reported_at": _iso(f.reported_at),
        "arrival": _iso_or_none(f.arrival),
        "response_h": f.response_h,
        "target_h": f.target_h,
        "within_target": f.within_target,
        "under_way": f.under_way,
        "emergency": f.emergency,
    }
    if f.reason is not None:
        out["reason"] = f.reason
    return out


# ---------------------------------------------------------------------------------------- reading


@dataclass
class _Reader:
    """One JSON object being read, with its place in the document for error messages."""

    obj: Any
    where: str
    seen: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        if not isinstance(self.obj, dict):
            raise PlanFormatError(f"{self.where}: expected an object, got {type(self.obj).__name__}")

    def req(self, key: str, read: Callable[[Any, str], T]) -> T:
        if key not in self.obj:
            raise PlanFormatError(f"{self.where}: lacks {key!r}")
        return read(self.obj[key], f"{self.where}.{key}")

    def opt(self, key: str, read: Callable[[Any, str], T]) -> T | None:
        value = self.obj.get(key)
        return None if value is None else read(value, f"{self.where}.{key}")

    def each(self, key: str, read: Callable[[Any, str], T]) -> list[T]:
        items = self.req(key, _list)
        return [read(item, f"{self.where}.{key}[{i}]") for i, item in enumerate(items)]

    def map(self, key: str, read: Callable[[Any, str], T]) -> dict[str, T]:
        items = self.req(key, _Reader)
        return {k: read(v, f"{items.where}.{k}") for k, v in items.obj.items()}


def _fail(where: str, what: str) -> PlanFormatError:
    return PlanFormatError(f"{where}: {what}")


def _str(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise _fail(where, f"expected text, got {value!r}")
    return value


def _int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(where, f"expected a whole number, got {value!r}")
    return value


def _float(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _fail(where, f"expected a finite number, got {value!r}")
    return value  # an int stays an int, so the document is written back as it was read


def _lat(value: Any, where: str) -> float:
    lat = _float(value, where)
    if not -90 <= lat <= 90:
        raise _fail(where, f"latitude {lat} outside -90..90")
    return lat


def _lon(value: Any, where: str) -> float:
    lon = _float(value, where)
    if not -180 <= lon <= 180:
        raise _fail(where, f"longitude {lon} outside -180..180")
    return lon


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(where, f"expected true or false, got {value!r}")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise _fail(where, f"expected a list, got {type(value).__name__}")
    return value


def _time(value: Any, where: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(_str(value, where))
    except ValueError:
        raise _fail(where, f"{value!r} is not an ISO 8601 time") from None
    if parsed.utcoffset() is None:
        raise _fail(where, f"{value!r} has no UTC offset")
    return parsed


def _date(value: Any, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(_str(value, where))
    except ValueError:
        raise _fail(where, f"{value!r} is not a date (YYYY-MM-DD)") from None


def _priority_map(value: Any, where: str, read: Callable[[Any, str], T]) -> dict[int, T]:
    r = _Reader(value, where)
    out = {}
    for key, item in r.obj.items():
        if not key.isdigit():
            raise _fail(where, f"{key!r} is not a priority")
        out[int(key)] = read(item, f"{where}.{key}")
    return out


def _read_step(value: Any, where: str) -> Step:
    r = _Reader(value, where)
    kind = r.req("type", _str)
    try:
        step_type = StepType(kind)
    except ValueError:
        raise _fail(f"{where}.type", f"{kind!r} is not one of start, visit, break, end") from None
    progress = r.opt("progress", _str)
    try:
        step_progress = StepProgress(progress) if progress is not None else None
    except ValueError:
        raise _fail(f"{where}.progress", f"{progress!r} is not done or under_way") from None
    ticket_id = r.opt("ticket_id", _str)
    if step_type is StepType.VISIT and ticket_id is None:
        raise _fail(where, "a visit lacks 'ticket_id'")
    return Step(
        type=step_type,
        lat=r.req("lat", _lat),
        lon=r.req("lon", _lon),
        arrival=r.req("arrival", _time),
        start=r.req("start", _time),
        end=r.req("end", _time),
        travel_m=r.req("travel_m", _int),
        indoor=r.req("indoor", _bool),
        exposure_min=r.req("exposure_min", _float),
        homes_entered=r.req("homes_entered", _int),
        exposure_total_min=r.req("exposure_total_min", _float),
        ticket_id=ticket_id,
        emergency=bool(r.opt("emergency", _bool)),
        progress=step_progress,
        outcome=r.opt("outcome", _str),
    )


def _read_span(value: Any, where: str) -> Span:
    r = _Reader(value, where)
    return Span(r.req("start", _time), r.req("end", _time))


def _read_break(value: Any, where: str) -> BreakWindow:
    r = _Reader(value, where)
    return BreakWindow(r.req("window_start", _time), r.req("window_end", _time), r.req("minutes", _int))


def _read_route(value: Any, where: str) -> Route:
    r = _Reader(value, where)
    caps = _Reader(r.req("caps", lambda v, w: v), f"{where}.caps")
    summary = _Reader(r.req("summary", lambda v, w: v), f"{where}.summary")
    return Route(
        crew_id=r.req("crew_id", _str),
        name=r.req("name", _str),
        members=tuple(r.each("members", _str)),
        vehicle=r.req("vehicle", _str),
        skills=tuple(r.each("skills", _str)),
        shift=r.req("shift", _read_span),
        break_window=r.opt("break", _read_break),
        caps=RouteCaps(caps.req("max_homes", _int), caps.req("max_exposure_min", _float)),
        outdoor_only=r.opt("outdoor_only", _str),
        steps=tuple(r.each("steps", _read_step)),
        summary=RouteSummary(
            visits=summary.req("visits", _int),
            homes_entered=summary.req("homes_entered", _int),
            exposure_min=summary.req("exposure_min", _float),
            distance_m=summary.req("distance_m", _int),
            duration_s=summary.req("duration_s", _int),
        ),
        break_taken=r.opt("break_taken", _read_span),
        end_shift=r.opt("end_shift", _time),
    )


def _read_unassigned(value: Any, where: str) -> Unassigned:
    r = _Reader(value, where)
    return Unassigned(r.req("ticket_id", _str), r.req("reason", _str), r.req("detail", _str))


def _read_not_dispatched(value: Any, where: str) -> CrewNotDispatched:
    r = _Reader(value, where)
    return CrewNotDispatched(r.req("crew_id", _str), r.req("reason", _str))


def _read_worst(value: Any, where: str) -> WorstExposure:
    r = _Reader(value, where)
    return WorstExposure(r.req("crew_id", _str), r.req("homes_entered", _int), r.req("exposure_min", _float))


def _read_within(value: Any, where: str) -> WithinTarget:
    r = _Reader(value, where)
    return WithinTarget(r.req("within", _int), r.req("served", _int))


def _read_summary(value: Any, where: str) -> PlanSummary:
    r = _Reader(value, where)
    caps = _Reader(r.req("caps", lambda v, w: v), f"{where}.caps")
    return PlanSummary(
        tickets=r.req("tickets", _int),
        served=r.req("served", _int),
        unassigned=r.req("unassigned", _int),
        served_by_priority=r.req("served_by_priority", lambda v, w: _priority_map(v, w, _int)),
        unassigned_by_priority=r.req("unassigned_by_priority", lambda v, w: _priority_map(v, w, _int)),
        unassigned_by_reason=r.map("unassigned_by_reason", _int),
        crews_on_shift=r.req("crews_on_shift", _int),
        crews_used=r.req("crews_used", _int),
        distance_m=r.req("distance_m", _int),
        homes_entered=r.req("homes_entered", _int),
        exposure_min=r.req("exposure_min", _float),
        worst_exposure=r.opt("worst_exposure", _read_worst),
        customer_minutes_waited=r.req("customer_minutes_waited", _int),
        within_target_by_priority=r.req("within_target_by_priority", lambda v, w: _priority_map(v, w, _read_within)),
        caps=SummaryCaps(caps.req("max_homes_per_shift", _int), caps.req("max_exposure_min_per_shift", _float)),
    )


def _read_change(value: Any, where: str) -> CrewChange:
    r = _Reader(value, where)
    return CrewChange(
        crew_id=r.req("crew_id", _str),
        changed=r.req("changed", _bool),
        summary=r.req("summary", _str),
        added=tuple(r.each("added", _str)),
        moved_in=r.map("moved_in", _str),
        moved_out=r.map("moved_out", _str),
        dropped=tuple(r.each("dropped", _str)),
        reordered=r.req("reordered", _int),
        retimed=r.req("retimed", _int),
        frozen=r.req("frozen", _int),
    )


def _read_forecast(value: Any, where: str) -> Forecast:
    r = _Reader(value, where)
    return Forecast(
        ticket_id=r.req("ticket_id", _str),
        crew_id=r.opt("crew_id", _str),
        reported_at=r.req("reported_at", _time),
        arrival=r.opt("arrival", _time),
        response_h=r.opt("response_h", _float),
        target_h=r.opt("target_h", _float),
        within_target=r.req("within_target", _bool),
        under_way=r.req("under_way", _bool),
        emergency=r.req("emergency", _bool),
        reason=r.opt("reason", _str),
    )


def _read_revision(r: _Reader) -> Revision:
    return Revision(
        parent_id=r.opt("parent_id", _int),
        as_of=r.req("as_of", _time),
        storm=r.req("storm", _bool),
        changes=r.map("changes", _read_change),
        response_forecast=tuple(r.each("response_forecast", _read_forecast)),
        storm_deadlines=r.map("storm_deadlines", _time),
        notes=tuple(r.each("notes", _str)),
    )
