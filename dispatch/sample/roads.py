"""The sample region's synthetic road network: street grids in its towns (motorcycle-only gang lanes in
the urban cores), arterials between its towns and ULP offices, and a synthetic river with few bridges.

Written with pyosmium by :mod:`data.roads_synth`; every way is tagged ``source=synthetic``: it is
consistent with the sample's towns, not a map. A user points ``travel.tiles`` at tiles built from a
real West Java extract instead.
"""

from __future__ import annotations

from pathlib import Path

from data.roads_synth import SAMPLE_RIVER, Place, RegionSpec, region_network
from dispatch.sample.geography import TOWNS, on_land


def sample_places() -> tuple[Place, ...]:
    """The sample's towns as places: streets within 4 sigma of the centre, where its tickets fall."""
    return tuple(Place(t.name, t.lat, t.lon, 4 * t.sigma_km, t.urban) for t in TOWNS)


def write_sample_roads(path: Path) -> Path:
    """Write the sample region's synthetic road network to ``path`` (.osm.pbf); deterministic."""
    net = region_network(RegionSpec(places=sample_places(), rivers=(SAMPLE_RIVER,), on_land=on_land))
    path.parent.mkdir(parents=True, exist_ok=True)
    return net.write_pbf(path)
