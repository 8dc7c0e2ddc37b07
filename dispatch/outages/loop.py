"""Closing the loop: an asset job reported done restores its outage, closing the tickets it absorbed with
a note; a customer still without power is a home visit again (policy ``outage.reopen_still_dark``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from dispatch.core.clock import future_problem
from dispatch.core.policy import Policy
from dispatch.outages.marks import OutageError
from dispatch.store.models.assets import OutageRow, OutageStatus, outage_by_id
from dispatch.store.models.tickets import STATUS_CLOSED, STATUS_OPEN, TicketRow, tickets_by_id


@dataclass(frozen=True)
class Restored:
    """What restoring an outage did: the tickets closed and those left open as home visits."""

    outage_id: str
    closed: tuple[str, ...]
    still_dark: tuple[str, ...]
    note: str


def outage_of_job(session: Session, *, job_ticket_id: str) -> OutageRow | None:
    """The open outage whose asset job is ``job_ticket_id`` (newest first), if any."""
    query = select(OutageRow).where(OutageRow.job_ticket_id == job_ticket_id, OutageRow.status != "restored")
    return session.exec(query.order_by(col(OutageRow.day).desc())).first()


def restore(
    session: Session,
    *,
    outage_id: str,
    at: dt.datetime,
    now: dt.datetime,
    policy: Policy,
    still_dark: Collection[str] = (),
) -> Restored:
    """Restore ``outage_id`` at ``at``: its open tickets close with a note, except those in ``still_dark``
    (customers who still report no power), which stay open and, the asset being restored, are planned as
    home visits. With ``outage.reopen_still_dark`` false they close too."""
    row = outage_by_id(session, outage_id=outage_id)
    if row is None:
        raise OutageError(f"no outage {outage_id!r} (see `dispatch outages list --date D`)")
    if row.status == OutageStatus.RESTORED:
        raise OutageError(f"outage {outage_id} is already restored")
    if row.status == OutageStatus.DISMISSED:
        raise OutageError(
            f"outage {outage_id} was dismissed: its tickets are home visits (declare the asset out again first)"
        )
    tz = ZoneInfo(policy.region.timezone)
    if future := future_problem(at, now=now, skew_min=policy.region.max_clock_skew_min, tz=tz):
        raise OutageError(f"outage {outage_id}: restore time {future}")
    unknown = sorted(set(still_dark) - set(row.ticket_ids()))
    if unknown:
        raise OutageError(f"--still-dark {', '.join(unknown)}: not a ticket of outage {outage_id}")
    keep = set(still_dark) if policy.outage.reopen_still_dark else set()
    closed, dark = [], []
    for ticket in tickets_by_id(session, ids=row.ticket_ids()).values():
        if ticket.status != STATUS_OPEN:
            continue
        if ticket.ticket_id in keep:
            dark.append(ticket.ticket_id)
            continue
        ticket.status, ticket.closed_at, ticket.updated_at = STATUS_CLOSED, at, now
        session.add(ticket)
        closed.append(ticket.ticket_id)
    job = session.get(TicketRow, row.job_ticket_id) if row.job_ticket_id else None
    if job is not None and job.status == STATUS_OPEN:  # restored without the crew's report (the dispatcher's word)
        job.status, job.closed_at, job.updated_at = STATUS_CLOSED, at, now
        session.add(job)
    note = f"restored {at.isoformat(timespec='minutes')}: {len(closed)} ticket(s) closed"
    if dark:
        note += f"; still dark, home visit: {', '.join(sorted(dark))}"
    earlier = row.note  # the dispatcher's word on confirming, kept before the restore's
    row.status, row.note, row.updated_at = OutageStatus.RESTORED.value, f"{earlier}; {note}" if earlier else note, now
    row.ends_at = row.ends_at or at
    session.add(row)
    session.flush()
    return Restored(row.outage_id, tuple(sorted(closed)), tuple(sorted(dark)), note)


def restore_if_asset_job(session: Session, *, ticket_id: str, at: dt.datetime, now: dt.datetime,
                         policy: Policy) -> Restored | None:  # fmt: skip
    """Called when a visit to ``ticket_id`` is reported fixed: an asset job restores its outage."""
    row = outage_of_job(session, job_ticket_id=ticket_id)
    if row is None:
        return None
    return restore(session, outage_id=row.outage_id, at=at, now=now, policy=policy)
