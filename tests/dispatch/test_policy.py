"""Policy values that decide who is an emergency, and how bad values are refused."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from dispatch.core.policy import CIREBON_BBOX, Policy, PolicyError, Range, ranged_fields

TZ = ZoneInfo("Asia/Jakarta")
NOON = dt.datetime(2026, 11, 30, 12, 0, tzinfo=TZ)
SAMPLE_POLICY = Path(__file__).resolve().parents[2] / "data" / "sample" / "dispatch.toml"


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
        ({"response": {"emergency_customers": -1}}, "response.emergency_customers: must be between 0 and 1000000"),
    ],
)
def test_bad_emergency_values_are_refused(raw: dict, message: str) -> None:
    """A wrong emergency setting names its key and what is wrong."""
    with pytest.raises(PolicyError, match=message):
        Policy.from_dict(raw)


# ---------------------------------------------------------------------------------- hostile values (issue 13)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[category.priority]\nmeter = 9", "category.priority.meter: must be between 1 and 4, got 9"),
        ("[category.priority]\nmeter = 0", "category.priority.meter: must be between 1 and 4, got 0"),
        ("[category.service_min]\nmeter = 0", "category.service_min.meter: must be between 1 and 1440, got 0"),
        ("[category.service_min]\nmeter = 100000", "category.service_min.meter: must be between 1 and 1440"),
        ("[category.service_min]\nmetre = 30", "category.service_min.metre: unknown category (known: no_power"),
        ("[category.indoor]\nfire = true", "category.indoor.fire: unknown category"),
        ("[category.skills]\nlinedown = ['mv']", "category.skills.linedown: unknown category"),
        ("[category.skills]\npole = ['hv']", "category.skills.pole: unknown skill 'hv'"),
        ("[category.indoor]\nmeter = 1", "category.indoor.meter: expected true or false, got 1"),
        (
            "[exposure]\nmax_exposure_min_per_shift = nan",
            "max_exposure_min_per_shift: must be a finite number, got nan",
        ),
        (
            "[exposure]\nmax_exposure_min_per_shift = inf",
            "max_exposure_min_per_shift: must be a finite number, got inf",
        ),
        ("[exposure]\nsuspected_multiplier = -inf", "suspected_multiplier: must be a finite number"),
        ("[solver]\ntime_limit_s = nan", "solver.time_limit_s: must be a finite number, got nan"),
        ("[solver]\ntime_limit_s = 0", "solver.time_limit_s: must be greater than 0 and at most 86400, got 0"),
        ("[solver]\ntime_limit_s = -5", "solver.time_limit_s: must be greater than 0"),
        ("[solver]\nwait_weight = 9223372036854775807", "solver.wait_weight: must be between 0 and 1000"),
        ("[solver]\npriority_ratio = 99999999999999999999999", "solver.priority_ratio: must be between 1 and"),
        ("[response.target_hours]\n5 = 3.0", "response.target_hours.5: unknown priority (known: 1, 2, 3, 4)"),
        ("[response.target_hours]\n1 = nan", "response.target_hours.1: must be a finite number"),
        ("[response.target_hours]\n1 = 0", "response.target_hours.1: must be greater than 0"),
        ("[region]\ntimezone = 'Asia/Jakartaa'", "region.timezone: unknown time zone 'Asia/Jakartaa'"),
        ("[region]\ntimezone = '../../etc/passwd'", "region.timezone: unknown time zone"),
        ("[region]\nmax_clock_skew_min = -1", "region.max_clock_skew_min: must be between 0 and 1440"),
        ("[region]\nbbox = [1, 2, 3]", "region.bbox: expected [min_lat, min_lon, max_lat, max_lon]"),
        ("[region]\nbbox = [-6, 107, -7, 108]", "region.bbox: expected min_lat < max_lat"),
        ("[region]\nbbox = [-7, 107, -6, nan]", "region.bbox: must be finite numbers"),
        ("[skills]\nknown = []", "skills.known: must name at least one skill"),
        ("[skills]\nknown = ['lv', '../x']", "skills.known: skill '../x': '../x' is not a safe id"),
        ("[sheets.ppe.household]\nisolating = 4", "sheets.ppe.household.isolating: must be between 0 and 3, got 4"),
        ("[sheets.ppe.household]\ncovid = 3", "sheets.ppe.household.covid: unknown household risk"),
        ("[sheets]\nphone_on_paper = 'yes'", "sheets.phone_on_paper: expected true or false"),
        ("[travel]\ncar_speed_kmh = 0", "travel.car_speed_kmh: must be greater than 0"),
        ("region = 3", "region: expected a table, got 3"),
    ],
)
def test_hostile_policy_values_are_refused(tmp_path, toml: str, message: str) -> None:
    """Out-of-range, non-finite, overflowing and unknown-key values name their key and what is wrong."""
    path = tmp_path / "dispatch.toml"
    path.write_text(toml + "\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=re.escape(message)):
        Policy.load(path)


def test_every_number_in_the_policy_declares_its_range() -> None:
    """No number field can slip past validation: each one carries a Range (so NaN and inf are refused too)."""
    missing = [name for name, f in ranged_fields() if not isinstance(f.metadata.get("range"), Range)]
    assert missing == []
    assert len(ranged_fields()) >= 20


def test_overrides_are_validated_like_the_file() -> None:
    """A scenario's or CLI's dotted override passes the same checks as dispatch.toml."""
    with pytest.raises(PolicyError, match="override: exposure.max_homes_per_shift: must be between 0 and 1000"):
        Policy().with_overrides({"exposure.max_homes_per_shift": 10**20})
    with pytest.raises(PolicyError, match="solver.time_limit_s: must be a finite number"):
        Policy().with_overrides({"solver.time_limit_s": float("nan")})


def test_unreadable_policy_files_are_one_clear_error(tmp_path) -> None:
    """A non-UTF-8 file, a folder and a missing file each give a PolicyError naming the path, not a traceback."""
    latin = tmp_path / "latin1.toml"
    latin.write_bytes("[region]\nname = 'Cirebon Utara'\n# catatan: daerah rawan\xe9\n".encode("latin-1"))
    with pytest.raises(PolicyError, match=r"latin1.toml:3: not UTF-8 text \(byte 0xe9\)"):
        Policy.load(latin)
    with pytest.raises(PolicyError, match="is a folder, not a policy file"):
        Policy.load(tmp_path)
    with pytest.raises(PolicyError, match="policy file not found"):
        Policy.load(tmp_path / "nope.toml")


def test_the_sample_policy_file_is_valid() -> None:
    """The bundled dispatch.toml passes every check, and its region box holds the sample's points."""
    policy = Policy.load(SAMPLE_POLICY)
    assert policy.region.bbox == list(CIREBON_BBOX)
    assert not policy.region.outside(-6.72, 108.55)
    assert policy.region.outside(0.0, 0.0) and policy.region.outside(108.55, -6.72)


def test_huge_deep_and_special_policy_files_are_refused(tmp_path) -> None:
    """A 2 MB file, TOML nested 100,000 deep and a device are each one PolicyError, never a hang or RecursionError."""
    big = tmp_path / "big.toml"
    big.write_text("# " + "x" * 2_000_000 + "\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="larger than 1000 kB"):
        Policy.load(big)
    deep = tmp_path / "deep.toml"
    deep.write_text("a = " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="nested too deeply"):
        Policy.load(deep)
    with pytest.raises(PolicyError, match="not a regular file"):
        Policy.load("/dev/zero")
