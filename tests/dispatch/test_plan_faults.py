"""A plan run under faults, as real processes on both databases: killed mid-solve, its lock connection
dropped by the server, a read-only database. The next run must start; nothing half-saved."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlmodel import select
from typer.testing import CliRunner

from cli import app
from dispatch.core.policy import Policy
from dispatch.io.importing.crews import import_crews
from dispatch.io.importing.shifts import import_shifts
from dispatch.io.importing.tickets import import_tickets
from dispatch.io.importing.zones import import_zones
from dispatch.sample.region import generate_region
from dispatch.store.db import make_engine, session_scope
from dispatch.store.locks import advisory_key, lock_file
from dispatch.store.models import PlanRow

DAY = dt.date(2026, 11, 30)
LOCK = f"plan {DAY.isoformat()}"
ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


@pytest.fixture
def region(tmp_path: Path, engine: Engine) -> Path:
    """A small generated region (40 tickets, 4 crews) imported into the test database; returns its folder."""
    out = tmp_path / "region"
    generate_region(n_tickets=40, n_crews=4, day=DAY, seed=3).write(out)
    policy = Policy.load(out / "dispatch.toml")
    with session_scope(engine) as s:
        import_crews(s, out / "crews.csv")
        import_shifts(s, out / "shifts.csv", policy=policy)
        import_zones(s, out / "zones.geojson")
        import_tickets(s, out / "tickets.csv", policy=policy)
    # The same policy with parts of at most 12 tickets: the run fans parts out to a process pool.
    split = (out / "dispatch.toml").read_text(encoding="utf-8")
    assert "max_tickets_per_solve = 1500" in split
    (out / "split.toml").write_text(split.replace("max_tickets_per_solve = 1500", "max_tickets_per_solve = 12"))
    return out


def _plan_process(database_url: str, time_limit: float, policy: Path, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "DISPATCH_DATABASE_URL": database_url, "DISPATCH_POLICY": ""}
    args = ["plan", "--date", DAY.isoformat(), "--time-limit", str(time_limit), "--policy", str(policy), "--json"]
    return subprocess.Popen(
        [sys.executable, "-c", "from cli import main; main()", *args, *extra],
        env=env,
        cwd=ROOT,
        # A shell that runs the suite in the background ignores SIGINT, and children inherit that.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _children(pid: int) -> list[int]:
    """The running processes whose parent is ``pid``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if fields[1] == str(pid) and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _advisory_holders(engine: Engine) -> list[int]:
    """Backend pids holding this schema's plan lock of DAY (bigint advisory keys: classid high, objid low)."""
    key = advisory_key(engine, LOCK) & 0xFFFF_FFFF_FFFF_FFFF
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 "
                "AND classid::bigint = :hi AND objid::bigint = :lo"
            ),
            {"hi": key >> 32, "lo": key & 0xFFFF_FFFF},
        )
        return [r[0] for r in rows]


def _lock_held(engine: Engine) -> bool:
    """Whether some process holds the plan lock of DAY, observed without touching the lock itself."""
    if engine.dialect.name == "postgresql":
        return bool(_advisory_holders(engine))
    path = lock_file(engine, LOCK)
    if not path.exists():
        return False
    inode = f":{path.stat().st_ino} "
    return any(inode in line for line in Path("/proc/locks").read_text().splitlines())


def _plans(engine: Engine) -> int:
    with session_scope(engine) as s:
        return len(s.exec(select(PlanRow)).all())


def _wait_for(condition, what: str, *, timeout: float = 60, proc: subprocess.Popen[str] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the plan run ended before {what}: {proc.communicate()}")
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize(
    ("kill", "policy"),
    [(signal.SIGKILL, "dispatch.toml"), (signal.SIGTERM, "dispatch.toml"), (signal.SIGKILL, "split.toml")],
    ids=["sigkill-portfolio", "sigterm-portfolio", "sigkill-parts"],
)
def test_killed_plan_leaves_no_worker_and_no_lock(
    kill: signal.Signals, policy: str, engine: Engine, database_url: str, region: Path
) -> None:
    """Killing `dispatch plan` mid-solve (the search portfolio, or the pool of region parts) ends its workers
    with it: the lock is free within 5 s and the next run plans and saves."""
    first = _plan_process(database_url, 60, region / policy)
    # A portfolio starts one search process per idle core (one on a busy machine); the parts pool at least two.
    least = 1 if policy == "dispatch.toml" else 2
    _wait_for(lambda: _lock_held(engine) and len(_children(first.pid)) >= least, "the search workers", proc=first)
    time.sleep(0.5)  # the workers are searching
    workers = _children(first.pid)
    first.send_signal(kill)
    first.communicate(timeout=30)
    killed = time.monotonic()
    _wait_for(lambda: not _lock_held(engine) and not any(map(_alive, workers)), "the lock to go", timeout=10)
    assert time.monotonic() - killed < 5
    assert _plans(engine) == 0
    second = _plan_process(database_url, 2, region / policy)
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    assert _plans(engine) == 1


@pytest.fixture
def postgres(engine: Engine) -> Engine:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL lock connections (set DISPATCH_TEST_DATABASE_URL)")
    return engine


def _lock_backend(engine: Engine) -> tuple[int, str]:
    """The backend pid holding the plan lock and its state (idle, idle in transaction, ...)."""
    holders = _advisory_holders(engine)
    assert len(holders) == 1, holders
    with engine.connect() as conn:
        state = conn.execute(text("SELECT state FROM pg_stat_activity WHERE pid = :p"), {"p": holders[0]}).scalar()
    return holders[0], state


def _solving(postgres: Engine, run: subprocess.Popen[str]) -> Callable[[], bool]:
    """Whether the run is mid-solve: it holds the lock and its search portfolio runs (two processes), or,
    where a busy machine gives the search one member in-process, it has held the lock for a second (the
    inputs of 40 tickets load in far less; the solve takes 4 s)."""
    since: list[float] = []

    def check() -> bool:
        if not _advisory_holders(postgres):
            return False
        since[:] = since or [time.monotonic()]
        return len(_children(run.pid)) >= 2 or time.monotonic() - since[0] >= 1.0

    return check


def test_lock_connection_is_never_idle_in_transaction(postgres: Engine, database_url: str, region: Path) -> None:
    """While the run solves, the lock's connection holds no open transaction (idle_in_transaction timeouts
    cannot kill it)."""
    run = _plan_process(database_url, 4, region / "dispatch.toml")
    _wait_for(_solving(postgres, run), "the solve", proc=run)
    _, state = _lock_backend(postgres)
    assert state == "idle"
    out, err = run.communicate(timeout=60)
    assert run.returncode == 0, err


def test_dropped_lock_connection_is_taken_again_and_the_plan_saved(
    postgres: Engine, database_url: str, region: Path
) -> None:
    """pg_terminate_backend of the lock connection mid-solve: the run takes the lock again, saves, exits 0."""
    run = _plan_process(database_url, 4, region / "dispatch.toml")
    _wait_for(_solving(postgres, run), "the solve", proc=run)
    pid, _ = _lock_backend(postgres)
    with postgres.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
    out, err = run.communicate(timeout=60)
    assert run.returncode == 0, err
    assert "Traceback" not in err
    assert _plans(postgres) == 1
    assert not _advisory_holders(postgres)


def test_lock_lost_to_another_run_saves_nothing(postgres: Engine, database_url: str, region: Path) -> None:
    """The lock connection dropped and the lock taken by someone else meanwhile: the run says the lock was
    lost and saves nothing."""
    run = _plan_process(database_url, 4, region / "dispatch.toml")
    _wait_for(_solving(postgres, run), "the solve", proc=run)
    pid, _ = _lock_backend(postgres)
    key = advisory_key(postgres, LOCK)
    with postgres.connect().execution_options(isolation_level="AUTOCOMMIT") as thief:
        assert thief.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
        _wait_for(lambda: not _advisory_holders(postgres), "the server to release the lock", timeout=10)
        assert thief.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
        out, err = run.communicate(timeout=60)
        thief.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
    assert run.returncode == 1, err
    assert "another run holds the lock now; nothing was saved" in err
    assert "Traceback" not in err
    assert _plans(postgres) == 0


@pytest.fixture
def read_only_url(engine: Engine, database_url: str, postgres_url: str | None, region: Path) -> Iterator[str]:
    """The test database, with the region imported, as a read-only one: PostgreSQL in read-only
    transactions, SQLite an immutable file (chmod alone does not stop root, who runs CI)."""
    if postgres_url:
        url = make_url(database_url)
        options = url.query["options"] + " -cdefault_transaction_read_only=on"
        yield url.update_query_dict({"options": options}).render_as_string(hide_password=False)
        return
    path = Path(engine.url.database)  # type: ignore[arg-type]
    path.chmod(0o444)
    immutable = os.geteuid() == 0
    if immutable and subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        path.chmod(0o644)
        pytest.skip("chattr +i is not available here, and root ignores file modes")
    try:
        yield database_url
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        path.chmod(0o644)


def test_read_only_database_fails_before_solving(engine: Engine, region: Path, read_only_url: str) -> None:
    """A plan on a database that refuses writes stops at once with a clear message, not after the solve."""
    started = time.monotonic()
    result = runner.invoke(
        app,
        ["plan", "--date", DAY.isoformat(), "--time-limit", "30", "--policy", str(region / "dispatch.toml")],
        env={"DISPATCH_DATABASE_URL": read_only_url, "DISPATCH_POLICY": ""},
    )
    assert result.exit_code == 1, result.output
    assert time.monotonic() - started < 10
    assert "does not accept writes" in result.stderr and "nothing was done" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    ro = make_engine(read_only_url)
    try:
        assert _plans(ro) == 0
    finally:
        ro.dispose()
