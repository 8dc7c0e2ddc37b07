"""The database layer: engines, the one-commit session scope, aware timestamps, rows to domain values."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from shapely.geometry import Polygon, mapping
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from dispatch.core import domain
from dispatch.store.db import database_url, make_engine, session_scope
from dispatch.store.models.crews import CrewMemberRow, CrewRow, ShiftRow, load_crews, load_shifts
from dispatch.store.models.tickets import (
    STATUS_CLOSED,
    STATUS_MERGED,
    TicketRow,
    load_open_tickets,
    unlocated_open_ticket_ids,
)
from dispatch.store.models.zones import ZoneRow, load_zones
from dispatch.store.schema import create_schema

WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 11, 29, 20, 0, tzinfo=WIB)


def ticket(ticket_id: str, **changes: object) -> TicketRow:
    values: dict[str, object] = {
        "ticket_id": ticket_id,
        "reported_at": datetime(2026, 11, 29, 8, 0, tzinfo=WIB),
        "category": "no_power",
        "lat": -6.7,
        "lon": 108.55,
        "priority": 2,
        "imported_at": NOW,
        "updated_at": NOW,
    }
    values.update(changes)
    return TicketRow(**values)


def crew(crew_id: str) -> CrewRow:
    return CrewRow(crew_id=crew_id, name=f"Crew {crew_id}", depot_lat=-6.7, depot_lon=108.55, skills="lv;mv")


def test_database_url_defaults_to_a_file_in_the_working_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without DISPATCH_DATABASE_URL the database is dispatch.db in the working directory."""
    monkeypatch.delenv("DISPATCH_DATABASE_URL", raising=False)
    assert database_url() == "sqlite:///dispatch.db"
    monkeypatch.setenv("DISPATCH_DATABASE_URL", "postgresql://u@h/db")
    assert database_url() == "postgresql://u@h/db"


def test_postgresql_urls_use_psycopg3() -> None:
    """Plain postgresql:// and postgres:// URLs are sent through psycopg 3 (no connection is made)."""
    for url in ("postgresql://u@127.0.0.1:5432/db", "postgres://u@127.0.0.1/db"):
        engine = make_engine(url)
        assert engine.url.drivername == "postgresql+psycopg"
        assert engine.url.username == "u"
        engine.dispose()


def test_create_schema_is_idempotent(engine: Engine) -> None:
    """create_schema on a database already at head changes nothing and keeps the rows."""
    with session_scope(engine) as session:
        session.add(crew("C1"))
    create_schema(engine)
    with Session(engine) as session:
        assert session.get(CrewRow, "C1") is not None


def test_session_scope_commits_once_on_success(engine: Engine) -> None:
    """Everything done in the scope is committed together when it ends normally."""
    with session_scope(engine) as session:
        session.add(crew("C1"))
        session.add(CrewMemberRow(member_id="M1", crew_id="C1"))
    with Session(engine) as session:
        assert [m.member_id for m in session.exec(select(CrewMemberRow))] == ["M1"]


@pytest.mark.parametrize("error", [ValueError, KeyboardInterrupt])
def test_session_scope_rolls_back_on_any_exception(engine: Engine, error: type[BaseException]) -> None:
    """An exception, even Ctrl-C, leaves the database as it was, including flushed rows."""
    with pytest.raises(error), session_scope(engine) as session:
        session.add(crew("C1"))
        session.flush()
        raise error()
    with Session(engine) as session:
        assert session.exec(select(CrewRow)).all() == []


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    """A member of an unknown crew is refused (SQLite needs foreign keys switched on)."""
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.add(CrewMemberRow(member_id="M1", crew_id="NOPE"))


def test_aware_datetimes_round_trip_as_the_same_instant(engine: Engine) -> None:
    """A +07:00 timestamp comes back aware, in UTC, as the same instant; None stays None."""
    reported = datetime(2026, 11, 30, 0, 30, 15, 123456, tzinfo=WIB)
    with session_scope(engine) as session:
        session.add(ticket("T1", reported_at=reported))
    with Session(engine) as session:
        row = session.get(TicketRow, "T1")
        assert row is not None
        assert row.reported_at == reported
        assert row.reported_at.utcoffset() == timedelta(0)
        assert row.reported_at.isoformat() == "2026-11-29T17:30:15.123456+00:00"
        assert row.closed_at is None


def test_aware_datetimes_compare_correctly_in_queries(engine: Engine) -> None:
    """A query bound in +07:00 finds rows by instant, not by wall time."""
    with session_scope(engine) as session:
        session.add(ticket("EARLY", reported_at=datetime(2026, 11, 29, 6, 0, tzinfo=WIB)))  # 23:00Z the day before
        session.add(ticket("LATE", reported_at=datetime(2026, 11, 29, 1, 0, tzinfo=UTC)))  # 08:00 WIB
    with Session(engine) as session:
        cut = datetime(2026, 11, 29, 7, 0, tzinfo=WIB)  # 00:00Z
        found = session.exec(select(TicketRow.ticket_id).where(TicketRow.reported_at > cut)).all()
        assert list(found) == ["LATE"]


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    """Storing a datetime without a time zone fails instead of guessing one."""
    with pytest.raises(Exception, match="naive datetime"), session_scope(engine) as session:
        session.add(ticket("T1", reported_at=datetime(2026, 11, 29, 8, 0)))


def test_sqlite_writers_wait_for_each_other(tmp_path, postgres_url: str | None) -> None:
    """A second SQLite writer waits for the first one's commit instead of failing at once."""
    if postgres_url:
        pytest.skip("SQLite locking")
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    first, second = make_engine(url), make_engine(url)
    create_schema(first)
    holding = threading.Event()

    def slow_writer() -> None:
        with session_scope(first) as session:
            session.add(crew("C1"))
            session.flush()
            holding.set()
            time.sleep(0.4)

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert holding.wait(5)
    started = time.monotonic()
    with session_scope(second) as session:
        # Reads and then writes: without BEGIN IMMEDIATE this read lock could not be upgraded.
        assert session.get(CrewRow, "C1") is not None  # it waited for the first writer's commit
        session.add(crew("C2"))
    waited = time.monotonic() - started
    thread.join()
    with Session(first) as session:
        assert sorted(c.crew_id for c in session.exec(select(CrewRow))) == ["C1", "C2"]
    assert waited > 0.2
    first.dispose()
    second.dispose()


@pytest.mark.parametrize("run", [1, 2])
def test_every_test_starts_with_empty_tables_and_fresh_ids(session: Session, run: int) -> None:
    """The fixture gives each test empty tables whose generated ids start at 1 (on both databases)."""
    assert session.exec(select(ZoneRow)).all() == []
    zone = ZoneRow(name=f"run {run}", geometry="{}")
    session.add(zone)
    session.commit()
    assert zone.id == 1


def test_open_tickets_load_as_domain_tickets(session: Session) -> None:
    """Only open tickets with coordinates load; fields convert to domain types."""
    session.add(crew("C1"))
    session.add(ticket("OPEN", skills="mv;ppe", household_risk="suspected", window_start="09:00", window_end="12:00"))
    session.add(ticket("SHUT", status=STATUS_CLOSED, closed_at=NOW))
    session.add(ticket("DUP", status=STATUS_MERGED, merged_into="OPEN"))
    session.add(ticket("NOWHERE", lat=None, lon=None, address="Jl. Siliwangi 1"))
    session.flush()
    [loaded] = load_open_tickets(session)
    assert loaded == domain.Ticket(
        ticket_id="OPEN",
        reported_at=datetime(2026, 11, 29, 8, 0, tzinfo=WIB),
        category=domain.Category.NO_POWER,
        lat=-6.7,
        lon=108.55,
        priority=2,
        skills=("mv", "ppe"),
        household_risk=domain.HouseholdRisk.SUSPECTED,
        window_start="09:00",
        window_end="12:00",
    )
    assert unlocated_open_ticket_ids(session) == ["NOWHERE"]


def test_crews_load_with_their_active_members(session: Session) -> None:
    """A crew's members are its active ones, by member id; skills split on ';'."""
    session.add_all([crew("C1"), crew("C2")])
    session.flush()
    session.add_all(
        [
            CrewMemberRow(member_id="M2", crew_id="C1"),
            CrewMemberRow(member_id="M1", crew_id="C1"),
            CrewMemberRow(member_id="M3", crew_id="C1", active=False),
        ]
    )
    session.flush()
    crews = load_crews(session)
    assert [c.crew_id for c in crews] == ["C1", "C2"]
    assert crews[0].members == ("M1", "M2")
    assert crews[0].skills == ("lv", "mv")
    assert crews[1].members == ()


def test_shifts_load_for_one_day(session: Session) -> None:
    """load_shifts returns the shifts of that date only, as aware domain shifts."""
    session.add(crew("C1"))
    session.flush()
    for day in (date(2026, 11, 30), date(2026, 12, 1)):
        start = datetime(day.year, day.month, day.day, 22, 0, tzinfo=WIB)
        session.add(ShiftRow(crew_id="C1", date=day, start=start, end=start + timedelta(hours=8), standby=True))
    session.flush()
    [shift] = load_shifts(session, day=date(2026, 11, 30))
    assert shift.date == date(2026, 11, 30)
    assert shift.end == datetime(2026, 12, 1, 6, 0, tzinfo=WIB)
    assert shift.standby and shift.break_start is None


def test_zones_load_by_validity(session: Session) -> None:
    """load_zones(day=...) keeps zones valid that day; the GeoJSON text becomes a shapely polygon."""
    square = Polygon([(108.5, -6.8), (108.6, -6.8), (108.6, -6.7), (108.5, -6.7)])
    text = json.dumps(mapping(square))
    session.add(ZoneRow(name="always", geometry=text))
    session.add(ZoneRow(name="december", geometry=text, valid_from=date(2026, 12, 1), valid_to=date(2026, 12, 31)))
    session.add(ZoneRow(name="until-nov", geometry=text, closed=True, valid_to=date(2026, 11, 30)))
    session.flush()
    assert [z.name for z in load_zones(session)] == ["always", "december", "until-nov"]
    assert [z.name for z in load_zones(session, day=date(2026, 11, 30))] == ["always", "until-nov"]
    assert [z.name for z in load_zones(session, day=date(2026, 12, 1))] == ["always", "december"]
    zone = load_zones(session, day=date(2026, 11, 30))[1]
    assert zone.closed and zone.geometry.equals(square)
