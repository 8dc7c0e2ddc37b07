"""Importing crews' visit reports from a CSV file into the ledger."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from dispatch.core.ids import id_problem
from dispatch.core.policy import Policy
from dispatch.io.importing.rows import ImportReport, _Check, _duplicate, _read_csv, _Row, _settle
from dispatch.ledger.base import _aware, _policy, _tz
from dispatch.ledger.places import ZonesByDay
from dispatch.ledger.visits import _store_visit, _visit_problems, _VisitIn
from dispatch.store.models.crews import CrewRow
from dispatch.store.models.exposure import VisitOutcome
from dispatch.store.models.plans import PlanRow
from dispatch.store.models.tickets import TicketRow, tickets_by_id

VISIT_REQUIRED = ("ticket_id", "crew_id", "arrived", "left", "entered_home", "outcome")


VISIT_OPTIONAL = ("note", "plan_id")


@dataclass
class _VisitRow:
    row: _Row
    visit: _VisitIn
    ticket: TicketRow
    plan_id: int | None
    note: str


def _nothing_after_fixed(parsed: list[_VisitRow]) -> None:
    """Within one file, nothing may follow the visit that fixed a ticket (rows in order of arrival)."""
    parsed.sort(key=lambda v: (v.visit.arrived_at, v.row.line))
    fixed_on: dict[str, _VisitRow] = {}
    for v in parsed:
        first = fixed_on.get(v.visit.ticket_id)
        if first is not None:
            v.row.problem(
                "ticket_id",
                f"ticket {v.visit.ticket_id} is fixed on row {first.row.line} "
                f"({first.visit.arrived_at.isoformat()}); a later visit cannot follow",
            )
        elif v.visit.outcome is VisitOutcome.FIXED:
            fixed_on[v.visit.ticket_id] = v


def import_visits(
    session: Session,
    path: Path | str,
    *,
    policy: Policy | None = None,
    rejects: Path | str | None = None,
    now: dt.datetime | None = None,
) -> ImportReport:
    """Import visit reports from a CSV file (``dispatch import visits FILE``).

    Columns ``ticket_id, crew_id, arrived, left, entered_home, outcome`` (``left`` and ``outcome``
    empty while a visit is under way) and optional ``note``, ``plan_id``; times are ISO 8601, local
    to the region without an offset. Rows are applied in order of arrival, as
    :func:`record_visit` would; ``inserted`` counts new visit records and ``updated`` visits under
    way that a row completed. The whole file or nothing, unless ``rejects`` is given (see
    :mod:`dispatch.importing`).
    """
    policy = _policy(policy)
    now = now if now is not None else dt.datetime.now(dt.UTC)
    _aware("now", now)
    tz = _tz(policy)
    rejects = Path(rejects) if rejects is not None else None
    table = _read_csv(Path(path), required=VISIT_REQUIRED, optional=VISIT_OPTIONAL)
    report = ImportReport(kind="visits", file=table.label)
    # Only ids that can exist are looked up (a NUL byte in a query is a PostgreSQL error, not a row error).
    ids = (row.values.get("ticket_id", "") for row in table.rows)
    tickets = tickets_by_id(session, ids=(i for i in ids if id_problem(i) is None))
    crews = set(session.exec(select(CrewRow.crew_id)).all())
    plans = set(session.exec(select(PlanRow.id)).all())

    parsed: list[_VisitRow] = []
    seen: dict[Any, int] = {}
    for row in table.rows:
        check = _Check(row)
        ticket_id = check.text("ticket_id", required=True)
        crew_id = check.text("crew_id", required=True)
        arrived = check.moment("arrived", tz=tz, required=True)
        left = check.moment("left", tz=tz)
        entered = check.flag("entered_home")
        if entered is None and not check.text("entered_home"):
            row.problem("entered_home", "required: true or false")
        outcome = check.choice("outcome", VisitOutcome)
        plan_id = check.whole("plan_id", lo=1, hi=2**31 - 1)
        if plan_id is not None and plan_id not in plans:
            row.problem("plan_id", f"no plan with id {plan_id}")
        if row.problems or arrived is None or not ticket_id or not crew_id:
            continue
        visit = _VisitIn(ticket_id, crew_id, arrived, left, bool(entered), outcome)
        for name, message in _visit_problems(
            session, visit, now=now, ticket=tickets.get(ticket_id), crew_known=crew_id in crews, policy=policy
        ):
            row.problem(name, message)
        if row.problems or _duplicate(row, "arrived", (ticket_id, crew_id, arrived.isoformat()), seen):
            continue
        parsed.append(_VisitRow(row, visit, tickets[ticket_id], plan_id, check.text("note")))

    _nothing_after_fixed(parsed)
    good = {id(row) for row in _settle(table, report, rejects)}
    zones = ZonesByDay(session)
    for v in parsed:
        if id(v.row) not in good:
            continue
        _, completed = _store_visit(
            session, v.visit, ticket=v.ticket, now=now, plan_id=v.plan_id, note=v.note, policy=policy, zones=zones
        )
        if completed:
            report.updated += 1
        else:
            report.inserted += 1
    session.flush()
    return report
