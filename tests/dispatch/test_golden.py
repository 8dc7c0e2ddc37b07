"""The plan JSON contract, byte for byte: `plan show --json` of a reproducible nightly plan and re-plan.

The golden files are the contract of docs/plan-format.md. A change that adds or changes a key updates
the typed plan, the format document and these files in the same commit. A change of the search that
gives a different (better) plan regenerates them deliberately:

    DISPATCH_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/dispatch/test_golden.py
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from dispatch.sample.region import generate_region

DAY = dt.date(2026, 11, 30)
GOLDEN = Path(__file__).parent / "golden"
runner = CliRunner()
# Wall-clock stamps are the only values that differ between two runs of the same plan.
_CREATED = re.compile(r'"created_at": "[^"]*"')


def _cli(database_url: str, *args: str) -> str:
    result = runner.invoke(app, list(args), env={"DISPATCH_DATABASE_URL": database_url, "DISPATCH_POLICY": ""})
    assert result.exit_code == 0, result.output
    return result.stdout


def _matches_golden(name: str, text: str) -> None:
    # Like every time in the plan: the region's offset, to the second.
    assert re.search(r'"created_at": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00"', text), "created_at not local"
    text = _CREATED.sub('"created_at": "<now>"', text)
    path = GOLDEN / name
    if os.environ.get("DISPATCH_UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"plan show --json differs from {path}"


@pytest.fixture
def planned(engine, database_url: str, tmp_path: Path) -> str:
    """A small generated region imported through the CLI and planned reproducibly; returns the URL."""
    region = tmp_path / "region"
    generate_region(n_tickets=40, n_crews=4, day=DAY, seed=3).write(region)
    policy = str(region / "dispatch.toml")
    for what, file in (("crews", "crews.csv"), ("shifts", "shifts.csv"), ("zones", "zones.geojson")):
        _cli(database_url, "import", what, str(region / file), "--policy", policy)
    _cli(database_url, "import", "tickets", str(region / "tickets.csv"), "--policy", policy)
    _cli(database_url, "plan", "--date", str(DAY), "--reproducible", "--json", "--policy", policy)
    return database_url


def test_nightly_plan_json_is_the_golden_file(planned: str) -> None:
    """A reproducible nightly plan prints exactly the golden document (created_at aside)."""
    _matches_golden("nightly.json", _cli(planned, "plan", "show", "--date", str(DAY), "--json"))


def test_replan_json_is_the_golden_file(planned: str, tmp_path: Path) -> None:
    """A reproducible re-plan after one done visit and a reported position prints exactly the golden document."""
    policy = str(tmp_path / "region" / "dispatch.toml")
    _cli(planned, "plan", "publish", "--date", str(DAY))
    doc = json.loads(_cli(planned, "plan", "show", "--date", str(DAY), "--json"))
    route = next(r for r in doc["routes"] if any(s["type"] == "visit" for s in r["steps"]))
    first = next(s for s in route["steps"] if s["type"] == "visit")
    _cli(
        planned,
        "visits",
        "record",
        "--ticket",
        first["ticket_id"],
        "--crew",
        route["crew_id"],
        "--arrived",
        first["arrival"][:19],
        "--left",
        first["end"][:19],
        "--outcome",
        "fixed",
        "--policy",
        policy,
        *(["--entered-home"] if first["indoor"] else ["--no-entered-home"]),
    )
    _cli(
        planned, "crews", "position", route["crew_id"], "--lat", "-6.72", "--lon", "108.55", "--at", "2026-11-30T11:00"
    )
    _cli(planned, "replan", "--date", str(DAY), "--at", "11:05", "--reproducible", "--json", "--policy", policy)
    _matches_golden("replan.json", _cli(planned, "plan", "show", "--date", str(DAY), "--json"))
