"""Contact tracing: the households a member visited and the co-workers they shared a crew with."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any

from sqlmodel import Session, col, select

from dispatch.ledger.base import ExposureError
from dispatch.ledger.members import published_plans_with
from dispatch.store.models.crews import CrewMemberRow
from dispatch.store.models.exposure import ExposureLedgerRow, VisitRecordRow
from dispatch.store.models.plans import plan_of
from dispatch.store.models.tickets import tickets_by_id


@dataclass(frozen=True)
class TracedHousehold:
    ticket_id: str
    day: dt.date
    crew_id: str
    address: str
    customer_id: str
    customer_name: str
    phone: str
    entered_home: bool
    exposure_min: float
    source: str  # planned (not reported yet) or actual
    outcome: str | None


@dataclass(frozen=True)
class TracedCoworker:
    member_id: str
    crews: tuple[str, ...]
    dates: tuple[dt.date, ...]


@dataclass(frozen=True)
class Trace:
    member_id: str
    first: dt.date
    until: dt.date
    households: tuple[TracedHousehold, ...]
    coworkers: tuple[TracedCoworker, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "member_id": self.member_id,
            "from": self.first.isoformat(),
            "until": self.until.isoformat(),
            "households": [{**asdict(h), "day": h.day.isoformat()} for h in self.households],
            "coworkers": [
                {"member_id": c.member_id, "crews": list(c.crews), "dates": [d.isoformat() for d in c.dates]}
                for c in self.coworkers
            ],
        }


def trace(session: Session, *, member_id: str, days: int, until: dt.date) -> Trace:
    """Contact tracing: the households ``member_id`` visited and the co-workers they shared a crew
    with on the ``days`` days ending on ``until``.

    Households come from the member's ledger rows (a reported visit, or a planned one not yet
    reported). Co-workers are the other members on the same crew and day, in the ledger or in the
    route of a published plan.
    """
    if days < 1:
        raise ExposureError(f"--days must be at least 1, got {days}", field="days")
    if session.get(CrewMemberRow, member_id) is None:
        raise ExposureError(f"no member {member_id!r}", field="member_id")
    first = until - dt.timedelta(days=days - 1)
    mine = session.exec(
        select(ExposureLedgerRow)
        .where(
            ExposureLedgerRow.member_id == member_id,
            col(ExposureLedgerRow.day) >= first,
            col(ExposureLedgerRow.day) <= until,
        )
        .order_by(
            col(ExposureLedgerRow.day),
            col(ExposureLedgerRow.crew_id),
            col(ExposureLedgerRow.ticket_id),
            col(ExposureLedgerRow.id),
        )
    ).all()
    tickets = tickets_by_id(session, ids=(r.ticket_id for r in mine))
    visit_ids = [r.visit_id for r in mine if r.visit_id is not None]
    outcomes = {
        v.id: v.outcome for v in session.exec(select(VisitRecordRow).where(col(VisitRecordRow.id).in_(visit_ids)))
    }
    households = []
    for r in mine:
        t = tickets.get(r.ticket_id)
        households.append(
            TracedHousehold(
                ticket_id=r.ticket_id,
                day=r.day,
                crew_id=r.crew_id,
                address=t.address if t else "",
                customer_id=t.customer_id if t else "",
                customer_name=t.customer_name if t else "",
                phone=t.phone if t else "",
                entered_home=r.homes > 0,
                exposure_min=r.exposure_min,
                source=r.source,
                outcome=outcomes.get(r.visit_id) if r.visit_id is not None else None,
            )
        )

    shared: dict[str, dict[str, set[Any]]] = defaultdict(lambda: {"crews": set(), "dates": set()})
    pairs = {(r.day, r.crew_id) for r in mine}
    for plan in published_plans_with(session, member_id=member_id, first=first, last=until):
        for route in plan_of(plan).routes:
            if member_id in route.members:
                pairs.add((plan.plan_date, route.crew_id))
                for other in route.members:
                    if other != member_id:
                        shared[other]["crews"].add(route.crew_id)
                        shared[other]["dates"].add(plan.plan_date)
    if pairs:
        for r in session.exec(
            select(ExposureLedgerRow).where(
                col(ExposureLedgerRow.day) >= first,
                col(ExposureLedgerRow.day) <= until,
                ExposureLedgerRow.member_id != member_id,
                col(ExposureLedgerRow.crew_id).in_({c for _, c in pairs}),
            )
        ):
            if (r.day, r.crew_id) in pairs:
                shared[r.member_id]["crews"].add(r.crew_id)
                shared[r.member_id]["dates"].add(r.day)
    coworkers = tuple(
        TracedCoworker(m, tuple(sorted(v["crews"])), tuple(sorted(v["dates"]))) for m, v in sorted(shared.items())
    )
    return Trace(member_id, first, until, tuple(households), coworkers)
