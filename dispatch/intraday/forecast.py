"""What customers and the dispatcher are told: P1 response forecast and the customer's ETA window."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from dispatch.core.domain import Ticket
from dispatch.core.plan import Forecast, Plan
from dispatch.core.policy import Policy
from dispatch.core.route import StepProgress

# Customer ETA window: +/- (base + per stop still ahead of it), capped.
ETA_BASE_MIN = 15
ETA_PER_STOP_MIN = 10
ETA_MAX_MIN = 120


def response_forecast(
    plan: Plan, *, tickets: Mapping[str, Ticket], policy: Policy, priority: int = 1
) -> tuple[Forecast, ...]:
    """Per open ticket of ``priority``: forecast arrival and hours from report, against the target."""
    target = policy.response.target_hours.get(priority)
    tz = ZoneInfo(policy.region.timezone)
    out = []
    for route, s in plan.visits():
        t = tickets.get(s.ticket_id or "")
        if t is None or t.priority != priority or s.progress is StepProgress.DONE:
            continue
        hours = (s.arrival - t.reported_at).total_seconds() / 3600
        out.append(
            Forecast(
                ticket_id=t.ticket_id,
                crew_id=route.crew_id,
                reported_at=t.reported_at.astimezone(tz),
                arrival=s.arrival,
                response_h=round(hours, 2),
                target_h=target,
                within_target=target is None or hours <= target,
                under_way=s.progress is StepProgress.UNDER_WAY,
                emergency=s.emergency,
            )
        )
    for u in plan.unassigned:
        t = tickets.get(u.ticket_id)
        if t is None or t.priority != priority:
            continue
        out.append(
            Forecast(
                ticket_id=t.ticket_id,
                crew_id=None,
                reported_at=t.reported_at.astimezone(tz),
                arrival=None,
                response_h=None,
                target_h=target,
                within_target=False,
                under_way=False,
                emergency=False,
                reason=u.reason,
            )
        )
    out.sort(key=lambda f: (f.arrival is None, f.arrival.isoformat() if f.arrival else "", f.ticket_id))
    return tuple(out)


@dataclass(frozen=True)
class Eta:
    """A customer's arrival window: the planned arrival +/- a margin growing with the stops before it."""

    ticket_id: str
    crew_id: str
    status: str  # planned, under_way or done
    arrival: dt.datetime
    window_start: dt.datetime
    window_end: dt.datetime
    stops_before: int
    margin_min: int

    def to_json(self) -> dict[str, Any]:
        return {
            "ticket_id": self.ticket_id,
            "crew_id": self.crew_id,
            "status": self.status,
            "arrival": self.arrival.isoformat(),
            "window_start": self.window_start.isoformat(),
            "window_end": self.window_end.isoformat(),
            "stops_before": self.stops_before,
            "margin_min": self.margin_min,
        }


def eta_window(plan: Plan, ticket_id: str, *, now: dt.datetime | None = None) -> Eta | None:
    """The customer's arrival window for ``ticket_id`` in ``plan``; None if the plan has no visit for it.
    A ticket visited twice (reported not home, offered again) answers with its later visit."""
    found = [(s.arrival, r, k) for r in plan.routes for k, s in enumerate(r.visits) if s.ticket_id == ticket_id]
    if not found:
        return None
    _, route, k = max(found, key=lambda f: f[0])
    visits = route.visits
    s = visits[k]
    if s.progress is not None:
        return Eta(ticket_id, route.crew_id, s.progress.value, s.arrival, s.arrival, s.arrival, 0, 0)
    as_of = plan.revision_of.as_of if plan.revision_of else None
    ahead = [v for v in visits[:k] if v.progress is None]
    floor = now or as_of
    if floor is not None:
        ahead = [v for v in ahead if v.end > floor]
    margin = min(ETA_MAX_MIN, ETA_BASE_MIN + ETA_PER_STOP_MIN * len(ahead))
    lo = s.arrival - dt.timedelta(minutes=margin)
    if floor is not None and lo < floor:
        lo = max(floor.astimezone(s.arrival.tzinfo), min(lo, s.arrival))
    hi = s.arrival + dt.timedelta(minutes=margin)
    return Eta(ticket_id, route.crew_id, "planned", s.arrival, lo, hi, len(ahead), margin)
