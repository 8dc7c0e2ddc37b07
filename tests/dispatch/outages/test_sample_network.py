"""The sample network and storm: consistent with the tickets, importable, deterministic, with ground truth."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlmodel import Session

from dispatch.io.importing.assets import import_assets
from dispatch.io.importing.tickets import import_tickets
from dispatch.sample.columns import TICKET_COLUMNS, _write_csv
from dispatch.sample.network import network_rows, storm_reports, write_assets
from dispatch.sample.region import generate_region

DAY = dt.date(2026, 11, 30)


def test_network_holds_every_ticket_transformer_and_imports(session: Session, tmp_path: Path) -> None:
    """Every sample ticket's transformer is an asset; the network and the tickets import without a problem."""
    region = generate_region(n_tickets=60, n_crews=3, day=DAY, seed=4)
    assets = network_rows(region.tickets, seed=4)
    ids = {a["asset_id"] for a in assets}
    assert {t["transformer_id"] for t in region.tickets} <= ids
    assert {a["parent_id"] for a in assets} - {""} <= ids
    report = import_assets(session, write_assets(tmp_path / "assets.csv", assets))
    assert report.inserted == len(assets) and report.warnings == []
    tickets = import_tickets(session, _write_csv(tmp_path / "t.csv", TICKET_COLUMNS, region.tickets),
                             now=dt.datetime(2026, 11, 30, tzinfo=dt.UTC))  # fmt: skip
    assert not [w for w in tickets.warnings if "transformer_id" in w]


def test_storm_is_deterministic_with_truth_and_noise() -> None:
    """Same seed, same storm; the truth names each tripped asset and the cause of ~90 % of the reports."""
    region = generate_region(n_tickets=60, n_crews=3, day=DAY, seed=4)
    assets = network_rows(region.tickets, seed=4)
    a = storm_reports(assets, n_reports=300, n_trips=8, day=DAY, seed=9)
    b = storm_reports(assets, n_reports=300, n_trips=8, day=DAY, seed=9)
    assert a == b and len(a.tripped) == 8
    assert sorted(set(a.tripped.values())) == ["feeder_section", "transformer"]
    assert set(a.cause.values()) <= set(a.tripped)
    unrelated = len(a.reports) - len(a.cause)
    assert 0.05 <= unrelated / len(a.reports) <= 0.15
    blank = sum(1 for r in a.reports if not r["transformer_id"])
    assert 0.02 <= blank / len(a.reports) <= 0.09


def test_default_region_is_unchanged_by_the_network() -> None:
    """Building a network and a storm draws nothing from the region's stream: the region stays the same."""
    before = generate_region(n_tickets=40, n_crews=3, day=DAY, seed=3).tickets
    storm_reports(network_rows(before, seed=3), n_reports=50, n_trips=3, day=DAY, seed=4)
    assert generate_region(n_tickets=40, n_crews=3, day=DAY, seed=3).tickets == before
