"""The live database, read only, and the stored scenario runs."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from sqlmodel import Session, SQLModel

from dispatch.core.domain import PlanInputs
from dispatch.core.policy import Policy
from dispatch.planning.inputs import load_inputs
from dispatch.scenarios.run import ScenarioRun
from dispatch.scenarios.spec import ScenarioError
from dispatch.store.db import make_engine, session_scope
from dispatch.store.models.scenarios import ScenarioRunRow, ScenarioStatus


def read_only_engine(url: str) -> Engine:
    """An engine that can only read, for loading the live data of a scenario.

    SQLite: the file is opened read-only and transactions start deferred (a shared lock while
    reading), not with ``make_engine``'s ``BEGIN IMMEDIATE``, so other writers are not held up.
    PostgreSQL: read-only, repeatable-read transactions (one consistent snapshot).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return make_engine(url).execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    database = parsed.database
    if not database or database == ":memory:":
        raise ScenarioError([f"{url}: scenarios need a database file (an in-memory SQLite database is empty here)"])
    path = Path(database)
    if not path.exists():
        raise ScenarioError([f"{url}: database file {path} not found"])
    uri = path.resolve().as_uri() + "?mode=ro"
    import sqlite3

    engine = create_engine(
        "sqlite://",
        creator=lambda: sqlite3.connect(uri, uri=True, timeout=30.0, isolation_level=None, check_same_thread=False),
        poolclass=NullPool,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA query_only = ON")

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")

    return engine


def load_live_inputs(url: str, *, day: dt.date, policy: Policy) -> PlanInputs:
    """The live inputs of ``day``, read in one read-only transaction."""
    engine = read_only_engine(url)
    session = Session(engine)
    try:
        # Every query below runs in the one transaction the session begins on its first read.
        inputs = load_inputs(session, day=day, policy=policy)
        session.rollback()
        return inputs
    finally:
        session.close()
        engine.dispose()


def ensure_table(engine: Engine) -> None:
    """Create the scenario table if missing (touching no other table)."""
    SQLModel.metadata.create_all(engine, tables=[ScenarioRunRow.__table__])  # type: ignore[attr-defined]


def store_runs(
    engine: Engine, runs: Sequence[ScenarioRun], *, sweep: str | None = None, now: dt.datetime | None = None
) -> list[ScenarioRunRow]:
    """Store finished runs in one transaction: all of them, or none."""
    now = now or dt.datetime.now(dt.UTC)
    ensure_table(engine)
    rows: list[ScenarioRunRow] = []
    with session_scope(engine) as session:
        for run in runs:
            row = ScenarioRunRow(
                name=run.name,
                description=run.scenario.description,
                source=run.scenario.source,
                scenario_text=run.scenario.text,
                base_date=run.day,
                overrides=json.dumps(run.overrides, ensure_ascii=False),
                inputs_summary=json.dumps(run.inputs_summary, ensure_ascii=False),
                document=run.plan.dumps(),
                kpis=json.dumps(run.kpis.to_json(), ensure_ascii=False),
                sweep=sweep,
                time_limit_s=run.time_limit,
                solution_limit=run.solution_limit,
                workers=run.workers,
                wall_time_s=run.wall_time,
                created_at=now,
                status=ScenarioStatus.DONE.value,
            )
            session.add(row)
            session.flush()
            rows.append(row)
    return rows
