"""The product on roads (tiny town of tests/roads/networks.py): policy, planner, re-plan drives, closures
file, unsnappable tickets and ``dispatch roads build``; the independent plan checker asks Valhalla itself."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from cli import app
from dispatch.core.domain import Category, Crew, PlanInputs, Shift, Ticket, Vehicle
from dispatch.core.policy import Policy, PolicyError
from dispatch.planning.nightly import make_plan
from dispatch.planning.roads import RoadsError, matrix_cache
from dispatch.planning.travel import drive_seconds
from solver.road_tiles import RoadTiles
from tests.dispatch.plan_checker import check_plan, road_seconds
from tests.roads import networks as town

DAY = dt.date(2026, 11, 30)
TZ = ZoneInfo("Asia/Jakarta")
DEPOT = (108.5482, -6.7002)  # lon, lat: on the north street
runner = CliRunner()


def _policy(tiles: RoadTiles | None, **travel: object) -> Policy:
    raw: dict[str, object] = {"solver": {"time_limit_s": 5}}
    if tiles is not None:
        raw["travel"] = {"engine": "roads", "tiles": str(tiles.directory), **travel}
    return Policy.from_dict(raw)


def _ticket(tid: str, lonlat: tuple[float, float]) -> Ticket:
    reported = dt.datetime(2026, 11, 29, 20, 0, tzinfo=TZ)
    return Ticket(tid, reported, Category.TREE, lat=lonlat[1], lon=lonlat[0], priority=2, service_min=15)


def _inputs(*extra: Ticket) -> PlanInputs:
    homes = {"A": town.HOME_A, "B": town.HOME_B, "X": town.HOME_X, "Y": town.HOME_Y, "G2": town.HOME_G2}
    crews = (
        Crew("CAR", "Car crew", depot_lat=DEPOT[1], depot_lon=DEPOT[0], vehicle=Vehicle.CAR, members=("m1", "m2")),
        Crew(
            "MOTO",
            "Motorcycle crew",
            depot_lat=DEPOT[1],
            depot_lon=DEPOT[0],
            vehicle=Vehicle.MOTORCYCLE,
            members=("m3", "m4"),
        ),
    )
    start, end = dt.datetime(2026, 11, 30, 8, tzinfo=TZ), dt.datetime(2026, 11, 30, 16, tzinfo=TZ)
    shifts = tuple(Shift(c.crew_id, DAY, start, end) for c in crews)
    tickets = tuple(_ticket(k, v) for k, v in homes.items()) + extra
    return PlanInputs(day=DAY, tickets=tickets, crews=crews, shifts=shifts)


def test_policy_roads_needs_tiles_and_a_known_engine() -> None:
    """engine = "roads" without tiles, or an unknown engine, is a policy error naming the key."""
    with pytest.raises(PolicyError, match="travel.tiles"):
        Policy.from_dict({"travel": {"engine": "roads"}})
    with pytest.raises(PolicyError, match="travel.engine"):
        Policy.from_dict({"travel": {"engine": "osrm"}})
    assert Policy().travel.engine == "great_circle"  # great-circle stays the default


def test_plan_on_roads_matches_valhalla_and_the_checker(tiny_tiles: RoadTiles) -> None:
    """The nightly plan on roads serves every ticket; each drive equals Valhalla's own time for that
    pair and vehicle (asked by the checker, not the planner), and the checker finds nothing."""
    policy = _policy(tiny_tiles)
    inputs = _inputs()
    doc = make_plan(inputs, policy, reproducible=True, workers=1).plan.to_json()
    assert doc["summary"]["served"] == len(inputs.tickets)
    assert check_plan(doc, inputs, policy) == []
    legs = 0
    for route in doc["routes"]:
        steps = [s for s in route["steps"] if s["type"] != "break"]
        for p, q in zip(steps, steps[1:], strict=False):
            took = (dt.datetime.fromisoformat(q["arrival"]) - dt.datetime.fromisoformat(p["end"])).total_seconds()
            if (p["lat"], p["lon"]) == (q["lat"], q["lon"]):
                continue
            vehicle = "car" if route["crew_id"] == "CAR" else "motorcycle"
            assert took == road_seconds(policy, vehicle, (p["lat"], p["lon"]), (q["lat"], q["lon"]))
            legs += 1
    assert legs >= 4


def test_great_circle_plan_breaks_the_road_checker(tiny_tiles: RoadTiles) -> None:
    """A plan made on great-circle times crosses the river faster than any road allows: the
    checker, reading road times, says so."""
    inputs = _inputs()
    doc = make_plan(inputs, _policy(None), reproducible=True, workers=1).plan.to_json()
    problems = check_plan(doc, inputs, _policy(tiny_tiles))
    assert any("faster than the travel model allows" in p for p in problems)


def test_unsnappable_ticket_is_named_with_its_distance(tiny_tiles: RoadTiles) -> None:
    """A ticket 4 km from any road stops the plan with an error naming that ticket and the distance."""
    with pytest.raises(RoadsError) as err:
        make_plan(_inputs(_ticket("FAR-1", town.FAR_AWAY)), _policy(tiny_tiles), reproducible=True, workers=1)
    (problem,) = err.value.problems
    assert problem.startswith("ticket FAR-1 at -6.650000, 108.545000 is ")
    assert "m from the nearest road a car can use (travel.max_snap_m 500 m)" in problem


def test_drives_one_way_and_motorcycle_lane(tiny_tiles: RoadTiles) -> None:
    """Re-plan drives on roads: X -> Y on the one-way street is shorter than Y -> X, and a motorcycle
    takes the gang a car may not."""
    policy = _policy(tiny_tiles)

    def drive(a: tuple[float, float], b: tuple[float, float], vehicle: str) -> int:
        return drive_seconds((a[1], a[0]), (b[1], b[0]), speed=1.0, zones=(), policy=policy, vehicle=vehicle)

    assert drive(town.HOME_X, town.HOME_Y, "car") * 1.5 < drive(town.HOME_Y, town.HOME_X, "car")
    assert drive(town.HOME_G1, town.HOME_G2, "motorcycle") * 1.2 < drive(town.HOME_G1, town.HOME_G2, "car")


def test_closures_file_closes_the_bridge(tiny_tiles: RoadTiles, tmp_path: Path) -> None:
    """A closures GeoJSON (a point on the east bridge) named by the policy sends A -> B round by
    the west bridge, in the planner and in the checker."""
    bridge = ((town.EAST + 0.0) , (town.N_LAT + town.S_LAT) / 2)  # fmt: skip
    closures = tmp_path / "closures.geojson"
    feature = {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": list(bridge)}}
    closures.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")
    open_policy, closed_policy = _policy(tiny_tiles), _policy(tiny_tiles, closures=str(closures))
    a, b = (town.HOME_A[1], town.HOME_A[0]), (town.HOME_B[1], town.HOME_B[0])
    open_s = drive_seconds(a, b, speed=1.0, zones=(), policy=open_policy)
    closed_s = drive_seconds(a, b, speed=1.0, zones=(), policy=closed_policy)
    assert closed_s > 2.5 * open_s
    assert closed_s == road_seconds(closed_policy, "car", a, b)
    inputs = _inputs()
    doc = make_plan(inputs, closed_policy, reproducible=True, workers=1).plan.to_json()
    assert check_plan(doc, inputs, closed_policy) == []


def test_missing_tiles_is_a_clear_error(tmp_path: Path) -> None:
    """A policy naming a folder without tiles fails the plan with the command that builds them."""
    policy = Policy.from_dict({"travel": {"engine": "roads", "tiles": str(tmp_path / "none")}})
    with pytest.raises(RoadsError, match="dispatch roads build"):
        make_plan(_inputs(), policy, reproducible=True, workers=1)


def test_roads_build_command_builds_once(tmp_path: Path) -> None:
    """`dispatch roads build` builds tiles with progress, then finds an unchanged extract up to date."""
    extract = town.write_tiny_town(tmp_path / "town.osm.pbf")
    env = {"DISPATCH_POLICY": ""}
    first = runner.invoke(app, ["roads", "build", str(extract), "--tiles", str(tmp_path / "t")], env=env)
    assert first.exit_code == 0, first.output
    assert "Built road tiles" in first.stdout
    again = runner.invoke(app, ["roads", "build", str(extract), "--tiles", str(tmp_path / "t"), "--json"], env=env)
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["built"] is False
    missing = runner.invoke(app, ["roads", "build", str(tmp_path / "nope.osm.pbf")], env=env)
    assert missing.exit_code == 1 and "no such extract" in missing.stderr


def test_sheets_draw_the_road_path_and_etas_are_road_times(tiny_tiles: RoadTiles, tmp_path: Path) -> None:
    """On roads the sheets' route line follows the streets (over the east bridge to B, not across the
    river), the PDF and phone page are written from it, and a customer's ETA is the plan's road arrival."""
    from dispatch.intraday.forecast import eta_window
    from dispatch.io.sheets import write_sheets
    from dispatch.usecases.sheets import road_paths

    policy = _policy(tiny_tiles)
    inputs = _inputs()
    plan = make_plan(inputs, policy, reproducible=True, workers=1).plan
    paths = road_paths(plan, policy)
    assert paths is not None and road_paths(plan, _policy(None)) is None
    crews = {c.crew_id: c for c in inputs.crews}
    tickets = {t.ticket_id: t for t in inputs.tickets}
    files = write_sheets(plan=plan, tickets=tickets, crews=crews, zones=(), policy=policy, out_dir=tmp_path,
                         lang="en", road_paths=paths)  # fmt: skip
    assert {f.name for f in files} >= {"CAR.pdf", "CAR.html", "MOTO.geojson", "index.pdf"}
    route = next(r for r in plan.routes if "B" in r.ticket_ids)
    geo = json.loads((tmp_path / f"{route.crew_id}.geojson").read_text(encoding="utf-8"))
    (line,) = [f["geometry"]["coordinates"] for f in geo["features"] if f["properties"].get("kind") == "route"]
    assert len(line) > 3 * len(route.steps)  # the road's shape, not one segment per leg
    on_bridge = [p for p in line if abs(p[0] - town.EAST) < 1e-4 and town.S_LAT - 1e-4 <= p[1] <= town.N_LAT + 1e-4]
    assert on_bridge
    first = route.visits[0]
    start = route.steps[0]
    a, b = (start.lat, start.lon), (first.lat, first.lon)
    eta = eta_window(plan, first.ticket_id or "")
    assert eta is not None and eta.arrival == first.arrival
    vehicle = "car" if route.crew_id == "CAR" else "motorcycle"
    assert (first.arrival - start.end).total_seconds() == road_seconds(policy, vehicle, a, b)


def test_replan_mid_drive_moves_the_crew_along_the_road(tiny_tiles: RoadTiles) -> None:
    """Re-planned halfway through its drive to B (across the river, by the bridge), with no position
    reported, the crew is placed along the road it drives, not in the river between: it still reaches
    B when the road plan said; the positions do not grow the matrix cache."""
    from dispatch.intraday.model import ReplanInputs, VisitFact
    from dispatch.intraday.replan import make_replan

    policy = _policy(tiny_tiles)
    inputs = _inputs()
    plan = make_plan(inputs, policy, reproducible=True, workers=1).plan.with_(plan_id=1)
    route = next(r for r in plan.routes if "B" in r.ticket_ids)
    visits = list(route.visits)
    k = next(i for i, s in enumerate(visits) if s.ticket_id == "B")
    left = visits[k - 1].end if k else route.steps[0].end
    now = left + (visits[k].arrival - left) / 2
    done = tuple(VisitFact(s.ticket_id or "", route.crew_id, s.arrival, s.end, s.indoor) for s in visits[:k])
    computed = matrix_cache(policy).stats.computed
    new = make_replan(ReplanInputs(inputs=inputs, previous=plan, at=now, visits=done), policy, time_limit=5,
                      reproducible=True, workers=1).plan  # fmt: skip
    step = next(s for r in new.routes for s in r.visits if s.ticket_id == "B")
    assert abs((step.arrival - visits[k].arrival).total_seconds()) <= 60
    # The crews' positions are new places, only ever left: their rows are searched, the cache not grown.
    assert matrix_cache(policy).stats.computed == computed


def test_zone_speeds_cap_road_times_only_when_asked(tiny_tiles: RoadTiles, tmp_path: Path) -> None:
    """A 5 km/h zone around A slows road drives from A only with travel.zone_speeds_on_roads; the
    matrix cache folder named by the policy is written to disk."""
    from shapely.geometry import box

    from dispatch.core.domain import Zone
    from dispatch.planning.travel import travel_matrices

    slow = Zone("Pasar", box(town.HOME_A[0] - 0.002, town.HOME_A[1] - 0.002, town.HOME_A[0] + 0.002,
                             town.HOME_A[1] + 0.002), speed_kmh=5.0)  # fmt: skip
    sites = [town.HOME_A, town.HOME_B]
    cache = tmp_path / "cache"
    plain = travel_matrices(sites, [slow], _policy(tiny_tiles, cache=str(cache)), names=["A", "B"])
    capped = travel_matrices(sites, [slow], _policy(tiny_tiles, zone_speeds_on_roads=True), names=["A", "B"])
    road, metres = int(plain.durations[0, 1]), int(plain.distances[0, 1])
    assert int(capped.durations[0, 1]) == max(road, math.ceil(metres / 2 / (5 / 3.6) + metres / 2 / (30 / 3.6)))
    assert int(capped.durations[0, 1]) > road
    assert list(cache.glob("*.npz"))
