"""What customers and the dispatcher are told: P1 response forecast and the customer's ETA window."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from dispatch.core.domain import Ticket
from dispatch.core.policy import Policy
from dispatch.intraday.model import DONE, UNDER_WAY, _t, _visits_of

# Customer ETA window: +/- (base + per stop still ahead of it), capped.
ETA_BASE_MIN = 15


ETA_PER_STOP_MIN = 10


ETA_MAX_MIN = 120


def response_forecast(
    doc: dict[str, Any], *, tickets: Mapping[str, Ticket], policy: Policy, at: dt.datetime, priority: int = 1
) -> list[dict[str, Any]]:
    """Per open ticket of ``priority``: forecast arrival and hours from report, against the target."""
    target = policy.response.target_hours.get(priority)
    out = []
    for r in doc["routes"]:
        for s in _visits_of(r):
            t = tickets.get(s["ticket_id"])
            if t is None or t.priority != priority or s.get("progress") == DONE:
                continue
            hours = (_t(s["arrival"]) - t.reported_at).total_seconds() / 3600
            out.append(
                {
                    "ticket_id": t.ticket_id,
                    "crew_id": r["crew_id"],
                    "reported_at": t.reported_at.isoformat(),
                    "arrival": s["arrival"],
                    "response_h": round(hours, 2),
                    "target_h": target,
                    "within_target": target is None or hours <= target,
                    "under_way": s.get("progress") == UNDER_WAY,
                    "emergency": s.get("emergency") is True,
                }
            )
    for u in doc["unassigned"]:
        t = tickets.get(u["ticket_id"])
        if t is None or t.priority != priority:
            continue
        out.append(
            {
                "ticket_id": t.ticket_id,
                "crew_id": None,
                "reported_at": t.reported_at.isoformat(),
                "arrival": None,
                "response_h": None,
                "target_h": target,
                "within_target": False,
                "under_way": False,
                "emergency": False,
                "reason": u["reason"],
            }
        )
    out.sort(key=lambda f: (f["arrival"] is None, f["arrival"] or "", f["ticket_id"]))
    return out


def eta_window(doc: dict[str, Any], ticket_id: str, *, now: dt.datetime | None = None) -> dict[str, Any] | None:
    """The customer's arrival window for ``ticket_id`` in ``doc``: arrival +/- a margin that grows with
    the stops still ahead of it on the crew's route; None if the ticket has no visit in the plan."""
    as_of = _t(doc["as_of"]) if doc.get("as_of") else None
    for r in doc["routes"]:
        visits = _visits_of(r)
        for k, s in enumerate(visits):
            if s["ticket_id"] != ticket_id:
                continue
            arrival = _t(s["arrival"])
            if s.get("progress"):
                return {
                    "ticket_id": ticket_id,
                    "crew_id": r["crew_id"],
                    "status": s["progress"],
                    "arrival": s["arrival"],
                    "window_start": s["arrival"],
                    "window_end": s["arrival"],
                    "stops_before": 0,
                    "margin_min": 0,
                }
            ahead = [v for v in visits[:k] if not v.get("progress")]
            if now is not None:
                ahead = [v for v in ahead if _t(v["end"]) > now]
            elif as_of is not None:
                ahead = [v for v in ahead if _t(v["end"]) > as_of]
            margin = min(ETA_MAX_MIN, ETA_BASE_MIN + ETA_PER_STOP_MIN * len(ahead))
            lo = arrival - dt.timedelta(minutes=margin)
            floor = now or as_of
            if floor is not None and lo < floor:
                lo = max(floor.astimezone(arrival.tzinfo), min(lo, arrival))
            return {
                "ticket_id": ticket_id,
                "crew_id": r["crew_id"],
                "status": "planned",
                "arrival": s["arrival"],
                "window_start": lo.isoformat(),
                "window_end": (arrival + dt.timedelta(minutes=margin)).isoformat(),
                "stops_before": len(ahead),
                "margin_min": margin,
            }
    return None
