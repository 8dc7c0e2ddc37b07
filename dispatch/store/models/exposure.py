"""Exposure over days: visit records, the per-member exposure ledger, quarantines and cohort moves.

The ledger holds one row per member, ticket and visit: the planned exposure written when a plan
is published, replaced by the actual exposure when the crew reports the visit. Rolling budgets,
the exposure report and contact tracing all read it (see ``dispatch.exposure``).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from dispatch.store.columns import aware_field


class VisitOutcome(StrEnum):
    """How a visit ended: ``fixed`` closes the ticket, every other outcome returns it to the open pool."""

    FIXED = "fixed"
    NOT_HOME = "not_home"
    ESCALATED = "escalated"
    UNSAFE = "unsafe"
    NEEDS_SKILL = "needs_skill"  # another skill (crew) is needed
    NEEDS_MATERIAL = "needs_material"  # material the crew does not carry is needed


class LedgerSource(StrEnum):
    PLANNED = "planned"
    ACTUAL = "actual"


class VisitRecordRow(SQLModel, table=True):
    """What a crew reported about one visit. Done = ``outcome`` set; in progress = arrived, no ``left_at``.

    The records of a ticket are its visit history: a ``not_home`` visit sends the ticket back to
    the open pool, and the record stays.
    """

    __tablename__ = "visit_record"
    __table_args__ = (Index("ix_visit_record_crew_arrived", "crew_id", "arrived_at"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: str = Field(foreign_key="ticket.ticket_id", index=True)
    crew_id: str = Field(foreign_key="crew.crew_id")
    plan_id: int | None = Field(default=None, foreign_key="plan.id", index=True)
    arrived_at: dt.datetime = aware_field()
    left_at: dt.datetime | None = aware_field(nullable=True)
    entered_home: bool = False
    outcome: str | None = None  # a VisitOutcome; None while the visit is in progress
    recorded_at: dt.datetime = aware_field()
    note: str = ""
    # Weighted in-home minutes each member took on in this visit (set once the visit is done).
    exposure_min: float | None = None


class ExposureLedgerRow(SQLModel, table=True):
    """One member's exposure on one ticket on one plan date, planned or actual.

    ``day`` is the date of the plan (the shift's date), so a night shift's visits after midnight
    count on the day the shift started. ``exposure_min`` is weighted: in-home minutes x zone risk
    weight x household multiplier.
    """

    __tablename__ = "exposure_ledger"
    __table_args__ = (
        Index("ix_exposure_ledger_member_day", "member_id", "day"),
        Index("ix_exposure_ledger_day_ticket", "day", "ticket_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: str
    crew_id: str = Field(foreign_key="crew.crew_id")
    ticket_id: str = Field(foreign_key="ticket.ticket_id")
    day: dt.date
    source: str  # a LedgerSource
    plan_id: int | None = Field(default=None, foreign_key="plan.id")
    visit_id: int | None = Field(default=None, foreign_key="visit_record.id")
    homes: int = 0  # 1 when the crew enters the home
    in_home_min: float = 0.0
    exposure_min: float = 0.0
    zone: str = ""  # the riskiest zone the home lies in, if any
    zone_weight: float = 1.0
    household_risk: str = "none"
    household_multiplier: float = 1.0
    recorded_at: dt.datetime = aware_field()


class QuarantineRow(SQLModel, table=True):
    """A member kept off work from ``start`` to ``until`` (both included)."""

    __tablename__ = "member_quarantine"

    id: int | None = Field(default=None, primary_key=True)
    member_id: str = Field(foreign_key="crew_member.member_id", index=True)
    start: dt.date
    until: dt.date
    reason: str = ""
    created_at: dt.datetime = aware_field()


class CohortMoveRow(SQLModel, table=True):
    """A member's move from one crew (cohort) to another, kept for contact tracing and audit."""

    __tablename__ = "cohort_move"

    id: int | None = Field(default=None, primary_key=True)
    member_id: str = Field(foreign_key="crew_member.member_id", index=True)
    from_crew: str = Field(foreign_key="crew.crew_id")
    to_crew: str = Field(foreign_key="crew.crew_id")
    move_date: dt.date  # the first day with the new crew
    created_at: dt.datetime = aware_field()
