"""Strict readers for the exchange format's JSON values: each names the JSON path of what is wrong
(``jobs[3].time_windows[0]: start after end``) and ignores nothing unknown."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from solver.model import TimeWindow


def read_obj(raw: Any, path: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected an object, got {kind_of(raw)}")
    return raw


def read_list(raw: Any, path: str) -> list[Any]:
    if not isinstance(raw, list):
        raise ValueError(f"{path}: expected an array, got {kind_of(raw)}")
    return raw


def read_required(obj: Mapping[str, Any], key: str, path: str) -> Any:
    if key not in obj:
        raise ValueError(f"{join_path(path, key)}: missing")
    return obj[key]


def check_known_keys(obj: Mapping[str, Any], known: set[str], path: str) -> None:
    unknown = sorted(set(obj) - known)
    if unknown:
        raise ValueError(f"{join_path(path, unknown[0])}: unknown field (known: {', '.join(sorted(known))})")


def read_int(raw: Any, path: str) -> int:
    # JSON writers may print 1800 as 1800.0; a fractional second is an error, not something to round.
    if isinstance(raw, bool) or not isinstance(raw, int | float) or (isinstance(raw, float) and not raw.is_integer()):
        raise ValueError(f"{path}: expected an integer, got {raw!r}")
    return int(raw)


def read_nonneg(raw: Any, path: str) -> int:
    value = read_int(raw, path)
    if value < 0:
        raise ValueError(f"{path}: must be >= 0, got {value}")
    return value


def read_number(raw: Any, path: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not np.isfinite(raw):
        raise ValueError(f"{path}: expected a finite number, got {raw!r}")
    return float(raw)


def read_bool(raw: Any, path: str) -> bool:
    if not isinstance(raw, bool):
        raise ValueError(f"{path}: expected true or false, got {raw!r}")
    return raw


def read_str(raw: Any, path: str) -> str:
    if not isinstance(raw, str):
        raise ValueError(f"{path}: expected a string, got {raw!r}")
    return raw


def read_opt[T](raw: Any, read: Callable[[Any, str], T], path: str) -> T | None:
    return None if raw is None else read(raw, path)


def read_location(raw: Any, path: str) -> tuple[float, float]:
    pair = read_list(raw, path)
    if len(pair) != 2:
        raise ValueError(f"{path}: expected [lon, lat] (or [x, y]), got {len(pair)} values")
    return read_number(pair[0], f"{path}[0]"), read_number(pair[1], f"{path}[1]")


def read_window(raw: Any, path: str) -> TimeWindow:
    pair = read_list(raw, path)
    if len(pair) != 2:
        raise ValueError(f"{path}: expected [start, end], got {len(pair)} values")
    start, end = read_int(pair[0], f"{path}[0]"), read_int(pair[1], f"{path}[1]")
    if start > end:
        raise ValueError(f"{path}: start after end ({start} > {end})")
    return TimeWindow(start, end)


def read_windows(raw: Any, path: str) -> list[TimeWindow]:
    return [read_window(w, f"{path}[{k}]") for k, w in enumerate(read_list(raw, path))]


def read_skills(raw: Any, path: str) -> list[str]:
    return [read_str(s, f"{path}[{k}]") for k, s in enumerate(read_list(raw, path))]


def read_one_dimension(raw: Any, path: str) -> int:
    values = read_list(raw, path)
    if len(values) != 1:
        raise ValueError(f"{path}: expected one load dimension, e.g. [3], got {len(values)} values")
    return read_nonneg(values[0], f"{path}[0]")


def join_path(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def kind_of(raw: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(raw), type(raw).__name__
    )
