"""The one exposure rule: weighted in-home minutes of a home visit.

weighted minutes = in-home minutes x zone risk weight x household multiplier, where

- in-home minutes are the visit's minutes x ``category.indoor_share`` if the crew enters the home
  (the crew also spends part of a visit outside: meter box, talking at the door), else 0; a planned
  visit counts its service minutes, a reported one the minutes between arrival and departure;
- the zone weight is that of the riskiest zone valid on the day that contains the home (1 outside
  every zone; ties go to the zone whose name sorts last, so the ledger names one zone);
- the household multiplier comes from the ticket's household risk (policy ``suspected_multiplier``,
  ``isolating_multiplier``; 1 otherwise).

Planning, the re-plan and the exposure ledger all count exposure through these functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dispatch.core.domain import HouseholdRisk, Ticket, Zone
from dispatch.core.policy import Policy


@dataclass(frozen=True)
class Place:
    """The riskiest zone containing a home: its name ("" outside every zone) and its risk weight."""

    zone: str
    weight: float


OUTSIDE = Place("", 1.0)


def riskiest(zones: Sequence[Zone]) -> Place:
    """The zone that sets the weight of a home inside all of ``zones`` (:data:`OUTSIDE` for none)."""
    if not zones:
        return OUTSIDE
    top = max(zones, key=lambda z: (z.risk_weight, z.name))
    return Place(top.name, top.risk_weight)


def household_multiplier(risk: HouseholdRisk | str, policy: Policy) -> float:
    """The policy's multiplier for a household's risk; 1 for a value the policy does not know."""
    try:
        return policy.household_multiplier(risk)
    except ValueError:
        return 1.0


def in_home_minutes(minutes: float, *, entered_home: bool, policy: Policy) -> float:
    """The part of a visit of ``minutes`` spent inside the home."""
    return minutes * policy.category.indoor_share if entered_home else 0.0


def weighted_minutes(in_home: float, *, place: Place, risk: HouseholdRisk | str, policy: Policy) -> float:
    """Weighted exposure of ``in_home`` minutes inside a home at ``place`` with household ``risk``."""
    return round(in_home * place.weight * household_multiplier(risk, policy), 2)


def ticket_exposure_min(ticket: Ticket, *, zones: Sequence[Zone], policy: Policy) -> float:
    """A planned visit's weighted minutes: its service minutes inside the home, if it enters one."""
    inside = in_home_minutes(ticket.service_min, entered_home=ticket.indoor, policy=policy)
    return weighted_minutes(inside, place=riskiest(zones), risk=ticket.household_risk, policy=policy)
