"""A crew's route in a plan: its steps with running tallies, and how a route is written and read as JSON."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from dispatch.core.jsonread import (
    Reader,
    fail,
    iso,
    read_bool,
    read_float,
    read_int,
    read_lat,
    read_lon,
    read_str,
    read_time,
)


class StepType(StrEnum):
    START = "start"
    VISIT = "visit"
    BREAK = "break"
    END = "end"


class StepProgress(StrEnum):
    """How far a step of a re-plan had got at the re-plan time (frozen steps only)."""

    DONE = "done"
    UNDER_WAY = "under_way"
    # Planned to start before the re-plan time, no report: kept with its crew at its planned time.
    UNCONFIRMED = "unconfirmed"


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
class Overtime:
    """Minutes the crew works past its rostered shift end, and the hazards it was extended for
    (none when the dispatcher moved the end with ``--end-shift``)."""

    minutes: int
    tickets: tuple[str, ...] = ()


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
    overtime: Overtime | None = None  # re-plans: the shift runs past its rostered end

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


def step_json(s: Step) -> dict[str, Any]:
    out: dict[str, Any] = {"type": s.type.value, "lat": s.lat, "lon": s.lon}
    if s.ticket_id is not None:
        out["ticket_id"] = s.ticket_id
    if s.emergency:
        out["emergency"] = True
    out.update(
        {
            "arrival": iso(s.arrival),
            "start": iso(s.start),
            "end": iso(s.end),
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


def route_json(r: Route) -> dict[str, Any]:
    b = r.break_window
    out: dict[str, Any] = {
        "crew_id": r.crew_id,
        "name": r.name,
        "members": list(r.members),
        "vehicle": r.vehicle,
        "skills": list(r.skills),
        "shift": {"start": iso(r.shift.start), "end": iso(r.shift.end)},
        "break": (
            None
            if b is None
            else {"window_start": iso(b.window_start), "window_end": iso(b.window_end), "minutes": b.minutes}
        ),
        "caps": {"max_homes": r.caps.max_homes, "max_exposure_min": r.caps.max_exposure_min},
        "outdoor_only": r.outdoor_only,
        "steps": [step_json(s) for s in r.steps],
        "summary": {
            "visits": r.summary.visits,
            "homes_entered": r.summary.homes_entered,
            "exposure_min": r.summary.exposure_min,
            "distance_m": r.summary.distance_m,
            "duration_s": r.summary.duration_s,
        },
    }
    if r.break_taken is not None:
        out["break_taken"] = {"start": iso(r.break_taken.start), "end": iso(r.break_taken.end)}
    if r.end_shift is not None:
        out["end_shift"] = iso(r.end_shift)
    if r.overtime is not None:
        out["overtime"] = {"minutes": r.overtime.minutes, "tickets": list(r.overtime.tickets)}
    return out


def read_step(value: Any, where: str) -> Step:
    r = Reader(value, where)
    kind = r.req("type", read_str)
    try:
        step_type = StepType(kind)
    except ValueError:
        raise fail(f"{where}.type", f"{kind!r} is not one of start, visit, break, end") from None
    progress = r.opt("progress", read_str)
    try:
        step_progress = StepProgress(progress) if progress is not None else None
    except ValueError:
        raise fail(f"{where}.progress", f"{progress!r} is not done, under_way or unconfirmed") from None
    ticket_id = r.opt("ticket_id", read_str)
    if step_type is StepType.VISIT and ticket_id is None:
        raise fail(where, "a visit lacks 'ticket_id'")
    return Step(
        type=step_type,
        lat=r.req("lat", read_lat),
        lon=r.req("lon", read_lon),
        arrival=r.req("arrival", read_time),
        start=r.req("start", read_time),
        end=r.req("end", read_time),
        travel_m=r.req("travel_m", read_int),
        indoor=r.req("indoor", read_bool),
        exposure_min=r.req("exposure_min", read_float),
        homes_entered=r.req("homes_entered", read_int),
        exposure_total_min=r.req("exposure_total_min", read_float),
        ticket_id=ticket_id,
        emergency=bool(r.opt("emergency", read_bool)),
        progress=step_progress,
        outcome=r.opt("outcome", read_str),
    )


def read_span(value: Any, where: str) -> Span:
    r = Reader(value, where)
    return Span(r.req("start", read_time), r.req("end", read_time))


def read_break(value: Any, where: str) -> BreakWindow:
    r = Reader(value, where)
    return BreakWindow(r.req("window_start", read_time), r.req("window_end", read_time), r.req("minutes", read_int))


def read_overtime(value: Any, where: str) -> Overtime:
    r = Reader(value, where)
    return Overtime(r.req("minutes", read_int), tuple(r.each("tickets", read_str)))


def read_route(value: Any, where: str) -> Route:
    r = Reader(value, where)
    caps = Reader(r.req("caps", lambda v, w: v), f"{where}.caps")
    summary = Reader(r.req("summary", lambda v, w: v), f"{where}.summary")
    return Route(
        crew_id=r.req("crew_id", read_str),
        name=r.req("name", read_str),
        members=tuple(r.each("members", read_str)),
        vehicle=r.req("vehicle", read_str),
        skills=tuple(r.each("skills", read_str)),
        shift=r.req("shift", read_span),
        break_window=r.opt("break", read_break),
        caps=RouteCaps(caps.req("max_homes", read_int), caps.req("max_exposure_min", read_float)),
        outdoor_only=r.opt("outdoor_only", read_str),
        steps=tuple(r.each("steps", read_step)),
        summary=RouteSummary(
            visits=summary.req("visits", read_int),
            homes_entered=summary.req("homes_entered", read_int),
            exposure_min=summary.req("exposure_min", read_float),
            distance_m=summary.req("distance_m", read_int),
            duration_s=summary.req("duration_s", read_int),
        ),
        break_taken=r.opt("break_taken", read_span),
        end_shift=r.opt("end_shift", read_time),
        overtime=r.opt("overtime", read_overtime),
    )
