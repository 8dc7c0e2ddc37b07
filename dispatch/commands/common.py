"""What every command shares: the options, the database, the policy, error reporting, plan rendering."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from dispatch.core.clock import PLAUSIBLE_YEARS
from dispatch.core.jsonread import PlanFormatError
from dispatch.core.policy import Policy, PolicyError
from dispatch.planning.roads import RoadsError
from dispatch.planning.solve import PartsDone, PartsProgress
from dispatch.runtime.cluster import SCHEDULER_ENV, Cluster, ClusterError, ClusterInfo, TaskFailed
from dispatch.store.db import database_url, make_engine, session_scope
from dispatch.store.schema import SchemaError, create_schema

# Soft wrap: long messages stay one line (for grep and pipes); tables still fit the terminal.
console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

PolicyOption = Annotated[
    Path | None,
    typer.Option(
        "--policy",
        help="Policy file (dispatch.toml). Default: $DISPATCH_POLICY, else ./dispatch.toml if present, "
        "else the built-in defaults.",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for machines instead of tables.")]

SchedulerOption = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help=f"Dask scheduler to run the parts (or sweep points) on, e.g. tcp://host:8786. Default: ${SCHEDULER_ENV}, "
        "else a local cluster when two or more can run side by side; 'local' for one even where that is set.",
    ),
]
JobsOption = Annotated[
    int | None,
    typer.Option("--jobs", min=1, max=256, help="Worker processes of the local cluster (default: one per core)."),
]
# Failures of fanned-out work that commands report as errors: no traceback, nothing saved.
CLUSTER_FAILURES = (ClusterError, TaskFailed)


def cluster_for(scheduler: str | None, jobs: int | None) -> Cluster:
    """Where a command's parts or points run; the cluster's scheduler and dashboard are printed on stderr."""

    def announce(info: ClusterInfo) -> None:
        err_console.print(info.sentence(), markup=False)

    return Cluster(scheduler=scheduler, jobs=jobs, announce=announce)


# The longest search a command accepts (a day), the largest count and the largest database id.
MAX_TIME_LIMIT_S = 86_400.0
MAX_COUNT = 1_000_000
MAX_ID = 2**31 - 1


@contextmanager
def parts_status(what: str, *, show: bool = True) -> Iterator[PartsProgress | None]:
    """A status line on stderr while ``what`` runs, and a callback that shows a region's parts solved and
    tickets served so far by priority (the last count stays printed)."""
    if not show:
        yield None
        return
    with err_console.status(what) as status:

        def on_part(done: PartsDone) -> None:
            status.update(f"{what}; {done.sentence()}")
            if done.done and done.done == done.total:
                err_console.print(done.sentence(), markup=False)

        yield on_part


def check_seconds(value: float | None) -> float | None:
    """A ``--time-limit``: a finite number of seconds above 0 and at most a day (NaN, inf and -5 are refused)."""
    if value is not None and not (math.isfinite(value) and 0 < value <= MAX_TIME_LIMIT_S):
        raise typer.BadParameter(f"expected seconds greater than 0 and at most {MAX_TIME_LIMIT_S:.0f}, got {value}")
    return value


def check_coordinate(lo: float, hi: float) -> Any:
    """A callback refusing a coordinate outside ``lo..hi`` (and NaN or infinity)."""

    def check(value: float | None) -> float | None:
        if value is not None and not (math.isfinite(value) and lo <= value <= hi):
            raise typer.BadParameter(f"expected a number between {lo:g} and {hi:g}, got {value}")
        return value

    return check


TimeLimitSeconds = Annotated[
    float | None,
    typer.Option("--time-limit", callback=check_seconds, help="Solver seconds (default: policy solver.time_limit_s)."),
]


def fail(
    problems: str | Sequence[str],
    *,
    as_json: bool = False,
    warnings: Sequence[str] = (),
    summary: str | None = None,
    code: int = 1,
) -> NoReturn:
    """Stop the command with exit ``code``: the warnings, each problem as ``error: ...`` and the summary
    line on stderr; with ``as_json`` also ``{"ok": false, "errors": [...], "warnings": [...]}`` on stdout."""
    lines = [problems] if isinstance(problems, str) else list(problems)
    for warning in warnings:
        err_console.print(f"warning: {warning}", markup=False)
    for line in lines:
        err_console.print(f"error: {line}", markup=False)
    if summary:
        err_console.print(summary, markup=False)
    if as_json:
        print_json({"ok": False, "errors": lines, "warnings": list(warnings)})
    raise typer.Exit(code=code)


def database_problem(exc: SQLAlchemyError) -> str:
    """A database error as one problem: its class and the driver's message (with any DETAIL line)."""
    return f"database: {exc.__class__.__name__}: {exc.args[0] if exc.args else exc}"


@contextmanager
def reported(*refusals: type[Exception], as_json: bool = False) -> Iterator[None]:
    """Known failures as ``error:`` lines on stderr and exit 1, never a traceback: the ``refusals``
    (their ``problems`` list if they have one, else their message), a bad policy file, database errors."""
    try:
        yield
    except refusals as exc:
        fail(getattr(exc, "problems", None) or str(exc), as_json=as_json)
    except CLUSTER_FAILURES as exc:
        fail(f"{exc}; nothing was saved", as_json=as_json)
    except PolicyError as exc:
        fail(str(exc), as_json=as_json)
    except RoadsError as exc:  # road tiles missing, a bad closures file, a ticket off the roads
        fail(exc.problems, as_json=as_json)
    except PlanFormatError as exc:
        fail(f"stored plan does not follow the plan format: {exc}", as_json=as_json)
    except SQLAlchemyError as exc:
        fail(database_problem(exc), as_json=as_json)


def policy_file(path: Path | None) -> Path | None:
    """The policy file to read: ``path``, else ``$DISPATCH_POLICY``, else ``./dispatch.toml`` if present,
    else None (the built-in defaults)."""
    if path is not None:
        return path
    env = os.environ.get("DISPATCH_POLICY")
    if env:
        return Path(env)
    local = Path("dispatch.toml")
    return local if local.exists() else None


def load_policy(path: Path | None, *, as_json: bool = False) -> Policy:
    """The policy of :func:`policy_file`; a bad file fails the command with the policy's own message."""
    try:
        return Policy.load(policy_file(path))
    except PolicyError as exc:
        fail(str(exc), as_json=as_json)


def open_engine(
    url: str | None = None, *, existing: bool = False, as_json: bool = False, check_schema: bool = True
) -> Engine:
    """The database (``url``, else ``$DISPATCH_DATABASE_URL``, else ./dispatch.db), ready for a command: a new
    empty database is created at the head revision; one behind, ahead of this version, or made before
    migrations fails the command with one line saying what to do (``dispatch db upgrade``).
    ``existing``: a SQLite file that is not there is an error instead of a new empty database.
    ``check_schema=False``: the database as it is, schema untouched (the ``db`` commands)."""
    url = url or database_url()
    if existing:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database and not Path(parsed.database).exists():
            fail(f"database file {parsed.database} not found: set DISPATCH_DATABASE_URL or import data first")
    try:
        engine = make_engine(url)
    except Exception as exc:  # a bad URL: say which, not a traceback
        fail(f"cannot open the database: {exc}", as_json=as_json)
    if not check_schema:
        return engine
    try:
        create_schema(engine)
    except SchemaError as exc:
        engine.dispose()
        fail(str(exc), as_json=as_json)
    except Exception as exc:  # an unreachable server, a file that is not a database: say which
        engine.dispose()
        fail(f"cannot open the database: {exc}", as_json=as_json)
    return engine


@contextmanager
def transaction(*refusals: type[Exception], existing: bool = True) -> Iterator[Session]:
    """One transaction on :func:`open_engine`, committed at the end; on one of the ``refusals`` (or a
    database error) it is rolled back and the command fails with the message. ``existing`` (the default:
    these commands read or change data imported before) refuses to create a new SQLite file."""
    engine = open_engine(existing=existing)
    try:
        with reported(*refusals), session_scope(engine) as session:
            yield session
    finally:
        engine.dispose()


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def parse_time(text: str, *, day: dt.date, tz: ZoneInfo, what: str) -> dt.datetime:
    """``HH:MM`` on ``day``, or an ISO 8601 time (no offset: ``tz``); else the command fails naming ``what``."""
    try:
        if len(text) <= 5:
            return dt.datetime.combine(day, dt.time.fromisoformat(text), tzinfo=tz)
        dt.date.fromisoformat(text)
    except ValueError:
        pass
    else:  # a date alone would silently become midnight
        fail(f"{what}: {text!r} is a date without a time of day (HH:MM, or 2026-11-30T09:10)")
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        fail(f"{what}: {text!r} is not a time (HH:MM, or 2026-11-30T09:10, or 2026-11-30T09:10+07:00)")
    if value.year not in PLAUSIBLE_YEARS:
        fail(f"{what}: {text!r} is not a plausible time (years {PLAUSIBLE_YEARS.start} to {PLAUSIBLE_YEARS.stop - 1})")
    return value if value.tzinfo is not None else value.replace(tzinfo=tz)


# dispatch.io.sheets.i18n.LANGUAGES (a test checks), known here without loading the sheets and their libraries.
LANGUAGES = ("id", "en")


def check_lang(value: str) -> str:
    """A ``--lang`` value: id (Bahasa Indonesia) or en; else the usual usage error naming the option."""
    if value not in LANGUAGES:
        raise typer.BadParameter(f"expected id (Bahasa Indonesia) or en, got {value!r}")
    return value


# The dispatcher's language: Bahasa Indonesia unless --lang en.
LangOption = Annotated[
    str, typer.Option(callback=check_lang, help="id (Bahasa Indonesia) or en: the language of the answer.")
]
