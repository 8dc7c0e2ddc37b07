"""Reading CSV files row by row: every problem collected as FILE:ROW: field: what, rejects written aside."""

from __future__ import annotations

import codecs
import contextlib
import csv
import math
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from dispatch.core.clock import PLAUSIBLE_YEARS
from dispatch.core.csvcells import SafeWriter, unescape_cell
from dispatch.core.ids import file_stem_problem, id_problem
from dispatch.core.policy import RegionPolicy
from dispatch.runtime.files import replace_file

REJECT_REASON = "reject_reason"


_TRUE = {"true", "yes", "1"}


_FALSE = {"false", "no", "0"}


_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


_YMD = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# Characters no text value may hold: control characters other than tab and line breaks (PostgreSQL
# cannot store NUL at all), and lone surrogates (a JSON file can spell them; no encoder writes them).
_BAD_CHAR = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """What makes a text value unstorable or unprintable, or None."""
    bad = _BAD_CHAR.search(value)
    if bad is None:
        return None
    code = ord(bad.group())
    kind = "an invalid character" if 0xD800 <= code <= 0xDFFF else "a control character"
    return f"contains {kind} (U+{code:04X})"


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


# Files read whole (zones, crews, shifts, visits) may be this large; tickets.csv streams without a limit.
MAX_WHOLE_FILE_BYTES = 256 * 1024 * 1024


def _read_text(path: Path, label: str) -> str:
    _check_size(path, label)
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


def _check_size(path: Path, label: str) -> None:
    """Refuse a file read whole that is larger than :data:`MAX_WHOLE_FILE_BYTES` (rather than run out of memory)."""
    try:
        size = path.stat().st_size
    except OSError:
        return  # reading it says what is wrong
    if size > MAX_WHOLE_FILE_BYTES:
        raise ImportErrors(
            [f"{label}: file: {size / 2**20:,.0f} MiB is more than this kind of file may be "
             f"({MAX_WHOLE_FILE_BYTES // 2**20} MiB); is it the right file?"]
        )  # fmt: skip


def _utf8_problem(path: Path, label: str) -> str:
    """Where a file stops being UTF-8, as ``FILE:LINE: file: ...``, read in blocks (any size)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                line += block.count(b"\n", 0, max(0, exc.start))
                bad = block[exc.start] if 0 <= exc.start < len(block) else block[0]
                return f"{label}:{line}: file: not UTF-8 text (byte 0x{bad:02x}); save it as UTF-8"
            line += block.count(b"\n")
    return f"{label}: file: not UTF-8 text; save it as UTF-8"


@dataclass
class _Head:
    """A CSV file's header, checked: what a streaming reader knows before the first row."""

    label: str
    header: list[str]  # as written in the file
    columns: list[str]  # normalised (stripped, lower case)
    warnings: list[str]
    size: int  # bytes, for progress
    known: tuple[str, ...] = ()  # the required and optional columns of this kind of file


@contextlib.contextmanager
def _open_csv(
    path: Path, *, required: tuple[str, ...], optional: tuple[str, ...]
) -> Iterator[tuple[_Head, _RowReader]]:
    """The checked header and the rows of a CSV file, read as they are iterated (any file size, flat
    memory). ``_Head.size`` and ``_RowReader.bytes_read`` give the progress."""
    label = str(path)
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
        size = os.fstat(handle.fileno()).st_size
    except FileNotFoundError as exc:
        raise ImportErrors([f"{label}: file not found"]) from exc
    except OSError as exc:
        raise ImportErrors([f"{label}: cannot read: {exc.strerror or exc}"]) from exc
    with handle:
        reader = csv.reader(handle)
        try:
            head = _check_header(reader, label, size, required=required, optional=optional)
            yield head, _RowReader(reader, head, handle)
        except UnicodeDecodeError as exc:
            raise ImportErrors([_utf8_problem(path, label)]) from exc
        except csv.Error as exc:
            raise ImportErrors([f"{label}:{reader.line_num}: file: not readable as CSV: {exc}"]) from exc


def _check_header(reader: Any, label: str, size: int, *, required: tuple[str, ...], optional: tuple[str, ...]) -> _Head:
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
        hint = _separator_hint(header)
        file_errors.append(f"{label}:1: header: missing required column(s): {', '.join(missing)}{hint}")
    if file_errors:
        raise ImportErrors(file_errors)
    warnings = []
    unknown = [h for h, c in zip(header, columns, strict=True) if c not in required + optional]
    unknown = [h for h in unknown if h.strip().lower() != REJECT_REASON]
    if unknown:
        warnings.append(f"{label}:1: header: unknown column(s) ignored: {', '.join(repr(h) for h in unknown)}")
    return _Head(label=label, header=header, columns=columns, warnings=warnings, size=size, known=required + optional)


def _separator_hint(header: list[str]) -> str:
    """Why the columns were not found when the file uses another separator (a spreadsheet saved in a
    locale with decimal commas writes ``;``), else nothing."""
    if len(header) != 1:
        return ""
    for sep, name in ((";", "';'"), ("\t", "tabs"), ("|", "'|'")):
        if sep in header[0]:
            return f" (the columns are separated by {name}, not commas: save the file as comma-separated CSV)"
    return ""


class _RowReader:
    """The rows of a CSV file after its header, as :class:`_Row`; blank lines skipped."""

    def __init__(self, reader: Any, head: _Head, handle: Any) -> None:
        self.reader = reader
        self.head = head
        self.handle = handle
        self.last_line = reader.line_num
        self.known_columns = [c for c in head.columns if c in head.known]

    def __iter__(self) -> _RowReader:
        return self

    @property
    def bytes_read(self) -> int:
        """How far into the file the rows have been read (about: the decoder reads ahead)."""
        return self.handle.buffer.tell()

    def __next__(self) -> _Row:
        columns = self.head.columns
        while True:
            try:
                raw = next(self.reader)
            except csv.Error as exc:
                where = f"{self.head.label}:{self.reader.line_num}"
                raise ImportErrors([f"{where}: file: not readable as CSV: {exc}"]) from exc
            line = self.last_line + 1  # a quoted value may span lines: the row starts after the last one
            self.last_line = self.reader.line_num
            if not any(v.strip() for v in raw):
                continue  # blank line
            raw = [unescape_cell(v) for v in raw]  # our own --rejects files escape formula cells
            values = {c: (raw[i].strip() if i < len(raw) else "") for i, c in enumerate(columns)}
            row = _Row(line=line, raw=raw, values=values)
            for column in self.known_columns:
                problem = text_problem(values[column])
                if problem:
                    row.problem(column, problem)
            if len(raw) != len(columns):
                extra = f" (extra: {', '.join(map(repr, raw[len(columns) :]))})" if len(raw) > len(columns) else ""
                row.problem("row", f"{len(raw)} values but the header has {len(columns)} columns{extra}")
            return row


def _read_csv(path: Path, *, required: tuple[str, ...], optional: tuple[str, ...]) -> _Table:
    """The whole CSV file in memory (small files: crews, shifts, visits); tickets stream (:func:`_open_csv`)."""
    _check_size(path, str(path))
    with _open_csv(path, required=required, optional=optional) as (head, rows):
        table = _Table(label=head.label, header=head.header, columns=head.columns, rows=list(rows),
                       warnings=head.warnings)  # fmt: skip
    if not table.rows:
        table.warnings.append(f"{table.label}: no rows to import (the file has only a header)")
    return table


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

    def whole(self, name: str, *, lo: int, hi: int) -> int | None:
        value = self.text(name)
        if not value:
            return None
        try:
            number = int(value)
        except ValueError:
            self.row.problem(name, f"expected a whole number, got {value!r}")
            return None
        if not lo <= number <= hi:
            self.row.problem(name, f"must be between {lo} and {hi}, got {number}")
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
            day = date.fromisoformat(value)
        except ValueError:
            self.row.problem(name, f"expected a date YYYY-MM-DD, got {value!r}")
            return None
        if day.year not in PLAUSIBLE_YEARS:
            self.row.problem(name, f"{value} is not a plausible date (years {_YEARS})")
            return None
        return day

    def moment(self, name: str, *, tz: ZoneInfo, required: bool = False) -> datetime | None:
        """An ISO 8601 date and time; no offset means the region's time zone. A date alone is refused
        (it would silently become midnight), and so is a year outside PLAUSIBLE_YEARS."""
        value = self.text(name, required=required)
        if not value:
            return None
        try:
            date.fromisoformat(value)
        except ValueError:
            pass
        else:
            self.row.problem(name, f"{value!r} is a date without a time of day; give the time too (2026-11-29T08:30)")
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            self.row.problem(name, f"expected an ISO 8601 date and time (2024-05-01T08:30+07:00), got {value!r}")
            return None
        if moment.year not in PLAUSIBLE_YEARS:
            self.row.problem(name, f"{value!r} is not a plausible time (years {_YEARS})")
            return None
        # No offset written means the region's local time.
        return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment

    def ident(self, name: str, *, file_stem: bool = False, required: bool = True) -> str:
        """An id restricted to the safe character set (``file_stem``: also usable as a file name)."""
        value = self.text(name)
        if not value and not required:
            return value
        problem = (file_stem_problem if file_stem else id_problem)(value)
        if problem:
            self.row.problem(name, problem)
        return value

    def skills(self, name: str, *, known: list[str]) -> tuple[str, ...] | None:
        """A ';'-separated list of skills from the policy's vocabulary (``skills.known``)."""
        skills = self.items(name)
        for skill in skills or ():
            if skill not in known:
                self.row.problem(name, f"unknown skill {skill!r} (known: {', '.join(known)}; policy skills.known)")
        return skills

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

    def point(
        self, lat_name: str, lon_name: str, *, required: bool, region: RegionPolicy | None = None
    ) -> tuple[float, float] | None:
        """A WGS84 position (both values or neither); with ``region``, inside its bounding box and never (0, 0)."""
        self.pair(lat_name, lon_name)
        if required and not self.text(lat_name) and not self.text(lon_name):
            self.row.problem(lat_name, "required, but empty")
            self.row.problem(lon_name, "required, but empty")
        lat = self.number(lat_name, lo=-90, hi=90)
        lon = self.number(lon_name, lo=-180, hi=180)
        if lat is None or lon is None:
            return None
        if region is not None:
            problem = region.point_problem(lat, lon)
            if problem:
                self.row.problem(f"{lat_name}, {lon_name}", problem)
                return None
        return lat, lon


_YEARS = f"{PLAUSIBLE_YEARS.start} to {PLAUSIBLE_YEARS.stop - 1}"


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
    with _rejects_sink(table.header, table.columns, path) as reject:
        for row in bad:
            reject(row)


@contextlib.contextmanager
def _rejects_sink(header: list[str], columns: list[str], path: Path) -> Iterator[Callable[[_Row], None]]:
    """``reject(row)`` writes a bad row to the rejects file ``path``, which replaces any older one when the
    block ends without error (whole or not at all)."""
    # A rejects file fed back in after fixing keeps one reject_reason column, the new one.
    keep = [i for i, c in enumerate(columns) if c != REJECT_REASON]
    with replace_file(path, what="--rejects", newline="") as out:
        writer = SafeWriter(out)
        writer.writerow([header[i] for i in keep] + [REJECT_REASON])

        def reject(row: _Row) -> None:
            writer.writerow([row.raw[i] if i < len(row.raw) else "" for i in keep] + [row.reason()])

        yield reject


def _now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now
