"""Route sheets crews follow offline: PDF, phone HTML, CSV and GeoJSON per crew, plus an index.

``write_sheets`` is the one entry point; it takes a published :class:`~dispatch.core.plan.Plan` and
writes, per crew, ``<crew>.pdf``, ``<crew>.html``,
``<crew>.csv`` and ``<crew>.geojson``; for the whole plan also ``index.pdf`` and ``index.html``
(skipped when one crew is asked for, so a single reprint never overwrites the full index).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dispatch.core.domain import Crew, Ticket, Zone
from dispatch.core.plan import Plan
from dispatch.core.policy import Policy
from dispatch.io.sheets import geo, html, mapdraw, pdf
from dispatch.io.sheets.content import SheetError, read_plan
from dispatch.io.sheets.i18n import LANGUAGES, Labels

__all__ = ["LANGUAGES", "SheetError", "write_sheets"]


def write_sheets(
    *,
    plan: Plan,
    tickets: Mapping[str, Ticket],
    crews: Mapping[str, Crew],
    zones: Sequence[Zone],
    policy: Policy,
    out_dir: Path,
    lang: str = "id",
    crew_id: str | None = None,
    road_paths: Mapping[str, Sequence[tuple[float, float]]] | None = None,
) -> list[Path]:
    """Write the route sheets of ``plan`` into ``out_dir``; returns the files written, in order.

    ``road_paths`` (crew id -> (lat, lon) polyline along the roads, when the plan was made on roads)
    replace the straight lines between stops on the maps and in the GeoJSON."""
    if lang not in LANGUAGES:
        raise SheetError(f"lang: unknown language {lang!r} (known: {', '.join(LANGUAGES)})")
    try:
        tz = ZoneInfo(policy.region.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SheetError(f"policy: region.timezone: unknown time zone {policy.region.timezone!r}") from None
    labels = Labels(lang, tz)
    sheets = read_plan(plan=plan, tickets=tickets, crews=crews, policy=policy, tz=tz, crew_id=crew_id, zones=zones)
    if road_paths:
        routes = tuple(
            dataclasses.replace(r, path=tuple(road_paths[r.crew_id])) if road_paths.get(r.crew_id) else r
            for r in sheets.routes
        )
        sheets = dataclasses.replace(sheets, routes=routes)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise SheetError(f"{out_dir}: output path exists and is not a directory")
    out_dir.mkdir(parents=True, exist_ok=True)
    shown = [z for z in zones if z.valid_on(sheets.day)]

    written: list[Path] = []
    for route in sheets.routes:
        stem = _safe_stem(route.crew_id)
        written.append(
            pdf.write_crew_pdf(out_dir / f"{stem}.pdf", plan=sheets, route=route, zones=shown, labels=labels)
        )
        written.append(
            html.write_crew_html(out_dir / f"{stem}.html", plan=sheets, route=route, zones=shown, labels=labels)
        )
        written.append(geo.write_csv(out_dir / f"{stem}.csv", sheets, route, labels))
        written.append(geo.write_geojson(out_dir / f"{stem}.geojson", sheets, route, labels))
    if crew_id is None:
        layers = [
            mapdraw.RouteLayer(
                colour=mapdraw.CREW_COLOURS[i % len(mapdraw.CREW_COLOURS)],
                path=route.path or [route.depot],
                stops=[(s.lat, s.lon) for s in route.stops],
                depot=route.depot,
                label=route.crew_id,
            )
            for i, route in enumerate(sheets.routes)
        ]
        unassigned_points = [(u.ticket.lat, u.ticket.lon) for u in sheets.unassigned if u.ticket is not None]
        common = {
            "plan": sheets,
            "zones": shown,
            "labels": labels,
            "layers": layers,
            "unassigned_points": unassigned_points,
        }
        written.append(pdf.write_index_pdf(out_dir / "index.pdf", **common))
        written.append(html.write_index_html(out_dir / "index.html", **common))
    return written


def _safe_stem(crew_id: str) -> str:
    """Crew ids become file names; refuse anything that could leave out_dir or be hidden."""
    if not crew_id or crew_id in (".", "..") or any(c in crew_id for c in '/\\:*?"<>|\0') or crew_id[0] == ".":
        raise SheetError(f"crew id {crew_id!r} cannot be used as a file name")
    if crew_id == "index":
        raise SheetError("crew id 'index' clashes with the dispatcher's index.pdf/index.html")
    return crew_id
