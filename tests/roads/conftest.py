"""Road tiles built once per test session from the generated tiny town (nothing is downloaded)."""

from __future__ import annotations

import pytest

from solver.road_tiles import RoadTiles, build_tiles
from tests.roads.networks import write_tiny_town


@pytest.fixture(scope="session")
def tiny_tiles(tmp_path_factory: pytest.TempPathFactory) -> RoadTiles:
    """Valhalla tiles of the tiny town (tests/roads/networks.py)."""
    root = tmp_path_factory.mktemp("tiny-town")
    extract = write_tiny_town(root / "tiny-town.osm.pbf")
    tiles, built = build_tiles(extract, root / "tiles")
    assert built
    return tiles
