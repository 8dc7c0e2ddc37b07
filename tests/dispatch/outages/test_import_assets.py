"""Importing the network: row-level errors, rejects, re-import updates, unknown parents and transformers."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from dispatch.commands.importing import import_app
from dispatch.io.importing.assets import import_assets
from dispatch.io.importing.rows import ImportErrors
from dispatch.io.importing.tickets import import_tickets
from dispatch.store.models.assets import AssetRow, load_assets

HEADER = "asset_id,kind,lat,lon,parent_id,customers,name\n"
NETWORK = HEADER + (
    "F1,feeder_section,-6.70,108.55,,0,Feeder 1\n"
    "S1,feeder_section,-6.71,108.55,F1,120,Section 1\n"
    "TR1,transformer,-6.711,108.551,S1,40,\n"
    "TR2,transformer,-6.712,108.552,S1,60,Gardu 2\n"
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_network_imports_in_any_row_order(session: Session, tmp_path: Path) -> None:
    """Children before their parent are fine; every asset is stored with its parent and customers."""
    lines = NETWORK.splitlines()
    report = import_assets(session, write(tmp_path, "a.csv", "\n".join([lines[0], *reversed(lines[1:])]) + "\n"))
    assert (report.inserted, report.updated, report.rejected) == (4, 0, 0)
    by_id = {a.asset_id: a for a in load_assets(session)}
    assert by_id["TR2"].parent_id == "S1" and by_id["TR2"].customers == 60 and by_id["F1"].parent_id == ""


def test_reimport_updates(session: Session, tmp_path: Path) -> None:
    """A second import of a known asset updates it instead of adding one."""
    import_assets(session, write(tmp_path, "a.csv", NETWORK))
    report = import_assets(session, write(tmp_path, "b.csv", HEADER + "TR1,transformer,-6.711,108.551,S1,55,\n"))
    assert (report.inserted, report.updated) == (0, 1)
    assert session.get(AssetRow, "TR1").customers == 55


def test_bad_rows_name_row_and_field(session: Session, tmp_path: Path) -> None:
    """Unknown parent, bad kind, a transformer as parent and a loop are each reported with file:row: field."""
    bad = NETWORK + (
        "TR3,transformer,-6.70,108.55,S9,10,\n"
        "TR4,switch,-6.70,108.55,S1,10,\n"
        "TR5,transformer,-6.70,108.55,TR1,10,\n"
        "S2,feeder_section,-6.70,108.55,S3,10,\n"
        "S3,feeder_section,-6.70,108.55,S2,10,\n"
    )
    with pytest.raises(ImportErrors) as excinfo:
        import_assets(session, write(tmp_path, "a.csv", bad))
    errors = excinfo.value.errors
    assert any(":6: parent_id: unknown asset 'S9'" in e for e in errors)
    assert any(":7: kind: unknown value 'switch'" in e for e in errors)
    assert any(":8: parent_id: TR1 is a transformer" in e for e in errors)
    assert any(":9: parent_id:" in e and "loop" in e for e in errors)
    assert session.exec(select(AssetRow)).first() is None  # all or nothing


def test_rejects_keep_the_good_rows(session: Session, tmp_path: Path) -> None:
    """With --rejects the good rows are imported and the bad one written aside with its reason."""
    rejects = tmp_path / "rejects.csv"
    report = import_assets(session, write(tmp_path, "a.csv", NETWORK + "TR3,transformer,-6.70,108.55,S9,10,\n"),
                           rejects=rejects)  # fmt: skip
    assert (report.inserted, report.rejected) == (4, 1)
    assert "unknown asset 'S9'" in rejects.read_text(encoding="utf-8")


def test_tickets_with_an_unknown_transformer_are_reported_not_dropped(session: Session, tmp_path: Path) -> None:
    """Once a network exists, a ticket naming a transformer outside it is imported, with a per-row warning."""
    import_assets(session, write(tmp_path, "a.csv", NETWORK))
    rows = "T1,2026-11-30T08:00,no_power,-6.71,108.55,TR1\nT2,2026-11-30T08:01,no_power,-6.71,108.55,TRX\n"
    tickets = write(tmp_path, "t.csv", "ticket_id,reported_at,category,lat,lon,transformer_id\n" + rows)
    report = import_tickets(session, tickets)
    assert report.inserted == 2
    assert [w for w in report.warnings if "transformer_id" in w] == [
        f"{tickets}:3: transformer_id: 'TRX' is not an asset of the network (dispatch import assets); "
        "ticket T2 is imported but not grouped into an outage"
    ]


def test_cli_imports_assets(database_url: str, engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`dispatch import assets FILE --json` imports and reports; a bad file exits 1 without a traceback."""
    monkeypatch.setenv("DISPATCH_DATABASE_URL", database_url)
    result = CliRunner().invoke(import_app, ["assets", str(write(tmp_path, "a.csv", NETWORK)), "--json"])
    assert result.exit_code == 0, result.output
    assert '"inserted": 4' in result.output
    bad = CliRunner().invoke(import_app, ["assets", str(write(tmp_path, "b.csv", HEADER + "X,transformer,1,2,,x,\n"))])
    assert bad.exit_code == 1 and "Traceback" not in bad.output
