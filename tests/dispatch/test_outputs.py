"""Output paths under faults: unwritable folders and files, rejects onto the input, a sheet folder that
cannot be fully rewritten. Clear errors, no traceback, previous outputs whole, inputs untouched."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import select
from typer.testing import CliRunner, Result

from cli import app
from dispatch.core.policy import Policy
from dispatch.io.importing.crews import import_crews
from dispatch.io.importing.shifts import import_shifts
from dispatch.io.importing.tickets import import_tickets
from dispatch.io.importing.zones import import_zones
from dispatch.runtime.files import TEMP_PREFIX, OutputError, StagedFolder, check_output_file, replace_file
from dispatch.sample.region import generate_region
from dispatch.store.db import session_scope
from dispatch.store.models import PlanRow, TicketRow
from dispatch.usecases.nightly import publish, run_plan

DAY = dt.date(2026, 11, 30)
runner = CliRunner()


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """``path`` (a file or folder) cannot be written or replaced, even by root (CI runs as root): an
    immutable inode under root, else a read-only folder (a file then through its folder)."""
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
            pytest.skip("chattr +i is not available here, and root ignores file modes")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        return
    folder = path if path.is_dir() else path.parent
    folder.chmod(0o555)
    try:
        yield
    finally:
        folder.chmod(0o755)


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _cli(database_url: str, *args: str) -> Result:
    return runner.invoke(app, list(args), env={"DISPATCH_DATABASE_URL": database_url, "DISPATCH_POLICY": ""})


def _clean_failure(result: Result, *needles: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in result.stderr, (needle, result.stderr)


@pytest.fixture
def published(engine: Engine, tmp_path: Path) -> Policy:
    """A small region imported, planned (reproducible) and published for DAY."""
    region = tmp_path / "region"
    generate_region(n_tickets=30, n_crews=4, day=DAY, seed=3).write(region)
    policy = Policy.load(region / "dispatch.toml")
    with session_scope(engine) as s:
        import_crews(s, region / "crews.csv")
        import_shifts(s, region / "shifts.csv", policy=policy)
        import_zones(s, region / "zones.geojson")
        import_tickets(s, region / "tickets.csv", policy=policy)
    now = dt.datetime(2026, 11, 29, 22, tzinfo=dt.UTC)
    plan = run_plan(engine=engine, day=DAY, policy=policy, time_limit=None, reproducible=True, now=now).plan
    with session_scope(engine) as s:
        publish(s, plan_id=plan.plan_id, now=now)  # type: ignore[arg-type]
    return policy


def test_sheets_and_replan_refuse_unwritable_out(published: Policy, engine: Engine, tmp_path: Path) -> None:
    """`sheets`/`replan --out` to /proc, to a file, or to a read-only folder: one clear error, exit 1, nothing
    written; the re-plan stops before solving and saves no revision."""
    url = engine.url.render_as_string(hide_password=False)
    a_file = tmp_path / "a-file"
    a_file.write_text("mine\n")
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "C01.pdf").write_bytes(b"yesterday")
    with read_only(locked):
        for out, message in (
            ("/proc/nope", "--out /proc/nope: cannot write in /proc"),
            (str(a_file), f"--out {a_file}: exists and is not a folder"),
            (str(locked), f"--out {locked}: cannot write in {locked}"),
        ):
            _clean_failure(_cli(url, "sheets", "--date", DAY.isoformat(), "--out", out), message)
            _clean_failure(_cli(url, "replan", "--date", DAY.isoformat(), "--at", "10:00", "--out", out), message)
    assert a_file.read_text() == "mine\n"
    assert _digest(locked) == {"C01.pdf": hashlib.sha256(b"yesterday").hexdigest()}
    with session_scope(engine) as s:
        assert len(s.exec(select(PlanRow)).all()) == 1


def test_failed_sheets_run_leaves_the_previous_sheets_whole(published: Policy, engine: Engine, tmp_path: Path) -> None:
    """A rewrite that cannot replace one crew's PDF changes no file at all (it used to leave C01-C02 new and
    the rest from the previous plan), and leaves no temporary files behind."""
    url = engine.url.render_as_string(hide_password=False)
    out = tmp_path / "sheets"
    result = _cli(url, "sheets", "--date", DAY.isoformat(), "--out", str(out), "--lang", "id")
    assert result.exit_code == 0, result.output
    before = _digest(out)
    assert "index.html" in before and "C03.pdf" in before
    with read_only(out / "C03.pdf"):
        result = _cli(url, "sheets", "--date", DAY.isoformat(), "--out", str(out), "--lang", "en")
    _clean_failure(result, f"--out {out}")
    assert _digest(out) == before
    assert not [p for p in out.iterdir() if p.name.startswith(TEMP_PREFIX)]
    result = _cli(url, "sheets", "--date", DAY.isoformat(), "--out", str(out), "--lang", "en")
    assert result.exit_code == 0, result.output
    after = _digest(out)
    assert set(after) == set(before) and all(after[f] != before[f] for f in ("C01.pdf", "index.html"))


@pytest.mark.parametrize("target", ["input", "folder", "proc"])
def test_rejects_onto_the_input_a_folder_or_proc_is_refused(
    target: str, engine: Engine, database_url: str, tmp_path: Path
) -> None:
    """`import tickets X --rejects X` (or a folder, or /proc) is refused before reading: the input is not
    overwritten and nothing is imported."""
    tickets = tmp_path / "tickets.csv"
    tickets.write_text(
        "ticket_id,reported_at,category,lat,lon\n"
        "T1,2026-11-29T20:00,no_power,-6.70,108.55\n"
        "T2,2026-11-29T20:00,no_such_category,-6.70,108.55\n",
        encoding="utf-8",
    )
    before = tickets.read_bytes()
    rejects = {"input": tickets, "folder": tmp_path, "proc": Path("/proc/nope.csv")}[target]
    message = {"input": "is the input file", "folder": "is a folder", "proc": "cannot write in /proc"}[target]
    result = _cli(database_url, "import", "tickets", str(tickets), "--rejects", str(rejects))
    _clean_failure(result, f"error: --rejects {rejects}: ", message, "nothing imported")
    assert tickets.read_bytes() == before
    with session_scope(engine) as s:
        assert s.exec(select(TicketRow)).all() == []


def test_png_to_an_unwritable_path_fails_before_the_report(engine: Engine, database_url: str) -> None:
    """`exposure report --png /proc/x.png` says it cannot write there, without a traceback."""
    result = _cli(
        database_url, "exposure", "report", "--from", "2026-11-30", "--to", "2026-11-30", "--png", "/proc/x.png"
    )
    _clean_failure(result, "--png /proc/x.png: cannot write in /proc")


def test_staged_folder_commits_together_and_discards_on_error(tmp_path: Path) -> None:
    """Staged files replace theirs and keep the rest on success; on an error the folder is as it was, and a
    folder the stage created is removed again."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.txt").write_text("old a")
    (out / "keep.txt").write_text("keep")
    with StagedFolder(out) as stage:
        (stage.path / "a.txt").write_text("new a")
        (stage.path / "b.txt").write_text("new b")
    assert _digest(out) == _digest_of({"a.txt": "new a", "b.txt": "new b", "keep.txt": "keep"})
    with pytest.raises(RuntimeError), StagedFolder(out) as stage:
        (stage.path / "a.txt").write_text("newer a")
        raise RuntimeError("rendering failed")
    assert _digest(out) == _digest_of({"a.txt": "new a", "b.txt": "new b", "keep.txt": "keep"})
    fresh = tmp_path / "fresh" / "sheets"
    with pytest.raises(RuntimeError), StagedFolder(fresh) as stage:
        raise RuntimeError("rendering failed")
    assert not fresh.exists()


def test_retired_files_go_with_the_commit_and_come_back_on_failure(tmp_path: Path) -> None:
    """A retired file is removed when the stage commits, and is still there when the commit fails."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "C05.pdf").write_text("yesterday's route")
    (out / "C01.pdf").write_text("old C01")
    with read_only(out / "C01.pdf"), pytest.raises(OutputError), StagedFolder(out) as stage:
        (stage.path / "C01.pdf").write_text("new C01")
        stage.retire(["C05.pdf", "missing.pdf"])
    assert _digest(out) == _digest_of({"C05.pdf": "yesterday's route", "C01.pdf": "old C01"})
    with StagedFolder(out) as stage:
        (stage.path / "C01.pdf").write_text("new C01")
        stage.retire(["C05.pdf"])
    assert _digest(out) == _digest_of({"C01.pdf": "new C01"})


def test_full_sheets_run_removes_another_plans_crew_sheets(published: Policy, engine: Engine, tmp_path: Path) -> None:
    """Sheets left in the folder for a crew with no route in this plan (C09: no shift today) are removed by a
    full sheets run, so nobody is handed an earlier day's route; a one-crew run leaves other files alone."""
    crews = tmp_path / "crews.csv"
    crews.write_text("crew_id,name,depot_lat,depot_lon,end_lat,end_lon,skills,vehicle,members\n"
                     "C09,Yantek Cadangan,-6.7051,108.5555,,,lv,car,M090;M091\n")  # fmt: skip
    with session_scope(engine) as s:
        import_crews(s, crews)
    url = engine.url.render_as_string(hide_password=False)
    out = tmp_path / "sheets"
    out.mkdir()
    for suffix in (".pdf", ".html", ".csv", ".geojson"):
        (out / f"C09{suffix}").write_text("an earlier day's route")
    (out / "notes.txt").write_text("the dispatcher's own file")
    result = _cli(url, "sheets", "--date", DAY.isoformat(), "--out", str(out), "--crew", "C01")
    assert result.exit_code == 0, result.output
    assert (out / "C09.pdf").exists() and (out / "C01.pdf").exists()
    result = _cli(url, "sheets", "--date", DAY.isoformat(), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.glob("C09*")) == []
    assert (out / "notes.txt").exists() and (out / "C01.pdf").exists() and (out / "index.pdf").exists()


def _digest_of(files: dict[str, str]) -> dict[str, str]:
    return {name: hashlib.sha256(text.encode()).hexdigest() for name, text in files.items()}


def test_replace_file_keeps_the_old_file_on_error(tmp_path: Path) -> None:
    """A file written through replace_file is the old one until the block ends without error."""
    path = tmp_path / "plan.json"
    path.write_text("old")
    with pytest.raises(RuntimeError), replace_file(path) as handle:
        handle.write("half")
        raise RuntimeError("disk full")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]
    with replace_file(path) as handle:
        handle.write("new")
    assert path.read_text() == "new"
    with pytest.raises(OutputError, match="is the input file"):
        check_output_file(tmp_path / "." / "plan.json", what="--csv", inputs=[path])
