"""Importing tickets.csv: outage and service tickets, merged per customer and category."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlmodel import Session, col, select

from dispatch.core.clock import future_problem
from dispatch.core.domain import Category, HouseholdRisk
from dispatch.core.policy import DAY_MIN, Policy
from dispatch.io.importing.rows import (
    ImportErrors,
    ImportReport,
    _Check,
    _duplicate,
    _now,
    _open_csv,
    _rejects_sink,
    _Row,
)
from dispatch.store.models.assets import has_network, known_asset_ids
from dispatch.store.models.tickets import STATUS_MERGED, STATUS_OPEN, TicketRow, TicketSource, join_skills

TICKET_REQUIRED = ("ticket_id", "reported_at", "category", "lat", "lon")


# The most customers one ticket can stand for (a whole UP3 is about a million).
MAX_CUSTOMERS = 1_000_000


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


# Tickets stored per flush: bounds the session's objects (and its IN lists) whatever the file's size.
STORE_CHUNK = 2000
# Rows between two progress reports while reading.
PROGRESS_ROWS = 5000

# What an import reports as it goes: (phase "read" or "store", done, total): bytes of the file while
# reading, tickets while storing.
ImportProgress = Callable[[str, int, int], None]


@dataclass
class _TicketValues:
    row: _Row
    ticket_id: str
    fields: dict[str, Any]


@dataclass(frozen=True)
class _Accepted:
    """A good row, kept compact until stored: the row objects of a 250,000-row file are not."""

    line: int
    ticket_id: str
    values: tuple[Any, ...]  # in the order of _Fields.names


def import_tickets(
    session: Session,
    path: Path | str,
    *,
    policy: Policy | None = None,
    rejects: Path | str | None = None,
    now: datetime | None = None,
    progress: ImportProgress | None = None,
) -> ImportReport:
    """Import ``tickets.csv``: new tickets are inserted, known ticket ids updated, and a second
    open report for the same customer and category is merged into the first.

    The file is read as a stream and stored in chunks of :data:`STORE_CHUNK` (all in the caller's one
    transaction), so memory stays flat in the number of rows; ``progress`` hears how far it has got."""
    policy = policy or Policy()
    path = Path(path)
    rejects = Path(rejects) if rejects is not None else None
    now = _now(now)
    tz = ZoneInfo(policy.region.timezone)
    accepted: list[_Accepted] = []
    names: tuple[str, ...] = ()
    errors: list[str] = []
    seen: dict[str, int] = {}
    with (
        _open_csv(path, required=TICKET_REQUIRED, optional=TICKET_OPTIONAL) as (head, rows),
        _rejects_sink(head.header, head.columns, rejects) if rejects is not None else nullcontext() as reject,
    ):
        report = ImportReport(kind="tickets", file=head.label)
        for row in rows:
            report.rows += 1
            if progress is not None and report.rows % PROGRESS_ROWS == 0:
                progress("read", rows.bytes_read, head.size)
            values = _check_ticket(row, policy=policy, tz=tz, now=now)
            if values is not None:
                _duplicate(row, "ticket_id", values.ticket_id, seen)
            if row.problems or values is None:
                if reject is not None:
                    reject(row)
                    report.rejected += 1
                else:
                    errors += [f"{head.label}:{row.line}: {name}: {message}" for name, message in row.problems]
                continue
            names = names or tuple(values.fields)
            accepted.append(_Accepted(row.line, values.ticket_id, tuple(values.fields.values())))
    if errors:
        raise ImportErrors(errors, warnings=head.warnings)
    if progress is not None:
        progress("read", head.size, head.size)
    report.warnings.extend(head.warnings)
    if not report.rows:
        report.warnings.append(f"{head.label}: no rows to import (the file has only a header)")
    if rejects is not None:
        report.rejects_file = str(rejects)
    lat = names.index("lat") if names else 0
    for a in accepted:
        if a.values[lat] is None:
            report.warnings.append(
                f"{head.label}:{a.line}: lat, lon: ticket {a.ticket_id} has only an address; "
                "it is not planned until geocoded"
            )
    _report_unknown_transformers(session, accepted, names, report=report, label=head.label)
    _store_tickets(session, accepted, names, report=report, now=now, progress=progress)
    return report


def _report_unknown_transformers(
    session: Session, accepted: list[_Accepted], names: tuple[str, ...], *, report: ImportReport, label: str
) -> None:
    """Once a network is imported, a ticket naming a transformer it lacks is imported (a home visit, never
    grouped into an outage) and named in a warning, row by row."""
    if not accepted or not has_network(session):
        return
    at = names.index("transformer_id")
    known = known_asset_ids(session, ids=[a.values[at] for a in accepted if a.values[at]])
    for a in accepted:
        if a.values[at] and a.values[at] not in known:
            report.warnings.append(
                f"{label}:{a.line}: transformer_id: {a.values[at]!r} is not an asset of the network "
                f"(dispatch import assets); ticket {a.ticket_id} is imported but not grouped into an outage"
            )


def _check_ticket(row: _Row, *, policy: Policy, tz: ZoneInfo, now: datetime | None = None) -> _TicketValues | None:
    """A ticket row checked and filled with the category defaults; None when it has problems.
    With ``now`` (an import; not a what-if scenario's made-up tickets) a report in the future is refused."""
    check = _Check(row)
    ticket_id = check.ident("ticket_id")
    reported_at = check.moment("reported_at", tz=tz, required=True)
    if reported_at is not None and now is not None:
        future = future_problem(reported_at, now=now, skew_min=policy.region.max_clock_skew_min, tz=tz)
        if future:
            row.problem("reported_at", future)
    category = check.choice("category", Category, required=True)
    address = check.text("address")
    # An address alone is enough to import; the ticket waits for geocoding before planning.
    point = check.point("lat", "lon", required=not address, region=policy.region)
    priority = check.whole("priority", lo=1, hi=4)
    critical = check.flag("critical_facility")
    customers = check.whole("customers_affected", lo=1, hi=MAX_CUSTOMERS)
    service_min = check.whole("service_min", lo=1, hi=DAY_MIN)
    indoor = check.flag("indoor")
    risk = check.choice("household_risk", HouseholdRisk)
    window_start, window_end = check.clock("window_start"), check.clock("window_end")
    if check.pair("window_start", "window_end") and window_start and window_end and window_start >= window_end:
        row.problem(
            "window_end",
            f"must be after window_start ({check.text('window_start')}), got {check.text('window_end')}",
        )
    skills = check.skills("skills", known=policy.skills.known)
    transformer_id = check.ident("transformer_id", required=False)  # an asset id
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
        "transformer_id": transformer_id,
        "source": (source or TicketSource.CSV).value,
    }
    return _TicketValues(row=row, ticket_id=ticket_id, fields=fields)


def _store_tickets(
    session: Session,
    accepted: list[_Accepted],
    names: tuple[str, ...],
    *,
    report: ImportReport,
    now: datetime,
    progress: ImportProgress | None,
) -> None:
    """Insert, update and merge ``accepted`` in order of report, :data:`STORE_CHUNK` at a time."""
    # The earliest report of a customer's problem is the one the others merge into.
    order = sorted(accepted, key=lambda a: a.values[names.index("reported_at")]) if accepted else []
    # (customer, category) -> the open ticket a new report of it merges into; customers looked up so far.
    open_by_key: dict[tuple[str, str], str] = {}
    known: set[str] = set()
    for start in range(0, len(order), STORE_CHUNK):
        chunk = [(a.ticket_id, dict(zip(names, a.values, strict=True))) for a in order[start : start + STORE_CHUNK]]
        ids = [ticket_id for ticket_id, _ in chunk]
        existing = {t.ticket_id: t for t in session.exec(select(TicketRow).where(col(TicketRow.ticket_id).in_(ids)))}
        customers = {f["customer_id"] for _, f in chunk if f["customer_id"]} - known
        if customers:
            # A customer first seen now: no earlier chunk touched its tickets, so this is the state before the import.
            for ticket in session.exec(
                select(TicketRow)
                .where(TicketRow.status == STATUS_OPEN, col(TicketRow.customer_id).in_(customers))
                .order_by(col(TicketRow.reported_at))
            ):
                open_by_key.setdefault((ticket.customer_id, ticket.category), ticket.ticket_id)
            known |= customers
        fresh: dict[str, dict[str, Any]] = {}  # new tickets of this chunk, inserted together below
        for ticket_id, fields in chunk:
            _store_one(session, ticket_id, fields, existing.get(ticket_id), open_by_key, fresh, report=report, now=now)
        if fresh:
            # One executemany of the table's INSERT instead of an ORM object per ticket (the import's main
            # cost), in the order added, so an open ticket precedes what merges into it.
            session.execute(insert(TicketRow.__table__), list(fresh.values()))  # type: ignore[attr-defined]
        session.flush()
        session.expunge_all()  # flushed: the transaction keeps them, the session need not
        if progress is not None:
            progress("store", min(start + STORE_CHUNK, len(order)), len(order))


def _store_one(
    session: Session,
    ticket_id: str,
    fields: dict[str, Any],
    ticket: TicketRow | None,
    open_by_key: dict[tuple[str, str], str],
    fresh: dict[str, dict[str, Any]],
    *,
    report: ImportReport,
    now: datetime,
) -> None:
    """Update a known ticket, or add a new one to ``fresh`` (merged into an open report of the same
    customer and category if there is one)."""
    key = (fields["customer_id"], fields["category"])
    if ticket is not None:
        for name, value in fields.items():
            setattr(ticket, name, value)
        ticket.updated_at = now
        report.updated += 1
        if ticket.status == STATUS_MERGED and ticket.merged_into:
            target = session.get(TicketRow, ticket.merged_into)
            if target is not None:
                target.customers_affected = max(target.customers_affected, ticket.customers_affected)
        elif ticket.status == STATUS_OPEN and key[0]:
            open_by_key.setdefault(key, ticket.ticket_id)
        return
    new = {"ticket_id": ticket_id, **fields, "imported_at": now, "updated_at": now, "status": STATUS_OPEN,
           "merged_into": None}  # fmt: skip
    target_id = open_by_key.get(key) if key[0] else None
    if target_id is not None and target_id != ticket_id:
        new["status"], new["merged_into"] = STATUS_MERGED, target_id
        if target_id in fresh:
            joined = fresh[target_id]
            joined["customers_affected"] = max(joined["customers_affected"], new["customers_affected"])
        else:
            target = session.get(TicketRow, target_id)
            if target is not None:
                target.customers_affected = max(target.customers_affected, new["customers_affected"])
        report.merged.append((ticket_id, target_id))
    else:
        report.inserted += 1
        if key[0]:
            open_by_key[key] = ticket_id
    fresh[ticket_id] = new
