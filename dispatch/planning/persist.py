"""Saving a computed plan as a new draft version with its visits and carry-over reasons."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlmodel import Session

from dispatch.core.plan import Plan
from dispatch.store.models.plans import PlanRow, PlanUnassignedRow, PlanVisitRow, next_version
from dispatch.store.models.tickets import tickets_by_id


def save_plan(
    session: Session,
    *,
    plan: Plan,
    objective: int,
    now: dt.datetime,
    time_limit: float,
    reproducible: bool,
) -> Plan:
    """Store ``plan`` as the day's next version (a draft), index its visits and unassigned tickets, and
    write each ticket's carry-over reason; returns the plan with its id, version and creation time."""
    version = next_version(session, day=plan.date)
    revision = plan.revision_of
    row = PlanRow(
        plan_date=plan.date,
        version=version,
        kind=plan.kind.value,
        status="draft",
        created_at=now,
        parent_id=revision.parent_id if revision else None,
        as_of=revision.as_of if revision else None,
        time_limit_s=time_limit,
        reproducible=reproducible,
        objective=objective,
        document="{}",
    )
    session.add(row)
    session.flush()
    # Like every time a dispatcher reads, in the region's time zone, to the second.
    created = now.astimezone(ZoneInfo(plan.timezone)).replace(microsecond=0)
    saved = plan.with_(plan_id=row.id, status="draft", version=version, revision=version, created_at=created)
    row.document = saved.dumps()
    for route in saved.routes:
        for seq, s in enumerate(route.visits, start=1):
            session.add(
                PlanVisitRow(
                    plan_id=row.id,
                    crew_id=route.crew_id,
                    seq=seq,
                    ticket_id=s.ticket_id,
                    arrival=s.arrival,
                    start=s.start,
                    end=s.end,
                    indoor=s.indoor,
                    exposure_min=s.exposure_min,
                    travel_m=s.travel_m,
                )
            )
    reasons = {u.ticket_id: u for u in saved.unassigned}
    for u in saved.unassigned:
        session.add(PlanUnassignedRow(plan_id=row.id, ticket_id=u.ticket_id, reason=u.reason, detail=u.detail))
    for t in tickets_by_id(session, ids=[*reasons, *saved.served_ticket_ids()]).values():
        u = reasons.get(t.ticket_id)
        t.unassigned_reason = u.reason if u else None
        t.unassigned_detail = u.detail if u else None
        session.add(t)
    return saved
