"""Each member's rolling exposure budget, and who is unavailable (quarantined) on a day."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import func
from sqlmodel import Session, col, select

from dispatch.core.domain import MemberBudget
from dispatch.core.policy import Policy
from dispatch.store.models.crews import CrewMemberRow
from dispatch.store.models.exposure import ExposureLedgerRow, LedgerSource, QuarantineRow, VisitRecordRow


def member_budgets(session: Session, *, day: dt.date, policy: Policy) -> dict[str, MemberBudget]:
    """Each member's rolling budget for a plan of ``day`` (see the module docstring for the window).

    Every active member gets a budget, and so does anyone with ledger rows in the window.
    """
    first = day - dt.timedelta(days=policy.exposure.rolling_days - 1)
    used = _usage(session, first=first, day=day)
    members = set(used) | set(session.exec(select(CrewMemberRow.member_id).where(col(CrewMemberRow.active))).all())
    caps = policy.exposure
    out: dict[str, MemberBudget] = {}
    for m in sorted(members):
        homes, minutes = used.get(m, (0, 0.0))
        out[m] = MemberBudget(
            member_id=m,
            homes_left=max(0, caps.max_homes_7d - homes),
            exposure_min_left=max(0.0, round(caps.max_exposure_min_7d - minutes, 6)),
        )
    return out


def _usage(session: Session, *, first: dt.date, day: dt.date) -> dict[str, tuple[int, float]]:
    """Homes and weighted minutes per member on [first, day - 1], plus ``day``'s visits done or under way."""
    homes: dict[str, int] = defaultdict(int)
    minutes: dict[str, float] = defaultdict(float)
    # Summed in the database: a large region has many rows per day.
    for member, h, m in session.exec(
        select(
            ExposureLedgerRow.member_id,
            func.sum(ExposureLedgerRow.homes),
            func.sum(ExposureLedgerRow.exposure_min),
        )
        .where(col(ExposureLedgerRow.day) >= first, col(ExposureLedgerRow.day) < day)
        .group_by(col(ExposureLedgerRow.member_id))
    ):
        homes[member] += int(h or 0)
        minutes[member] += float(m or 0.0)
    # A visit under way has no actual yet: its planned row stands for it.
    under_way = {
        (v.ticket_id, v.crew_id)
        for v in session.exec(select(VisitRecordRow).where(col(VisitRecordRow.left_at).is_(None)))
    }
    for r in session.exec(select(ExposureLedgerRow).where(ExposureLedgerRow.day == day)):
        if r.source == LedgerSource.ACTUAL.value or (r.ticket_id, r.crew_id) in under_way:
            homes[r.member_id] += r.homes
            minutes[r.member_id] += r.exposure_min
    return {m: (homes[m], minutes[m]) for m in set(homes) | set(minutes)}


def unavailable_members(session: Session, *, day: dt.date) -> dict[str, str]:
    """Members quarantined on ``day``, with the reason a plan shows."""
    out: dict[str, str] = {}
    for q in session.exec(
        select(QuarantineRow)
        .where(QuarantineRow.start <= day, QuarantineRow.until >= day)
        .order_by(col(QuarantineRow.member_id), col(QuarantineRow.until))
    ):
        out[q.member_id] = f"quarantined until {q.until.isoformat()}" + (f" ({q.reason})" if q.reason else "")
    return out
