"""An upgrade keeps every row: a database built at an older revision, with rows in every table, is upgraded
to head and every row is found again, unchanged, and loads through the models.

Adding a revision? Add a case to ``ROWS_AT`` for the revision before it (the one your revision upgrades
from): rows for every table that revision has, written as that revision's columns. The test refuses to
run without it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, MetaData, Table, select, tuple_
from sqlmodel import Session, SQLModel
from sqlmodel import select as orm_select

from dispatch.store import schema
from dispatch.store.db import make_engine
from dispatch.store.migrations import alembic_config

Rows = dict[str, list[dict[str, Any]]]
UTC = dt.UTC
T0 = dt.datetime(2026, 11, 30, 1, 2, 3, 456789, tzinfo=UTC)


def rows_0001() -> Rows:
    """A row or two in every table of revision 0001, foreign keys valid, edge values where they matter."""
    day = dt.date(2026, 11, 30)
    return {
        "crew": [
            {"crew_id": "C1", "name": "Crew 1", "depot_lat": -6.7, "depot_lon": 108.55, "end_lat": None,
             "end_lon": None, "skills": "lv;mv", "vehicle": "car"},
            {"crew_id": "C2", "name": "Regu 2", "depot_lat": -6.8, "depot_lon": 108.5, "end_lat": -6.75,
             "end_lon": 108.52, "skills": "", "vehicle": "motorcycle"},
        ],
        "crew_member": [
            {"member_id": "M1", "crew_id": "C1", "name": "Asep", "active": True},
            {"member_id": "M2", "crew_id": "C2", "name": None, "active": False},
        ],
        "shift": [
            {"id": 1, "crew_id": "C1", "date": day, "start": T0, "end": T0 + dt.timedelta(hours=8),
             "break_start": T0 + dt.timedelta(hours=4), "break_end": T0 + dt.timedelta(hours=4, minutes=30),
             "break_min": 30, "standby": False},
        ],
        "ticket": [
            {"ticket_id": "T1", "reported_at": T0, "category": "no_power", "lat": -6.71, "lon": 108.56,
             "priority": 1, "customers_affected": 120, "service_min": 45, "indoor": True,
             "household_risk": "confirmed", "critical_facility": True, "window_start": "09:00",
             "window_end": "12:00", "skills": "mv", "address": "Jl. Siliwangi 1", "customer_id": "K1",
             "customer_name": "Ibu Sari", "phone": "+62 812", "transformer_id": "TR-9", "status": "open",
             "source": "call_centre", "merged_into": None, "imported_at": T0, "updated_at": T0,
             "closed_at": None, "unassigned_reason": "shift_end", "unassigned_detail": "after 16:00"},
            {"ticket_id": "T2", "reported_at": T0, "category": "no_power", "lat": None, "lon": None,
             "priority": 3, "customers_affected": 1, "service_min": 30, "indoor": False,
             "household_risk": "none", "critical_facility": False, "window_start": None, "window_end": None,
             "skills": "", "address": "", "customer_id": "K1", "customer_name": "", "phone": "",
             "transformer_id": "", "status": "merged", "source": "csv", "merged_into": "T1", "imported_at": T0,
             "updated_at": T0, "closed_at": T0, "unassigned_reason": None, "unassigned_detail": None},
        ],
        "geocode_cache": [{"address": "Jl. Siliwangi 1", "lat": -6.71, "lon": 108.56, "geocoded_at": T0}],
        "zone": [
            {"id": 1, "name": "Zona merah", "geometry": '{"type":"Point","coordinates":[108.5,-6.7]}',
             "risk_weight": 2.5, "closed": False, "speed_kmh": 20.0, "valid_from": day, "valid_to": None},
        ],
        "plan": [
            {"id": 1, "plan_date": day, "version": 1, "kind": "nightly", "status": "superseded", "created_at": T0,
             "published_at": T0, "parent_id": None, "as_of": None, "time_limit_s": 30.0, "reproducible": True,
             "objective": 2**40 + 7, "document": '{"date": "2026-11-30", "routes": []}'},
            {"id": 2, "plan_date": day, "version": 2, "kind": "replan", "status": "published", "created_at": T0,
             "published_at": None, "parent_id": 1, "as_of": T0, "time_limit_s": 5.0, "reproducible": False,
             "objective": -1, "document": "{}"},
        ],
        "plan_visit": [
            {"id": 1, "plan_id": 1, "crew_id": "C1", "seq": 1, "ticket_id": "T1", "arrival": T0, "start": T0,
             "end": T0 + dt.timedelta(minutes=45), "indoor": True, "exposure_min": 67.5, "travel_m": 1234},
        ],
        "plan_unassigned": [{"id": 1, "plan_id": 2, "ticket_id": "T2", "reason": "no_location", "detail": ""}],
        "crew_position": [{"id": 1, "crew_id": "C2", "lat": -6.72, "lon": 108.57, "at": T0, "source": "gps"}],
        "visit_record": [
            {"id": 1, "ticket_id": "T1", "crew_id": "C1", "plan_id": 1, "arrived_at": T0, "left_at": T0,
             "entered_home": True, "outcome": "fixed", "recorded_at": T0, "note": "trafo", "exposure_min": 12.5},
        ],
        "exposure_ledger": [
            {"id": 1, "member_id": "M1", "crew_id": "C1", "ticket_id": "T1", "day": day, "source": "actual",
             "plan_id": 1, "visit_id": 1, "homes": 1, "in_home_min": 25.0, "exposure_min": 12.5, "zone": "Zona merah",
             "zone_weight": 2.5, "household_risk": "confirmed", "household_multiplier": 2.0, "recorded_at": T0},
        ],
        "member_quarantine": [
            {"id": 1, "member_id": "M2", "start": day, "until": day + dt.timedelta(days=7), "reason": "positive",
             "created_at": T0},
        ],
        "cohort_move": [
            {"id": 1, "member_id": "M1", "from_crew": "C2", "to_crew": "C1", "move_date": day, "created_at": T0},
        ],
        "scenario_run": [
            {"id": 1, "name": "storm", "description": "", "source": "storm.toml", "scenario_text": "name = 'storm'",
             "base_date": day, "overrides": "{}", "inputs_summary": "{}", "document": "{}", "kpis": "{}",
             "sweep": None, "time_limit_s": 1.0, "solution_limit": 10, "workers": 1, "wall_time_s": 0.5,
             "created_at": T0, "status": "done"},
        ],
    }  # fmt: skip


def rows_0002() -> Rows:
    """Revision 0001's rows plus a phone link and a report through it (revision 0002's tables)."""
    day = dt.date(2026, 11, 30)
    return {
        **rows_0001(),
        "crew_link": [
            {"id": 1, "token": "tok-1", "crew_id": "C1", "day": day, "issued_at": T0,
             "expires_at": T0 + dt.timedelta(hours=10), "revoked_at": None},
        ],
        "crew_report": [
            {"id": 1, "report_id": "r1", "crew_id": "C1", "day": day, "link_id": 1, "ticket_id": "T1", "plan_id": 1,
             "status": "done", "reason": None, "at": T0, "entered_home": True, "in_home_min": 12.0, "lat": -6.71,
             "lon": 108.56, "visit_id": 1, "received_at": T0},
        ],
    }  # fmt: skip


# The revision a database is built at -> rows for every one of its tables. One case per revision that a
# later revision upgrades from; the newest case is the revision just before head (today: 0003 is head).
ROWS_AT: dict[str, Callable[[], Rows]] = {
    "0001": rows_0001,
    "0002": rows_0002,
}


def _build_at(engine: Engine, revision: str) -> None:
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)


def _reflect(engine: Engine) -> MetaData:
    metadata = MetaData()
    metadata.reflect(engine)
    metadata.remove(metadata.tables["alembic_version"])
    return metadata


def _same(value: Any) -> Any:
    """A stored value as compared: timestamps as UTC instants (SQLite reads them back without an offset)."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value


def _find(conn: Connection, table: Table, key: list[str], written: list[dict[str, Any]]) -> dict[tuple, Any]:
    """The stored rows of ``table`` with the primary keys of the ``written`` rows, by key."""
    columns = [table.c[k] for k in key]
    wanted = [tuple(row[k] for k in key) for row in written]
    return {
        tuple(r[k] for k in key): r for r in conn.execute(select(table).where(tuple_(*columns).in_(wanted))).mappings()
    }


def fill_upgrade_and_find(url: str, start: str, rows: Rows) -> None:
    """Build a database at ``start``, put ``rows`` in it (every table), upgrade to head, and find each row
    again by its primary key with the values it was written with; every model loads its table's rows."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), start)
        before = _reflect(engine)
        assert set(rows) == set(before.tables), "the case must fill every table of the revision"
        with engine.begin() as conn:
            for table in before.sorted_tables:  # parents first
                conn.execute(table.insert(), rows[table.name])
        result = schema.upgrade(engine)
        assert (result.from_revision, result.to_revision) == (start, schema.head_revision())
        after = _reflect(engine)
        with engine.connect() as conn:
            for name, written in rows.items():
                key = [c.name for c in before.tables[name].primary_key.columns]
                found = _find(conn, after.tables[name], key, written)
                for row in written:
                    stored = found[tuple(row[k] for k in key)]
                    assert {c: _same(stored[c]) for c in row} == {c: _same(v) for c, v in row.items()}, name
        with Session(engine) as session:
            for mapper in SQLModel._sa_registry.mappers:  # every model class
                model = mapper.class_
                assert len(session.exec(orm_select(model)).all()) == len(rows.get(model.__tablename__, []))
    finally:
        engine.dispose()


def test_every_revision_before_head_has_a_case() -> None:
    """The revision head upgrades from (or the first one, while it is the only one) has rows in ROWS_AT."""
    head = schema._scripts().get_revision(schema.head_revision())
    previous = head.down_revision or head.revision
    assert previous in ROWS_AT, f"add a ROWS_AT case for revision {previous} (see this module's docstring)"


@pytest.mark.parametrize("start", sorted(ROWS_AT))
def test_upgrade_keeps_every_row(blank_url: str, start: str) -> None:
    """A database at ``start`` with rows in every table keeps every row, value for value, through the upgrade."""
    fill_upgrade_and_find(blank_url, start, ROWS_AT[start]())


def test_upgrade_through_a_table_copy_keeps_every_row(blank_url: str, probe_revision: str) -> None:
    """A revision that rebuilds a parent table (SQLite batch copy of ticket, referenced by four tables) keeps
    every row and foreign key: the migration runs with foreign keys off and checks them before committing."""
    fill_upgrade_and_find(blank_url, "0001", rows_0001())
