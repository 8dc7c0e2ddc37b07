"""Importing tickets.csv: outage and service tickets, merged per customer and category."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from dispatch.core.clock import future_problem
from dispatch.core.domain import Category, HouseholdRisk
from dispatch.core.policy import DAY_MIN, Policy
from dispatch.io.importing.rows import ImportReport, _Check, _duplicate, _now, _read_csv, _Row, _settle
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
        values = _check_ticket(row, policy=policy, tz=tz, now=now)
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
