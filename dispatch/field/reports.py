"""A crew's status report (on the way, arrived, done, not done) turned into the ledger's visit records.

- **on the way**: kept as a report (and its position, if sent); no visit yet.
- **arrived**: a visit under way (``record_visit`` without a departure).
- **done**: the visit ends ``fixed``; **not done** ends with the outcome of its reason (``not_home``,
  ``unsafe``, ``needs_skill``, ``needs_material``), and the ticket returns to the open pool.

A finished visit starts at the crew's arrival report, if it sent one; otherwise at the report's time less
the planned service minutes (done) or less the minutes inside the home (not done). Whether the crew
entered the home defaults to the stop being indoor (done) or not (not done); the minutes inside default
to the planned in-home minutes (service minutes x ``category.indoor_share``). A position sent with a
report becomes the crew's position (source ``phone``).

A crew reports only stops that one of the day's published revisions gave it (a stop moved to another
crew since, but visited before the phone heard of it, still counts); any other ticket is refused. The
phone's report id makes a resend harmless: the same id is answered from the stored report, once applied.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from dispatch.core.clock import future_problem
from dispatch.core.exposure import in_home_minutes
from dispatch.core.plan import PlanStatus
from dispatch.core.policy import Policy
from dispatch.field.errors import ProblemCode, RefusalReason, Refused, ReportProblem
from dispatch.intraday.model import IntradayError
from dispatch.intraday.persist import record_position
from dispatch.ledger.base import ExposureError
from dispatch.ledger.visits import record_visit, visit_in_progress
from dispatch.outages.loop import restore_if_asset_job
from dispatch.store.models.exposure import VisitOutcome, VisitRecordRow
from dispatch.store.models.field import CrewLinkRow, CrewReportRow
from dispatch.store.models.plans import PlanRow, PlanVisitRow

MAX_REPORT_ID = 64  # characters; the page sends a UUID (36)


class ReportStatus(StrEnum):
    ON_THE_WAY = "on_the_way"
    ARRIVED = "arrived"
    DONE = "done"
    NOT_DONE = "not_done"


class NotDoneReason(StrEnum):
    NOT_HOME = "not_home"
    UNSAFE = "unsafe"
    NEEDS_SKILL = "needs_skill"
    NEEDS_MATERIAL = "needs_material"


# The ledger outcome a report ends a visit with.
OUTCOME: dict[NotDoneReason | None, VisitOutcome] = {
    None: VisitOutcome.FIXED,
    NotDoneReason.NOT_HOME: VisitOutcome.NOT_HOME,
    NotDoneReason.UNSAFE: VisitOutcome.UNSAFE,
    NotDoneReason.NEEDS_SKILL: VisitOutcome.NEEDS_SKILL,
    NotDoneReason.NEEDS_MATERIAL: VisitOutcome.NEEDS_MATERIAL,
}


@dataclass(frozen=True)
class CrewReport:
    """One report as the phone sent it."""

    report_id: str
    ticket_id: str
    status: ReportStatus
    at: dt.datetime
    reason: NotDoneReason | None = None
    entered_home: bool | None = None  # None: the default for the status and stop
    in_home_min: float | None = None  # None: the planned in-home minutes
    lat: float | None = None
    lon: float | None = None

    @classmethod
    def from_json(cls, data: Any) -> CrewReport:
        """A report from the phone's JSON object; :class:`ReportProblem` (``invalid``) names the first bad field."""
        if not isinstance(data, dict):
            raise _invalid("report", "expected a JSON object")
        report_id = _text(data, "report_id")
        if len(report_id) > MAX_REPORT_ID:
            raise _invalid("report_id", f"longer than {MAX_REPORT_ID} characters")
        status = _choice(data, "status", ReportStatus)
        reason = _choice(data, "reason", NotDoneReason) if data.get("reason") is not None else None
        if status is ReportStatus.NOT_DONE and reason is None:
            raise _invalid("reason", f"required with not_done ({', '.join(NotDoneReason)})")
        if status is not ReportStatus.NOT_DONE and reason is not None:
            raise _invalid("reason", f"only with not_done, not with {status.value}")
        try:
            at = dt.datetime.fromisoformat(_text(data, "at"))
        except ValueError:
            raise _invalid("at", f"{data['at']!r} is not an ISO 8601 time") from None
        if at.utcoffset() is None:
            raise _invalid("at", f"{data['at']!r} has no UTC offset")
        entered = data.get("entered_home")
        if entered is not None and not isinstance(entered, bool):
            raise _invalid("entered_home", f"expected true or false, got {entered!r}")
        lat, lon = _number(data, "lat"), _number(data, "lon")
        if (lat is None) != (lon is None):
            raise _invalid("lat" if lat is None else "lon", "a position needs both lat and lon")
        if lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise _invalid("lat", f"({lat}, {lon}) is not a latitude/longitude")
        in_home = _number(data, "in_home_min")
        if in_home is not None and in_home < 0:
            raise _invalid("in_home_min", f"{in_home} is negative")
        return cls(report_id, _text(data, "ticket_id"), status, at, reason, entered, in_home, lat, lon)

    def same_as(self, row: CrewReportRow) -> bool:
        """Whether a stored report is this one (a resend), not another report under the same id."""
        return (
            row.ticket_id == self.ticket_id
            and row.status == self.status.value
            and row.reason == (self.reason.value if self.reason else None)
            and row.at == self.at
        )


@dataclass(frozen=True)
class ReportResult:
    """What the server did with a report: stored (or found stored: ``duplicate``), and its visit record."""

    report_id: str
    ticket_id: str
    status: ReportStatus
    visit_id: int | None
    duplicate: bool
    received_at: dt.datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "report_id": self.report_id,
            "ticket_id": self.ticket_id,
            "status": self.status.value,
            "visit_id": self.visit_id,
            "duplicate": self.duplicate,
            "received_at": self.received_at.isoformat(),
        }

    @classmethod
    def of(cls, row: CrewReportRow, *, duplicate: bool) -> ReportResult:
        return cls(row.report_id, row.ticket_id, ReportStatus(row.status), row.visit_id, duplicate, row.received_at)


def _invalid(field: str, what: str) -> ReportProblem:
    return ReportProblem(ProblemCode.INVALID, f"{field}: {what}", field=field)


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _invalid(key, "required text")
    return value.strip()


def _choice(data: dict[str, Any], key: str, enum: type[StrEnum]) -> Any:
    value = data.get(key)
    try:
        return enum(value)
    except ValueError:
        raise _invalid(key, f"{value!r} is not one of {', '.join(enum)}") from None


def _number(data: dict[str, Any], key: str) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _invalid(key, f"expected a number, got {value!r}")
    return float(value)


# ------------------------------------------------------------------------------------------ queries


def stored_report(session: Session, *, crew_id: str, report_id: str) -> CrewReportRow | None:
    return session.exec(
        select(CrewReportRow).where(CrewReportRow.crew_id == crew_id, CrewReportRow.report_id == report_id)
    ).first()


def is_crew_stop(session: Session, *, crew_id: str, day: dt.date, ticket_id: str) -> bool:
    """Whether a published revision of ``day`` (the current one or one it replaced) gave the crew the ticket."""
    found = session.exec(
        select(func.count())
        .select_from(PlanVisitRow)
        .join(PlanRow, col(PlanRow.id) == col(PlanVisitRow.plan_id))
        .where(
            PlanRow.plan_date == day,
            col(PlanRow.status).in_([PlanStatus.PUBLISHED.value, PlanStatus.SUPERSEDED.value]),
            PlanVisitRow.crew_id == crew_id,
            PlanVisitRow.ticket_id == ticket_id,
        )
    ).one()
    return found > 0


def published_plan_id(session: Session, *, day: dt.date) -> int | None:
    """The id of ``day``'s published plan (without reading its document)."""
    return session.exec(
        select(PlanRow.id).where(PlanRow.plan_date == day, PlanRow.status == PlanStatus.PUBLISHED.value)
    ).first()


def _planned(session: Session, *, crew_id: str, day: dt.date, ticket_id: str) -> PlanVisitRow | None:
    """The crew's planned visit of the ticket in the newest published revision of ``day`` that has one."""
    return session.exec(
        select(PlanVisitRow)
        .join(PlanRow, col(PlanRow.id) == col(PlanVisitRow.plan_id))
        .where(
            PlanRow.plan_date == day,
            col(PlanRow.status).in_([PlanStatus.PUBLISHED.value, PlanStatus.SUPERSEDED.value]),
            PlanVisitRow.crew_id == crew_id,
            PlanVisitRow.ticket_id == ticket_id,
        )
        .order_by(col(PlanRow.version).desc())
    ).first()


def latest_statuses(session: Session, *, crew_id: str, day: dt.date) -> dict[str, CrewReportRow]:
    """The crew's last report per ticket on ``day`` (by the time it happened, then by arrival)."""
    rows = session.exec(
        select(CrewReportRow)
        .where(CrewReportRow.crew_id == crew_id, CrewReportRow.day == day)
        .order_by(col(CrewReportRow.at), col(CrewReportRow.id))
    ).all()
    return {r.ticket_id: r for r in rows}


# ------------------------------------------------------------------------------------------ recording


def record_report(
    session: Session, *, link: CrewLinkRow, report: CrewReport, now: dt.datetime, policy: Policy
) -> ReportResult:
    """Record ``report`` sent through ``link``: once (a resend is answered from the stored report), only
    for the crew's own stops (:class:`Refused`), into the ledger's visit records (:class:`ReportProblem`
    when the ledger refuses it). Never commits; the caller does, once."""
    crew_id, day = link.crew_id, link.day
    stored = stored_report(session, crew_id=crew_id, report_id=report.report_id)
    if stored is not None:
        if not report.same_as(stored):
            raise ReportProblem(
                ProblemCode.CONFLICT, f"report_id: {report.report_id} was already used for another report"
            )
        return ReportResult.of(stored, duplicate=True)
    if not is_crew_stop(session, crew_id=crew_id, day=day, ticket_id=report.ticket_id):
        raise Refused(
            RefusalReason.NOT_YOUR_STOP,
            f"ticket {report.ticket_id} is not a stop of crew {crew_id} on {day}",
            crew_id=crew_id,
        )
    skew = policy.region.max_clock_skew_min  # the one rule for every time the product accepts
    if future := future_problem(report.at, now=now, skew_min=skew, tz=ZoneInfo(policy.region.timezone)):
        raise ReportProblem(ProblemCode.FUTURE, f"at: {future}", field="at")
    plan_id = published_plan_id(session, day=day)
    row = CrewReportRow(
        report_id=report.report_id,
        crew_id=crew_id,
        day=day,
        link_id=link.id,  # type: ignore[arg-type]
        ticket_id=report.ticket_id,
        plan_id=plan_id,
        status=report.status.value,
        reason=report.reason.value if report.reason else None,
        at=report.at,
        entered_home=bool(report.entered_home),
        in_home_min=report.in_home_min,
        lat=report.lat,
        lon=report.lon,
        received_at=now,
    )
    session.add(row)
    session.flush()  # a concurrent resend of the same id fails here, before anything else is written
    try:
        visit = _record_visit(session, crew_id=crew_id, day=day, report=report, plan_id=plan_id, now=now, policy=policy)
        if report.lat is not None and report.lon is not None:
            record_position(
                session,
                crew_id=crew_id,
                lat=report.lat,
                lon=report.lon,
                at=report.at,
                source="phone",
                now=now,
                policy=policy,
            )
    except ExposureError as exc:
        raise _problem(exc) from exc
    except IntradayError as exc:
        raise ReportProblem(ProblemCode.INVALID, str(exc)) from exc
    if visit is not None and visit.outcome == VisitOutcome.FIXED.value and visit.left_at is not None:
        restore_if_asset_job(session, ticket_id=report.ticket_id, at=visit.left_at, now=now, policy=policy)
    if visit is not None:
        row.visit_id = visit.id
        row.entered_home = visit.entered_home
        session.add(row)
    session.flush()
    return ReportResult.of(row, duplicate=False)


def _record_visit(
    session: Session,
    *,
    crew_id: str,
    day: dt.date,
    report: CrewReport,
    plan_id: int | None,
    now: dt.datetime,
    policy: Policy,
) -> VisitRecordRow | None:
    note = f"phone report {report.report_id}"
    if report.status is ReportStatus.ON_THE_WAY:
        return None
    if report.status is ReportStatus.ARRIVED:
        return record_visit(
            session, ticket_id=report.ticket_id, crew_id=crew_id, arrived_at=report.at, left_at=None,
            entered_home=False, outcome=None, now=now, plan_id=plan_id, note=note, policy=policy,
        )  # fmt: skip
    done = report.status is ReportStatus.DONE
    planned = _planned(session, crew_id=crew_id, day=day, ticket_id=report.ticket_id)
    service_min = (planned.end - planned.start).total_seconds() / 60 if planned is not None else 0.0
    indoor = bool(planned.indoor) if planned is not None else False
    reason = report.reason
    entered = report.entered_home if report.entered_home is not None else (done and indoor)
    if reason is NotDoneReason.NOT_HOME:
        entered = False
    in_home = report.in_home_min
    if in_home is None:
        in_home = in_home_minutes(service_min, entered_home=entered, policy=policy)
    if not entered:
        in_home = 0.0
    open_visit = visit_in_progress(session, crew_id=crew_id, ticket_id=report.ticket_id)
    if open_visit is not None:
        arrived = open_visit.arrived_at
    else:
        arrived = report.at - dt.timedelta(minutes=max(service_min if done else 0.0, in_home))
    return record_visit(
        session, ticket_id=report.ticket_id, crew_id=crew_id, arrived_at=arrived, left_at=report.at,
        entered_home=entered, outcome=OUTCOME[reason], now=now, plan_id=plan_id,
        note=note + (f": {reason.value}" if reason else ""), policy=policy, in_home_min=in_home,
    )  # fmt: skip


def _problem(exc: ExposureError) -> ReportProblem:
    message = str(exc)
    if exc.field in ("arrived", "left") and "future" in message:
        return ReportProblem(ProblemCode.FUTURE, message, field=exc.field)
    if exc.field == "ticket_id" and "closed" in message:
        return ReportProblem(ProblemCode.CLOSED, message, field=exc.field)
    return ReportProblem(ProblemCode.OTHER, message, field=exc.field)
