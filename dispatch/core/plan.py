"""The plan: one day's routes, unassigned tickets and summary, as typed immutable values.

This module is the plan JSON contract of docs/plan-format.md. :meth:`Plan.to_json` and
:meth:`Plan.from_json` are the only code that writes or reads the JSON; everything else passes
:class:`Plan` values. Times are timezone-aware datetimes (written in the region's offset), distances
integer metres, durations integer seconds, exposure weighted minutes. Optional keys are left out of
the JSON when they have no value, as documented; reading validates every key once and names the
place of the first problem (``routes[3].steps[2].arrival: ...``)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from dispatch.core.jsonread import (
    PlanFormatError,
    Reader,
    T,
    fail,
    iso,
    iso_or_none,
    read_bool,
    read_date,
    read_float,
    read_int,
    read_str,
    read_time,
)
from dispatch.core.notes import RevisionNote, note_json, read_note
from dispatch.core.route import Route, Step, StepType, read_route, route_json
from dispatch.core.unassigned import Unassigned, read_unassigned, unassigned_json

PRIORITIES = (1, 2, 3, 4)


class PlanKind(StrEnum):
    NIGHTLY = "nightly"
    REPLAN = "replan"


class PlanStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"  # the version crews get (one per day)
    SUPERSEDED = "superseded"  # published once, replaced by a later version


@dataclass(frozen=True)
class Outage:
    """A wide outage: the asset that explains several reports, the open tickets it absorbs (not visited at
    home) and the one outdoor asset job a crew is sent to (None for a planned outage: nobody is sent)."""

    outage_id: str
    asset_id: str
    kind: str  # transformer | feeder_section
    tickets: tuple[str, ...]
    customers: int
    job_ticket_id: str | None


# Why a standby crew gets no route outside storm mode (the plan JSON's English reason; views translate it).
STANDBY_NOT_DISPATCHED = "standby shift (called only in storm mode)"


@dataclass(frozen=True)
class CrewNotDispatched:
    crew_id: str
    reason: str


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
    # Crew-minutes between each crew's return and the end of its shift (a crew with no visit: its whole shift).
    idle_crew_minutes: int = 0
    # Per priority p: about how many crew-hours (service and a typical leg each) the crowded-out tickets of
    # priority p or more urgent would take; how short the day is of serving every ticket up to p.
    short_crew_hours_by_priority: Mapping[int, float] = field(default_factory=dict)


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
    unconfirmed: int = 0  # of the frozen: planned before the re-plan time with no report (the silence rule)
    # Promised stops this revision dropped (now unassigned or closed): ticket -> reason code
    # (an unassigned reason such as ``crowded_out``, or ``closed``). JSON key only when not empty.
    dropped_why: Mapping[str, str] = field(default_factory=dict)

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
class NotDone:
    """A stop reported not done today and what the re-plan did with it (dispatch.intraday.not_done)."""

    ticket_id: str
    crew_id: str  # the crew that reported it (its latest not-done report today)
    reason: str  # the visit outcome: not_home, unsafe, needs_skill, needs_material, escalated
    reported_at: dt.datetime
    action: str  # reoffered (planned again today), next_day (open for the next plan) or flagged (unsafe)
    crew_now: str | None = None  # reoffered and placed: the crew it is planned on now
    skills: tuple[str, ...] = ()  # needs_skill: skills the crews it may go to have and the reporter lacks
    excluded: tuple[str, ...] = ()  # crews it is not offered to again today


@dataclass(frozen=True)
class Revision:
    """What a re-plan adds: the plan it revises, its clock time and what it changed."""

    parent_id: int | None
    as_of: dt.datetime
    storm: bool
    changes: Mapping[str, CrewChange]
    response_forecast: tuple[Forecast, ...]
    storm_deadlines: Mapping[str, dt.datetime]
    notes: tuple[RevisionNote, ...]
    not_done: tuple[NotDone, ...] = ()  # JSON key only when not empty


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
    outages: tuple[Outage, ...] | None = None  # planned with a network: the wide outages grouped

    def outage_of(self, ticket_id: str) -> Outage | None:
        """The outage that absorbs ``ticket_id`` (or whose asset job it is), if any."""
        return next((o for o in self.outages or () if ticket_id in o.tickets or ticket_id == o.job_ticket_id), None)

    def not_done_of(self, ticket_id: str) -> NotDone | None:
        """The re-plan's record of ``ticket_id`` reported not done today, if it was."""
        done = self.revision_of.not_done if self.revision_of is not None else ()
        return next((n for n in done if n.ticket_id == ticket_id), None)

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
            "created_at": iso_or_none(self.created_at),
            "revision": self.revision,
            "timezone": self.timezone,
            "routes": [route_json(r) for r in self.routes],
            "unassigned": [unassigned_json(u) for u in self.unassigned],
            "crews_not_dispatched": [{"crew_id": c.crew_id, "reason": c.reason} for c in self.crews_not_dispatched],
            "summary": _summary_json(self.summary),
        }
        if self.revision_of is not None:
            out.update(_revision_json(self.revision_of))
        if self.unlocated_tickets is not None:
            out["unlocated_tickets"] = list(self.unlocated_tickets)
        if self.version is not None:
            out["version"] = self.version
        if self.outages is not None:
            out["outages"] = [_outage_json(o) for o in self.outages]
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
        r = Reader(data, "plan")
        kind = r.opt("kind", read_str)
        if kind is not None and kind != PlanKind.REPLAN.value:
            raise PlanFormatError(f"plan.kind: {kind!r} is not 'replan'")
        return cls(
            plan_id=r.opt("plan_id", read_int),
            date=r.req("date", read_date),
            status=r.req("status", read_str),
            created_at=r.opt("created_at", read_time),
            revision=r.req("revision", read_int),
            timezone=r.req("timezone", read_str),
            routes=tuple(r.each("routes", read_route)),
            unassigned=tuple(r.each("unassigned", read_unassigned)),
            crews_not_dispatched=tuple(r.each("crews_not_dispatched", _read_not_dispatched)),
            summary=r.req("summary", _read_summary),
            revision_of=_read_revision(r) if kind is not None else None,
            unlocated_tickets=tuple(r.each("unlocated_tickets", read_str)) if "unlocated_tickets" in r.obj else None,
            version=r.opt("version", read_int),
            outages=tuple(r.each("outages", _read_outage)) if "outages" in r.obj else None,
        )


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
        "idle_crew_minutes": s.idle_crew_minutes,
        "short_crew_hours_by_priority": {str(p): s.short_crew_hours_by_priority.get(p, 0.0) for p in PRIORITIES},
    }


def _outage_json(o: Outage) -> dict[str, Any]:
    return {
        "outage_id": o.outage_id,
        "asset_id": o.asset_id,
        "kind": o.kind,
        "tickets": list(o.tickets),
        "customers": o.customers,
        "job_ticket_id": o.job_ticket_id,
    }


def _read_outage(value: Any, where: str) -> Outage:
    r = Reader(value, where)
    return Outage(
        outage_id=r.req("outage_id", read_str),
        asset_id=r.req("asset_id", read_str),
        kind=r.req("kind", read_str),
        tickets=tuple(r.each("tickets", read_str)),
        customers=r.req("customers", read_int),
        job_ticket_id=r.opt("job_ticket_id", read_str),
    )


def _revision_json(v: Revision) -> dict[str, Any]:
    return {
        "kind": PlanKind.REPLAN.value,
        "parent_id": v.parent_id,
        "as_of": iso(v.as_of),
        "storm": v.storm,
        "changes": {crew: _change_json(c) for crew, c in v.changes.items()},
        "response_forecast": [_forecast_json(f) for f in v.response_forecast],
        "storm_deadlines": {t: iso(d) for t, d in v.storm_deadlines.items()},
        "notes": [note_json(n) for n in v.notes],
        **({"not_done": [_not_done_json(n) for n in v.not_done]} if v.not_done else {}),
    }


def _not_done_json(n: NotDone) -> dict[str, Any]:
    return {
        "ticket_id": n.ticket_id,
        "crew_id": n.crew_id,
        "reason": n.reason,
        "reported_at": iso(n.reported_at),
        "action": n.action,
        "crew_now": n.crew_now,
        "skills": list(n.skills),
        "excluded": list(n.excluded),
    }


def _read_not_done(value: Any, where: str) -> NotDone:
    r = Reader(value, where)
    return NotDone(
        ticket_id=r.req("ticket_id", read_str),
        crew_id=r.req("crew_id", read_str),
        reason=r.req("reason", read_str),
        reported_at=r.req("reported_at", read_time),
        action=r.req("action", read_str),
        crew_now=r.opt("crew_now", read_str),
        skills=tuple(r.each("skills", read_str)),
        excluded=tuple(r.each("excluded", read_str)),
    )


def _change_json(c: CrewChange) -> dict[str, Any]:
    out: dict[str, Any] = {
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
        "unconfirmed": c.unconfirmed,
    }
    if c.dropped_why:
        out["dropped_why"] = dict(c.dropped_why)
    return out


def _forecast_json(f: Forecast) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ticket_id": f.ticket_id,
        "crew_id": f.crew_id,
        "reported_at": iso(f.reported_at),
        "arrival": iso_or_none(f.arrival),
        "response_h": f.response_h,
        "target_h": f.target_h,
        "within_target": f.within_target,
        "under_way": f.under_way,
        "emergency": f.emergency,
    }
    if f.reason is not None:
        out["reason"] = f.reason
    return out


def _priority_map(value: Any, where: str, read: Callable[[Any, str], T]) -> dict[int, T]:
    r = Reader(value, where)
    out = {}
    for key, item in r.obj.items():
        if not key.isdigit():
            raise fail(where, f"{key!r} is not a priority")
        out[int(key)] = read(item, f"{where}.{key}")
    return out


def _read_not_dispatched(value: Any, where: str) -> CrewNotDispatched:
    r = Reader(value, where)
    return CrewNotDispatched(r.req("crew_id", read_str), r.req("reason", read_str))


def _read_worst(value: Any, where: str) -> WorstExposure:
    r = Reader(value, where)
    return WorstExposure(
        r.req("crew_id", read_str), r.req("homes_entered", read_int), r.req("exposure_min", read_float)
    )


def _read_within(value: Any, where: str) -> WithinTarget:
    r = Reader(value, where)
    return WithinTarget(r.req("within", read_int), r.req("served", read_int))


def _read_summary(value: Any, where: str) -> PlanSummary:
    r = Reader(value, where)
    caps = Reader(r.req("caps", lambda v, w: v), f"{where}.caps")
    return PlanSummary(
        tickets=r.req("tickets", read_int),
        served=r.req("served", read_int),
        unassigned=r.req("unassigned", read_int),
        served_by_priority=r.req("served_by_priority", lambda v, w: _priority_map(v, w, read_int)),
        unassigned_by_priority=r.req("unassigned_by_priority", lambda v, w: _priority_map(v, w, read_int)),
        unassigned_by_reason=r.map("unassigned_by_reason", read_int),
        crews_on_shift=r.req("crews_on_shift", read_int),
        crews_used=r.req("crews_used", read_int),
        distance_m=r.req("distance_m", read_int),
        homes_entered=r.req("homes_entered", read_int),
        exposure_min=r.req("exposure_min", read_float),
        worst_exposure=r.opt("worst_exposure", _read_worst),
        customer_minutes_waited=r.req("customer_minutes_waited", read_int),
        within_target_by_priority=r.req("within_target_by_priority", lambda v, w: _priority_map(v, w, _read_within)),
        caps=SummaryCaps(caps.req("max_homes_per_shift", read_int), caps.req("max_exposure_min_per_shift", read_float)),
        # Plans saved before these keys existed read as 0 / empty.
        idle_crew_minutes=r.opt("idle_crew_minutes", read_int) or 0,
        short_crew_hours_by_priority=r.opt("short_crew_hours_by_priority", lambda v, w: _priority_map(v, w, read_float))
        or {},
    )


def _read_change(value: Any, where: str) -> CrewChange:
    r = Reader(value, where)
    return CrewChange(
        crew_id=r.req("crew_id", read_str),
        changed=r.req("changed", read_bool),
        summary=r.req("summary", read_str),
        added=tuple(r.each("added", read_str)),
        moved_in=r.map("moved_in", read_str),
        moved_out=r.map("moved_out", read_str),
        dropped=tuple(r.each("dropped", read_str)),
        reordered=r.req("reordered", read_int),
        retimed=r.req("retimed", read_int),
        frozen=r.req("frozen", read_int),
        unconfirmed=r.opt("unconfirmed", read_int) or 0,
        dropped_why=r.map("dropped_why", read_str) if "dropped_why" in r.obj else {},
    )


def _read_forecast(value: Any, where: str) -> Forecast:
    r = Reader(value, where)
    return Forecast(
        ticket_id=r.req("ticket_id", read_str),
        crew_id=r.opt("crew_id", read_str),
        reported_at=r.req("reported_at", read_time),
        arrival=r.opt("arrival", read_time),
        response_h=r.opt("response_h", read_float),
        target_h=r.opt("target_h", read_float),
        within_target=r.req("within_target", read_bool),
        under_way=r.req("under_way", read_bool),
        emergency=r.req("emergency", read_bool),
        reason=r.opt("reason", read_str),
    )


def _read_revision(r: Reader) -> Revision:
    return Revision(
        parent_id=r.opt("parent_id", read_int),
        as_of=r.req("as_of", read_time),
        storm=r.req("storm", read_bool),
        changes=r.map("changes", _read_change),
        response_forecast=tuple(r.each("response_forecast", _read_forecast)),
        storm_deadlines=r.map("storm_deadlines", read_time),
        notes=tuple(r.each("notes", read_note)),
        not_done=tuple(r.each("not_done", _read_not_done)) if "not_done" in r.obj else (),
    )
