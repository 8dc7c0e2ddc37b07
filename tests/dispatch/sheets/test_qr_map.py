"""Navigation QR payloads and the tile-free map."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from dispatch.core.plan import Plan
from dispatch.core.policy import Policy
from dispatch.io.sheets import mapdraw, qr
from dispatch.io.sheets.content import read_plan

from .conftest import load_plan, make_crews, make_tickets, make_zones


def _sheets():
    return read_plan(
        plan=Plan.from_json(load_plan()),
        tickets=make_tickets(),
        crews=make_crews(),
        policy=Policy(),
        tz=ZoneInfo("Asia/Jakarta"),
    )


def test_stop_qr_is_a_geo_link_to_the_stop() -> None:
    """Each stop's code holds geo:LAT,LON?q=LAT,LON (no web host) and is a regular QR, not Micro QR."""
    stop = _sheets().routes[0].stops[0]
    assert stop.nav_uri == "geo:-6.715000,108.558000?q=-6.715000,108.558000"
    code = qr.stop_qr(stop)
    assert not code.is_micro
    assert "http" not in stop.nav_uri


def test_route_qr_lists_the_stops_in_order() -> None:
    """The whole-route code holds one line per stop in order, each with its own geo: link."""
    route = _sheets().routes[0]
    (payload,) = qr.route_payloads(plan_id="P1", crew_id="C01", day=date(2026, 11, 30), stops=route.stops)
    lines = payload.splitlines()
    assert lines[0] == "ROUTE P1 C01 2026-11-30 1/1"
    assert lines[1:] == [
        "1 T0001 geo:-6.71500,108.55800",
        "2 T0002 geo:-6.70800,108.56500",
        "3 T0003 geo:-6.71200,108.57200",
        "4 T0004 geo:-6.72300,108.56800",
    ]


def test_long_route_splits_into_numbered_codes() -> None:
    """A route too long for one scannable code is split into parts 1/n..n/n that together keep every stop."""
    stops = list(_sheets().routes[0].stops) * 20  # 80 stops
    payloads = qr.route_payloads(plan_id="P1", crew_id="C01", day=date(2026, 11, 30), stops=stops)
    assert len(payloads) > 1
    assert all(len(p) <= qr.ROUTE_QR_MAX_CHARS for p in payloads)
    assert [p.splitlines()[0].split()[-1] for p in payloads] == [
        f"{i}/{len(payloads)}" for i in range(1, len(payloads) + 1)
    ]
    assert sum(len(p.splitlines()) - 1 for p in payloads) == 80


def test_map_shades_risk_and_hatches_closed_zones() -> None:
    """The crew map draws both zones, hatches only the closed one, and numbers the four stops."""
    route = _sheets().routes[0]
    scene = mapdraw.build_scene(
        routes=[
            mapdraw.RouteLayer(
                colour="#1f77b4", path=route.path, stops=[(s.lat, s.lon) for s in route.stops], depot=route.depot
            )
        ],
        zones=make_zones(),
        width=180,
        height=120,
    )
    closed = [z for z in scene.zones if z.kind == "closed"]
    risk = [z for z in scene.zones if z.kind == "risk"]
    assert len(closed) == 1 and closed[0].hatch
    assert len(risk) == 1 and not risk[0].hatch and risk[0].opacity > 0.1
    assert [label for _, _, label, _ in scene.stops] == ["1", "2", "3", "4"]
    # Every stop lies inside the frame.
    assert all(0 < x < 180 and 0 < y < 120 for x, y, _, _ in scene.stops)
    svg = mapdraw.to_svg(scene, title="t")
    assert svg.startswith("<svg") and "http" not in svg and "<image" not in svg
