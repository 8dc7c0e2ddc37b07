"""CSV and GeoJSON of a crew's stops, for spreadsheets, QGIS and geopandas.

Both are data exports, so column and property names are stable English codes and values are
codes (``no_power``, ``true``) with ISO 8601 local times; ``category_label`` and ``ppe_note``
carry the translated wording for people reading the file. GeoJSON follows RFC 7946:
WGS 84, coordinates ``[lon, lat]``.

They travel with the crew, so they carry what the paper sheet does: the PPE level, never the
household's risk, and the customer's phone only when the policy allows phones on paper
(``sheets.phone_on_paper``). The dispatcher's plan JSON keeps the full data.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dispatch.core.csvcells import SafeDictWriter
from dispatch.io.sheets.content import PlanSheets, RouteSheet, Stop
from dispatch.io.sheets.i18n import Labels
from dispatch.io.sheets.text import ppe_note

CSV_COLUMNS = (
    "seq",
    "ticket_id",
    "window_from",
    "arrival",
    "window_to",
    "start",
    "end",
    "category",
    "category_label",
    "priority",
    "address",
    "customer_name",
    "phone",
    "indoor",
    "ppe_required",
    "ppe_level",
    "ppe_note",
    "critical_facility",
    "customers_affected",
    "travel_m",
    "exposure_min",
    "homes_entered",
    "exposure_total_min",
    "max_homes",
    "max_exposure_min",
    "lat",
    "lon",
    "nav_uri",
)


def csv_columns(plan: PlanSheets) -> tuple[str, ...]:
    """The CSV's columns: all of CSV_COLUMNS, but ``phone`` only when phones may go on paper."""
    return CSV_COLUMNS if plan.phone_on_paper else tuple(c for c in CSV_COLUMNS if c != "phone")


def stop_record(stop: Stop, route: RouteSheet, labels: Labels, *, phone: bool) -> dict[str, Any]:
    t = stop.ticket
    record = {
        "seq": stop.seq,
        "ticket_id": t.ticket_id,
        "window_from": stop.window_from.isoformat(),
        "arrival": stop.arrival.isoformat(),
        "window_to": stop.window_to.isoformat(),
        "start": stop.start.isoformat(),
        "end": stop.end.isoformat(),
        "category": t.category.value,
        "category_label": labels.category(t.category.value),
        "priority": t.priority,
        "address": t.address,
        "customer_name": t.customer_name,
        "phone": t.phone,
        "indoor": stop.indoor,
        "ppe_required": stop.ppe_required,
        "ppe_level": stop.ppe_level,
        "ppe_note": ppe_note(stop, labels),
        "critical_facility": t.critical_facility,
        "customers_affected": t.customers_affected,
        "travel_m": round(stop.travel_m),
        "exposure_min": round(stop.exposure_min, 1),
        "homes_entered": stop.homes_entered,
        "exposure_total_min": round(stop.exposure_total_min, 1),
        "max_homes": route.max_homes,
        "max_exposure_min": route.max_exposure_min,
        "lat": round(stop.lat, 6),
        "lon": round(stop.lon, 6),
        "nav_uri": stop.nav_uri,
    }
    if not phone:
        del record["phone"]
    return record


def write_csv(path: Path, plan: PlanSheets, route: RouteSheet, labels: Labels) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = SafeDictWriter(fh, fieldnames=csv_columns(plan))
        writer.writeheader()
        for stop in route.stops:
            row = stop_record(stop, route, labels, phone=plan.phone_on_paper)
            writer.writerow({k: _csv_value(v) for k, v in row.items()})
    return path


def _csv_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def route_features(plan: PlanSheets, route: RouteSheet, labels: Labels) -> list[dict[str, Any]]:
    line = _dedupe([(lon, lat) for lat, lon in route.path]) or [(route.depot[1], route.depot[0])]
    breaks = route.breaks
    features: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "geometry": {"type": "LineString" if len(line) > 1 else "Point", "coordinates": _coords(line)},
            "properties": {
                "kind": "route",
                "plan_id": plan.plan_id,
                "date": plan.day.isoformat(),
                "crew_id": route.crew_id,
                "crew_name": route.crew.name,
                "members": ", ".join(route.members),
                "vehicle": route.vehicle,
                "shift_start": route.shift_start.isoformat(),
                "shift_end": route.shift_end.isoformat(),
                "break_start": breaks[0].start.isoformat() if breaks else None,
                "break_end": breaks[0].end.isoformat() if breaks else None,
                "visits": route.visits,
                "homes_entered": route.homes_entered,
                "exposure_min": round(route.exposure_min, 1),
                "max_homes": route.max_homes,
                "max_exposure_min": route.max_exposure_min,
                "distance_m": round(route.distance_m),
                "duration_s": round(route.duration_s),
            },
        },
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(route.depot[1], 6), round(route.depot[0], 6)]},
            "properties": {"kind": "depot", "crew_id": route.crew_id, "seq": 0, "ticket_id": None},
        },
    ]
    for stop in route.stops:
        props = {
            "kind": "stop",
            "crew_id": route.crew_id,
            **stop_record(stop, route, labels, phone=plan.phone_on_paper),
        }
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(stop.lon, 6), round(stop.lat, 6)]},
                "properties": props,
            }
        )
    return features


def write_geojson(path: Path, plan: PlanSheets, route: RouteSheet, labels: Labels) -> Path:
    collection = {"type": "FeatureCollection", "features": route_features(plan, route, labels)}
    path.write_text(json.dumps(collection, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def _dedupe(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Drop repeated consecutive points (a break taken where the last job was)."""
    out: list[tuple[float, float]] = []
    for p in points:
        if not out or out[-1] != p:
            out.append(p)
    return out


def _coords(points: list[tuple[float, float]]) -> Any:
    coords = [[round(lon, 6), round(lat, 6)] for lon, lat in points]
    return coords if len(coords) > 1 else coords[0]
