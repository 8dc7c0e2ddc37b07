"""The plan's summary: served by priority, exposure, response against target."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from dispatch.core.domain import Ticket
from dispatch.core.plan import PRIORITIES, PlanSummary, SummaryCaps, WithinTarget, WorstExposure
from dispatch.core.policy import Policy
from dispatch.core.route import Route
from dispatch.core.unassigned import Unassigned


def summarize(
    policy: Policy,
    *,
    routes: Sequence[Route],
    unassigned: Sequence[Unassigned],
    tickets: Mapping[str, Ticket],
    crews_on_shift: int,
) -> PlanSummary:
    """The plan's summary, from its routes and unassigned tickets."""
    served_by_priority: dict[int, int] = defaultdict(int)
    for r in routes:
        for s in r.visits:
            served_by_priority[tickets[s.ticket_id].priority] += 1  # type: ignore[index]
    unassigned_by_priority: dict[int, int] = defaultdict(int)
    by_reason: dict[str, int] = defaultdict(int)
    for u in unassigned:
        unassigned_by_priority[tickets[u.ticket_id].priority] += 1
        by_reason[u.reason] += 1
    worst = max(
        (WorstExposure(r.crew_id, r.summary.homes_entered, r.summary.exposure_min) for r in routes),
        key=lambda w: (w.exposure_min, w.homes_entered),
        default=None,
    )
    customer_minutes, within = _response(policy, routes, tickets)
    served = sum(served_by_priority.values())
    return PlanSummary(
        tickets=served + len(unassigned),
        served=served,
        unassigned=len(unassigned),
        served_by_priority={p: served_by_priority.get(p, 0) for p in PRIORITIES},
        unassigned_by_priority={p: unassigned_by_priority.get(p, 0) for p in PRIORITIES},
        unassigned_by_reason=dict(sorted(by_reason.items())),
        crews_on_shift=crews_on_shift,
        crews_used=sum(1 for r in routes if r.summary.visits),
        distance_m=sum(r.summary.distance_m for r in routes),
        homes_entered=sum(r.summary.homes_entered for r in routes),
        exposure_min=round(sum(r.summary.exposure_min for r in routes), 2),
        worst_exposure=worst,
        customer_minutes_waited=customer_minutes,
        within_target_by_priority=within,
        caps=SummaryCaps(policy.exposure.max_homes_per_shift, policy.exposure.max_exposure_min_per_shift),
        idle_crew_minutes=round(
            sum(max(0.0, (r.shift.end - r.steps[-1].arrival).total_seconds()) for r in routes) / 60
        ),
        short_crew_hours_by_priority=_shortfall(policy, routes, unassigned, tickets),
    )


def _shortfall(
    policy: Policy, routes: Sequence[Route], unassigned: Sequence[Unassigned], tickets: Mapping[str, Ticket]
) -> dict[int, float]:
    """Per priority p: crew-hours the crowded-out tickets of priority p or more urgent would take, each its
    service plus the plan's mean distance per visit driven at the car's speed."""
    visits = sum(r.summary.visits for r in routes)
    leg_h = sum(r.summary.distance_m for r in routes) / visits / 1000 / policy.travel.car_speed_kmh if visits else 0.0
    hours = {p: 0.0 for p in PRIORITIES}
    for u in unassigned:
        if u.reason == "crowded_out":
            hours[tickets[u.ticket_id].priority] += tickets[u.ticket_id].service_min / 60 + leg_h
    out, total = {}, 0.0
    for p in PRIORITIES:
        total += hours[p]
        out[p] = round(total, 1)
    return out


def _response(
    policy: Policy, routes: Sequence[Route], tickets: Mapping[str, Ticket]
) -> tuple[int, dict[int, WithinTarget]]:
    """Customer-minutes waited (report to arrival x customers) and tickets reached within target."""
    within = {p: [0, 0] for p in PRIORITIES}
    customer_minutes = 0.0
    for r in routes:
        for s in r.visits:
            t = tickets[s.ticket_id]  # type: ignore[index]
            waited_h = (s.arrival - t.reported_at).total_seconds() / 3600
            customer_minutes += max(0.0, waited_h) * 60 * t.customers_affected
            target = policy.response.target_hours.get(t.priority)
            within[t.priority][1] += 1
            if target is not None and waited_h <= target:
                within[t.priority][0] += 1
    return round(customer_minutes), {p: WithinTarget(v[0], v[1]) for p, v in within.items()}
