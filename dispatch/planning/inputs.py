"""Everything a plan of a day needs, read from the database in one go."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from dispatch.core.domain import PlanInputs
from dispatch.core.policy import Policy
from dispatch.ledger.budgets import member_budgets, unavailable_members
from dispatch.ledger.overrun import overrun_margins
from dispatch.outages.marks import outage_marks
from dispatch.store.models.assets import load_assets
from dispatch.store.models.crews import load_crews, load_shifts
from dispatch.store.models.tickets import load_open_tickets
from dispatch.store.models.zones import load_zones


def load_inputs(session: Session, *, day: dt.date, policy: Policy) -> PlanInputs:
    """Open tickets, crews, the day's shifts and zones, quarantined members, rolling budgets, the overrun
    margin learned from the ledger, the network and the outages the dispatcher declared, dismissed or planned."""
    return PlanInputs(
        day=day,
        tickets=tuple(load_open_tickets(session)),
        crews=tuple(load_crews(session)),
        shifts=tuple(load_shifts(session, day=day)),
        zones=tuple(load_zones(session, day=day)),
        unavailable_members=unavailable_members(session, day=day),
        budgets=member_budgets(session, day=day, policy=policy),
        overrun=overrun_margins(session, day=day, policy=policy),
        assets=tuple(load_assets(session)),
        outage_marks=tuple(outage_marks(session, day=day)),
    )
