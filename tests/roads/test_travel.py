"""Road travel (solver.roads) on the tiny town: each effect a road network has that great-circle
travel cannot show, checked against distances worked out by hand from tests/roads/networks.py."""

from __future__ import annotations

import math

import numpy as np
import pytest

from solver.closures import Closures
from solver.model import Model
from solver.road_cache import MatrixCache
from solver.road_tiles import RoadNetworkError, RoadTiles, open_tiles
from solver.roads import UNREACHABLE_M, UNREACHABLE_S, RoadTravel, UnsnappableLocations, decode_polyline6
from solver.travel import GreatCircleTravel
from tests.roads import networks as town

KM_PER_DEG_LAT = 110.574


def km_lon(dlon: float) -> float:
    return dlon * 111.320 * math.cos(math.radians(6.7))


def matrices(tiles: RoadTiles, points: list[tuple[float, float]], profile: str = "car", **kw: object):
    return RoadTravel(tiles, **kw).profile_matrices(np.array(points), profile)


def test_bridge_detour(tiny_tiles: RoadTiles) -> None:
    """Homes 730 m apart across the river are 2.55 km apart by road, over the east bridge."""
    m = matrices(tiny_tiles, [town.HOME_A, town.HOME_B])
    crow_m = GreatCircleTravel(circuity=1.0).matrices(_sites([town.HOME_A, town.HOME_B])).distances[0, 1]
    by_hand_km = 2 * km_lon(town.EAST - town.HOME_A[0]) + (town.N_LAT - town.S_LAT) * KM_PER_DEG_LAT
    assert 700 < crow_m < 760
    assert m.distances[0, 1] == pytest.approx(by_hand_km * 1000, rel=0.02)
    assert m.distances[0, 1] == m.distances[1, 0]
    assert m.durations[0, 1] > 3 * crow_m / (30 / 3.6) / 1.35  # far more than the great-circle estimate


def test_one_way_street_is_short_one_way_and_long_back(tiny_tiles: RoadTiles) -> None:
    """X -> Y runs 1.1 km along the one-way street; Y -> X goes round the loop by the top street (2.4 km)."""
    m = matrices(tiny_tiles, [town.HOME_X, town.HOME_Y])
    along_km = km_lon(town.Y[0] - town.X[0])
    around_km = along_km + 2 * (town.TOP_LAT - town.ONE_WAY_LAT) * KM_PER_DEG_LAT
    assert m.distances[0, 1] == pytest.approx(along_km * 1000, rel=0.05)
    assert m.distances[1, 0] == pytest.approx(around_km * 1000, rel=0.05)
    assert m.durations[1, 0] > 2 * m.durations[0, 1]


def test_motorcycle_takes_the_gang_a_car_cannot(tiny_tiles: RoadTiles) -> None:
    """G1 -> G2: a motorcycle rides the 1.1 km gang; a car drives round by the connector (2.1 km)."""
    travel = RoadTravel(tiny_tiles).matrices(_sites([town.HOME_G1, town.HOME_G2]))
    car, moto = travel.for_profile("car"), travel.for_profile("motorcycle")
    assert travel.profiles == ("car", "motorcycle")
    assert moto.distances[0, 1] == pytest.approx(1134, abs=60)
    assert car.distances[0, 1] == pytest.approx(2109, abs=100)
    assert moto.durations[0, 1] < car.durations[0, 1]
    # Where both drive the same streets (over the bridge), the distances agree.
    both = RoadTravel(tiny_tiles).matrices(_sites([town.HOME_A, town.HOME_B]))
    assert both.for_profile("car").distances[0, 1] == both.for_profile("motorcycle").distances[0, 1]


def test_closed_bridge_sends_traffic_over_the_other_bridge(tiny_tiles: RoadTiles) -> None:
    """With the east bridge closed (a GeoJSON line along it), A -> B crosses at the west bridge: 10.1 km."""
    closures = Closures.from_geojson(_closure_collection([[list(p) for p in town.EAST_BRIDGE]]))
    open_m = matrices(tiny_tiles, [town.HOME_A, town.HOME_B])
    closed = matrices(tiny_tiles, [town.HOME_A, town.HOME_B], closures=closures)
    by_hand_km = 2 * km_lon(town.HOME_A[0] - town.WEST) + (town.N_LAT - town.S_LAT) * KM_PER_DEG_LAT
    assert closed.distances[0, 1] == pytest.approx(by_hand_km * 1000, rel=0.02)
    assert closed.durations[0, 1] > 3 * open_m.durations[0, 1]


def test_both_bridges_closed_leaves_the_banks_unreachable(tiny_tiles: RoadTiles) -> None:
    """Closing both bridges (one a polygon over it) cuts the banks apart: the pair gets the sentinels."""
    ring = [[town.WEST - 0.0005, -6.7045], [town.WEST + 0.0005, -6.7045], [town.WEST + 0.0005, -6.7025],
            [town.WEST - 0.0005, -6.7025], [town.WEST - 0.0005, -6.7045]]  # fmt: skip
    data = _closure_collection([[list(p) for p in town.EAST_BRIDGE]])
    data["features"].append(
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [ring]}}
    )
    m = matrices(tiny_tiles, [town.HOME_A, town.HOME_B, town.HOME_X], closures=Closures.from_geojson(data))
    assert (m.durations[0, 1], m.distances[0, 1]) == (UNREACHABLE_S, UNREACHABLE_M)
    assert m.durations[0, 2] < 3600  # the north bank still reaches X
    assert np.all(np.diag(m.durations) == 0)


def test_unsnappable_location_is_named_with_its_distance(tiny_tiles: RoadTiles) -> None:
    """A location 4.3 km from the nearest road: the error names it and says how far the road is."""
    m = Model()
    for name, (lon, lat) in (("T-HOME", town.HOME_A), ("T-FAR", town.FAR_AWAY)):
        m.add_site(x=lon, y=lat, name=name)
    with pytest.raises(UnsnappableLocations) as err:
        RoadTravel(tiny_tiles).matrices(m._sites)
    (off,) = err.value.locations
    by_hand_m = (town.FAR_AWAY[1] - town.TOP_LAT) * KM_PER_DEG_LAT * 1000
    assert (off.index, off.name) == (1, "T-FAR")
    assert off.nearest_m == pytest.approx(by_hand_m, rel=0.02)
    assert "T-FAR at (-6.650000, 108.545000) is 4,3" in str(err.value) and "limit 500 m" in str(err.value)


def test_blocks_give_the_same_matrix_as_one_request(tiny_tiles: RoadTiles, monkeypatch: pytest.MonkeyPatch) -> None:
    """Matrices built two sources at a time equal the matrix built in one request."""
    points = [town.HOME_A, town.HOME_B, town.HOME_X, town.HOME_Y, town.HOME_G1, town.HOME_G2]
    whole = matrices(tiny_tiles, points)
    monkeypatch.setattr("solver.roads.PAIRS_PER_REQUEST", 2 * len(points))
    blocks = matrices(tiny_tiles, points)
    assert np.array_equal(whole.durations, blocks.durations) and np.array_equal(whole.distances, blocks.distances)


def test_cache_computes_only_new_locations_and_persists(tiny_tiles: RoadTiles, tmp_path) -> None:
    """A second plan on the same places computes nothing; one new place costs only its row and column;
    a new process (a fresh cache on the same folder) reads the matrices from disk."""
    points = [town.HOME_A, town.HOME_B, town.HOME_X]
    cache = MatrixCache(tmp_path / "cache")
    first = matrices(tiny_tiles, points, cache=cache)
    again = matrices(tiny_tiles, list(reversed(points)), cache=cache)
    assert cache.stats.computed == 3
    assert np.array_equal(again.durations, first.durations[::-1, ::-1])
    grown = matrices(tiny_tiles, [*points, town.HOME_Y], cache=cache)
    assert (cache.stats.computed, cache.stats.pairs_computed) == (4, 9 + 4 + 3)
    assert np.array_equal(grown.durations, matrices(tiny_tiles, [*points, town.HOME_Y]).durations)
    fresh = MatrixCache(tmp_path / "cache")
    assert np.array_equal(matrices(tiny_tiles, points, cache=fresh).distances, first.distances)
    assert fresh.stats.computed == 0
    # Closures and vehicles are separate entries.
    matrices(tiny_tiles, points, "motorcycle", cache=fresh)
    assert fresh.stats.computed == 3


def test_route_shape_follows_the_roads_over_the_bridge(tiny_tiles: RoadTiles) -> None:
    """The drawn path from A to B runs east to the bridge, crosses it and comes back west: no straight line."""
    shape = RoadTravel(tiny_tiles).route_shape([town.HOME_A, town.HOME_B, town.HOME_A], "car")
    assert len(shape.legs) == 2
    path = shape.points
    assert max(lon for lon, _ in path) == pytest.approx(town.EAST, abs=1e-5)
    assert (town.EAST, town.N_LAT) in path and (town.EAST, town.S_LAT) in path
    m = matrices(tiny_tiles, [town.HOME_A, town.HOME_B])
    assert shape.leg_seconds[0] == pytest.approx(m.durations[0, 1], abs=1)
    assert shape.leg_metres[0] == pytest.approx(m.distances[0, 1], abs=2)


def test_decode_polyline6() -> None:
    """The precision-6 polyline decoder reads Google's documented example (scaled to 1e-6)."""
    assert decode_polyline6("_izlhA~rlgdF_{geC~ywl@_kwzCn`{nI") == [
        (-120.2, 38.5), (-120.95, 40.7), (-126.453, 43.252),
    ]  # fmt: skip


def test_open_tiles_without_a_build_is_a_clear_error(tmp_path) -> None:
    """Pointing at a folder with no tiles says so and how to make them."""
    with pytest.raises(RoadNetworkError, match="no road tiles here"):
        open_tiles(tmp_path)


def _sites(points: list[tuple[float, float]]):
    m = Model()
    return [m.add_site(x=lon, y=lat) for lon, lat in points]


def _closure_collection(lines: list[list[list[float]]]) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "jembatan putus"},
                "geometry": {"type": "LineString", "coordinates": line},
            }
            for line in lines
        ],
    }


def test_worker_threads_give_the_same_matrix(tiny_tiles: RoadTiles, monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks computed by two threads, each with its own engine, equal the single-threaded matrix."""
    points = [town.HOME_A, town.HOME_B, town.HOME_X, town.HOME_Y, town.HOME_G1, town.HOME_G2]
    one = matrices(tiny_tiles, points)
    monkeypatch.setattr("solver.roads.PAIRS_PER_REQUEST", len(points))  # one source per request
    two = matrices(tiny_tiles, points, workers=2)
    assert np.array_equal(one.durations, two.durations) and np.array_equal(one.distances, two.distances)


def test_between_gives_rectangular_matrices(tiny_tiles: RoadTiles) -> None:
    """From one place to some others (an ETA from a crew's position): the same figures as the full matrix."""
    full = matrices(tiny_tiles, [town.HOME_A, town.HOME_B, town.HOME_X])
    dur, dist = RoadTravel(tiny_tiles).between(np.array([town.HOME_A]), np.array([town.HOME_B, town.HOME_X]), "car")
    assert dur.tolist() == [full.durations[0, 1:].tolist()] and dist.tolist() == [full.distances[0, 1:].tolist()]
    with pytest.raises(UnsnappableLocations):
        RoadTravel(tiny_tiles).between(np.array([town.FAR_AWAY]), np.array([town.HOME_B]), "car")
