"""Quarantines, cohort moves and the members' status list."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from dispatch.core.plan import PlanStatus
from dispatch.core.policy import Policy
from dispatch.ledger.base import ExposureError, _aware, _policy, _tz
from dispatch.ledger.budgets import member_budgets, unavailable_members
from dispatch.store.models.crews import CrewMemberRow, CrewRow
from dispatch.store.models.exposure import CohortMoveRow, ExposureLedgerRow, QuarantineRow
from dispatch.store.models.plans import PlanRow, plan_of


def quarantine_member(
    session: Session,
    *,
    member_id: str,
    until: dt.date,
    reason: str,
    now: dt.datetime,
    start: dt.date | None = None,
    policy: Policy | None = None,
) -> QuarantineRow:
    """Keep ``member_id`` off work from ``start`` (default: today, region time) to ``until``, both included.

    A member already in quarantine on ``start`` gets that quarantine's end date and reason changed
    (extended or cut short) rather than a second, overlapping one.
    """
    _aware("now", now)
    policy = _policy(policy)
    member = session.get(CrewMemberRow, member_id)
    if member is None:
        raise ExposureError(f"no member {member_id!r}: members come from crews.csv", field="member_id")
    start = start or now.astimezone(_tz(policy)).date()
    if until < start:
        raise ExposureError(f"--until {until} is before the quarantine starts ({start})", field="until")
    row = session.exec(
        select(QuarantineRow)
        .where(QuarantineRow.member_id == member_id, QuarantineRow.start <= start, QuarantineRow.until >= start)
        .order_by(col(QuarantineRow.start))
    ).first()
    if row is None:
        row = QuarantineRow(member_id=member_id, start=start, until=until, reason=reason, created_at=now)
    else:
        row.until = until
        row.reason = reason or row.reason
    session.add(row)
    session.flush()
    return row


def published_plans_with(session: Session, *, member_id: str, first: dt.date, last: dt.date) -> list[PlanRow]:
    """Published plans of [first, last] that route ``member_id`` (to warn that they need a re-plan)."""
    rows = session.exec(
        select(PlanRow)
        .where(
            PlanRow.status == PlanStatus.PUBLISHED.value,
            col(PlanRow.plan_date) >= first,
            col(PlanRow.plan_date) <= last,
        )
        .order_by(col(PlanRow.plan_date))
    )
    return [p for p in rows if any(member_id in r.members for r in plan_of(p).routes)]


def move_member(
    session: Session,
    *,
    member_id: str,
    to_crew: str,
    on: dt.date,
    now: dt.datetime,
    policy: Policy | None = None,
) -> CohortMoveRow:
    """Move a member to another crew (cohort) from ``on``; the change takes effect at once.

    Refused while the member has exposure with the old crew (planned or actual ledger rows) on any
    of the ``cohort_cooling_off_days`` days before ``on``, or on ``on`` or later (a published plan):
    the error says from which date the move is allowed.
    """
    _aware("now", now)
    policy = _policy(policy)
    member = session.get(CrewMemberRow, member_id)
    if member is None:
        raise ExposureError(f"no member {member_id!r}: members come from crews.csv", field="member_id")
    if not member.active:
        raise ExposureError(f"member {member_id} is inactive (no longer listed in crews.csv)", field="member_id")
    if session.get(CrewRow, to_crew) is None:
        raise ExposureError(f"no crew {to_crew!r}", field="to_crew")
    old = member.crew_id
    if old == to_crew:
        raise ExposureError(f"member {member_id} is already in crew {to_crew}", field="to_crew")
    cooling = policy.exposure.cohort_cooling_off_days
    last = session.exec(
        select(ExposureLedgerRow)
        .where(ExposureLedgerRow.member_id == member_id, ExposureLedgerRow.crew_id == old)
        .order_by(col(ExposureLedgerRow.day).desc())
    ).first()
    if last is not None and last.day >= on - dt.timedelta(days=cooling):
        allowed = last.day + dt.timedelta(days=cooling + 1)
        raise ExposureError(
            f"member {member_id} cannot move from crew {old} to {to_crew} on {on}: last exposure with {old} "
            f"on {last.day} (ticket {last.ticket_id}, {last.source}); the cooling-off period is {cooling} days, "
            f"so the move is allowed from {allowed}",
            field="on",
        )
    member.crew_id = to_crew
    session.add(member)
    move = CohortMoveRow(member_id=member_id, from_crew=old, to_crew=to_crew, move_date=on, created_at=now)
    session.add(move)
    session.flush()
    return move


@dataclass(frozen=True)
class MemberStatus:
    member_id: str
    crew_id: str
    active: bool
    unavailable: str | None
    homes_left: int | None
    exposure_min_left: float | None


def list_members(session: Session, *, day: dt.date, policy: Policy) -> list[MemberStatus]:
    """Every member with their crew, quarantine on ``day`` and rolling budget for a plan of ``day``."""
    away = unavailable_members(session, day=day)
    budgets = member_budgets(session, day=day, policy=policy)
    out = []
    for m in session.exec(select(CrewMemberRow).order_by(col(CrewMemberRow.crew_id), col(CrewMemberRow.member_id))):
        b = budgets.get(m.member_id)
        out.append(
            MemberStatus(
                member_id=m.member_id,
                crew_id=m.crew_id,
                active=m.active,
                unavailable=away.get(m.member_id),
                homes_left=b.homes_left if b else None,
                exposure_min_left=b.exposure_min_left if b else None,
            )
        )
    return out
