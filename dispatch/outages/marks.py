"""The outages of a day as the dispatcher left them, read and written: marks for grouping (declared,
dismissed, planned), the outages a plan inferred, and the dispatcher's confirm / dismiss / declare / plan."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from dispatch.core.domain import Asset, Category, OutageMark, Ticket
from dispatch.core.plan import Outage
from dispatch.outages.grouping import outage_id_of
from dispatch.store.models.assets import AssetRow, OutageRow, OutageSource, OutageStatus, outage_by_id, outages_of_day
from dispatch.store.models.tickets import STATUS_OPEN, TicketRow, TicketSource, join_skills


class OutageError(ValueError):
    """An outage action that cannot be done (unknown outage or asset, wrong state); the message says why."""


def outage_marks(session: Session, *, day: dt.date) -> list[OutageMark]:
    """What grouping must respect on ``day``: declared and confirmed outages are out, dismissed ones are
    not, planned ones absorb reports between their hours."""
    marks = []
    for row in outages_of_day(session, day=day):
        if row.status == OutageStatus.DISMISSED:
            marks.append(OutageMark(row.asset_id, "dismissed", row.outage_id))
        elif row.status == OutageStatus.RESTORED:
            # Reports there after the restoration are home visits (a customer still dark), not a new outage.
            marks.append(OutageMark(row.asset_id, "dismissed", row.outage_id))
        elif row.source == OutageSource.PLANNED:
            marks.append(OutageMark(row.asset_id, "planned", row.outage_id, row.starts_at, row.ends_at))
        elif row.source == OutageSource.DECLARED or row.status == OutageStatus.CONFIRMED:
            marks.append(OutageMark(row.asset_id, "declared", row.outage_id))
    return marks


def record_outages(
    session: Session, *, day: dt.date, outages: tuple[Outage, ...], jobs: dict[str, Ticket], now: dt.datetime
) -> None:
    """Store a plan's outages (their tickets and asset job) and each asset job as an open ticket of
    category ``asset_outage``, so crews can report it done and ``tickets eta`` can find it."""
    for outage in outages:
        row = outage_by_id(session, outage_id=outage.outage_id)
        if row is None:
            row = OutageRow(outage_id=outage.outage_id, day=day, asset_id=outage.asset_id, created_at=now,
                            updated_at=now)  # fmt: skip
        row.tickets = ";".join(outage.tickets)
        row.job_ticket_id = outage.job_ticket_id
        row.updated_at = now
        session.add(row)
        job = jobs.get(outage.job_ticket_id or "")
        if job is not None:
            _store_job(session, job, now=now)
    session.flush()


def _store_job(session: Session, job: Ticket, *, now: dt.datetime) -> None:
    row = session.get(TicketRow, job.ticket_id)
    fields = {
        "reported_at": job.reported_at, "category": Category.ASSET_OUTAGE.value, "lat": job.lat, "lon": job.lon,
        "priority": job.priority, "customers_affected": job.customers_affected, "service_min": job.service_min,
        "indoor": False, "critical_facility": job.critical_facility, "skills": join_skills(job.skills),
        "address": job.address, "transformer_id": job.transformer_id,
    }  # fmt: skip
    if row is None:
        row = TicketRow(ticket_id=job.ticket_id, imported_at=now, updated_at=now, status=STATUS_OPEN,
                        source=TicketSource.CSV.value, **fields)  # fmt: skip
    elif row.status == STATUS_OPEN:
        for name, value in fields.items():
            setattr(row, name, value)
        row.updated_at = now
    session.add(row)


def set_status(
    session: Session, *, outage_id: str, status: OutageStatus, now: dt.datetime, note: str = ""
) -> OutageRow:
    """Confirm or dismiss an outage of a plan (a dismissed one's tickets are home visits at the next plan)."""
    row = outage_by_id(session, outage_id=outage_id)
    if row is None:
        raise OutageError(f"no outage {outage_id!r} (see `dispatch outages list --date D`)")
    if row.status == OutageStatus.RESTORED:
        raise OutageError(f"outage {outage_id} is already restored")
    row.status = status.value
    row.note = note or row.note
    row.updated_at = now
    if status is OutageStatus.DISMISSED and row.job_ticket_id:
        job = session.get(TicketRow, row.job_ticket_id)
        if job is not None and job.status == STATUS_OPEN:
            job.status, job.closed_at, job.updated_at = "closed", now, now
    session.add(row)
    session.flush()
    return row


def declare(
    session: Session,
    *,
    day: dt.date,
    asset_id: str,
    now: dt.datetime,
    planned: bool = False,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    note: str = "",
) -> OutageRow:
    """An outage the control centre already knows (``declared``) or a planned one (pemadaman terencana,
    between ``starts_at`` and ``ends_at``): the next plan groups the reports below the asset into it."""
    asset = session.get(AssetRow, asset_id)
    if asset is None:
        raise OutageError(f"unknown asset {asset_id!r} (import the network with `dispatch import assets FILE`)")
    if planned and (starts_at is None or ends_at is None or ends_at <= starts_at):
        raise OutageError("a planned outage needs --start and --end, the end after the start")
    outage_id = outage_id_of(day, asset_id) + ("-P" if planned else "")
    row = outage_by_id(session, outage_id=outage_id) or OutageRow(
        outage_id=outage_id, day=day, asset_id=asset_id, created_at=now, updated_at=now
    )
    row.source = (OutageSource.PLANNED if planned else OutageSource.DECLARED).value
    row.status = OutageStatus.OPEN.value if planned else OutageStatus.CONFIRMED.value
    row.starts_at, row.ends_at, row.note, row.updated_at = starts_at, ends_at, note, now
    session.add(row)
    session.flush()
    return row


def asset_of(session: Session, asset_id: str) -> Asset | None:
    row = session.get(AssetRow, asset_id)
    return None if row is None else row.to_domain()
