"""Reading CSV files row by row: every problem collected as FILE:ROW: field: what, rejects written aside."""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from dispatch.runtime.files import replace_file

REJECT_REASON = "reject_reason"


_TRUE = {"true", "yes", "1"}


_FALSE = {"false", "no", "0"}


_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


_YMD = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class ImportErrors(Exception):
    """A file could not be imported; ``errors`` lists every problem found."""

    def __init__(self, errors: list[str], *, warnings: list[str] | None = None) -> None:
        self.errors = list(errors)
        self.warnings = list(warnings or [])
        super().__init__(f"{len(self.errors)} problem(s):\n" + "\n".join(self.errors))


@dataclass
class ImportReport:
    """What one import did. ``inserted + updated + len(merged) + rejected == rows``."""

    kind: str  # tickets, crews, shifts, zones
    file: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    merged: list[tuple[str, str]] = field(default_factory=list)  # (new ticket, open ticket it joined)
    rejected: int = 0
    warnings: list[str] = field(default_factory=list)
    rejects_file: str | None = None

    @property
    def accepted(self) -> int:
        return self.inserted + self.updated + len(self.merged)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "file": self.file,
            "rows": self.rows,
            "inserted": self.inserted,
            "updated": self.updated,
            "merged": [{"ticket_id": new, "merged_into": into} for new, into in self.merged],
            "rejected": self.rejected,
            "warnings": self.warnings,
            "rejects_file": self.rejects_file,
        }


@dataclass
class _Row:
    line: int
    raw: list[str]
    values: dict[str, str]
    problems: list[tuple[str, str]] = field(default_factory=list)

    def problem(self, name: str, message: str) -> None:
        self.problems.append((name, message))

    def reason(self) -> str:
        return "; ".join(f"{name}: {message}" for name, message in self.problems)


@dataclass
class _Table:
    label: str
    header: list[str]  # as written in the file
    columns: list[str]  # normalised (stripped, lower case)
    rows: list[_Row]
    warnings: list[str]


def _read_text(path: Path, label: str) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise ImportErrors([f"{label}: file not found"]) from exc
    except OSError as exc:
        raise ImportErrors([f"{label}: cannot read: {exc.strerror or exc}"]) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ImportErrors(
            [f"{label}:{line}: file: not UTF-8 text (byte 0x{data[exc.start]:02x}); save it as UTF-8"]
        ) from exc


def _read_csv(path: Path, *, required: tuple[str, ...], optional: tuple[str, ...]) -> _Table:
    label = str(path)
    text = _read_text(path, label)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise ImportErrors([f"{label}:1: header: missing; expected columns {', '.join(required)}"])
        columns = [h.strip().lower() for h in header]
        file_errors: list[str] = []
        duplicates = sorted({c for c in columns if columns.count(c) > 1})
        if duplicates:
            file_errors.append(f"{label}:1: header: column(s) given twice: {', '.join(duplicates)}")
        missing = [c for c in required if c not in columns]
        if missing:
            file_errors.append(f"{label}:1: header: missing required column(s): {', '.join(missing)}")
        if file_errors:
            raise ImportErrors(file_errors)
        warnings = []
        unknown = [h for h, c in zip(header, columns, strict=True) if c not in required + optional]
        unknown = [h for h in unknown if h.strip().lower() != REJECT_REASON]
        if unknown:
            warnings.append(f"{label}:1: header: unknown column(s) ignored: {', '.join(repr(h) for h in unknown)}")
        rows: list[_Row] = []
        last_line = reader.line_num
        for raw in reader:
            line = last_line + 1  # a quoted value may span lines: the row starts after the last one
            last_line = reader.line_num
            if not any(v.strip() for v in raw):
                continue  # blank line
            values = {c: (raw[i].strip() if i < len(raw) else "") for i, c in enumerate(columns)}
            row = _Row(line=line, raw=raw, values=values)
            if len(raw) != len(columns):
                extra = f" (extra: {', '.join(map(repr, raw[len(columns) :]))})" if len(raw) > len(columns) else ""
                row.problem("row", f"{len(raw)} values but the header has {len(columns)} columns{extra}")
            rows.append(row)
    except csv.Error as exc:
        raise ImportErrors([f"{label}:{reader.line_num}: file: not readable as CSV: {exc}"]) from exc
    return _Table(label=label, header=header, columns=columns, rows=rows, warnings=warnings)


E = TypeVar("E", bound=StrEnum)


class _Check:
    """Reads one row's values, recording a problem for each bad one (and returning None)."""

    def __init__(self, row: _Row) -> None:
        self.row = row

    def text(self, name: str, *, required: bool = False) -> str:
        value = self.row.values.get(name, "")
        if required and not value:
            self.row.problem(name, "required, but empty")
        return value

    def number(
        self,
        name: str,
        *,
        lo: float | None = None,
        hi: float | None = None,
        above: float | None = None,
        required: bool = False,
    ) -> float | None:
        value = self.text(name, required=required)
        if not value:
            return None
        try:
            number = float(value)
        except ValueError:
            self.row.problem(name, f"expected a number, got {value!r}")
            return None
        if not math.isfinite(number):
            self.row.problem(name, f"expected a finite number, got {value!r}")
        elif lo is not None and hi is not None and not lo <= number <= hi:
            self.row.problem(name, f"must be between {lo:g} and {hi:g}, got {value}")
        elif above is not None and number <= above:
            self.row.problem(name, f"must be greater than {above:g}, got {value}")
        else:
            return number
        return None

    def whole(self, name: str, *, lo: int, hi: int | None = None) -> int | None:
        value = self.text(name)
        if not value:
            return None
        try:
            number = int(value)
        except ValueError:
            self.row.problem(name, f"expected a whole number, got {value!r}")
            return None
        if number < lo or hi is not None and number > hi:
            limit = f"between {lo} and {hi}" if hi is not None else f"at least {lo}"
            self.row.problem(name, f"must be {limit}, got {number}")
            return None
        return number

    def flag(self, name: str) -> bool | None:
        value = self.text(name).lower()
        if not value:
            return None
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        self.row.problem(name, f"expected true/false (or yes/no, 1/0), got {self.text(name)!r}")
        return None

    def choice(self, name: str, enum: type[E], *, required: bool = False) -> E | None:
        value = self.text(name, required=required)
        if not value:
            return None
        try:
            return enum(value.lower())
        except ValueError:
            self.row.problem(name, f"unknown value {value!r}; expected one of {', '.join(e.value for e in enum)}")
            return None

    def clock(self, name: str, *, required: bool = False) -> time | None:
        value = self.text(name, required=required)
        if not value:
            return None
        match = _HHMM.match(value)
        if not match:
            self.row.problem(name, f"expected a local time HH:MM (00:00 to 23:59), got {value!r}")
            return None
        return time(int(match[1]), int(match[2]))

    def day(self, name: str, *, required: bool = False) -> date | None:
        value = self.text(name, required=required)
        if not value:
            return None
        try:
            if not _YMD.match(value):
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            self.row.problem(name, f"expected a date YYYY-MM-DD, got {value!r}")
            return None

    def moment(self, name: str, *, tz: ZoneInfo, required: bool = False) -> datetime | None:
        value = self.text(name, required=required)
        if not value:
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            self.row.problem(name, f"expected an ISO 8601 date and time (2024-05-01T08:30+07:00), got {value!r}")
            return None
        # No offset written means the region's local time.
        return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment

    def items(self, name: str) -> tuple[str, ...] | None:
        """A ';'-separated list; None when the value is empty."""
        value = self.text(name)
        return tuple(s.strip() for s in value.split(";") if s.strip()) if value else None

    def pair(self, first: str, second: str) -> bool:
        """Both values or neither; reports the missing one. True when both are given."""
        given = (bool(self.text(first)), bool(self.text(second)))
        if given == (True, False):
            self.row.problem(second, f"required when {first} is given (give both or neither)")
        elif given == (False, True):
            self.row.problem(first, f"required when {second} is given (give both or neither)")
        return all(given)

    def point(self, lat_name: str, lon_name: str, *, required: bool) -> tuple[float, float] | None:
        """A WGS84 position (both values or neither)."""
        self.pair(lat_name, lon_name)
        if required and not self.text(lat_name) and not self.text(lon_name):
            self.row.problem(lat_name, "required, but empty")
            self.row.problem(lon_name, "required, but empty")
        lat = self.number(lat_name, lo=-90, hi=90)
        lon = self.number(lon_name, lo=-180, hi=180)
        return (lat, lon) if lat is not None and lon is not None else None


def _duplicate(row: _Row, name: str, key: str, seen: dict[str, int]) -> bool:
    """Record (and report) a key already used on an earlier row of the same file."""
    if key in seen:
        row.problem(name, f"{key} is already given on row {seen[key]}")
        return True
    seen[key] = row.line
    return False


def _settle(table: _Table, report: ImportReport, rejects: Path | None) -> list[_Row]:
    """All-or-nothing or rejects mode: raise, or write the rejects and return the good rows."""
    bad = [row for row in table.rows if row.problems]
    if bad and rejects is None:
        errors = [f"{table.label}:{row.line}: {name}: {message}" for row in bad for name, message in row.problems]
        raise ImportErrors(errors, warnings=table.warnings)
    report.rows = len(table.rows)
    report.warnings.extend(table.warnings)
    if rejects is not None:
        _write_rejects(table, bad, rejects)
        report.rejected = len(bad)
        report.rejects_file = str(rejects)
    return [row for row in table.rows if not row.problems]


def _write_rejects(table: _Table, bad: list[_Row], path: Path) -> None:
    # A rejects file fed back in after fixing keeps one reject_reason column, the new one.
    keep = [i for i, c in enumerate(table.columns) if c != REJECT_REASON]
    with replace_file(path, what="--rejects", newline="") as out:  # whole or not at all
        writer = csv.writer(out)
        writer.writerow([table.header[i] for i in keep] + [REJECT_REASON])
        for row in bad:
            values = [row.raw[i] if i < len(row.raw) else "" for i in keep]
            writer.writerow(values + [row.reason()])


def _now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now
