"""An open ticket a plan does not serve: the reason code, the English sentence, and the values it names.

The values (:class:`UnassignedFacts`) let every view word the explanation in its own language
(``dispatch.io.sheets.i18n.Labels.unassigned_detail``); ``detail`` stays the English sentence the plan JSON
has always carried, for people reading the JSON and for reasons explained without values.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from dispatch.core.jsonread import Reader, iso, read_int, read_str, read_time


@dataclass(frozen=True)
class Displacement:
    """A served ticket that would have to give way for an unassigned one: which, of what priority, on which crew."""

    ticket_id: str
    priority: int
    crew_id: str


@dataclass(frozen=True)
class UnassignedFacts:
    """What the solver's explanation names (see ``solver.solution.Facts`` for which reason sets which), with
    times as aware datetimes in the plan's time zone, and the closed zone of a ``zone_closed`` ticket. Unset
    fields are absent from the JSON."""

    skills: tuple[str, ...] = ()
    crews: tuple[str, ...] = ()
    count: int | None = None
    minutes: int | None = None
    cap_minutes: int | None = None
    demand: int | None = None
    windows: tuple[tuple[dt.datetime, dt.datetime], ...] = ()
    at: dt.datetime | None = None
    zone: str | None = None  # zone_closed: the closed zone the home lies in (set by planning, not the solver)


@dataclass(frozen=True)
class Unassigned:
    """An open ticket the plan does not serve, with the reason (a code) and a sentence for people."""

    ticket_id: str
    reason: str
    detail: str
    displaces: Displacement | None = None  # crowded out: what would have to give way for it, if one was found
    facts: UnassignedFacts | None = None  # the values ``detail`` names, where the solver explained it


def unassigned_json(u: Unassigned) -> dict[str, Any]:
    out: dict[str, Any] = {"ticket_id": u.ticket_id, "reason": u.reason, "detail": u.detail}
    if u.displaces is not None:
        d = u.displaces
        out["displaces"] = {"ticket_id": d.ticket_id, "priority": d.priority, "crew_id": d.crew_id}
    if u.facts is not None:
        out["facts"] = _facts_json(u.facts)
    return out


def _facts_json(f: UnassignedFacts) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if f.skills:
        out["skills"] = list(f.skills)
    if f.crews:
        out["crews"] = list(f.crews)
    for key in ("count", "minutes", "cap_minutes", "demand"):
        value = getattr(f, key)
        if value is not None:
            out[key] = value
    if f.windows:
        out["windows"] = [{"start": iso(a), "end": iso(b)} for a, b in f.windows]
    if f.at is not None:
        out["at"] = iso(f.at)
    if f.zone is not None:
        out["zone"] = f.zone
    return out


def read_unassigned(value: Any, where: str) -> Unassigned:
    r = Reader(value, where)
    return Unassigned(
        r.req("ticket_id", read_str),
        r.req("reason", read_str),
        r.req("detail", read_str),
        r.opt("displaces", _read_displacement),
        r.opt("facts", _read_facts),
    )


def _read_displacement(value: Any, where: str) -> Displacement:
    r = Reader(value, where)
    return Displacement(r.req("ticket_id", read_str), r.req("priority", read_int), r.req("crew_id", read_str))


def _read_facts(value: Any, where: str) -> UnassignedFacts:
    r = Reader(value, where)
    return UnassignedFacts(
        skills=tuple(r.each("skills", read_str)) if "skills" in r.obj else (),
        crews=tuple(r.each("crews", read_str)) if "crews" in r.obj else (),
        count=r.opt("count", read_int),
        minutes=r.opt("minutes", read_int),
        cap_minutes=r.opt("cap_minutes", read_int),
        demand=r.opt("demand", read_int),
        windows=tuple(r.each("windows", _read_window)) if "windows" in r.obj else (),
        at=r.opt("at", read_time),
        zone=r.opt("zone", read_str),
    )


def _read_window(value: Any, where: str) -> tuple[dt.datetime, dt.datetime]:
    r = Reader(value, where)
    return r.req("start", read_time), r.req("end", read_time)
