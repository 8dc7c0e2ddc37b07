"""Importers for tickets, crews, shifts (CSV) and zones (GeoJSON).

Every row is checked and every problem is collected as ``FILE:ROW: field: what is wrong``
(ROW is the line in the file; the header is line 1). By default a file is imported whole or
not at all: any problem raises :class:`ImportErrors` before anything is written. With
``rejects=PATH`` the good rows are imported and the bad ones are written to PATH with a
``reject_reason``, so accepted + rejected always equals the input rows.

The functions take a session and never commit; the command that opened the session does.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

import shapely
from geopy.exc import GeopyError
from shapely.geometry import shape
from shapely.validation import explain_validity
from sqlmodel import Session, col, select

from dispatch.domain import Category, HouseholdRisk, Vehicle
from dispatch.models.crews import CrewMemberRow, CrewRow, ShiftRow
from dispatch.models.tickets import (
    STATUS_MERGED,
    STATUS_OPEN,
    GeocodeCacheRow,
    TicketRow,
    TicketSource,
    join_skills,
)
from dispatch.models.zones import ZoneRow, geometry_to_text
from dispatch.policy import Policy

REJECT_REASON = "reject_reason"

TICKET_REQUIRED = ("ticket_id", "reported_at", "category", "lat", "lon")
TICKET_OPTIONAL = (
    "address",
    "customer_id",
    "customer_name",
    "phone",
    "priority",
    "critical_facility",
    "customers_affected",
    "service_min",
    "indoor",
    "household_risk",
    "window_start",
    "window_end",
    "skills",
    "transformer_id",
    "source",
)
CREW_REQUIRED = ("crew_id", "name", "depot_lat", "depot_lon")
CREW_OPTIONAL = ("end_lat", "end_lon", "skills", "vehicle", "members")
SHIFT_REQUIRED = ("crew_id", "date", "start", "end")
SHIFT_OPTIONAL = ("break_start", "break_end", "break_min", "standby")
ZONE_PROPERTIES = ("name", "risk_weight", "closed", "speed_kmh", "valid_from", "valid_to")

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


# --------------------------------------------------------------------------------------------
# Reading a CSV file and checking values


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
    with path.open("w", encoding="utf-8", newline="") as out:
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


# --------------------------------------------------------------------------------------------
# Tickets


@dataclass
class _TicketValues:
    row: _Row
    ticket_id: str
    fields: dict[str, Any]


def import_tickets(
    session: Session,
    path: Path | str,
    *,
    policy: Policy | None = None,
    rejects: Path | str | None = None,
    now: datetime | None = None,
) -> ImportReport:
    """Import ``tickets.csv``: new tickets are inserted, known ticket ids updated, and a second
    open report for the same customer and category is merged into the first."""
    policy = policy or Policy()
    path = Path(path)
    rejects = Path(rejects) if rejects is not None else None
    now = _now(now)
    tz = ZoneInfo(policy.region.timezone)
    table = _read_csv(path, required=TICKET_REQUIRED, optional=TICKET_OPTIONAL)
    report = ImportReport(kind="tickets", file=table.label)

    parsed: list[_TicketValues] = []
    seen: dict[str, int] = {}
    for row in table.rows:
        values = _check_ticket(row, policy=policy, tz=tz)
        if values is not None and not _duplicate(row, "ticket_id", values.ticket_id, seen):
            parsed.append(values)
    good = {id(row) for row in _settle(table, report, rejects)}
    accepted = [v for v in parsed if id(v.row) in good]
    for values in accepted:
        if values.fields["lat"] is None:
            report.warnings.append(
                f"{table.label}:{values.row.line}: lat, lon: ticket {values.ticket_id} has only an address; "
                "it is not planned until geocoded"
            )
    _store_tickets(session, accepted, report=report, now=now)
    return report


def _check_ticket(row: _Row, *, policy: Policy, tz: ZoneInfo) -> _TicketValues | None:
    check = _Check(row)
    ticket_id = check.text("ticket_id", required=True)
    reported_at = check.moment("reported_at", tz=tz, required=True)
    category = check.choice("category", Category, required=True)
    address = check.text("address")
    # An address alone is enough to import; the ticket waits for geocoding before planning.
    point = check.point("lat", "lon", required=not address)
    priority = check.whole("priority", lo=1, hi=4)
    critical = check.flag("critical_facility")
    customers = check.whole("customers_affected", lo=1)
    service_min = check.whole("service_min", lo=1)
    indoor = check.flag("indoor")
    risk = check.choice("household_risk", HouseholdRisk)
    window_start, window_end = check.clock("window_start"), check.clock("window_end")
    if check.pair("window_start", "window_end") and window_start and window_end and window_start >= window_end:
        row.problem(
            "window_end",
            f"must be after window_start ({check.text('window_start')}), got {check.text('window_end')}",
        )
    skills = check.items("skills")
    source = check.choice("source", TicketSource)
    if row.problems or category is None or reported_at is None:
        return None
    categories = policy.category
    fields = {
        "reported_at": reported_at,
        "category": category.value,
        "lat": point[0] if point else None,
        "lon": point[1] if point else None,
        "priority": priority if priority is not None else 1 if critical else categories.priority[category],
        "critical_facility": bool(critical),
        "customers_affected": customers if customers is not None else 1,
        "service_min": service_min if service_min is not None else categories.service_min[category],
        "indoor": indoor if indoor is not None else categories.indoor[category],
        "household_risk": (risk or HouseholdRisk.NONE).value,
        "window_start": check.text("window_start") or None,
        "window_end": check.text("window_end") or None,
        "skills": join_skills(skills if skills is not None else categories.skills.get(category, [])),
        "address": address,
        "customer_id": check.text("customer_id"),
        "customer_name": check.text("customer_name"),
        "phone": check.text("phone"),
        "transformer_id": check.text("transformer_id"),
        "source": (source or TicketSource.CSV).value,
    }
    return _TicketValues(row=row, ticket_id=ticket_id, fields=fields)


def _store_tickets(session: Session, accepted: list[_TicketValues], *, report: ImportReport, now: datetime) -> None:
    ids = [v.ticket_id for v in accepted]
    existing = {t.ticket_id: t for t in session.exec(select(TicketRow).where(col(TicketRow.ticket_id).in_(ids)))}
    customers = {v.fields["customer_id"] for v in accepted if v.fields["customer_id"]}
    open_by_key: dict[tuple[str, str], TicketRow] = {}
    for ticket in session.exec(
        select(TicketRow)
        .where(TicketRow.status == STATUS_OPEN, col(TicketRow.customer_id).in_(customers))
        .order_by(col(TicketRow.reported_at))
    ):
        open_by_key.setdefault((ticket.customer_id, ticket.category), ticket)

    # The earliest report of a customer's problem is the one the others merge into.
    for values in sorted(accepted, key=lambda v: v.fields["reported_at"]):
        key = (values.fields["customer_id"], values.fields["category"])
        ticket = existing.get(values.ticket_id)
        if ticket is not None:
            for name, value in values.fields.items():
                setattr(ticket, name, value)
            ticket.updated_at = now
            report.updated += 1
            if ticket.status == STATUS_MERGED and ticket.merged_into:
                target = session.get(TicketRow, ticket.merged_into)
                if target is not None:
                    target.customers_affected = max(target.customers_affected, ticket.customers_affected)
            elif ticket.status == STATUS_OPEN and key[0]:
                open_by_key.setdefault(key, ticket)
            continue
        ticket = TicketRow(ticket_id=values.ticket_id, imported_at=now, updated_at=now, **values.fields)
        target = open_by_key.get(key) if key[0] else None
        if target is not None and target.ticket_id != ticket.ticket_id:
            ticket.status = STATUS_MERGED
            ticket.merged_into = target.ticket_id
            target.customers_affected = max(target.customers_affected, ticket.customers_affected)
            report.merged.append((ticket.ticket_id, target.ticket_id))
        else:
            report.inserted += 1
            if key[0]:
                open_by_key[key] = ticket
        session.add(ticket)
    # New rows are inserted in the order added, so an open ticket precedes what merges into it.
    session.flush()


# --------------------------------------------------------------------------------------------
# Crews


@dataclass
class _CrewValues:
    row: _Row
    crew_id: str
    fields: dict[str, Any]
    members: tuple[str, ...]


def import_crews(session: Session, path: Path | str, *, rejects: Path | str | None = None) -> ImportReport:
    """Import ``crews.csv``: crews are inserted or updated, with their members.

    A member listed for a crew joins it (moving from another crew listed in the same file); a
    member no longer listed is kept but made inactive, because the exposure ledger refers to them.
    """
    path = Path(path)
    rejects = Path(rejects) if rejects is not None else None
    table = _read_csv(path, required=CREW_REQUIRED, optional=CREW_OPTIONAL)
    report = ImportReport(kind="crews", file=table.label)

    parsed: list[_CrewValues] = []
    seen: dict[str, int] = {}
    for row in table.rows:
        values = _check_crew(row)
        if values is not None and not _duplicate(row, "crew_id", values.crew_id, seen):
            parsed.append(values)

    # A member belongs to one crew: within the file, and against active members of crews not in it.
    in_file = {v.crew_id for v in parsed}
    member_rows: dict[str, tuple[str, int]] = {}
    listed = [m for v in parsed for m in v.members]
    known = {
        m.member_id: m for m in session.exec(select(CrewMemberRow).where(col(CrewMemberRow.member_id).in_(listed)))
    }
    for values in parsed:
        for member in values.members:
            if member in member_rows:
                crew_id, line = member_rows[member]
                values.row.problem("members", f"{member} is already in crew {crew_id} (row {line})")
                continue
            member_rows[member] = (values.crew_id, values.row.line)
            current = known.get(member)
            if current and current.active and current.crew_id != values.crew_id and current.crew_id not in in_file:
                values.row.problem(
                    "members",
                    f"{member} is in crew {current.crew_id}; to move them, list {current.crew_id} "
                    "in the same file without them",
                )

    good = {id(row) for row in _settle(table, report, rejects)}
    accepted = [v for v in parsed if id(v.row) in good]
    _store_crews(session, accepted, report=report, known=known)
    return report


def _check_crew(row: _Row) -> _CrewValues | None:
    check = _Check(row)
    crew_id = check.text("crew_id", required=True)
    name = check.text("name", required=True)
    depot = check.point("depot_lat", "depot_lon", required=True)
    end = check.point("end_lat", "end_lon", required=False)
    skills = check.items("skills") or ()
    vehicle = check.choice("vehicle", Vehicle) or Vehicle.CAR
    members = check.items("members") or ()
    repeated = sorted({m for m in members if members.count(m) > 1})
    if repeated:
        row.problem("members", f"listed twice: {', '.join(repeated)}")
    if row.problems or depot is None:
        return None
    fields = {
        "name": name,
        "depot_lat": depot[0],
        "depot_lon": depot[1],
        "end_lat": end[0] if end else None,
        "end_lon": end[1] if end else None,
        "skills": join_skills(skills),
        "vehicle": vehicle.value,
    }
    return _CrewValues(row=row, crew_id=crew_id, fields=fields, members=members)


def _store_crews(
    session: Session, accepted: list[_CrewValues], *, report: ImportReport, known: dict[str, CrewMemberRow]
) -> None:
    ids = [v.crew_id for v in accepted]
    existing = {c.crew_id: c for c in session.exec(select(CrewRow).where(col(CrewRow.crew_id).in_(ids)))}
    for values in accepted:
        crew = existing.get(values.crew_id)
        if crew is None:
            session.add(CrewRow(crew_id=values.crew_id, **values.fields))
            report.inserted += 1
        else:
            for name, value in values.fields.items():
                setattr(crew, name, value)
            report.updated += 1

    listed = {m for v in accepted for m in v.members}
    for member in session.exec(select(CrewMemberRow).where(col(CrewMemberRow.crew_id).in_(ids))):
        if member.member_id not in listed and member.active:
            member.active = False
    for values in accepted:
        for member_id in values.members:
            member = known.get(member_id)
            if member is None:
                member = CrewMemberRow(member_id=member_id, crew_id=values.crew_id)
            member.crew_id = values.crew_id
            member.active = True
            session.add(member)
    session.flush()


# --------------------------------------------------------------------------------------------
# Shifts


@dataclass
class _ShiftValues:
    row: _Row
    crew_id: str
    day: date
    fields: dict[str, Any]


def import_shifts(
    session: Session,
    path: Path | str,
    *,
    policy: Policy | None = None,
    rejects: Path | str | None = None,
) -> ImportReport:
    """Import ``shifts.csv``: one shift per crew and date, inserted or updated.

    Times are local (the policy's region time zone); an end before the start is on the next day.
    """
    policy = policy or Policy()
    path = Path(path)
    rejects = Path(rejects) if rejects is not None else None
    tz = ZoneInfo(policy.region.timezone)
    table = _read_csv(path, required=SHIFT_REQUIRED, optional=SHIFT_OPTIONAL)
    report = ImportReport(kind="shifts", file=table.label)

    crews = set(session.exec(select(CrewRow.crew_id)).all())
    parsed: list[_ShiftValues] = []
    seen: dict[str, int] = {}
    for row in table.rows:
        values = _check_shift(row, tz=tz, crews=crews)
        if values is not None and not _duplicate(row, "date", f"{values.crew_id} {values.day}", seen):
            parsed.append(values)
    good = {id(row) for row in _settle(table, report, rejects)}
    accepted = [v for v in parsed if id(v.row) in good]

    existing = {
        (s.crew_id, s.date): s
        for s in session.exec(select(ShiftRow).where(col(ShiftRow.crew_id).in_({v.crew_id for v in accepted})))
    }
    for values in accepted:
        shift = existing.get((values.crew_id, values.day))
        if shift is None:
            shift = ShiftRow(crew_id=values.crew_id, date=values.day, **values.fields)
            report.inserted += 1
        else:
            for name, value in values.fields.items():
                setattr(shift, name, value)
            report.updated += 1
        session.add(shift)
    session.flush()
    return report


def _check_shift(row: _Row, *, tz: ZoneInfo, crews: set[str]) -> _ShiftValues | None:
    check = _Check(row)
    crew_id = check.text("crew_id", required=True)
    if crew_id and crew_id not in crews:
        row.problem("crew_id", f"unknown crew {crew_id!r}; import it in crews.csv first")
    day = check.day("date", required=True)
    start_at, end_at = check.clock("start", required=True), check.clock("end", required=True)
    break_from, break_to = check.clock("break_start"), check.clock("break_end")
    break_min = check.whole("break_min", lo=1)
    standby = check.flag("standby")
    has_window = check.pair("break_start", "break_end")
    if has_window and not check.text("break_min"):
        row.problem("break_min", "required when a break window is given")
    if day is None or start_at is None or end_at is None:
        return None
    if end_at == start_at:
        row.problem("end", f"equals start ({check.text('start')}); a shift must have a length")
        return None

    start = datetime.combine(day, start_at, tzinfo=tz)

    def after_start(clock: time) -> datetime:
        moment = datetime.combine(day, clock, tzinfo=tz)
        return moment if moment >= start else moment + timedelta(days=1)

    end = after_start(end_at)  # an end before the start crosses midnight
    length_min = (end - start).total_seconds() / 60
    shift_text = f"{check.text('start')}-{check.text('end')}"
    window: tuple[datetime, datetime] | None = None
    if has_window and break_from is not None and break_to is not None:
        window = (after_start(break_from), after_start(break_to))
        if window[0] >= end:
            row.problem("break_start", f"{check.text('break_start')} is outside the shift {shift_text}")
        elif window[1] > end:
            row.problem("break_end", f"{check.text('break_end')} is outside the shift {shift_text}")
        elif window[1] <= window[0]:
            row.problem("break_end", f"must be after break_start ({check.text('break_start')})")
        elif break_min is not None and (window[1] - window[0]).total_seconds() / 60 < break_min:
            row.problem(
                "break_min",
                f"{break_min} min does not fit in the break window "
                f"{check.text('break_start')}-{check.text('break_end')}",
            )
    if break_min is not None and break_min >= length_min:
        row.problem("break_min", f"{break_min} min is not shorter than the shift {shift_text}")
    if row.problems:
        return None
    fields = {
        "start": start,
        "end": end,
        "break_start": window[0] if window else None,
        "break_end": window[1] if window else None,
        "break_min": break_min or 0,
        "standby": bool(standby),
    }
    return _ShiftValues(row=row, crew_id=crew_id, day=day, fields=fields)


# --------------------------------------------------------------------------------------------
# Zones (GeoJSON)


@dataclass
class _Feature:
    index: int
    raw: Any
    problems: list[tuple[str, str]] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)

    def problem(self, name: str, message: str) -> None:
        self.problems.append((name, message))


def import_zones(session: Session, path: Path | str, *, rejects: Path | str | None = None) -> ImportReport:
    """Import ``zones.geojson`` (a FeatureCollection of polygons); zones are matched by name.

    Problems name the feature as ``features[i]`` (from 0). With ``rejects`` the bad features
    are written to that file as a GeoJSON FeatureCollection with a ``reject_reason`` property.
    """
    path = Path(path)
    rejects = Path(rejects) if rejects is not None else None
    label = str(path)
    text = _read_text(path, label)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportErrors([f"{label}:{exc.lineno}: file: not valid JSON: {exc.msg}"]) from exc
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise ImportErrors([f"{label}: file: expected a GeoJSON FeatureCollection"])
    raw_features = document.get("features")
    if not isinstance(raw_features, list):
        raise ImportErrors([f"{label}: features: expected a list of features"])

    report = ImportReport(kind="zones", file=label, rows=len(raw_features))
    features = [_check_zone(_Feature(index=i, raw=raw)) for i, raw in enumerate(raw_features)]
    seen: dict[str, int] = {}
    unknown: set[str] = set()
    for feature in features:
        name = feature.fields.get("name")
        if name is not None:
            if name in seen:
                feature.problem("name", f"{name!r} is already used by features[{seen[name]}]")
            else:
                seen[name] = feature.index
        if isinstance(feature.raw, dict) and isinstance(feature.raw.get("properties"), dict):
            unknown |= set(feature.raw["properties"]) - set(ZONE_PROPERTIES) - {REJECT_REASON}
    if unknown:
        report.warnings.append(f"{label}: properties: unknown propert(ies) ignored: {', '.join(sorted(unknown))}")

    bad = [f for f in features if f.problems]
    if bad and rejects is None:
        errors = [f"{label}:features[{f.index}]: {name}: {message}" for f in bad for name, message in f.problems]
        raise ImportErrors(errors, warnings=report.warnings)
    if rejects is not None:
        rejected = []
        for f in bad:
            raw = dict(f.raw) if isinstance(f.raw, dict) else {"type": "Feature", "geometry": None, "value": f.raw}
            properties = raw.get("properties")
            properties = dict(properties) if isinstance(properties, dict) else {}
            properties[REJECT_REASON] = "; ".join(f"{name}: {message}" for name, message in f.problems)
            raw["properties"] = properties
            rejected.append(raw)
        collection = {"type": "FeatureCollection", "features": rejected}
        rejects.write_text(json.dumps(collection, ensure_ascii=False, indent=1), encoding="utf-8")
        report.rejected = len(bad)
        report.rejects_file = str(rejects)

    good = [f for f in features if not f.problems]
    names = [f.fields["name"] for f in good]
    existing = {z.name: z for z in session.exec(select(ZoneRow).where(col(ZoneRow.name).in_(names)))}
    for feature in good:
        zone = existing.get(feature.fields["name"])
        if zone is None:
            zone = ZoneRow(**feature.fields)
            report.inserted += 1
        else:
            for name, value in feature.fields.items():
                setattr(zone, name, value)
            report.updated += 1
        session.add(zone)
    session.flush()
    return report


def _check_zone(feature: _Feature) -> _Feature:
    raw = feature.raw
    if not isinstance(raw, dict) or raw.get("type") != "Feature":
        feature.problem("type", "expected a GeoJSON Feature")
        return feature
    properties = raw.get("properties")
    if properties is None:
        properties = {}
    if not isinstance(properties, dict):
        feature.problem("properties", "expected an object")
        properties = {}

    name = properties.get("name")
    if not isinstance(name, str) or not name.strip():
        feature.problem("name", "required: a non-empty text" if name in (None, "") else f"expected text, got {name!r}")
        name = None

    def number(key: str, default: float | None, *, lo: float | None = None, above: float | None = None) -> float | None:
        value = properties.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            feature.problem(key, f"expected a number, got {value!r}")
        elif lo is not None and value < lo:
            feature.problem(key, f"must be >= {lo:g}, got {value}")
        elif above is not None and value <= above:
            feature.problem(key, f"must be > {above:g}, got {value}")
        else:
            return float(value)
        return default

    risk_weight = number("risk_weight", 1.0, lo=0)
    speed_kmh = number("speed_kmh", None, above=0)
    closed = properties.get("closed", False)
    if closed is None:
        closed = False
    if not isinstance(closed, bool):
        feature.problem("closed", f"expected true or false, got {closed!r}")

    def day(key: str) -> date | None:
        value = properties.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, str) and _YMD.match(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        feature.problem(key, f"expected a date YYYY-MM-DD, got {value!r}")
        return None

    valid_from, valid_to = day("valid_from"), day("valid_to")
    if valid_from and valid_to and valid_to < valid_from:
        feature.problem("valid_to", f"{valid_to} is before valid_from {valid_from}")

    geometry = _check_geometry(feature, raw.get("geometry"))
    if not feature.problems and geometry is not None and name is not None:
        feature.fields = {
            "name": name.strip(),
            "geometry": geometry_to_text(geometry),
            "risk_weight": risk_weight,
            "closed": closed,
            "speed_kmh": speed_kmh,
            "valid_from": valid_from,
            "valid_to": valid_to,
        }
    elif name is not None:
        feature.fields = {"name": name.strip()}  # still checked for duplicates
    return feature


def _check_geometry(feature: _Feature, geometry: Any) -> shapely.Geometry | None:
    if not isinstance(geometry, dict):
        feature.problem("geometry", "required: a Polygon or MultiPolygon")
        return None
    kind = geometry.get("type")
    if kind not in ("Polygon", "MultiPolygon"):
        feature.problem("geometry", f"expected a Polygon or MultiPolygon, got {kind!r}")
        return None
    try:
        shp = shape(geometry)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        feature.problem("geometry", f"unreadable coordinates: {exc}")
        return None
    if shp.is_empty:
        feature.problem("geometry", "is empty")
        return None
    if not shp.is_valid:
        feature.problem("geometry", f"invalid: {explain_validity(shp)}")
        return None
    min_x, min_y, max_x, max_y = shp.bounds
    if min_x < -180 or max_x > 180 or min_y < -90 or max_y > 90:
        feature.problem("geometry", "coordinates outside lon -180..180, lat -90..90 (GeoJSON is lon, lat in WGS84)")
        return None
    return shp


# --------------------------------------------------------------------------------------------
# Geocoding addresses (optional; never used with a network geocoder in the demo or tests)


class Location(Protocol):
    latitude: float
    longitude: float


class Geocoder(Protocol):
    """What geopy's geocoders offer: ``geocode(address)`` returning a location or None."""

    def geocode(self, query: str) -> Location | None: ...


@dataclass
class GeocodeReport:
    geocoded: list[str] = field(default_factory=list)  # ticket ids given coordinates
    from_cache: int = 0
    looked_up: int = 0
    not_found: list[tuple[str, str]] = field(default_factory=list)  # (ticket id, why)


def _address_key(address: str) -> str:
    return " ".join(address.split()).lower()


def geocode_missing(
    session: Session,
    *,
    geocoder: Geocoder,
    now: datetime | None = None,
    ticket_ids: Iterable[str] | None = None,
) -> GeocodeReport:
    """Give coordinates to open tickets that have an address but none; each address is looked
    up once, and the answer is cached in ``geocode_cache``."""
    now = _now(now)
    query = select(TicketRow).where(
        TicketRow.status == STATUS_OPEN, col(TicketRow.lat).is_(None) | col(TicketRow.lon).is_(None)
    )
    if ticket_ids is not None:
        query = query.where(col(TicketRow.ticket_id).in_(list(ticket_ids)))
    report = GeocodeReport()
    for ticket in session.exec(query.order_by(col(TicketRow.ticket_id))).all():
        if not ticket.address.strip():
            report.not_found.append((ticket.ticket_id, "no address"))
            continue
        key = _address_key(ticket.address)
        cached = session.get(GeocodeCacheRow, key)
        if cached is not None:
            report.from_cache += 1
            lat, lon = cached.lat, cached.lon
        else:
            report.looked_up += 1
            try:
                location = geocoder.geocode(ticket.address)
            except GeopyError as exc:
                report.not_found.append((ticket.ticket_id, f"geocoder failed: {exc}"))
                continue
            if location is None:
                report.not_found.append((ticket.ticket_id, f"address not found: {ticket.address!r}"))
                continue
            lat, lon = float(location.latitude), float(location.longitude)
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                report.not_found.append((ticket.ticket_id, f"geocoder returned an impossible point {lat}, {lon}"))
                continue
            session.add(GeocodeCacheRow(address=key, lat=lat, lon=lon, geocoded_at=now))
            session.flush()
        ticket.lat, ticket.lon = lat, lon
        ticket.updated_at = now
        session.add(ticket)
        report.geocoded.append(ticket.ticket_id)
    session.flush()
    return report
