"""What a crew's phone shows: its route in the current published revision, in the route sheets' reduced fields.

Built from the route sheets' own values (:func:`dispatch.io.sheets.content.read_plan`) and sentences
(:mod:`dispatch.io.sheets.text`), so the page says what the paper says, and carries what the sheets
carry: a protection mark and note, never the household's condition; the customer's phone only as a
number to call. Every text is in the crew's language from the one i18n table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from dispatch.core.plan import CrewChange, Plan
from dispatch.core.policy import Policy
from dispatch.field.reports import NotDoneReason, ReportStatus, latest_statuses
from dispatch.intraday.compare import compare_plans
from dispatch.io.sheets.content import Break, RouteSheet, Stop, read_plan
from dispatch.io.sheets.i18n import Labels
from dispatch.io.sheets.text import ppe_badge, ppe_note, service_notes, shift_text, summary_line, tally_line
from dispatch.store.models.crews import CrewRow
from dispatch.store.models.field import CrewLinkRow, CrewReportRow
from dispatch.store.models.plans import PlanRow, plan_of, published_plan
from dispatch.store.models.tickets import tickets_by_id


@dataclass(frozen=True)
class StopView:
    """One stop as the phone shows it (texts ready to print)."""

    seq: int
    ticket_id: str
    window: str  # arrival window
    arrival: str  # planned arrival
    work: str  # planned work span
    badges: tuple[str, ...]  # indoor/outdoor, category, priority, protection
    ppe_note: str
    address: str
    customer: str
    phone: str  # for the tap-to-call link only
    notes: tuple[str, ...]
    tally: str
    nav: str  # geo: link
    indoor: bool
    emergency: bool
    in_home_min: int  # planned minutes inside the home (the report's default)
    progress: str | None  # the revision's: done or under_way when it was made

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "ticket_id": self.ticket_id,
            "window": self.window,
            "arrival": self.arrival,
            "work": self.work,
            "badges": list(self.badges),
            "ppe_note": self.ppe_note,
            "address": self.address,
            "customer": self.customer,
            "phone": self.phone,
            "notes": list(self.notes),
            "tally": self.tally,
            "nav": self.nav,
            "indoor": self.indoor,
            "emergency": self.emergency,
            "in_home_min": self.in_home_min,
            "progress": self.progress,
        }


@dataclass(frozen=True)
class Reported:
    """The crew's last report of a ticket, as the server has it."""

    status: ReportStatus
    text: str  # e.g. "Selesai 10.42"
    at: dt.datetime

    def to_json(self) -> dict[str, str]:
        return {"status": self.status.value, "text": self.text, "at": self.at.isoformat()}


@dataclass(frozen=True)
class CrewView:
    """A crew's route in the current published revision of its shift's date."""

    crew_id: str
    day: dt.date
    plan_id: int
    version: int
    lang: str
    heading: str
    lines: tuple[str, ...]  # crew name, date, members, shift, break, summary
    items: tuple[StopView | str, ...]  # stops, and breaks as a line of text, in route order
    reported: dict[str, Reported]
    changes: str | None  # what changed for this crew since the revision the phone had

    def to_json(self) -> dict[str, Any]:
        return {
            "crew_id": self.crew_id,
            "day": self.day.isoformat(),
            "plan_id": self.plan_id,
            "version": self.version,
            "lang": self.lang,
            "heading": self.heading,
            "lines": list(self.lines),
            "items": [i.to_json() if isinstance(i, StopView) else {"break": i} for i in self.items],
            "reported": {t: r.to_json() for t, r in self.reported.items()},
            "changes": self.changes,
        }


def crew_view(
    session: Session, *, link: CrewLinkRow, policy: Policy, lang: str, since: int | None = None
) -> CrewView | None:
    """The crew's page in ``lang``; None when its shift's date has no published plan routing the crew.
    ``since``: the plan id the phone shows, to say what changed for this crew."""
    row = published_plan(session, day=link.day)
    if row is None:
        return None
    plan = plan_of(row)
    route = plan.route(link.crew_id)
    if route is None:
        return None
    tz = ZoneInfo(policy.region.timezone)
    labels = Labels(lang, tz)
    tickets = {t: r.to_domain() for t, r in tickets_by_id(session, ids=route.ticket_ids).items()}
    crew_row = session.get(CrewRow, link.crew_id)
    crews = {link.crew_id: crew_row.to_domain(route.members)} if crew_row is not None else {}
    sheets = read_plan(plan=plan, tickets=tickets, crews=crews, policy=policy, tz=tz, crew_id=link.crew_id)
    sheet = sheets.routes[0]
    items: list[StopView | str] = []
    for item in sheet.items:
        if isinstance(item, Stop):
            items.append(_stop_view(item, sheet, labels, day=plan.date, policy=policy))
        else:
            items.append(_break_line(item, labels, day=plan.date))
    changes = None
    if since is not None and since != row.id:
        change = _change_since(session, plan=plan, since=since, crew_id=link.crew_id)
        changes = describe_change(change, labels)
    return CrewView(
        crew_id=link.crew_id,
        day=link.day,
        plan_id=row.id,  # type: ignore[arg-type]
        version=row.version,
        lang=lang,
        heading=labels("serve.title", crew_id=link.crew_id),
        lines=_lines(sheet, labels, day=plan.date),
        items=tuple(items),
        reported={
            t: _reported(r, labels, day=plan.date)
            for t, r in latest_statuses(session, crew_id=link.crew_id, day=link.day).items()
        },
        changes=changes,
    )


def _lines(sheet: RouteSheet, labels: Labels, *, day: dt.date) -> tuple[str, ...]:
    breaks = ", ".join(labels.span(b.start, b.end, day=day) for b in sheet.breaks) or labels("label.no_break")
    lines = [
        sheet.crew.name,
        f"{labels('label.date')}: {labels.date(day)}",
        f"{labels('label.members')}: {', '.join(sheet.members) or '-'}",
        f"{labels('label.shift')}: {shift_text(sheet, labels, day=day)}",
        f"{labels('label.break')}: {breaks}",
        summary_line(sheet, labels),
    ]
    if sheet.outdoor_only:
        lines.append(labels("label.outdoor_only"))
    return tuple(lines)


def _break_line(item: Break, labels: Labels, *, day: dt.date) -> str:
    return f"{labels('label.break')}: {labels.span(item.start, item.end, day=day)}"


def _stop_view(stop: Stop, sheet: RouteSheet, labels: Labels, *, day: dt.date, policy: Policy) -> StopView:
    t = stop.ticket
    badges = [
        labels("label.indoor") if stop.indoor else labels("label.outdoor"),
        labels.category(t.category.value),
        labels("label.priority", priority=t.priority),
    ]
    if badge := ppe_badge(stop, labels):
        badges.append(badge)
    service = (stop.end - stop.start).total_seconds() / 60
    return StopView(
        seq=stop.seq,
        ticket_id=t.ticket_id,
        window=labels.span(stop.window_from, stop.window_to, day=day),
        arrival=labels("label.planned_arrival", time=labels.time(stop.arrival, day=day)),
        work=f"{labels('label.work')}: {labels.span(stop.start, stop.end, day=day)}",
        badges=tuple(badges),
        ppe_note=ppe_note(stop, labels),
        address=t.address,
        customer=t.customer_name,
        phone="".join(c for c in t.phone if c.isdigit() or c == "+"),
        notes=tuple(service_notes(stop, labels, day=day)),
        tally=tally_line(stop, sheet, labels),
        nav=stop.nav_uri,
        indoor=stop.indoor,
        emergency=stop.emergency,
        in_home_min=round(service * policy.category.indoor_share) if stop.indoor else 0,
        progress=stop.progress.value if stop.progress is not None else None,
    )


def _reported(row: CrewReportRow, labels: Labels, *, day: dt.date) -> Reported:
    status = ReportStatus(row.status)
    time = labels.time(row.at, day=day)
    if status is ReportStatus.NOT_DONE and row.reason:
        reason = labels(f"serve.reason.{NotDoneReason(row.reason).value}")
        return Reported(status, labels("serve.status.not_done", time=time, reason=reason), row.at)
    return Reported(status, labels(f"serve.status.{status.value}", time=time), row.at)


def _change_since(session: Session, *, plan: Plan, since: int, crew_id: str) -> CrewChange | None:
    """What changed for the crew between plan ``since`` (the phone's) and ``plan``: the revision's own
    record when it revises that plan directly, else the two compared."""
    revision = plan.revision_of
    if revision is not None and revision.parent_id == since:
        return revision.changes.get(crew_id)
    old_row = session.get(PlanRow, since)
    if old_row is None or old_row.plan_date != plan.date:
        return None
    return compare_plans(plan_of(old_row), plan).get(crew_id)


def describe_change(change: CrewChange | None, labels: Labels) -> str:
    """A crew's change in its language, e.g. "2 stops added, T123 moved to C07"."""
    if change is None or not change.changed:
        return labels("serve.change.none")
    parts = []
    if change.added:
        n = len(change.added)
        parts.append(labels("serve.change.added_one") if n == 1 else labels("serve.change.added", count=n))
    parts += [labels("serve.change.moved_in", ticket=t, crew=c) for t, c in sorted(change.moved_in.items())]
    parts += [labels("serve.change.moved_out", ticket=t, crew=c) for t, c in sorted(change.moved_out.items())]
    parts += [labels("serve.change.dropped", ticket=t) for t in change.dropped]
    if change.reordered:
        parts.append(labels("serve.change.reordered"))
    if change.retimed:
        n = change.retimed
        parts.append(labels("serve.change.retimed_one") if n == 1 else labels("serve.change.retimed", count=n))
    return ", ".join(parts)
