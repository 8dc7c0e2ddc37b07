"""The dispatcher's view of a plan in the terminal (plan, plan show, demo, scenario show), in Bahasa
Indonesia or English through the one translation table."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from rich.table import Table

from dispatch.commands.common import console
from dispatch.core.plan import PRIORITIES, STANDBY_NOT_DISPATCHED, Plan
from dispatch.io.sheets.i18n import Labels


def render_plan(plan: Plan, *, lang: str = "id", unassigned_limit: int = 15) -> None:
    """Crews, served by priority, unassigned with reasons, wide outages and the worst exposure, in ``lang``."""
    t = Labels(lang, ZoneInfo(plan.timezone))
    s = plan.summary
    headline = t("view.plan", date=plan.date, version=plan.version or "-", status=t.status(plan.status),
                 plan_id=plan.plan_id, served=s.served, tickets=s.tickets, used=s.crews_used,
                 on_shift=s.crews_on_shift, km=t.number(s.distance_m / 1000, digits=1))  # fmt: skip
    console.print(f"[bold]{headline}[/bold]")
    _routes(plan, t)
    by_p = Table(title=t("view.by_priority"), title_justify="left")
    for key in ("priority", "served", "unassigned", "within_target"):
        by_p.add_column(t(f"view.col.{key}"), justify="right")
    for p in PRIORITIES:
        w = s.within_target_by_priority.get(p)
        by_p.add_row(
            f"P{p}",
            str(s.served_by_priority.get(p, 0)),
            str(s.unassigned_by_priority.get(p, 0)),
            f"{w.within}/{w.served}" if w else "0/0",
        )
    console.print(by_p)
    short = t.short_of(s.short_crew_hours_by_priority)
    console.print(t("view.idle", hours=t.number(s.idle_crew_minutes / 60, digits=1)) + (f"; {short}" if short else ""))
    _unassigned(plan, t, unassigned_limit)
    _outages(plan, t)
    for c in plan.crews_not_dispatched:
        reason = t("view.standby") if c.reason == STANDBY_NOT_DISPATCHED else c.reason
        console.print(t("view.not_dispatched", crew=c.crew_id, reason=reason), markup=False)
    worst = s.worst_exposure
    if worst:
        route = plan.route(worst.crew_id)
        members = route.members if route is not None else ()
        console.print(
            t("view.worst_exposure", members=", ".join(members) or t("view.members"), crew=worst.crew_id,
              homes=worst.homes_entered, minutes=f"{worst.exposure_min:.0f}", max_homes=s.caps.max_homes_per_shift,
              max_minutes=f"{s.caps.max_exposure_min_per_shift:.0f}"),
            markup=False,
        )  # fmt: skip


def _routes(plan: Plan, t: Labels) -> None:
    """One row per crew: members, shift, visits, homes and exposure against the caps, km, first to last stop."""
    table = Table(title=t("view.routes"), title_justify="left")
    for key in ("crew", "members", "shift", "visits", "homes", "exposure", "km", "span"):
        table.add_column(
            t(f"view.col.{key}"), justify="right" if key in ("visits", "homes", "exposure", "km") else "left"
        )
    for r in plan.routes:
        visits = r.visits
        span = f"{t.time(visits[0].arrival)} - {t.time(visits[-1].end)}" if visits else "-"
        table.add_row(
            r.crew_id + (f" {t('view.outdoor_only')}" if r.outdoor_only else ""),
            ", ".join(r.members),
            t.span(r.shift.start, r.shift.end),
            str(r.summary.visits),
            f"{r.summary.homes_entered}/{r.caps.max_homes}",
            f"{r.summary.exposure_min:.0f}/{r.caps.max_exposure_min:.0f}",
            t.number(r.summary.distance_m / 1000, digits=1),
            span,
        )
    console.print(table)


def _unassigned(plan: Plan, t: Labels, limit: int) -> None:
    """How many are unassigned by reason, and the most urgent with their reason and detail, all in ``t``'s language."""
    counts = plan.summary.unassigned_by_reason
    if not counts:
        return
    reasons = ", ".join(f"{t.reason(k)}: {v}" for k, v in counts.items())
    console.print(t("view.by_reason", reasons=reasons), markup=False)
    table = Table(title=t("view.most_urgent", n=limit), title_justify="left")
    for key in ("ticket", "reason", "detail"):
        table.add_column(t(f"view.col.{key}"))
    for u in plan.unassigned[:limit]:
        detail = t.unassigned_detail(u.reason, u.detail, u.facts, u.displaces, plan.not_done_of(u.ticket_id))
        table.add_row(u.ticket_id, t.reason(u.reason), detail)
    console.print(table)


def _outages(plan: Plan, t: Labels) -> None:
    """The wide outages: one asset job each, with the customers and tickets behind it."""
    if not plan.outages:
        return
    table = Table(title=t("view.outages"), title_justify="left")
    for key in ("outage", "asset", "kind", "customers", "tickets", "asset_job"):
        table.add_column(t(f"view.col.{key}"), justify="right" if key in ("customers", "tickets") else "left")
    for o in plan.outages:
        kind = t(f"outage.kind.{o.kind}") if t.has(f"outage.kind.{o.kind}") else o.kind
        table.add_row(o.outage_id, o.asset_id, kind, str(o.customers), str(len(o.tickets)), o.job_ticket_id or "-")
    console.print(table)
