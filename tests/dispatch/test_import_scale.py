"""Imports at any size: tickets.csv streams (flat memory, progress, chunked stores with the same merges),
files read whole are bounded, and no input nesting ends in a RecursionError."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from cli import app
from dispatch.core.policy import Policy
from dispatch.io.importing import rows, tickets
from dispatch.io.importing.rows import ImportErrors
from dispatch.io.importing.tickets import import_tickets
from dispatch.io.importing.zones import import_zones
from dispatch.store.db import session_scope
from dispatch.store.models import STATUS_MERGED, STATUS_OPEN, TicketRow

ROOT = Path(__file__).resolve().parents[2]
HEADER = "ticket_id,reported_at,category,lat,lon,customer_id,customers_affected,address\n"
runner = CliRunner()


def _tickets_csv(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for i in range(n):
            minute = dt.datetime(2026, 11, 29, 8) + dt.timedelta(seconds=i)
            lat, lon = -6.7 - i % 997 * 1e-4, 108.55 + i % 991 * 1e-4
            out.write(
                f"T{i:07d},{minute:%Y-%m-%dT%H:%M:%S},no_power,{lat:.6f},{lon:.6f},"
                f'CUST{i:09d},1,"Jl. Kenanga No. {i % 300}, Desa Palasah, Kec. Kertajati, Kab. Majalengka"\n'
            )
    return path


# Imports tickets.csv into a new SQLite file in a fresh process and prints its peak memory (bytes).
PEAK = """
import resource, sys
from pathlib import Path
from dispatch.io.importing.tickets import import_tickets
from dispatch.store.db import make_engine, session_scope
from dispatch.store.schema import create_schema
engine = make_engine(f"sqlite:///{sys.argv[2]}")
create_schema(engine)
with session_scope(engine) as session:
    report = import_tickets(session, Path(sys.argv[1]))
assert report.inserted == int(sys.argv[3]), report
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""


def _peak_bytes(csv_path: Path, db: Path, n: int) -> int:
    out = subprocess.run(
        [sys.executable, "-c", PEAK, str(csv_path), str(db), str(n)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.split()[-1])


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss in kilobytes is Linux's")
def test_ticket_import_memory_does_not_grow_with_the_file(tmp_path: Path) -> None:
    """Importing 25,000 rows peaks within 30 MB of importing 2,500 (the old importer took about 11 KB a row:
    240 MB more here, 2.7 GB at 244,500 rows)."""
    small = _peak_bytes(_tickets_csv(tmp_path / "small.csv", 2_500), tmp_path / "small.db", 2_500)
    large = _peak_bytes(_tickets_csv(tmp_path / "large.csv", 25_000), tmp_path / "large.db", 25_000)
    assert large - small < 30 * 2**20, (small, large)


def test_import_reports_progress_reading_then_storing(session: Session, tmp_path: Path, monkeypatch) -> None:
    """Progress goes from reading (bytes of the file) to storing (tickets), each up to its total."""
    monkeypatch.setattr(tickets, "PROGRESS_ROWS", 100)
    monkeypatch.setattr(tickets, "STORE_CHUNK", 250)
    path = _tickets_csv(tmp_path / "tickets.csv", 1_000)
    seen: list[tuple[str, int, int]] = []
    import_tickets(session, path, progress=lambda phase, done, total: seen.append((phase, done, total)))
    reads = [(d, t) for p, d, t in seen if p == "read"]
    stores = [(d, t) for p, d, t in seen if p == "store"]
    assert [p for p, _, _ in seen] == ["read"] * len(reads) + ["store"] * len(stores)
    assert len(reads) >= 5 and reads[-1] == (path.stat().st_size, path.stat().st_size)
    assert [d for d, _ in reads] == sorted(d for d, _ in reads)
    assert stores == [(250, 1000), (500, 1000), (750, 1000), (1000, 1000)]


def test_merges_across_store_chunks_pick_the_earliest_report(engine: Engine, tmp_path: Path, monkeypatch) -> None:
    """Stored two rows at a time, a customer's reports still merge into the earliest, wherever it is in the
    file, and into an open ticket already in the database."""
    monkeypatch.setattr(tickets, "STORE_CHUNK", 2)
    with session_scope(engine) as s:
        first = tmp_path / "first.csv"
        first.write_text(HEADER + "OLD,2026-11-28T07:00,meter,-6.7,108.5,C9,2,\n", encoding="utf-8")
        import_tickets(s, first)
    path = tmp_path / "tickets.csv"
    path.write_text(
        HEADER
        + "LATE,2026-11-29T12:00,no_power,-6.7,108.5,C1,3,\n"
        + "X1,2026-11-29T09:00,pole,-6.7,108.5,,1,\n"
        + "X2,2026-11-29T09:30,pole,-6.7,108.5,,1,\n"
        + "EARLY,2026-11-29T07:00,no_power,-6.7,108.5,C1,1,\n"
        + "MID,2026-11-29T10:00,no_power,-6.7,108.5,C1,7,\n"
        + "AGAIN,2026-11-29T11:00,meter,-6.7,108.5,C9,5,\n",
        encoding="utf-8",
    )
    with session_scope(engine) as s:
        report = import_tickets(s, path)
    assert sorted(report.merged) == [("AGAIN", "OLD"), ("LATE", "EARLY"), ("MID", "EARLY")]
    with session_scope(engine) as s:
        got = {t.ticket_id: (t.status, t.merged_into, t.customers_affected) for t in s.exec(select(TicketRow))}
    assert got["EARLY"] == (STATUS_OPEN, None, 7)
    assert got["OLD"] == (STATUS_OPEN, None, 5)
    assert got["LATE"] == (STATUS_MERGED, "EARLY", 3)


def test_bad_byte_deep_in_a_streamed_file_names_its_line(session: Session, tmp_path: Path) -> None:
    """A byte that is not UTF-8 on row 30,001 of tickets.csv is reported with its line, as in a small file."""
    path = _tickets_csv(tmp_path / "tickets.csv", 30_000)
    with path.open("ab") as out:
        out.write(b"T9,2026-11-29T08:00,no_power,-6.7,108.55,C,1,Jl. Caf\xe9\n")
    with pytest.raises(ImportErrors) as excinfo:
        import_tickets(session, path)
    assert excinfo.value.errors == [f"{path}:30002: file: not UTF-8 text (byte 0xe9); save it as UTF-8"]
    assert session.exec(select(TicketRow)).first() is None


def test_files_read_whole_are_bounded(session: Session, tmp_path: Path, monkeypatch) -> None:
    """A zones or crews file larger than the whole-file limit is refused by size, not read into memory."""
    monkeypatch.setattr(rows, "MAX_WHOLE_FILE_BYTES", 1000)
    path = tmp_path / "zones.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [], "pad": "x" * 2000}), encoding="utf-8")
    with pytest.raises(ImportErrors, match="MiB is more than this kind of file may be"):
        import_zones(session, path)


def _deep_json(depth: int) -> str:
    return '{"type": "FeatureCollection", "features": ' + "[" * depth + "]" * depth + "}"


@pytest.mark.parametrize("depth", [100_000, 500])
def test_deeply_nested_geojson_is_an_error_not_a_recursion_error(
    depth: int, database_url: str, engine: Engine, tmp_path: Path
) -> None:
    """A GeoJSON nested 100,000 deep (past the parser's limit) or 500 deep (past shapely's and the rejects
    writer's) is refused with one line, in both modes."""
    path = tmp_path / "zones.geojson"
    path.write_text(_deep_json(depth), encoding="utf-8")
    for extra in ([], ["--rejects", str(tmp_path / "rejected.geojson")]):
        result = runner.invoke(app, ["import", "zones", str(path), *extra], env={"DISPATCH_DATABASE_URL": database_url})
        assert result.exit_code == 1, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert f"error: {path}: file: nested more than 32 levels deep" in result.stderr


def test_deeply_nested_policy_scenario_and_solver_json_are_errors(tmp_path: Path) -> None:
    """A policy or scenario TOML and a solver problem JSON nested 100,000 deep end in one error line each."""
    deep_toml = "x = " + "[" * 100_000 + "]" * 100_000 + "\n"
    (tmp_path / "policy.toml").write_text(deep_toml, encoding="utf-8")
    with pytest.raises(Exception, match="nested too deeply") as excinfo:
        Policy.load(tmp_path / "policy.toml")
    assert not isinstance(excinfo.value, RecursionError)
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(deep_toml, encoding="utf-8")
    result = runner.invoke(app, ["scenario", "run", str(scenario)], env={"DISPATCH_DATABASE_URL": "sqlite:///:memory:"})
    assert result.exit_code == 1 and "nested too deeply" in result.stderr, result.output
    problem = tmp_path / "problem.json"
    problem.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    solved = subprocess.run(
        [sys.executable, "-m", "solver", "json", str(problem)], cwd=ROOT, capture_output=True, text=True
    )
    assert solved.returncode == 2
    assert solved.stderr.strip() == f"error: {problem}: not a problem: JSON nested too deeply"
