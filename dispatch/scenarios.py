"""What-if scenarios: change a copy of a day's world, plan it in isolation, compare the KPIs.

A scenario is a TOML file of changes on top of the live data of a base date. It is applied to a
copy of the :class:`PlanInputs` read from the database (one read-only transaction), planned with
the solver's reproducible mode, and only the result is stored (table ``scenario_run``, one short
write transaction at the end). Live tickets, plans and the exposure ledger are never written.

Scenario file (every table is optional; unknown keys and bad values are errors naming the file,
the key and the problem)::

    name = "storm-surge"                      # required: how the run is listed and found again
    description = "A storm doubles the tickets around Sumber"
    base_date = 2026-11-30                    # the day planned (or "2026-11-30"); --date overrides

    [policy]                                  # any dispatch.toml value, by dotted key ...
    "exposure.max_homes_per_shift" = 6
    [policy.travel]                           # ... or as nested tables
    car_speed_kmh = 25.0

    [crews]
    remove = ["C01", "C07"]                   # or [[crews.remove]] with crew_id = "C01" or skill = "mv"

    [[crews.add]]                             # a full crew row (as crews.csv) with its shift that day
    crew_id = "X01"
    name = "Yantek bantuan UP3 1"
    depot = [-6.7051, 108.5555]               # [lat, lon]; optional end = [lat, lon]
    skills = ["lv", "mv"]
    vehicle = "car"                           # or "motorcycle"
    members = ["X001", "X002", "X003"]
    shift = { start = "07:00", end = "15:00", break_start = "11:30", break_end = "13:30", break_min = 60 }

    [[crews.lend]]                            # crews work from another ULP's depot
    crews = ["C03", "C04"]
    to_depot = [-6.3258, 108.3225]            # [lat, lon], or to_crew = "C06" (that crew's depot)

    [members]
    quarantine = ["M001", "M002"]             # these workers are unavailable; a crew below
    reason = "household contact"              # exposure.min_crew_members stays home

    [[shifts]]                                # or a single [shifts] table
    crews = ["C01", "C02"]                    # default: every crew with a shift that day
    hours = 10                                # stretch to N hours from the start (or end = "HH:MM")
    start = "07:00"                           # optional new start
    break_start = "11:30"                     # change the break window and minutes ...
    break_end = "13:30"
    break_min = 45
    no_break = false                          # ... or remove the break
    standby = false                           # call standby crews in (or send a crew to standby)

    [[tickets.surge]]                         # extra tickets from the sample generator
    factor = 2.0                              # double the open tickets (or n = 150)
    around = [-6.7596, 108.4812]              # [lat, lon] with radius_km (default 5) ...
    radius_km = 6
    zone = "Kel. Kalijaga (zona merah)"       # ... or inside a named zone (not both)
    seed = 11                                 # default 1; ids are <prefix>-000001 ...
    prefix = "STORM"                          # default SURGE<k>

    [[tickets.add]]                           # a ticket row as in tickets.csv (lat and lon required)
    ticket_id = "X-1"
    reported_at = 2026-11-29T20:15:00+07:00
    category = "line_down"
    lat = -6.72
    lon = 108.55

    [[zones.change]]                          # a zone valid on the base date, by name
    name = "Kel. Kalijaga (zona merah)"
    closed = true                             # and/or risk_weight = 3.0, speed_kmh = 10

Search effort: runs are reproducible, so the work is a solution count, not wall time. A time limit
is turned into ``max(20, time_limit x 5000 / max(tickets, 50))`` solutions (10 s on the 300-ticket
sample: 167 solutions, about 3.5 s of CPU; the search slows steeply past that, see
docs/scenarios.md); ``solution_limit`` sets it directly. Each run searches with one solver
process (``workers=1``), so the numbers do not depend on the machine's cores and a sweep can run
one plan per core.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import itertools
import json
import math
import multiprocessing as mp
import os
import random
import time as time_module
import tomllib
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import shapely
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from sqlmodel import Session, SQLModel

from dispatch import sample
from dispatch.db import make_engine, session_scope
from dispatch.domain import Category, Crew, HouseholdRisk, PlanInputs, Shift, Ticket, Vehicle, Zone
from dispatch.importing import TICKET_OPTIONAL, TICKET_REQUIRED, _check_ticket, _Row
from dispatch.models.scenarios import ScenarioRunRow, ScenarioStatus
from dispatch.planning import PlanResult, load_inputs, make_plan
from dispatch.policy import Policy, PolicyError

MIN_SOLUTIONS = 20
# Solutions per second of time limit, times tickets: 10 s at 300 tickets is 167 solutions (~3.5 CPU s).
SOLUTIONS_PER_TICKET_SECOND = 5000
SCENARIO_WORKERS = 1
MAX_SWEEP_POINTS = 500


class ScenarioError(ValueError):
    """A scenario file or a change cannot be used; ``problems`` lists each as ``FILE: key: what``."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


# ------------------------------------------------------------------------------------ parsed file


@dataclass(frozen=True)
class ShiftSpec:
    """A shift given as local clock times on the base date (an end before the start is the next day)."""

    start: dt.time
    end: dt.time
    break_start: dt.time | None = None
    break_end: dt.time | None = None
    break_min: int = 0
    standby: bool = False


@dataclass(frozen=True)
class CrewRemoval:
    where: str
    crew_id: str | None = None
    skill: str | None = None


@dataclass(frozen=True)
class CrewAddition:
    where: str
    crew: Crew
    shift: ShiftSpec | None


@dataclass(frozen=True)
class CrewLend:
    where: str
    crews: tuple[str, ...]
    to_depot: tuple[float, float] | None = None
    to_crew: str | None = None


@dataclass(frozen=True)
class ShiftChange:
    where: str
    crews: tuple[str, ...] | None = None  # None: every crew with a shift that day
    start: dt.time | None = None
    end: dt.time | None = None
    hours: float | None = None
    break_start: dt.time | None = None
    break_end: dt.time | None = None
    break_min: int | None = None
    no_break: bool = False
    standby: bool | None = None


@dataclass(frozen=True)
class Surge:
    where: str
    n: int | None = None
    factor: float | None = None
    around: tuple[float, float] | None = None
    radius_km: float = 5.0
    zone: str | None = None
    seed: int = 1
    prefix: str = "SURGE1"


@dataclass(frozen=True)
class TicketAddition:
    where: str
    values: dict[str, str]  # as a tickets.csv row


@dataclass(frozen=True)
class ZoneChange:
    where: str
    name: str
    closed: bool | None = None
    risk_weight: float | None = None
    speed_kmh: float | None = None


@dataclass(frozen=True)
class Scenario:
    name: str
    source: str  # the file (for messages)
    text: str  # the file as written
    description: str = ""
    base_date: dt.date | None = None
    policy: dict[str, Any] = field(default_factory=dict)  # dotted keys
    crews_remove: tuple[CrewRemoval, ...] = ()
    crews_add: tuple[CrewAddition, ...] = ()
    crews_lend: tuple[CrewLend, ...] = ()
    quarantine: tuple[str, ...] = ()
    quarantine_reason: str = "quarantine (scenario)"
    shift_changes: tuple[ShiftChange, ...] = ()
    surges: tuple[Surge, ...] = ()
    tickets_add: tuple[TicketAddition, ...] = ()
    zone_changes: tuple[ZoneChange, ...] = ()


class _Reader:
    """Reads one TOML table, recording a problem (``FILE: key: what``) for each bad value."""

    def __init__(self, data: Any, where: str, ctx: _Context) -> None:
        self.where = where
        self.ctx = ctx
        self.ok = isinstance(data, dict)
        self.data: dict[str, Any] = data if isinstance(data, dict) else {}
        if not self.ok:
            ctx.problem(where, f"expected a table, got {_show(data)}")

    def key(self, name: str) -> str:
        return f"{self.where}.{name}" if self.where else name

    def allow(self, *names: str) -> None:
        for name in self.data:
            if name not in names:
                self.ctx.problem(self.key(name), f"unknown key (known: {', '.join(names)})")

    def has(self, name: str) -> bool:
        return name in self.data

    def text(self, name: str, *, required: bool = False, default: str = "") -> str:
        if name not in self.data:
            if required:
                self.ctx.problem(self.key(name), "required")
            return default
        value = self.data[name]
        if not isinstance(value, str) or (required and not value.strip()):
            self.ctx.problem(self.key(name), f"expected non-empty text, got {_show(value)}")
            return default
        return value.strip()

    def number(self, name: str, *, lo: float | None = None, above: float | None = None) -> float | None:
        if name not in self.data:
            return None
        value = self.data[name]
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            self.ctx.problem(self.key(name), f"expected a number, got {_show(value)}")
            return None
        if lo is not None and value < lo:
            self.ctx.problem(self.key(name), f"must be at least {lo:g}, got {value}")
            return None
        if above is not None and value <= above:
            self.ctx.problem(self.key(name), f"must be greater than {above:g}, got {value}")
            return None
        return float(value)

    def whole(self, name: str, *, lo: int = 0) -> int | None:
        if name not in self.data:
            return None
        value = self.data[name]
        if isinstance(value, bool) or not isinstance(value, int):
            self.ctx.problem(self.key(name), f"expected a whole number, got {_show(value)}")
            return None
        if value < lo:
            self.ctx.problem(self.key(name), f"must be at least {lo}, got {value}")
            return None
        return value

    def flag(self, name: str) -> bool | None:
        if name not in self.data:
            return None
        value = self.data[name]
        if not isinstance(value, bool):
            self.ctx.problem(self.key(name), f"expected true or false, got {_show(value)}")
            return None
        return value

    def clock(self, name: str, *, required: bool = False) -> dt.time | None:
        if name not in self.data:
            if required:
                self.ctx.problem(self.key(name), "required")
            return None
        value = self.data[name]
        if isinstance(value, dt.time):
            return value.replace(second=0, microsecond=0)
        if isinstance(value, str):
            try:
                if len(value.strip()) == 5:
                    return dt.time.fromisoformat(value.strip())
            except ValueError:
                pass
        self.ctx.problem(self.key(name), f'expected a local time "HH:MM", got {_show(value)}')
        return None

    def point(self, name: str) -> tuple[float, float] | None:
        if name not in self.data:
            return None
        value = self.data[name]
        if (
            isinstance(value, list)
            and len(value) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        ):
            lat, lon = float(value[0]), float(value[1])
            if -90 <= lat <= 90 and -180 <= lon <= 180:
                return lat, lon
        self.ctx.problem(self.key(name), f"expected [lat, lon] in degrees, got {_show(value)}")
        return None

    def names(self, name: str, *, required: bool = False) -> tuple[str, ...] | None:
        """A list of ids (a single string is a list of one)."""
        if name not in self.data:
            if required:
                self.ctx.problem(self.key(name), "required")
            return None
        value = self.data[name]
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.ctx.problem(self.key(name), f"expected a list of ids, got {_show(value)}")
            return None
        return tuple(v.strip() for v in value)

    def tables(self, name: str) -> list[tuple[str, Any]]:
        """An array of tables (or a single table), with the key of each entry."""
        if name not in self.data:
            return []
        value = self.data[name]
        if isinstance(value, dict):
            return [(self.key(name), value)]
        if not isinstance(value, list):
            self.ctx.problem(self.key(name), f"expected a table or an array of tables, got {_show(value)}")
            return []
        return [(f"{self.key(name)}[{i}]", v) for i, v in enumerate(value, start=1)]


@dataclass
class _Context:
    source: str
    problems: list[str] = field(default_factory=list)

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{self.source}: {where or 'file'}: {message}")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def load_scenario(path: Path | str) -> Scenario:
    """Read and check a scenario file (see the module docstring for the format)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ScenarioError([f"{path}: file not found"]) from exc
    except UnicodeDecodeError as exc:
        raise ScenarioError([f"{path}: not UTF-8 text; save it as UTF-8"]) from exc
    except OSError as exc:
        raise ScenarioError([f"{path}: cannot read: {exc.strerror or exc}"]) from exc
    return parse_scenario(text, source=str(path))


def parse_scenario(text: str, *, source: str = "<scenario>") -> Scenario:
    """Check a scenario's TOML text; every problem is reported, not only the first."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([f"{source}: not valid TOML: {exc}"]) from exc
    ctx = _Context(source)
    top = _Reader(raw, "", ctx)
    top.allow("name", "description", "base_date", "policy", "crews", "members", "shifts", "tickets", "zones")
    name = top.text("name", required=True)
    description = top.text("description")
    base_date = _base_date(top)
    policy = _policy(top, ctx)

    crews_remove: list[CrewRemoval] = []
    crews_add: list[CrewAddition] = []
    crews_lend: list[CrewLend] = []
    if top.has("crews"):
        crews = _Reader(raw["crews"], "crews", ctx)
        crews.allow("remove", "add", "lend")
        crews_remove = _crew_removals(crews, ctx)
        crews_add = [a for w, t in crews.tables("add") if (a := _crew_addition(_Reader(t, w, ctx))) is not None]
        crews_lend = [x for w, t in crews.tables("lend") if (x := _crew_lend(_Reader(t, w, ctx))) is not None]
    quarantine: tuple[str, ...] = ()
    reason = "quarantine (scenario)"
    if top.has("members"):
        members = _Reader(raw["members"], "members", ctx)
        members.allow("quarantine", "reason")
        quarantine = members.names("quarantine") or ()
        reason = members.text("reason", default=reason)
    shift_changes = [c for w, t in top.tables("shifts") if (c := _shift_change(_Reader(t, w, ctx))) is not None]
    surges: list[Surge] = []
    tickets_add: list[TicketAddition] = []
    if top.has("tickets"):
        tickets = _Reader(raw["tickets"], "tickets", ctx)
        tickets.allow("surge", "add")
        for k, (w, t) in enumerate(tickets.tables("surge"), start=1):
            if (s := _surge(_Reader(t, w, ctx), k)) is not None:
                surges.append(s)
        tickets_add = [a for w, t in tickets.tables("add") if (a := _ticket_addition(_Reader(t, w, ctx))) is not None]
    zone_changes: list[ZoneChange] = []
    if top.has("zones"):
        zones = _Reader(raw["zones"], "zones", ctx)
        zones.allow("change")
        zone_changes = [z for w, t in zones.tables("change") if (z := _zone_change(_Reader(t, w, ctx))) is not None]
    _check_unique(ctx, [a.crew.crew_id for a in crews_add], "crews.add", "crew_id")
    _check_unique(ctx, [a.values["ticket_id"] for a in tickets_add], "tickets.add", "ticket_id")
    _check_unique(ctx, [s.prefix for s in surges], "tickets.surge", "prefix")
    if ctx.problems:
        raise ScenarioError(ctx.problems)
    return Scenario(
        name=name,
        source=source,
        text=text,
        description=description,
        base_date=base_date,
        policy=policy,
        crews_remove=tuple(crews_remove),
        crews_add=tuple(crews_add),
        crews_lend=tuple(crews_lend),
        quarantine=quarantine,
        quarantine_reason=reason,
        shift_changes=tuple(shift_changes),
        surges=tuple(surges),
        tickets_add=tuple(tickets_add),
        zone_changes=tuple(zone_changes),
    )


def _check_unique(ctx: _Context, ids: list[str], where: str, key: str) -> None:
    for value in sorted({i for i in ids if ids.count(i) > 1}):
        ctx.problem(where, f"{key} {value!r} given more than once")


def _base_date(top: _Reader) -> dt.date | None:
    if not top.has("base_date"):
        return None
    value = top.data["base_date"]
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    top.ctx.problem("base_date", f"expected a date YYYY-MM-DD, got {_show(value)}")
    return None


def flatten_policy(raw: dict[str, Any], *, prefix: str = "") -> dict[str, Any]:
    """Nested ``[policy.section]`` tables to dotted keys; tables that are policy values stay whole."""
    out: dict[str, Any] = {}
    for key, value in raw.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and _is_policy_section(dotted):
            out.update(flatten_policy(value, prefix=dotted + "."))
        else:
            out[dotted] = value
    return out


def _is_policy_section(dotted: str) -> bool:
    node: Any = Policy()
    for part in dotted.split("."):
        if not dataclasses.is_dataclass(node) or not hasattr(node, part):
            return False
        node = getattr(node, part)
    return dataclasses.is_dataclass(node)


def _policy(top: _Reader, ctx: _Context) -> dict[str, Any]:
    if not top.has("policy"):
        return {}
    table = _Reader(top.data["policy"], "policy", ctx)
    if not table.ok:
        return {}
    flat = flatten_policy(table.data)
    for key, value in flat.items():
        try:  # checked against the defaults now; applied to the live policy at run time
            Policy().with_overrides({key: value}, source="")
        except PolicyError as exc:
            ctx.problem(f"policy.{key}", str(exc).split(": ", 2)[-1])
    return flat


def _crew_removals(crews: _Reader, ctx: _Context) -> list[CrewRemoval]:
    """``remove = ["C01", ...]`` or ``[[crews.remove]]`` tables with a crew_id or a skill."""
    value = crews.data.get("remove")
    if value is None:
        return []
    if isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        ids = crews.names("remove") or ()
        return [CrewRemoval(where=f"crews.remove[{i}]", crew_id=c) for i, c in enumerate(ids, start=1)]
    out = []
    for where, table in crews.tables("remove"):
        r = _Reader(table, where, ctx)
        if not r.ok:
            continue
        r.allow("crew_id", "skill")
        crew_id = r.text("crew_id") or None
        skill = r.text("skill") or None
        if (crew_id is None) == (skill is None):
            ctx.problem(where, "give crew_id or skill (one of them)")
            continue
        out.append(CrewRemoval(where=where, crew_id=crew_id, skill=skill))
    return out


_CREW_KEYS = ("crew_id", "name", "depot", "end", "skills", "vehicle", "members", "shift")
_SHIFT_KEYS = ("start", "end", "break_start", "break_end", "break_min", "standby")


def _crew_addition(r: _Reader) -> CrewAddition | None:
    if not r.ok:
        return None
    r.allow(*_CREW_KEYS)
    n = len(r.ctx.problems)
    crew_id = r.text("crew_id", required=True)
    name = r.text("name", default=crew_id)
    depot = r.point("depot")
    if depot is None and not r.has("depot"):
        r.ctx.problem(r.key("depot"), "required: [lat, lon] of the crew's start")
    end = r.point("end")
    skills = r.names("skills") or ()
    vehicle_text = r.text("vehicle", default=Vehicle.CAR.value)
    vehicle = Vehicle.CAR
    try:
        vehicle = Vehicle(vehicle_text.lower())
    except ValueError:
        r.ctx.problem(r.key("vehicle"), f"expected one of {', '.join(v.value for v in Vehicle)}, got {vehicle_text!r}")
    members = r.names("members", required=True) or ()
    shift = None
    if r.has("shift"):
        shift = _shift_spec(_Reader(r.data["shift"], r.key("shift"), r.ctx))
    else:
        r.ctx.problem(
            r.key("shift"), 'required: the crew\'s shift on the base date, e.g. { start = "07:00", end = "15:00" }'
        )
    if len(r.ctx.problems) > n or depot is None:
        return None
    crew = Crew(
        crew_id=crew_id,
        name=name,
        depot_lat=depot[0],
        depot_lon=depot[1],
        end_lat=end[0] if end else None,
        end_lon=end[1] if end else None,
        skills=skills,
        vehicle=vehicle,
        members=members,
    )
    return CrewAddition(where=r.where, crew=crew, shift=shift)


def _shift_spec(r: _Reader) -> ShiftSpec | None:
    if not r.ok:
        return None
    r.allow(*_SHIFT_KEYS)
    n = len(r.ctx.problems)
    start = r.clock("start", required=True)
    end = r.clock("end", required=True)
    break_start, break_end = r.clock("break_start"), r.clock("break_end")
    break_min = r.whole("break_min") or 0
    _check_break(r, break_start, break_end, break_min)
    standby = bool(r.flag("standby"))
    if len(r.ctx.problems) > n or start is None or end is None:
        return None
    return ShiftSpec(start, end, break_start, break_end, break_min, standby)


def _check_break(r: _Reader, start: dt.time | None, end: dt.time | None, minutes: int | None) -> None:
    if (start is None) != (end is None):
        r.ctx.problem(r.key("break_end" if end is None else "break_start"), "give break_start and break_end together")
    if minutes and (start is None or end is None) and not r.has("break_start"):
        r.ctx.problem(r.key("break_min"), "needs break_start and break_end (the window the break is taken in)")
    if start is not None and end is not None:
        window = (dt.datetime.combine(dt.date.min, end) - dt.datetime.combine(dt.date.min, start)).total_seconds()
        if window <= 0:
            r.ctx.problem(r.key("break_end"), f"must be after break_start ({start:%H:%M})")
        elif minutes is not None and minutes * 60 > window:
            r.ctx.problem(r.key("break_min"), f"{minutes} min do not fit in {start:%H:%M}-{end:%H:%M}")


def _crew_lend(r: _Reader) -> CrewLend | None:
    if not r.ok:
        return None
    r.allow("crews", "to_depot", "to_crew")
    n = len(r.ctx.problems)
    crews = r.names("crews", required=True) or ()
    to_depot = r.point("to_depot")
    to_crew = r.text("to_crew") or None
    if r.has("to_depot") == r.has("to_crew"):
        r.ctx.problem(r.where, 'give to_depot = [lat, lon] or to_crew = "C.." (one of them)')
    if len(r.ctx.problems) > n:
        return None
    return CrewLend(where=r.where, crews=crews, to_depot=to_depot, to_crew=to_crew)


def _shift_change(r: _Reader) -> ShiftChange | None:
    if not r.ok:
        return None
    r.allow("crews", "start", "end", "hours", "break_start", "break_end", "break_min", "no_break", "standby")
    n = len(r.ctx.problems)
    crews = r.names("crews")
    start, end = r.clock("start"), r.clock("end")
    hours = r.number("hours", above=0)
    if hours is not None and hours > 24:
        r.ctx.problem(r.key("hours"), f"must be at most 24, got {hours:g}")
    if r.has("hours") and r.has("end"):
        r.ctx.problem(r.key("hours"), "give hours or end, not both")
    break_start, break_end = r.clock("break_start"), r.clock("break_end")
    break_min = r.whole("break_min")
    no_break = bool(r.flag("no_break"))
    if no_break and (r.has("break_start") or r.has("break_end") or r.has("break_min")):
        r.ctx.problem(r.key("no_break"), "cannot be combined with break_start, break_end or break_min")
    if not no_break:
        _check_break(r, break_start, break_end, break_min)
    standby = r.flag("standby")
    if r.ok and not (set(r.data) - {"crews"}):
        r.ctx.problem(r.where, "changes nothing: give hours, start, end, a break or standby")
    if len(r.ctx.problems) > n:
        return None
    return ShiftChange(
        where=r.where,
        crews=crews,
        start=start,
        end=end,
        hours=hours,
        break_start=break_start,
        break_end=break_end,
        break_min=break_min,
        no_break=no_break,
        standby=standby,
    )


def _surge(r: _Reader, k: int) -> Surge | None:
    if not r.ok:
        return None
    r.allow("n", "factor", "around", "radius_km", "zone", "seed", "prefix")
    n_problems = len(r.ctx.problems)
    n = r.whole("n", lo=0)
    factor = r.number("factor", lo=1.0)
    if r.has("n") == r.has("factor"):
        r.ctx.problem(r.where, "give n (extra tickets) or factor (e.g. 2.0 doubles the open tickets), one of them")
    around = r.point("around")
    radius = r.number("radius_km", above=0)
    zone = r.text("zone") or None
    if r.has("zone") and (r.has("around") or r.has("radius_km")):
        r.ctx.problem(r.key("zone"), "give a zone or around/radius_km, not both")
    if r.has("radius_km") and not r.has("around"):
        r.ctx.problem(r.key("radius_km"), "needs around = [lat, lon]")
    if around is not None and not sample.on_land(*around):
        r.ctx.problem(r.key("around"), f"{list(around)} is not on land inside the sample region")
    seed = r.whole("seed", lo=0)
    prefix = r.text("prefix", default=f"SURGE{k}")
    if len(r.ctx.problems) > n_problems:
        return None
    return Surge(
        where=r.where,
        n=n,
        factor=factor,
        around=around,
        radius_km=radius if radius is not None else 5.0,
        zone=zone,
        seed=seed if seed is not None else 1,
        prefix=prefix,
    )


def _ticket_addition(r: _Reader) -> TicketAddition | None:
    if not r.ok:
        return None
    allowed = tuple(c for c in TICKET_REQUIRED + TICKET_OPTIONAL if c != "source")
    r.allow(*allowed)
    n = len(r.ctx.problems)
    for required in TICKET_REQUIRED:
        if not r.has(required):
            r.ctx.problem(r.key(required), "required")
    values: dict[str, str] = {}
    for key, value in r.data.items():
        if key not in allowed:
            continue
        text = _csv_text(value)
        if text is None:
            r.ctx.problem(r.key(key), f"expected text, a number, true/false or a list of skills, got {_show(value)}")
        else:
            values[key] = text
    if len(r.ctx.problems) > n:
        return None
    return TicketAddition(where=r.where, values=values)


def _csv_text(value: Any) -> str | None:
    """A TOML value as the text a tickets.csv cell would hold."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value).strip()
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ";".join(value)
    return None


def _zone_change(r: _Reader) -> ZoneChange | None:
    if not r.ok:
        return None
    r.allow("name", "closed", "risk_weight", "speed_kmh")
    n = len(r.ctx.problems)
    name = r.text("name", required=True)
    closed = r.flag("closed")
    risk_weight = r.number("risk_weight", lo=0)
    speed = r.number("speed_kmh", above=0)
    if r.ok and not (set(r.data) - {"name"}):
        r.ctx.problem(r.where, "changes nothing: give closed, risk_weight or speed_kmh")
    if len(r.ctx.problems) > n:
        return None
    return ZoneChange(where=r.where, name=name, closed=closed, risk_weight=risk_weight, speed_kmh=speed)


# ------------------------------------------------------------------------------------ applying


@dataclass(frozen=True)
class Applied:
    """A scenario applied to a copy of the live inputs: what is planned, and a line per change."""

    inputs: PlanInputs
    policy: Policy
    changes: tuple[str, ...]


def scenario_policy(scenario: Scenario, base: Policy, overrides: dict[str, Any] | None = None) -> Policy:
    """The live policy with the scenario's ``[policy]`` values, then ``overrides`` (a sweep's --set)."""
    try:
        policy = base.with_overrides(scenario.policy, source=f"{scenario.source}: policy")
        if overrides:
            policy = policy.with_overrides(overrides, source="--set")
    except PolicyError as exc:
        raise ScenarioError([str(exc)]) from exc
    return policy


def apply_scenario(
    scenario: Scenario, inputs: PlanInputs, base_policy: Policy, *, overrides: dict[str, Any] | None = None
) -> Applied:
    """The scenario's changes on copies of ``inputs`` (which is left as it is).

    Order: policy, crews removed, added, lent, quarantine, shifts, zones, tickets surged, added.
    Every change naming something the data lacks (or already has) is reported; none is skipped.
    """
    policy = scenario_policy(scenario, base_policy, overrides)
    day = inputs.day
    edit = _Edit(
        scenario=scenario,
        day=day,
        tz=ZoneInfo(policy.region.timezone),
        policy=policy,
        crews={c.crew_id: c for c in inputs.crews},
        shifts={s.crew_id: s for s in inputs.shifts if s.date == day},
        zones={z.name: z for z in inputs.zones if z.valid_on(day)},
        tickets={t.ticket_id: t for t in inputs.tickets},
        unavailable=dict(inputs.unavailable_members),
    )
    edit.changes.extend(f"policy {key} = {value!r}" for key, value in {**scenario.policy, **(overrides or {})}.items())
    for step in (_remove_crews, _add_crews, _lend_crews, _quarantine, _change_shifts, _change_zones, _add_tickets):
        step(edit)
    if not edit.problems and not edit.tickets:
        edit.problem(
            "file",
            f"nothing to plan: no open tickets on {day} in the live data or the scenario "
            "(import tickets, or add [[tickets.surge]] or [[tickets.add]])",
        )
    if edit.problems:
        raise ScenarioError(edit.problems)
    changed = dataclasses.replace(
        inputs,
        tickets=tuple(edit.tickets[k] for k in sorted(edit.tickets)),
        crews=tuple(edit.crews[k] for k in sorted(edit.crews)),
        shifts=tuple(
            sorted(
                [*(s for s in inputs.shifts if s.date != day), *edit.shifts.values()], key=lambda s: (s.date, s.crew_id)
            )
        ),
        zones=tuple([*(z for z in inputs.zones if not z.valid_on(day)), *(edit.zones[k] for k in sorted(edit.zones))]),
        unavailable_members=edit.unavailable,
        budgets=dict(inputs.budgets),
    )
    return Applied(inputs=changed, policy=policy, changes=tuple(edit.changes))


@dataclass
class _Edit:
    """The copies a scenario changes (by id), and what it reports."""

    scenario: Scenario
    day: dt.date
    tz: ZoneInfo
    policy: Policy
    crews: dict[str, Crew]
    shifts: dict[str, Shift]  # on ``day``
    zones: dict[str, Zone]  # valid on ``day``
    tickets: dict[str, Ticket]
    unavailable: dict[str, str]
    problems: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{self.scenario.source}: {where}: {message}")

    def no_crew(self, where: str, crew_id: str) -> None:
        self.problem(where, f"no crew {crew_id!r} (known: {_few(sorted(self.crews))})")


def _remove_crews(e: _Edit) -> None:
    for removal in e.scenario.crews_remove:
        if removal.crew_id is not None:
            if removal.crew_id not in e.crews:
                e.no_crew(removal.where, removal.crew_id)
                continue
            gone = [removal.crew_id]
        else:
            gone = sorted(c for c, crew in e.crews.items() if removal.skill in crew.skills)
            if not gone:
                e.problem(removal.where, f"no crew has skill {removal.skill!r}")
                continue
        for crew_id in gone:
            e.crews.pop(crew_id)
            e.shifts.pop(crew_id, None)
        e.changes.append(f"crews removed: {', '.join(gone)}" + (f" (skill {removal.skill})" if removal.skill else ""))


def _add_crews(e: _Edit) -> None:
    members_in_use = {m: c.crew_id for c in e.crews.values() for m in c.members}
    for addition in e.scenario.crews_add:
        crew = addition.crew
        if crew.crew_id in e.crews:
            e.problem(f"{addition.where}.crew_id", f"crew {crew.crew_id!r} already exists")
            continue
        taken = [m for m in crew.members if m in members_in_use]
        if taken:
            e.problem(f"{addition.where}.members", f"{', '.join(taken)} already in crew {members_in_use[taken[0]]}")
            continue
        e.crews[crew.crew_id] = crew
        members_in_use.update({m: crew.crew_id for m in crew.members})
        if addition.shift is not None:
            e.shifts[crew.crew_id] = _shift_from_spec(crew.crew_id, e.day, addition.shift, e.tz)
        skills = ", ".join(crew.skills) or "no skills"
        e.changes.append(f"crew added: {crew.crew_id} ({skills}, {len(crew.members)} members)")


def _lend_crews(e: _Edit) -> None:
    for lend in e.scenario.crews_lend:
        target = lend.to_depot
        if lend.to_crew is not None:
            other = e.crews.get(lend.to_crew)
            if other is None:
                e.no_crew(f"{lend.where}.to_crew", lend.to_crew)
                continue
            target = (other.depot_lat, other.depot_lon)
        missing = [c for c in lend.crews if c not in e.crews]
        if missing:
            e.no_crew(f"{lend.where}.crews", missing[0])
            continue
        if target is None:  # the parser requires one of to_depot / to_crew
            continue
        for crew_id in lend.crews:
            # A lent crew starts and ends its day at the other depot.
            e.crews[crew_id] = dataclasses.replace(
                e.crews[crew_id], depot_lat=target[0], depot_lon=target[1], end_lat=None, end_lon=None
            )
        where = f"crew {lend.to_crew}'s depot" if lend.to_crew else f"depot ({target[0]:.5f}, {target[1]:.5f})"
        e.changes.append(f"crews lent: {', '.join(lend.crews)} work from {where}")


def _quarantine(e: _Edit) -> None:
    if not e.scenario.quarantine:
        return
    known = {m for c in e.crews.values() for m in c.members}
    unknown = [m for m in e.scenario.quarantine if m not in known]
    if unknown:
        e.problem("members.quarantine", f"no crew member {unknown[0]!r} (known: {_few(sorted(known))})")
        return
    e.unavailable.update({m: e.scenario.quarantine_reason for m in e.scenario.quarantine})
    e.changes.append(f"members in quarantine: {', '.join(e.scenario.quarantine)}")


def _change_shifts(e: _Edit) -> None:
    for change in e.scenario.shift_changes:
        targets = list(change.crews) if change.crews is not None else sorted(e.shifts)
        bad = [c for c in targets if c not in e.crews]
        if bad:
            e.no_crew(f"{change.where}.crews", bad[0])
            continue
        for crew_id in targets:
            shift = e.shifts.get(crew_id)
            if shift is None:
                if change.start is None or (change.end is None and change.hours is None):
                    e.problem(
                        f"{change.where}.crews",
                        f"crew {crew_id} has no shift on {e.day}; give start and hours (or end) to call it in",
                    )
                    continue
                start = _at(e.day, change.start, e.tz)
                shift = Shift(crew_id=crew_id, date=e.day, start=start, end=start)
            e.shifts[crew_id] = _changed_shift(shift, change, e.tz)
        e.changes.append(f"shifts changed ({_shift_words(change)}): {', '.join(targets) or 'no crew on shift'}")


def _change_zones(e: _Edit) -> None:
    for zc in e.scenario.zone_changes:
        zone = e.zones.get(zc.name)
        if zone is None:
            e.problem(f"{zc.where}.name", f"no zone {zc.name!r} valid on {e.day} (known: {_few(sorted(e.zones))})")
            continue
        updates = {
            key: value
            for key, value in (("closed", zc.closed), ("risk_weight", zc.risk_weight), ("speed_kmh", zc.speed_kmh))
            if value is not None
        }
        e.zones[zc.name] = dataclasses.replace(zone, **updates)
        e.changes.append(f"zone {zc.name}: " + ", ".join(f"{k} = {v}" for k, v in updates.items()))


def _add_tickets(e: _Edit) -> None:
    base_count = len(e.tickets)  # a surge factor scales the live open tickets
    src = e.scenario.source
    for surge in e.scenario.surges:
        try:
            added = _surge_tickets(surge, day=e.day, base_count=base_count, zones=e.zones, policy=e.policy, source=src)
        except ScenarioError as exc:
            e.problems.extend(exc.problems)
            continue
        clash = [t.ticket_id for t in added if t.ticket_id in e.tickets]
        if clash:
            e.problem(f"{surge.where}.prefix", f"ticket id {clash[0]} already exists; choose another prefix")
            continue
        e.tickets.update({t.ticket_id: t for t in added})
        if surge.zone:
            place = f"inside zone {surge.zone}"
        elif surge.around:
            place = f"within {surge.radius_km:g} km of ({surge.around[0]:.4f}, {surge.around[1]:.4f})"
        else:
            place = "around a town picked by population"
        ids = f"{added[0].ticket_id}..{added[-1].ticket_id}" if added else "none"
        e.changes.append(f"surge: {len(added)} tickets {place}, seed {surge.seed} ({ids})")
    for addition in e.scenario.tickets_add:
        try:
            ticket = _ticket_from_values(addition, policy=e.policy, tz=e.tz, source=src)
        except ScenarioError as exc:
            e.problems.extend(exc.problems)
            continue
        if ticket.ticket_id in e.tickets:
            e.problem(f"{addition.where}.ticket_id", f"ticket {ticket.ticket_id!r} already exists")
            continue
        e.tickets[ticket.ticket_id] = ticket
        e.changes.append(f"ticket added: {ticket.ticket_id} ({ticket.category.value}, P{ticket.priority})")


def _few(items: Sequence[str], limit: int = 12) -> str:
    if not items:
        return "none"
    return ", ".join(items[:limit]) + (f", ... ({len(items)} in all)" if len(items) > limit else "")


def _at(day: dt.date, clock: dt.time, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, clock, tzinfo=tz)


def _after(start: dt.datetime, clock: dt.time) -> dt.datetime:
    """The first ``clock`` time after ``start`` (the same day or the next)."""
    moment = dt.datetime.combine(start.date(), clock, tzinfo=start.tzinfo)
    return moment if moment > start else moment + dt.timedelta(days=1)


def _shift_from_spec(crew_id: str, day: dt.date, spec: ShiftSpec, tz: ZoneInfo) -> Shift:
    start = _at(day, spec.start, tz)
    has_break = spec.break_start is not None and spec.break_end is not None
    break_start = _after(start - dt.timedelta(seconds=1), spec.break_start) if has_break else None  # type: ignore[arg-type]
    return Shift(
        crew_id=crew_id,
        date=day,
        start=start,
        end=_after(start, spec.end),
        break_start=break_start,
        break_end=_after(break_start, spec.break_end) if break_start and spec.break_end else None,
        break_min=spec.break_min if has_break else 0,
        standby=spec.standby,
    )


def _changed_shift(shift: Shift, change: ShiftChange, tz: ZoneInfo) -> Shift:
    # Clock times are local: work in the region's zone (times read from the database are UTC).
    start = shift.start.astimezone(tz)
    length = shift.end - shift.start
    if change.start is not None:
        start = _at(shift.date, change.start, tz)
    end = start + length
    if change.hours is not None:
        end = start + dt.timedelta(hours=change.hours)
    elif change.end is not None:
        end = _after(start, change.end)
    break_start, break_end, break_min = shift.break_start, shift.break_end, shift.break_min
    if change.no_break:
        break_start = break_end = None
        break_min = 0
    else:
        if change.break_start is not None and change.break_end is not None:
            break_start = _after(start - dt.timedelta(seconds=1), change.break_start)
            break_end = _after(break_start, change.break_end)
        if change.break_min is not None:
            break_min = change.break_min
    return dataclasses.replace(
        shift,
        start=start,
        end=end,
        break_start=break_start,
        break_end=break_end,
        break_min=break_min if break_start is not None else 0,
        standby=shift.standby if change.standby is None else change.standby,
    )


def _shift_words(change: ShiftChange) -> str:
    words = []
    if change.start is not None:
        words.append(f"start {change.start:%H:%M}")
    if change.hours is not None:
        words.append(f"{change.hours:g} h")
    if change.end is not None:
        words.append(f"end {change.end:%H:%M}")
    if change.no_break:
        words.append("no break")
    elif change.break_start is not None and change.break_end is not None:
        words.append(f"break in {change.break_start:%H:%M}-{change.break_end:%H:%M}")
    if change.break_min is not None:
        words.append(f"break {change.break_min} min")
    if change.standby is not None:
        words.append("standby" if change.standby else "called in")
    return ", ".join(words)


def _ticket_from_values(addition: TicketAddition, *, policy: Policy, tz: ZoneInfo, source: str) -> Ticket:
    """A ticket from a tickets.csv-like row, with the importer's checks and category defaults."""
    row = _Row(line=0, raw=[], values=dict(addition.values))
    values = _check_ticket(row, policy=policy, tz=tz)
    if values is not None and values.fields["lat"] is None:
        row.problem("lat", "required (scenario tickets are not geocoded)")
    if row.problems or values is None:
        raise ScenarioError([f"{source}: {addition.where}.{name}: {message}" for name, message in row.problems])
    f = values.fields
    return Ticket(
        ticket_id=values.ticket_id,
        reported_at=f["reported_at"],
        category=Category(f["category"]),
        lat=f["lat"],
        lon=f["lon"],
        priority=f["priority"],
        customers_affected=f["customers_affected"],
        service_min=f["service_min"],
        indoor=f["indoor"],
        household_risk=HouseholdRisk(f["household_risk"]),
        critical_facility=f["critical_facility"],
        window_start=f["window_start"],
        window_end=f["window_end"],
        skills=tuple(s for s in f["skills"].split(";") if s),
        address=f["address"],
        customer_id=f["customer_id"],
        customer_name=f["customer_name"],
        phone=f["phone"],
        transformer_id=f["transformer_id"],
    )


def _surge_tickets(
    surge: Surge, *, day: dt.date, base_count: int, zones: dict[str, Zone], policy: Policy, source: str
) -> list[Ticket]:
    n = surge.n if surge.n is not None else round((surge.factor or 1.0) * base_count) - base_count
    around, radius, zone = surge.around, surge.radius_km, None
    if surge.zone is not None:
        zone = zones.get(surge.zone)
        if zone is None:
            raise ScenarioError(
                [f"{source}: {surge.where}.zone: no zone {surge.zone!r} valid on {day} (known: {_few(sorted(zones))})"]
            )
        centre = zone.geometry.representative_point()
        around = (centre.y, centre.x)
        min_lon, min_lat, max_lon, max_lat = zone.geometry.bounds
        radius = max(0.2, 111.0 * math.hypot(max_lat - min_lat, (max_lon - min_lon) * math.cos(math.radians(centre.y))))
    try:
        rows = sample.surge_tickets(
            n=n, around=around, radius_km=radius, day=day, seed=surge.seed, id_prefix=surge.prefix
        )
    except ValueError as exc:
        raise ScenarioError([f"{source}: {surge.where}: {exc}"]) from exc
    if zone is not None:
        _move_inside(rows, zone, seed=surge.seed)
    tz = ZoneInfo(policy.region.timezone)
    return [
        _ticket_from_values(
            TicketAddition(where=f"{surge.where} ({row['ticket_id']})", values=row), policy=policy, tz=tz, source=source
        )
        for row in rows
    ]


def _move_inside(rows: list[dict[str, str]], zone: Zone, *, seed: int) -> None:
    """Put every generated ticket inside the zone (rejection sampling in its bounding box)."""
    rng = random.Random(seed)
    geometry = zone.geometry
    shapely.prepare(geometry)
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    fallback = geometry.representative_point()
    for row in rows:
        if shapely.contains_xy(geometry, float(row["lon"]), float(row["lat"])):
            continue
        lat, lon = fallback.y, fallback.x
        for _ in range(1000):
            x, y = rng.uniform(min_lon, max_lon), rng.uniform(min_lat, max_lat)
            if shapely.contains_xy(geometry, x, y):
                lat, lon = y, x
                break
        row["lat"], row["lon"] = f"{lat:.6f}", f"{lon:.6f}"


# ------------------------------------------------------------------------------------ running


def solution_limit_for(time_limit: float, n_tickets: int) -> int:
    """The fixed search effort standing in for ``time_limit`` seconds (reproducible runs)."""
    return max(MIN_SOLUTIONS, round(time_limit * SOLUTIONS_PER_TICKET_SECOND / max(n_tickets, 50)))


def plan_reproducibly(
    inputs: PlanInputs, policy: Policy, *, time_limit: float, solution_limit: int, workers: int = SCENARIO_WORKERS
) -> PlanResult:
    """``planning.make_plan`` in reproducible mode with a fixed solution count and solver processes."""
    return make_plan(
        inputs, policy, time_limit=time_limit, reproducible=True, solution_limit=solution_limit, workers=workers
    )


@dataclass(frozen=True)
class ScenarioRun:
    """A planned scenario, not stored yet."""

    scenario: Scenario
    day: dt.date
    overrides: dict[str, Any]
    inputs_summary: dict[str, Any]
    document: dict[str, Any]
    kpis: dict[str, Any]
    time_limit: float
    solution_limit: int
    workers: int
    wall_time: float

    @property
    def name(self) -> str:
        if not self.overrides:
            return self.scenario.name
        return f"{self.scenario.name} [{', '.join(f'{k}={v}' for k, v in self.overrides.items())}]"


def plan_scenario(
    scenario: Scenario,
    inputs: PlanInputs,
    base_policy: Policy,
    *,
    time_limit: float | None = None,
    solution_limit: int | None = None,
    overrides: dict[str, Any] | None = None,
    workers: int = SCENARIO_WORKERS,
) -> ScenarioRun:
    """Apply and plan a scenario on ``inputs`` (pure: no database)."""
    t0 = time_module.monotonic()
    applied = apply_scenario(scenario, inputs, base_policy, overrides=overrides)
    limit = applied.policy.solver.time_limit_s if time_limit is None else time_limit
    solutions = solution_limit if solution_limit is not None else solution_limit_for(limit, len(applied.inputs.tickets))
    result = plan_reproducibly(
        applied.inputs, applied.policy, time_limit=limit, solution_limit=solutions, workers=workers
    )
    return ScenarioRun(
        scenario=scenario,
        day=inputs.day,
        overrides=dict(overrides or {}),
        inputs_summary=inputs_summary(inputs, applied),
        document=result.document,
        kpis=compute_kpis(result.document, applied.inputs),
        time_limit=limit,
        solution_limit=solutions,
        workers=workers,
        wall_time=round(time_module.monotonic() - t0, 3),
    )


def inputs_summary(base: PlanInputs, applied: Applied) -> dict[str, Any]:
    day = base.day
    changed = applied.inputs

    def on_shift(inputs: PlanInputs) -> int:
        crew_ids = {c.crew_id for c in inputs.crews}
        return sum(1 for s in inputs.shifts if s.date == day and s.crew_id in crew_ids)

    return {
        "base": {"tickets": len(base.tickets), "crews": len(base.crews), "crews_with_shift": on_shift(base)},
        "tickets": len(changed.tickets),
        "crews": len(changed.crews),
        "crews_with_shift": on_shift(changed),
        "zones": sum(1 for z in changed.zones if z.valid_on(day)),
        "unavailable_members": dict(sorted(changed.unavailable_members.items())),
        "changes": list(applied.changes),
        "policy": json.loads(json.dumps(applied.policy.to_dict())),
    }


def compute_kpis(document: dict[str, Any], inputs: PlanInputs) -> dict[str, Any]:
    """The figures scenarios are compared on, from a plan document and what was planned."""
    s = document["summary"]
    by_id = {t.ticket_id: t for t in inputs.tickets}
    totals = {p: sum(1 for t in inputs.tickets if t.priority == p) for p in (1, 2, 3, 4)}
    crew_seconds = 0
    shift_seconds = 0.0
    overtime_seconds = 0.0
    homes: list[int] = []
    exposure: list[float] = []
    for route in document["routes"]:
        start = dt.datetime.fromisoformat(route["shift"]["start"])
        end = dt.datetime.fromisoformat(route["shift"]["end"])
        shift_seconds += (end - start).total_seconds()
        if route["summary"]["visits"]:
            crew_seconds += route["summary"]["duration_s"]
            back = max(dt.datetime.fromisoformat(st["arrival"]) for st in route["steps"])
            # Work past the shift's end (zero by construction: the shift is a hard limit).
            overtime_seconds += max(0.0, (back - end).total_seconds())
        for _member in route["members"]:
            homes.append(route["summary"]["homes_entered"])
            exposure.append(route["summary"]["exposure_min"])
    within = s["within_target_by_priority"]
    response_h: dict[int, list[float]] = {1: [], 2: []}
    for route in document["routes"]:
        for st in route["steps"]:
            ticket = by_id.get(st.get("ticket_id", "")) if st["type"] == "visit" else None
            if ticket is not None and ticket.priority in response_h:
                arrival = dt.datetime.fromisoformat(st["arrival"])
                response_h[ticket.priority].append((arrival - ticket.reported_at).total_seconds() / 3600)
    return {
        "tickets": s["tickets"],
        "served": s["served"],
        **{f"served_p{p}": s["served_by_priority"][str(p)] for p in (1, 2, 3, 4)},
        **{f"tickets_p{p}": totals[p] for p in (1, 2)},
        "p1_within_target": within["1"]["within"],
        "p2_within_target": within["2"]["within"],
        **{
            f"p{p}_response_h_mean": round(sum(hours) / len(hours), 2) if hours else None
            for p, hours in response_h.items()
        },
        "customer_minutes_waited": s["customer_minutes_waited"],
        "customers_unserved": sum(by_id[u["ticket_id"]].customers_affected for u in document["unassigned"]),
        "km": round(s["distance_m"] / 1000, 1),
        "crews_on_shift": s["crews_on_shift"],
        "crews_used": s["crews_used"],
        "crews_not_dispatched": len(document.get("crews_not_dispatched", [])),
        "crew_hours": round(crew_seconds / 3600, 2),
        "shift_hours": round(shift_seconds / 3600, 2),
        "overtime_hours": round(overtime_seconds / 3600, 2),
        "homes_entered": s["homes_entered"],
        "workers": len(homes),
        "homes_per_worker_max": max(homes, default=0),
        "homes_per_worker_mean": round(sum(homes) / len(homes), 2) if homes else 0.0,
        "exposure_min_per_worker_max": round(max(exposure, default=0.0), 1),
        "exposure_min_per_worker_mean": round(sum(exposure) / len(exposure), 1) if exposure else 0.0,
        "unassigned": s["unassigned"],
        "unassigned_by_reason": dict(sorted(s["unassigned_by_reason"].items())),
    }


# ------------------------------------------------------------------------------------ database


def read_only_engine(url: str) -> Engine:
    """An engine that can only read, for loading the live data of a scenario.

    SQLite: the file is opened read-only and transactions start deferred (a shared lock while
    reading), not with ``make_engine``'s ``BEGIN IMMEDIATE``, so other writers are not held up.
    PostgreSQL: read-only, repeatable-read transactions (one consistent snapshot).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return make_engine(url).execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    database = parsed.database
    if not database or database == ":memory:":
        raise ScenarioError([f"{url}: scenarios need a database file (an in-memory SQLite database is empty here)"])
    path = Path(database)
    if not path.exists():
        raise ScenarioError([f"{url}: database file {path} not found"])
    uri = path.resolve().as_uri() + "?mode=ro"
    import sqlite3

    engine = create_engine(
        "sqlite://",
        creator=lambda: sqlite3.connect(uri, uri=True, timeout=30.0, isolation_level=None, check_same_thread=False),
        poolclass=NullPool,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA query_only = ON")

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")

    return engine


def load_live_inputs(url: str, *, day: dt.date, policy: Policy) -> PlanInputs:
    """The live inputs of ``day``, read in one read-only transaction."""
    engine = read_only_engine(url)
    session = Session(engine)
    try:
        # Every query below runs in the one transaction the session begins on its first read.
        inputs = load_inputs(session, day=day, policy=policy)
        session.rollback()
        return inputs
    finally:
        session.close()
        engine.dispose()


def ensure_table(engine: Engine) -> None:
    """Create the scenario table if missing (touching no other table)."""
    SQLModel.metadata.create_all(engine, tables=[ScenarioRunRow.__table__])  # type: ignore[attr-defined]


def store_runs(
    engine: Engine, runs: Sequence[ScenarioRun], *, sweep: str | None = None, now: dt.datetime | None = None
) -> list[ScenarioRunRow]:
    """Store finished runs in one transaction: all of them, or none."""
    now = now or dt.datetime.now(dt.UTC)
    ensure_table(engine)
    rows: list[ScenarioRunRow] = []
    with session_scope(engine) as session:
        for run in runs:
            row = ScenarioRunRow(
                name=run.name,
                description=run.scenario.description,
                source=run.scenario.source,
                scenario_text=run.scenario.text,
                base_date=run.day,
                overrides=json.dumps(run.overrides, ensure_ascii=False),
                inputs_summary=json.dumps(run.inputs_summary, ensure_ascii=False),
                document=json.dumps(run.document, ensure_ascii=False),
                kpis=json.dumps(run.kpis, ensure_ascii=False),
                sweep=sweep,
                time_limit_s=run.time_limit,
                solution_limit=run.solution_limit,
                workers=run.workers,
                wall_time_s=run.wall_time,
                created_at=now,
                status=ScenarioStatus.DONE.value,
            )
            session.add(row)
            session.flush()
            rows.append(row)
    return rows


def scenario_day(scenario: Scenario, day: dt.date | None) -> dt.date:
    if day is not None:
        return day
    if scenario.base_date is None:
        raise ScenarioError([f"{scenario.source}: base_date: not given; set it in the file or pass --date"])
    return scenario.base_date


def run_scenario(
    url: str,
    scenario: Scenario,
    *,
    policy: Policy,
    day: dt.date | None = None,
    time_limit: float | None = None,
    solution_limit: int | None = None,
    now: dt.datetime | None = None,
) -> ScenarioRunRow:
    """Read the live data (read-only), plan the scenario in memory, store only the run."""
    day = scenario_day(scenario, day)
    inputs = load_live_inputs(url, day=day, policy=policy)
    run = plan_scenario(scenario, inputs, policy, time_limit=time_limit, solution_limit=solution_limit)
    engine = make_engine(url)
    try:
        return store_runs(engine, [run], now=now)[0]
    finally:
        engine.dispose()


# ------------------------------------------------------------------------------------ comparing

# (key, label, +1 when more is better, -1 when less is better, 0 when neither)
KPI_ROWS: tuple[tuple[str, str, int], ...] = (
    ("tickets", "tickets", 0),
    ("served", "tickets served", 1),
    ("served_p1", "  served P1", 1),
    ("served_p2", "  served P2", 1),
    ("served_p3", "  served P3", 1),
    ("served_p4", "  served P4", 1),
    ("p1_within_target", "P1 within response target", 1),
    ("p2_within_target", "P2 within response target", 1),
    ("p1_response_h_mean", "P1 mean response hours (served)", -1),
    ("p2_response_h_mean", "P2 mean response hours (served)", -1),
    ("customer_minutes_waited", "customer-minutes waited (served)", -1),
    ("customers_unserved", "customers not reached", -1),
    ("km", "km driven", -1),
    ("crews_on_shift", "crews on shift", 0),
    ("crews_used", "crews used", 0),
    ("crews_not_dispatched", "crews not dispatched", -1),
    ("crew_hours", "crew hours used", 0),
    ("shift_hours", "crew hours on shift", 0),
    ("overtime_hours", "overtime hours (past shift end)", -1),
    ("homes_entered", "homes entered", 0),
    ("homes_per_worker_max", "homes per worker, max", -1),
    ("homes_per_worker_mean", "homes per worker, mean", -1),
    ("exposure_min_per_worker_max", "exposure min per worker, max", -1),
    ("exposure_min_per_worker_mean", "exposure min per worker, mean", -1),
    ("unassigned", "unassigned", -1),
)


def comparison(runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """KPIs side by side: the first run is the base, every other gets deltas against it.

    ``runs`` are stored-run summaries (``ScenarioRunRow.summary()``).
    """
    if not runs:
        raise ValueError("nothing to compare")
    reasons = sorted({r for run in runs for r in run["kpis"].get("unassigned_by_reason", {})})
    rows: list[dict[str, Any]] = []
    specs = [*KPI_ROWS, *((f"unassigned:{r}", f"  unassigned: {r}", -1) for r in reasons)]
    for key, label, better in specs:
        values = [_kpi(run["kpis"], key) for run in runs]
        base = values[0]
        deltas = [None if v is None or base is None else round(v - base, 2) for v in values[1:]]
        rows.append({"kpi": key, "label": label.strip(), "better": better, "values": values, "deltas": deltas})
    return {
        "base": _run_ref(runs[0]),
        "others": [_run_ref(r) for r in runs[1:]],
        "rows": rows,
    }


def _run_ref(run: dict[str, Any]) -> dict[str, Any]:
    return {k: run[k] for k in ("id", "name", "base_date", "created_at", "solution_limit")}


def _kpi(kpis: dict[str, Any], key: str) -> float | None:
    if key.startswith("unassigned:"):
        return kpis.get("unassigned_by_reason", {}).get(key.split(":", 1)[1], 0)
    value = kpis.get(key)
    return value if isinstance(value, int | float) else None


def draw_comparison(runs: Sequence[dict[str, Any]], path: Path | str) -> Path:
    """Bars of the main KPIs, one bar per run (matplotlib, Agg)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = (
        ("served", "tickets served", 1),
        ("served_p1", "P1 tickets served", 1),
        ("p1_within_target", "P1 within response target", 1),
        ("p1_response_h_mean", "P1 mean response (h)", -1),
        ("customer_minutes_waited", "customer-minutes waited", -1),
        ("km", "km driven", -1),
        ("crew_hours", "crew hours used", 0),
        ("exposure_min_per_worker_max", "max exposure min per worker", -1),
    )
    labels = [f"#{r['id']} {r['name']}" for r in runs]
    fig, axes = plt.subplots(2, 4, figsize=(16, 7), constrained_layout=True)
    colours = ["#4c72b0"] + ["#dd8452"] * (len(runs) - 1)
    for ax, (key, title, better) in zip(axes.flat, panels, strict=True):
        values = [_kpi(r["kpis"], key) or 0 for r in runs]
        bars = ax.bar(range(len(runs)), values, color=colours)
        ax.set_title(title + (" ↑" if better > 0 else " ↓" if better < 0 else ""), fontsize=10)
        ax.set_xticks(range(len(runs)), [f"#{r['id']}" for r in runs])
        ax.set_ylim(bottom=0, top=max(1.0, max(values) * 1.12))
        ax.bar_label(bars, fmt="%g", fontsize=8)
    fig.suptitle("Scenario comparison (↑ higher is better, ↓ lower is better): " + "; ".join(labels), fontsize=9)
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# ------------------------------------------------------------------------------------ sweeps


def parse_set(text: str) -> tuple[str, list[Any]]:
    """``key=4..12`` (whole numbers, inclusive), ``key=0.5..2.0:0.25`` (with a step) or ``key=4,6,8``."""
    if "=" not in text:
        raise ScenarioError([f"--set {text}: expected KEY=VALUES, e.g. exposure.max_homes_per_shift=4..12"])
    key, spec = (part.strip() for part in text.split("=", 1))
    where = f"--set {key}"
    if not key:
        raise ScenarioError([f"--set {text}: the policy key is empty"])
    try:
        if ".." in spec:
            bounds, _, step_text = spec.partition(":")
            lo_text, hi_text = bounds.split("..", 1)
            lo, hi = _literal(lo_text), _literal(hi_text)
            step = _literal(step_text) if step_text else 1
            numbers = [v for v in (lo, hi, step) if isinstance(v, int | float) and not isinstance(v, bool)]
            if len(numbers) != 3:
                raise ValueError("a range needs numbers: LOW..HIGH or LOW..HIGH:STEP")
            if step <= 0 or hi < lo:
                raise ValueError("a range needs LOW <= HIGH and a positive STEP")
            if all(isinstance(v, int) for v in (lo, hi, step)):
                values: list[Any] = list(range(lo, hi + 1, step))
            else:
                count = int(math.floor((hi - lo) / step + 1e-9)) + 1
                values = [round(lo + i * step, 10) for i in range(count)]
        else:
            values = [_literal(v) for v in spec.split(",") if v.strip()]
        if not values:
            raise ValueError("no values")
    except (ValueError, TypeError) as exc:
        raise ScenarioError([f"{where}: {spec!r}: {exc}"]) from exc
    for value in values:
        try:
            Policy().with_overrides({key: value}, source=where)
        except PolicyError as exc:
            raise ScenarioError([str(exc)]) from exc
    return key, values


def _literal(text: str) -> Any:
    text = text.strip()
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text  # bare text, e.g. a time zone name


def grid(sets: Sequence[tuple[str, list[Any]]]) -> list[dict[str, Any]]:
    keys = [k for k, _ in sets]
    if len(set(keys)) != len(keys):
        raise ScenarioError(
            [f"--set: {k} given more than once" for k in sorted({k for k in keys if keys.count(k) > 1})]
        )
    points = [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*(v for _, v in sets))]
    if len(points) > MAX_SWEEP_POINTS:
        raise ScenarioError([f"--set: {len(points)} combinations; at most {MAX_SWEEP_POINTS} per sweep"])
    return points


@dataclass
class SweepResult:
    scenario: Scenario
    keys: list[str]
    runs: list[ScenarioRun]  # in grid order
    rows: list[ScenarioRunRow]
    sweep: str
    wall_time: float
    jobs: int

    def table(self) -> list[dict[str, Any]]:
        """One row per grid point: the set values, the KPIs, the stored run id and the Pareto mark."""
        front = pareto_front([r.kpis for r in self.runs])
        out = []
        for i, (run, row) in enumerate(zip(self.runs, self.rows, strict=True)):
            k = run.kpis
            out.append(
                {
                    **{key: run.overrides[key] for key in self.keys},
                    "run_id": row.id,
                    "served": k["served"],
                    **{f"served_p{p}": k[f"served_p{p}"] for p in (1, 2, 3, 4)},
                    "p1_within_target": k["p1_within_target"],
                    "p2_within_target": k["p2_within_target"],
                    "p1_response_h_mean": k["p1_response_h_mean"],
                    "customer_minutes_waited": k["customer_minutes_waited"],
                    "km": k["km"],
                    "crew_hours": k["crew_hours"],
                    "homes_entered": k["homes_entered"],
                    "homes_per_worker_max": k["homes_per_worker_max"],
                    "exposure_min_per_worker_max": k["exposure_min_per_worker_max"],
                    "exposure_min_per_worker_mean": k["exposure_min_per_worker_mean"],
                    "unassigned": k["unassigned"],
                    "solution_limit": run.solution_limit,
                    "wall_time_s": run.wall_time,
                    "pareto": i in front,
                }
            )
        return out


def pareto_front(kpis: Sequence[dict[str, Any]]) -> set[int]:
    """Points no other point beats: served, P1 within target (more is better), homes entered and
    weighted exposure minutes of the most exposed worker (less is better)."""

    def score(k: dict[str, Any]) -> tuple[float, ...]:
        return (k["served"], k["p1_within_target"], -k["homes_per_worker_max"], -k["exposure_min_per_worker_max"])

    scores = [score(k) for k in kpis]
    front = set()
    for i, a in enumerate(scores):
        dominated = any(
            all(x >= y for x, y in zip(b, a, strict=True)) and b != a for j, b in enumerate(scores) if j != i
        )
        if not dominated:
            front.add(i)
    return front


def _sweep_point(args: tuple[Scenario, PlanInputs, Policy, dict[str, Any], float | None, int | None]) -> ScenarioRun:
    scenario, inputs, policy, overrides, time_limit, solution_limit = args
    return plan_scenario(
        scenario, inputs, policy, time_limit=time_limit, solution_limit=solution_limit, overrides=overrides
    )


def available_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def run_sweep(
    url: str,
    scenario: Scenario,
    sets: Sequence[tuple[str, list[Any]]],
    *,
    policy: Policy,
    day: dt.date | None = None,
    time_limit: float | None = None,
    solution_limit: int | None = None,
    jobs: int | None = None,
    on_done: Callable[[int, ScenarioRun], None] | None = None,
    on_start: Callable[[int], None] | None = None,
    now: dt.datetime | None = None,
) -> SweepResult:
    """Plan every point of the grid in parallel (one solver process each), then store them all."""
    t0 = time_module.monotonic()
    points = grid(sets)
    day = scenario_day(scenario, day)
    inputs = load_live_inputs(url, day=day, policy=policy)
    # Apply the first point now so a bad scenario fails before any process starts.
    apply_scenario(scenario, inputs, policy, overrides=points[0])
    jobs = max(1, min(jobs or available_cores(), len(points)))
    if on_start is not None:
        on_start(len(points))
    runs: list[ScenarioRun | None] = [None] * len(points)
    tasks = [(scenario, inputs, policy, p, time_limit, solution_limit) for p in points]
    if jobs == 1:
        for i, task in enumerate(tasks):
            runs[i] = _sweep_point(task)
            if on_done is not None:
                on_done(i, runs[i])  # type: ignore[arg-type]
    else:
        # fork: starts at once and needs no importable __main__ (the solver does the same).
        context = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            futures = {pool.submit(_sweep_point, task): i for i, task in enumerate(tasks)}
            for future in as_completed(futures):
                i = futures[future]
                runs[i] = future.result()
                if on_done is not None:
                    on_done(i, runs[i])  # type: ignore[arg-type]
    done = [r for r in runs if r is not None]
    label = f"{scenario.name} sweep {(now or dt.datetime.now(dt.UTC)).strftime('%Y-%m-%dT%H:%M:%SZ')}"
    engine = make_engine(url)
    try:
        rows = store_runs(engine, done, sweep=label, now=now)
    finally:
        engine.dispose()
    return SweepResult(
        scenario=scenario,
        keys=[k for k, _ in sets],
        runs=done,
        rows=rows,
        sweep=label,
        wall_time=round(time_module.monotonic() - t0, 2),
        jobs=jobs,
    )


def write_sweep_csv(result: SweepResult, path: Path | str) -> Path:
    path = Path(path)
    table = result.table()
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(table[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(table)
    return path


def draw_sweep(result: SweepResult, path: Path | str) -> Path:
    """Served tickets and P1 within target against the first swept value; Pareto points marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = result.table()
    key = result.keys[0]
    others = result.keys[1:]
    fig, axes = plt.subplots(2, 2, figsize=(13, 9), constrained_layout=True)
    ax_served, ax_p1, ax_resp, ax_front = axes.flat
    series: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for row in table:
        series.setdefault(tuple(row[k] for k in others), []).append(row)
    panels = (
        (ax_served, "served", "Tickets served", "-"),
        (ax_p1, "served_p1", "P1 tickets served (solid) and within response target (dashed)", "-"),
        (ax_p1, "p1_within_target", None, "--"),
        (ax_resp, "p1_response_h_mean", "P1 mean response, report to arrival (h)", "-"),
    )
    for group, rows in series.items():
        rows.sort(key=lambda r: r[key])
        label = ", ".join(f"{k}={v}" for k, v in zip(others, group, strict=True)) or None
        colour = None
        for ax, metric, _title, style in panels:
            xs = [r[key] for r in rows]
            ys = [r[metric] if r[metric] is not None else float("nan") for r in rows]
            line = ax.plot(xs, ys, style, marker="o", color=colour, label=label if style == "-" else None)[0]
            colour = line.get_color()
            front = [r for r in rows if r["pareto"] and r[metric] is not None]
            ax.scatter(
                [r[key] for r in front], [r[metric] for r in front], s=170, facecolors="none",
                edgecolors="crimson", linewidths=2, zorder=3,
            )  # fmt: skip
    for ax, _metric, title, _style in panels:
        if title:
            ax.set_title(title, fontsize=10)
            ax.set_xlabel(key)
            ax.grid(alpha=0.3)
    if others:
        ax_served.legend(fontsize=8)
    xs = [r["exposure_min_per_worker_max"] for r in table]
    ys = [r["served"] for r in table]
    ax_front.scatter(xs, ys, color="#4c72b0", label="grid point")
    front = [r for r in table if r["pareto"]]
    ax_front.scatter(
        [r["exposure_min_per_worker_max"] for r in front], [r["served"] for r in front], s=170, facecolors="none",
        edgecolors="crimson", linewidths=2, zorder=3, label="Pareto front",
    )  # fmt: skip
    labels: dict[tuple[float, float], list[str]] = {}
    for r in table:
        where = (r["exposure_min_per_worker_max"], r["served"])
        labels.setdefault(where, []).append("/".join(str(r[k]) for k in result.keys))
    for where, texts in labels.items():
        ax_front.annotate("; ".join(texts), where, fontsize=8, xytext=(5, 4), textcoords="offset points")
    ax_front.set_xlabel("worst exposure per worker (weighted min)")
    ax_front.set_ylabel("tickets served")
    ax_front.set_title("Trade-off: served against worst exposure\n(points labelled " + "/".join(result.keys) + ")",
                       fontsize=10)  # fmt: skip
    ax_front.grid(alpha=0.3)
    ax_front.legend(fontsize=8)
    fig.suptitle(
        f"Sweep of {result.scenario.name} on {result.runs[0].day}. Pareto front circled in red: no other point\n"
        "serves more, reaches more P1 on time, and sends its most exposed worker into fewer homes and exposure minutes",
        fontsize=10,
    )
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def summaries(rows: Iterable[ScenarioRunRow]) -> list[dict[str, Any]]:
    return [row.summary() for row in rows]
