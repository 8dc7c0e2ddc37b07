"""Route maps drawn from the plan's coordinates alone: no tiles, no network.

A map is first laid out once as a ``Scene`` (shapes in a W x H box, y pointing down), then
emitted as inline SVG for the HTML page or as vector drawing into the PDF. Drawing it
ourselves instead of with matplotlib keeps a 12-crew run fast (no figure per crew) and both
outputs identical. The projection is equirectangular around the map's centre latitude,
which is accurate to well under 1 % over a distribution area of a few tens of kilometres.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

import shapely
from fpdf import FPDF
from fpdf.drawing import PaintedPath
from fpdf.enums import PathPaintRule
from shapely.geometry import LineString, MultiLineString, Polygon
from shapely.geometry.base import BaseGeometry

from dispatch.core.domain import Zone

METRES_PER_DEGREE = 111_320.0
MIN_SPAN_DEG = 0.004  # about 450 m: a route with one stop still gets a readable map

# Distinct on paper and for the common colour-vision deficiencies (Tableau 10 + 2).
CREW_COLOURS = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#17becf",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#393b79",
    "#637939",
)
RISK_COLOUR = "#f28e2b"
SLOW_COLOUR = "#6b8cae"
CLOSED_COLOUR = "#555555"
HATCH_COLOUR = "#b00020"
BACKGROUND = "#f6f6f1"
UNASSIGNED_COLOUR = "#444444"


@dataclass(frozen=True)
class RouteLayer:
    """One crew's route to draw: (lat, lon) points of the whole path and of the numbered stops."""

    colour: str
    path: Sequence[tuple[float, float]]
    stops: Sequence[tuple[float, float]]
    depot: tuple[float, float]
    label: str = ""


@dataclass
class ZoneShape:
    rings: list[list[tuple[float, float]]]  # exterior and hole rings, even-odd filled
    fill: str
    opacity: float
    hatch: list[tuple[float, float, float, float]]
    label: str
    label_at: tuple[float, float]
    kind: str  # closed | risk | slow | other


@dataclass
class Scene:
    width: float
    height: float
    zones: list[ZoneShape] = field(default_factory=list)
    routes: list[tuple[str, list[tuple[float, float]]]] = field(default_factory=list)
    depots: list[tuple[float, float, str]] = field(default_factory=list)
    stops: list[tuple[float, float, str, str]] = field(default_factory=list)  # x, y, label, colour
    unassigned: list[tuple[float, float]] = field(default_factory=list)
    stop_radius: float = 2.8
    scale_bar: tuple[float, float, float, str] = (0.0, 0.0, 0.0, "")  # x, y, length, label
    north: str = "N"


class _Projection:
    def __init__(self, points: Sequence[tuple[float, float]], width: float, height: float, pad: float) -> None:
        lats = [p[0] for p in points]
        lons = [p[1] for p in points]
        lat_c = (min(lats) + max(lats)) / 2
        lon_c = (min(lons) + max(lons)) / 2
        self.kx = math.cos(math.radians(lat_c))
        span_x = max((max(lons) - min(lons)) * self.kx, MIN_SPAN_DEG)
        span_y = max(max(lats) - min(lats), MIN_SPAN_DEG)
        self.scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)
        self.lat_c, self.lon_c = lat_c, lon_c
        self.cx, self.cy = width / 2, height / 2
        # The lon/lat box the map shows, for clipping zones.
        half_w = width / 2 / self.scale / self.kx
        half_h = height / 2 / self.scale
        self.bounds = (lon_c - half_w, lat_c - half_h, lon_c + half_w, lat_c + half_h)

    def xy(self, lat: float, lon: float) -> tuple[float, float]:
        return (
            self.cx + (lon - self.lon_c) * self.kx * self.scale,
            self.cy - (lat - self.lat_c) * self.scale,
        )

    def geometry(self, geom: BaseGeometry) -> BaseGeometry:
        """Lon/lat geometry into map coordinates (vectorised)."""

        def move(coords):  # type: ignore[no-untyped-def]
            out = coords.copy()
            out[:, 0] = self.cx + (coords[:, 0] - self.lon_c) * self.kx * self.scale
            out[:, 1] = self.cy - (coords[:, 1] - self.lat_c) * self.scale
            return out

        return shapely.transform(geom, move)

    def metres_per_unit(self) -> float:
        return METRES_PER_DEGREE / self.scale


def build_scene(
    *,
    routes: Sequence[RouteLayer],
    zones: Sequence[Zone],
    width: float,
    height: float,
    numbered: bool = True,
    unassigned: Sequence[tuple[float, float]] = (),
    north: str = "N",
    hatch_spacing: float = 2.5,
) -> Scene:
    """Lay out a map in a ``width`` x ``height`` box (PDF millimetres; the SVG scales it)."""
    points = [p for layer in routes for p in (*layer.path, layer.depot)] + list(unassigned)
    if not points:
        points = [(0.0, 0.0)]
    proj = _Projection(points, width, height, pad=0.07 * min(width, height))
    scene = Scene(width=width, height=height, north=north, stop_radius=2.8 if numbered else 1.2)
    west, south, east, north_lat = proj.bounds
    for zone in zones:
        clipped = zone.geometry.intersection(shapely.box(west, south, east, north_lat))
        if clipped.is_empty:
            continue
        shape = _zone_shape(zone, proj.geometry(clipped), hatch_spacing)
        if shape is not None:
            # Keep the name inside the frame even when the zone is mostly outside it.
            lx, ly = shape.label_at
            shape.label_at = (min(max(lx, 0.12 * width), 0.88 * width), min(max(ly, 0.06 * height), 0.96 * height))
            scene.zones.append(shape)
    for layer in routes:
        scene.routes.append((layer.colour, [proj.xy(*p) for p in layer.path]))
        x, y = proj.xy(*layer.depot)
        scene.depots.append((x, y, layer.colour))
        for i, stop in enumerate(layer.stops, start=1):
            x, y = proj.xy(*stop)
            scene.stops.append((x, y, str(i) if numbered else "", layer.colour))
    scene.unassigned = [proj.xy(*p) for p in unassigned]
    scene.scale_bar = _scale_bar(proj, width, height)
    return scene


def _zone_shape(zone: Zone, geom: BaseGeometry, spacing: float) -> ZoneShape | None:
    polygons = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, Polygon) and not g.is_empty]
    if not polygons:
        return None
    rings = []
    for poly in polygons:
        rings.append([(x, y) for x, y in poly.exterior.coords])
        rings.extend([(x, y) for x, y in hole.coords] for hole in poly.interiors)
    hatch: list[tuple[float, float, float, float]] = []
    label = zone.name
    if zone.closed:
        kind, fill, opacity = "closed", CLOSED_COLOUR, 0.25
        hatch = _hatch(shapely.union_all(polygons), spacing)
    elif zone.risk_weight > 1:
        # Shade more the riskier the zone (weight 2 = exposure counts double).
        kind, fill = "risk", RISK_COLOUR
        opacity = min(0.15 + 0.12 * (zone.risk_weight - 1), 0.5)
        label = f"{zone.name} x{zone.risk_weight:g}"
    elif zone.speed_kmh is not None:
        kind, fill, opacity = "slow", SLOW_COLOUR, 0.18
    else:
        kind, fill, opacity = "other", "#999999", 0.05
    label_point = shapely.unary_union(polygons).representative_point()
    return ZoneShape(
        rings=rings,
        fill=fill,
        opacity=opacity,
        hatch=hatch,
        label=label,
        label_at=(label_point.x, label_point.y),
        kind=kind,
    )


def _hatch(area: BaseGeometry, spacing: float) -> list[tuple[float, float, float, float]]:
    """45-degree hatch lines clipped to the area, so closed zones read as closed in greyscale too."""
    minx, miny, maxx, maxy = area.bounds
    diag = (maxx - minx) + (maxy - miny)
    lines = []
    offset = 0.0
    while offset <= diag:
        lines.append(LineString([(minx + offset, miny), (minx + offset - (maxy - miny), maxy)]))
        offset += spacing
    cut = area.intersection(MultiLineString(lines))
    segments = []
    for part in getattr(cut, "geoms", [cut]):
        if isinstance(part, LineString) and not part.is_empty:
            (x0, y0), (x1, y1) = part.coords[0], part.coords[-1]
            segments.append((x0, y0, x1, y1))
    return segments


def _scale_bar(proj: _Projection, width: float, height: float) -> tuple[float, float, float, str]:
    per_unit = proj.metres_per_unit()
    choice = 100.0
    for metres in (100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000):
        if metres / per_unit <= 0.25 * width:
            choice = float(metres)
    label = f"{choice / 1000:g} km" if choice >= 1000 else f"{choice:g} m"
    return (0.04 * width, height - 0.05 * height, choice / per_unit, label)


# --- SVG ------------------------------------------------------------------------------------


def _f(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".")


def to_svg(scene: Scene, *, title: str, css_class: str = "map") -> str:
    """Inline SVG (no namespace URL needed inside HTML, so the page holds no external reference)."""
    w, h = scene.width, scene.height
    out = [
        f'<svg class="{css_class}" viewBox="0 0 {_f(w)} {_f(h)}" role="img" aria-label="{escape(title)}" '
        f'preserveAspectRatio="xMidYMid meet">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{_f(w)}" height="{_f(h)}" fill="{BACKGROUND}"/>',
    ]
    for zone in scene.zones:
        d = " ".join("M" + " L".join(f"{_f(x)} {_f(y)}" for x, y in ring) + " Z" for ring in zone.rings)
        out.append(
            f'<path d="{d}" fill="{zone.fill}" fill-opacity="{zone.opacity:.2f}" fill-rule="evenodd" '
            f'stroke="{zone.fill}" stroke-width="0.3"/>'
        )
        if zone.hatch:
            d = " ".join(f"M{_f(a)} {_f(b)} L{_f(c)} {_f(e)}" for a, b, c, e in zone.hatch)
            out.append(f'<path d="{d}" stroke="{HATCH_COLOUR}" stroke-width="0.35" fill="none"/>')
        x, y = zone.label_at
        out.append(
            f'<text x="{_f(x)}" y="{_f(y)}" font-size="2.6" fill="#333" text-anchor="middle">'
            f"{escape(zone.label)}</text>"
        )
    for colour, points in scene.routes:
        pts = " ".join(f"{_f(x)},{_f(y)}" for x, y in points)
        out.append(
            f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="0.8" '
            f'stroke-linejoin="round" stroke-opacity="0.9"/>'
        )
    for x, y in scene.unassigned:
        s = 1.2
        out.append(
            f'<path d="M{_f(x - s)} {_f(y - s)} L{_f(x + s)} {_f(y + s)} M{_f(x - s)} {_f(y + s)} '
            f'L{_f(x + s)} {_f(y - s)}" stroke="{UNASSIGNED_COLOUR}" stroke-width="0.4"/>'
        )
    r = scene.stop_radius
    for x, y, label, colour in scene.stops:
        out.append(f'<circle cx="{_f(x)}" cy="{_f(y)}" r="{_f(r)}" fill="#fff" stroke="{colour}" stroke-width="0.7"/>')
        if label:
            out.append(
                f'<text x="{_f(x)}" y="{_f(y + r * 0.42)}" font-size="{_f(r * 1.15)}" font-weight="bold" '
                f'text-anchor="middle" fill="#000">{label}</text>'
            )
    for x, y, colour in scene.depots:
        s = 2.4
        out.append(
            f'<rect x="{_f(x - s)}" y="{_f(y - s)}" width="{_f(2 * s)}" height="{_f(2 * s)}" '
            f'fill="{colour}" stroke="#000" stroke-width="0.5"/>'
        )
    bx, by, length, label = scene.scale_bar
    out.append(
        f'<path d="M{_f(bx)} {_f(by - 1)} L{_f(bx)} {_f(by)} L{_f(bx + length)} {_f(by)} '
        f'L{_f(bx + length)} {_f(by - 1)}" stroke="#000" stroke-width="0.5" fill="none"/>'
        f'<text x="{_f(bx + length + 1.5)}" y="{_f(by)}" font-size="3">{escape(label)}</text>'
    )
    nx, ny = scene.width - 8, 4.0
    out.append(
        f'<path d="M{_f(nx)} {_f(ny)} L{_f(nx - 2)} {_f(ny + 6)} L{_f(nx)} {_f(ny + 4.5)} '
        f'L{_f(nx + 2)} {_f(ny + 6)} Z" fill="#000"/>'
        f'<text x="{_f(nx)}" y="{_f(ny + 10)}" font-size="3.5" text-anchor="middle">{escape(scene.north)}</text>'
    )
    out.append("</svg>")
    return "".join(out)


# --- PDF ------------------------------------------------------------------------------------


def rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def draw_pdf(pdf: FPDF, scene: Scene, *, x: float, y: float, width: float, font: str) -> float:
    """Draw the scene with its top-left corner at (x, y), ``width`` mm wide; returns the height used."""
    k = width / scene.width
    height = scene.height * k

    def p(px: float, py: float) -> tuple[float, float]:
        return x + px * k, y + py * k

    pdf.set_fill_color(*rgb(BACKGROUND))
    pdf.set_draw_color(180, 180, 180)
    pdf.set_line_width(0.2)
    pdf.rect(x, y, width, height, style="DF")
    for zone in scene.zones:
        with pdf.drawing_context() as ctx:
            path = PaintedPath()
            path.style.fill_color = zone.fill
            path.style.fill_opacity = zone.opacity
            path.style.stroke_color = zone.fill
            path.style.stroke_width = 0.3 * k
            path.style.paint_rule = PathPaintRule.STROKE_FILL_EVENODD
            for ring in zone.rings:
                path.move_to(*p(*ring[0]))
                for pt in ring[1:]:
                    path.line_to(*p(*pt))
                path.close()
            ctx.add_item(path)
        if zone.hatch:
            pdf.set_draw_color(*rgb(HATCH_COLOUR))
            pdf.set_line_width(0.35 * k)
            for a, b, c, e in zone.hatch:
                pdf.line(*p(a, b), *p(c, e))
        pdf.set_font(font, "", 7)
        pdf.set_text_color(50, 50, 50)
        lx, ly = p(*zone.label_at)
        pdf.text(lx - pdf.get_string_width(zone.label) / 2, ly, zone.label)
    for colour, points in scene.routes:
        if len(points) < 2:
            continue
        pdf.set_draw_color(*rgb(colour))
        pdf.set_line_width(0.8 * k)
        pdf.polyline([p(*pt) for pt in points], style="D")
    pdf.set_draw_color(*rgb(UNASSIGNED_COLOUR))
    pdf.set_line_width(0.4 * k)
    for ux, uy in scene.unassigned:
        s = 1.2
        pdf.line(*p(ux - s, uy - s), *p(ux + s, uy + s))
        pdf.line(*p(ux - s, uy + s), *p(ux + s, uy - s))
    r = scene.stop_radius * k
    pdf.set_fill_color(255, 255, 255)
    pdf.set_font(font, "B", max(5.0, r * 2.2 / 0.3528 * 0.55))
    pdf.set_text_color(0, 0, 0)
    for sx, sy, label, colour in scene.stops:
        cx, cy = p(sx, sy)
        pdf.set_draw_color(*rgb(colour))
        pdf.set_line_width(0.7 * k)
        pdf.circle(cx, cy, r, style="DF")
        if label:
            pdf.text(cx - pdf.get_string_width(label) / 2, cy + r * 0.42, label)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.5 * k)
    for dx, dy, colour in scene.depots:
        s = 2.4 * k
        cx, cy = p(dx, dy)
        pdf.set_fill_color(*rgb(colour))
        pdf.rect(cx - s, cy - s, 2 * s, 2 * s, style="DF")
    bx, by, length, label = scene.scale_bar
    pdf.polyline([p(bx, by - 1), p(bx, by), p(bx + length, by), p(bx + length, by - 1)], style="D")
    pdf.set_font(font, "", 8)
    tx, ty = p(bx + length + 1.5, by)
    pdf.text(tx, ty, label)
    nx, ny = scene.width - 8, 4.0
    pdf.set_fill_color(0, 0, 0)
    pdf.polygon([p(nx, ny), p(nx - 2, ny + 6), p(nx, ny + 4.5), p(nx + 2, ny + 6)], style="F")
    pdf.set_font(font, "B", 9)
    tx, ty = p(nx, ny + 10)
    pdf.text(tx - pdf.get_string_width(scene.north) / 2, ty, scene.north)
    return height
