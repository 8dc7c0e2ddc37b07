"""Health-safety exposure over days: the per-member ledger, rolling budgets, quarantine, cohorts,
contact tracing and the exposure report.

The ledger (``exposure_ledger``) has one row per crew member per visit:

- **planned** rows are written when a plan is published (:func:`publish_plan`), one per member of
  each route's crew and visit, with the plan's weighted exposure. Publishing another plan of the
  same date replaces them.
- **actual** rows are written when a crew reports a visit (:func:`record_visit`,
  :func:`import_visits`). They replace every planned row of that ticket on that plan date. A
  planned visit never reported keeps counting as planned: the safe assumption for the caps.

Weighted exposure minutes = in-home minutes x zone risk weight x household multiplier, where the
zone weight is that of the riskiest zone valid on the plan date that contains the home (1 outside
zones) and the multiplier comes from the ticket's household risk (policy ``suspected_multiplier``,
``isolating_multiplier``). For a planned visit the in-home minutes are the service time x
``category.indoor_share`` (the plan's own figure, see :func:`dispatch.planning.ticket_exposure_min`);
for a reported visit they are (left - arrived) x ``category.indoor_share`` if the crew entered the
home, else 0: the crew also spends part of a visit outside (meter box, talking at the door), and
the policy's share is what the per-shift caps were set against.

**Rolling window.** For a plan of ``day`` the window is the ``rolling_days`` days ending on
``day``: every ledger row of the ``rolling_days - 1`` days before it counts (actual, or planned where
nothing was reported), plus ``day``'s own visits done (actual rows) or under way (their planned rows),
which matters for an intraday re-plan; ``day``'s other planned rows do not count, because the plan
being made replaces them. What is left of ``max_homes_7d`` and ``max_exposure_min_7d`` is the
member's budget, never below zero; :func:`dispatch.planning.crews_on_shift` turns the tightest
budget of a crew into its caps for the night, and a spent budget into an outdoor-only route.

Library functions take a session and never commit; the command that opened it does.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from dispatch.domain import HouseholdRisk, MemberBudget
from dispatch.importing import ImportReport, _Check, _duplicate, _read_csv, _Row, _settle
from dispatch.models.crews import CrewMemberRow, CrewRow
from dispatch.models.exposure import (
    CohortMoveRow,
    ExposureLedgerRow,
    LedgerSource,
    QuarantineRow,
    VisitOutcome,
    VisitRecordRow,
)
from dispatch.models.plans import PlanKind, PlanRow, PlanStatus
from dispatch.models.tickets import STATUS_CLOSED, STATUS_MERGED, STATUS_OPEN, TicketRow
from dispatch.models.zones import load_zones
from dispatch.planning import ZoneIndex
from dispatch.policy import Policy

# A report may be a few minutes ahead of the server's clock (a phone's clock); more is a typo.
CLOCK_SKEW = dt.timedelta(minutes=10)
# Step ``progress`` of a re-plan's frozen visits (dispatch.intraday): done ones are in the ledger as actuals.
_STEP_DONE = "done"


class ExposureError(ValueError):
    """A ledger, quarantine or cohort operation was refused; the message says why and what to do."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _policy(policy: Policy | None) -> Policy:
    return policy if policy is not None else Policy()


def _tz(policy: Policy) -> ZoneInfo:
    return ZoneInfo(policy.region.timezone)


def _aware(name: str, value: dt.datetime | None) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ExposureError(f"{name}: {value.isoformat()} has no time zone", field=name)


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


# ------------------------------------------------------------------------------------------- zones


@dataclass(frozen=True)
class _Place:
    zone: str
    weight: float


class _Zones:
    """The riskiest zone at a home, from the zones valid on one date (cached per date)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.by_day: dict[dt.date, ZoneIndex] = {}

    def at(self, day: dt.date, lat: float | None, lon: float | None) -> _Place:
        if lat is None or lon is None:
            return _Place("", 1.0)
        if day not in self.by_day:
            self.by_day[day] = ZoneIndex(load_zones(self.session, day=day))
        here = self.by_day[day].at(lon, lat)
        if not here:
            return _Place("", 1.0)
        # The same rule as planning: the highest risk weight among the zones containing the home.
        top = max(here, key=lambda z: (z.risk_weight, z.name))
        return _Place(top.name, top.risk_weight)


def _multiplier(policy: Policy, risk: str) -> float:
    try:
        return policy.household_multiplier(risk)
    except ValueError:
        return 1.0


# ---------------------------------------------------------------------------------- publishing plans


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
    doc = json.loads(row.document)
    is_replan = row.kind == PlanKind.REPLAN.value or any(
        "progress" in s for r in doc.get("routes", []) for s in r.get("steps", [])
    )
    reported: set[tuple[str, str]] = set()
    if not is_replan:
        reported = {
            (v.ticket_id, v.crew_id)
            for v in session.exec(
                select(VisitRecordRow).where(col(VisitRecordRow.id).in_(_actual_visit_ids(session, day=day)))
            )
        }
    visits = [
        (r, s)
        for r in doc.get("routes", [])
        for s in r.get("steps", [])
        if s.get("type") == "visit" and s.get("ticket_id")
    ]
    tickets = _tickets(session, {s["ticket_id"] for _, s in visits})
    zones = _Zones(session)
    share = policy.category.indoor_share
    for route, step in visits:
        ticket_id, crew_id = step["ticket_id"], route["crew_id"]
        if step.get("progress") == _STEP_DONE or (ticket_id, crew_id) in reported:
            continue
        ticket = tickets.get(ticket_id)
        indoor = bool(step.get("indoor"))
        minutes = (dt.datetime.fromisoformat(step["end"]) - dt.datetime.fromisoformat(step["start"])).total_seconds()
        place = zones.at(day, ticket.lat if ticket else None, ticket.lon if ticket else None)
        risk = ticket.household_risk if ticket else HouseholdRisk.NONE.value
        for member in route.get("members", []):
            session.add(
                ExposureLedgerRow(
                    member_id=member,
                    crew_id=crew_id,
                    ticket_id=ticket_id,
                    day=day,
                    source=LedgerSource.PLANNED.value,
                    plan_id=row.id,
                    homes=int(indoor),
                    in_home_min=round(minutes / 60 * share, 2) if indoor else 0.0,
                    exposure_min=float(step.get("exposure_min") or 0.0),
                    zone=place.zone,
                    zone_weight=place.weight,
                    household_risk=risk,
                    household_multiplier=_multiplier(policy, risk),
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


def _tickets(session: Session, ids: Iterable[str]) -> dict[str, TicketRow]:
    ids = sorted(set(ids))
    out: dict[str, TicketRow] = {}
    for i in range(0, len(ids), 500):
        for t in session.exec(select(TicketRow).where(col(TicketRow.ticket_id).in_(ids[i : i + 500]))):
            out[t.ticket_id] = t
    return out


# ---------------------------------------------------------------------------------- recording visits


@dataclass(frozen=True)
class _VisitIn:
    ticket_id: str
    crew_id: str
    arrived_at: dt.datetime
    left_at: dt.datetime | None
    entered_home: bool
    outcome: VisitOutcome | None


def _visit_problems(
    session: Session,
    visit: _VisitIn,
    *,
    now: dt.datetime,
    ticket: TicketRow | None,
    crew_known: bool,
) -> list[tuple[str, str]]:
    """What is wrong with a visit report, as (field, message) pairs; empty when it can be recorded."""
    problems: list[tuple[str, str]] = []
    if ticket is None:
        problems.append(("ticket_id", f"unknown ticket {visit.ticket_id!r}"))
    elif ticket.status == STATUS_MERGED:
        problems.append(
            ("ticket_id", f"ticket {visit.ticket_id} was merged into {ticket.merged_into}; record the visit there")
        )
    elif ticket.status == STATUS_CLOSED and not _in_progress(session, visit.ticket_id, visit.crew_id):
        when = f" at {ticket.closed_at.isoformat()}" if ticket.closed_at else ""
        problems.append(("ticket_id", f"ticket {visit.ticket_id} is already closed (fixed{when})"))
    if not crew_known:
        problems.append(("crew_id", f"unknown crew {visit.crew_id!r}"))
    if visit.arrived_at > now + CLOCK_SKEW:
        problems.append(("arrived", f"{visit.arrived_at.isoformat()} is in the future"))
    if visit.left_at is not None:
        if visit.left_at < visit.arrived_at:
            problems.append(("left", f"{visit.left_at.isoformat()} is before arrived {visit.arrived_at.isoformat()}"))
        elif visit.left_at > now + CLOCK_SKEW:
            problems.append(("left", f"{visit.left_at.isoformat()} is in the future"))
        if visit.outcome is None:
            problems.append(("outcome", "required when left is given (fixed, not_home, escalated or unsafe)"))
    elif visit.outcome is not None:
        problems.append(("left", f"required with outcome {visit.outcome.value} (leave both empty while in progress)"))
    if visit.outcome is VisitOutcome.NOT_HOME and visit.entered_home:
        problems.append(("entered_home", "a not_home visit cannot have entered the home"))
    return problems


def _in_progress(session: Session, ticket_id: str, crew_id: str) -> VisitRecordRow | None:
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
) -> VisitRecordRow:
    """Record what a crew reported about a visit; returns the visit record.

    ``left_at`` and ``outcome`` are both None while the visit is under way; a later report for the
    same ticket and crew completes that record. Once done, ``fixed`` closes the ticket and
    ``not_home``, ``escalated`` and ``unsafe`` return it to the open pool (the visit records are its
    history), and the actual exposure of each member replaces the planned rows of that ticket on that
    plan date. The members are those of the crew's route in the plan (default: the published plan of
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
    visit = _VisitIn(ticket_id, crew_id, arrived_at, left_at, bool(entered_home), result)
    ticket = session.get(TicketRow, ticket_id)
    problems = _visit_problems(
        session, visit, now=now, ticket=ticket, crew_known=session.get(CrewRow, crew_id) is not None
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
    zones: _Zones | None = None,
) -> tuple[VisitRecordRow, bool]:
    """Write a checked visit; returns the record and whether it completed one under way."""
    tz = _tz(policy)
    plan, route = _plan_route(session, visit, plan_id=plan_id, tz=tz)
    day = plan.plan_date if plan is not None else visit.arrived_at.astimezone(tz).date()
    record = _in_progress(session, visit.ticket_id, visit.crew_id)
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

    if route is not None:
        members = list(route.get("members", []))
    else:
        away = unavailable_members(session, day=day)
        members = [
            m.member_id
            for m in session.exec(
                select(CrewMemberRow)
                .where(CrewMemberRow.crew_id == visit.crew_id, col(CrewMemberRow.active))
                .order_by(col(CrewMemberRow.member_id))
            )
            if m.member_id not in away
        ]
    place = (zones or _Zones(session)).at(day, ticket.lat, ticket.lon)
    multiplier = _multiplier(policy, ticket.household_risk)
    minutes = (visit.left_at - visit.arrived_at).total_seconds() / 60
    in_home = minutes * policy.category.indoor_share if visit.entered_home else 0.0
    exposure = round(in_home * place.weight * multiplier, 2)
    record.exposure_min = exposure
    session.add(record)

    # Actuals replace the plan: every planned row of this ticket on this date, and any earlier
    # actual rows of this very visit (a corrected report).
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
                household_multiplier=multiplier,
                recorded_at=now,
            )
        )
    if visit.outcome is VisitOutcome.FIXED:
        ticket.status = STATUS_CLOSED
        ticket.closed_at = visit.left_at
    else:  # not_home, escalated, unsafe: back to the open pool, the record keeps the history
        ticket.status = STATUS_OPEN
        ticket.closed_at = None
    ticket.updated_at = now
    session.add(ticket)
    session.flush()
    return record, completed


def _plan_route(
    session: Session, visit: _VisitIn, *, plan_id: int | None, tz: ZoneInfo
) -> tuple[PlanRow | None, dict[str, Any] | None]:
    """The plan a visit belongs to and the crew's route in it.

    Without ``plan_id``: the published plan of the visit's local date, or of the day before (a
    night shift after midnight), whose route for this crew visits the ticket; else the published
    plan of the visit's date if it routes the crew at all.
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
        if route and any(s.get("ticket_id") == visit.ticket_id for s in route.get("steps", [])):
            return plan, route
    for plan in candidates:
        if plan.plan_date == local and (route := _route(plan, visit.crew_id)) is not None:
            return plan, route
    return None, None


def _route(plan: PlanRow, crew_id: str) -> dict[str, Any] | None:
    for route in json.loads(plan.document).get("routes", []):
        if route.get("crew_id") == crew_id:
            return route
    return None


VISIT_REQUIRED = ("ticket_id", "crew_id", "arrived", "left", "entered_home", "outcome")
VISIT_OPTIONAL = ("note", "plan_id")


@dataclass
class _VisitRow:
    row: _Row
    visit: _VisitIn
    ticket: TicketRow
    plan_id: int | None
    note: str


def import_visits(
    session: Session,
    path: Path | str,
    *,
    policy: Policy | None = None,
    rejects: Path | str | None = None,
    now: dt.datetime | None = None,
) -> ImportReport:
    """Import visit reports from a CSV file (``dispatch import visits FILE``).

    Columns ``ticket_id, crew_id, arrived, left, entered_home, outcome`` (``left`` and ``outcome``
    empty while a visit is under way) and optional ``note``, ``plan_id``; times are ISO 8601, local
    to the region without an offset. Rows are applied in order of arrival, as
    :func:`record_visit` would; ``inserted`` counts new visit records and ``updated`` visits under
    way that a row completed. The whole file or nothing, unless ``rejects`` is given (see
    :mod:`dispatch.importing`).
    """
    policy = _policy(policy)
    now = now if now is not None else dt.datetime.now(dt.UTC)
    _aware("now", now)
    tz = _tz(policy)
    rejects = Path(rejects) if rejects is not None else None
    table = _read_csv(Path(path), required=VISIT_REQUIRED, optional=VISIT_OPTIONAL)
    report = ImportReport(kind="visits", file=table.label)
    tickets = _tickets(session, (row.values.get("ticket_id", "") for row in table.rows))
    crews = set(session.exec(select(CrewRow.crew_id)).all())
    plans = set(session.exec(select(PlanRow.id)).all())

    parsed: list[_VisitRow] = []
    seen: dict[Any, int] = {}
    for row in table.rows:
        check = _Check(row)
        ticket_id = check.text("ticket_id", required=True)
        crew_id = check.text("crew_id", required=True)
        arrived = check.moment("arrived", tz=tz, required=True)
        left = check.moment("left", tz=tz)
        entered = check.flag("entered_home")
        if entered is None and not check.text("entered_home"):
            row.problem("entered_home", "required: true or false")
        outcome = check.choice("outcome", VisitOutcome)
        plan_id = check.whole("plan_id", lo=1)
        if plan_id is not None and plan_id not in plans:
            row.problem("plan_id", f"no plan with id {plan_id}")
        if row.problems or arrived is None or not ticket_id or not crew_id:
            continue
        visit = _VisitIn(ticket_id, crew_id, arrived, left, bool(entered), outcome)
        for name, message in _visit_problems(
            session, visit, now=now, ticket=tickets.get(ticket_id), crew_known=crew_id in crews
        ):
            row.problem(name, message)
        if row.problems or _duplicate(row, "arrived", (ticket_id, crew_id, arrived.isoformat()), seen):
            continue
        parsed.append(_VisitRow(row, visit, tickets[ticket_id], plan_id, check.text("note")))

    # Within the file: nothing may follow the visit that fixed a ticket.
    parsed.sort(key=lambda v: (v.visit.arrived_at, v.row.line))
    fixed_on: dict[str, _VisitRow] = {}
    for v in parsed:
        first = fixed_on.get(v.visit.ticket_id)
        if first is not None:
            v.row.problem(
                "ticket_id",
                f"ticket {v.visit.ticket_id} is fixed on row {first.row.line} "
                f"({first.visit.arrived_at.isoformat()}); a later visit cannot follow",
            )
        elif v.visit.outcome is VisitOutcome.FIXED:
            fixed_on[v.visit.ticket_id] = v

    good = {id(row) for row in _settle(table, report, rejects)}
    zones = _Zones(session)
    for v in parsed:
        if id(v.row) not in good:
            continue
        _, completed = _store_visit(
            session, v.visit, ticket=v.ticket, now=now, plan_id=v.plan_id, note=v.note, policy=policy, zones=zones
        )
        if completed:
            report.updated += 1
        else:
            report.inserted += 1
    session.flush()
    return report


# ------------------------------------------------------------------------------ budgets, quarantine


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


def quarantine_member(
    session: Session,
    *,
    member_id: str,
    until: dt.date,
    reason: str,
    now: dt.datetime,
    start: dt.date | None = None,
    policy: Policy | None = None,
) -> QuarantineRow:
    """Keep ``member_id`` off work from ``start`` (default: today, region time) to ``until``, both included.

    A member already in quarantine on ``start`` gets that quarantine's end date and reason changed
    (extended or cut short) rather than a second, overlapping one.
    """
    _aware("now", now)
    policy = _policy(policy)
    member = session.get(CrewMemberRow, member_id)
    if member is None:
        raise ExposureError(f"no member {member_id!r}: members come from crews.csv", field="member_id")
    start = start or now.astimezone(_tz(policy)).date()
    if until < start:
        raise ExposureError(f"--until {until} is before the quarantine starts ({start})", field="until")
    row = session.exec(
        select(QuarantineRow)
        .where(QuarantineRow.member_id == member_id, QuarantineRow.start <= start, QuarantineRow.until >= start)
        .order_by(col(QuarantineRow.start))
    ).first()
    if row is None:
        row = QuarantineRow(member_id=member_id, start=start, until=until, reason=reason, created_at=now)
    else:
        row.until = until
        row.reason = reason or row.reason
    session.add(row)
    session.flush()
    return row


def published_plans_with(session: Session, *, member_id: str, first: dt.date, last: dt.date) -> list[PlanRow]:
    """Published plans of [first, last] that route ``member_id`` (to warn that they need a re-plan)."""
    rows = session.exec(
        select(PlanRow)
        .where(
            PlanRow.status == PlanStatus.PUBLISHED.value,
            col(PlanRow.plan_date) >= first,
            col(PlanRow.plan_date) <= last,
        )
        .order_by(col(PlanRow.plan_date))
    )
    return [p for p in rows if any(member_id in r.get("members", []) for r in json.loads(p.document).get("routes", []))]


def move_member(
    session: Session,
    *,
    member_id: str,
    to_crew: str,
    on: dt.date,
    now: dt.datetime,
    policy: Policy | None = None,
) -> CohortMoveRow:
    """Move a member to another crew (cohort) from ``on``; the change takes effect at once.

    Refused while the member has exposure with the old crew (planned or actual ledger rows) on any
    of the ``cohort_cooling_off_days`` days before ``on``, or on ``on`` or later (a published plan):
    the error says from which date the move is allowed.
    """
    _aware("now", now)
    policy = _policy(policy)
    member = session.get(CrewMemberRow, member_id)
    if member is None:
        raise ExposureError(f"no member {member_id!r}: members come from crews.csv", field="member_id")
    if not member.active:
        raise ExposureError(f"member {member_id} is inactive (no longer listed in crews.csv)", field="member_id")
    if session.get(CrewRow, to_crew) is None:
        raise ExposureError(f"no crew {to_crew!r}", field="to_crew")
    old = member.crew_id
    if old == to_crew:
        raise ExposureError(f"member {member_id} is already in crew {to_crew}", field="to_crew")
    cooling = policy.exposure.cohort_cooling_off_days
    last = session.exec(
        select(ExposureLedgerRow)
        .where(ExposureLedgerRow.member_id == member_id, ExposureLedgerRow.crew_id == old)
        .order_by(col(ExposureLedgerRow.day).desc())
    ).first()
    if last is not None and last.day >= on - dt.timedelta(days=cooling):
        allowed = last.day + dt.timedelta(days=cooling + 1)
        raise ExposureError(
            f"member {member_id} cannot move from crew {old} to {to_crew} on {on}: last exposure with {old} "
            f"on {last.day} (ticket {last.ticket_id}, {last.source}); the cooling-off period is {cooling} days, "
            f"so the move is allowed from {allowed}",
            field="on",
        )
    member.crew_id = to_crew
    session.add(member)
    move = CohortMoveRow(member_id=member_id, from_crew=old, to_crew=to_crew, move_date=on, created_at=now)
    session.add(move)
    session.flush()
    return move


@dataclass(frozen=True)
class MemberStatus:
    member_id: str
    crew_id: str
    active: bool
    unavailable: str | None
    homes_left: int | None
    exposure_min_left: float | None


def list_members(session: Session, *, day: dt.date, policy: Policy) -> list[MemberStatus]:
    """Every member with their crew, quarantine on ``day`` and rolling budget for a plan of ``day``."""
    away = unavailable_members(session, day=day)
    budgets = member_budgets(session, day=day, policy=policy)
    out = []
    for m in session.exec(select(CrewMemberRow).order_by(col(CrewMemberRow.crew_id), col(CrewMemberRow.member_id))):
        b = budgets.get(m.member_id)
        out.append(
            MemberStatus(
                member_id=m.member_id,
                crew_id=m.crew_id,
                active=m.active,
                unavailable=away.get(m.member_id),
                homes_left=b.homes_left if b else None,
                exposure_min_left=b.exposure_min_left if b else None,
            )
        )
    return out


# ------------------------------------------------------------------------------------- contact tracing


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
    tickets = _tickets(session, (r.ticket_id for r in mine))
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
        for route in json.loads(plan.document).get("routes", []):
            if member_id in route.get("members", []):
                pairs.add((plan.plan_date, route["crew_id"]))
                for other in route["members"]:
                    if other != member_id:
                        shared[other]["crews"].add(route["crew_id"])
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


# ---------------------------------------------------------------------------------------------- report


@dataclass(frozen=True)
class ReportRow:
    """One worker on one day: that day's homes and weighted minutes, and the rolling totals."""

    member_id: str
    crew_id: str
    day: dt.date
    homes: int
    exposure_min: float
    source: str  # actual, planned, mixed, or "" on a day without visits
    rolling_homes: int
    rolling_exposure_min: float
    over_shift_cap: bool
    over_rolling_cap: bool


@dataclass(frozen=True)
class WorkerSummary:
    member_id: str
    crew_id: str
    homes: int
    exposure_min: float
    peak_rolling_homes: int
    peak_rolling_exposure_min: float
    peak_share: float  # the highest rolling total as a share of its cap (1.0 = at the cap)
    days_over_cap: int


@dataclass(frozen=True)
class ExposureReport:
    start: dt.date
    end: dt.date
    rolling_days: int
    caps: dict[str, float]
    workers: tuple[WorkerSummary, ...]  # highest-exposed first
    rows: tuple[ReportRow, ...]  # by worker (in ``workers`` order), then day

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "rolling_days": self.rolling_days,
            "caps": self.caps,
            "workers": [asdict(w) for w in self.workers],
            "rows": [{**asdict(r), "day": r.day.isoformat()} for r in self.rows],
        }


def exposure_report(session: Session, *, start: dt.date, end: dt.date, policy: Policy) -> ExposureReport:
    """Per worker per day: homes entered and weighted minutes against the per-shift caps, and the
    rolling totals (the ``rolling_days`` days ending that day) against the rolling caps; workers
    ordered highest-exposed first (by their peak rolling total as a share of its cap)."""
    if end < start:
        raise ExposureError(f"--to {end} is before --from {start}", field="to")
    caps = policy.exposure
    window = caps.rolling_days
    first = start - dt.timedelta(days=window - 1)
    homes: dict[tuple[str, dt.date], int] = defaultdict(int)
    minutes: dict[tuple[str, dt.date], float] = defaultdict(float)
    sources: dict[tuple[str, dt.date], set[str]] = defaultdict(set)
    crew_on: dict[tuple[str, dt.date], str] = {}
    for r in session.exec(
        select(ExposureLedgerRow).where(col(ExposureLedgerRow.day) >= first, col(ExposureLedgerRow.day) <= end)
    ):
        key = (r.member_id, r.day)
        homes[key] += r.homes
        minutes[key] += r.exposure_min
        sources[key].add(r.source)
        crew_on[key] = r.crew_id
    current = {m.member_id: (m.crew_id, m.active) for m in session.exec(select(CrewMemberRow))}
    members = {m for m, (_, active) in current.items() if active} | {m for m, _ in homes}

    days = _days(start, end)
    rows_by: dict[str, list[ReportRow]] = {}
    summaries = []
    for m in members:
        out = []
        for day in days:
            span = _days(day - dt.timedelta(days=window - 1), day)
            r_homes = sum(homes.get((m, d), 0) for d in span)
            r_min = round(sum(minutes.get((m, d), 0.0) for d in span), 2)
            h, e = homes.get((m, day), 0), round(minutes.get((m, day), 0.0), 2)
            src = sources.get((m, day), set())
            out.append(
                ReportRow(
                    member_id=m,
                    crew_id=crew_on.get((m, day)) or current.get(m, ("", False))[0],
                    day=day,
                    homes=h,
                    exposure_min=e,
                    source="mixed" if len(src) > 1 else next(iter(src), ""),
                    rolling_homes=r_homes,
                    rolling_exposure_min=r_min,
                    over_shift_cap=h > caps.max_homes_per_shift or e > caps.max_exposure_min_per_shift + 1e-6,
                    over_rolling_cap=r_homes > caps.max_homes_7d or r_min > caps.max_exposure_min_7d + 1e-6,
                )
            )
        rows_by[m] = out
        peak_share = max(
            (max(_share(r.rolling_homes, caps.max_homes_7d), _share(r.rolling_exposure_min, caps.max_exposure_min_7d))
             for r in out),
            default=0.0,
        )  # fmt: skip
        summaries.append(
            WorkerSummary(
                member_id=m,
                crew_id=current.get(m, (out[-1].crew_id if out else "", False))[0],
                homes=sum(r.homes for r in out),
                exposure_min=round(sum(r.exposure_min for r in out), 2),
                peak_rolling_homes=max((r.rolling_homes for r in out), default=0),
                peak_rolling_exposure_min=max((r.rolling_exposure_min for r in out), default=0.0),
                peak_share=round(peak_share, 4),
                days_over_cap=sum(1 for r in out if r.over_shift_cap or r.over_rolling_cap),
            )
        )
    summaries.sort(key=lambda w: (-w.peak_share, -w.exposure_min, -w.homes, w.member_id))
    return ExposureReport(
        start=start,
        end=end,
        rolling_days=window,
        caps={
            "max_homes_per_shift": caps.max_homes_per_shift,
            "max_exposure_min_per_shift": caps.max_exposure_min_per_shift,
            "max_homes_rolling": caps.max_homes_7d,
            "max_exposure_min_rolling": caps.max_exposure_min_7d,
        },
        workers=tuple(summaries),
        rows=tuple(r for w in summaries for r in rows_by[w.member_id]),
    )


def _share(value: float, cap: float) -> float:
    if cap <= 0:
        return math.inf if value > 0 else 0.0
    return value / cap


# Matplotlib's default colours without its grey (C7): grey marks the workers not singled out.
_PALETTE = ("C0", "C1", "C2", "C3", "C4", "C5", "C6", "C8", "C9")


def write_exposure_chart(report: ExposureReport, path: Path | str, *, highlight: int = 8) -> Path:
    """A PNG of each worker's rolling weighted minutes and rolling homes against the cap lines.

    Crew-mates with identical figures share one line (labelled with all their ids). The
    ``highlight`` most exposed lines are drawn in colour and named; the others in grey.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    path = Path(path)
    days = _days(report.start, report.end)
    by_member: dict[str, list[ReportRow]] = defaultdict(list)
    for r in report.rows:
        by_member[r.member_id].append(r)
    # One line per distinct pair of series, in the report's order (most exposed first).
    lines: dict[tuple[tuple[float, ...], tuple[float, ...]], list[WorkerSummary]] = {}
    for w in report.workers:
        rows = by_member[w.member_id]
        key = (tuple(r.rolling_exposure_min for r in rows), tuple(float(r.rolling_homes) for r in rows))
        lines.setdefault(key, []).append(w)
    fig, axes = plt.subplots(2, 1, figsize=(11, 8), sharex=True)
    for panel, (ax, cap_key, label) in enumerate(
        (
            (axes[0], "max_exposure_min_rolling", "weighted minutes"),
            (axes[1], "max_homes_rolling", "homes entered"),
        )
    ):
        ranked = list(enumerate(lines.items()))
        for rank, (key, workers) in reversed(ranked):
            values = key[panel]
            if rank < highlight:
                crews = sorted({w.crew_id for w in workers})
                name = f"{', '.join(w.member_id for w in workers)} ({', '.join(crews)})"
                color = _PALETTE[rank % len(_PALETTE)]
                ax.plot(days, values, color=color, linewidth=1.8, marker="o", markersize=3, label=name, zorder=3)
            else:
                ax.plot(days, values, color="0.75", linewidth=0.8, zorder=2)
        cap = report.caps[cap_key]
        ax.axhline(cap, color="red", linestyle="--", linewidth=1.5, label=f"cap {cap:g}", zorder=4)
        ax.set_ylabel(f"{label}, last {report.rolling_days} days")
        ax.set_ylim(bottom=0)
        ax.grid(True, alpha=0.3)
        handles, labels = ax.get_legend_handles_labels()
        ax.legend(handles[::-1], labels[::-1], fontsize=7, loc="upper left", ncol=2, framealpha=0.85)
    axes[1].xaxis.set_major_locator(mdates.DayLocator(interval=max(1, len(days) // 15)))
    axes[1].xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    axes[0].set_title(f"Rolling exposure per worker, {report.start} to {report.end} (most exposed in colour)")
    fig.autofmt_xdate()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


__all__ = [
    "ExposureError",
    "ExposureReport",
    "MemberStatus",
    "ReportRow",
    "Trace",
    "TracedCoworker",
    "TracedHousehold",
    "WorkerSummary",
    "exposure_report",
    "import_visits",
    "list_members",
    "member_budgets",
    "move_member",
    "publish_plan",
    "published_plans_with",
    "quarantine_member",
    "record_visit",
    "trace",
    "unavailable_members",
    "write_exposure_chart",
]
