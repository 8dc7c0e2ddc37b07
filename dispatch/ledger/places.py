"""The riskiest zone at a home on a date, as the ledger records it beside each row."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from dispatch.core.exposure import OUTSIDE, Place, riskiest
from dispatch.core.zones import ZoneIndex
from dispatch.store.models.zones import load_zones


class ZonesByDay:
    """The riskiest zone at a home, from the zones valid on each date (loaded once per date)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.by_day: dict[dt.date, ZoneIndex] = {}

    def at(self, day: dt.date, lat: float | None, lon: float | None) -> Place:
        if lat is None or lon is None:
            return OUTSIDE
        if day not in self.by_day:
            self.by_day[day] = ZoneIndex(load_zones(self.session, day=day))
        return riskiest(self.by_day[day].at(lon, lat))
