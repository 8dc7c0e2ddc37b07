"""Times of the planned day: the region's local midnight is every plan's time origin."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def local_midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz)


# Times a person or a phone reports are refused outside these years: year 1 or 9999 is a typo, and
# would overflow when converted to UTC.
PLAUSIBLE_YEARS = range(2000, 2100)


def future_problem(moment: dt.datetime, *, now: dt.datetime, skew_min: float, tz: dt.tzinfo) -> str | None:
    """Why ``moment`` cannot be accepted as something that already happened at ``now``, or None.

    ``skew_min`` is the policy's ``region.max_clock_skew_min``: how far ahead of this computer's clock
    a report may be (a phone's clock running fast). The one rule for ticket reports, visits, crew
    positions and, later, the crew service's reports.
    """
    if moment <= now + dt.timedelta(minutes=skew_min):
        return None
    return (
        f"{moment.isoformat()} is in the future: more than {skew_min:g} min after now "
        f"({now.astimezone(tz).isoformat()}; policy region.max_clock_skew_min)"
    )
