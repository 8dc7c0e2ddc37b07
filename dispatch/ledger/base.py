"""What every ledger operation shares: its error, the policy and time-zone helpers."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from dispatch.core.policy import Policy

# Step ``progress`` of a re-plan's frozen visits (dispatch.intraday): done ones are in the ledger as actuals.
_STEP_DONE = "done"


class ExposureError(ValueError):
    """A ledger, quarantine or cohort operation was refused; the message says why and what to do."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _policy(policy: Policy | None) -> Policy:
    return policy if policy is not None else Policy()


def _tz(policy: Policy) -> ZoneInfo:
    return ZoneInfo(policy.region.timezone)


def _aware(name: str, value: dt.datetime | None) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ExposureError(f"{name}: {value.isoformat()} has no time zone", field=name)


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
