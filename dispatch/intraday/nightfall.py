"""The close of a running day: tickets of stops never reported go back to open as ``unconfirmed``.

Under the silence rule (policy ``intraday.unreported = "keep"``) a re-plan takes a stop planned
before its time with no report as done or under way; that assumption ends with the day. At night,
before the next day is planned, the tickets of the day's published stops that no report covers and
that are still open get the reason ``unconfirmed`` (the detail names the crew and planned time), so
the next plan takes them up again. A report arriving later settles the ticket as usual."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from dispatch.core.clock import local_midnight
from dispatch.core.route import StepProgress
from dispatch.intraday.silence import UNCONFIRMED
from dispatch.store.models.exposure import VisitRecordRow
from dispatch.store.models.plans import plan_of, published_plan
from dispatch.store.models.tickets import STATUS_OPEN, tickets_by_id


def return_unconfirmed(session: Session, *, day: dt.date, tz: ZoneInfo, until: dt.datetime) -> list[str]:
    """Mark ``unconfirmed`` the open tickets of ``day``'s published stops planned to start before ``until``
    that no report covers; their ids."""
    row = published_plan(session, day=day)
    if row is None:
        return []
    plan = plan_of(row)
    planned = {
        s.ticket_id: (r.crew_id, s.start)
        for r, s in plan.visits()
        if s.ticket_id and s.progress in (None, StepProgress.UNCONFIRMED) and s.start < until
    }
    if not planned:
        return []
    reported = set(
        session.exec(
            select(VisitRecordRow.ticket_id).where(
                col(VisitRecordRow.ticket_id).in_(list(planned)),
                col(VisitRecordRow.arrived_at) >= local_midnight(day, tz),
            )
        )
    )
    out = []
    for t in tickets_by_id(session, ids=[t for t in planned if t not in reported]).values():
        if t.status != STATUS_OPEN:
            continue
        crew, start = planned[t.ticket_id]
        t.unassigned_reason = UNCONFIRMED
        t.unassigned_detail = f"planned for {crew} on {day} at {start.astimezone(tz):%H:%M}; no report arrived"
        session.add(t)
        out.append(t.ticket_id)
    return sorted(out)
