"""Route sheets of a plan: the tickets, crews and zones they need, read once, and the files written."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from dispatch.core.plan import Plan
from dispatch.core.policy import Policy
from dispatch.store.models.crews import load_crews
from dispatch.store.models.tickets import tickets_by_id
from dispatch.store.models.zones import load_zones


def write_plan_sheets(
    session: Session, *, plan: Plan, policy: Policy, out: Path, lang: str, crew: str | None
) -> list[Path]:
    """Write the route sheets of ``plan`` (every crew, or ``crew``) into ``out``; returns the files."""
    # The PDF, map and QR libraries load only when sheets are written, not with every command.
    from dispatch.io.sheets import write_sheets

    ids = [*plan.served_ticket_ids(), *(u.ticket_id for u in plan.unassigned)]
    tickets = {tid: row.to_domain() for tid, row in tickets_by_id(session, ids=ids).items()}
    crews = {c.crew_id: c for c in load_crews(session)}
    zones = load_zones(session, day=plan.date)
    return write_sheets(
        plan=plan, tickets=tickets, crews=crews, zones=zones, policy=policy, out_dir=out, lang=lang, crew_id=crew
    )
