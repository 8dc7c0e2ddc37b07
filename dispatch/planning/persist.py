"""Saving a computed plan as a new draft version with its visits and carry-over reasons."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlmodel import Session

from dispatch.planning.nightly import PlanResult
from dispatch.store.models import PlanRow, PlanUnassignedRow, PlanVisitRow
from dispatch.store.models.plans import next_version
from dispatch.store.models.tickets import tickets_by_id


def save_plan(
    session: Session,
    *,
    result: PlanResult,
    now: dt.datetime,
    time_limit: float,
    reproducible: bool,
    kind: str = "nightly",
    parent_id: int | None = None,
    as_of: dt.datetime | None = None,
) -> dict[str, Any]:
    """Store a new plan version (draft) and the tickets' carry-over reasons; returns the document."""
    doc = dict(result.document)
    day = dt.date.fromisoformat(doc["date"])
    version = next_version(session, day=day)
    row = PlanRow(
        plan_date=day,
        version=version,
        kind=kind,
        status="draft",
        created_at=now,
        parent_id=parent_id,
        as_of=as_of,
        time_limit_s=time_limit,
        reproducible=reproducible,
        objective=result.objective,
        document="{}",
    )
    session.add(row)
    session.flush()
    doc.update({"plan_id": row.id, "version": version, "revision": version, "created_at": now.isoformat()})
    row.document = json.dumps(doc, ensure_ascii=False)
    for r in doc["routes"]:
        seq = 0
        for s in r["steps"]:
            if s["type"] != "visit":
                continue
            seq += 1
            session.add(
                PlanVisitRow(
                    plan_id=row.id,
                    crew_id=r["crew_id"],
                    seq=seq,
                    ticket_id=s["ticket_id"],
                    arrival=dt.datetime.fromisoformat(s["arrival"]),
                    start=dt.datetime.fromisoformat(s["start"]),
                    end=dt.datetime.fromisoformat(s["end"]),
                    indoor=s["indoor"],
                    exposure_min=s["exposure_min"],
                    travel_m=s["travel_m"],
                )
            )
    reasons = {u["ticket_id"]: u for u in doc["unassigned"]}
    for u in doc["unassigned"]:
        session.add(PlanUnassignedRow(plan_id=row.id, ticket_id=u["ticket_id"], reason=u["reason"], detail=u["detail"]))
    planned_ids = [s["ticket_id"] for r in doc["routes"] for s in r["steps"] if s["type"] == "visit"]
    ids = list(reasons) + planned_ids
    for t in tickets_by_id(session, ids=ids).values():
        u = reasons.get(t.ticket_id)
        t.unassigned_reason = u["reason"] if u else None
        t.unassigned_detail = u["detail"] if u else None
        session.add(t)
    return doc
