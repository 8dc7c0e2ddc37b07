"""Benchmark: a 9-value sweep of a cap on the sample region, as `dispatch scenario sweep` runs it.

    .venv/bin/python bench/sweep.py [--set KEY=VALUES] [--time-limit 10] [--jobs N] [--out DIR]

Imports data/sample into a fresh SQLite file (not timed), then times the sweep (default: the
weighted-exposure cap, exposure.max_exposure_min_per_shift = 60..180:15; or --set, e.g.
exposure.max_homes_per_shift=4..12) on the sample's base date: loading the live data read-only,
nine reproducible plans on a local Dask cluster (one solver process each, one plan per core), each
searched from the base plan's routes, storing the nine runs, writing the CSV and drawing the chart.
Prints the grid with served by priority and how many sit at each limit, one line per step, where the
swept cap binds, and checks the target: served by priority (P1, then P2, P3, P4) never falls when the
cap loosens by one step (exit 1 if it does). Also prints the wall time beside 9 x time_limit / cores
+ 30 s and the load average (the machine is shared).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dispatch.core.policy import Policy  # noqa: E402
from dispatch.io.importing.crews import import_crews  # noqa: E402
from dispatch.io.importing.shifts import import_shifts  # noqa: E402
from dispatch.io.importing.tickets import import_tickets  # noqa: E402
from dispatch.io.importing.zones import import_zones  # noqa: E402
from dispatch.runtime.fanout import available_cores  # noqa: E402
from dispatch.scenarios.charts import draw_sweep  # noqa: E402
from dispatch.scenarios.compare import monotone_falls, monotone_text, step_answers, sweep_verdict  # noqa: E402
from dispatch.scenarios.parse import load_scenario  # noqa: E402
from dispatch.scenarios.sweep import parse_set, write_sweep_csv  # noqa: E402
from dispatch.store.db import make_engine, session_scope  # noqa: E402  (project root on the path first)
from dispatch.store.schema import create_schema  # noqa: E402
from dispatch.usecases.scenarios import run_sweep  # noqa: E402

SAMPLE = ROOT / "data" / "sample"
SCENARIO = ROOT / "data" / "scenarios" / "baseline.toml"
SET = "exposure.max_exposure_min_per_shift=60..180:15"


def import_sample(url: str) -> Policy:
    engine = make_engine(url)
    create_schema(engine)
    policy = Policy.load(SAMPLE / "dispatch.toml")
    with session_scope(engine) as s:
        import_crews(s, SAMPLE / "crews.csv")
        import_shifts(s, SAMPLE / "shifts.csv", policy=policy)
        import_zones(s, SAMPLE / "zones.geojson")
        import_tickets(s, SAMPLE / "tickets.csv", policy=policy)
    engine.dispose()
    return policy


def _cpu_seconds() -> float:
    """User + system CPU of this process and of its finished children (the pool's plan processes)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=10.0, help="search effort per plan, seconds")
    parser.add_argument("--jobs", type=int, default=None, help="plans at once (default: one per core)")
    parser.add_argument("--out", type=Path, default=None, help="directory for the database, CSV and chart")
    parser.add_argument("--set", dest="set_", default=SET, help=f"the swept policy value (default {SET})")
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="sweep-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    console = Console(highlight=False, width=200)

    db = out / "dispatch.db"
    db.unlink(missing_ok=True)
    url = f"sqlite:///{db}"
    policy = import_sample(url)
    scenario = load_scenario(SCENARIO)
    sets = [parse_set(args.set_)]
    key = sets[0][0]
    cores = available_cores()
    jobs = args.jobs or cores
    target = 9 * args.time_limit / cores + 30

    load_before = os.getloadavg()[0]
    cpu0 = _cpu_seconds()
    t0 = time.perf_counter()
    result = run_sweep(url, scenario, sets, policy=policy, time_limit=args.time_limit, jobs=jobs)
    csv_path = write_sweep_csv(result, out / "sweep.csv")
    png_path = draw_sweep(result, out / "sweep.png")
    wall = time.perf_counter() - t0
    cpu = _cpu_seconds() - cpu0
    load_after = os.getloadavg()[0]

    table = Table(title=f"Sweep {args.set_} on the sample region ({result.runs[0].kpis.tickets} tickets)")
    for col in ("value", "served", "P1/P2/P3/P4", "customers not reached", "homes/worker max", "exposure/worker max",
                "at home cap", "at exposure cap", "out of shift time", "plan s", "Pareto"):  # fmt: skip
        table.add_column(col, justify="right")
    for row in result.table():
        table.add_row(
            str(row[key]),
            str(row["served"]),
            "/".join(str(row[f"served_p{p}"]) for p in (1, 2, 3, 4)),
            str(row["customers_unserved"]),
            str(row["homes_per_worker_max"]),
            f"{row['exposure_min_per_worker_max']:.0f}",
            f"{row['workers_at_home_cap']}/{row['workers']}",
            f"{row['workers_at_exposure_cap']}/{row['workers']}",
            f"{row['crews_out_of_shift_time']}/{row['crews_with_visits']}",
            f"{row['wall_time_s']:.1f}",
            "*" if row["pareto"] else "",
        )
    console.print(table)
    points = result.points()
    for line in step_answers(points, key):
        console.print(line, markup=False)
    console.print(sweep_verdict(points, key), markup=False)
    falls = monotone_falls(points, key)
    again = [f"{run.overrides[key]} (from {run.again_from[key]})" for run in result.runs if run.again_from]
    console.print(
        f"points planned again from a tighter point's routes after their own search served fewer: "
        f"{len(again)} of {len(result.runs)}" + (f": {', '.join(again)}" if again else ""),
        markup=False,
    )
    mark = "[red]TARGET MISSED[/red]" if falls else "[green]target met[/green]"
    console.print(f"{mark}: {monotone_text(points, key)}")
    verdict = "[green]within target[/green]" if wall <= target else "[red]OVER target[/red]"
    console.print(
        f"9 plans, time limit {args.time_limit:g} s each ({result.runs[0].solution_limit} solutions), "
        f"{result.jobs} processes on {cores} cores: wall {wall:.1f} s; target 9 x {args.time_limit:g} / {cores} + 30 "
        f"= {target:.1f} s: {verdict}"
    )
    console.print(
        f"CPU used by this process and its plan processes: {cpu:.1f} s (a machine to ourselves would need about "
        f"{cpu / min(jobs, cores):.1f} s of wall time); load average {load_before:.1f} before, {load_after:.1f} after "
        f"on {cores} cores",
        markup=False,
    )
    console.print(f"CSV:   {csv_path}\nChart: {png_path}", markup=False)
    return 1 if falls else 0


if __name__ == "__main__":
    sys.exit(main())
