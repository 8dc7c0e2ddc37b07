"""Dispatch policy (``dispatch.toml``): exposure caps, travel, response targets, solver settings.

Every value has a default, so an empty file (or none) is a valid policy. Unknown keys are
errors, so a typo in a safety cap is never silently ignored.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dispatch.core.domain import Category, HouseholdRisk


class PolicyError(ValueError):
    pass


@dataclass(frozen=True)
class RegionPolicy:
    name: str = "UP3 Cirebon"
    timezone: str = "Asia/Jakarta"


@dataclass(frozen=True)
class ExposurePolicy:
    max_homes_per_shift: int = 8
    max_exposure_min_per_shift: float = 180.0
    suspected_multiplier: float = 2.0
    isolating_multiplier: float = 4.0
    isolating_ends_home_entries: bool = True
    # Rolling caps per worker over ``rolling_days`` (issue 4).
    max_exposure_min_7d: float = 900.0
    max_homes_7d: int = 40
    rolling_days: int = 7
    min_crew_members: int = 2
    cohort_cooling_off_days: int = 14


@dataclass(frozen=True)
class TravelPolicy:
    circuity: float = 1.35
    car_speed_kmh: float = 30.0
    motorcycle_speed_kmh: float = 36.0

    def speed_kmh(self, vehicle: str) -> float:
        return self.motorcycle_speed_kmh if vehicle == "motorcycle" else self.car_speed_kmh

    def speed_factor(self, vehicle: str) -> float:
        """How much faster than a car (the travel matrices' reference) this vehicle drives."""
        return self.speed_kmh(vehicle) / self.car_speed_kmh


def _default_targets() -> dict[int, float]:
    return {1: 3.0, 2: 8.0, 3: 24.0, 4: 72.0}


@dataclass(frozen=True)
class ResponsePolicy:
    """Response targets in hours from report to arrival, per priority class."""

    target_hours: dict[int, float] = field(default_factory=_default_targets)
    # A ticket of these priorities whose response target is still ahead when the plan starts is
    # planned as an emergency: it outranks every other ticket (older ones of its own priority,
    # already past their target, included) and is reached as early as possible.
    emergency_priorities: list[int] = field(default_factory=lambda: [1])
    # An emergency's waiting counts like an outage of this many customers.
    emergency_customers: int = 100

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

    priority: dict[str, int] = field(default_factory=_default_priority)
    service_min: dict[str, int] = field(default_factory=_default_service)
    indoor: dict[str, bool] = field(default_factory=_default_indoor)
    skills: dict[str, list[str]] = field(default_factory=_default_skills)
    # Share of the service time spent inside the home on an indoor visit.
    indoor_share: float = 0.6


@dataclass(frozen=True)
class SolverPolicy:
    time_limit_s: float = 30.0
    travel_time_weight: int = 1
    # Cost per customer-second waited; makes big, urgent outages reached early.
    wait_weight: int = 1
    # How many P(n+1) jobs one P(n) job outweighs.
    priority_ratio: int = 1000
    # Problems larger than this are split by depot (see README, "Large regions").
    max_tickets_per_solve: int = 1500


@dataclass(frozen=True)
class StormPolicy:
    enabled: bool = False
    call_standby: bool = True


@dataclass(frozen=True)
class Policy:
    region: RegionPolicy = field(default_factory=RegionPolicy)
    exposure: ExposurePolicy = field(default_factory=ExposurePolicy)
    travel: TravelPolicy = field(default_factory=TravelPolicy)
    response: ResponsePolicy = field(default_factory=ResponsePolicy)
    category: CategoryPolicy = field(default_factory=CategoryPolicy)
    solver: SolverPolicy = field(default_factory=SolverPolicy)
    storm: StormPolicy = field(default_factory=StormPolicy)

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
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise PolicyError(f"{path}: policy file not found") from exc
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError(f"{path}: not valid TOML: {exc}") from exc
        except RecursionError as exc:  # the TOML parser recurses per nested array or table
            raise PolicyError(f"{path}: not valid TOML: arrays or tables nested too deeply") from exc
        return cls.from_dict(raw, source=str(path))

    @classmethod
    def from_dict(cls, raw: dict[str, Any], *, source: str = "policy") -> Policy:
        return _build(cls, raw, source, "")

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
        return _build(Policy, raw, source, "")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _build(cls: type, raw: dict[str, Any], source: str, prefix: str) -> Any:
    if not isinstance(raw, dict):
        raise PolicyError(f"{source}: {prefix.rstrip('.') or 'policy'}: expected a table")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - set(fields))
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
            kwargs[name] = _coerce(value, default, source, where)
    obj = cls(**kwargs)
    _validate(obj, source, prefix)
    return obj


def _coerce(value: Any, default: Any, source: str, where: str) -> Any:
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
        return float(value)
    if isinstance(default, str):
        if not isinstance(value, str):
            raise PolicyError(f"{source}: {where}: expected text, got {value!r}")
        return value
    if isinstance(default, dict):
        if not isinstance(value, dict):
            raise PolicyError(f"{source}: {where}: expected a table, got {value!r}")
        merged = dict(default)
        sample = next(iter(default.values()), None)
        key_is_int = bool(default) and all(isinstance(k, int) for k in default)
        for k, v in value.items():
            key = k
            if key_is_int:
                try:
                    key = int(k)
                except ValueError as exc:
                    raise PolicyError(f"{source}: {where}.{k}: expected a priority number") from exc
            merged[key] = _coerce(v, sample, source, f"{where}.{k}") if sample is not None else v
        return merged
    if isinstance(default, list):
        if not isinstance(value, list):
            raise PolicyError(f"{source}: {where}: expected a list, got {value!r}")
        return value
    return value


def _validate(obj: Any, source: str, prefix: str) -> None:
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if value < 0:
            raise PolicyError(f"{source}: {prefix}{f.name}: must be >= 0, got {value}")
    if isinstance(obj, ResponsePolicy):
        for p in obj.emergency_priorities:
            if isinstance(p, bool) or p not in (1, 2, 3, 4):
                raise PolicyError(f"{source}: {prefix}emergency_priorities: {p!r} is not a priority (1..4)")
    if isinstance(obj, TravelPolicy) and obj.circuity < 1:
        raise PolicyError(f"{source}: {prefix}circuity: must be >= 1, got {obj.circuity}")
    if isinstance(obj, ExposurePolicy) and obj.rolling_days < 1:
        raise PolicyError(f"{source}: {prefix}rolling_days: must be >= 1, got {obj.rolling_days}")
    if isinstance(obj, TravelPolicy):
        for name in ("car_speed_kmh", "motorcycle_speed_kmh"):
            if getattr(obj, name) <= 0:
                raise PolicyError(f"{source}: {prefix}{name}: must be > 0")
