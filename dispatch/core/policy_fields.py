"""How one table of the policy file is read: typed fields with declared ranges or keys, each value checked
against its default's type, unknown keys refused, and a section's own checks (its ``check`` method) run
once it is built. The sections themselves are in :mod:`dispatch.core.policy`."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from dispatch.core.domain import AssetKind, Category, HouseholdRisk


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


def number_field(default: float, lo: float, hi: float, *, above: bool = False) -> Any:
    """A number field with the range it accepts (int fields take whole numbers only)."""
    return field(default=default, metadata={"range": Range(lo, hi, above)})


def table_field(factory: Any, *, keys: str, values: Range | None = None) -> Any:
    """A table field keyed by ``keys`` ("category", "priority", "household_risk") with number values in ``values``."""
    return field(default_factory=factory, metadata={"keys": keys, "range": values})


def build_section(cls: type, raw: Any, source: str, prefix: str) -> Any:
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
            kwargs[name] = build_section(type(default), value, source, where + ".")
        else:
            kwargs[name] = _value(value, default, fields[name].metadata, source, where)
    obj = cls(**kwargs)
    check = getattr(obj, "check", None)
    if check is not None:
        check(source, prefix)
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
    "asset_kind": tuple(k.value for k in AssetKind),
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
