"""Reading JSON documents strictly: each value checked once, every problem named with its place."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


class PlanFormatError(ValueError):
    """A plan document does not follow the contract; the message says where and what."""


def iso(value: dt.datetime) -> str:
    return value.isoformat()


def iso_or_none(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


@dataclass
class Reader:
    """One JSON object being read, with its place in the document for error messages."""

    obj: Any
    where: str
    seen: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        if not isinstance(self.obj, dict):
            raise PlanFormatError(f"{self.where}: expected an object, got {type(self.obj).__name__}")

    def req(self, key: str, read: Callable[[Any, str], T]) -> T:
        if key not in self.obj:
            raise PlanFormatError(f"{self.where}: lacks {key!r}")
        return read(self.obj[key], f"{self.where}.{key}")

    def opt(self, key: str, read: Callable[[Any, str], T]) -> T | None:
        value = self.obj.get(key)
        return None if value is None else read(value, f"{self.where}.{key}")

    def each(self, key: str, read: Callable[[Any, str], T]) -> list[T]:
        items = self.req(key, read_list)
        return [read(item, f"{self.where}.{key}[{i}]") for i, item in enumerate(items)]

    def map(self, key: str, read: Callable[[Any, str], T]) -> dict[str, T]:
        items = self.req(key, Reader)
        return {k: read(v, f"{items.where}.{k}") for k, v in items.obj.items()}


def fail(where: str, what: str) -> PlanFormatError:
    return PlanFormatError(f"{where}: {what}")


def read_str(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise fail(where, f"expected text, got {value!r}")
    return value


def read_int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail(where, f"expected a whole number, got {value!r}")
    return value


def read_float(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise fail(where, f"expected a finite number, got {value!r}")
    return value  # an int stays an int, so the document is written back as it was read


def read_lat(value: Any, where: str) -> float:
    lat = read_float(value, where)
    if not -90 <= lat <= 90:
        raise fail(where, f"latitude {lat} outside -90..90")
    return lat


def read_lon(value: Any, where: str) -> float:
    lon = read_float(value, where)
    if not -180 <= lon <= 180:
        raise fail(where, f"longitude {lon} outside -180..180")
    return lon


def read_bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise fail(where, f"expected true or false, got {value!r}")
    return value


def read_list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise fail(where, f"expected a list, got {type(value).__name__}")
    return value


def read_time(value: Any, where: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(read_str(value, where))
    except ValueError:
        raise fail(where, f"{value!r} is not an ISO 8601 time") from None
    if parsed.utcoffset() is None:
        raise fail(where, f"{value!r} has no UTC offset")
    return parsed


def read_date(value: Any, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(read_str(value, where))
    except ValueError:
        raise fail(where, f"{value!r} is not a date (YYYY-MM-DD)") from None
