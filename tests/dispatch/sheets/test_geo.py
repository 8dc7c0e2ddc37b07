"""CSV and GeoJSON exports read back and checked against the plan."""

from __future__ import annotations

import csv
import json

import pytest
from shapely.geometry import LineString, Point, shape

from .conftest import load_plan, route_ticket_ids

CREWS = ("C01", "C02", "C03")


def _visits(plan: dict, crew: str) -> list[dict]:
    route = next(r for r in plan["routes"] if r["crew_id"] == crew)
    return [s for s in route["steps"] if s["type"] == "visit"]


@pytest.mark.parametrize("lang", ["id", "en"])
def test_geojson_matches_the_plan(written, lang: str) -> None:
    """Each crew's GeoJSON: one route LineString through depot and stops in order, one Point per stop at [lon, lat]."""
    out_dir, _ = written[lang]
    plan = load_plan()
    for crew in CREWS:
        data = json.loads((out_dir / f"{crew}.geojson").read_text(encoding="utf-8"))
        assert data["type"] == "FeatureCollection"
        geoms = [(f["properties"]["kind"], shape(f["geometry"]), f["properties"]) for f in data["features"]]
        routes = [g for kind, g, _ in geoms if kind == "route"]
        stops = [(g, p) for kind, g, p in geoms if kind == "stop"]
        visits = _visits(plan, crew)
        assert len(routes) == 1 and isinstance(routes[0], LineString)
        assert [p["ticket_id"] for _, p in stops] == route_ticket_ids(plan, crew)
        assert [p["seq"] for _, p in stops] == list(range(1, len(visits) + 1))
        for (point, props), step in zip(stops, visits, strict=True):
            assert isinstance(point, Point)
            assert (point.x, point.y) == pytest.approx((step["lon"], step["lat"]))
            assert props["homes_entered"] == step["homes_entered"]
            assert props["exposure_total_min"] == pytest.approx(step["exposure_total_min"])
            assert props["nav_uri"] == f"geo:{step['lat']:.6f},{step['lon']:.6f}?q={step['lat']:.6f},{step['lon']:.6f}"
        # The line starts at the depot and visits the stops in order.
        line = list(routes[0].coords)
        depot = next(
            s for s in next(r for r in plan["routes"] if r["crew_id"] == crew)["steps"] if s["type"] == "start"
        )
        assert line[0] == pytest.approx((depot["lon"], depot["lat"]))
        stop_xy = [(p.x, p.y) for p, _ in stops]
        assert [xy for xy in line if xy in stop_xy] == stop_xy


def test_geojson_route_properties(written) -> None:
    """The route feature carries the crew's summary, caps and break so a GIS user sees them."""
    data = json.loads((written["en"][0] / "C01.geojson").read_text(encoding="utf-8"))
    props = next(f["properties"] for f in data["features"] if f["properties"]["kind"] == "route")
    assert props["crew_id"] == "C01" and props["visits"] == 4 and props["distance_m"] == 7800
    assert props["max_homes"] == 8 and props["max_exposure_min"] == 180
    assert props["break_start"] == "2026-11-30T11:00:00+07:00"


@pytest.mark.parametrize("lang", ["id", "en"])
def test_csv_rows_follow_the_route(written, lang: str) -> None:
    """One CSV row per visit, in order, with local times, ticket fields and the running tallies."""
    out_dir, _ = written[lang]
    plan = load_plan()
    for crew in CREWS:
        with (out_dir / f"{crew}.csv").open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        visits = _visits(plan, crew)
        assert [r["ticket_id"] for r in rows] == route_ticket_ids(plan, crew)
        assert [int(r["seq"]) for r in rows] == list(range(1, len(visits) + 1))
        for row, step in zip(rows, visits, strict=True):
            assert row["arrival"] == step["arrival"]
            assert int(row["homes_entered"]) == step["homes_entered"]
            assert float(row["exposure_total_min"]) == pytest.approx(step["exposure_total_min"])
    with (out_dir / "C01.csv").open(encoding="utf-8", newline="") as fh:
        t3 = [r for r in csv.DictReader(fh) if r["ticket_id"] == "T0003"][0]
    assert t3["indoor"] == "true" and t3["ppe_required"] == "true" and t3["ppe_level"] == "3"
    assert t3["window_from"] == "2026-11-30T09:57:00+07:00" and t3["window_to"] == "2026-11-30T10:45:00+07:00"
    assert t3["ppe_note"].startswith("APD tingkat 3: APD lengkap" if lang == "id" else "PPE level 3: full PPE")
