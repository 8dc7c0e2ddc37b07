"""Plans: one row per saved plan version, its visits and its unassigned tickets.

The full plan document (the documented ``--json`` contract) is stored as JSON text so that what
crews and other tools received can always be reproduced; the visit and unassigned rows index
it for queries (exposure ledger, ETAs, carry-over of reasons).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict

from sqlalchemy import BigInteger, Column, Text, UniqueConstraint
from sqlmodel import Field, Session, SQLModel, col, select

from dispatch.core.plan import Plan, PlanKind, PlanStatus
from dispatch.store.columns import aware_field


class PlanRow(SQLModel, table=True):
    __tablename__ = "plan"
    __table_args__ = (UniqueConstraint("plan_date", "version", name="uq_plan_date_version"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_date: dt.date = Field(index=True)
    version: int
    kind: str = PlanKind.NIGHTLY.value
    status: str = Field(default=PlanStatus.DRAFT.value, index=True)
    created_at: dt.datetime = aware_field()
    published_at: dt.datetime | None = aware_field(nullable=True)
    # For a re-plan: the plan it revises, and the clock time it was made for.
    parent_id: int | None = Field(default=None, foreign_key="plan.id")
    as_of: dt.datetime | None = aware_field(nullable=True)
    time_limit_s: float = 0.0
    reproducible: bool = False
    # Drop penalties make objectives exceed 32 bits.
    objective: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    document: str = Field(sa_column=Column(Text, nullable=False))


class PlanVisitRow(SQLModel, table=True):
    __tablename__ = "plan_visit"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    crew_id: str = Field(index=True)
    seq: int
    ticket_id: str = Field(index=True)
    arrival: dt.datetime = aware_field()
    start: dt.datetime = aware_field()
    end: dt.datetime = aware_field()
    indoor: bool = False
    exposure_min: float = 0.0
    travel_m: int = 0


class PlanUnassignedRow(SQLModel, table=True):
    __tablename__ = "plan_unassigned"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    ticket_id: str = Field(index=True)
    reason: str
    detail: str = ""


def latest_plan(session: Session, *, day: dt.date, published_only: bool = False) -> PlanRow | None:
    query = select(PlanRow).where(PlanRow.plan_date == day)
    if published_only:
        query = query.where(PlanRow.status == PlanStatus.PUBLISHED.value)
    return session.exec(query.order_by(col(PlanRow.version).desc())).first()


def published_plan(session: Session, *, day: dt.date) -> PlanRow | None:
    return latest_plan(session, day=day, published_only=True)


def next_version(session: Session, *, day: dt.date) -> int:
    latest = latest_plan(session, day=day)
    return 1 if latest is None else latest.version + 1


# Parsed documents, newest last: a running day reads the same published plan for every crew report and page.
_PARSED: OrderedDict[tuple[int | None, int, int], Plan] = OrderedDict()
_PARSED_KEPT = 8
_PARSED_LOCK = threading.Lock()


def plan_of(row: PlanRow) -> Plan:
    """The stored plan with its current status (the document is written once; publishing changes the status).

    Documents are parsed once per process and document text (a re-plan's is read again for every report
    the crews send)."""
    key = (row.id, len(row.document), hash(row.document))
    with _PARSED_LOCK:
        plan = _PARSED.get(key)
        if plan is not None:
            _PARSED.move_to_end(key)
    if plan is None:
        plan = Plan.from_json(row.document)
        with _PARSED_LOCK:
            _PARSED[key] = plan
            while len(_PARSED) > _PARSED_KEPT:
                _PARSED.popitem(last=False)
    return plan.with_(status=row.status)
