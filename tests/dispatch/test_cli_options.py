"""Hostile command-line values: every number option is bounded, NaN and infinity never reach the solver."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from sqlalchemy import Engine
from typer.core import TyperCommand, TyperGroup
from typer.testing import CliRunner, Result

from cli import app

runner = CliRunner()


def _walk(command: TyperGroup | TyperCommand, path: str) -> Iterator[tuple[str, TyperGroup | TyperCommand]]:
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _walk(sub, f"{path} {name}")


ALL_COMMANDS = dict(_walk(typer.main.get_command(app), "dispatch"))  # type: ignore[arg-type]


def _cli(database_url: str, *args: str) -> Result:
    # A wide terminal keeps each usage error on one line of its box.
    env = {"DISPATCH_DATABASE_URL": database_url, "DISPATCH_POLICY": "", "COLUMNS": "200"}
    return runner.invoke(app, list(args), env=env)


def test_every_number_option_is_bounded() -> None:
    """Each int or float option of every command has a checking callback or both a min and a max."""
    loose = [
        f"{path} {'/'.join(p.opts)}"
        for path, command in ALL_COMMANDS.items()
        for p in command.params
        if p.type_descriptor.annotation in (int, float) and p.callback is None and (p.min is None or p.max is None)
    ]
    assert loose == []


@pytest.mark.parametrize("value", ["nan", "inf", "-5", "0", "86401"])
@pytest.mark.parametrize(
    "command",
    [
        ["plan", "--date", "2026-11-30"],
        ["replan", "--date", "2026-11-30", "--at", "10:00"],
        ["demo", "--out", "{tmp}"],
        ["scenario", "run", "{tmp}/s.toml"],
    ],
)
def test_bad_time_limits_are_refused_before_anything_runs(
    database_url: str, engine: Engine, tmp_path: Path, command: list[str], value: str
) -> None:
    """--time-limit nan/inf/-5/0/too long exits 2 naming the option, with no traceback and nothing written."""
    args = [a.replace("{tmp}", str(tmp_path / "out")) for a in command]
    result = _cli(database_url, *args, "--time-limit", value)
    assert result.exit_code == 2, result.output
    assert "--time-limit" in result.stderr and "greater than 0 and at most 86400" in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["crews", "position", "C01", "--lat", "nan", "--lon", "108.5"],
        ["crews", "position", "C01", "--lat", "-6.7", "--lon", "inf"],
        ["plan", "show", "--date", "2026-11-30", "--plan-id", "99999999999999999999"],
        ["exposure", "trace", "M1", "--days", "99999999999"],
        ["scenario", "list", "--limit", "0"],
    ],
)
def test_other_number_options_refuse_impossible_values(database_url: str, engine: Engine, args: list[str]) -> None:
    """Coordinates, ids and counts out of range are usage errors (exit 2), never a traceback."""
    result = _cli(database_url, *args)
    assert result.exit_code == 2, result.output
    assert "Invalid value" in result.stderr and "Traceback" not in result.output


def test_a_folder_as_policy_is_one_error_line(database_url: str, engine: Engine, tmp_path: Path) -> None:
    """`--policy DIR` and a non-UTF-8 policy file say what is wrong with the file, exit 1, no traceback."""
    result = _cli(database_url, "plan", "--date", "2026-11-30", "--policy", str(tmp_path))
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == f"error: {tmp_path}: is a folder, not a policy file"
    latin = tmp_path / "p.toml"
    latin.write_bytes(b"[region]\nname = 'Cirebon \xe9'\n")
    result = _cli(database_url, "import", "crews", str(tmp_path / "c.csv"), "--policy", str(latin))
    assert result.exit_code == 1
    assert f"error: {latin}:2: not UTF-8 text (byte 0xe9)" in result.stderr
    assert "Traceback" not in result.output
