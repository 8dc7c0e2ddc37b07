"""The sample region generator: deterministic, valid rows, the bundled files, scaling, storm surges."""

from __future__ import annotations

import csv
import json
import math
import re
from collections import Counter
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from shapely.geometry import Point, shape

from dispatch.core.domain import Category, HouseholdRisk, Vehicle
from dispatch.core.policy import Policy
from dispatch.sample.columns import CREW_COLUMNS, SHIFT_COLUMNS, TICKET_COLUMNS
from dispatch.sample.geography import REGION_BBOX, on_land
from dispatch.sample.region import SampleRegion, generate_region, main, surge_tickets

DAY = date(2026, 11, 30)  # a Monday; Friday 2026-12-04 is inside the 7 shift dates
BUNDLED = Path(__file__).resolve().parents[2] / "data" / "sample"
SKILLS = {"lv", "mv", "ppe"}


@pytest.fixture(scope="module")
def region() -> SampleRegion:
    return generate_region(n_tickets=300, n_crews=12, day=DAY, seed=7)


def _hhmm(text: str) -> time:
    assert re.fullmatch(r"\d\d:\d\d", text), text
    return time.fromisoformat(text)


def _in_bbox(lat: float, lon: float) -> bool:
    min_lat, min_lon, max_lat, max_lon = REGION_BBOX
    return min_lat <= lat <= max_lat and min_lon <= lon <= max_lon


def _check_ticket(row: dict[str, str], *, day: date) -> None:
    assert tuple(row) == TICKET_COLUMNS
    reported = datetime.fromisoformat(row["reported_at"])
    assert reported.utcoffset() == timedelta(hours=7), row["reported_at"]
    midnight = datetime.combine(day, time(0, 0), tzinfo=reported.tzinfo)
    assert midnight - timedelta(days=2) <= reported < midnight, row
    Category(row["category"])
    lat, lon = float(row["lat"]), float(row["lon"])
    assert _in_bbox(lat, lon) and on_land(lat, lon), row
    assert re.fullmatch(r"(Jl\.|Gg\.|Blok) .+, (Kel\.|Desa) .+, Kec\. .+", row["address"]), row["address"]
    assert re.fullmatch(r"\d{12}", row["customer_id"]), row
    assert row["customer_name"]
    assert re.fullmatch(r"\+62\d{8,12}", row["phone"]), row
    assert row["priority"] in ("", "1", "2", "3", "4")
    assert row["critical_facility"] in ("true", "false")
    if row["critical_facility"] == "true":
        assert row["priority"] == "1"
    assert 1 <= int(row["customers_affected"]) <= 400
    assert row["service_min"] == "" or int(row["service_min"]) > 0
    assert row["indoor"] in ("", "true", "false")
    HouseholdRisk(row["household_risk"])
    assert bool(row["window_start"]) == bool(row["window_end"])
    if row["window_start"]:
        assert _hhmm(row["window_start"]) < _hhmm(row["window_end"])
    assert row["skills"] == "" or set(row["skills"].split(";")) <= SKILLS
    if row["category"] in ("line_down", "pole"):
        assert "mv" in row["skills"].split(";")
    if row["household_risk"] == "isolating":
        assert "ppe" in row["skills"].split(";")
    assert re.fullmatch(r"GD-[A-Z]{3}-\d{4}", row["transformer_id"]), row


def test_same_seed_same_region_and_other_seed_differs() -> None:
    """Generation is deterministic for a seed and changes with it."""
    a = generate_region(n_tickets=60, n_crews=4, day=DAY, seed=3)
    b = generate_region(n_tickets=60, n_crews=4, day=DAY, seed=3)
    c = generate_region(n_tickets=60, n_crews=4, day=DAY, seed=4)
    assert (a.tickets, a.crews, a.shifts, a.zones) == (b.tickets, b.crews, b.shifts, b.zones)
    assert a.tickets != c.tickets


def test_sizes_and_unique_ids(region: SampleRegion) -> None:
    """300 tickets and 12 crews at the six ULP offices, every id unique, numbered in order of report."""
    assert len(region.tickets) == 300
    assert len(region.crews) == 12
    assert [d.name for d in region.depots] == [
        "ULP Cirebon Kota", "ULP Sumber", "ULP Arjawinangun", "ULP Kuningan", "ULP Majalengka", "ULP Indramayu",
    ]  # fmt: skip
    ids = [r["ticket_id"] for r in region.tickets]
    assert len(set(ids)) == 300
    assert ids[0] == "CRB-2026-000001" and ids[-1] == "CRB-2026-000300"
    assert [r["reported_at"] for r in region.tickets] == sorted(r["reported_at"] for r in region.tickets)
    assert len({r["crew_id"] for r in region.crews}) == 12


def test_every_ticket_row_is_valid(region: SampleRegion) -> None:
    """Each ticket has the documented columns with valid values, on land inside the region."""
    for row in region.tickets:
        _check_ticket(row, day=DAY)


def test_ticket_mix_is_realistic(region: SampleRegion) -> None:
    """Every category occurs, no_power/meter lead, ~10-15% need mv, a few ppe, windows and risks are a minority."""
    n = len(region.tickets)
    cats = Counter(r["category"] for r in region.tickets)
    assert set(cats) == {c.value for c in Category} - {Category.ASSET_OUTAGE.value}  # made by grouping only
    assert [c for c, _ in cats.most_common(2)] == ["no_power", "meter"]
    mv = sum("mv" in r["skills"].split(";") for r in region.tickets)
    assert 0.10 * n <= mv <= 0.15 * n
    assert 1 <= sum("ppe" in r["skills"].split(";") for r in region.tickets) <= 0.05 * n
    assert 0.10 * n <= sum(bool(r["window_start"]) for r in region.tickets) <= 0.20 * n
    assert sum(r["household_risk"] != "none" for r in region.tickets) <= 0.12 * n
    assert sum(r["priority"] == "" for r in region.tickets) >= 0.9 * n
    critical = [r["customer_name"] for r in region.tickets if r["critical_facility"] == "true"]
    assert "RSUD Gunung Jati Cirebon" in critical and "RSUD Waled" in critical
    assert max(int(r["customers_affected"]) for r in region.tickets) >= 50
    shared = Counter(r["transformer_id"] for r in region.tickets)
    assert sum(1 for k in shared.values() if k >= 2) >= 2


def test_crews_are_valid(region: SampleRegion) -> None:
    """Crews have lv, about half mv, a few ppe, 2-3 members each, member ids unique across crews."""
    members: list[str] = []
    for row in region.crews:
        assert tuple(row) == CREW_COLUMNS
        skills = row["skills"].split(";")
        assert "lv" in skills and set(skills) <= SKILLS
        Vehicle(row["vehicle"])
        assert on_land(float(row["depot_lat"]), float(row["depot_lon"]))
        assert bool(row["end_lat"]) == bool(row["end_lon"])
        if row["end_lat"]:
            assert on_land(float(row["end_lat"]), float(row["end_lon"]))
        crew_members = row["members"].split(";")
        assert 2 <= len(crew_members) <= 3
        members += crew_members
    assert len(members) == len(set(members))
    assert 5 <= sum("mv" in r["skills"] for r in region.crews) <= 7
    assert 1 <= sum("ppe" in r["skills"] for r in region.crews) <= 4
    assert 1 <= sum(bool(r["end_lat"]) for r in region.crews) <= 2


def test_shifts_cover_the_week(region: SampleRegion) -> None:
    """Every crew works the planned date; 7 dates; one night shift; Friday prayer break; standby crews."""
    crew_ids = {r["crew_id"] for r in region.crews}
    dates = set()
    for row in region.shifts:
        assert tuple(row) == SHIFT_COLUMNS
        assert row["crew_id"] in crew_ids
        dates.add(date.fromisoformat(row["date"]))
        _hhmm(row["start"]), _hhmm(row["end"])
        assert bool(row["break_start"]) == bool(row["break_end"]) == bool(row["break_min"])
        if row["break_start"]:
            window = datetime.combine(DAY, _hhmm(row["break_end"])) - datetime.combine(DAY, _hhmm(row["break_start"]))
            assert 0 < int(row["break_min"]) <= window.total_seconds() / 60
        assert row["standby"] in ("true", "false")
    assert dates == {DAY + timedelta(days=d) for d in range(7)}
    assert {r["crew_id"] for r in region.shifts if r["date"] == DAY.isoformat()} == crew_ids
    assert len(region.shifts) < 12 * 7  # rest days
    nights = [r for r in region.shifts if _hhmm(r["end"]) < _hhmm(r["start"])]
    assert nights and all((r["start"], r["end"], r["standby"]) == ("22:00", "06:00", "true") for r in nights)
    assert 1 <= len({r["crew_id"] for r in region.shifts if r["standby"] == "true"}) <= 2
    friday = [r for r in region.shifts if r["date"] == "2026-12-04" and r["break_start"] == "11:30"]
    assert friday and all(r["break_end"] == "13:00" for r in friday)
    assert any(not r["break_start"] for r in region.shifts)


def test_zones_hold_sample_tickets(region: SampleRegion) -> None:
    """Zones are valid polygons; the closed and the risk zone active on the day contain sample tickets."""
    points = [Point(float(r["lon"]), float(r["lat"])) for r in region.tickets]
    assert region.zones["type"] == "FeatureCollection"
    inside: dict[str, int] = {}
    for feature in region.zones["features"]:
        geom = shape(feature["geometry"])
        assert geom.geom_type in ("Polygon", "MultiPolygon") and geom.is_valid
        props = feature["properties"]
        assert props["risk_weight"] >= 0 and isinstance(props["closed"], bool)
        for key in ("valid_from", "valid_to"):
            if key in props:
                date.fromisoformat(props[key])
        inside[props["name"]] = sum(geom.contains(p) for p in points)
    assert inside["Pondok Buntet Pesantren (karantina)"] >= 3
    assert inside["Kel. Kalijaga (zona merah)"] >= 4
    assert inside["Pusat Kota Cirebon (macet)"] >= 1


def test_policy_file_loads(region: SampleRegion, tmp_path: Path) -> None:
    """dispatch.toml uses only keys Policy.load accepts and keeps the sample's caps."""
    paths = region.write(tmp_path)
    assert [p.name for p in paths] == ["tickets.csv", "crews.csv", "shifts.csv", "zones.geojson", "dispatch.toml"]
    policy = Policy.load(tmp_path / "dispatch.toml")
    assert policy.exposure.max_homes_per_shift == 8
    assert policy.category.skills["line_down"] == ["mv"]
    assert policy.response.target_hours[1] == 3.0
    assert policy.storm.call_standby is True


def test_written_csv_round_trips(region: SampleRegion, tmp_path: Path) -> None:
    """The CSV files read back to exactly the rows, with headers, as UTF-8."""
    region.write(tmp_path)
    for name, rows in (("tickets.csv", region.tickets), ("crews.csv", region.crews), ("shifts.csv", region.shifts)):
        with (tmp_path / name).open(encoding="utf-8", newline="") as f:
            assert list(csv.DictReader(f)) == rows
    assert json.loads((tmp_path / "zones.geojson").read_text(encoding="utf-8")) == region.zones


def test_bundled_sample_is_the_generated_one(region: SampleRegion, tmp_path: Path) -> None:
    """data/sample/ is exactly what `python -m dispatch.sample --tickets 300 --crews 12 --seed 7` writes."""
    for path in region.write(tmp_path):
        assert (BUNDLED / path.name).read_bytes() == path.read_bytes(), path.name


def test_cli_writes_the_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The CLI entry writes the five files and says what it wrote."""
    main(["--tickets", "20", "--crews", "3", "--date", "2026-11-30", "--seed", "1", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "20 tickets" in out and "3 crews" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "crews.csv", "dispatch.toml", "shifts.csv", "tickets.csv", "zones.geojson",
    ]  # fmt: skip


def test_scales_to_ten_thousand_tickets() -> None:
    """10,000 tickets / 300 crews: valid rows, crews spread over many depots, unique member ids."""
    big = generate_region(n_tickets=10_000, n_crews=300, day=DAY, seed=11)
    assert len(big.tickets) == 10_000 and len({r["ticket_id"] for r in big.tickets}) == 10_000
    assert len(big.crews) == 300 and len(big.depots) > 30
    members = [m for r in big.crews for m in r["members"].split(";")]
    assert len(members) == len(set(members))
    per_depot = Counter((r["depot_lat"], r["depot_lon"]) for r in big.crews)
    assert max(per_depot.values()) - min(per_depot.values()) <= 1
    for row in big.tickets[::50]:
        _check_ticket(row, day=DAY)
    assert {r["crew_id"] for r in big.shifts if r["date"] == DAY.isoformat()} == {r["crew_id"] for r in big.crews}


def test_surge_tickets_cluster_around_the_storm() -> None:
    """Storm tickets are valid rows within the radius, deterministic, ids from the prefix."""
    centre = (-6.7596, 108.4812)  # Sumber
    rows = surge_tickets(n=80, around=centre, radius_km=5.0, day=DAY, seed=2, id_prefix="STORM")
    assert rows == surge_tickets(n=80, around=centre, radius_km=5.0, day=DAY, seed=2, id_prefix="STORM")
    assert [r["ticket_id"] for r in rows] == [f"STORM-{k:06d}" for k in range(1, 81)]
    for row in rows:
        _check_ticket(row, day=DAY)
        lat, lon = float(row["lat"]), float(row["lon"])
        dist = math.hypot((lat - centre[0]) * 110.574, (lon - centre[1]) * 111.32 * math.cos(math.radians(lat)))
        assert dist <= 5.01
    assert Counter(r["category"] for r in rows)["line_down"] >= 5
    assert len(surge_tickets(n=5, around=None, radius_km=3.0, day=DAY, seed=1, id_prefix="S")) == 5


def test_surge_centre_at_sea_is_refused() -> None:
    """A storm centred in the Java Sea is a clear error rather than tickets on water."""
    with pytest.raises(ValueError, match="not on land"):
        surge_tickets(n=3, around=(-6.60, 108.70), radius_km=2.0, day=DAY, seed=1, id_prefix="S")
