"""Fuzzing every importer and the policy loader through the real CLI on a real database (issue 13).

Hypothesis writes tickets, crews, shifts and visits CSV files and zones GeoJSON files, mostly
plausible rows with hostile cells mixed in (NUL, NaN, 1e309, ``=HYPERLINK``, ``../../x``, dates in
2031 or year 1, date-only times, stray quotes and line breaks, non-UTF-8 bytes, wrong headers and
row lengths), and policy files from known and unknown keys with values of every type. Each file
goes through ``dispatch import ...`` (typer's CliRunner) on one SQLite file per module (the
PostgreSQL database when DISPATCH_TEST_DATABASE_URL is set), once whole-or-nothing and once with
``--rejects``. Whatever the input:

- the command exits 0, or exits 1 with every problem as ``FILE[:ROW]: field: what`` on stderr;
  never a traceback;
- a failed whole-or-nothing import leaves the table as it was;
- with ``--rejects``: accepted + rejected = the rows of the file, the rejects file holds exactly the
  rejected rows, and the table grew by what was inserted.

FUZZ_EXAMPLES (default 30) sets the examples per importer; FUZZ_RANDOM=1 draws new ones on every run.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import os
import re
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import typer.main
import typer.testing
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import Session, select
from typer.testing import CliRunner

from cli import app
from dispatch.core.domain import Category, HouseholdRisk, Vehicle
from dispatch.core.policy import Policy, PolicyError
from dispatch.io.importing.crews import CREW_OPTIONAL, CREW_REQUIRED, import_crews
from dispatch.io.importing.shifts import SHIFT_OPTIONAL, SHIFT_REQUIRED, import_shifts
from dispatch.io.importing.tickets import TICKET_OPTIONAL, TICKET_REQUIRED, import_tickets
from dispatch.io.importing.visits import VISIT_OPTIONAL, VISIT_REQUIRED
from dispatch.store.db import make_engine, session_scope
from dispatch.store.models import CrewRow, ShiftRow, TicketRow, ZoneRow
from dispatch.store.models.exposure import VisitRecordRow
from dispatch.store.schema import create_schema

from ..conftest import _empty_tables

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=not os.environ.get("FUZZ_RANDOM"),  # CI runs the same examples every time: failures reproduce
)
WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime.now(UTC)
runner = CliRunner()

# Cells that have broken importers somewhere, or should be refused cleanly.
HOSTILE = [
    "",
    " ",
    "\x00",
    "\x07",
    "\x1f",
    "\u2028",
    "\ufeff",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "1e309",
    "-0",
    "0",
    "-1",
    "99999999999999999999",
    '=HYPERLINK("x")',
    "+1",
    "@A1",
    "\t=1",
    "'=1",
    "../../x/EVIL",
    ".hidden",
    "index",
    "CON",
    "a;b",
    "a;;b",
    ";",
    'q"uote',
    "line\nbreak",
    "\r",
    "ÿ",
    "日本",
    "🙂",
    "x" * 300,
    "2031-01-01T08:00",
    "2026-11-29",
    "20261129",
    "0001-01-01T00:00",
    "9999-12-31T23:59+00:00",
    "2026-02-30T08:00",
    "24:00",
    "23:59",
    "00:00",
    "7:5",
    "true",
    "false",
    "maybe",
    "1.5",
    "-6.7",
    "108.55",
    "0",
    "6.7",
    "-96.7",
    "181",
]


def _recent() -> st.SearchStrategy[str]:
    """A time in the last 30 days, in one of the accepted spellings."""
    return st.tuples(st.integers(1, 30 * 24 * 60), st.sampled_from(["local", "offset", "utc", "space"])).map(
        _spell_time
    )


def _spell_time(args: tuple[int, str]) -> str:
    minutes, style = args
    moment = (NOW - timedelta(minutes=minutes)).astimezone(WIB).replace(second=0, microsecond=0)
    if style == "local":
        return moment.strftime("%Y-%m-%dT%H:%M")
    if style == "offset":
        return moment.isoformat()
    if style == "utc":
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _number(lo: float, hi: float, digits: int = 5) -> st.SearchStrategy[str]:
    return st.floats(lo, hi, allow_nan=False).map(lambda v: f"{v:.{digits}f}")


def _hhmm() -> st.SearchStrategy[str]:
    return st.tuples(st.integers(0, 23), st.sampled_from([0, 15, 30, 45])).map(lambda t: f"{t[0]:02d}:{t[1]:02d}")


LAT, LON = _number(-7.0, -6.3), _number(107.9, 108.8)
IDS = st.sampled_from([f"T{i}" for i in range(1, 16)])
CREW_IDS = st.sampled_from(["C1", "C2", "C3", "C4"])
MEMBERS = st.lists(st.sampled_from([f"M{i}" for i in range(1, 12)]), min_size=0, max_size=4).map(";".join)
SKILLS = st.lists(st.sampled_from(["lv", "mv", "ppe", "hv", "LV", ""]), max_size=3).map(";".join)
FLAGS = st.sampled_from(["true", "false", "yes", "no", "1", "0", ""])

VALID: dict[str, dict[str, st.SearchStrategy[str]]] = {
    "tickets": {
        "ticket_id": IDS,
        "reported_at": _recent(),
        "category": st.sampled_from([c.value for c in Category]),
        "lat": LAT,
        "lon": LON,
        "address": st.sampled_from(["Jl. Kartini 4", "", "Gg. Melati 3, RT 02/RW 03"]),
        "customer_id": st.sampled_from(["", "5321001", "5321002"]),
        "customer_name": st.sampled_from(["Ibu Siti", "", "Pak Budi"]),
        "phone": st.sampled_from(["0812-2233-4455", "+6281234567", ""]),
        "priority": st.sampled_from(["1", "2", "3", "4", ""]),
        "critical_facility": FLAGS,
        "customers_affected": st.integers(1, 500).map(str),
        "service_min": st.integers(1, 240).map(str),
        "indoor": FLAGS,
        "household_risk": st.sampled_from([r.value for r in HouseholdRisk] + [""]),
        "window_start": _hhmm(),
        "window_end": _hhmm(),
        "skills": SKILLS,
        "transformer_id": st.sampled_from(["GD-KS-14", ""]),
        "source": st.sampled_from(["csv", "call_centre", "app", ""]),
    },
    "crews": {
        "crew_id": CREW_IDS,
        "name": st.sampled_from(["Regu Kota", "Regu Plered", ""]),
        "depot_lat": LAT,
        "depot_lon": LON,
        "end_lat": st.one_of(st.just(""), LAT),
        "end_lon": st.one_of(st.just(""), LON),
        "skills": SKILLS,
        "vehicle": st.sampled_from([v.value for v in Vehicle] + [""]),
        "members": MEMBERS,
    },
    "shifts": {
        "crew_id": CREW_IDS,
        "date": st.dates(NOW.date() - timedelta(days=10), NOW.date() + timedelta(days=10)).map(str),
        "start": _hhmm(),
        "end": _hhmm(),
        "break_start": st.one_of(st.just(""), _hhmm()),
        "break_end": st.one_of(st.just(""), _hhmm()),
        "break_min": st.sampled_from(["", "30", "45", "0", "600"]),
        "standby": FLAGS,
    },
    "visits": {
        "ticket_id": st.sampled_from(["S1", "S2", "S3", "S4", "NOPE"]),
        "crew_id": st.sampled_from(["C1", "C2", "C9"]),
        "arrived": _recent(),
        "left": st.one_of(st.just(""), _recent()),
        "entered_home": FLAGS,
        "outcome": st.sampled_from(["fixed", "not_home", "escalated", "unsafe", ""]),
        "note": st.sampled_from(["", "ok", "=1+1"]),
        "plan_id": st.sampled_from(["", "1", "99999999999999999999"]),
    },
}
COLUMNS = {
    "tickets": (TICKET_REQUIRED, TICKET_OPTIONAL),
    "crews": (CREW_REQUIRED, CREW_OPTIONAL),
    "shifts": (SHIFT_REQUIRED, SHIFT_OPTIONAL),
    "visits": (VISIT_REQUIRED, VISIT_OPTIONAL),
}
TABLES: dict[str, Any] = {
    "tickets": TicketRow,
    "crews": CrewRow,
    "shifts": ShiftRow,
    "visits": VisitRecordRow,
    "zones": ZoneRow,
}


def _cell(column_strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Mostly a plausible value, sometimes a hostile one or random text."""
    return st.integers(0, 9).flatmap(
        lambda k: column_strategy if k < 7 else st.sampled_from(HOSTILE) if k < 9 else st.text(max_size=12)
    )


@st.composite
def csv_files(draw: st.DrawFn, kind: str) -> bytes:
    """A CSV file for ``kind``: a header (usually right), rows of mixed cells, sometimes broken bytes."""
    required, optional = COLUMNS[kind]
    valid = VALID[kind]
    header = list(required) + draw(st.lists(st.sampled_from(optional), unique=True, max_size=len(optional)))
    header = draw(st.permutations(header))
    mutation = draw(st.sampled_from(["none"] * 8 + ["drop", "duplicate", "unknown", "reject_reason"]))
    if mutation == "drop":
        header.remove(draw(st.sampled_from(header)))
    elif mutation == "duplicate":
        header.append(draw(st.sampled_from(header)))
    elif mutation == "unknown":
        header.append(draw(st.sampled_from(["colour", "Lat ", " ticket_id", "x" * 40])))
    elif mutation == "reject_reason":
        header.append("reject_reason")
    rows = []
    for _ in range(draw(st.integers(0, 8))):
        row = [draw(_cell(valid.get(c.strip(), st.text(max_size=5)))) for c in header]
        if draw(st.integers(0, 14)) == 0:
            row = row[: draw(st.integers(0, len(row)))] if draw(st.booleans()) else [*row, "extra"]
        rows.append(row)
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    data = out.getvalue().encode("utf-8")
    tail = draw(st.sampled_from([b""] * 12 + [b"\xff\xfe", b'"unterminated', b"\r\n\r\n", b"a,b\x00c\n"]))
    return data + tail


_POINT = st.tuples(st.floats(107.9, 108.8), st.floats(-7.0, -6.3))


@st.composite
def _ring(draw: st.DrawFn) -> list[Any]:
    x, y = draw(_POINT)
    size = draw(st.floats(0.001, 0.05))
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    mutation = draw(st.sampled_from(["none"] * 6 + ["open", "short", "far", "bowtie", "strings", "deep"]))
    if mutation == "open":
        ring = ring[:-1]
    elif mutation == "short":
        ring = ring[:2]
    elif mutation == "far":
        ring = [[p[0] - 100, p[1] + 50] for p in ring]
    elif mutation == "bowtie":
        ring = [[x, y], [x + size, y + size], [x + size, y], [x, y + size], [x, y]]
    elif mutation == "strings":
        ring = [[str(p[0]), p[1]] for p in ring]
    elif mutation == "deep":
        ring = [[[p]] for p in ring]
    return ring


ODD_VALUES = st.sampled_from(
    [None, True, 0, -1, 1e308, float("nan"), float("inf"), "", "1.5", [], {}, "2026-13-01", "2026-11-30", "\ud800"]
)


@st.composite
def geojson_files(draw: st.DrawFn) -> bytes:
    """A zones file: mostly a FeatureCollection of polygons, with hostile properties and geometries."""
    features: list[Any] = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["Polygon"] * 5 + ["MultiPolygon", "Point", "LineString", None]))
        coordinates: Any = [draw(_ring())]
        if kind == "MultiPolygon":
            coordinates = [coordinates, [draw(_ring())]]
        properties: dict[str, Any] = {
            "name": draw(st.one_of(st.sampled_from(["Zona A", "Zona B", "Pasar", "Kel. Kalijaga"]), ODD_VALUES)),
            "risk_weight": draw(st.one_of(st.floats(0, 5), ODD_VALUES)),
        }
        for key in draw(st.lists(st.sampled_from(["closed", "speed_kmh", "valid_from", "valid_to", "colour"]))):
            properties[key] = draw(st.one_of(st.booleans(), st.floats(1, 60), ODD_VALUES))
        geometry = {"type": kind, "coordinates": coordinates}
        feature: Any = {"type": "Feature", "properties": properties, "geometry": geometry}
        features.append(draw(st.sampled_from([feature] * 9 + [[], "x", {"type": "Feature"}])))
    document: Any = {"type": "FeatureCollection", "features": features}
    document = draw(st.sampled_from([document] * 12 + [[], {"type": "Feature"}, {"type": "FeatureCollection"}]))
    text = json.dumps(document)  # NaN and Infinity spelled as Python's json reads them
    return text.encode("utf-8") + draw(st.sampled_from([b""] * 12 + [b"\xff", b"}"]))


# ------------------------------------------------------------------------------------------- the database


@pytest.fixture(scope="module", autouse=True)
def command_tree_built_once() -> Iterator[None]:
    """typer rebuilds the whole command tree from type hints on every CliRunner.invoke (3/4 of its time);
    the fuzz runs thousands, so build it once. The commands run exactly as on the command line."""
    command = typer.main.get_command(app)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(typer.testing, "_get_command", lambda _app: command)
        yield


@pytest.fixture(scope="module")
def fuzz_db(postgres_url: str | None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One real database for the module: crews C1/C2 with members, shifts and tickets S1..S4 to visit."""
    url = postgres_url or f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'dispatch.db'}"
    engine = make_engine(url)
    create_schema(engine)
    if postgres_url:
        _empty_tables(engine)
    seed = tmp_path_factory.mktemp("seed")
    (seed / "crews.csv").write_text(
        "crew_id,name,depot_lat,depot_lon,skills,members\nC1,One,-6.70,108.55,lv;mv,A1;A2\nC2,Two,-6.72,108.56,lv,B1;B2\n",
        encoding="utf-8",
    )
    reported = (NOW - timedelta(days=40)).astimezone(WIB).strftime("%Y-%m-%dT%H:%M")
    (seed / "tickets.csv").write_text(
        "ticket_id,reported_at,category,lat,lon\n"
        + "".join(f"S{i},{reported},meter,-6.7{i},108.55\n" for i in range(1, 5)),
        encoding="utf-8",
    )
    with session_scope(engine) as session:
        import_crews(session, seed / "crews.csv")
        import_tickets(session, seed / "tickets.csv")
        (seed / "shifts.csv").write_text(f"crew_id,date,start,end\nC1,{NOW.date()},07:00,15:00\n", encoding="utf-8")
        import_shifts(session, seed / "shifts.csv")
    _ENGINES[url] = engine
    yield url
    engine.dispose()


_ENGINES: dict[str, Any] = {}


def _count(url: str, kind: str) -> int:
    with Session(_ENGINES[url]) as session:
        return int(session.exec(select(func.count()).select_from(TABLES[kind])).one())


def _run(url: str, *args: str) -> Any:
    env = {"DISPATCH_DATABASE_URL": url, "DISPATCH_POLICY": "", "COLUMNS": "400"}
    return runner.invoke(app, list(args), env=env)


def _assert_clean_failure(result: Any, path: Path) -> None:
    """Exit 1, every error line names the file (and row or feature) and a field; no traceback."""
    assert result.exit_code == 1, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    line = re.compile(rf"^error: {re.escape(str(path))}(:\d+|:features\[\d+\])?: [^:\n]+: .+$")
    errors = [s for s in result.stderr.splitlines() if s.startswith("error: ")]
    assert errors, result.stderr
    assert all(line.match(e) for e in errors), errors
    assert re.search(r"^nothing imported: \d+ problem\(s\)$", result.stderr, re.M)


def _data_rows(path: Path, data: bytes) -> int | None:
    """The rows an import must account for: non-blank CSV records after the header (None: unreadable)."""
    try:
        text = data.decode("utf-8-sig")
        records = list(csv.reader(io.StringIO(text, newline="")))
    except (UnicodeDecodeError, csv.Error):
        return None
    return sum(1 for r in records[1:] if any(v.strip() for v in r))


def _check_import(url: str, kind: str, data: bytes, suffix: str) -> None:
    """Import ``data`` whole-or-nothing, then with --rejects, and check the invariants of each."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{kind}{suffix}"
        path.write_bytes(data)
        before = _count(url, kind)
        whole = _run(url, "import", kind, str(path))
        if whole.exit_code != 0:
            _assert_clean_failure(whole, path)
            assert _count(url, kind) == before  # nothing was written
        else:
            assert whole.exception is None and "Traceback" not in whole.output

        rejects = Path(tmp) / f"rejects{suffix}"
        before = _count(url, kind)
        result = _run(url, "import", kind, str(path), "--rejects", str(rejects), "--json")
        if result.exit_code != 0:  # only file-level problems: not UTF-8, no header, unreadable
            _assert_clean_failure(result, path)
            assert _count(url, kind) == before
            return
        assert result.exception is None and "Traceback" not in result.output
        report = json.loads(result.stdout)
        accepted = report["inserted"] + report["updated"] + len(report["merged"])
        assert accepted + report["rejected"] == report["rows"]
        assert _count(url, kind) == before + report["inserted"] + len(report["merged"])
        if suffix == ".csv":
            expected = _data_rows(path, data)
            assert expected is None or report["rows"] == expected
            with rejects.open(encoding="utf-8", newline="") as fh:
                written = [r for r in list(csv.reader(fh))[1:] if r]
            assert len(written) == report["rejected"]
        else:
            features = json.loads(rejects.read_text(encoding="utf-8"))["features"]
            assert len(features) == report["rejected"]
            assert all(f["properties"]["reject_reason"] for f in features)


# ---------------------------------------------------------------------------------------------- the tests


@pytest.mark.parametrize("kind", ["tickets", "crews", "shifts", "visits"])
def test_fuzzed_csv_imports(fuzz_db: str, kind: str) -> None:
    """Hypothesis CSV files for each importer: a clean exit, FILE:ROW: field errors, accepted + rejected = rows."""

    @FUZZ
    @given(data=csv_files(kind))
    def run(data: bytes) -> None:
        _check_import(fuzz_db, kind, data, ".csv")

    run()


def test_fuzzed_zone_imports(fuzz_db: str) -> None:
    """Hypothesis GeoJSON files: a clean exit, FILE:features[i]: field errors, accepted + rejected = features."""

    @FUZZ
    @given(data=geojson_files())
    def run(data: bytes) -> None:
        _check_import(fuzz_db, "zones", data, ".geojson")

    run()


# ------------------------------------------------------------------------------------------ policy files

_SECTIONS = {
    name: [f.name for f in dataclasses.fields(type(getattr(Policy(), name)))] for name in Policy.__dataclass_fields__
}
TOML_VALUES = st.one_of(
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=8),
    st.lists(st.one_of(st.integers(-5, 5), st.text(max_size=3)), max_size=4),
    st.dictionaries(st.sampled_from([c.value for c in Category] + ["1", "5", "fire", "none", "isolating"]),
                    st.one_of(st.integers(-3, 2000), st.floats(), st.booleans(), st.lists(st.text(max_size=3))),
                    max_size=3),
)  # fmt: skip


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(str(k))} = {_toml_value(v)}" for k, v in value.items()) + "}"


@st.composite
def policy_files(draw: st.DrawFn) -> bytes:
    """A dispatch.toml of known and unknown sections and keys with values of every type."""
    lines = []
    for section in draw(st.lists(st.sampled_from([*_SECTIONS, "regio", "sheets.ppe"]), unique=True, max_size=4)):
        lines.append(f"[{section}]")
        known = _SECTIONS.get(section, ["household", "zone_level"])
        for key in draw(st.lists(st.sampled_from([*known, "typo"]), unique=True, max_size=3)):
            lines.append(f"{key} = {_toml_value(draw(TOML_VALUES))}")
    text = "\n".join(lines) + "\n"
    return text.encode("utf-8", "surrogatepass") + draw(st.sampled_from([b""] * 10 + [b"\xe9", b"[x"]))


def test_fuzzed_policy_files(fuzz_db: str) -> None:
    """Any policy file: a finite Policy or one PolicyError line; the CLI exits 0 or 1, never a traceback."""

    @FUZZ
    @given(data=policy_files())
    def run(data: bytes) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "dispatch.toml"
            path.write_bytes(data)
            try:
                policy = Policy.load(path)
            except PolicyError as exc:
                assert "\n" not in str(exc).strip() or "TOML" in str(exc)
                expect_ok = False
            else:
                expect_ok = True
                flat = json.loads(json.dumps(policy.to_dict(), default=str))
                assert Policy.from_dict(policy.to_dict()) == policy
                stack = [flat]
                while stack:
                    node = stack.pop()
                    values = node.values() if isinstance(node, dict) else node if isinstance(node, list) else [node]
                    for v in values:
                        if isinstance(v, dict | list):
                            stack.append(v)
                        else:
                            assert not isinstance(v, float) or math.isfinite(v), v
            result = _run(fuzz_db, "members", "list", "--json", "--policy", str(path))
            assert "Traceback" not in result.output
            assert result.exit_code == (0 if expect_ok else 1), result.output
            if not expect_ok:
                assert result.stderr.startswith(f"error: {path}")

    run()
