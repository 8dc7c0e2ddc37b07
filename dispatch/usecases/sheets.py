"""Route sheets of a plan: the tickets, crews and zones they need, read once, and the files written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlmodel import Session

from dispatch.core.policy import Policy
from dispatch.io.sheets import write_sheets
from dispatch.store.models import load_crews, load_zones
from dispatch.store.models.tickets import tickets_by_id


def write_plan_sheets(
    session: Session, *, doc: dict[str, Any], policy: Policy, out: Path, lang: str, crew: str | None
) -> list[Path]:
    """Write the route sheets of ``doc`` (every crew, or ``crew``) into ``out``; returns the files."""
    ids = [s["ticket_id"] for r in doc["routes"] for s in r["steps"] if s["type"] == "visit"]
    ids += [u["ticket_id"] for u in doc["unassigned"]]
    tickets = {tid: row.to_domain() for tid, row in tickets_by_id(session, ids=ids).items()}
    crews = {c.crew_id: c for c in load_crews(session)}
    zones = load_zones(session, day=dt.date.fromisoformat(doc["date"]))
    return write_sheets(
        plan=doc, tickets=tickets, crews=crews, zones=zones, policy=policy, out_dir=out, lang=lang, crew_id=crew
    )
