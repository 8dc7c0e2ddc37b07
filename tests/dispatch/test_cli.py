"""The whole ``dispatch`` command line: help texts, the registered groups, how failures are reported."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from sqlalchemy import Engine
from typer.core import TyperCommand, TyperGroup
from typer.testing import CliRunner, Result

from cli import app

runner = CliRunner()

GROUPS = (
    "import",
    "plan",
    "sheets",
    "demo",
    "visits",
    "members",
    "exposure",
    "scenario",
    "replan",
    "crews",
    "tickets",
    "db",
)


def _walk(command: TyperGroup | TyperCommand, path: str) -> Iterator[tuple[str, TyperGroup | TyperCommand]]:
    """``command`` and every command and group below it (recursively), by command line."""
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _walk(sub, f"{path} {name}")


ALL_COMMANDS = dict(_walk(typer.main.get_command(app), "dispatch"))  # type: ignore[arg-type]


def _last_line(path: str) -> str:
    return (ALL_COMMANDS[path].help or "").rstrip().splitlines()[-1]


def _cli(database_url: str, *args: str) -> Result:
    return runner.invoke(app, list(args), env={"DISPATCH_DATABASE_URL": database_url, "DISPATCH_POLICY": ""})


def test_the_walk_finds_every_group_and_command() -> None:
    """The help walk reaches nested commands, so the example check below covers the whole app."""
    assert {"dispatch", "dispatch plan show", "dispatch import visits", "dispatch scenario sweep"} <= set(ALL_COMMANDS)
    assert len(ALL_COMMANDS) > 30


@pytest.mark.parametrize("path", sorted(ALL_COMMANDS))
def test_help_ends_with_an_example(path: str) -> None:
    """Every command's and group's help text ends with a line `Example: dispatch ...`."""
    last = _last_line(path)
    assert last.startswith("Example: dispatch "), f"{path}: help ends with {last!r}"


@pytest.mark.parametrize("path", ["dispatch plan show", "dispatch visits record", "dispatch import tickets"])
def test_rendered_help_shows_the_example(path: str) -> None:
    """`--help` prints the example too (typer keeps the final paragraph of the help text)."""
    result = runner.invoke(app, [*path.split()[1:], "--help"])
    assert result.exit_code == 0, result.output
    assert _last_line(path) in " ".join(result.stdout.split())


def test_top_level_help_lists_every_group() -> None:
    """`dispatch --help` lists the nightly, ledger, scenario and intraday commands and groups."""
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0, result.output
    listed = {line.strip("│ ").split(" ")[0] for line in result.stdout.splitlines()}
    assert set(GROUPS) <= listed


def test_policy_option_is_spelled_policy() -> None:
    """Every command that reads a policy file takes it as --policy, none as --policy-path."""
    options = {path: {o for p in c.params for o in p.opts} for path, c in ALL_COMMANDS.items()}
    assert not [path for path, opts in options.items() if "--policy-path" in opts]
    assert {"dispatch plan", "dispatch sheets", "dispatch import tickets", "dispatch replan"} <= {
        path for path, opts in options.items() if "--policy" in opts
    }


def test_failing_plan_show_reports_on_stderr_only(database_url: str, engine: Engine) -> None:
    """`dispatch plan show` on an empty database exits 1 with `error: no plan ...` on stderr and no stdout."""
    result = _cli(database_url, "plan", "show", "--date", "2030-01-01")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("error: no plan for 2030-01-01: run `dispatch plan --date 2030-01-01` first")


def test_failing_import_reports_on_stderr_only(database_url: str, engine: Engine, tmp_path: Path) -> None:
    """`dispatch import tickets` of a missing file exits 1, names the file on stderr and prints nothing on stdout."""
    missing = tmp_path / "missing.csv"
    result = _cli(database_url, "import", "tickets", str(missing))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [f"error: {missing}: file not found", "nothing imported: 1 problem(s)"]


def test_failing_import_with_json_prints_an_error_object(database_url: str, engine: Engine, tmp_path: Path) -> None:
    """With --json a failed import also prints {"ok": false, "errors": [...]} on stdout for machines."""
    missing = tmp_path / "missing.csv"
    result = _cli(database_url, "import", "crews", str(missing), "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {"ok": False, "errors": [f"{missing}: file not found"], "warnings": []}
    assert f"error: {missing}: file not found" in result.stderr


def test_policy_fallback_applies_to_every_command(database_url: str, engine: Engine, tmp_path: Path) -> None:
    """$DISPATCH_POLICY is read when --policy is absent (import included), and --policy wins over it."""
    bad = tmp_path / "bad.toml"
    bad.write_text("[region]\ntimezon = 'Asia/Jakarta'\n", encoding="utf-8")
    env = {"DISPATCH_DATABASE_URL": database_url, "DISPATCH_POLICY": str(bad)}
    shifts = tmp_path / "shifts.csv"
    shifts.write_text("crew_id,date,start,end\n", encoding="utf-8")
    for args in (["import", "shifts", str(shifts)], ["members", "list"], ["tickets", "eta", "T1"]):
        result = runner.invoke(app, args, env=env)
        assert result.exit_code == 1, (args, result.output)
        assert "region.timezon: unknown policy key" in result.stderr, args
    good = tmp_path / "good.toml"
    good.write_text("[region]\ntimezone = 'Asia/Jakarta'\n", encoding="utf-8")
    result = runner.invoke(app, ["members", "list", "--policy", str(good), "--json"], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["members"] == []


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "show", "--date", "2026-11-30"],
        ["plan", "list", "--date", "2026-11-30"],
        ["plan", "publish", "--date", "2026-11-30"],
        ["plan", "--date", "2026-11-30"],
        ["sheets", "--date", "2026-11-30"],
        ["replan", "--date", "2026-11-30", "--at", "10:00"],
        ["tickets", "eta", "T1"],
        ["members", "list"],
        ["visits", "list", "--date", "2026-11-30"],
        ["exposure", "trace", "M001"],
    ],
    ids=lambda args: " ".join(a for a in args if not a[0].isdigit() and a[0] != "-" and a != "T1"),
)
def test_commands_on_imported_data_create_no_database(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run in the wrong folder (no dispatch.db), a command that needs imported data says so and leaves no
    empty dispatch.db behind."""
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, args, env={"DISPATCH_DATABASE_URL": None, "DISPATCH_POLICY": None})
    assert result.exit_code == 1, result.output
    assert "database file dispatch.db not found" in result.stderr
    assert list(tmp_path.iterdir()) == []
