"""Road closures: a GeoJSON of closed roads or areas (a flooded street, a bridge that is out).

Valhalla honours two kinds of exclusion, and a closure file maps onto them:

* Polygon / MultiPolygon: an area; every road that enters it is closed (``exclude_polygons``).
* LineString / MultiLineString: a closed stretch of road, drawn along it; it becomes points along
  the line (``exclude_locations``), each closing the road it lies on. Points keep clear of the line's
  ends by ``END_CLEARANCE_M`` so that a closure drawn up to a junction does not close the crossing road.
* Point / MultiPoint: the road at that point is closed.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LonLat = tuple[float, float]

POINT_EVERY_M = 50.0  # along a closed line
END_CLEARANCE_M = 15.0


@dataclass(frozen=True)
class Closures:
    """Areas (rings of lon/lat; Valhalla closes roads entering them) and points (the road there)."""

    areas: tuple[tuple[LonLat, ...], ...] = ()
    points: tuple[LonLat, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.areas or self.points)

    def request_options(self) -> dict[str, Any]:
        """The exclusion fields of a Valhalla request."""
        out: dict[str, Any] = {}
        if self.areas:
            out["exclude_polygons"] = [[list(p) for p in ring] for ring in self.areas]
        if self.points:
            out["exclude_locations"] = [{"lon": lon, "lat": lat} for lon, lat in self.points]
        return out

    def key(self) -> str:
        """A stable digest, for cache keys ("" when nothing is closed)."""
        if not self:
            return ""
        text = json.dumps([self.areas, self.points], separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @classmethod
    def from_geojson(cls, source: Path | str | Mapping[str, Any]) -> Closures:
        """Read a FeatureCollection (a file path or a parsed dict). Errors name the feature and what is wrong."""
        where = str(source) if not isinstance(source, Mapping) else "closures"
        if isinstance(source, Mapping):
            data: Any = source
        else:
            try:
                data = json.loads(Path(source).read_text(encoding="utf-8"))
            except OSError as exc:
                raise ValueError(f"{where}: cannot read: {exc.strerror or exc}") from None
            except json.JSONDecodeError as exc:
                raise ValueError(f"{where}: not JSON: {exc.msg} (line {exc.lineno})") from None
        if not isinstance(data, Mapping) or data.get("type") != "FeatureCollection":
            raise ValueError(f"{where}: expected a GeoJSON FeatureCollection")
        features = data.get("features")
        if not isinstance(features, list):
            raise ValueError(f"{where}: 'features' must be a list")
        areas: list[tuple[LonLat, ...]] = []
        points: list[LonLat] = []
        for k, feature in enumerate(features):
            at = f"{where}: feature {k}"
            geometry = feature.get("geometry") if isinstance(feature, Mapping) else None
            if not isinstance(geometry, Mapping):
                raise ValueError(f"{at}: has no geometry")
            _read_geometry(geometry, at, areas, points)
        return cls(areas=tuple(areas), points=tuple(points))


def _read_geometry(geometry: Mapping[str, Any], at: str, areas: list[tuple[LonLat, ...]], points: list[LonLat]) -> None:
    kind = geometry.get("type")
    coords = geometry.get("coordinates")
    if kind == "Polygon":
        areas.append(_ring(coords[0] if isinstance(coords, list) and coords else None, at))
    elif kind == "MultiPolygon":
        for poly in _list(coords, at):
            areas.append(_ring(poly[0] if isinstance(poly, list) and poly else None, at))
    elif kind == "LineString":
        points.extend(_along(_line(coords, at)))
    elif kind == "MultiLineString":
        for line in _list(coords, at):
            points.extend(_along(_line(line, at)))
    elif kind == "Point":
        points.append(_point(coords, at))
    elif kind == "MultiPoint":
        points.extend(_point(p, at) for p in _list(coords, at))
    else:
        raise ValueError(f"{at}: geometry type {kind!r} is not a closure (Polygon, LineString or Point)")


def _list(value: Any, at: str) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise ValueError(f"{at}: coordinates must be a non-empty list")
    return value


def _point(value: Any, at: str) -> LonLat:
    if not (isinstance(value, list) and len(value) >= 2 and all(isinstance(v, int | float) for v in value[:2])):
        raise ValueError(f"{at}: a position must be [lon, lat], got {value!r}")
    lon, lat = float(value[0]), float(value[1])
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValueError(f"{at}: position [{lon}, {lat}] is not WGS84 lon/lat")
    return lon, lat


def _line(value: Any, at: str) -> tuple[LonLat, ...]:
    pts = tuple(_point(p, at) for p in _list(value, at))
    if len(pts) < 2:
        raise ValueError(f"{at}: a line needs at least two positions")
    return pts


def _ring(value: Any, at: str) -> tuple[LonLat, ...]:
    pts = tuple(_point(p, at) for p in _list(value, at))
    if len(pts) < 4 or pts[0] != pts[-1]:
        raise ValueError(f"{at}: a polygon ring needs at least four positions, the last equal to the first")
    return pts


def _metres(a: LonLat, b: LonLat) -> float:
    x = math.radians(b[0] - a[0]) * math.cos(math.radians((a[1] + b[1]) / 2))
    return 6_371_008.8 * math.hypot(x, math.radians(b[1] - a[1]))


def _along(line: Sequence[LonLat]) -> list[LonLat]:
    """Points every POINT_EVERY_M along a line, clear of its two ends (at least its midpoint)."""
    lengths = [_metres(a, b) for a, b in zip(line, line[1:], strict=False)]
    total = sum(lengths)
    if total <= 2 * END_CLEARANCE_M:
        marks = [total / 2]
    else:
        n = max(1, math.ceil((total - 2 * END_CLEARANCE_M) / POINT_EVERY_M))
        marks = [END_CLEARANCE_M + (total - 2 * END_CLEARANCE_M) * k / n for k in range(n + 1)]
    out: list[LonLat] = []
    seg, start = 0, 0.0
    for m in marks:
        while seg < len(lengths) - 1 and start + lengths[seg] < m:
            start += lengths[seg]
            seg += 1
        t = 0.0 if lengths[seg] == 0 else min(1.0, (m - start) / lengths[seg])
        a, b = line[seg], line[seg + 1]
        out.append((round(a[0] + (b[0] - a[0]) * t, 7), round(a[1] + (b[1] - a[1]) * t, 7)))
    return out
