"""A small hand-made plan (3 crews, 8 stops, one break, one isolating home, one closed zone)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from shapely.geometry import box

from dispatch.core.domain import Category, Crew, HouseholdRisk, Ticket, Vehicle, Zone
from dispatch.core.plan import Plan
from dispatch.core.policy import Policy
from dispatch.io.sheets import write_sheets

FIXTURE = Path(__file__).with_name("fixture_plan.json")
JAKARTA = ZoneInfo("Asia/Jakarta")
REPORTED = datetime(2026, 11, 29, 19, 0, tzinfo=JAKARTA)


def _ticket(ticket_id: str, category: Category, lat: float, lon: float, priority: int, **kw: Any) -> Ticket:
    return Ticket(
        ticket_id=ticket_id,
        reported_at=REPORTED,
        category=category,
        lat=lat,
        lon=lon,
        priority=priority,
        **kw,
    )


def make_tickets() -> dict[str, Ticket]:
    tickets = [
        _ticket(
            "T0001",
            Category.NO_POWER,
            -6.7150,
            108.5580,
            2,
            indoor=True,
            service_min=45,
            address="Jl. Kesambi No. 12, Cirebon",
            customer_name="Ibu Siti Aminah",
            phone="0812-2233-4455",
            customers_affected=3,
            transformer_id="KS-014",
        ),
        _ticket(
            "T0002",
            Category.LINE_DOWN,
            -6.7080,
            108.5650,
            1,
            service_min=60,
            skills=("mv",),
            address="Jl. Pekiringan depan Masjid",
            customer_name="Pak Rahmat",
            phone="0813-1111-2222",
            customers_affected=120,
        ),
        _ticket(
            "T0003",
            Category.METER,
            -6.7120,
            108.5720,
            4,
            indoor=True,
            service_min=25,
            household_risk=HouseholdRisk.ISOLATING,
            window_start="10:30",
            window_end="12:00",
            address="Gg. Melati 3, Lemahwungkuk",
            customer_name="Keluarga Hidayat",
            phone="0857-0000-1234",
        ),
        _ticket(
            "T0004",
            Category.TREE,
            -6.7230,
            108.5680,
            2,
            service_min=60,
            address="Jl. Kartini (pohon tumbang)",
            customer_name="Kelurahan Kebonbaru",
            phone="",
        ),
        _ticket(
            "T0005",
            Category.VOLTAGE,
            -6.7400,
            108.5700,
            2,
            indoor=True,
            service_min=40,
            household_risk=HouseholdRisk.SUSPECTED,
            address="Perum Harjamukti Blok C7",
            customer_name="Bapak Wahyu",
            phone="0878-5555-6666",
        ),
        _ticket(
            "T0006",
            Category.POLE,
            -6.7520,
            108.5750,
            1,
            service_min=90,
            skills=("mv",),
            critical_facility=True,
            customers_affected=350,
            address="RSUD Gunung Jati, Jl. Kesambi",
            customer_name="RSUD Gunung Jati",
            phone="0231-206330",
        ),
        _ticket(
            "T0007",
            Category.PARTIAL_POWER,
            -6.7000,
            108.5200,
            3,
            indoor=True,
            service_min=40,
            skills=("ppe",),
            address="Jl. Tuparev 45, Plered",
            customer_name="Ibu Dewi Sartika",
            phone="0819-7777-8888",
        ),
        _ticket(
            "T0008",
            Category.OTHER,
            -6.7100,
            108.5250,
            4,
            service_min=30,
            address="Pasar Plered, kios 14",
            customer_name="Koperasi Pasar",
            phone="0821-9999-0000",
        ),
        _ticket(
            "T0009",
            Category.METER,
            -6.7300,
            108.5400,
            4,
            indoor=True,
            service_min=25,
            household_risk=HouseholdRisk.SUSPECTED,
            address="Jl. Pramuka 8",
            customer_name="Pak Yusuf",
        ),
    ]
    return {t.ticket_id: t for t in tickets}


def make_crews() -> dict[str, Crew]:
    crews = [
        Crew("C01", "Regu Kesambi", -6.7200, 108.5500, skills=("mv", "ppe"), members=("Andi Saputra", "Budi Santoso")),
        Crew(
            "C02",
            "Regu Harjamukti",
            -6.7450,
            108.5600,
            skills=("mv",),
            vehicle=Vehicle.MOTORCYCLE,
            members=("Citra Lestari", "Dedi Kurniawan"),
        ),
        Crew("C03", "Regu Plered", -6.7050, 108.5100, skills=("ppe",), members=("Eka Pratama", "Fajar Nugroho")),
    ]
    return {c.crew_id: c for c in crews}


def make_zones() -> list[Zone]:
    return [
        Zone("Jl. Pekiringan ditutup", box(108.5600, -6.7130, 108.5640, -6.7100), closed=True),
        Zone("Pelabuhan", box(108.5660, -6.7160, 108.5780, -6.7060), risk_weight=1.8),
    ]


def load_plan() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


@pytest.fixture
def plan() -> dict[str, Any]:
    return load_plan()


@pytest.fixture
def sheet_inputs(plan: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments for write_sheets, minus out_dir and lang."""
    return {
        "plan": plan,
        "tickets": make_tickets(),
        "crews": make_crews(),
        "zones": make_zones(),
        "policy": Policy(),
    }


@pytest.fixture(scope="session")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, list[Path]]]:
    """The fixture plan's sheets, written once per language: lang -> (out_dir, files)."""
    out: dict[str, tuple[Path, list[Path]]] = {}
    for lang in ("id", "en"):
        out_dir = tmp_path_factory.mktemp(f"sheets-{lang}")
        files = write_sheets(
            plan=Plan.from_json(load_plan()),
            tickets=make_tickets(),
            crews=make_crews(),
            zones=make_zones(),
            policy=Policy(),
            out_dir=out_dir,
            lang=lang,
        )
        out[lang] = (out_dir, files)
    return out


def write(inputs: dict[str, Any], **kwargs: Any) -> list[Path]:
    """write_sheets on the (possibly edited) fixture JSON, read as a typed plan as the product reads it."""
    return write_sheets(**{**inputs, "plan": Plan.from_json(inputs["plan"])}, **kwargs)


def route_ticket_ids(plan: dict[str, Any], crew_id: str) -> list[str]:
    route = next(r for r in plan["routes"] if r["crew_id"] == crew_id)
    return [s["ticket_id"] for s in route["steps"] if s["type"] == "visit"]
