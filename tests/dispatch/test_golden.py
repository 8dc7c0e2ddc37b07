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


def test_outage_plan_json_is_the_golden_file(engine, database_url: str, tmp_path: Path) -> None:
    """A network with one tripped transformer (three reports) and a lone report elsewhere: the plan's
    `outages` and the asset job's visit print exactly the golden document."""
    files = {
        "assets.csv": "asset_id,kind,lat,lon,parent_id,customers,name\nF1,feeder_section,-6.70,108.55,,500,Feeder 1\n"
        "TR1,transformer,-6.712,108.552,F1,40,Gardu 1\nTR3,transformer,-6.688,108.562,F1,50,Gardu 3\n",
        "crews.csv": "crew_id,name,depot_lat,depot_lon,skills,vehicle,members\n"
        "C1,Regu 1,-6.70,108.55,lv;mv,car,M1;M2\n",
        "shifts.csv": f"crew_id,date,start,end\nC1,{DAY},08:00,16:00\n",
        "tickets.csv": "ticket_id,reported_at,category,lat,lon,customer_id,transformer_id\n"
        + "".join(f"A{i},{DAY}T06:0{i},no_power,-6.71{i},108.552,K{i},TR1\n" for i in range(1, 4))
        + f"L1,{DAY}T06:30,no_power,-6.689,108.562,K9,TR3\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    for what in ("assets", "crews", "shifts", "tickets"):
        _cli(database_url, "import", what, str(tmp_path / f"{what}.csv"))
    _cli(database_url, "plan", "--date", str(DAY), "--reproducible", "--json")
    _matches_golden("outages.json", _cli(database_url, "plan", "show", "--date", str(DAY), "--json"))
