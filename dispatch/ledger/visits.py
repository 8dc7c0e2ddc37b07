"""Recording crews' visits: actual exposure replaces the planned one; outcomes close or reopen tickets."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import delete
from sqlmodel import Session, col, select

from dispatch.core.clock import future_problem
from dispatch.core.exposure import Place, household_multiplier, in_home_minutes, weighted_minutes
from dispatch.core.plan import PlanStatus
from dispatch.core.policy import Policy
from dispatch.core.route import Route
from dispatch.ledger.base import ExposureError, _aware, _policy, _tz
from dispatch.ledger.budgets import unavailable_members
from dispatch.ledger.places import ZonesByDay
from dispatch.store.models.crews import CrewMemberRow, CrewRow
from dispatch.store.models.exposure import ExposureLedgerRow, LedgerSource, VisitOutcome, VisitRecordRow
from dispatch.store.models.plans import PlanRow, plan_of
from dispatch.store.models.tickets import STATUS_CLOSED, STATUS_MERGED, STATUS_OPEN, TicketRow

# A reported stay inside one home longer than a whole day is a typo.
MAX_IN_HOME_MIN = 24 * 60


@dataclass(frozen=True)
class _VisitIn:
    ticket_id: str
    crew_id: str
    arrived_at: dt.datetime
    left_at: dt.datetime | None
    entered_home: bool
    outcome: VisitOutcome | None
    in_home_min: float | None = None  # reported by the crew; None: (left - arrived) x indoor share


def _visit_problems(
    session: Session,
    visit: _VisitIn,
    *,
    now: dt.datetime,
    ticket: TicketRow | None,
    crew_known: bool,
    policy: Policy,
) -> list[tuple[str, str]]:
    """What is wrong with a visit report, as (field, message) pairs; empty when it can be recorded.

    Times follow the one clock rule (:func:`dispatch.core.clock.future_problem`): nothing later than
    now plus ``region.max_clock_skew_min``, and no arrival that much before the ticket was reported."""
    tz = _tz(policy)
    skew = policy.region.max_clock_skew_min
    problems: list[tuple[str, str]] = []
    if ticket is None:
        problems.append(("ticket_id", f"unknown ticket {visit.ticket_id!r}"))
    elif ticket.status == STATUS_MERGED:
        problems.append(
            ("ticket_id", f"ticket {visit.ticket_id} was merged into {ticket.merged_into}; record the visit there")
        )
    elif ticket.status == STATUS_CLOSED and not visit_in_progress(
        session, ticket_id=visit.ticket_id, crew_id=visit.crew_id
    ):
        when = f" at {ticket.closed_at.astimezone(tz).isoformat()}" if ticket.closed_at else ""  # the region's time
        problems.append(("ticket_id", f"ticket {visit.ticket_id} is already closed (fixed{when})"))
    if not crew_known:
        problems.append(("crew_id", f"unknown crew {visit.crew_id!r}"))
    if future := future_problem(visit.arrived_at, now=now, skew_min=skew, tz=tz):
        problems.append(("arrived", future))
    elif ticket is not None and visit.arrived_at < ticket.reported_at - policy.region.max_clock_skew:
        problems.append(
            (
                "arrived",
                f"{visit.arrived_at.isoformat()} is before ticket {ticket.ticket_id} was reported "
                f"({ticket.reported_at.astimezone(visit.arrived_at.tzinfo or tz).isoformat()})",
            )
        )
    if visit.left_at is not None:
        if visit.left_at < visit.arrived_at:
            problems.append(("left", f"{visit.left_at.isoformat()} is before arrived {visit.arrived_at.isoformat()}"))
        elif future := future_problem(visit.left_at, now=now, skew_min=skew, tz=tz):
            problems.append(("left", future))
        if visit.outcome is None:
            problems.append(("outcome", f"required when left is given ({', '.join(o.value for o in VisitOutcome)})"))
    elif visit.outcome is not None:
        problems.append(("left", f"required with outcome {visit.outcome.value} (leave both empty while in progress)"))
    if visit.outcome is VisitOutcome.NOT_HOME and visit.entered_home:
        problems.append(("entered_home", "a not_home visit cannot have entered the home"))
    if visit.in_home_min is not None and not 0 <= visit.in_home_min <= MAX_IN_HOME_MIN:
        problems.append(("in_home_min", f"{visit.in_home_min} is not between 0 and {MAX_IN_HOME_MIN} minutes"))
    return problems


def visits_on(
    session: Session,
    *,
    day: dt.date,
    tz: ZoneInfo,
    crew_id: str | None = None,
    recorded_after: dt.datetime | None = None,
) -> list[VisitRecordRow]:
    """The visits of ``day``: those reported against a plan of that date (a night shift's visits after
    midnight included, as in the ledger), and those reported against no plan that arrived on that date in
    ``tz``; only ``crew_id``'s if given. By arrival, or with ``recorded_after``, only those recorded (or
    completed) after it, by that time."""
    since = dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz)
    plans = select(PlanRow.id).where(PlanRow.plan_date == day)
    query = select(VisitRecordRow).where(
        col(VisitRecordRow.plan_id).in_(plans)
        | (
            col(VisitRecordRow.plan_id).is_(None)
            & (col(VisitRecordRow.arrived_at) >= since)
            & (col(VisitRecordRow.arrived_at) < since + dt.timedelta(days=1))
        )
    )
    if crew_id:
        query = query.where(VisitRecordRow.crew_id == crew_id)
    if recorded_after is not None:
        query = query.where(col(VisitRecordRow.recorded_at) > recorded_after)
        order = (col(VisitRecordRow.recorded_at), col(VisitRecordRow.id))
    else:
        order = (col(VisitRecordRow.arrived_at), col(VisitRecordRow.id))
    return list(session.exec(query.order_by(*order)))


def visit_in_progress(session: Session, *, ticket_id: str, crew_id: str) -> VisitRecordRow | None:
    """The crew's newest visit to the ticket that has an arrival and no departure yet, if any."""
    return session.exec(
        select(VisitRecordRow)
        .where(
            VisitRecordRow.ticket_id == ticket_id,
            VisitRecordRow.crew_id == crew_id,
            col(VisitRecordRow.left_at).is_(None),
        )
        .order_by(col(VisitRecordRow.arrived_at).desc())
    ).first()


def record_visit(
    session: Session,
    *,
    ticket_id: str,
    crew_id: str,
    arrived_at: dt.datetime,
    left_at: dt.datetime | None,
    entered_home: bool,
    outcome: VisitOutcome | str | None,
    now: dt.datetime,
    plan_id: int | None = None,
    note: str = "",
    policy: Policy | None = None,
    in_home_min: float | None = None,
) -> VisitRecordRow:
    """Record what a crew reported about a visit; returns the visit record.

    ``left_at`` and ``outcome`` are both None while the visit is under way; a later report for the
    same ticket and crew completes that record. Once done, ``fixed`` closes the ticket and every other
    outcome returns it to the open pool (the visit records are its history), and the actual exposure of
    each member replaces the planned rows of that ticket on that plan date: ``in_home_min`` minutes
    inside the home as the crew reported them (the phone page does), else (left - arrived) x
    ``category.indoor_share``. The members are those of the crew's route in the plan (default: the published plan of
    the visit's date that routes this crew), else the crew's active members who are not quarantined.
    """
    policy = _policy(policy)
    for name, value in (("arrived", arrived_at), ("left", left_at), ("now", now)):
        _aware(name, value)
    try:
        result = VisitOutcome(outcome) if outcome is not None else None
    except ValueError as exc:
        choices = ", ".join(o.value for o in VisitOutcome)
        raise ExposureError(f"outcome: unknown value {outcome!r}; expected one of {choices}", field="outcome") from exc
    visit = _VisitIn(ticket_id, crew_id, arrived_at, left_at, bool(entered_home), result, in_home_min)
    ticket = session.get(TicketRow, ticket_id)
    problems = _visit_problems(
        session, visit, now=now, ticket=ticket, crew_known=session.get(CrewRow, crew_id) is not None, policy=policy
    )
    if plan_id is not None and session.get(PlanRow, plan_id) is None:
        problems.append(("plan_id", f"no plan with id {plan_id}"))
    if problems:
        name, message = problems[0]
        raise ExposureError(f"{name}: {message}", field=name)
    assert ticket is not None
    record, _ = _store_visit(session, visit, ticket=ticket, now=now, plan_id=plan_id, note=note, policy=policy)
    return record


def _store_visit(
    session: Session,
    visit: _VisitIn,
    *,
    ticket: TicketRow,
    now: dt.datetime,
    plan_id: int | None,
    note: str,
    policy: Policy,
    zones: ZonesByDay | None = None,
) -> tuple[VisitRecordRow, bool]:
    """Write a checked visit; returns the record and whether it completed one under way."""
    tz = _tz(policy)
    plan, route = _plan_route(session, visit, plan_id=plan_id, tz=tz)
    day = plan.plan_date if plan is not None else visit.arrived_at.astimezone(tz).date()
    record = visit_in_progress(session, ticket_id=visit.ticket_id, crew_id=visit.crew_id)
    completed = record is not None
    if record is None:
        record = VisitRecordRow(ticket_id=visit.ticket_id, crew_id=visit.crew_id, arrived_at=visit.arrived_at,
                                recorded_at=now)  # fmt: skip
    record.arrived_at = visit.arrived_at
    record.left_at = visit.left_at
    record.entered_home = visit.entered_home
    record.outcome = visit.outcome.value if visit.outcome else None
    record.plan_id = plan.id if plan is not None else record.plan_id
    record.recorded_at = now
    record.note = note or record.note
    session.add(record)
    session.flush()
    if visit.left_at is None:
        return record, completed  # under way: the planned exposure stands until the crew reports back

    members = list(route.members) if route is not None else _members_on_duty(session, crew_id=visit.crew_id, day=day)
    _write_actuals(session, visit, record, ticket=ticket, members=members, day=day, now=now, policy=policy,
                   place=(zones or ZonesByDay(session)).at(day, ticket.lat, ticket.lon))  # fmt: skip
    if visit.outcome is VisitOutcome.FIXED:
        ticket.status = STATUS_CLOSED
        ticket.closed_at = visit.left_at
    else:  # any other outcome: back to the open pool, the record keeps the history
        ticket.status = STATUS_OPEN
        ticket.closed_at = None
    ticket.updated_at = now
    session.add(ticket)
    session.flush()
    return record, completed


def _members_on_duty(session: Session, *, crew_id: str, day: dt.date) -> list[str]:
    """The crew's active members not quarantined on ``day`` (for a visit outside any published route)."""
    away = unavailable_members(session, day=day)
    return [
        m.member_id
        for m in session.exec(
            select(CrewMemberRow)
            .where(CrewMemberRow.crew_id == crew_id, col(CrewMemberRow.active))
            .order_by(col(CrewMemberRow.member_id))
        )
        if m.member_id not in away
    ]


def _write_actuals(
    session: Session,
    visit: _VisitIn,
    record: VisitRecordRow,
    *,
    ticket: TicketRow,
    members: list[str],
    day: dt.date,
    now: dt.datetime,
    policy: Policy,
    place: Place,
) -> None:
    """The visit's actual exposure (the one rule), on the record and as one ledger row per member;
    actuals replace every planned row of the ticket on that date and any earlier rows of this visit."""
    assert visit.left_at is not None
    minutes = (visit.left_at - visit.arrived_at).total_seconds() / 60
    in_home = in_home_minutes(minutes, entered_home=visit.entered_home, policy=policy)
    if visit.in_home_min is not None:
        in_home = float(visit.in_home_min) if visit.entered_home else 0.0
    exposure = weighted_minutes(in_home, place=place, risk=ticket.household_risk, policy=policy)
    record.exposure_min = exposure
    session.add(record)
    session.execute(
        delete(ExposureLedgerRow).where(
            col(ExposureLedgerRow.day) == day,
            col(ExposureLedgerRow.ticket_id) == visit.ticket_id,
            col(ExposureLedgerRow.source) == LedgerSource.PLANNED.value,
        )
    )
    session.execute(delete(ExposureLedgerRow).where(col(ExposureLedgerRow.visit_id) == record.id))
    for member in members:
        session.add(
            ExposureLedgerRow(
                member_id=member,
                crew_id=visit.crew_id,
                ticket_id=visit.ticket_id,
                day=day,
                source=LedgerSource.ACTUAL.value,
                plan_id=record.plan_id,
                visit_id=record.id,
                homes=int(visit.entered_home),
                in_home_min=round(in_home, 2),
                exposure_min=exposure,
                zone=place.zone,
                zone_weight=place.weight,
                household_risk=ticket.household_risk,
                household_multiplier=household_multiplier(ticket.household_risk, policy),
                recorded_at=now,
            )
        )


def _plan_route(
    session: Session, visit: _VisitIn, *, plan_id: int | None, tz: ZoneInfo
) -> tuple[PlanRow | None, Route | None]:
    """The plan a visit belongs to and the crew's route in it.

    Without ``plan_id``: the published plan of the visit's local date, or of the day before if the
    crew's shift there runs past midnight (a night shift), whose route for this crew visits the ticket;
    else the published plan of the visit's date if it routes the crew at all.
    """
    if plan_id is not None:
        plan = session.get(PlanRow, plan_id)
        return plan, _route(plan, visit.crew_id) if plan is not None else None
    local = visit.arrived_at.astimezone(tz).date()
    candidates = []
    for day in (local, local - dt.timedelta(days=1)):
        plan = session.exec(
            select(PlanRow).where(PlanRow.plan_date == day, PlanRow.status == PlanStatus.PUBLISHED.value)
        ).first()
        if plan is not None:
            candidates.append(plan)
    for plan in candidates:
        route = _route(plan, visit.crew_id)
        # The day before's route only for a shift that runs past midnight: a day shift's stop visited the
        # next day is a visit of that day.
        past_midnight = route is not None and route.shift.end.astimezone(tz).date() > plan.plan_date
        if route and visit.ticket_id in route.ticket_ids and (plan.plan_date == local or past_midnight):
            return plan, route
    for plan in candidates:
        if plan.plan_date == local and (route := _route(plan, visit.crew_id)) is not None:
            return plan, route
    return None, None


def _route(plan: PlanRow, crew_id: str) -> Route | None:
    return plan_of(plan).route(crew_id)
