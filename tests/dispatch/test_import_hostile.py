"""Hostile import rows (issue 13): future and date-only times, unsafe ids, and what used to pass silently.

Each bad row is refused with FILE:ROW: field: why; with --rejects the good rows go in and
accepted + rejected = input. ``NOW`` is fixed so "the future" does not depend on the test machine's clock.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from cli import app
from dispatch.core.csvcells import unescape_cell
from dispatch.core.policy import Policy
from dispatch.io.importing.crews import import_crews
from dispatch.io.importing.geocode import geocode_missing
from dispatch.io.importing.rows import ImportErrors
from dispatch.io.importing.shifts import import_shifts
from dispatch.io.importing.tickets import import_tickets
from dispatch.io.importing.zones import import_zones
from dispatch.store.models import CrewMemberRow, CrewRow, TicketRow, ZoneRow

WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 11, 30, 20, 0, tzinfo=WIB)
TICKETS = "ticket_id,reported_at,category,lat,lon"
CREWS = "crew_id,name,depot_lat,depot_lon,skills,members"
runner = CliRunner()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def ids(session: Session, model: type, column: str) -> list[str]:
    return sorted(session.exec(select(getattr(model, column))).all())


def rejects_of(path: Path) -> dict[str, str]:
    """First column -> reject_reason of a rejects file, read as a spreadsheet shows it (formula escapes undone)."""
    with path.open(encoding="utf-8", newline="") as fh:
        return {unescape_cell(row[next(iter(row))]): row["reject_reason"] for row in csv.DictReader(fh)}


# ------------------------------------------------------------------------------------ times (item 4)


def test_a_ticket_reported_in_the_future_is_refused(session: Session, tmp_path: Path) -> None:
    """A 2031 report (and one 30 min ahead) is refused with the reason; 5 min ahead is clock skew and passes."""
    path = write(
        tmp_path,
        "t.csv",
        f"{TICKETS}\n"
        "PAST,2026-11-30T13:30,line_down,-6.70,108.55\n"
        "FUTURE,2031-01-01T08:00,line_down,-6.70,108.55\n"
        "AHEAD,2026-11-30T20:30,meter,-6.70,108.55\n"
        "SKEW,2026-11-30T20:05,meter,-6.70,108.55\n",
    )
    with pytest.raises(ImportErrors) as excinfo:
        import_tickets(session, path, now=NOW)
    assert excinfo.value.errors == [
        f"{path}:3: reported_at: 2031-01-01T08:00:00+07:00 is in the future: more than 10 min after now "
        "(2026-11-30T20:00:00+07:00; policy region.max_clock_skew_min)",
        f"{path}:4: reported_at: 2026-11-30T20:30:00+07:00 is in the future: more than 10 min after now "
        "(2026-11-30T20:00:00+07:00; policy region.max_clock_skew_min)",
    ]
    report = import_tickets(session, path, now=NOW, rejects=tmp_path / "rejects.csv")
    assert (report.rows, report.accepted, report.rejected) == (4, 2, 2)
    assert ids(session, TicketRow, "ticket_id") == ["PAST", "SKEW"]


def test_the_clock_skew_allowance_is_the_policy_s(session: Session, tmp_path: Path) -> None:
    """region.max_clock_skew_min = 60 lets a report 30 min ahead in; 0 refuses even one minute ahead."""
    path = write(tmp_path, "t.csv", f"{TICKETS}\nAHEAD,2026-11-30T20:30,meter,-6.70,108.55\n")
    loose = Policy().with_overrides({"region.max_clock_skew_min": 60})
    assert import_tickets(session, path, now=NOW, policy=loose).inserted == 1
    strict = Policy().with_overrides({"region.max_clock_skew_min": 0})
    one = write(tmp_path, "u.csv", f"{TICKETS}\nONE,2026-11-30T20:01,meter,-6.70,108.55\n")
    with pytest.raises(ImportErrors, match="more than 0 min after now"):
        import_tickets(session, one, now=NOW, policy=strict)


@pytest.mark.parametrize("value", ["2026-11-29", "20261129", "2026-W48-7"])
def test_a_date_without_a_time_is_refused(session: Session, tmp_path: Path, value: str) -> None:
    """A date-only reported_at no longer becomes midnight silently: the row says a time of day is needed."""
    path = write(tmp_path, "t.csv", f"{TICKETS}\nT1,{value},meter,-6.70,108.55\n")
    with pytest.raises(ImportErrors) as excinfo:
        import_tickets(session, path, now=NOW)
    assert excinfo.value.errors == [
        f"{path}:2: reported_at: {value!r} is a date without a time of day; give the time too (2026-11-29T08:30)"
    ]


@pytest.mark.parametrize("value", ["0001-01-01T00:00", "9999-12-31T23:59+00:00", "1899-05-01T08:00"])
def test_an_impossible_year_is_refused_not_a_traceback(session: Session, tmp_path: Path, value: str) -> None:
    """Year 1 or 9999 would overflow on conversion to UTC; the row is refused instead."""
    path = write(tmp_path, "t.csv", f"{TICKETS}\nT1,{value},meter,-6.70,108.55\n")
    with pytest.raises(ImportErrors, match=r"t.csv:2: reported_at: .* is not a plausible time \(years 2000 to 2099\)"):
        import_tickets(session, path, now=NOW)


def test_a_shift_date_out_of_range_is_refused(session: Session, tmp_path: Path) -> None:
    """A shift on 0001-01-01 is a row error, not an OverflowError when stored."""
    import_crews(session, write(tmp_path, "c.csv", f"{CREWS}\nC1,One,-6.70,108.55,lv,M1;M2\n"))
    path = write(tmp_path, "s.csv", "crew_id,date,start,end\nC1,0001-01-01,00:00,08:00\n")
    with pytest.raises(ImportErrors, match=r"s.csv:2: date: 0001-01-01 is not a plausible date \(years 2000 to 2099\)"):
        import_shifts(session, path)


# ------------------------------------------------------------------------------------ unsafe ids (item 8)


def test_unsafe_ids_are_refused_at_import_per_row(session: Session, tmp_path: Path) -> None:
    """Path-like, hidden, option-like, reserved and over-long crew and member ids are refused; good rows go in."""
    path = write(
        tmp_path,
        "crews.csv",
        f"{CREWS}\n"
        "C01,Good,-6.70,108.55,lv,M1;M2\n"
        "../../x/EVIL,Evil,-6.70,108.55,lv,M3;M4\n"
        ".hidden,Hidden,-6.70,108.55,lv,M5;M6\n"
        "-rf,Option,-6.70,108.55,lv,M7;M8\n"
        "index,Index,-6.70,108.55,lv,M9;M10\n"
        "C 02,Space,-6.70,108.55,lv,M11;M12\n"
        f"{'C' * 65},Long,-6.70,108.55,lv,M13;M14\n"
        "C03,Bad member,-6.70,108.55,lv,M15;../M16\n",
    )
    rejects = tmp_path / "rejects.csv"
    report = import_crews(session, path, rejects=rejects)
    assert (report.rows, report.accepted, report.rejected) == (8, 1, 7)
    assert ids(session, CrewRow, "crew_id") == ["C01"]
    assert ids(session, CrewMemberRow, "member_id") == ["M1", "M2"]
    reasons = rejects_of(rejects)
    assert reasons["../../x/EVIL"].startswith("crew_id: '../../x/EVIL' is not a safe id (not allowed: '/')")
    assert reasons[".hidden"].startswith("crew_id: '.hidden' is not a safe id")
    assert reasons["-rf"].startswith("crew_id: '-rf' is not a safe id")
    assert reasons["index"] == "crew_id: 'index' is a reserved file name; choose another id"
    assert reasons["C 02"].startswith("crew_id: 'C 02' is not a safe id (not allowed: ' ')")
    assert reasons["C" * 65] == "crew_id: longer than 64 characters (65)"
    assert reasons["C03"].startswith("members: '../M16' is not a safe id")


def test_crew_ids_differing_only_in_case_are_refused(session: Session, tmp_path: Path) -> None:
    """c01 beside C01 (in the file or the database) would overwrite C01's sheets on a case-blind disk."""
    import_crews(session, write(tmp_path, "a.csv", f"{CREWS}\nC01,One,-6.70,108.55,lv,M1;M2\n"))
    path = write(tmp_path, "b.csv", f"{CREWS}\nc01,Low,-6.70,108.55,lv,M3;M4\nC02,Two,-6.70,108.55,lv,M5;M6\n"
                 "c02,Low two,-6.70,108.55,lv,M7;M8\n")  # fmt: skip
    with pytest.raises(ImportErrors) as excinfo:
        import_crews(session, path)
    assert excinfo.value.errors == [
        f"{path}:2: crew_id: 'c01' differs from crew 'C01' only in case; their sheet files would clash",
        f"{path}:4: crew_id: 'c02' differs from crew 'C02' only in case; their sheet files would clash",
    ]


def test_unsafe_ticket_ids_are_refused(session: Session, tmp_path: Path) -> None:
    """A ticket id with a slash, a quote or a non-ASCII letter is refused with the reason."""
    path = write(
        tmp_path,
        "t.csv",
        f'{TICKETS}\nT/1,2026-11-30T08:00,meter,-6.70,108.55\n"T""1",2026-11-30T08:00,meter,-6.70,108.55\n'
        "TÉ1,2026-11-30T08:00,meter,-6.70,108.55\nT-2026.1_a,2026-11-30T08:00,meter,-6.70,108.55\n",
    )
    with pytest.raises(ImportErrors) as excinfo:
        import_tickets(session, path, now=NOW)
    assert [e.split(": ")[0:2] for e in excinfo.value.errors] == [[f"{path}:{n}", "ticket_id"] for n in (2, 3, 4)]
    assert "(not allowed: '/')" in excinfo.value.errors[0]


def test_asset_ids_are_safe_too(session: Session, tmp_path: Path) -> None:
    """An optional transformer (asset) id follows the same rule; empty is fine."""
    path = write(
        tmp_path,
        "t.csv",
        f"{TICKETS},transformer_id\nT1,2026-11-30T08:00,meter,-6.70,108.55,GD-KS-014\n"
        "T2,2026-11-30T08:00,meter,-6.70,108.55,\nT3,2026-11-30T08:00,meter,-6.70,108.55,<script>\n",
    )
    with pytest.raises(ImportErrors) as excinfo:
        import_tickets(session, path, now=NOW)
    assert [e.split(": ")[:2] for e in excinfo.value.errors] == [[f"{path}:4", "transformer_id"]]


def test_control_characters_in_text_are_refused(session: Session, tmp_path: Path) -> None:
    """A NUL or other control character in a text value is a row error (PostgreSQL cannot even store NUL)."""
    path = write(tmp_path, "t.csv", f"{TICKETS},address\nT1,2026-11-30T08:00,meter,-6.70,108.55,Jl. A\x00B\n")
    with pytest.raises(ImportErrors) as excinfo:
        import_tickets(session, path, now=NOW)
    assert excinfo.value.errors == [f"{path}:2: address: contains a control character (U+0000)"]


# ------------------------------------------------------------------------------ silent accepts (item 10)


def test_crews_with_unknown_skills_or_no_members_are_refused(session: Session, tmp_path: Path) -> None:
    """A skill outside the policy's vocabulary, or no members at all, refuses the crew row."""
    path = write(
        tmp_path,
        "crews.csv",
        f"{CREWS}\nC1,One,-6.70,108.55,lv;mvv,M1;M2\nC2,Two,-6.70,108.55,lv,\nC3,Three,-6.70,108.55,lv;mv;ppe,M3;M4\n",
    )
    with pytest.raises(ImportErrors) as excinfo:
        import_crews(session, path)
    assert excinfo.value.errors == [
        f"{path}:2: skills: unknown skill 'mvv' (known: lv, mv, ppe; policy skills.known)",
        f"{path}:3: members: required: at least one member id (';'-separated)",
    ]
    policy = Policy().with_overrides({"skills.known": ["lv", "mv", "ppe", "mvv"]})
    good = write(tmp_path, "good.csv", f"{CREWS}\nC1,One,-6.70,108.55,lv;mvv,M1;M2\n")
    assert import_crews(session, good, policy=policy).inserted == 1


def test_a_crew_below_the_minimum_size_is_a_warning(session: Session, tmp_path: Path) -> None:
    """One member when exposure.min_crew_members is 2: imported, with a warning that it will not be dispatched."""
    path = write(tmp_path, "crews.csv", f"{CREWS}\nC1,One,-6.70,108.55,lv,M1\n")
    report = import_crews(session, path)
    assert report.inserted == 1
    assert report.warnings == [
        f"{path}:2: members: crew C1 has 1 member(s), fewer than exposure.min_crew_members (2): "
        "it will not be dispatched"
    ]


def test_tickets_with_unknown_skills_are_refused(session: Session, tmp_path: Path) -> None:
    """A ticket needing a skill no policy knows would wait forever as no_skilled_crew; it is refused."""
    path = write(tmp_path, "t.csv", f"{TICKETS},skills\nT1,2026-11-30T08:00,meter,-6.70,108.55,hv\n")
    with pytest.raises(ImportErrors) as excinfo:
        import_tickets(session, path, now=NOW)
    assert excinfo.value.errors == [f"{path}:2: skills: unknown skill 'hv' (known: lv, mv, ppe; policy skills.known)"]


@pytest.mark.parametrize(
    ("point", "message"),
    [
        ("0,0", "lat, lon: 0, 0 is not a place in the region (an empty GPS fix?)"),
        ("0.0,0.000", "lat, lon: 0, 0 is not a place in the region (an empty GPS fix?)"),
        (
            "52.37,4.89",
            "lat, lon: 52.37, 4.89 is outside the region's bounds [-7.08, 107.86, -6.24, 108.86] (policy region.bbox)",
        ),
        (
            "6.70,108.55",
            "lat, lon: 6.7, 108.55 is outside the region's bounds [-7.08, 107.86, -6.24, 108.86] "
            "(policy region.bbox); a minus sign missing or extra?",
        ),
    ],
)
def test_points_outside_the_region_are_refused(session: Session, tmp_path: Path, point: str, message: str) -> None:
    """(0, 0), a point in another country and a lost minus sign are refused for tickets and crew depots."""
    tickets = write(tmp_path, "t.csv", f"{TICKETS}\nT1,2026-11-30T08:00,meter,{point}\n")
    with pytest.raises(ImportErrors) as excinfo:
        import_tickets(session, tickets, now=NOW)
    assert excinfo.value.errors == [f"{tickets}:2: {message}"]
    crews = write(tmp_path, "c.csv", f"{CREWS}\nC1,One,{point},lv,M1;M2\n")
    with pytest.raises(ImportErrors) as excinfo:
        import_crews(session, crews)
    assert excinfo.value.errors == [f"{crews}:2: {message.replace('lat, lon', 'depot_lat, depot_lon')}"]


def test_an_empty_bbox_turns_the_region_check_off(session: Session, tmp_path: Path) -> None:
    """region.bbox = [] accepts any real point (another region without a box), but never (0, 0)."""
    policy = Policy().with_overrides({"region.bbox": []})
    path = write(tmp_path, "t.csv", f"{TICKETS}\nT1,2026-11-30T08:00,meter,52.37,4.89\n")
    assert import_tickets(session, path, now=NOW, policy=policy).inserted == 1
    zero = write(tmp_path, "z.csv", f"{TICKETS}\nT2,2026-11-30T08:00,meter,0,0\n")
    with pytest.raises(ImportErrors, match="0, 0 is not a place"):
        import_tickets(session, zero, now=NOW, policy=policy)


def test_service_and_customers_have_upper_bounds(session: Session, tmp_path: Path) -> None:
    """service_min 100000 (a visit of 69 days) and 10^15 customers are refused, not planned."""
    path = write(
        tmp_path,
        "t.csv",
        f"{TICKETS},service_min,customers_affected\n"
        "T1,2026-11-30T08:00,meter,-6.70,108.55,100000,\n"
        "T2,2026-11-30T08:00,meter,-6.70,108.55,,1000000000000000\n",
    )
    with pytest.raises(ImportErrors) as excinfo:
        import_tickets(session, path, now=NOW)
    assert excinfo.value.errors == [
        f"{path}:2: service_min: must be between 1 and 1440, got 100000",
        f"{path}:3: customers_affected: must be between 1 and 1000000, got 1000000000000000",
    ]


def test_header_only_csv_and_empty_collection_warn(engine: Engine, database_url: str, tmp_path: Path) -> None:
    """0 rows is not an error, but the command says so (exit 0, a warning on stderr)."""
    env = {"DISPATCH_DATABASE_URL": database_url, "DISPATCH_POLICY": ""}
    empty_csv = write(tmp_path, "tickets.csv", f"{TICKETS}\n")
    result = runner.invoke(app, ["import", "tickets", str(empty_csv)], env=env)
    assert result.exit_code == 0, result.output
    assert f"warning: {empty_csv}: no rows to import (the file has only a header)" in result.stderr
    empty_geojson = write(tmp_path, "zones.geojson", '{"type": "FeatureCollection", "features": []}')
    result = runner.invoke(app, ["import", "zones", str(empty_geojson)], env=env)
    assert result.exit_code == 0, result.output
    assert f"warning: {empty_geojson}: no features to import (the collection is empty)" in result.stderr


def _zone(coordinates: list, **props: object) -> dict:
    return {
        "type": "Feature",
        "properties": {"name": "Z", **props},
        "geometry": {"type": "Polygon", "coordinates": coordinates},
    }


@pytest.mark.parametrize(
    ("feature", "message"),
    [
        (
            _zone([[[108.55, -6.70], [108.56, -6.70], [108.56, -6.71], [108.55, -6.71]]]),
            "geometry: ring 0 of the polygon is not closed: its first position [108.55, -6.7] differs from its "
            "last [108.55, -6.71] (GeoJSON repeats the first position at the end)",
        ),
        (
            _zone([[[108.55, -6.70], [108.56, -6.70], [108.55, -6.70]]]),
            "geometry: ring 0 of the polygon has 3 positions; a closed ring needs at least 4",
        ),
        (
            _zone([[[4.0, 52.0], [4.1, 52.0], [4.1, 52.1], [4.0, 52.0]]]),
            "geometry: lies entirely outside the region's bounds [-7.08, 107.86, -6.24, 108.86] (policy region.bbox)",
        ),
        (
            _zone([[[108.55, -6.70], [108.56, -6.70], [108.56, -6.71], [108.55, -6.70]]], risk_weight=1e308),
            "risk_weight: must be between 0 and 100, got 1e+308",
        ),
        (
            _zone([[[108.55, -6.70], [108.56, -6.70], [108.56, -6.71], [108.55, -6.70]]], name="Z\u0007"),
            "name: contains a control character (U+0007)",
        ),
    ],
)
def test_bad_zones_are_refused(session: Session, tmp_path: Path, feature: dict, message: str) -> None:
    """Unclosed or too-short rings, a zone outside the region, absurd weights and control characters."""
    path = write(tmp_path, "z.geojson", json.dumps({"type": "FeatureCollection", "features": [feature]}))
    with pytest.raises(ImportErrors) as excinfo:
        import_zones(session, path)
    assert excinfo.value.errors == [f"{path}:features[0]: {message}"]
    assert session.exec(select(ZoneRow)).all() == []


def test_geocoder_points_outside_the_region_are_not_used(session: Session, tmp_path: Path) -> None:
    """A geocoder answer in another country (same street name) leaves the ticket unlocated, with the reason."""

    class Far:
        def geocode(self, query: str) -> object:
            return type("L", (), {"latitude": -6.9, "longitude": 107.0})()  # Bandung side: outside the box

    path = write(tmp_path, "t.csv", f"{TICKETS},address\nT1,2026-11-30T08:00,meter,,,Jl. Siliwangi 1\n")
    import_tickets(session, path, now=NOW)
    report = geocode_missing(session, geocoder=Far(), now=NOW, policy=Policy())
    assert report.geocoded == []
    assert report.not_found == [
        ("T1", "geocoder returned -6.9, 107.0, outside the region's bounds (policy region.bbox)")
    ]
    assert session.exec(select(TicketRow).where(col(TicketRow.lat).is_not(None))).all() == []


def test_shift_import_uses_the_policy_for_nothing_silent(session: Session, tmp_path: Path) -> None:
    """A header-only shifts file imports nothing and warns (the API report carries the warning)."""
    path = write(tmp_path, "s.csv", "crew_id,date,start,end\n")
    report = import_shifts(session, path)
    assert (report.rows, report.accepted) == (0, 0)
    assert report.warnings == [f"{path}: no rows to import (the file has only a header)"]
