"""The demo: the bundled sample region in a new SQLite file, the next day planned, published, sheets written."""

from __future__ import annotations

import datetime as dt
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from dispatch.core.plan import Plan, PlanStatus
from dispatch.core.policy import Policy
from dispatch.io.importing.crews import import_crews
from dispatch.io.importing.shifts import import_shifts
from dispatch.io.importing.tickets import import_tickets
from dispatch.io.importing.zones import import_zones
from dispatch.planning.roads import build_road_tiles
from dispatch.runtime.files import check_output_dir, replace_file
from dispatch.sample.roads import write_sample_roads
from dispatch.store.db import make_engine, session_scope
from dispatch.store.models.tickets import TicketRow
from dispatch.store.schema import create_schema
from dispatch.usecases.nightly import SearchProgress, publish, run_plan
from dispatch.usecases.sheets import write_plan_sheets


def sample_dir() -> Path:
    """The bundled sample region (crews, shifts, zones, tickets and its policy file)."""
    return Path(str(resources.files("data") / "sample"))


# Written in every folder the demo fills: a later demo may replace what a demo wrote there, nothing else.
DEMO_MARKER = ".dispatch-demo"
# What the demo (re)writes in its folder besides sheets/: a live database, a policy, a plan export.
DEMO_FILES = ("dispatch.db", "dispatch.toml", "plan.json")


class DemoFolderInUse(ValueError):
    """The demo's folder holds a database, policy or plan the demo did not write; nothing was touched."""


def check_demo_folder(out: Path, *, force: bool = False) -> None:
    """Raise :class:`DemoFolderInUse` if ``out`` holds files the demo would replace (``DEMO_FILES``) and no
    earlier demo wrote them, unless ``force``."""
    if force or (out / DEMO_MARKER).exists():
        return
    if out.exists() and not out.is_dir():
        raise DemoFolderInUse(f"--out {out}: exists and is not a folder")
    taken = [name for name in DEMO_FILES if (out / name).exists()]
    if taken:
        raise DemoFolderInUse(
            f"--out {out}: the folder holds {', '.join(taken)}, not written by a demo, which the demo would "
            "replace (a live database?); nothing was touched. Choose another folder, or add --force to replace them"
        )


@dataclass(frozen=True)
class DemoRun:
    database: Path
    day: dt.date
    plan: Plan
    imported: dict[str, int]
    sheets: tuple[Path, ...]
    sheets_s: float


def run_demo(
    *,
    out: Path,
    time_limit: float,
    lang: str,
    now: dt.datetime,
    progress: SearchProgress | None = None,
    force: bool = False,
    roads: bool = False,
    roads_progress: Callable[[str], None] | None = None,
) -> DemoRun:
    """Import the sample into ``out/dispatch.db`` (made anew), plan the day after its newest ticket,
    publish it, and write ``out/plan.json`` and the route sheets in ``out/sheets/``.

    ``roads``: plan on the sample's synthetic road network (written to ``out/roads/``, its tiles built
    once and kept while the network is unchanged; ``roads_progress`` gets the builder's lines).

    A folder holding a database, policy or plan that no demo wrote is refused (:func:`check_demo_folder`)
    unless ``force``."""
    src = sample_dir()
    check_demo_folder(out, force=force)
    check_output_dir(out, what="--out")
    out.mkdir(parents=True, exist_ok=True)
    (out / DEMO_MARKER).write_text("written by `dispatch demo`: a later demo may replace this folder's files\n")
    db = out / "dispatch.db"
    if db.exists():
        db.unlink()
    shutil.copy(src / "dispatch.toml", out / "dispatch.toml")
    if roads:
        _use_sample_roads(out, roads_progress)
    policy = Policy.load(out / "dispatch.toml")
    engine = make_engine(f"sqlite:///{db}")
    create_schema(engine)
    imported: dict[str, int] = {}
    try:
        with session_scope(engine) as session:
            imported["crews"] = import_crews(session, src / "crews.csv").accepted
            imported["shifts"] = import_shifts(session, src / "shifts.csv", policy=policy).accepted
            imported["zones"] = import_zones(session, src / "zones.geojson").accepted
            imported["tickets"] = import_tickets(session, src / "tickets.csv", policy=policy).accepted
        with session_scope(engine) as session:
            newest = session.exec(select(TicketRow.reported_at).order_by(col(TicketRow.reported_at).desc())).first()
        tz = ZoneInfo(policy.region.timezone)
        day = newest.astimezone(tz).date() + dt.timedelta(days=1) if newest else now.astimezone(tz).date()
        plan = run_plan(
            engine=engine,
            day=day,
            policy=policy,
            time_limit=time_limit,
            reproducible=False,
            now=now,
            progress=progress,
        ).plan
        with session_scope(engine) as session:
            publish(session, plan_id=plan.plan_id, now=now)  # type: ignore[arg-type]
        plan = plan.with_(status=PlanStatus.PUBLISHED.value)
        with replace_file(out / "plan.json", what="--out") as handle:
            handle.write(plan.dumps(indent=2) + "\n")
        t0 = time.monotonic()
        with session_scope(engine) as session:
            files = write_plan_sheets(session, plan=plan, policy=policy, out=out / "sheets", lang=lang, crew=None)
    finally:
        engine.dispose()
    return DemoRun(db, day, plan, imported, tuple(files), time.monotonic() - t0)


def _use_sample_roads(out: Path, progress: Callable[[str], None] | None) -> None:
    """Write the sample's synthetic road network, build its tiles (skipped when unchanged) and point the
    demo's policy at them, with a matrix cache beside them."""
    folder = (out / "roads").resolve()
    extract = write_sample_roads(folder / "sample-roads.osm.pbf")
    build_road_tiles(extract, folder / "tiles", progress=progress)
    policy = out / "dispatch.toml"
    text = policy.read_text(encoding="utf-8")
    table = "\n[travel]\n"
    if table not in text:  # pragma: no cover - the bundled policy has a [travel] table
        raise ValueError(f"{policy}: no [travel] table to switch to roads")
    roads = f'{table}engine = "roads"\ntiles = "{folder / "tiles"}"\ncache = "{folder / "cache"}"\n'
    policy.write_text(text.replace(table, roads, 1), encoding="utf-8")
