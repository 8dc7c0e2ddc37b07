"""The synthetic region generator (data/roads_synth.py) on three small towns with a river: a
connected, routable network, labelled synthetic, that only a few bridges carry over the river."""

from __future__ import annotations

import math
import random
from pathlib import Path

import numpy as np
import osmium
import pytest

from data.roads_synth import GENERATOR, SOURCE_TAG, Place, RegionSpec, River, region_network
from solver.road_tiles import RoadTiles, build_tiles
from solver.roads import UNREACHABLE_S, RoadTravel

# Kota (urban) west of the river, two villages east of it; the river runs north-south through Kota's east.
PLACES = (
    Place("Kota", -6.720, 108.550, 2.0, urban=True),
    Place("Desa Timur", -6.720, 108.610, 1.5),
    Place("Desa Utara", -6.670, 108.590, 1.2),
)
RIVER = River("Kali Uji", ((108.565, -6.80), (108.563, -6.72), (108.567, -6.64)), local_bridge_every_km=5.0)


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, RoadTiles]:
    root = tmp_path_factory.mktemp("synth")
    extract = region_network(RegionSpec(places=PLACES, rivers=(RIVER,))).write_pbf(root / "region.osm.pbf")
    tiles, _ = build_tiles(extract, root / "tiles")
    return extract, tiles


def test_every_way_is_labelled_synthetic(region) -> None:
    """The file header and every way say the network is synthetic."""
    extract, _ = region
    with osmium.io.Reader(str(extract)) as reader:
        assert reader.header().get("generator") == GENERATOR
    tags = [
        dict(w.tags) for w in osmium.FileProcessor(str(extract)).with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
    ]
    assert tags and all(t["source"] == SOURCE_TAG for t in tags)
    kinds = {t["highway"] for t in tags}
    assert {"primary", "residential", "service"} <= kinds  # arterials, town streets, motorcycle lanes
    assert any(t.get("oneway") == "yes" for t in tags)
    bridges = [t for t in tags if t.get("bridge") == "yes"]
    assert 1 <= len(bridges) <= 6  # few bridges over 18 km of river


def test_every_point_of_every_town_is_routable(region) -> None:
    """Random homes within each town's radius snap to a road and reach every other home, by car and motorcycle."""
    _, tiles = region
    rng = random.Random(3)
    points = []
    for p in PLACES:
        for _ in range(12):
            r, a = p.radius_km * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
            dlat = r * math.sin(a) / 110.574
            dlon = r * math.cos(a) / (111.320 * math.cos(math.radians(p.lat)))
            points.append((p.lon + dlon, p.lat + dlat))
    travel = RoadTravel(tiles, max_snap_m=300).matrices(_sites(points))
    for profile in ("car", "motorcycle"):
        assert (travel.for_profile(profile).durations < UNREACHABLE_S).all()


def test_the_river_makes_neighbours_across_it_far_apart(region) -> None:
    """Two homes 600 m apart on either bank, away from a bridge, are several km apart by road."""
    _, tiles = region
    west, east = (108.560, -6.705), (108.5665, -6.705)
    m = RoadTravel(tiles, profiles=("car",)).profile_matrices(np.array([west, east]), "car")
    assert m.distances[0, 1] > 3 * 700


def test_same_spec_same_network() -> None:
    """The generator is deterministic: the same spec writes the same nodes and ways."""
    a = region_network(RegionSpec(places=PLACES, rivers=(RIVER,)))
    b = region_network(RegionSpec(places=PLACES, rivers=(RIVER,)))
    assert a.nodes == b.nodes and a.ways == b.ways


def _sites(points):
    from solver.model import Model

    m = Model()
    return [m.add_site(x=lon, y=lat) for lon, lat in points]


def test_cli_writes_a_network_from_a_places_file(tmp_path: Path) -> None:
    """`python -m data.roads_synth` writes the extract; a bad places file exits 2 naming the place."""
    import json
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    places = tmp_path / "places.json"
    places.write_text(
        json.dumps([{"name": p.name, "lat": p.lat, "lon": p.lon, "radius_km": p.radius_km} for p in PLACES])
    )
    out = tmp_path / "region.osm.pbf"
    cmd = [sys.executable, "-m", "data.roads_synth", "--places", str(places), "--out", str(out)]
    done = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert out.stat().st_size > 0 and "(synthetic)" in done.stdout
    places.write_text(json.dumps([{"name": "Kota", "lat": -6.7}]))
    done = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "place [0]" in done.stderr
