"""The riskiest zone at a home on a date, as the ledger records it beside each row."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session

from dispatch.core.policy import Policy
from dispatch.core.zones import ZoneIndex
from dispatch.store.models.zones import load_zones


@dataclass(frozen=True)
class _Place:
    zone: str
    weight: float


class _Zones:
    """The riskiest zone at a home, from the zones valid on one date (cached per date)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.by_day: dict[dt.date, ZoneIndex] = {}

    def at(self, day: dt.date, lat: float | None, lon: float | None) -> _Place:
        if lat is None or lon is None:
            return _Place("", 1.0)
        if day not in self.by_day:
            self.by_day[day] = ZoneIndex(load_zones(self.session, day=day))
        here = self.by_day[day].at(lon, lat)
        if not here:
            return _Place("", 1.0)
        # The same rule as planning: the highest risk weight among the zones containing the home.
        top = max(here, key=lambda z: (z.risk_weight, z.name))
        return _Place(top.name, top.risk_weight)


def _multiplier(policy: Policy, risk: str) -> float:
    try:
        return policy.household_multiplier(risk)
    except ValueError:
        return 1.0
