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

from dispatch.core.domain import AssetKind, Category, HouseholdRisk
from dispatch.core.ids import id_problem
from dispatch.core.policy_fields import PolicyError, Range, build_section, number_field, table_field

# A day in minutes: the longest visit, and the most a clock may be off.
DAY_MIN = 24 * 60
# A policy file is a few kB; anything far larger is the wrong file (or /dev/zero).
MAX_POLICY_BYTES = 1_000_000
# PPE levels printed on route sheets: 0 none, 1 basic, 2 enhanced, 3 full (see [sheets.ppe]).
PPE_LEVELS = (0, 1, 2, 3)


# (min_lat, min_lon, max_lat, max_lon) of the built-in region, UP3 Cirebon (the sample's too).
CIREBON_BBOX = (-7.08, 107.86, -6.24, 108.86)


@dataclass(frozen=True)
class RegionPolicy:
    name: str = "UP3 Cirebon"
    timezone: str = "Asia/Jakarta"
    # How far ahead of this computer's clock a time may be: a ticket's report, a visit, a crew
    # position (a phone's clock runs a little fast); anything later is refused as in the future.
    max_clock_skew_min: float = number_field(10.0, 0, DAY_MIN)
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

    def check(self, source: str, prefix: str) -> None:
        """The time zone exists; the bounding box, when set, is a real one."""
        check_region(self, source, prefix)


@dataclass(frozen=True)
class ExposurePolicy:
    max_homes_per_shift: int = number_field(8, 0, 1000)
    max_exposure_min_per_shift: float = number_field(180.0, 0, 100_000)
    suspected_multiplier: float = number_field(2.0, 1, 100)
    isolating_multiplier: float = number_field(4.0, 1, 100)
    isolating_ends_home_entries: bool = True
    # Rolling caps per worker over ``rolling_days``.
    max_exposure_min_7d: float = number_field(900.0, 0, 1_000_000)
    max_homes_7d: int = number_field(40, 0, 100_000)
    rolling_days: int = number_field(7, 1, 366)
    min_crew_members: int = number_field(2, 0, 100)
    cohort_cooling_off_days: int = number_field(14, 0, 366)
    # Margin for overruns: plans count each home entry's in-home minutes times this quantile of the
    # ledger's actual / planned in-home minutes for its category (0 = no margin, plans as planned).
    overrun_quantile: float = number_field(0.9, 0, 1)
    # Fewer actual visits of a category than this: no margin learned for it (too few to trust).
    overrun_min_visits: int = number_field(20, 1, 1_000_000)


TRAVEL_ENGINES = ("great_circle", "roads")


@dataclass(frozen=True)
class TravelPolicy:
    """How long drives take. ``engine = "great_circle"`` (the default): distance x ``circuity`` at
    each vehicle's speed. ``engine = "roads"``: Valhalla on the road tiles in ``tiles`` (a folder
    made by ``dispatch roads build EXTRACT.osm.pbf``), one matrix per vehicle kind (a car's, a
    motorcycle's), ``closures`` (a GeoJSON of closed roads or areas) avoided, matrices kept in
    ``cache`` (a folder; empty: in memory for one run). A ticket farther than ``max_snap_m`` from a
    road is an error naming it."""

    circuity: float = number_field(1.35, 1, 10)
    car_speed_kmh: float = number_field(30.0, 0, 200, above=True)
    motorcycle_speed_kmh: float = number_field(36.0, 0, 200, above=True)
    engine: str = "great_circle"
    tiles: str = ""
    closures: str = ""
    cache: str = ""
    max_snap_m: float = number_field(500.0, 0, 35_000, above=True)
    # Threads computing road matrices (each with its own engine; Valhalla releases the GIL).
    workers: int = number_field(1, 1, 64)
    # On roads, a slow zone's speed_kmh still caps drives touching it (great-circle: always).
    zone_speeds_on_roads: bool = False

    @property
    def on_roads(self) -> bool:
        return self.engine == "roads"

    def speed_kmh(self, vehicle: str) -> float:
        return self.motorcycle_speed_kmh if vehicle == "motorcycle" else self.car_speed_kmh

    def speed_factor(self, vehicle: str) -> float:
        """How much faster than the travel matrices' reference this vehicle drives: on roads each
        vehicle has its own matrix (1.0), else relative to a car's speed."""
        if self.on_roads:
            return 1.0
        return self.speed_kmh(vehicle) / self.car_speed_kmh

    def check(self, source: str, prefix: str) -> None:
        """A known engine; roads name their tiles."""
        if self.engine not in TRAVEL_ENGINES:
            raise PolicyError(
                f"{source}: {prefix}engine: expected one of {', '.join(TRAVEL_ENGINES)}, got {self.engine!r}"
            )
        if self.on_roads and not self.tiles.strip():
            raise PolicyError(
                f'{source}: {prefix}tiles: engine = "roads" needs the road tiles folder '
                "(build it with: dispatch roads build EXTRACT.osm.pbf --tiles DIR)"
            )


def _default_targets() -> dict[int, float]:
    return {1: 3.0, 2: 8.0, 3: 24.0, 4: 72.0}


@dataclass(frozen=True)
class ResponsePolicy:
    """Response targets in hours from report to arrival, per priority class."""

    target_hours: dict[int, float] = table_field(_default_targets, keys="priority", values=Range(0, 8760, above=True))
    # A ticket of these priorities whose response target is still ahead when the plan starts is
    # planned as an emergency: it outranks every other ticket (older ones of its own priority,
    # already past their target, included) and is reached as early as possible.
    emergency_priorities: list[int] = field(default_factory=lambda: [1])
    # An emergency's waiting counts like an outage of this many customers.
    emergency_customers: int = number_field(100, 0, 1_000_000)
    # Minutes a re-plan may extend a crew's shift, by itself, so the crew reaches an emergency that
    # no shift could otherwise take today (0: never). A dispatcher's --end-shift always wins and
    # ``replan --no-overtime`` refuses it; caps never relax.
    emergency_overtime_min: int = number_field(60, 0, 720)
    # Per worker: the most overtime minutes in one day, and in a week (Monday to Sunday, counted
    # from the overtime recorded for pay).
    overtime_max_min_per_day: int = number_field(120, 0, 1440)
    overtime_max_min_per_week: int = number_field(600, 0, 10080)

    def is_emergency(self, *, priority: int, reported_at: dt.datetime, as_of: dt.datetime) -> bool:
        """Whether a ticket is still within a response target that makes it an emergency at ``as_of``."""
        target = self.target_hours.get(priority)
        if priority not in self.emergency_priorities or target is None:
            return False
        return reported_at + dt.timedelta(hours=target) > as_of

    def check(self, source: str, prefix: str) -> None:
        """Emergency priorities are priorities."""
        for p in self.emergency_priorities:
            if isinstance(p, bool) or p not in (1, 2, 3, 4):
                raise PolicyError(f"{source}: {prefix}emergency_priorities: {p!r} is not a priority (1..4)")


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
        Category.ASSET_OUTAGE: 2,
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
        Category.ASSET_OUTAGE: 60,
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
        Category.ASSET_OUTAGE: False,
    }


def _default_skills() -> dict[str, list[str]]:
    return {Category.LINE_DOWN: ["mv"], Category.POLE: ["mv"], Category.ASSET_OUTAGE: ["mv"]}


@dataclass(frozen=True)
class CategoryPolicy:
    """Defaults by ticket category, used where a ticket row leaves a field empty."""

    priority: dict[str, int] = table_field(_default_priority, keys="category", values=Range(1, 4))
    service_min: dict[str, int] = table_field(_default_service, keys="category", values=Range(1, DAY_MIN))
    indoor: dict[str, bool] = table_field(_default_indoor, keys="category")
    skills: dict[str, list[str]] = table_field(_default_skills, keys="category")
    # Share of the service time spent inside the home on an indoor visit.
    indoor_share: float = number_field(0.6, 0, 1)

    def check(self, source: str, prefix: str) -> None:
        """Skills are named by text."""
        check_skill_lists(self.skills, source, prefix)


@dataclass(frozen=True)
class SolverPolicy:
    time_limit_s: float = number_field(30.0, 0, 86_400, above=True)
    travel_time_weight: int = number_field(1, 0, 1000)
    # Cost per customer-second waited; makes big, urgent outages reached early.
    wait_weight: int = number_field(1, 0, 1000)
    # How many P(n+1) jobs one P(n) job outweighs.
    priority_ratio: int = number_field(1000, 1, 1_000_000)
    # Problems larger than this are split by depot (see README, "Large regions").
    max_tickets_per_solve: int = number_field(1500, 1, 10_000)


UNREPORTED_CHOICES = ("keep", "not_done")


@dataclass(frozen=True)
class IntradayPolicy:
    """What a re-plan assumes about a stop planned to start before its time that no crew reported:
    ``keep`` (paper sheets, crews that report late: it stays with its crew, at its place, frozen as
    unconfirmed, and counts against today's exposure) or ``not_done`` (crews always report: re-planned)."""

    unreported: str = "keep"

    def check(self, source: str, prefix: str) -> None:
        """``unreported`` is one of the readings of silence."""
        if self.unreported not in UNREPORTED_CHOICES:
            raise PolicyError(
                f"{source}: {prefix}unreported: {self.unreported!r} is not one of {', '.join(UNREPORTED_CHOICES)}"
            )


@dataclass(frozen=True)
class StormPolicy:
    enabled: bool = False
    call_standby: bool = True

    @property
    def standby_called(self) -> bool:
        """Whether crews on a standby shift are dispatched: only in storm mode, when it calls them."""
        return self.enabled and self.call_standby


def _default_outage_skills() -> dict[str, list[str]]:
    return {AssetKind.TRANSFORMER: ["mv"], AssetKind.FEEDER_SECTION: ["mv"]}


def _default_outage_service() -> dict[str, int]:
    return {AssetKind.TRANSFORMER: 60, AssetKind.FEEDER_SECTION: 90}


@dataclass(frozen=True)
class OutagePolicy:
    """Wide outages (``[outage]``): open no_power / partial_power tickets grouped by the network
    (``dispatch import assets``) into one outdoor job at the asset that explains them."""

    enabled: bool = True
    # A transformer is out when at least this many of its customers report, or this share of them.
    min_reports: int = number_field(3, 1, 100_000)
    min_share: float = number_field(0.3, 0, 1, above=True)
    # ... counting the reports that fall within this many minutes of each other (an outage's customers
    # call within minutes of the trip; unrelated faults of one transformer spread over days).
    window_min: int = number_field(60, 1, 7 * DAY_MIN)
    # During a storm a transformer is out on a quick pair: two of its customers reporting within pair_min
    # minutes of each other (0: off), while at least storm_min_out transformers anywhere on the network are
    # out by the counts above with onsets within window_min of the pair (a storm on).
    pair_min: int = number_field(15, 0, DAY_MIN)
    storm_min_out: int = number_field(10, 1, 100_000)
    # A report whose transformer_id is missing, unknown or farther than this from the report belongs to the
    # nearest transformer within this distance (0: trust transformer_id alone).
    link_max_m: float = number_field(300.0, 0, 5000)
    # Children of an upstream asset that must go dark together to move the outage up to it (its lowest
    # common ancestor; see dispatch.outages.grouping).
    min_children: int = number_field(2, 2, 1000)
    # The asset job's priority: the more urgent of this and its most urgent report's. The solver serves
    # jobs by count within a priority, so one job standing for a hundred customers needs the higher class.
    priority: int = number_field(1, 1, 4)
    # An asset job behind at least this many customers (a feeder section's outage) is planned as an
    # emergency: it outranks every ticket, line-down and pole work included, and is reached as early as
    # possible (0: never; then it competes with the other jobs of its priority by count).
    emergency_min_customers: int = number_field(0, 0, 1_000_000)
    # An asset job counts as one job of its priority per this many customers behind it (at least one),
    # served or left out: where the skilled crews cannot take every job of the class, a feeder section's
    # outage of 1,500 customers weighs like 15 line-down or pole jobs reported hours ago, a transformer's of
    # 80 like one. The rate is response.emergency_customers' (a hazard's waiting counts like 100 customers'),
    # seen from the other side. Emergencies (work still within its response target) stay ahead of it, and
    # an asset job that is itself an emergency counts as one among them.
    # 0: every asset job counts as one, and the class's hazards go first by count.
    customers_per_job: int = number_field(100, 0, 1_000_000)
    # Skills and service minutes of the asset job, by asset kind.
    skills: dict[str, list[str]] = table_field(_default_outage_skills, keys="asset_kind")
    service_min: dict[str, int] = table_field(_default_outage_service, keys="asset_kind", values=Range(1, DAY_MIN))
    # A customer still without power after the asset job is done gets a home visit again.
    reopen_still_dark: bool = True

    def check(self, source: str, prefix: str) -> None:
        """Skills are named by text."""
        check_skill_lists(self.skills, source, prefix)

    def is_emergency(self, *, category: Category, customers: int) -> bool:
        """Whether a job is an asset job behind ``emergency_min_customers`` customers or more."""
        return category is Category.ASSET_OUTAGE and 0 < self.emergency_min_customers <= customers

    def job_weight(self, *, category: Category, customers: int) -> int:
        """How many jobs of its priority a job counts as: an asset job one per ``customers_per_job``
        customers behind it (at least one); any other job one."""
        if category is not Category.ASSET_OUTAGE or not self.customers_per_job:
            return 1
        return max(1, customers // self.customers_per_job)


@dataclass(frozen=True)
class SkillsPolicy:
    """The skill vocabulary: a crew or ticket naming any other skill is refused at import (a typo
    like ``mvv`` would otherwise leave tickets unassigned for want of a crew). The skills the
    category table requires must be among them."""

    known: list[str] = field(default_factory=lambda: ["lv", "mv", "ppe"])

    def check(self, source: str, prefix: str) -> None:
        """At least one skill, each a safe id."""
        if not self.known:
            raise PolicyError(f"{source}: {prefix}known: must name at least one skill")
        for skill in self.known:
            problem = id_problem(skill) if isinstance(skill, str) else f"expected text, got {skill!r}"
            if problem:
                raise PolicyError(f"{source}: {prefix}known: skill {skill!r}: {problem}")


def _default_ppe() -> dict[str, int]:
    return {HouseholdRisk.NONE: 0, HouseholdRisk.SUSPECTED: 2, HouseholdRisk.ISOLATING: 3}


@dataclass(frozen=True)
class PpePolicy:
    """The protection level (0 none ... 3 full PPE) a route sheet prints for a stop, instead of the
    household's risk: the highest of the household's level, the zone's and the skill's."""

    household: dict[str, int] = table_field(_default_ppe, keys="household_risk", values=Range(0, 3))
    # A stop inside a zone with at least this risk weight needs at least ``zone_level``.
    zone_weight: float = number_field(1.5, 0, 100)
    zone_level: int = number_field(1, 0, 3)
    # A ticket that needs the skill "ppe" needs at least this level.
    skill_level: int = number_field(1, 0, 3)


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
    intraday: IntradayPolicy = field(default_factory=IntradayPolicy)
    outage: OutagePolicy = field(default_factory=OutagePolicy)
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
        policy = build_section(cls, raw, source, "")
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


def check_skill_lists(skills: dict[str, list[str]], source: str, prefix: str) -> None:
    """Every skill list of a table holds text."""
    for key, names in skills.items():
        for skill in names:
            if not isinstance(skill, str):
                raise PolicyError(f"{source}: {prefix}skills.{key}: expected text, got {skill!r}")


def check_region(region: RegionPolicy, source: str, prefix: str) -> None:
    """The region's time zone and bounding box."""
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
    for kind, skills in policy.outage.skills.items():
        unknown = [s for s in skills if s not in known]
        if unknown:
            raise PolicyError(
                f"{source}: outage.skills.{kind}: unknown skill {unknown[0]!r} (skills.known: {', '.join(known)})"
            )
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
