"""Importers: every problem reported as FILE:ROW: field, all-or-nothing or rejects, updates, merges."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import typer
from geopy.exc import GeocoderUnavailable
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from dispatch.commands.importing import import_app
from dispatch.core.policy import Policy
from dispatch.io.importing.crews import import_crews
from dispatch.io.importing.geocode import geocode_missing
from dispatch.io.importing.rows import ImportErrors
from dispatch.io.importing.shifts import import_shifts
from dispatch.io.importing.tickets import import_tickets
from dispatch.io.importing.zones import import_zones
from dispatch.store.db import session_scope
from dispatch.store.models.crews import CrewMemberRow, CrewRow, ShiftRow, load_crews, load_shifts
from dispatch.store.models.tickets import (
    STATUS_CLOSED,
    STATUS_MERGED,
    GeocodeCacheRow,
    TicketRow,
    load_open_tickets,
    unlocated_open_ticket_ids,
)
from dispatch.store.models.zones import ZoneRow, load_zones

WIB = ZoneInfo("Asia/Jakarta")
SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
TICKET_HEADER = "ticket_id,reported_at,category,lat,lon,customer_id,customers_affected"
CREWS = "crew_id,name,depot_lat,depot_lon,skills,vehicle,members\nC1,Kota 1,-6.70,108.55,lv;mv,car,M1;M2\n"


def write(tmp_path: Path, name: str, text: str, *, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def errors_of(excinfo: pytest.ExceptionInfo[ImportErrors]) -> list[str]:
    return excinfo.value.errors


def ticket_ids(session: Session) -> list[str]:
    return list(session.exec(select(TicketRow.ticket_id).order_by(col(TicketRow.ticket_id))).all())


# ---------------------------------------------------------------------------------------------- tickets


def test_ticket_defaults_come_from_the_category_policy(session: Session, tmp_path: Path) -> None:
    """Empty optional values take the policy's category defaults; a critical facility is priority 1."""
    path = write(
        tmp_path,
        "tickets.csv",
        "ticket_id,reported_at,category,lat,lon,critical_facility,skills,priority\n"
        "T1,2026-11-29T08:00:00+07:00,line_down,-6.70,108.55,,,\n"
        "T2,2026-11-29T08:00:00+07:00,meter,-6.70,108.55,yes,,\n"
        "T3,2026-11-29T08:00:00+07:00,meter,-6.70,108.55,1,lv,3\n",
    )
    report = import_tickets(session, path)
    assert (report.rows, report.inserted, report.updated, report.rejected) == (3, 3, 0, 0)
    t1, t2, t3 = load_open_tickets(session)
    assert (t1.priority, t1.service_min, t1.indoor, t1.skills, t1.customers_affected) == (1, 60, False, ("mv",), 1)
    assert (t2.priority, t2.service_min, t2.indoor, t2.skills, t2.critical_facility) == (1, 25, True, (), True)
    assert (t3.priority, t3.skills) == (3, ("lv",))  # a given priority wins over the critical default


def test_policy_overrides_change_ticket_defaults(session: Session, tmp_path: Path) -> None:
    """The category defaults are read from the policy passed in."""
    policy = Policy().with_overrides({"category.service_min": {"meter": 15}, "category.priority": {"meter": 3}})
    path = write(tmp_path, "t.csv", "ticket_id,reported_at,category,lat,lon\nT1,2026-11-29T08:00,meter,-6.7,108.5\n")
    import_tickets(session, path, policy=policy)
    [ticket] = load_open_tickets(session)
    assert (ticket.service_min, ticket.priority) == (15, 3)


def test_reported_at_without_offset_is_jakarta_time(session: Session, tmp_path: Path) -> None:
    """No offset means Asia/Jakarta (UTC+7); a written offset or Z is kept as that instant."""
    path = write(
        tmp_path,
        "tickets.csv",
        "ticket_id,reported_at,category,lat,lon\n"
        "LOCAL,2026-11-29T08:00,no_power,-6.7,108.5\n"
        "SPACE,2026-11-29 08:00:30,no_power,-6.7,108.5\n"
        "ZULU,2026-11-29T01:00:00Z,no_power,-6.7,108.5\n"
        "OFFSET,2026-11-29T08:00:00+08:00,no_power,-6.7,108.5\n",
    )
    import_tickets(session, path)
    session.commit()
    with Session(session.get_bind()) as fresh:
        got = {t.ticket_id: t.reported_at for t in load_open_tickets(fresh)}
    assert got["LOCAL"] == datetime(2026, 11, 29, 1, 0, tzinfo=UTC)
    assert got["SPACE"] == datetime(2026, 11, 29, 8, 0, 30, tzinfo=WIB)
    assert got["ZULU"] == datetime(2026, 11, 29, 8, 0, tzinfo=WIB)
    assert got["OFFSET"] == datetime(2026, 11, 29, 0, 0, tzinfo=UTC)
    assert all(v.tzinfo is not None for v in got.values())


def test_region_time_zone_comes_from_the_policy(session: Session, tmp_path: Path) -> None:
    """A policy with another region time zone reads offset-less times in that zone."""
    policy = Policy().with_overrides({"region.timezone": "Asia/Makassar"})  # UTC+8
    path = write(tmp_path, "t.csv", "ticket_id,reported_at,category,lat,lon\nT1,2026-11-29T08:00,meter,-6.7,108.5\n")
    import_tickets(session, path, policy=policy)
    assert load_open_tickets(session)[0].reported_at == datetime(2026, 11, 29, 0, 0, tzinfo=UTC)


def test_every_ticket_error_is_reported_with_file_row_and_field(session: Session, tmp_path: Path) -> None:
    """Each kind of bad value gives one FILE:ROW: field: message line, and all are collected."""
    header = (
        "ticket_id,reported_at,category,lat,lon,priority,critical_facility,customers_affected,service_min,"
        "indoor,household_risk,window_start,window_end,source\n"
    )
    good = "2026-11-29T08:00,no_power,-6.7,108.5,,,,,,,,,"
    rows = [
        f"OK1,{good}",  # line 2
        f",{good}",  # 3: ticket_id empty
        "T4,yesterday,no_power,-6.7,108.5,,,,,,,,,",  # 4
        "T5,2026-11-29T08:00,fire,-6.7,108.5,,,,,,,,,",  # 5
        "T6,2026-11-29T08:00,no_power,-96.7,108.5,,,,,,,,,",  # 6
        "T7,2026-11-29T08:00,no_power,-6.7,east,,,,,,,,,",  # 7
        "T8,2026-11-29T08:00,no_power,-6.7,,,,,,,,,,",  # 8: lon missing
        "T9,2026-11-29T08:00,no_power,-6.7,108.5,5,,,,,,,,",  # 9
        "T10,2026-11-29T08:00,no_power,-6.7,108.5,,maybe,,,,,,,",  # 10
        "T11,2026-11-29T08:00,no_power,-6.7,108.5,,,0,,,,,,",  # 11
        "T12,2026-11-29T08:00,no_power,-6.7,108.5,,,,0,,,,,",  # 12
        "T13,2026-11-29T08:00,no_power,-6.7,108.5,,,,,inside,,,,",  # 13
        "T14,2026-11-29T08:00,no_power,-6.7,108.5,,,,,,sick,,,",  # 14
        "T15,2026-11-29T08:00,no_power,-6.7,108.5,,,,,,,09:00,,",  # 15
        "T16,2026-11-29T08:00,no_power,-6.7,108.5,,,,,,,12:00,09:00,",  # 16
        "T17,2026-11-29T08:00,no_power,-6.7,108.5,,,,,,,9am,10:00,",  # 17
        "T18,2026-11-29T08:00,no_power,-6.7,108.5,,,,,,,,,fax",  # 18
        f"OK1,{good}",  # 19: duplicate id
        "T20,2026-11-29T08:00,no_power,-6.7,108.5",  # 20: too few values
        "T21,2026-11-29T08:00,no_power,,,,,,,,,,,",  # 21: no position, no address
        "T22,2026-11-29T08:00,no_power,-6.7,108.5,1.5,,,30.5,,,,,",  # 22
    ]
    path = write(tmp_path, "tickets.csv", header + "\n".join(rows) + "\n")
    with pytest.raises(ImportErrors) as excinfo:
        import_tickets(session, path)
    f = str(path)
    expected_prefixes = [
        f"{f}:3: ticket_id: required",
        f"{f}:4: reported_at: expected an ISO 8601",
        f"{f}:5: category: unknown value 'fire'",
        f"{f}:6: lat: must be between -90 and 90",
        f"{f}:7: lon: expected a number",
        f"{f}:8: lon: required when lat is given",
        f"{f}:9: priority: must be between 1 and 4",
        f"{f}:10: critical_facility: expected true/false",
        f"{f}:11: customers_affected: must be between 1 and 1000000",
        f"{f}:12: service_min: must be between 1 and 1440",
        f"{f}:13: indoor: expected true/false",
        f"{f}:14: household_risk: unknown value 'sick'",
        f"{f}:15: window_end: required when window_start is given",
        f"{f}:16: window_end: must be after window_start (12:00), got 09:00",
        f"{f}:17: window_start: expected a local time HH:MM",
        f"{f}:18: source: unknown value 'fax'",
        f"{f}:19: ticket_id: OK1 is already given on row 2",
        f"{f}:20: row: 5 values but the header has 14 columns",
        f"{f}:21: lat: required",
        f"{f}:21: lon: required",
        f"{f}:22: priority: expected a whole number",
        f"{f}:22: service_min: expected a whole number",
    ]
    errors = errors_of(excinfo)
    assert len(errors) == len(expected_prefixes)
    for error, prefix in zip(errors, expected_prefixes, strict=True):
        assert error.startswith(prefix), (error, prefix)
    assert session.exec(select(TicketRow)).all() == []


def test_row_numbers_are_file_lines_even_with_multiline_values(session: Session, tmp_path: Path) -> None:
    """A quoted address spanning lines does not shift the line numbers of later rows; blank lines count."""
    path = write(
        tmp_path,
        "tickets.csv",
        "ticket_id,reported_at,category,lat,lon,address\n"
        'T1,2026-11-29T08:00,no_power,-6.7,108.5,"Jl. Kartini 4\nRT 02/RW 03"\n'
        "\n"
        "T2,2026-11-29T08:00,no_power,-6.7,999,\n",
    )
    with pytest.raises(ImportErrors) as excinfo:
        import_tickets(session, path)
    assert errors_of(excinfo) == [f"{path}:5: lon: must be between -180 and 180, got 999"]


def test_missing_required_columns_are_a_file_error(session: Session, tmp_path: Path) -> None:
    """Missing required columns are reported once, on the header line, and nothing is read."""
    path = write(tmp_path, "tickets.csv", "ticket_id,category,lat\nT1,meter,-6.7\n")
    with pytest.raises(ImportErrors) as excinfo:
        import_tickets(session, path, rejects=tmp_path / "rejects.csv")
    assert errors_of(excinfo) == [f"{path}:1: header: missing required column(s): reported_at, lon"]


def test_a_semicolon_separated_file_says_so(session: Session, tmp_path: Path) -> None:
    """A file saved with ';' between columns (a decimal-comma spreadsheet) is told why no column was found."""
    path = write(tmp_path, "shifts.csv", "crew_id;date;start;end\nC01;2026-11-30;07:00;15:00\n")
    with pytest.raises(ImportErrors) as excinfo:
        import_shifts(session, path)
    assert errors_of(excinfo) == [
        f"{path}:1: header: missing required column(s): crew_id, date, start, end (the columns are separated by"
        " ';', not commas: save the file as comma-separated CSV)"
    ]
    assert not (tmp_path / "rejects.csv").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "1: header: missing"),
        (b"ticket_id,ticket_id,reported_at,category,lat,lon\n", "1: header: column(s) given twice: ticket_id"),
        (
            b"ticket_id,reported_at,category,lat,lon,address\nT1,2026-11-29T08:00,meter,-6.7,108.5,Jl. K\xe9\n",
            "2: file: not UTF-8 text",
        ),
    ],
)
def test_unreadable_files_are_file_errors(session: Session, tmp_path: Path, content: bytes, message: str) -> None:
    """An empty file, a repeated column or non-UTF-8 bytes stop the import with where and what."""
    path = tmp_path / "tickets.csv"
    path.write_bytes(content)
    with pytest.raises(ImportErrors) as excinfo:
        import_tickets(session, path)
    assert errors_of(excinfo)[0].startswith(f"{path}:{message}")


def test_missing_file_is_reported(session: Session, tmp_path: Path) -> None:
    """A path that does not exist is one clear error."""
    with pytest.raises(ImportErrors, match="file not found"):
        import_tickets(session, tmp_path / "nope.csv")


def test_bom_any_column_order_and_unknown_columns(session: Session, tmp_path: Path) -> None:
    """A UTF-8 BOM is tolerated, columns may come in any order, unknown columns are named in a warning."""
    path = write(
        tmp_path,
        "tickets.csv",
        "\ufefflon,lat,Colour,category,reported_at,ticket_id,note\n108.5,-6.7,red,meter,2026-11-29T08:00,T1,x\n",
    )
    report = import_tickets(session, path)
    assert report.inserted == 1
    assert report.warnings == [f"{path}:1: header: unknown column(s) ignored: 'Colour', 'note'"]
    [ticket] = load_open_tickets(session)
    assert (ticket.lat, ticket.lon) == (-6.7, 108.5)


def test_one_bad_row_imports_nothing(engine: Engine, tmp_path: Path) -> None:
    """All-or-nothing: a file with one bad row raises and the database keeps exactly what it had."""
    first = write(tmp_path, "a.csv", f"{TICKET_HEADER}\nT1,2026-11-29T08:00,meter,-6.7,108.5,CUST1,2\n")
    with session_scope(engine) as session:
        import_tickets(session, first)
    second = write(
        tmp_path,
        "b.csv",
        f"{TICKET_HEADER}\n"
        "T1,2026-11-29T08:00,meter,-6.7,108.5,CUST1,9\n"
        "T2,2026-11-29T09:00,meter,-6.7,108.5,CUST1,1\n"
        "T3,2026-11-29T09:00,meter,-6.7,108.5,CUST3,1\n"
        "T4,2026-11-29T09:00,meter,-6.7,108.5,CUST4,many\n",
    )
    with pytest.raises(ImportErrors) as excinfo, session_scope(engine) as session:
        import_tickets(session, second)
    assert errors_of(excinfo) == [f"{second}:5: customers_affected: expected a whole number, got 'many'"]
    with Session(engine) as session:
        rows = session.exec(select(TicketRow)).all()
        assert [(t.ticket_id, t.customers_affected, t.status) for t in rows] == [("T1", 2, "open")]


def test_rejects_mode_imports_good_rows_and_writes_bad_ones(session: Session, tmp_path: Path) -> None:
    """With rejects: accepted + rejected == input rows; rejects keep the original columns and a reason."""
    path = write(
        tmp_path,
        "tickets.csv",
        "Ticket_ID,reported_at,category,lat,lon,extra\n"
        "T1,2026-11-29T08:00,meter,-6.7,108.5,a\n"
        "T2,2026-11-29T08:00,meter,-96.7,108.5,b\n"
        "T3,2026-11-29T08:00,meter,-6.7,108.5,c\n"
        'T4,"2026-11-29T08:00",fire,x,108.5,"d, with comma"\n'
        "T1,2026-11-29T08:00,meter,-6.7,108.5,e\n",
    )
    rejects = tmp_path / "rejects.csv"
    report = import_tickets(session, path, rejects=rejects)
    assert (report.rows, report.inserted, report.rejected) == (5, 2, 3)
    assert report.accepted + report.rejected == report.rows
    assert ticket_ids(session) == ["T1", "T3"]
    with rejects.open(encoding="utf-8", newline="") as handle:
        written = list(csv.reader(handle))
    assert written == [
        ["Ticket_ID", "reported_at", "category", "lat", "lon", "extra", "reject_reason"],
        ["T2", "2026-11-29T08:00", "meter", "-96.7", "108.5", "b", "lat: must be between -90 and 90, got -96.7"],
        [
            "T4",
            "2026-11-29T08:00",
            "fire",
            "x",
            "108.5",
            "d, with comma",
            "category: unknown value 'fire'; expected one of no_power, partial_power, meter, line_down, pole, "
            "tree, voltage, other, asset_outage; lat: expected a number, got 'x'",
        ],
        ["T1", "2026-11-29T08:00", "meter", "-6.7", "108.5", "e", "ticket_id: T1 is already given on row 2"],
    ]


def test_a_fixed_rejects_file_imports_back(session: Session, tmp_path: Path) -> None:
    """A rejects file, once fixed, imports again; its reject_reason column is not warned about."""
    path = write(tmp_path, "t.csv", "ticket_id,reported_at,category,lat,lon\nT1,2026-11-29T08:00,meter,-96.7,108.5\n")
    rejects = tmp_path / "rejects.csv"
    assert import_tickets(session, path, rejects=rejects).rejected == 1
    rejects.write_text(rejects.read_text(encoding="utf-8").replace("-96.7", "-6.7"), encoding="utf-8")
    again = tmp_path / "again.csv"
    report = import_tickets(session, rejects, rejects=again)
    assert (report.inserted, report.rejected, report.warnings) == (1, 0, [])
    assert again.read_text(encoding="utf-8").splitlines() == ["ticket_id,reported_at,category,lat,lon,reject_reason"]


def test_reimporting_a_ticket_updates_it(engine: Engine, tmp_path: Path) -> None:
    """A known ticket id is updated in place; imported_at stays, updated_at moves."""
    first_at = datetime(2026, 11, 29, 20, 0, tzinfo=WIB)
    path = write(tmp_path, "a.csv", f"{TICKET_HEADER}\nT1,2026-11-29T08:00,meter,-6.7,108.5,C1,1\n")
    with session_scope(engine) as session:
        import_tickets(session, path, now=first_at)
    path.write_text(f"{TICKET_HEADER},priority\nT1,2026-11-29T08:00,no_power,-6.71,108.51,C1,4,1\n", "utf-8")
    with session_scope(engine) as session:
        report = import_tickets(session, path, now=first_at + timedelta(hours=1))
    assert (report.inserted, report.updated, report.merged) == (0, 1, [])
    with Session(engine) as session:
        row = session.get(TicketRow, "T1")
        assert row is not None
        assert (row.category, row.lat, row.customers_affected, row.priority) == ("no_power", -6.71, 4, 1)
        assert row.imported_at == first_at
        assert row.updated_at == first_at + timedelta(hours=1)


def test_second_report_of_an_open_problem_is_merged(engine: Engine, tmp_path: Path) -> None:
    """Same customer and category while the first is open: stored as merged, customers_affected is the max."""
    first = write(tmp_path, "a.csv", f"{TICKET_HEADER}\nT1,2026-11-29T08:00,no_power,-6.7,108.5,CUST1,3\n")
    with session_scope(engine) as session:
        import_tickets(session, first)
    second = write(
        tmp_path,
        "b.csv",
        f"{TICKET_HEADER}\n"
        "T2,2026-11-29T09:00,no_power,-6.7,108.5,CUST1,10\n"
        "T3,2026-11-29T09:30,meter,-6.7,108.5,CUST1,1\n"  # another category: a new ticket
        "T4,2026-11-29T09:40,no_power,-6.7,108.5,,5\n",  # no customer id: never merged
    )
    with session_scope(engine) as session:
        report = import_tickets(session, second)
    assert (report.rows, report.inserted, report.merged) == (3, 2, [("T2", "T1")])
    with Session(engine) as session:
        t1, t2 = session.get(TicketRow, "T1"), session.get(TicketRow, "T2")
        assert t1 is not None and t2 is not None
        assert (t1.status, t1.customers_affected) == ("open", 10)
        assert (t2.status, t2.merged_into, t2.customers_affected) == (STATUS_MERGED, "T1", 10)
        assert [t.ticket_id for t in load_open_tickets(session)] == ["T1", "T3", "T4"]
    # Importing the same file again merges nothing new and changes no counts.
    with session_scope(engine) as session:
        report = import_tickets(session, second)
    assert (report.inserted, report.updated, report.merged) == (0, 3, [])


def test_within_one_file_the_earliest_report_is_kept_open(session: Session, tmp_path: Path) -> None:
    """Duplicates in one file merge into the earliest report, whatever the row order."""
    path = write(
        tmp_path,
        "tickets.csv",
        f"{TICKET_HEADER}\n"
        "LATER,2026-11-29T10:00,no_power,-6.7,108.5,CUST1,7\n"
        "FIRST,2026-11-29T08:00,no_power,-6.7,108.5,CUST1,2\n",
    )
    report = import_tickets(session, path)
    assert (report.inserted, report.merged) == (1, [("LATER", "FIRST")])
    session.commit()  # the merged row refers to the open one: both must be insertable together
    [ticket] = load_open_tickets(session)
    assert (ticket.ticket_id, ticket.customers_affected) == ("FIRST", 7)


def test_a_closed_ticket_does_not_absorb_a_new_report(session: Session, tmp_path: Path) -> None:
    """Once the first ticket is closed, the same customer and category opens a new ticket."""
    import_tickets(session, write(tmp_path, "a.csv", f"{TICKET_HEADER}\nT1,2026-11-29T08:00,meter,-6.7,108.5,C,1\n"))
    t1 = session.get(TicketRow, "T1")
    assert t1 is not None
    t1.status, t1.closed_at = STATUS_CLOSED, datetime(2026, 11, 29, 12, 0, tzinfo=WIB)
    report = import_tickets(
        session, write(tmp_path, "b.csv", f"{TICKET_HEADER}\nT2,2026-11-29T13:00,meter,-6.7,108.5,C,1\n")
    )
    assert (report.inserted, report.merged) == (1, [])


def test_address_only_tickets_wait_for_geocoding(session: Session, tmp_path: Path) -> None:
    """A ticket with an address and no position imports with a warning and is geocoded once per address."""

    class Location:
        def __init__(self, lat: float, lon: float) -> None:
            self.latitude, self.longitude = lat, lon

    class FakeGeocoder:
        """Stands in for a network geocoder (an external service): answers from a dict, counts calls."""

        def __init__(self) -> None:
            self.calls: list[str] = []

        def geocode(self, query: str) -> Location | None:
            self.calls.append(query)
            if "Gunung" in query:
                raise GeocoderUnavailable("service down")
            return Location(-6.71, 108.56) if "Siliwangi" in query else None

    path = write(
        tmp_path,
        "tickets.csv",
        "ticket_id,reported_at,category,lat,lon,address\n"
        "A,2026-11-29T08:00,meter,,,Jl. Siliwangi 1\n"
        "B,2026-11-29T08:00,meter,,,jl.  siliwangi 1\n"
        "C,2026-11-29T08:00,meter,,,Jl. Entah Berantah\n"
        "D,2026-11-29T08:00,meter,,,Jl. Gunung Jati\n"
        "E,2026-11-29T08:00,meter,-6.7,108.5,Jl. Kalijaga\n",
    )
    report = import_tickets(session, path)
    assert report.inserted == 5
    assert report.warnings[0] == (f"{path}:2: lat, lon: ticket A has only an address; it is not planned until geocoded")
    assert unlocated_open_ticket_ids(session) == ["A", "B", "C", "D"]
    geocoder = FakeGeocoder()
    result = geocode_missing(session, geocoder=geocoder)
    assert result.geocoded == ["A", "B"]
    assert (result.looked_up, result.from_cache) == (3, 1)  # B's address is A's, differently written
    assert [t for t, _ in result.not_found] == ["C", "D"]
    assert "service down" in result.not_found[1][1]
    assert [t.ticket_id for t in load_open_tickets(session)] == ["A", "B", "E"]
    assert session.get(GeocodeCacheRow, "jl. siliwangi 1") is not None
    # A second run asks the geocoder only about what it could not answer before.
    geocode_missing(session, geocoder=geocoder)
    assert geocoder.calls[3:] == ["Jl. Entah Berantah", "Jl. Gunung Jati"]


# ------------------------------------------------------------------------------------------------ crews


def test_crews_import_with_members(session: Session, tmp_path: Path) -> None:
    """Crews and members are stored; vehicle defaults to car; end position is optional."""
    path = write(
        tmp_path,
        "crews.csv",
        "crew_id,name,depot_lat,depot_lon,end_lat,end_lon,skills,vehicle,members\n"
        "C1,Kota 1,-6.70,108.55,,,lv;mv,,M1;M2\n"
        "C2,Sumber 1,-6.75,108.48,-6.70,108.55,lv,motorcycle,M3\n",
    )
    report = import_crews(session, path)
    assert (report.rows, report.inserted) == (2, 2)
    c1, c2 = load_crews(session)
    assert (c1.vehicle, c1.skills, c1.members, c1.end_lat) == ("car", ("lv", "mv"), ("M1", "M2"), None)
    assert (c2.vehicle, c2.end_lat, c2.end_lon, c2.members) == ("motorcycle", -6.70, 108.55, ("M3",))


def test_every_crew_error_is_reported(session: Session, tmp_path: Path) -> None:
    """Crew problems, including a member in two crews, come with file, row and field."""
    path = write(
        tmp_path,
        "crews.csv",
        "crew_id,name,depot_lat,depot_lon,end_lat,end_lon,vehicle,members\n"
        "C1,Kota 1,-6.70,108.55,,,car,M1;M2\n"
        "C2,,-6.70,108.55,,,car,M3\n"
        "C3,Three,-6.70,,,,car,M4\n"
        "C4,Four,-6.70,108.55,-6.7,,car,M5\n"
        "C5,Five,-6.70,108.55,,,truck,M6\n"
        "C6,Six,-6.70,108.55,,,car,M2;M7\n"
        "C7,Seven,-6.70,108.55,,,car,M8;M8\n"
        "C1,Again,-6.70,108.55,,,car,M9\n",
    )
    with pytest.raises(ImportErrors) as excinfo:
        import_crews(session, path)
    f = str(path)
    assert errors_of(excinfo) == [
        f"{f}:3: name: required, but empty",
        f"{f}:4: depot_lon: required when depot_lat is given (give both or neither)",
        f"{f}:5: end_lon: required when end_lat is given (give both or neither)",
        f"{f}:6: vehicle: unknown value 'truck'; expected one of car, motorcycle",
        f"{f}:7: members: M2 is already in crew C1 (row 2)",
        f"{f}:8: members: listed twice: M8",
        f"{f}:9: crew_id: C1 is already given on row 2",
    ]


def test_reimported_crews_move_and_retire_members(engine: Engine, tmp_path: Path) -> None:
    """A member moves between crews listed together; one no longer listed is kept inactive."""
    first = write(
        tmp_path,
        "a.csv",
        "crew_id,name,depot_lat,depot_lon,members\nC1,One,-6.7,108.5,M1;M2\nC2,Two,-6.7,108.5,M3\n",
    )
    with session_scope(engine) as session:
        import_crews(session, first)
    second = write(
        tmp_path,
        "b.csv",
        "crew_id,name,depot_lat,depot_lon,members\nC1,One bis,-6.7,108.5,M1\nC2,Two,-6.7,108.5,M3;M2\n",
    )
    with session_scope(engine) as session:
        report = import_crews(session, second)
    assert (report.inserted, report.updated) == (0, 2)
    with Session(engine) as session:
        assert [(c.crew_id, c.name, c.members) for c in load_crews(session)] == [
            ("C1", "One bis", ("M1",)),
            ("C2", "Two", ("M2", "M3")),
        ]
    third = write(tmp_path, "c.csv", "crew_id,name,depot_lat,depot_lon,members\nC1,One,-6.7,108.5,M9\n")
    with session_scope(engine) as session:
        import_crews(session, third)
    with Session(engine) as session:
        m1 = session.get(CrewMemberRow, "M1")
        assert m1 is not None and (m1.crew_id, m1.active) == ("C1", False)


def test_a_member_of_a_crew_not_in_the_file_cannot_be_taken(engine: Engine, tmp_path: Path) -> None:
    """Listing another crew's active member, without re-listing that crew, is an error."""
    with session_scope(engine) as session:
        import_crews(session, write(tmp_path, "a.csv", CREWS))
    path = write(tmp_path, "b.csv", "crew_id,name,depot_lat,depot_lon,members\nC9,Nine,-6.7,108.5,M2\n")
    with pytest.raises(ImportErrors) as excinfo, session_scope(engine) as session:
        import_crews(session, path)
    assert errors_of(excinfo) == [
        f"{path}:2: members: M2 is in crew C1; to move them, list C1 in the same file without them"
    ]


# ----------------------------------------------------------------------------------------------- shifts


def test_shift_crossing_midnight_ends_the_next_day(session: Session, tmp_path: Path) -> None:
    """A 22:00-06:00 shift ends at 06:00 the next day; its break window may cross midnight too."""
    import_crews(session, write(tmp_path, "crews.csv", CREWS))  # same session, not yet committed
    path = write(
        tmp_path,
        "shifts.csv",
        "crew_id,date,start,end,break_start,break_end,break_min,standby\n"
        "C1,2026-11-30,22:00,06:00,23:30,00:30,30,yes\n"
        "C1,2026-12-01,07:00,15:00,,,,\n",
    )
    report = import_shifts(session, path)
    assert report.inserted == 2
    session.commit()
    [night] = load_shifts(session, day=date(2026, 11, 30))
    assert night.start == datetime(2026, 11, 30, 22, 0, tzinfo=WIB)
    assert night.end == datetime(2026, 12, 1, 6, 0, tzinfo=WIB)
    assert (night.break_start, night.break_end) == (
        datetime(2026, 11, 30, 23, 30, tzinfo=WIB),
        datetime(2026, 12, 1, 0, 30, tzinfo=WIB),
    )
    assert (night.break_min, night.standby) == (30, True)
    [day] = load_shifts(session, day=date(2026, 12, 1))
    assert (day.end - day.start, day.break_min, day.break_start, day.standby) == (timedelta(hours=8), 0, None, False)


def test_every_shift_error_is_reported(session: Session, tmp_path: Path) -> None:
    """Unknown crews, bad dates and times, and break windows outside the shift are all reported."""
    import_crews(session, write(tmp_path, "crews.csv", CREWS))
    path = write(
        tmp_path,
        "shifts.csv",
        "crew_id,date,start,end,break_start,break_end,break_min\n"
        "C1,2026-11-30,07:00,15:00,11:00,13:00,60\n"  # 2 fine
        "C9,2026-11-30,07:00,15:00,,,\n"  # 3
        "C1,30/11/2026,07:00,15:00,,,\n"  # 4
        "C1,2026-12-01,7h,15:00,,,\n"  # 5
        "C1,2026-12-02,07:00,07:00,,,\n"  # 6
        "C1,2026-12-03,07:00,15:00,11:00,,30\n"  # 7
        "C1,2026-12-04,07:00,15:00,11:00,12:00,\n"  # 8
        "C1,2026-12-05,07:00,15:00,14:00,16:00,30\n"  # 9
        "C1,2026-12-06,07:00,15:00,06:00,08:00,30\n"  # 10
        "C1,2026-12-07,07:00,15:00,12:00,12:20,30\n"  # 11
        "C1,2026-12-08,07:00,15:00,12:00,11:00,30\n"  # 12
        "C1,2026-12-09,07:00,08:00,,,90\n"  # 13
        "C1,2026-11-30,08:00,16:00,,,\n",  # 14 same crew and date as row 2
    )
    with pytest.raises(ImportErrors) as excinfo:
        import_shifts(session, path)
    f = str(path)
    assert errors_of(excinfo) == [
        f"{f}:3: crew_id: unknown crew 'C9'; import it in crews.csv first",
        f"{f}:4: date: expected a date YYYY-MM-DD, got '30/11/2026'",
        f"{f}:5: start: expected a local time HH:MM (00:00 to 23:59), got '7h'",
        f"{f}:6: end: equals start (07:00); a shift must have a length",
        f"{f}:7: break_end: required when break_start is given (give both or neither)",
        f"{f}:8: break_min: required when a break window is given",
        f"{f}:9: break_end: 16:00 is outside the shift 07:00-15:00",
        f"{f}:10: break_start: 06:00 is outside the shift 07:00-15:00",
        f"{f}:11: break_min: 30 min does not fit in the break window 12:00-12:20",
        f"{f}:12: break_end: must be after break_start (12:00)",
        f"{f}:13: break_min: 90 min is not shorter than the shift 07:00-08:00",
        f"{f}:14: date: C1 2026-11-30 is already given on row 2",
    ]


def test_reimporting_a_shift_updates_it(session: Session, tmp_path: Path) -> None:
    """The same crew and date again replaces the times of the stored shift."""
    import_crews(session, write(tmp_path, "crews.csv", CREWS))
    path = write(tmp_path, "s.csv", "crew_id,date,start,end\nC1,2026-11-30,07:00,15:00\n")
    import_shifts(session, path)
    path.write_text("crew_id,date,start,end\nC1,2026-11-30,08:00,16:00\n", encoding="utf-8")
    report = import_shifts(session, path)
    assert (report.inserted, report.updated) == (0, 1)
    [shift] = session.exec(select(ShiftRow)).all()
    assert shift.start == datetime(2026, 11, 30, 8, 0, tzinfo=WIB)


# ------------------------------------------------------------------------------------------------ zones


def square(x: float, y: float, size: float = 0.01) -> list[list[list[float]]]:
    return [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]


def feature(properties: dict[str, object], geometry: dict[str, object] | None = None) -> dict[str, object]:
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": geometry or {"type": "Polygon", "coordinates": square(108.5, -6.7)},
    }


def write_zones(tmp_path: Path, features: list[dict[str, object]], name: str = "zones.geojson") -> Path:
    return write(tmp_path, name, json.dumps({"type": "FeatureCollection", "features": features}))


def test_zones_import_and_load_by_day(session: Session, tmp_path: Path) -> None:
    """Polygons and multipolygons import with defaults; validity dates filter load_zones."""
    multi = {"type": "MultiPolygon", "coordinates": [square(108.5, -6.7), square(108.6, -6.7)]}
    path = write_zones(
        tmp_path,
        [
            feature({"name": "Pasar"}),
            feature({"name": "Kalijaga", "risk_weight": 3, "closed": True, "valid_to": "2026-11-30"}, multi),
            feature({"name": "Macet", "speed_kmh": 12.5, "valid_from": "2026-12-01", "colour": "red"}),
        ],
    )
    report = import_zones(session, path)
    assert (report.rows, report.inserted) == (3, 3)
    assert report.warnings == [f"{path}: properties: unknown propert(ies) ignored: 'colour'"]
    zones = {z.name: z for z in load_zones(session)}
    assert (zones["Pasar"].risk_weight, zones["Pasar"].closed, zones["Pasar"].speed_kmh) == (1.0, False, None)
    assert zones["Kalijaga"].geometry.geom_type == "MultiPolygon" and zones["Kalijaga"].closed
    assert zones["Macet"].speed_kmh == 12.5
    assert [z.name for z in load_zones(session, day=date(2026, 11, 30))] == ["Kalijaga", "Pasar"]
    assert [z.name for z in load_zones(session, day=date(2026, 12, 1))] == ["Macet", "Pasar"]


def test_every_zone_error_names_the_feature_and_field(session: Session, tmp_path: Path) -> None:
    """Invalid geometry, wrong types, bad properties and duplicate names name features[i] and the field."""
    bow_tie = {
        "type": "Polygon",
        "coordinates": [[[108.5, -6.7], [108.6, -6.6], [108.6, -6.7], [108.5, -6.6], [108.5, -6.7]]],
    }
    projected = {"type": "Polygon", "coordinates": square(500000, 9250000, 100)}
    path = write_zones(
        tmp_path,
        [
            feature({"name": "ok"}),
            feature({"name": "bow tie"}, bow_tie),
            feature({"name": "point"}, {"type": "Point", "coordinates": [108.5, -6.7]}),
            feature({"risk_weight": 1}),
            feature({"name": "ok"}),
            feature({"name": "neg", "risk_weight": -1}),
            feature({"name": "slow", "speed_kmh": 0}),
            feature({"name": "shut", "closed": "yes"}),
            feature({"name": "dates", "valid_from": "2026-12-01", "valid_to": "2026-11-01"}),
            feature({"name": "baddate", "valid_from": "1 Dec"}),
            feature({"name": "utm"}, projected),
            feature({"name": "empty"}, {"type": "Polygon", "coordinates": []}),
            {"type": "Point"},
        ],
    )
    with pytest.raises(ImportErrors) as excinfo:
        import_zones(session, path)
    f = str(path)
    errors = errors_of(excinfo)
    assert errors == [
        f"{f}:features[1]: geometry: invalid: Self-intersection[108.55 -6.65]",
        f"{f}:features[2]: geometry: expected a Polygon or MultiPolygon, got 'Point'",
        f"{f}:features[3]: name: required: a non-empty text",
        f"{f}:features[4]: name: 'ok' is already used by features[0]",
        f"{f}:features[5]: risk_weight: must be between 0 and 100, got -1",
        f"{f}:features[6]: speed_kmh: must be greater than 0 and at most 200, got 0",
        f"{f}:features[7]: closed: expected true or false, got 'yes'",
        f"{f}:features[8]: valid_to: 2026-11-01 is before valid_from 2026-12-01",
        f"{f}:features[9]: valid_from: expected a date YYYY-MM-DD, got '1 Dec'",
        f"{f}:features[10]: geometry: coordinates outside lon -180..180, lat -90..90 (GeoJSON is lon, lat in WGS84)",
        f"{f}:features[11]: geometry: is empty",
        f"{f}:features[12]: type: expected a GeoJSON Feature",
    ]
    assert session.exec(select(ZoneRow)).all() == []


def test_zone_rejects_are_written_as_geojson(session: Session, tmp_path: Path) -> None:
    """With rejects, good zones import and bad features go to a FeatureCollection with a reason."""
    path = write_zones(tmp_path, [feature({"name": "ok"}), feature({"name": "neg", "risk_weight": -2})])
    rejects = tmp_path / "rejects.geojson"
    report = import_zones(session, path, rejects=rejects)
    assert (report.rows, report.inserted, report.rejected) == (2, 1, 1)
    written = json.loads(rejects.read_text(encoding="utf-8"))
    assert [f["properties"] for f in written["features"]] == [
        {"name": "neg", "risk_weight": -2, "reject_reason": "risk_weight: must be between 0 and 100, got -2"}
    ]


def test_zone_file_errors(session: Session, tmp_path: Path) -> None:
    """Not JSON, or not a FeatureCollection, is one file-level error."""
    bad_json = write(tmp_path, "a.geojson", '{"type": "FeatureCollection",\n "features": [}')
    with pytest.raises(ImportErrors, match=r"a.geojson:2: file: not valid JSON"):
        import_zones(session, bad_json)
    not_collection = write(tmp_path, "b.geojson", json.dumps(feature({"name": "x"})))
    with pytest.raises(ImportErrors, match="expected a GeoJSON FeatureCollection"):
        import_zones(session, not_collection)


def test_reimporting_a_zone_updates_it_by_name(session: Session, tmp_path: Path) -> None:
    """A zone name seen before is updated, not duplicated."""
    import_zones(session, write_zones(tmp_path, [feature({"name": "Pasar", "risk_weight": 1})]))
    report = import_zones(session, write_zones(tmp_path, [feature({"name": "Pasar", "risk_weight": 2.5})], "b.geojson"))
    assert (report.inserted, report.updated) == (0, 1)
    [zone] = load_zones(session)
    assert zone.risk_weight == 2.5


# -------------------------------------------------------------------------------------------------- CLI


def cli() -> typer.Typer:
    app = typer.Typer()
    app.add_typer(import_app, name="import")
    return app


def test_cli_imports_and_prints_a_summary(
    database_url: str, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """dispatch import crews/tickets commits to DISPATCH_DATABASE_URL and reports counts (table or JSON)."""
    monkeypatch.setenv("DISPATCH_DATABASE_URL", database_url)
    runner = CliRunner()
    crews = write(tmp_path, "crews.csv", CREWS)
    result = runner.invoke(cli(), ["import", "crews", str(crews)])
    assert result.exit_code == 0, result.output
    assert "inserted" in result.stdout and "Imported crews" in result.stdout
    tickets = write(
        tmp_path,
        "tickets.csv",
        f"{TICKET_HEADER},colour\n"
        "T1,2026-11-29T08:00,meter,-6.7,108.5,C1,1,red\n"
        "T2,2026-11-29T09:00,meter,-6.7,108.5,C1,3,red\n",
    )
    result = runner.invoke(cli(), ["import", "tickets", str(tickets), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["ok"], report["inserted"], report["merged"]) == (True, 1, [{"ticket_id": "T2", "merged_into": "T1"}])
    assert report["warnings"] == [f"{tickets}:1: header: unknown column(s) ignored: 'colour'"]
    with Session(engine) as session:
        assert ticket_ids(session) == ["T1", "T2"]
        assert [c.crew_id for c in session.exec(select(CrewRow))] == ["C1"]


def test_cli_lists_every_problem_on_stderr_and_exits_1(
    database_url: str, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bad file exits 1, lists each problem on stderr, and leaves the database empty."""
    monkeypatch.setenv("DISPATCH_DATABASE_URL", database_url)
    path = write(
        tmp_path,
        "tickets.csv",
        f"{TICKET_HEADER}\nT1,2026-11-29T08:00,meter,-6.7,108.5,C1,1\nT2,later,meter,-6.7,108.5,C2,0\n",
    )
    result = CliRunner().invoke(cli(), ["import", "tickets", str(path)])
    assert result.exit_code == 1
    assert f"{path}:3: reported_at: expected an ISO 8601" in result.stderr
    assert f"{path}:3: customers_affected: must be between 1 and 1000000, got 0" in result.stderr
    assert "nothing imported: 2 problem(s)" in result.stderr
    with Session(engine) as session:
        assert ticket_ids(session) == []


def test_cli_rejects_option(database_url: str, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--rejects imports the good rows, exits 0 and says where the bad ones went."""
    monkeypatch.setenv("DISPATCH_DATABASE_URL", database_url)
    path = write(
        tmp_path, "t.csv", f"{TICKET_HEADER}\nT1,2026-11-29T08:00,meter,-6.7,108.5,C1,1\nT2,x,meter,1,1,C2,1\n"
    )
    rejects = tmp_path / "rejects.csv"
    result = CliRunner().invoke(cli(), ["import", "tickets", str(path), "--rejects", str(rejects)])
    assert result.exit_code == 0, result.output
    assert f"1 rejected row(s) written to {rejects}" in result.stdout
    assert rejects.read_text(encoding="utf-8").count("\n") == 2


def test_cli_bad_policy_file_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    """A policy file with a typo stops the import with the policy's own message."""
    monkeypatch.setenv("DISPATCH_DATABASE_URL", database_url)
    policy = write(tmp_path, "dispatch.toml", "[region]\ntimezon = 'Asia/Jakarta'\n")
    path = write(tmp_path, "s.csv", "crew_id,date,start,end\n")
    result = CliRunner().invoke(cli(), ["import", "shifts", str(path), "--policy", str(policy)])
    assert result.exit_code == 1
    assert "region.timezon: unknown policy key" in result.stderr


@pytest.mark.parametrize("command", ["tickets", "crews", "shifts", "zones"])
def test_cli_help_ends_with_an_example(command: str) -> None:
    """Each import command's help ends with an example command line."""
    result = CliRunner().invoke(cli(), ["import", command, "--help"])
    assert result.exit_code == 0
    assert f"Example: dispatch import {command} data/sample/" in result.stdout


# ----------------------------------------------------------------------------------------------- sample


def test_sample_region_imports_without_errors(engine: Engine) -> None:
    """The shipped data/sample files import with zero errors, rejects or warnings, and load back."""
    policy = Policy.load(SAMPLE / "dispatch.toml")
    with session_scope(engine) as session:
        reports = [
            import_crews(session, SAMPLE / "crews.csv"),
            import_shifts(session, SAMPLE / "shifts.csv", policy=policy),
            import_tickets(session, SAMPLE / "tickets.csv", policy=policy),
            import_zones(session, SAMPLE / "zones.geojson"),
        ]
    for report in reports:
        assert report.rows > 0 and report.accepted == report.rows and report.warnings == [], report
    with Session(engine) as session:
        assert len(load_open_tickets(session)) + sum(len(r.merged) for r in reports) == reports[2].rows
        assert len(load_crews(session)) == reports[0].rows
        assert len(load_zones(session)) == reports[3].rows
