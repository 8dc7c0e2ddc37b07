"""Sentences shared by the PDF and HTML sheets, so both say exactly the same thing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from dispatch.core.domain import Category
from dispatch.io.sheets import mapdraw
from dispatch.io.sheets.content import RouteSheet, Stop
from dispatch.io.sheets.i18n import Labels


def ppe_note(stop: Stop, labels: Labels) -> str:
    """What to wear at this stop (its PPE level's instruction) and whether it is the shift's last home:
    the protection, never the household's condition."""
    parts = [labels(f"ppe.{stop.ppe_level}")] if stop.ppe_level else []
    if stop.ends_home_entries:
        parts.append(labels("note.last_home_entry"))
    return ". ".join(parts)


def ppe_badge(stop: Stop, labels: Labels) -> str:
    """The short PPE mark beside indoor/outdoor ("APD TINGKAT 2"); empty when none is needed."""
    return labels("label.ppe_level", level=stop.ppe_level) if stop.ppe_required else ""


def progress_mark(stop: Stop, labels: Labels) -> str:
    """A revision's mark on a stop already done or under way when it was made; empty for the others."""
    if stop.progress is None:
        return ""
    return labels("label.already_done") if stop.done else labels("label.under_way")


def _cap(value: float | None, labels: Labels, *, minutes: bool) -> str:
    if value is None:
        return labels("label.no_cap")
    return labels.minutes(value) if minutes else str(int(value))


def tally_line(stop: Stop, route: RouteSheet, labels: Labels) -> str:
    return labels(
        "label.tally",
        homes=stop.homes_entered,
        max_homes=_cap(route.max_homes, labels, minutes=False),
        exposure=labels.minutes(stop.exposure_total_min),
        max_exposure=_cap(route.max_exposure_min, labels, minutes=True),
    )


def summary_line(route: RouteSheet, labels: Labels) -> str:
    return labels(
        "label.summary_line",
        visits=route.visits,
        homes=route.homes_entered,
        max_homes=_cap(route.max_homes, labels, minutes=False),
        exposure=labels.minutes(route.exposure_min),
        max_exposure=_cap(route.max_exposure_min, labels, minutes=True),
        distance=labels.km(route.distance_m),
        duration=labels.duration(route.duration_s),
    )


def service_notes(stop: Stop, labels: Labels, *, day: date) -> list[str]:
    """What the crew should know before knocking; built from ticket fields (tickets carry no free text)."""
    t = stop.ticket
    notes = []
    if stop.emergency:
        notes.append(labels("note.emergency", reported=labels.time(t.reported_at, day=day)))
    if t.critical_facility:
        notes.append(labels("note.critical_facility"))
    if t.category is Category.ASSET_OUTAGE:  # one job standing for every customer behind the asset
        notes.append(labels("note.asset_outage", asset=t.transformer_id, count=t.customers_affected))
    elif t.customers_affected > 1:
        notes.append(labels("note.customers_affected", count=t.customers_affected))
    if t.window_start or t.window_end:
        notes.append(
            labels("note.customer_window", start=_hhmm(t.window_start, labels), end=_hhmm(t.window_end, labels))
        )
    if stop.waiting_min >= 1:
        notes.append(labels("note.waiting", minutes=labels.minutes(stop.waiting_min)))
    notes.append(labels("note.service_time", minutes=labels.minutes((stop.end - stop.start).total_seconds() / 60)))
    if stop.exposure_min > 0:
        notes.append(labels("note.exposure", minutes=labels.minutes(stop.exposure_min)))
    skills = [s for s in t.skills if s]
    if skills:
        notes.append(labels("note.skills", skills=", ".join(skills)))
    if t.transformer_id:
        notes.append(labels("note.transformer", transformer=t.transformer_id))
    return notes


def _hhmm(value: str | None, labels: Labels) -> str:
    """A ticket's "HH:MM" window bound in the sheet's time style."""
    if not value:
        return "?"
    return value.replace(":", labels("fmt.time_sep"))


def legend_items(
    labels: Labels,
    *,
    scene: mapdraw.Scene,
    crews: Sequence[tuple[str, str]],
) -> list[tuple[str, str, str]]:
    """(kind, colour, text) for a map legend: one route line per crew, then what the map shows."""
    items: list[tuple[str, str, str]] = []
    for colour, name in crews:
        items.append(("line", colour, name or labels("label.legend_route")))
    first = crews[0][0] if crews else mapdraw.CREW_COLOURS[0]
    items.append(("square", first, labels("label.legend_depot")))
    if len(crews) == 1:
        items.append(("stop", first, labels("label.legend_stop")))
    kinds = {z.kind for z in scene.zones}
    if "risk" in kinds:
        items.append(("area", mapdraw.RISK_COLOUR, labels("label.legend_risk")))
    if "slow" in kinds:
        items.append(("area", mapdraw.SLOW_COLOUR, labels("label.legend_slow")))
    if "closed" in kinds:
        items.append(("hatch", mapdraw.CLOSED_COLOUR, labels("label.legend_closed")))
    if scene.unassigned:
        items.append(("cross", mapdraw.UNASSIGNED_COLOUR, labels("label.legend_unassigned")))
    return items


def shift_text(route: RouteSheet, labels: Labels, *, day: date) -> str:
    """The shift's hours, and the overtime a re-plan authorised when it runs past its rostered end."""
    text = labels.span(route.shift_start, route.shift_end, day=day)
    if route.overtime_min:
        text += " - " + labels("note.overtime", minutes=route.overtime_min, end=labels.time(route.shift_end, day=day))
    return text
