"""The plan's summary block: served by priority, exposure, response against target."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from dispatch.core.domain import PlanInputs, Ticket
from dispatch.core.policy import Policy


def summarize(
    inputs: PlanInputs,
    policy: Policy,
    *,
    routes: Sequence[dict[str, Any]],
    unassigned: Sequence[dict[str, str]],
    tickets: Mapping[str, Ticket],
    crews_on_shift: int,
) -> dict[str, Any]:
    """The plan's ``summary`` block, from its routes and unassigned tickets."""
    served_by_priority: dict[int, int] = defaultdict(int)
    for r in routes:
        for st in r["steps"]:
            if st["type"] == "visit":
                served_by_priority[tickets[st["ticket_id"]].priority] += 1
    unassigned_by_priority: dict[int, int] = defaultdict(int)
    by_reason: dict[str, int] = defaultdict(int)
    for u in unassigned:
        unassigned_by_priority[tickets[u["ticket_id"]].priority] += 1
        by_reason[u["reason"]] += 1
    worst = max(
        (
            {
                "crew_id": r["crew_id"],
                "homes_entered": r["summary"]["homes_entered"],
                "exposure_min": r["summary"]["exposure_min"],
            }
            for r in routes
        ),
        key=lambda w: (w["exposure_min"], w["homes_entered"]),
        default=None,
    )
    response = _response_summary(inputs, policy, list(routes), dict(tickets))
    return {
        "tickets": sum(served_by_priority.values()) + len(unassigned),
        "served": sum(served_by_priority.values()),
        "unassigned": len(unassigned),
        "served_by_priority": {str(p): served_by_priority.get(p, 0) for p in (1, 2, 3, 4)},
        "unassigned_by_priority": {str(p): unassigned_by_priority.get(p, 0) for p in (1, 2, 3, 4)},
        "unassigned_by_reason": dict(sorted(by_reason.items())),
        "crews_on_shift": crews_on_shift,
        "crews_used": sum(1 for r in routes if r["summary"]["visits"]),
        "distance_m": sum(r["summary"]["distance_m"] for r in routes),
        "homes_entered": sum(r["summary"]["homes_entered"] for r in routes),
        "exposure_min": round(sum(r["summary"]["exposure_min"] for r in routes), 2),
        "worst_exposure": worst,
        "customer_minutes_waited": response["customer_minutes"],
        "within_target_by_priority": response["within_target"],
        "caps": {
            "max_homes_per_shift": policy.exposure.max_homes_per_shift,
            "max_exposure_min_per_shift": policy.exposure.max_exposure_min_per_shift,
        },
    }


def _response_summary(
    inputs: PlanInputs, policy: Policy, routes: list[dict[str, Any]], tickets: dict[str, Ticket]
) -> dict[str, Any]:
    """Customer-minutes waited (report to arrival x customers) and tickets reached within target."""
    within: dict[str, list[int]] = {str(p): [0, 0] for p in (1, 2, 3, 4)}
    customer_minutes = 0.0
    for r in routes:
        for s in r["steps"]:
            if s["type"] != "visit":
                continue
            t = tickets[s["ticket_id"]]
            waited_h = (dt.datetime.fromisoformat(s["arrival"]) - t.reported_at).total_seconds() / 3600
            customer_minutes += max(0.0, waited_h) * 60 * t.customers_affected
            target = policy.response.target_hours.get(t.priority)
            within[str(t.priority)][1] += 1
            if target is not None and waited_h <= target:
                within[str(t.priority)][0] += 1
    return {
        "customer_minutes": round(customer_minutes),
        "within_target": {p: {"within": v[0], "served": v[1]} for p, v in within.items()},
    }
