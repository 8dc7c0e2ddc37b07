"""Benchmark: a 9-value sweep of the home cap on the sample region, as `dispatch scenario sweep` runs it.

    .venv/bin/python bench/sweep.py [--time-limit 10] [--jobs N] [--out DIR]

Imports data/sample into a fresh SQLite file (not timed), then times the sweep of
exposure.max_homes_per_shift = 4..12 on the sample's base date: loading the live data read-only,
nine reproducible plans in a process pool (one solver process each, one plan per core), storing
the nine runs, writing the CSV and drawing the trade-off chart. Prints the wall time against the
target 9 x time_limit / cores + 30 s, the grid, and where the CSV and the chart are.
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
from dispatch.runtime.fanout import available_cores
from dispatch.scenarios.charts import draw_sweep
from dispatch.scenarios.parse import load_scenario
from dispatch.scenarios.sweep import parse_set, write_sweep_csv
from dispatch.store.db import make_engine, session_scope  # noqa: E402  (project root on the path first)
from dispatch.store.schema import create_schema  # noqa: E402
from dispatch.usecases.scenarios import run_sweep

SAMPLE = ROOT / "data" / "sample"
SCENARIO = ROOT / "data" / "scenarios" / "baseline.toml"
SET = "exposure.max_homes_per_shift=4..12"


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
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="sweep-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    console = Console(highlight=False)

    db = out / "dispatch.db"
    db.unlink(missing_ok=True)
    url = f"sqlite:///{db}"
    policy = import_sample(url)
    scenario = load_scenario(SCENARIO)
    sets = [parse_set(SET)]
    cores = available_cores()
    jobs = args.jobs or cores
    target = 9 * args.time_limit / cores + 30

    load_before = os.getloadavg()[0]
    cpu0 = _cpu_seconds()
    t0 = time.perf_counter()
    result = run_sweep(url, scenario, sets, policy=policy, time_limit=args.time_limit, jobs=jobs)
    csv_path = write_sweep_csv(result, out / "sweep-home-cap.csv")
    png_path = draw_sweep(result, out / "sweep-home-cap.png")
    wall = time.perf_counter() - t0
    cpu = _cpu_seconds() - cpu0
    load_after = os.getloadavg()[0]

    table = Table(title=f"Sweep {SET} on the sample region ({result.runs[0].kpis['tickets']} tickets)")
    for col in ("cap", "served", "P1 served", "P1 mean response h", "homes/worker max", "exposure/worker max",
                "solutions", "plan s", "Pareto"):  # fmt: skip
        table.add_column(col, justify="right")
    for row in result.table():
        table.add_row(
            str(row["exposure.max_homes_per_shift"]),
            str(row["served"]),
            str(row["served_p1"]),
            f"{row['p1_response_h_mean']:.2f}" if row["p1_response_h_mean"] is not None else "-",
            str(row["homes_per_worker_max"]),
            f"{row['exposure_min_per_worker_max']:.0f}",
            str(row["solution_limit"]),
            f"{row['wall_time_s']:.1f}",
            "*" if row["pareto"] else "",
        )
    console.print(table)
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
    return 0 if wall <= target else 1


if __name__ == "__main__":
    sys.exit(main())
