"""A tiny hand-checkable network and day: feeder F1 with sections S1 (TR1, TR2) and S2 (TR3); one crew."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from dispatch.core.domain import Asset, AssetKind, Category, Crew, PlanInputs, Shift, Ticket

WIB = ZoneInfo("Asia/Jakarta")
DAY = dt.date(2026, 11, 30)
T = AssetKind.TRANSFORMER
S = AssetKind.FEEDER_SECTION
ASSETS = (
    Asset("F1", S, -6.700, 108.550, "", 500, "Feeder 1"),
    Asset("S1", S, -6.710, 108.550, "F1", 100, "Section 1"),
    Asset("S2", S, -6.690, 108.560, "F1", 50, "Section 2"),
    Asset("TR1", T, -6.712, 108.552, "S1", 40, "Gardu 1"),
    Asset("TR2", T, -6.714, 108.548, "S1", 60, "Gardu 2"),
    Asset("TR3", T, -6.688, 108.562, "S2", 50, "Gardu 3"),
)


def report(ticket_id: str, transformer: str, *, minute: int = 0, category: Category = Category.NO_POWER,
           priority: int = 2) -> Ticket:  # fmt: skip
    """A customer's no-power report near its transformer (indoor, as no_power is by default)."""
    here = {a.asset_id: a for a in ASSETS}[transformer]
    return Ticket(
        ticket_id=ticket_id, reported_at=dt.datetime(2026, 11, 30, 6, minute, tzinfo=WIB), category=category,
        lat=here.lat + 0.0002 * (1 + int(ticket_id[-1])), lon=here.lon, priority=priority, service_min=45,
        indoor=True, customer_id=f"K{ticket_id}", transformer_id=transformer,
    )  # fmt: skip


def day_inputs(*tickets: Ticket, **changes: object) -> PlanInputs:
    crew = Crew("C1", "Regu 1", -6.70, 108.55, skills=("lv", "mv"), members=("M1", "M2"))
    shift = Shift("C1", DAY, dt.datetime(2026, 11, 30, 8, tzinfo=WIB), dt.datetime(2026, 11, 30, 16, tzinfo=WIB))
    fields: dict = {"assets": ASSETS, **changes}
    return PlanInputs(day=DAY, tickets=tickets, crews=(crew,), shifts=(shift,), **fields)
