"""Publishing a plan: it becomes the one crews get, and its planned exposure goes into the ledger."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlmodel import Session, col, select

from dispatch.core.domain import HouseholdRisk
from dispatch.core.exposure import household_multiplier, in_home_minutes
from dispatch.core.plan import PlanKind, PlanStatus
from dispatch.core.policy import Policy
from dispatch.core.route import StepProgress
from dispatch.ledger.base import ExposureError, _aware, _policy
from dispatch.ledger.places import ZonesByDay
from dispatch.store.models.exposure import ExposureLedgerRow, LedgerSource, VisitRecordRow
from dispatch.store.models.plans import PlanRow, plan_of
from dispatch.store.models.tickets import tickets_by_id


def publish_plan(session: Session, *, plan_id: int, now: dt.datetime, policy: Policy | None = None) -> None:
    """Make plan ``plan_id`` the one crews get and write its planned exposure to the ledger.

    The plan becomes ``published``, any other published plan of its date ``superseded``, and the
    planned ledger rows of that date are replaced by one row per member of each route's crew and
    visit. Visits already reported stay as actuals: a re-plan's ``done`` steps are skipped, and so
    are, in a nightly plan published again during its day, the visits a crew has since reported.
    """
    _aware("now", now)
    policy = _policy(policy)
    row = session.get(PlanRow, plan_id)
    if row is None:
        raise ExposureError(f"no plan with id {plan_id}: see `dispatch plan list --date D`", field="plan_id")
    day = row.plan_date
    for other in session.exec(
        select(PlanRow).where(PlanRow.plan_date == day, PlanRow.status == PlanStatus.PUBLISHED.value)
    ):
        if other.id != row.id:
            other.status = PlanStatus.SUPERSEDED.value
            session.add(other)
    row.status = PlanStatus.PUBLISHED.value
    row.published_at = now
    session.add(row)

    session.execute(
        delete(ExposureLedgerRow).where(
            col(ExposureLedgerRow.day) == day, col(ExposureLedgerRow.source) == LedgerSource.PLANNED.value
        )
    )
    plan = plan_of(row)
    is_replan = plan.kind is PlanKind.REPLAN or any(s.progress is not None for _, s in plan.visits())
    reported: set[tuple[str, str]] = set()
    if not is_replan:
        reported = {
            (v.ticket_id, v.crew_id)
            for v in session.exec(
                select(VisitRecordRow).where(col(VisitRecordRow.id).in_(_actual_visit_ids(session, day=day)))
            )
        }
    tickets = tickets_by_id(session, ids=plan.served_ticket_ids())
    zones = ZonesByDay(session)
    for route, step in plan.visits():
        ticket_id, crew_id = step.ticket_id or "", route.crew_id
        if step.progress is StepProgress.DONE or (ticket_id, crew_id) in reported:
            continue
        ticket = tickets.get(ticket_id)
        minutes = (step.end - step.start).total_seconds() / 60
        in_home = in_home_minutes(minutes, entered_home=step.indoor, policy=policy)
        place = zones.at(day, ticket.lat if ticket else None, ticket.lon if ticket else None)
        risk = ticket.household_risk if ticket else HouseholdRisk.NONE.value
        for member in route.members:
            session.add(
                ExposureLedgerRow(
                    member_id=member,
                    crew_id=crew_id,
                    ticket_id=ticket_id,
                    day=day,
                    source=LedgerSource.PLANNED.value,
                    plan_id=row.id,
                    homes=int(step.indoor),
                    in_home_min=round(in_home, 2),
                    exposure_min=float(step.exposure_min),
                    zone=place.zone,
                    zone_weight=place.weight,
                    household_risk=risk,
                    household_multiplier=household_multiplier(risk, policy),
                    recorded_at=now,
                )
            )
    session.flush()


def _actual_visit_ids(session: Session, *, day: dt.date) -> list[int]:
    return [
        v
        for v in session.exec(
            select(ExposureLedgerRow.visit_id)
            .where(ExposureLedgerRow.day == day, ExposureLedgerRow.source == LedgerSource.ACTUAL.value)
            .distinct()
        )
        if v is not None
    ]
