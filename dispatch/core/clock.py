"""Times of the planned day: the region's local midnight is every plan's time origin."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def local_midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz)
