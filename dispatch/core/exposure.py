"""The one exposure rule: weighted in-home minutes of a home visit."""

from __future__ import annotations

from dispatch.core.domain import Ticket, Zone
from dispatch.core.policy import Policy


def ticket_exposure_min(ticket: Ticket, *, zones: list[Zone], policy: Policy) -> float:
    """Weighted in-home minutes: in-home minutes x zone risk weight x household multiplier."""
    if not ticket.indoor:
        return 0.0
    inside = ticket.service_min * policy.category.indoor_share
    weight = max((z.risk_weight for z in zones), default=1.0)
    return round(inside * weight * policy.household_multiplier(ticket.household_risk), 2)
