"""QR codes for navigation: one per stop and one (or a few) for the whole route.

Per stop: the RFC 5870 link ``geo:LAT,LON?q=LAT,LON``. Android opens it in the navigation app
the crew has installed (Google Maps, OsmAnd, Organic Maps, ...) with a "directions" button;
iOS camera apps show it as a location. No web host is written anywhere, so the codes work
with any app and the sheets hold no network address.

Whole route: no standard URI carries an ordered multi-stop route without a web host, so the
route QR holds plain text, one stop per line in route order with its own ``geo:`` link::

    ROUTE P-2026-11-30 C01 2026-11-30 1/1
    1 T0001 geo:-6.71234,108.55678
    2 T0007 geo:-6.72001,108.56012

Scanner apps show the list and make each line tappable; it can also be pasted into a
navigation app's route planner. Long routes are split into several codes (``1/2``, ``2/2``)
so each stays small enough to scan from paper.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from datetime import date

import segno
from fpdf import FPDF

from dispatch.io.sheets.content import Stop

ROUTE_QR_MAX_CHARS = 1000  # about QR version 23 at error level L: 0.6 mm modules at 70 mm wide


@functools.lru_cache(maxsize=4096)
def _make(text: str, error: str) -> segno.QRCode:
    """Encoding (mask choice) is the slow part; the PDF and the HTML sheet share each code."""
    # make_qr, not make: Micro QR would be chosen for short data and few phone scanners read it.
    return segno.make_qr(text, error=error)


def stop_qr(stop: Stop) -> segno.QRCode:
    return _make(stop.nav_uri, "m")


def route_payloads(*, plan_id: str, crew_id: str, day: date, stops: Sequence[Stop]) -> list[str]:
    lines = [f"{s.seq} {s.ticket.ticket_id} geo:{s.lat:.5f},{s.lon:.5f}" for s in stops]
    chunks: list[list[str]] = [[]]
    size = 0
    for line in lines:
        if chunks[-1] and size + len(line) + 1 > ROUTE_QR_MAX_CHARS - 60:
            chunks.append([])
            size = 0
        chunks[-1].append(line)
        size += len(line) + 1
    parts = len(chunks)
    return [
        "\n".join([f"ROUTE {plan_id} {crew_id} {day.isoformat()} {i}/{parts}", *chunk])
        for i, chunk in enumerate(chunks, start=1)
    ]


def route_qrs(*, plan_id: str, crew_id: str, day: date, stops: Sequence[Stop]) -> list[segno.QRCode]:
    return [_make(text, "l") for text in route_payloads(plan_id=plan_id, crew_id=crew_id, day=day, stops=stops)]


def to_svg(qr: segno.QRCode, *, css_class: str = "qr") -> str:
    """Inline SVG that scales to its container (the CSS gives the size)."""
    svg = qr.svg_inline(scale=1, border=4, dark="#000", light="#fff", omitsize=True)
    return svg.replace('class="segno"', f'class="{css_class}"', 1)


def draw_pdf(pdf: FPDF, qr: segno.QRCode, *, x: float, y: float, size: float) -> None:
    """Place the code as a 1-pixel-per-module PNG scaled up (PDF images are not smoothed by default,
    so modules stay sharp at any print size; drawing each module as a vector rectangle was ~10x slower)."""
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=1, border=2)
    buffer.seek(0)
    pdf.image(buffer, x=x, y=y, w=size, h=size)
