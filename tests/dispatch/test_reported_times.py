"""One clock rule for every time the product accepts (issue 13 item 4): visits and crew positions.

Ticket reports are covered in test_import_hostile.py; here a visit may not be in the future nor
before its ticket was reported, and a crew position may not be in the future, on both databases,
through the library and the CLI. ``region.max_clock_skew_min`` is the one allowance for all of them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from cli import app
from dispatch.core.policy import Policy
from dispatch.intraday.model import IntradayError
from dispatch.intraday.persist import record_position
from dispatch.io.importing.rows import ImportErrors
from dispatch.io.importing.visits import import_visits
from dispatch.ledger.base import ExposureError
from dispatch.ledger.visits import record_visit
from dispatch.store.models import TicketRow
from dispatch.store.models.exposure import VisitRecordRow
from dispatch.store.models.intraday import CrewPositionRow

from .test_exposure import D1, at, build

runner = CliRunner()


def _reported_at(session: Session, ticket_id: str, when: dt.datetime) -> None:
    ticket = session.get(TicketRow, ticket_id)
    assert ticket is not None
    ticket.reported_at = when
    session.add(ticket)
    session.flush()


def test_a_visit_before_the_ticket_was_reported_is_refused(session: Session) -> None:
    """Ticket reported 13:30, "visited" 07:07 the same day: refused, nothing recorded, the ticket stays open."""
    build(session)
    _reported_at(session, "T1", at(D1, "13:30"))
    with pytest.raises(ExposureError) as excinfo:
        record_visit(
            session,
            ticket_id="T1",
            crew_id="C1",
            arrived_at=at(D1, "07:07"),
            left_at=at(D1, "07:40"),
            entered_home=True,
            outcome="fixed",
            now=at(D1, "18:00"),
        )
    assert str(excinfo.value) == (
        "arrived: 2026-12-01T07:07:00+07:00 is before ticket T1 was reported (2026-12-01T13:30:00+07:00)"
    )
    assert session.exec(select(VisitRecordRow)).all() == []
    ticket = session.get(TicketRow, "T1")
    assert ticket is not None and ticket.status == "open"


def test_a_visit_within_the_clock_skew_of_the_report_is_kept(session: Session) -> None:
    """Arriving 5 min "before" the report (the crew's phone runs fast) is within the 10 min allowance."""
    build(session)
    _reported_at(session, "T1", at(D1, "13:30"))
    record = record_visit(
        session,
        ticket_id="T1",
        crew_id="C1",
        arrived_at=at(D1, "13:25"),
        left_at=at(D1, "13:50"),
        entered_home=False,
        outcome="fixed",
        now=at(D1, "18:00"),
    )
    assert record.id is not None


def test_visit_imports_refuse_early_and_future_rows(session: Session, tmp_path: Path) -> None:
    """A visit file: one row before the report, one in the future, one date-only; the good row goes in."""
    build(session)
    _reported_at(session, "T1", at(D1, "13:30"))
    path = tmp_path / "visits.csv"
    path.write_text(
        "ticket_id,crew_id,arrived,left,entered_home,outcome\n"
        "T1,C1,2026-12-01T07:07,2026-12-01T07:40,true,fixed\n"
        "T2,C1,2026-12-01T19:00,2026-12-01T19:30,true,fixed\n"
        "T3,C1,2026-12-01,2026-12-01T09:30,true,fixed\n"
        "T4,C1,2026-12-01T09:00,2026-12-01T09:30,true,fixed\n",
        encoding="utf-8",
    )
    now = at(D1, "18:00")
    with pytest.raises(ImportErrors) as excinfo:
        import_visits(session, path, now=now)
    assert excinfo.value.errors == [
        f"{path}:2: arrived: 2026-12-01T07:07:00+07:00 is before ticket T1 was reported (2026-12-01T13:30:00+07:00)",
        f"{path}:3: arrived: 2026-12-01T19:00:00+07:00 is in the future: more than 10 min after now "
        "(2026-12-01T18:00:00+07:00; policy region.max_clock_skew_min)",
        f"{path}:3: left: 2026-12-01T19:30:00+07:00 is in the future: more than 10 min after now "
        "(2026-12-01T18:00:00+07:00; policy region.max_clock_skew_min)",
        f"{path}:4: arrived: '2026-12-01' is a date without a time of day; give the time too (2026-11-29T08:30)",
    ]
    report = import_visits(session, path, now=now, rejects=tmp_path / "rejects.csv")
    assert (report.rows, report.accepted, report.rejected) == (4, 1, 3)


def test_the_visit_skew_is_the_policy_s(session: Session) -> None:
    """With region.max_clock_skew_min = 120 a visit reported 1 h ahead is accepted; with 10 it is not."""
    build(session)
    kwargs = {
        "ticket_id": "T1",
        "crew_id": "C1",
        "arrived_at": at(D1, "19:00"),
        "left_at": None,
        "entered_home": False,
        "outcome": None,
        "now": at(D1, "18:00"),
    }
    with pytest.raises(ExposureError, match="is in the future: more than 10 min after now"):
        record_visit(session, **kwargs)  # type: ignore[arg-type]
    loose = Policy().with_overrides({"region.max_clock_skew_min": 120})
    assert record_visit(session, policy=loose, **kwargs).id is not None  # type: ignore[arg-type]


def test_a_crew_position_in_the_future_is_refused(session: Session) -> None:
    """A position hours ahead of now is refused (it used to be stored); 5 min ahead is clock skew."""
    build(session)
    now = at(D1, "10:00")
    with pytest.raises(IntradayError) as excinfo:
        record_position(session, crew_id="C1", lat=-6.71, lon=108.55, at=at(D1, "15:00"), now=now)
    assert str(excinfo.value) == (
        "crew C1: position time 2026-12-01T15:00:00+07:00 is in the future: more than 10 min after now "
        "(2026-12-01T10:00:00+07:00; policy region.max_clock_skew_min)"
    )
    record_position(session, crew_id="C1", lat=-6.71, lon=108.55, at=at(D1, "10:05"), now=now)
    assert [p.at for p in session.exec(select(CrewPositionRow)).all()] == [at(D1, "10:05")]


def test_a_crew_position_outside_the_region_is_refused(session: Session) -> None:
    """(0, 0) and a point outside region.bbox are refused like an import row would be."""
    build(session)
    now = at(D1, "10:00")
    with pytest.raises(IntradayError, match=r"crew C1: position 0, 0 is not a place in the region"):
        record_position(session, crew_id="C1", lat=0.0, lon=0.0, at=now, now=now)
    with pytest.raises(IntradayError, match=r"crew C1: position 6.71, 108.55 is outside the region's bounds"):
        record_position(session, crew_id="C1", lat=6.71, lon=108.55, at=now, now=now)


def test_cli_position_in_the_future_is_one_error_line(engine: Engine, database_url: str) -> None:
    """`dispatch crews position --at` hours ahead exits 1 with the reason and stores nothing."""
    with Session(engine) as session:
        build(session)
        session.commit()
    ahead = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=3)).isoformat()
    env = {"DISPATCH_DATABASE_URL": database_url, "DISPATCH_POLICY": ""}
    result = runner.invoke(
        app, ["crews", "position", "C1", "--lat", "-6.71", "--lon", "108.55", "--at", ahead], env=env
    )
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("error: crew C1: position time ") and "is in the future" in result.stderr
    with Session(engine) as session:
        assert session.exec(select(CrewPositionRow)).all() == []


@pytest.mark.parametrize("value", ["2026-12-01", "0001-01-01T08:00"])
def test_cli_times_must_have_a_plausible_time_of_day(engine: Engine, database_url: str, value: str) -> None:
    """`--at 2026-12-01` (a date alone) or year 1 is refused by the CLI instead of becoming midnight or overflowing."""
    env = {"DISPATCH_DATABASE_URL": database_url, "DISPATCH_POLICY": ""}
    args = ["crews", "position", "C1", "--lat", "-6.71", "--lon", "108.55", "--at", value]
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"error: --at: {value!r} is ")
    assert "Traceback" not in result.output


def test_a_nul_byte_in_a_visit_row_is_a_row_error(session: Session, tmp_path: Path) -> None:
    """A NUL in a visit's ticket id is refused as that row's problem on both databases (PostgreSQL used to fail
    the whole import with a DataError when the id was looked up)."""
    build(session)
    path = tmp_path / "visits.csv"
    path.write_text(
        "ticket_id,crew_id,arrived,left,entered_home,outcome\nT\x001,C1,2026-12-01T08:19,,true,\n", encoding="utf-8"
    )
    with pytest.raises(ImportErrors) as excinfo:
        import_visits(session, path, now=at(D1, "18:00"))
    assert excinfo.value.errors == [f"{path}:2: ticket_id: contains a control character (U+0000)"]
