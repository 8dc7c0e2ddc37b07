"""Importing zones.geojson: risk, slow and closed zones with their validity dates."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import box, shape
from shapely.validation import explain_validity
from sqlmodel import Session, col, select

from dispatch.core.policy import Policy, RegionPolicy
from dispatch.io.importing.rows import _YMD, REJECT_REASON, ImportErrors, ImportReport, _read_text, text_problem
from dispatch.runtime.files import replace_file
from dispatch.store.models.zones import ZoneRow, geometry_to_text

ZONE_PROPERTIES = ("name", "risk_weight", "closed", "speed_kmh", "valid_from", "valid_to")
# The largest risk weight (the policy's PPE zone_weight has the same bound) and speed a zone may carry.
MAX_RISK_WEIGHT = 100.0
MAX_SPEED_KMH = 200.0
MAX_NAME_LENGTH = 200


@dataclass
class _Feature:
    index: int
    raw: Any
    problems: list[tuple[str, str]] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)

    def problem(self, name: str, message: str) -> None:
        self.problems.append((name, message))


def import_zones(
    session: Session, path: Path | str, *, policy: Policy | None = None, rejects: Path | str | None = None
) -> ImportReport:
    """Import ``zones.geojson`` (a FeatureCollection of polygons); zones are matched by name.

    Problems name the feature as ``features[i]`` (from 0). With ``rejects`` the bad features
    are written to that file as a GeoJSON FeatureCollection with a ``reject_reason`` property.
    """
    policy = policy or Policy()
    path = Path(path)
    rejects = Path(rejects) if rejects is not None else None
    label = str(path)
    text = _read_text(path, label)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportErrors([f"{label}:{exc.lineno}: file: not valid JSON: {exc.msg}"]) from exc
    except RecursionError as exc:  # the parser recurses per level: ~1,000 levels end it
        raise ImportErrors([f"{label}: file: {_TOO_DEEP}"]) from exc
    if _deeper_than(document, MAX_DEPTH):  # shapely and the rejects writer recurse too
        raise ImportErrors([f"{label}: file: {_TOO_DEEP}"])
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise ImportErrors([f"{label}: file: expected a GeoJSON FeatureCollection"])
    raw_features = document.get("features")
    if not isinstance(raw_features, list):
        raise ImportErrors([f"{label}: features: expected a list of features"])

    report = ImportReport(kind="zones", file=label, rows=len(raw_features))
    if not raw_features:
        report.warnings.append(f"{label}: no features to import (the collection is empty)")
    features = [_check_zone(_Feature(index=i, raw=raw), region=policy.region) for i, raw in enumerate(raw_features)]
    seen: dict[str, int] = {}
    unknown: set[str] = set()
    for feature in features:
        name = feature.fields.get("name")
        if name is not None:
            if name in seen:
                feature.problem("name", f"{name!r} is already used by features[{seen[name]}]")
            else:
                seen[name] = feature.index
        if isinstance(feature.raw, dict) and isinstance(feature.raw.get("properties"), dict):
            unknown |= set(feature.raw["properties"]) - set(ZONE_PROPERTIES) - {REJECT_REASON}
    if unknown:
        names = ", ".join(repr(k) for k in sorted(unknown))
        report.warnings.append(f"{label}: properties: unknown propert(ies) ignored: {names}")

    bad = [f for f in features if f.problems]
    if bad and rejects is None:
        errors = [f"{label}:features[{f.index}]: {name}: {message}" for f in bad for name, message in f.problems]
        raise ImportErrors(errors, warnings=report.warnings)
    if rejects is not None:
        _write_rejects(bad, rejects)
        report.rejected = len(bad)
        report.rejects_file = str(rejects)
    _store_zones(session, [f for f in features if not f.problems], report)
    return report


def _write_rejects(bad: list[_Feature], rejects: Path) -> None:
    """The bad features as a FeatureCollection, each with a ``reject_reason`` property."""
    rejected = []
    for f in bad:
        raw = dict(f.raw) if isinstance(f.raw, dict) else {"type": "Feature", "geometry": None, "value": f.raw}
        properties = raw.get("properties")
        properties = dict(properties) if isinstance(properties, dict) else {}
        properties[REJECT_REASON] = "; ".join(f"{name}: {message}" for name, message in f.problems)
        raw["properties"] = properties
        rejected.append(raw)
    collection = {"type": "FeatureCollection", "features": rejected}
    text = json.dumps(collection, ensure_ascii=False, indent=1)
    if any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        text = json.dumps(collection, ensure_ascii=True, indent=1)  # a lone surrogate: keep it escaped
    with replace_file(rejects, what="--rejects") as out:
        out.write(text)


def _store_zones(session: Session, good: list[_Feature], report: ImportReport) -> None:
    """Insert new zones and update those of the same name."""
    names = [f.fields["name"] for f in good]
    existing = {z.name: z for z in session.exec(select(ZoneRow).where(col(ZoneRow.name).in_(names)))}
    for feature in good:
        zone = existing.get(feature.fields["name"])
        if zone is None:
            zone = ZoneRow(**feature.fields)
            report.inserted += 1
        else:
            for name, value in feature.fields.items():
                setattr(zone, name, value)
            report.updated += 1
        session.add(zone)
    session.flush()


# How deep a zone file may nest: a MultiPolygon's coordinates are 7 levels below the document.
MAX_DEPTH = 32
_TOO_DEEP = f"nested more than {MAX_DEPTH} levels deep; a GeoJSON zone file nests at most 7"


def _deeper_than(document: Any, limit: int) -> bool:
    """Whether ``document`` (parsed JSON) nests lists and objects more than ``limit`` levels (no recursion)."""
    level: list[Any] = [document]
    for _ in range(limit + 1):
        inner = [v for node in level for v in (node.values() if isinstance(node, dict) else node)
                 if isinstance(v, list | dict)]  # fmt: skip
        if not inner:
            return False
        level = inner
    return True


def _check_zone(feature: _Feature, *, region: RegionPolicy) -> _Feature:
    raw = feature.raw
    if not isinstance(raw, dict) or raw.get("type") != "Feature":
        feature.problem("type", "expected a GeoJSON Feature")
        return feature
    properties = raw.get("properties")
    if properties is None:
        properties = {}
    if not isinstance(properties, dict):
        feature.problem("properties", "expected an object")
        properties = {}

    name = properties.get("name")
    if not isinstance(name, str) or not name.strip():
        feature.problem("name", "required: a non-empty text" if name in (None, "") else f"expected text, got {name!r}")
        name = None
    elif problem := text_problem(name):
        feature.problem("name", problem)
        name = None
    elif len(name.strip()) > MAX_NAME_LENGTH:
        feature.problem("name", f"longer than {MAX_NAME_LENGTH} characters ({len(name.strip())})")
        name = None

    def number(key: str, default: float | None, *, lo: float, hi: float, above: bool = False) -> float | None:
        value = properties.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            feature.problem(key, f"expected a finite number, got {value!r}")
        elif above and not lo < value <= hi:
            feature.problem(key, f"must be greater than {lo:g} and at most {hi:g}, got {value:g}")
        elif not above and not lo <= value <= hi:
            feature.problem(key, f"must be between {lo:g} and {hi:g}, got {value:g}")
        else:
            return float(value)
        return default

    risk_weight = number("risk_weight", 1.0, lo=0, hi=MAX_RISK_WEIGHT)
    speed_kmh = number("speed_kmh", None, lo=0, hi=MAX_SPEED_KMH, above=True)
    closed = properties.get("closed", False)
    if closed is None:
        closed = False
    if not isinstance(closed, bool):
        feature.problem("closed", f"expected true or false, got {closed!r}")

    def day(key: str) -> date | None:
        value = properties.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, str) and _YMD.match(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        feature.problem(key, f"expected a date YYYY-MM-DD, got {value!r}")
        return None

    valid_from, valid_to = day("valid_from"), day("valid_to")
    if valid_from and valid_to and valid_to < valid_from:
        feature.problem("valid_to", f"{valid_to} is before valid_from {valid_from}")

    geometry = _check_geometry(feature, raw.get("geometry"), region=region)
    if not feature.problems and geometry is not None and name is not None:
        feature.fields = {
            "name": name.strip(),
            "geometry": geometry_to_text(geometry),
            "risk_weight": risk_weight,
            "closed": closed,
            "speed_kmh": speed_kmh,
            "valid_from": valid_from,
            "valid_to": valid_to,
        }
    elif name is not None:
        feature.fields = {"name": name.strip()}  # still checked for duplicates
    return feature


def _check_geometry(feature: _Feature, geometry: Any, *, region: RegionPolicy) -> shapely.Geometry | None:
    if not isinstance(geometry, dict):
        feature.problem("geometry", "required: a Polygon or MultiPolygon")
        return None
    kind = geometry.get("type")
    if kind not in ("Polygon", "MultiPolygon"):
        feature.problem("geometry", f"expected a Polygon or MultiPolygon, got {kind!r}")
        return None
    ring_problem = _ring_problem(kind, geometry.get("coordinates"))
    if ring_problem:
        feature.problem("geometry", ring_problem)
        return None
    try:
        shp = shape(geometry)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        feature.problem("geometry", f"unreadable coordinates: {exc}")
        return None
    if shp.is_empty:
        feature.problem("geometry", "is empty")
        return None
    if not shp.is_valid:
        feature.problem("geometry", f"invalid: {explain_validity(shp)}")
        return None
    min_x, min_y, max_x, max_y = shp.bounds
    if min_x < -180 or max_x > 180 or min_y < -90 or max_y > 90:
        feature.problem("geometry", "coordinates outside lon -180..180, lat -90..90 (GeoJSON is lon, lat in WGS84)")
        return None
    if region.bbox:
        min_lat, min_lon, max_lat, max_lon = region.bbox
        if not shp.intersects(box(min_lon, min_lat, max_lon, max_lat)):
            bounds = ", ".join(f"{v:g}" for v in region.bbox)
            feature.problem("geometry", f"lies entirely outside the region's bounds [{bounds}] (policy region.bbox)")
            return None
    return shp


def _ring_problem(kind: str, coordinates: Any) -> str | None:
    """Why the polygon rings are not valid GeoJSON (RFC 7946 3.1.6: closed, at least 4 positions), or None."""
    polygons = [coordinates] if kind == "Polygon" else coordinates
    if not isinstance(polygons, list):
        return None  # shapely says what is wrong with the coordinates
    for p, rings in enumerate(polygons):
        if not isinstance(rings, list):
            return None
        for r, ring in enumerate(rings):
            if not isinstance(ring, list) or not all(isinstance(pos, list) for pos in ring):
                return None
            which = f"ring {r} of the polygon" if kind == "Polygon" else f"ring {r} of polygon {p}"
            if len(ring) < 4:
                return f"{which} has {len(ring)} positions; a closed ring needs at least 4"
            if ring[0] != ring[-1]:
                return (
                    f"{which} is not closed: its first position {ring[0]} differs from its last {ring[-1]} "
                    "(GeoJSON repeats the first position at the end)"
                )
    return None
