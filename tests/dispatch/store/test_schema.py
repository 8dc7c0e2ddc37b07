"""Schema revisions: the migrated schema is the models' schema, and every command refuses a database that is
not at head (behind, ahead, made before migrations) until `dispatch db upgrade` brings or adopts it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text
from sqlmodel import Session, SQLModel, select
from typer.testing import CliRunner, Result

from cli import app
from dispatch.store import schema
from dispatch.store.db import make_engine, session_scope
from dispatch.store.migrations import alembic_config
from dispatch.store.migrations.__main__ import write_revision
from dispatch.store.models.crews import CrewRow
from dispatch.store.schema import SchemaError, SchemaStatus

runner = CliRunner()
SAMPLE = Path(__file__).resolve().parents[3] / "data" / "sample"


def _cli(url: str, *args: str) -> Result:
    return runner.invoke(app, list(args), env={"DISPATCH_DATABASE_URL": url, "DISPATCH_POLICY": ""})


def _engine(url: str) -> Engine:
    return make_engine(url)


def _pre_migration(url: str) -> Engine:
    """A database as every command made it before migrations existed: ``create_all`` of the tables of then
    (the first revision's), with a crew in it."""
    engine = _engine(url)
    schema.base_metadata().create_all(engine)
    with session_scope(engine) as session:
        session.add(CrewRow(crew_id="C1", name="Crew 1", depot_lat=-6.7, depot_lon=108.55))
    return engine


def _set_version(engine: Engine, revision: str) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})


def test_revisions_are_one_numbered_line() -> None:
    """The history has one head, each revision follows the one before, ids are 0001, 0002, ... in order."""
    scripts = schema._scripts()
    assert scripts.get_heads() == [schema.head_revision()]
    ordered = [s.revision for s in reversed(list(scripts.walk_revisions()))]
    assert ordered == [f"{n:04d}" for n in range(1, len(ordered) + 1)]
    for script in scripts.walk_revisions():
        down = script.down_revision
        assert down == (None if script.revision == "0001" else f"{int(script.revision) - 1:04d}")


def test_a_migrated_database_has_exactly_the_models_schema(blank_url: str) -> None:
    """Autogenerate finds no difference (tables, columns, types, nullability, indexes, keys) between a
    database upgraded to head and the models; alembic_version sits in the connection's own schema."""
    engine = _engine(blank_url)
    result = schema.upgrade(engine)
    head = schema.head_revision()
    assert (result.before, result.from_revision, result.to_revision) == (SchemaStatus.EMPTY, None, head)
    with engine.connect() as conn:
        assert schema.differences(conn, SQLModel.metadata) == []
        tables = set(inspect(conn).get_table_names())
        assert tables == set(SQLModel.metadata.tables) | {"alembic_version"}
        if conn.dialect.name == "postgresql":  # inspect() above looked in current_schema(): the test's own
            assert conn.execute(text("SELECT current_schema()")).scalar().startswith("pytest_blank_")
    engine.dispose()


def test_types_the_models_define_survive_migration(blank_url: str) -> None:
    """Timestamps are timezone-aware (PostgreSQL: with time zone) and the plan objective is 64-bit."""
    engine = _engine(blank_url)
    schema.upgrade(engine)
    with engine.connect() as conn:
        columns = {c["name"]: c["type"] for c in inspect(conn).get_columns("plan")}
        assert columns["objective"].compile(dialect=conn.dialect) == "BIGINT"
        if conn.dialect.name == "postgresql":
            assert columns["created_at"].timezone is True
    engine.dispose()


def test_the_first_command_creates_a_new_database_at_head(blank_url: str) -> None:
    """`dispatch import crews` on a new database creates it at head, then imports."""
    result = _cli(blank_url, "import", "crews", str(SAMPLE / "crews.csv"), "--json")
    assert result.exit_code == 0, result.output
    state = json.loads(_cli(blank_url, "db", "current", "--json").stdout)
    head = schema.head_revision()
    assert state == {**state, "revision": head, "head": head, "status": "current", "behind": False}


def test_two_processes_creating_one_database_do_not_collide(blank_url: str) -> None:
    """Two engines creating the same new database at once: one migrates, the other waits and finds it done."""
    engines = [_engine(blank_url), _engine(blank_url)]
    errors: list[BaseException] = []

    def create(engine: Engine) -> None:
        try:
            schema.create_schema(engine)
        except BaseException as exc:  # noqa: BLE001  (reported by the assertion below)
            errors.append(exc)

    threads = [threading.Thread(target=create, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with engines[0].connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [schema.head_revision()]
    for engine in engines:
        engine.dispose()


def test_a_pre_migration_database_is_refused_then_adopted(blank_url: str) -> None:
    """Commands refuse a database made by create_all; `db upgrade` stamps it (its tables match 0001) and keeps
    its rows; then commands work."""
    engine = _pre_migration(blank_url)
    refused = _cli(blank_url, "members", "list")
    assert refused.exit_code == 1
    assert refused.stderr.splitlines() == [
        "error: the database predates migrations (its tables were made without a revision); "
        "run dispatch db upgrade to adopt it"
    ]
    assert json.loads(_cli(blank_url, "db", "current", "--json").stdout)["status"] == "pre-migration"
    result = _cli(blank_url, "db", "upgrade", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    after_base = schema.revisions_after(schema.base_revision())
    applied = [{"revision": r.revision, "description": r.description} for r in after_base]
    assert report == {
        **report, "before": "pre-migration", "from": None, "to": schema.head_revision(), "adopted": True,
        "applied": applied,
    }  # fmt: skip
    assert _cli(blank_url, "members", "list").exit_code == 0
    with Session(engine) as session:
        assert [c.crew_id for c in session.exec(select(CrewRow))] == ["C1"]
    engine.dispose()


def test_a_pre_migration_database_that_differs_is_not_adopted(blank_url: str) -> None:
    """A create_all database from an older version (here: without visit_record.exposure_min) is refused by
    `db upgrade` with the difference named, and left as it was (no alembic_version)."""
    engine = _pre_migration(blank_url)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE visit_record DROP COLUMN exposure_min"))
    result = _cli(blank_url, "db", "upgrade")
    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("error: the database predates migrations and its tables differ from the first revision")
    assert "column visit_record.exposure_min is missing" in line
    assert schema.schema_state(engine).status is SchemaStatus.PRE_MIGRATION
    engine.dispose()


def test_a_database_ahead_of_this_version_is_refused(blank_url: str) -> None:
    """A database a newer dispatch upgraded (unknown revision) is refused by commands and by `db upgrade`."""
    engine = _engine(blank_url)
    schema.upgrade(engine)
    _set_version(engine, "0999")
    for args in (("members", "list"), ("db", "upgrade")):
        result = _cli(blank_url, *args)
        assert result.exit_code == 1
        assert result.stderr.startswith("error: the database is at revision 0999, which this dispatch does not know")
        assert "Traceback" not in result.output
    assert json.loads(_cli(blank_url, "db", "current", "--json").stdout)["status"] == "ahead"
    engine.dispose()


def test_a_database_behind_is_refused_until_upgraded(blank_url: str, probe_revision: str) -> None:
    """With one more revision than the database has, every command says which revision it is at and to run
    `dispatch db upgrade`; that runs the revision, keeps the rows, and commands work again."""
    engine = _engine(blank_url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0001")
    with session_scope(engine) as session:
        session.add(CrewRow(crew_id="C1", name="Crew 1", depot_lat=-6.7, depot_lon=108.55))
    for args in (("members", "list"), ("plan", "show", "--date", "2026-11-30"), ("import", "crews", "x.csv")):
        result = _cli(blank_url, *args)
        assert result.exit_code == 1, args
        assert result.stderr.splitlines()[0] == (
            f"error: the database is at revision 0001; run dispatch db upgrade (this dispatch needs {probe_revision})"
        )
    current = json.loads(_cli(blank_url, "db", "current", "--json").stdout)
    assert current == {**current, "revision": "0001", "head": probe_revision, "status": "behind", "behind": True}
    result = _cli(blank_url, "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert "0001" in result.stdout and f"{probe_revision} Probe" in result.stdout
    assert _cli(blank_url, "members", "list").exit_code == 0
    with engine.connect() as conn:
        assert "probe_note" in {c["name"] for c in inspect(conn).get_columns("ticket")}
        assert conn.execute(text("SELECT crew_id FROM crew")).scalars().all() == ["C1"]
    engine.dispose()


def test_create_schema_raises_for_a_database_not_at_head(blank_url: str) -> None:
    """The library call behind every command: SchemaError with the message, nothing changed."""
    engine = _pre_migration(blank_url)
    with pytest.raises(SchemaError, match="predates migrations"):
        schema.create_schema(engine)
    assert schema.schema_state(engine).revision is None
    engine.dispose()


def test_db_current_needs_an_existing_file(tmp_path: Path, postgres_url: str | None) -> None:
    """`db current` on a SQLite file that is not there says so and creates nothing."""
    if postgres_url:
        pytest.skip("SQLite files")
    missing = tmp_path / "none.db"
    result = _cli(f"sqlite:///{missing}", "db", "current")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: database file {missing} not found")
    assert not missing.exists()


def test_db_upgrade_runs_from_any_working_directory(blank_url: str, tmp_path: Path) -> None:
    """The installed `dispatch` command finds its migrations without an alembic.ini, from any folder."""
    dispatch = Path(sys.executable).with_name("dispatch")
    env = {**os.environ, "DISPATCH_DATABASE_URL": blank_url}
    done = subprocess.run(
        [str(dispatch), "db", "upgrade", "--json"], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["to"] == schema.head_revision()
    assert not list(tmp_path.glob("alembic*"))


def test_the_revision_helper_writes_the_next_revision_from_the_models(blank_url: str, probe_revision: str) -> None:
    """`python -m dispatch.store.migrations revision` numbers the revision after head and autogenerates it
    (here: the probe's column, which the models lack, is dropped in batch mode); upgrading a new database
    through it leaves no difference from the models."""
    path, found = write_revision("drop probe note")
    assert found == ["column ticket.probe_note is not expected"]
    after = f"{int(probe_revision) + 1:04d}"
    assert path.name == f"{after}_drop_probe_note.py"
    text = path.read_text()
    assert 'with op.batch_alter_table("ticket", schema=None) as batch_op:' in text
    assert 'batch_op.drop_column("probe_note")' in text
    assert "dispatch.store" not in text and "sqlmodel" not in text  # plain SQLAlchemy types only
    schema._scripts.cache_clear()
    engine = _engine(blank_url)
    assert schema.upgrade(engine).to_revision == after
    with engine.connect() as conn:
        assert schema.differences(conn, SQLModel.metadata) == []
    engine.dispose()
