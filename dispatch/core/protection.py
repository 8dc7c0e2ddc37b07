"""The protection a crew needs at a stop: a PPE level (0 none ... 3 full), never the household's diagnosis.

Route sheets, the crew CSV and GeoJSON, and later the crew service's pages and API, print this level
and its instruction instead of ``household_risk``: a sheet is read at the door, by neighbours too.
The level is the highest of what the policy's ``[sheets.ppe]`` table gives the household's risk, the
riskiest zone the stop lies in, and a ticket that needs the skill ``ppe``.
"""

from __future__ import annotations

from collections.abc import Sequence

from dispatch.core.domain import Ticket, Zone
from dispatch.core.policy import Policy

PPE_SKILL = "ppe"


def ppe_level(ticket: Ticket, *, zones: Sequence[Zone], policy: Policy) -> int:
    """The PPE level for a visit to ``ticket``; ``zones`` are the zones (valid that day) containing it."""
    ppe = policy.sheets.ppe
    level = ppe.household.get(ticket.household_risk, 0)
    if PPE_SKILL in ticket.skills:
        level = max(level, ppe.skill_level)
    if any(z.risk_weight >= ppe.zone_weight for z in zones):
        level = max(level, ppe.zone_level)
    return level
