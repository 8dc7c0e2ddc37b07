"""What a customer is told about any ticket of the published plan: its ETA window when a crew is on
its way, else that it is not planned today and why (the plan's unassigned reason)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from dispatch.core.plan import NotDone
from dispatch.core.unassigned import Displacement, UnassignedFacts
from dispatch.intraday.model import IntradayError
from dispatch.intraday.persist import PublishedEta, ticket_eta
from dispatch.store.models.plans import PlanRow, PlanUnassignedRow, PlanVisitRow, plan_of
from dispatch.store.models.tickets import TicketRow


@dataclass(frozen=True)
class NotPlanned:
    """A ticket the newest published plan that names it lists as unassigned, with its reason."""

    ticket_id: str
    reason: str
    detail: str
    plan_id: int
    version: int
    date: dt.date
    # The values the explanation names and what would give way, for wording it in the dispatcher's language.
    facts: UnassignedFacts | None = None
    displaces: Displacement | None = None
    not_done: NotDone | None = None  # reported not done today: what the re-plan did with it
    # A ticket a wide outage absorbs: its outage and the asset job whose reason this is.
    outage_id: str | None = None
    job_ticket_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "ticket_id": self.ticket_id,
            "status": "not_planned",
            "reason": self.reason,
            "detail": self.detail,
            "plan_id": self.plan_id,
            "version": self.version,
            "date": self.date.isoformat(),
        }


def ticket_answer(session: Session, *, ticket_id: str, now: dt.datetime | None = None) -> PublishedEta | NotPlanned:
    """The newest published plan naming ``ticket_id`` decides: its ETA window if it visits it, else its
    unassigned reason. A ticket in no published plan is an :class:`IntradayError`."""
    ticket = session.get(TicketRow, ticket_id)
    if ticket is None:
        raise IntradayError(f"no ticket {ticket_id!r}")
    newest = (col(PlanRow.plan_date).desc(), col(PlanRow.version).desc())
    visit = session.exec(
        select(PlanRow)
        .join(PlanVisitRow, col(PlanVisitRow.plan_id) == col(PlanRow.id))
        .where(PlanVisitRow.ticket_id == ticket_id, PlanRow.status == "published")
        .order_by(*newest)
    ).first()
    pair = session.exec(
        select(PlanRow, PlanUnassignedRow)
        .join(PlanUnassignedRow, col(PlanUnassignedRow.plan_id) == col(PlanRow.id))
        .where(PlanUnassignedRow.ticket_id == ticket_id, PlanRow.status == "published")
        .order_by(*newest)
    ).first()
    if pair is not None:
        row, unassigned = pair
        if visit is None or (row.plan_date, row.version) >= (visit.plan_date, visit.version):
            plan = plan_of(row)
            entry = next((u for u in plan.unassigned if u.ticket_id == ticket_id), None)
            return NotPlanned(
                ticket_id,
                unassigned.reason,
                unassigned.detail,
                row.id,  # type: ignore[arg-type]
                row.version,
                row.plan_date,
                facts=entry.facts if entry is not None else None,
                displaces=entry.displaces if entry is not None else None,
                not_done=plan.not_done_of(ticket_id),
            )
    try:
        return ticket_eta(session, ticket_id=ticket_id, now=now)
    except IntradayError:
        waiting = _outage_job_unassigned(session, ticket_id=ticket_id)
        if waiting is None:
            raise
        return waiting


def _outage_job_unassigned(session: Session, *, ticket_id: str) -> NotPlanned | None:
    """For a ticket a wide outage absorbs whose asset job the newest published plan leaves unassigned: not
    planned today, with the job's reason."""
    row = session.exec(
        select(PlanRow).where(PlanRow.status == "published").order_by(col(PlanRow.plan_date).desc())
    ).first()
    if row is None:
        return None
    plan = plan_of(row)
    outage = plan.outage_of(ticket_id)
    job = next((u for u in plan.unassigned if outage is not None and u.ticket_id == outage.job_ticket_id), None)
    if outage is None or job is None:
        return None
    detail = f"asset job {job.ticket_id} of outage {outage.outage_id}: {job.detail}"
    return NotPlanned(
        ticket_id,
        job.reason,
        detail,
        row.id,  # type: ignore[arg-type]
        row.version,
        row.plan_date,
        facts=job.facts,
        displaces=job.displaces,
        outage_id=outage.outage_id,
        job_ticket_id=job.ticket_id,
    )
