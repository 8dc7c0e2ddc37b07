"""Everything a plan of a day needs, read from the database in one go."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session

from dispatch.core.domain import PlanInputs
from dispatch.core.policy import Policy


def load_inputs(session: Session, *, day: dt.date, policy: Policy) -> PlanInputs:
    """Everything the plan for ``day`` needs, read in one go."""
    from dispatch.store.models import load_crews, load_open_tickets, load_shifts, load_zones

    unavailable: dict[str, str] = {}
    budgets: dict[str, Any] = {}
    try:  # the exposure ledger (issue 4) adds quarantines and rolling budgets when present
        from dispatch.ledger import budgets as exposure
    except ImportError:
        exposure = None  # type: ignore[assignment]
    if exposure is not None:
        unavailable = exposure.unavailable_members(session, day=day)
        budgets = exposure.member_budgets(session, day=day, policy=policy)
    return PlanInputs(
        day=day,
        tickets=tuple(load_open_tickets(session)),
        crews=tuple(load_crews(session)),
        shifts=tuple(load_shifts(session, day=day)),
        zones=tuple(load_zones(session, day=day)),
        unavailable_members=unavailable,
        budgets=budgets,
    )
