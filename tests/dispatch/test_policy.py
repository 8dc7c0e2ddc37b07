"""Policy values that decide who is an emergency, and how bad values are refused."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from dispatch.core.policy import Policy, PolicyError

TZ = ZoneInfo("Asia/Jakarta")
NOON = dt.datetime(2026, 11, 30, 12, 0, tzinfo=TZ)


def test_p1_is_an_emergency_only_while_its_target_is_ahead() -> None:
    """With the default 3 h P1 target, a P1 reported at 09:30 is an emergency at noon; one from 08:30 is not."""
    response = Policy().response
    assert response.is_emergency(priority=1, reported_at=NOON - dt.timedelta(hours=2, minutes=30), as_of=NOON)
    assert not response.is_emergency(priority=1, reported_at=NOON - dt.timedelta(hours=3, minutes=30), as_of=NOON)
    assert not response.is_emergency(priority=2, reported_at=NOON, as_of=NOON)


def test_emergency_priorities_are_configurable() -> None:
    """P2 can be made an emergency class too, and an empty list turns emergencies off."""
    both = Policy().with_overrides({"response.emergency_priorities": [1, 2]})
    assert both.response.is_emergency(priority=2, reported_at=NOON, as_of=NOON)
    off = Policy().with_overrides({"response.emergency_priorities": []})
    assert not off.response.is_emergency(priority=1, reported_at=NOON, as_of=NOON)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"response": {"emergency_priorities": [5]}}, "response.emergency_priorities: 5 is not a priority"),
        ({"response": {"emergency_priorities": "1"}}, "response.emergency_priorities: expected a list"),
        ({"response": {"emergency_customers": -1}}, "response.emergency_customers: must be >= 0"),
    ],
)
def test_bad_emergency_values_are_refused(raw: dict, message: str) -> None:
    """A wrong emergency setting names its key and what is wrong."""
    with pytest.raises(PolicyError, match=message):
        Policy.from_dict(raw)
