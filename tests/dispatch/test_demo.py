"""`dispatch demo` never replaces a live database or policy it did not write, unless told to."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from dispatch.usecases.demo import DEMO_MARKER, DemoFolderInUse, check_demo_folder

runner = CliRunner()


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
def live(tmp_path: Path) -> Path:
    """A dispatcher's working folder: a database and a policy of their own."""
    folder = tmp_path / "live"
    folder.mkdir()
    (folder / "dispatch.db").write_bytes(b"SQLite format 3\x00 the live plans")
    (folder / "dispatch.toml").write_text("[solver]\ntime_limit_s = 45\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize("name", ["dispatch.db", "dispatch.toml"])
def test_demo_refuses_a_folder_with_a_live_database_or_policy(tmp_path: Path, name: str) -> None:
    """`dispatch demo --out DIR` on a folder holding dispatch.db or dispatch.toml exits 1 and changes nothing."""
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / name).write_bytes(b"precious")
    before = _digest(folder)
    result = runner.invoke(app, ["demo", "--out", str(folder), "--time-limit", "1"])
    assert result.exit_code == 1, result.output
    assert f"holds {name}" in result.stderr and "--force" in result.stderr
    assert _digest(folder) == before
    assert not (folder / DEMO_MARKER).exists()


def test_demo_out_dot_refuses_the_working_folder(live: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reported case: `dispatch demo --out .` in the dispatcher's folder keeps dispatch.db and dispatch.toml."""
    monkeypatch.chdir(live)
    before = _digest(live)
    result = runner.invoke(app, ["demo", "--out", ".", "--time-limit", "1"])
    assert result.exit_code == 1
    assert "holds dispatch.db, dispatch.toml" in result.stderr
    assert _digest(live) == before


def test_a_demo_folder_may_be_filled_again(tmp_path: Path) -> None:
    """A folder an earlier demo wrote (it holds the demo's marker) is not refused; an empty one neither."""
    folder = tmp_path / "demo-output"
    check_demo_folder(folder)  # not there yet
    folder.mkdir()
    (folder / "dispatch.db").write_bytes(b"an earlier demo's database")
    with pytest.raises(DemoFolderInUse):
        check_demo_folder(folder)
    (folder / DEMO_MARKER).write_text("written by `dispatch demo`\n")
    check_demo_folder(folder)


def test_demo_with_force_replaces_and_marks_the_folder(live: Path) -> None:
    """--force runs the whole demo over the folder: a fresh database, the sample policy, the marker; its report
    reads in Bahasa Indonesia by default."""
    result = runner.invoke(app, ["demo", "--out", str(live), "--time-limit", "1", "--force"])
    assert result.exit_code == 0, result.output
    assert "diimpor 300 tiket" in result.stdout and "Hasil di " in result.stdout and "Outputs in" not in result.stdout
    assert (live / DEMO_MARKER).exists()
    assert (live / "dispatch.db").read_bytes().startswith(b"SQLite format 3\x00")
    assert "time_limit_s = 45" not in (live / "dispatch.toml").read_text(encoding="utf-8")
    assert json.loads((live / "plan.json").read_text(encoding="utf-8"))["status"] == "published"
    assert (live / "sheets" / "index.html").exists()
