"""Reading a scenario TOML file: every key checked, every problem named with file and key."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dispatch.core.domain import Crew, Vehicle
from dispatch.core.policy import Policy, PolicyError
from dispatch.io.importing.tickets import TICKET_OPTIONAL, TICKET_REQUIRED
from dispatch.sample import region as sample
from dispatch.scenarios.spec import (
    CrewAddition,
    CrewLend,
    CrewRemoval,
    OnCallCrew,
    Scenario,
    ScenarioError,
    ShiftChange,
    ShiftSpec,
    Surge,
    TicketAddition,
    ZoneChange,
)


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

    def vehicle(self, name: str) -> Vehicle:
        """A vehicle kind (default car); a problem recorded, and car assumed, for an unknown one."""
        text = self.text(name, default=Vehicle.CAR.value)
        try:
            return Vehicle(text.lower())
        except ValueError:
            self.ctx.problem(self.key(name), f"expected one of {', '.join(v.value for v in Vehicle)}, got {text!r}")
            return Vehicle.CAR

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
    except RecursionError as exc:  # the TOML parser recurses per nested array or table
        raise ScenarioError([f"{source}: not valid TOML: arrays or tables nested too deeply"]) from exc
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
    on_call: list[OnCallCrew] = []
    if top.has("crews"):
        crews = _Reader(raw["crews"], "crews", ctx)
        crews.allow("remove", "add", "lend", "on_call")
        crews_remove = _crew_removals(crews, ctx)
        crews_add = [a for w, t in crews.tables("add") if (a := _crew_addition(_Reader(t, w, ctx))) is not None]
        crews_lend = [x for w, t in crews.tables("lend") if (x := _crew_lend(_Reader(t, w, ctx))) is not None]
        for k, (w, t) in enumerate(crews.tables("on_call"), start=1):
            if (o := _on_call(_Reader(t, w, ctx), k)) is not None:
                on_call.append(o)
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
    _check_unique(ctx, [a.crew.crew_id for a in crews_add] + [o.crew_id for o in on_call], "crews", "crew_id")
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
        crews_on_call=tuple(on_call),
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
    vehicle = r.vehicle("vehicle")
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


def _on_call(r: _Reader, k: int) -> OnCallCrew | None:
    """``[[crews.on_call]]``: skills, start and end (required), crew_id, members (a count), vehicle, and
    depot = [lat, lon] or at_crew = "C.." (one of them)."""
    if not r.ok:
        return None
    r.allow("crew_id", "skills", "start", "end", "members", "vehicle", "depot", "at_crew")
    n = len(r.ctx.problems)
    crew_id = r.text("crew_id", default=f"ONCALL{k}")
    skills = r.names("skills", required=True) or ()
    start, end = r.clock("start", required=True), r.clock("end", required=True)
    members = r.whole("members", lo=1)
    vehicle = r.vehicle("vehicle")
    depot = r.point("depot")
    at_crew = r.text("at_crew") or None
    if r.has("depot") == r.has("at_crew"):
        r.ctx.problem(r.where, 'give depot = [lat, lon] or at_crew = "C.." (one of them)')
    if len(r.ctx.problems) > n or start is None or end is None:
        return None
    return OnCallCrew(
        where=r.where,
        crew_id=crew_id,
        skills=skills,
        start=start,
        end=end,
        members=members if members is not None else 2,
        vehicle=vehicle,
        depot=depot,
        at_crew=at_crew,
    )


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
