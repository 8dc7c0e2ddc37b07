"""Closure files (GeoJSON) read into Valhalla exclusions, and their errors."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from solver.closures import END_CLEARANCE_M, POINT_EVERY_M, Closures


def feature(geometry: dict) -> dict:
    return {"type": "Feature", "properties": {}, "geometry": geometry}


def collection(*geometries: dict) -> dict:
    return {"type": "FeatureCollection", "features": [feature(g) for g in geometries]}


def test_kinds_of_closure_map_to_exclusions(tmp_path: Path) -> None:
    """A polygon closes an area; a line becomes points along it, clear of its ends; a point stays a point."""
    ring = [[108.55, -6.70], [108.56, -6.70], [108.56, -6.71], [108.55, -6.70]]
    line = [[108.570, -6.700], [108.570, -6.707]]  # 774 m north-south
    path = tmp_path / "closures.geojson"
    data = collection(
        {"type": "Polygon", "coordinates": [ring]},
        {"type": "LineString", "coordinates": line},
        {"type": "Point", "coordinates": [108.5, -6.8]},
    )
    path.write_text(json.dumps(data), encoding="utf-8")
    closures = Closures.from_geojson(path)
    assert closures.areas == (tuple(map(tuple, ring)),)
    on_line = closures.points[:-1]
    assert closures.points[-1] == (108.5, -6.8)
    expected = math.ceil((774.0 - 2 * END_CLEARANCE_M) / POINT_EVERY_M) + 1
    assert len(on_line) == expected
    lats = [lat for _, lat in on_line]
    metres_from_ends = [min(abs(lat + 6.700), abs(lat + 6.707)) * 110_574 for lat in lats]
    assert min(metres_from_ends) == pytest.approx(END_CLEARANCE_M, abs=1)
    options = closures.request_options()
    assert options["exclude_polygons"][0][0] == [108.55, -6.70]
    assert options["exclude_locations"][-1] == {"lon": 108.5, "lat": -6.8}
    assert closures.key() and Closures().key() == "" and not Closures()


def test_short_line_closes_its_midpoint() -> None:
    """A line shorter than twice the end clearance becomes the one point in its middle."""
    closures = Closures.from_geojson(
        collection({"type": "LineString", "coordinates": [[108.5, -6.7], [108.5001, -6.7]]})
    )
    assert closures.points == ((108.50005, -6.7),)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"type": "Feature"}, "expected a GeoJSON FeatureCollection"),
        ({"type": "FeatureCollection", "features": [{"type": "Feature"}]}, "feature 0: has no geometry"),
        (collection({"type": "Circle", "coordinates": [1, 2]}), "feature 0: geometry type 'Circle' is not a closure"),
        (collection({"type": "Point", "coordinates": [200, 1]}), "feature 0: position [200.0, 1.0] is not WGS84"),
        (collection({"type": "LineString", "coordinates": [[1, 2]]}), "feature 0: a line needs at least two positions"),
        (
            collection({"type": "Polygon", "coordinates": [[[1, 2], [2, 2], [2, 3], [1, 3]]]}),
            "feature 0: a polygon ring needs at least four positions, the last equal to the first",
        ),
    ],
)
def test_bad_closure_file_names_the_feature(data: dict, message: str) -> None:
    """Each fault names the feature and what is wrong."""
    with pytest.raises(ValueError) as err:
        Closures.from_geojson(data)
    assert message in str(err.value)


def test_unreadable_closure_file(tmp_path: Path) -> None:
    """A missing file and a non-JSON file are errors naming the file."""
    with pytest.raises(ValueError, match="cannot read"):
        Closures.from_geojson(tmp_path / "missing.geojson")
    bad = tmp_path / "bad.geojson"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.geojson: not JSON"):
        Closures.from_geojson(bad)
