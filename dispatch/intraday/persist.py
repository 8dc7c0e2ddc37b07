"""The re-plan's database edges: visits and positions read, the revision saved and published, ETAs."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from dispatch.core.clock import future_problem, local_midnight
from dispatch.core.domain import Ticket
from dispatch.core.plan import Plan, PlanStatus
from dispatch.core.policy import Policy
from dispatch.intraday.forecast import Eta, eta_window
from dispatch.intraday.model import IntradayError, Position, Replan, ReplanInputs, VisitFact
from dispatch.intraday.overtime import overtime_this_week
from dispatch.ledger.publish import publish_plan
from dispatch.planning.inputs import load_inputs
from dispatch.planning.persist import save_plan
from dispatch.store.models.crews import CrewRow
from dispatch.store.models.exposure import VisitRecordRow
from dispatch.store.models.intraday import CrewPositionRow, last_positions
from dispatch.store.models.plans import PlanRow, PlanVisitRow, plan_of, published_plan
from dispatch.store.models.tickets import TicketRow, tickets_by_id


def load_visits(session: Session, *, day: dt.date, tz: ZoneInfo, until: dt.datetime) -> list[VisitFact]:
    """The visits recorded for ``day`` up to ``until`` (the exposure ledger's visit records)."""
    since = local_midnight(day, tz)
    rows = session.exec(
        select(VisitRecordRow)
        .where(VisitRecordRow.arrived_at >= since, VisitRecordRow.arrived_at <= until)  # type: ignore[operator]
        .order_by(col(VisitRecordRow.arrived_at))
    ).all()
    out = []
    for r in rows:
        left = r.left_at if r.left_at is not None and r.left_at <= until else None
        exposure = r.exposure_min
        out.append(
            VisitFact(
                ticket_id=r.ticket_id,
                crew_id=r.crew_id,
                arrived_at=r.arrived_at,
                left_at=left,
                entered_home=bool(r.entered_home),
                outcome=r.outcome if left is not None else None,
                exposure_min=float(exposure) if isinstance(exposure, int | float) else None,
            )
        )
    return out


def record_position(
    session: Session,
    *,
    crew_id: str,
    lat: float,
    lon: float,
    at: dt.datetime,
    source: str = "dispatcher",
    now: dt.datetime | None = None,
    policy: Policy | None = None,
) -> None:
    """Store where a crew is at ``at``: a real point of the region, not later than ``now`` plus the
    policy's clock skew (the one rule of :func:`dispatch.core.clock.future_problem`)."""
    policy = policy or Policy()
    now = now if now is not None else dt.datetime.now(dt.UTC)
    if at.tzinfo is None:
        raise IntradayError(f"position time {at.isoformat()} has no time zone")
    if not (-90 <= lat <= 90) or not (-180 <= lon <= 180):
        raise IntradayError(f"crew {crew_id}: position ({lat}, {lon}) is not a latitude/longitude")
    if session.get(CrewRow, crew_id) is None:
        raise IntradayError(f"no crew {crew_id!r}: import it with `dispatch import crews FILE`")
    tz = ZoneInfo(policy.region.timezone)
    if future := future_problem(at, now=now, skew_min=policy.region.max_clock_skew_min, tz=tz):
        raise IntradayError(f"crew {crew_id}: position time {future}")
    if outside := policy.region.point_problem(lat, lon):
        raise IntradayError(f"crew {crew_id}: position {outside}")
    session.add(CrewPositionRow(crew_id=crew_id, lat=lat, lon=lon, at=at, source=source))


def load_replan_inputs(
    session: Session,
    *,
    day: dt.date,
    at: dt.datetime,
    policy: Policy,
    end_shift: Mapping[str, dt.datetime] | None = None,
) -> tuple[ReplanInputs, int]:
    """What a re-plan of ``day`` at ``at`` needs, and the id of the published plan it revises."""
    row = published_plan(session, day=day)
    if row is None:
        raise IntradayError(f"no published plan for {day}: plan and publish it first (`dispatch plan publish`)")
    previous = plan_of(row)
    tz = ZoneInfo(policy.region.timezone)
    since = previous.revision_of.as_of if previous.revision_of else None
    if since is not None and at < since:
        raise IntradayError(
            f"--at {at.astimezone(tz):%Y-%m-%d %H:%M}: before {since.astimezone(tz):%H:%M}, the time of the published "
            f"revision {row.version} it would revise; a re-plan cannot go back (the reports since would be ignored)"
        )
    inputs = load_inputs(session, day=day, policy=policy)
    visits = load_visits(session, day=day, tz=tz, until=at)
    positions = {
        c: Position(p.crew_id, p.lat, p.lon, p.at, p.source)
        for c, p in last_positions(session, since=local_midnight(day, tz), until=at).items()
    }
    # Reported visits' tickets, and the published stops' (one left unreported stays on its route as
    # unconfirmed even when its ticket is closed since, e.g. the job of an outage dismissed meanwhile).
    ids = {v.ticket_id for v in visits} | {s.ticket_id for _, s in previous.visits() if s.ticket_id is not None}
    known: dict[str, Ticket] = {
        t.ticket_id: t.to_domain()
        for t in tickets_by_id(session, ids=sorted(ids)).values()
        if t.lat is not None and t.lon is not None
    }
    shift_crews = {s.crew_id for s in inputs.shifts}
    for crew_id in end_shift or {}:
        if crew_id not in shift_crews:
            raise IntradayError(f"--end-shift {crew_id}: crew {crew_id} has no shift on {day}")
    rin = ReplanInputs(
        inputs=inputs,
        previous=previous,
        at=at,
        visits=tuple(visits),
        positions=positions,
        known_tickets=known,
        end_shift=dict(end_shift or {}),
        overtime_week_min=overtime_this_week(session, day=day),
    )
    return rin, row.id  # type: ignore[return-value]


def save_replan(
    session: Session,
    *,
    replan: Replan,
    parent_id: int,
    at: dt.datetime,
    now: dt.datetime,
    time_limit: float,
    reproducible: bool,
    publish_it: bool = True,
) -> Plan:
    """Save the re-plan as a new revision of the day (kind ``replan``) and publish it to the crews."""
    saved = save_plan(
        session,
        plan=replan.plan,
        objective=replan.objective,
        now=now,
        time_limit=time_limit,
        reproducible=reproducible,
    )
    if not publish_it:
        return saved
    session.flush()
    publish_plan(session, plan_id=saved.plan_id, now=now)  # type: ignore[arg-type]
    return saved.with_(status=PlanStatus.PUBLISHED.value)


@dataclass(frozen=True)
class PublishedEta:
    """A ticket's ETA window and the published revision it comes from; a ticket absorbed by a wide outage
    gets the window of the outage's asset job (``job_ticket_id``)."""

    eta: Eta
    plan_id: int
    version: int
    date: dt.date
    outage_id: str | None = None
    job_ticket_id: str | None = None
    asset_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        out = {**self.eta.to_json(), "plan_id": self.plan_id, "version": self.version, "date": self.date.isoformat()}
        if self.outage_id is not None:
            out |= {"outage_id": self.outage_id, "job_ticket_id": self.job_ticket_id, "asset_id": self.asset_id}
        return out


# Published plans looked at for a ticket absorbed by an outage: the newest few days' (newest first).
_GROUPED_LOOKBACK = 3


def _grouped_eta(session: Session, *, ticket_id: str, now: dt.datetime | None) -> PublishedEta | None:
    """The asset job's ETA for a ticket an outage of a recent published plan absorbs, if any."""
    rows = session.exec(
        select(PlanRow).where(PlanRow.status == "published").order_by(col(PlanRow.plan_date).desc())
    ).fetchmany(_GROUPED_LOOKBACK)
    for row in rows:
        plan = plan_of(row)
        outage = plan.outage_of(ticket_id)
        if outage is None or outage.job_ticket_id is None:
            continue
        eta = eta_window(plan, outage.job_ticket_id, now=now)
        if eta is not None:
            eta = dataclasses.replace(eta, ticket_id=ticket_id)
            return PublishedEta(eta, row.id, row.version, row.plan_date, outage.outage_id, outage.job_ticket_id,  # type: ignore[arg-type]
                                outage.asset_id)  # fmt: skip
    return None


def ticket_eta(session: Session, *, ticket_id: str, now: dt.datetime | None = None) -> PublishedEta:
    """The ETA window of ``ticket_id`` from the newest published revision that visits it."""
    ticket = session.get(TicketRow, ticket_id)
    if ticket is None:
        raise IntradayError(f"no ticket {ticket_id!r}")
    row = session.exec(
        select(PlanRow)
        .join(PlanVisitRow, col(PlanVisitRow.plan_id) == col(PlanRow.id))
        .where(PlanVisitRow.ticket_id == ticket_id, PlanRow.status == "published")
        .order_by(col(PlanRow.plan_date).desc(), col(PlanRow.version).desc())
    ).first()
    if row is None:
        grouped = _grouped_eta(session, ticket_id=ticket_id, now=now)
        if grouped is not None:
            return grouped
        raise IntradayError(f"ticket {ticket_id} is in no published plan yet (status {ticket.status})")
    eta = eta_window(plan_of(row), ticket_id, now=now)
    if eta is None:  # pragma: no cover - the visit row says it is there
        raise IntradayError(f"ticket {ticket_id} has no visit in plan {row.id}")
    return PublishedEta(eta, row.id, row.version, row.plan_date)  # type: ignore[arg-type]
