"""Dispatch policy (``dispatch.toml``): exposure caps, travel, response targets, solver settings.

Every value has a default, so an empty file (or none) is a valid policy. Unknown keys are
errors, so a typo in a safety cap is never silently ignored. Every value is checked by type,
range and finiteness (NaN and infinity are refused), and the per-category tables by their keys:
each number field declares its range with :func:`_num`, and a test checks that none is missing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dispatch.core.domain import Category, HouseholdRisk
from dispatch.core.ids import id_problem

# A day in minutes: the longest visit, and the most a clock may be off.
DAY_MIN = 24 * 60
# A policy file is a few kB; anything far larger is the wrong file (or /dev/zero).
MAX_POLICY_BYTES = 1_000_000
# PPE levels printed on route sheets: 0 none, 1 basic, 2 enhanced, 3 full (see [sheets.ppe]).
PPE_LEVELS = (0, 1, 2, 3)


class PolicyError(ValueError):
    pass


@dataclass(frozen=True)
class Range:
    """The values a number field accepts: ``lo <= value <= hi`` (``lo < value`` when ``above``)."""

    lo: float
    hi: float
    above: bool = False

    def problem(self, value: float) -> str | None:
        lo, hi = _plain(self.lo), _plain(self.hi)
        if not math.isfinite(value):
            return f"must be a finite number, got {value}"
        if self.above and not self.lo < value <= self.hi:
            return f"must be greater than {lo} and at most {hi}, got {value}"
        if not self.above and not self.lo <= value <= self.hi:
            return f"must be between {lo} and {hi}, got {value}"
        return None


def _plain(number: float) -> str:
    """A bound as people write it: 1000000, 0.5."""
    return str(int(number)) if float(number).is_integer() else f"{number}"


def _num(default: float, lo: float, hi: float, *, above: bool = False) -> Any:
    """A number field with the range it accepts (int fields take whole numbers only)."""
    return field(default=default, metadata={"range": Range(lo, hi, above)})


def _table(factory: Any, *, keys: str, values: Range | None = None) -> Any:
    """A table field keyed by ``keys`` ("category", "priority", "household_risk") with number values in ``values``."""
    return field(default_factory=factory, metadata={"keys": keys, "range": values})


# (min_lat, min_lon, max_lat, max_lon) of the built-in region, UP3 Cirebon (the sample's too).
CIREBON_BBOX = (-7.08, 107.86, -6.24, 108.86)


@dataclass(frozen=True)
class RegionPolicy:
    name: str = "UP3 Cirebon"
    timezone: str = "Asia/Jakarta"
    # How far ahead of this computer's clock a time may be: a ticket's report, a visit, a crew
    # position (a phone's clock runs a little fast); anything later is refused as in the future.
    max_clock_skew_min: float = _num(10.0, 0, DAY_MIN)
    # [min_lat, min_lon, max_lat, max_lon]: tickets, depots and positions outside are refused
    # (a swapped or mistyped coordinate); an empty list turns the check off.
    bbox: list[float] = field(default_factory=lambda: list(CIREBON_BBOX))

    @property
    def max_clock_skew(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.max_clock_skew_min)

    def outside(self, lat: float, lon: float) -> bool:
        """Whether a point lies outside the region's bounding box (never, with no box)."""
        if not self.bbox:
            return False
        min_lat, min_lon, max_lat, max_lon = self.bbox
        return not (min_lat <= lat <= max_lat and min_lon <= lon <= max_lon)

    def point_problem(self, lat: float, lon: float) -> str | None:
        """Why a point cannot be in the region, or None: (0, 0) (an empty GPS fix), or outside ``bbox``.
        The one rule for tickets, depots, geocoder answers and crew positions."""
        if lat == 0 and lon == 0:
            return "0, 0 is not a place in the region (an empty GPS fix?)"
        if not self.outside(lat, lon):
            return None
        box = ", ".join(f"{v:g}" for v in self.bbox)
        sign = not (self.outside(-lat, lon) and self.outside(lat, -lon))
        hint = "; a minus sign missing or extra?" if sign else ""
        return f"{lat:g}, {lon:g} is outside the region's bounds [{box}] (policy region.bbox){hint}"


@dataclass(frozen=True)
class ExposurePolicy:
    max_homes_per_shift: int = _num(8, 0, 1000)
    max_exposure_min_per_shift: float = _num(180.0, 0, 100_000)
    suspected_multiplier: float = _num(2.0, 1, 100)
    isolating_multiplier: float = _num(4.0, 1, 100)
    isolating_ends_home_entries: bool = True
    # Rolling caps per worker over ``rolling_days``.
    max_exposure_min_7d: float = _num(900.0, 0, 1_000_000)
    max_homes_7d: int = _num(40, 0, 100_000)
    rolling_days: int = _num(7, 1, 366)
    min_crew_members: int = _num(2, 0, 100)
    cohort_cooling_off_days: int = _num(14, 0, 366)


@dataclass(frozen=True)
class TravelPolicy:
    """Drives: great-circle x circuity at each vehicle's speed, or on roads (docs/roads.md)."""

    circuity: float = _num(1.35, 1, 10)
    car_speed_kmh: float = _num(30.0, 0, 200, above=True)
    motorcycle_speed_kmh: float = _num(36.0, 0, 200, above=True)
    engine: str = "great_circle"  # or "roads": Valhalla on the tiles in ``tiles`` (dispatch roads build)
    tiles: str = ""
    closures: str = ""  # a GeoJSON of closed roads or areas
    cache: str = ""  # a folder keeping road matrices between runs ("": in memory)
    max_snap_m: float = _num(500.0, 0, 35_000, above=True)
    workers: int = _num(1, 1, 64)
    zone_speeds_on_roads: bool = False

    @property
    def on_roads(self) -> bool:
        return self.engine == "roads"

    def speed_kmh(self, vehicle: str) -> float:
        return self.motorcycle_speed_kmh if vehicle == "motorcycle" else self.car_speed_kmh

    def speed_factor(self, vehicle: str) -> float:
        """How much faster than the reference this vehicle drives (1 on roads: each has its own matrix)."""
        return 1.0 if self.on_roads else self.speed_kmh(vehicle) / self.car_speed_kmh


def _default_targets() -> dict[int, float]:
    return {1: 3.0, 2: 8.0, 3: 24.0, 4: 72.0}


@dataclass(frozen=True)
class ResponsePolicy:
    """Response targets in hours from report to arrival, per priority class."""

    target_hours: dict[int, float] = _table(_default_targets, keys="priority", values=Range(0, 8760, above=True))
    # A ticket of these priorities whose response target is still ahead when the plan starts is
    # planned as an emergency: it outranks every other ticket (older ones of its own priority,
    # already past their target, included) and is reached as early as possible.
    emergency_priorities: list[int] = field(default_factory=lambda: [1])
    # An emergency's waiting counts like an outage of this many customers.
    emergency_customers: int = _num(100, 0, 1_000_000)

    def is_emergency(self, *, priority: int, reported_at: dt.datetime, as_of: dt.datetime) -> bool:
        """Whether a ticket is still within a response target that makes it an emergency at ``as_of``."""
        target = self.target_hours.get(priority)
        if priority not in self.emergency_priorities or target is None:
            return False
        return reported_at + dt.timedelta(hours=target) > as_of


def _default_priority() -> dict[str, int]:
    return {
        Category.LINE_DOWN: 1,
        Category.POLE: 1,
        Category.NO_POWER: 2,
        Category.TREE: 2,
        Category.VOLTAGE: 2,
        Category.PARTIAL_POWER: 3,
        Category.METER: 4,
        Category.OTHER: 4,
    }


def _default_service() -> dict[str, int]:
    return {
        Category.LINE_DOWN: 60,
        Category.POLE: 90,
        Category.NO_POWER: 45,
        Category.TREE: 60,
        Category.VOLTAGE: 40,
        Category.PARTIAL_POWER: 40,
        Category.METER: 25,
        Category.OTHER: 30,
    }


def _default_indoor() -> dict[str, bool]:
    return {
        Category.LINE_DOWN: False,
        Category.POLE: False,
        Category.NO_POWER: True,
        Category.TREE: False,
        Category.VOLTAGE: True,
        Category.PARTIAL_POWER: True,
        Category.METER: True,
        Category.OTHER: True,
    }


def _default_skills() -> dict[str, list[str]]:
    return {Category.LINE_DOWN: ["mv"], Category.POLE: ["mv"]}


@dataclass(frozen=True)
class CategoryPolicy:
    """Defaults by ticket category, used where a ticket row leaves a field empty."""

    priority: dict[str, int] = _table(_default_priority, keys="category", values=Range(1, 4))
    service_min: dict[str, int] = _table(_default_service, keys="category", values=Range(1, DAY_MIN))
    indoor: dict[str, bool] = _table(_default_indoor, keys="category")
    skills: dict[str, list[str]] = _table(_default_skills, keys="category")
    # Share of the service time spent inside the home on an indoor visit.
    indoor_share: float = _num(0.6, 0, 1)


@dataclass(frozen=True)
class SolverPolicy:
    time_limit_s: float = _num(30.0, 0, 86_400, above=True)
    travel_time_weight: int = _num(1, 0, 1000)
    # Cost per customer-second waited; makes big, urgent outages reached early.
    wait_weight: int = _num(1, 0, 1000)
    # How many P(n+1) jobs one P(n) job outweighs.
    priority_ratio: int = _num(1000, 1, 1_000_000)
    # Problems larger than this are split by depot (see README, "Large regions").
    max_tickets_per_solve: int = _num(1500, 1, 10_000)


@dataclass(frozen=True)
class StormPolicy:
    enabled: bool = False
    call_standby: bool = True


@dataclass(frozen=True)
class SkillsPolicy:
    """The skill vocabulary: a crew or ticket naming any other skill is refused at import (a typo
    like ``mvv`` would otherwise leave tickets unassigned for want of a crew). The skills the
    category table requires must be among them."""

    known: list[str] = field(default_factory=lambda: ["lv", "mv", "ppe"])


def _default_ppe() -> dict[str, int]:
    return {HouseholdRisk.NONE: 0, HouseholdRisk.SUSPECTED: 2, HouseholdRisk.ISOLATING: 3}


@dataclass(frozen=True)
class PpePolicy:
    """The protection level (0 none ... 3 full PPE) a route sheet prints for a stop, instead of the
    household's risk: the highest of the household's level, the zone's and the skill's."""

    household: dict[str, int] = _table(_default_ppe, keys="household_risk", values=Range(0, 3))
    # A stop inside a zone with at least this risk weight needs at least ``zone_level``.
    zone_weight: float = _num(1.5, 0, 100)
    zone_level: int = _num(1, 0, 3)
    # A ticket that needs the skill "ppe" needs at least this level.
    skill_level: int = _num(1, 0, 3)


@dataclass(frozen=True)
class SheetsPolicy:
    """What route sheets show. Sheets are read at the door, by neighbours too: customers' phone
    numbers are on the phone page (tap to call) only, unless ``phone_on_paper``."""

    phone_on_paper: bool = False
    ppe: PpePolicy = field(default_factory=PpePolicy)


@dataclass(frozen=True)
class Policy:
    region: RegionPolicy = field(default_factory=RegionPolicy)
    exposure: ExposurePolicy = field(default_factory=ExposurePolicy)
    travel: TravelPolicy = field(default_factory=TravelPolicy)
    response: ResponsePolicy = field(default_factory=ResponsePolicy)
    category: CategoryPolicy = field(default_factory=CategoryPolicy)
    solver: SolverPolicy = field(default_factory=SolverPolicy)
    storm: StormPolicy = field(default_factory=StormPolicy)
    skills: SkillsPolicy = field(default_factory=SkillsPolicy)
    sheets: SheetsPolicy = field(default_factory=SheetsPolicy)

    def household_multiplier(self, risk: HouseholdRisk | str) -> float:
        risk = HouseholdRisk(risk)
        if risk is HouseholdRisk.SUSPECTED:
            return self.exposure.suspected_multiplier
        if risk is HouseholdRisk.ISOLATING:
            return self.exposure.isolating_multiplier
        return 1.0

    @classmethod
    def load(cls, path: Path | str | None = None) -> Policy:
        """Read a policy file; ``None`` gives the defaults."""
        if path is None:
            return cls()
        path = Path(path)
        try:
            if path.exists() and not path.is_file() and not path.is_dir():
                raise PolicyError(f"{path}: not a regular file (a device or a pipe?); give the policy file")
            with path.open("rb") as fh:
                data = fh.read(MAX_POLICY_BYTES + 1)
        except FileNotFoundError as exc:
            raise PolicyError(f"{path}: policy file not found") from exc
        except IsADirectoryError as exc:
            raise PolicyError(f"{path}: is a folder, not a policy file") from exc
        except OSError as exc:
            raise PolicyError(f"{path}: cannot read the policy file: {exc.strerror or exc}") from exc
        if len(data) > MAX_POLICY_BYTES:
            raise PolicyError(f"{path}: larger than {MAX_POLICY_BYTES // 1000} kB; a policy file is a few kB of TOML")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise PolicyError(
                f"{path}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x}); save the policy file as UTF-8"
            ) from exc
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError(f"{path}: not valid TOML: {exc}") from exc
        except RecursionError as exc:  # tomllib recurses into nested arrays and tables
            raise PolicyError(f"{path}: not valid TOML: arrays or tables nested too deeply") from exc
        return cls.from_dict(raw, source=str(path))

    @classmethod
    def from_dict(cls, raw: dict[str, Any], *, source: str = "policy") -> Policy:
        policy = _build(cls, raw, source, "")
        _check_whole(policy, source)
        return policy

    def with_overrides(self, overrides: dict[str, Any], *, source: str = "override") -> Policy:
        """A copy with dotted keys replaced, e.g. ``{"exposure.max_homes_per_shift": 6}``."""
        raw = self.to_dict()
        for dotted, value in overrides.items():
            node = raw
            parts = dotted.split(".")
            for part in parts[:-1]:
                if part not in node or not isinstance(node[part], dict):
                    raise PolicyError(f"{source}: {dotted}: no such policy section {part!r}")
                node = node[part]
            if parts[-1] not in node:
                raise PolicyError(f"{source}: {dotted}: no such policy value")
            node[parts[-1]] = value
        return Policy.from_dict(raw, source=source)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _build(cls: type, raw: Any, source: str, prefix: str) -> Any:
    if not isinstance(raw, dict):
        raise PolicyError(f"{source}: {prefix.rstrip('.') or 'policy'}: expected a table, got {raw!r}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - set(fields), key=str)
    if unknown:
        raise PolicyError(f"{source}: {prefix}{unknown[0]}: unknown policy key (known: {', '.join(fields)})")
    kwargs: dict[str, Any] = {}
    defaults = cls()
    for name, value in raw.items():
        default = getattr(defaults, name)
        where = f"{prefix}{name}"
        if dataclasses.is_dataclass(default):
            kwargs[name] = _build(type(default), value, source, where + ".")
        else:
            kwargs[name] = _value(value, default, fields[name].metadata, source, where)
    obj = cls(**kwargs)
    _validate(obj, source, prefix)
    return obj


def _value(value: Any, default: Any, meta: Any, source: str, where: str) -> Any:
    """One policy value, checked against its default's type and the field's declared range or keys."""
    if isinstance(default, dict):
        return _table_value(value, default, meta, source, where)
    checked = _scalar(value, default, source, where)
    span: Range | None = meta.get("range")
    if span is not None and (problem := span.problem(checked)):
        raise PolicyError(f"{source}: {where}: {problem}")
    return checked


def _scalar(value: Any, default: Any, source: str, where: str) -> Any:
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise PolicyError(f"{source}: {where}: expected true or false, got {value!r}")
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise PolicyError(f"{source}: {where}: expected a whole number, got {value!r}")
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise PolicyError(f"{source}: {where}: expected a number, got {value!r}")
        if not math.isfinite(value):
            raise PolicyError(f"{source}: {where}: must be a finite number, got {value}")
        return float(value)
    if isinstance(default, str):
        if not isinstance(value, str):
            raise PolicyError(f"{source}: {where}: expected text, got {value!r}")
        return value
    if isinstance(default, list):
        if not isinstance(value, list):
            raise PolicyError(f"{source}: {where}: expected a list, got {value!r}")
        return list(value)
    raise PolicyError(f"{source}: {where}: unexpected value {value!r}")  # pragma: no cover - every field is typed


_KEYS: dict[str, tuple[Any, ...]] = {
    "category": tuple(c.value for c in Category),
    "priority": (1, 2, 3, 4),
    "household_risk": tuple(r.value for r in HouseholdRisk),
}


def _table_value(value: Any, default: dict[Any, Any], meta: Any, source: str, where: str) -> dict[Any, Any]:
    """A table keyed by categories, priorities or household risks: unknown keys are errors, values
    are checked like the defaults (and against the field's range)."""
    if not isinstance(value, dict):
        raise PolicyError(f"{source}: {where}: expected a table, got {value!r}")
    allowed = _KEYS[meta["keys"]]
    merged = dict(default)
    sample = next(iter(default.values()))
    for k, v in value.items():
        key: Any = k
        if meta["keys"] == "priority":
            try:
                key = int(k)
            except (TypeError, ValueError):
                key = k
        if key not in allowed:
            known = ", ".join(map(str, allowed))
            raise PolicyError(f"{source}: {where}.{k}: unknown {meta['keys'].replace('_', ' ')} (known: {known})")
        merged[key] = _value(v, sample, {"range": meta.get("range")}, source, f"{where}.{k}")
    return merged


def _validate(obj: Any, source: str, prefix: str) -> None:
    """The checks one section needs beyond each value's type and range."""
    if isinstance(obj, RegionPolicy):
        _check_region(obj, source, prefix)
    if isinstance(obj, TravelPolicy) and obj.engine not in ("great_circle", "roads"):
        raise PolicyError(f"{source}: {prefix}engine: expected great_circle or roads, got {obj.engine!r}")
    if isinstance(obj, TravelPolicy) and obj.on_roads and not obj.tiles.strip():
        raise PolicyError(f'{source}: {prefix}tiles: engine = "roads" needs a tiles folder (dispatch roads build)')
    if isinstance(obj, ResponsePolicy):
        for p in obj.emergency_priorities:
            if isinstance(p, bool) or p not in (1, 2, 3, 4):
                raise PolicyError(f"{source}: {prefix}emergency_priorities: {p!r} is not a priority (1..4)")
    if isinstance(obj, SkillsPolicy):
        if not obj.known:
            raise PolicyError(f"{source}: {prefix}known: must name at least one skill")
        for skill in obj.known:
            problem = id_problem(skill) if isinstance(skill, str) else f"expected text, got {skill!r}"
            if problem:
                raise PolicyError(f"{source}: {prefix}known: skill {skill!r}: {problem}")
    if isinstance(obj, CategoryPolicy):
        for category, skills in obj.skills.items():
            for skill in skills:
                if not isinstance(skill, str):
                    raise PolicyError(f"{source}: {prefix}skills.{category}: expected text, got {skill!r}")


def _check_region(region: RegionPolicy, source: str, prefix: str) -> None:
    try:
        ZoneInfo(region.timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise PolicyError(
            f"{source}: {prefix}timezone: unknown time zone {region.timezone!r} (an IANA name, e.g. Asia/Jakarta)"
        ) from None
    if not region.bbox:
        return
    box = region.bbox
    where = f"{source}: {prefix}bbox"
    if len(box) != 4 or any(isinstance(v, bool) or not isinstance(v, int | float) for v in box):
        raise PolicyError(f"{where}: expected [min_lat, min_lon, max_lat, max_lon] (or [] for none), got {box!r}")
    if not all(math.isfinite(v) for v in box):
        raise PolicyError(f"{where}: must be finite numbers, got {box!r}")
    min_lat, min_lon, max_lat, max_lon = box
    if not (-90 <= min_lat < max_lat <= 90 and -180 <= min_lon < max_lon <= 180):
        raise PolicyError(
            f"{where}: expected min_lat < max_lat within -90..90 and min_lon < max_lon within -180..180, got {box!r}"
        )


def _check_whole(policy: Policy, source: str) -> None:
    """Checks across sections: every skill the category table requires is a known skill."""
    known = set(policy.skills.known)
    for category, skills in policy.category.skills.items():
        unknown = [s for s in skills if s not in known]
        if unknown:
            raise PolicyError(
                f"{source}: category.skills.{category}: unknown skill {unknown[0]!r} "
                f"(skills.known: {', '.join(policy.skills.known)})"
            )


def ranged_fields() -> list[tuple[str, dataclasses.Field[Any]]]:
    """(dotted name, field) of every number field of the policy, for tests: each must declare its range."""
    out: list[tuple[str, dataclasses.Field[Any]]] = []

    def walk(cls: type, prefix: str) -> None:
        defaults = cls()
        for f in dataclasses.fields(cls):
            value = getattr(defaults, f.name)
            if dataclasses.is_dataclass(value):
                walk(type(value), f"{prefix}{f.name}.")
            elif isinstance(value, int | float) and not isinstance(value, bool):
                out.append((f"{prefix}{f.name}", f))

    walk(Policy, "")
    return out
