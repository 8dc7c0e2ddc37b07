"""Building Valhalla tiles from an extract: once, again only when the extract changes, never
leaving half-built tiles behind."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from data.roads_synth import STREET, OsmNetwork
from solver.road_tiles import RoadNetworkError, build_tiles, open_tiles
from solver.roads import RoadTravel


def two_street_extract(path: Path, east: float = 108.56) -> Path:
    net = OsmNetwork()
    net.add_way([(108.55, -6.70), (east, -6.70)], {**STREET, "name": "Jl. Satu"})
    net.add_way([(east, -6.70), (east, -6.71)], {**STREET, "name": "Jl. Dua"})
    return net.write_pbf(path)


def test_build_once_then_only_when_the_extract_changes(tmp_path: Path) -> None:
    """A second build of the same extract is skipped; a changed extract is rebuilt; progress lines flow."""
    extract = two_street_extract(tmp_path / "a.osm.pbf")
    lines: list[str] = []
    tiles, built = build_tiles(extract, tmp_path / "tiles", progress=lines.append)
    assert built and any("Building" in line or "tile" in line.lower() for line in lines)
    assert not list((tmp_path / "tiles" / "tiles").glob("*.bin"))  # builder leftovers removed
    start = time.perf_counter()
    again, built = build_tiles(extract, tmp_path / "tiles")
    assert not built and again == tiles and time.perf_counter() - start < 1
    first_id = tiles.build_id
    two_street_extract(extract, east=108.57)
    changed, built = build_tiles(extract, tmp_path / "tiles")
    assert built and changed.build_id != first_id
    m = RoadTravel(open_tiles(tmp_path / "tiles"), profiles=("car",)).profile_matrices(
        np.array([(108.5501, -6.7001), (108.5699, -6.7099)]), "car"
    )
    assert m.distances[0, 1] == pytest.approx(2200 + 1100, rel=0.03)  # the longer first street


def test_failed_build_keeps_the_old_tiles(tmp_path: Path) -> None:
    """A broken extract fails with the builder's message; the tiles built before still answer."""
    extract = two_street_extract(tmp_path / "a.osm.pbf")
    tiles, _ = build_tiles(extract, tmp_path / "tiles")
    broken = tmp_path / "broken.osm.pbf"
    broken.write_bytes(b"this is not a protobuf extract")
    with pytest.raises(RoadNetworkError, match="building road tiles failed"):
        build_tiles(broken, tmp_path / "tiles")
    assert open_tiles(tmp_path / "tiles").build_id == tiles.build_id
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_missing_extract_is_a_clear_error(tmp_path: Path) -> None:
    """Naming an extract that does not exist says so."""
    with pytest.raises(RoadNetworkError, match="no such extract"):
        build_tiles(tmp_path / "nowhere.osm.pbf", tmp_path / "tiles")


def test_build_refuses_to_replace_a_folder_that_is_not_tiles(tmp_path: Path) -> None:
    """Pointing the build at a folder of other files stops with an error and leaves the files alone."""
    extract = two_street_extract(tmp_path / "a.osm.pbf")
    other = tmp_path / "documents"
    other.mkdir()
    (other / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(RoadNetworkError, match="not a road-tiles folder"):
        build_tiles(extract, other)
    assert (other / "notes.txt").read_text(encoding="utf-8") == "keep me"
