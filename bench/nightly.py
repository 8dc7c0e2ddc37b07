"""Nightly plan benchmark: generated regions of 1,000 tickets / 40 crews and 10,000 / 300.

For each size, in a fresh process (so peak memory is its own): generate the region, import it into
a new SQLite file, plan the day, save the plan. Prints the time spent outside the solver (import,
load, problem and matrix build, document, save; targets 5 s and 30 s), the solver's time, tickets
served by priority and peak memory (target 1 GB at 1,000 tickets).

    .venv/bin/python bench/nightly.py [--time-limit 30] [--sizes 1000x40,10000x300] [--roads TILES]

Travel is great-circle (the baseline every figure is compared with) unless ``--roads TILES`` names
road tiles (e.g. the sample network's, built by bench/roads_cost.py or `dispatch roads build`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

DAY = dt.date(2026, 11, 30)


def run_one(n_tickets: int, n_crews: int, time_limit: float, roads: str = "") -> dict:
    from dispatch.core.policy import Policy
    from dispatch.io.importing.crews import import_crews
    from dispatch.io.importing.shifts import import_shifts
    from dispatch.io.importing.tickets import import_tickets
    from dispatch.io.importing.zones import import_zones
    from dispatch.sample.region import generate_region
    from dispatch.store.db import make_engine, session_scope
    from dispatch.store.schema import create_schema
    from dispatch.usecases.nightly import run_plan

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "region"
        generate_region(n_tickets=n_tickets, n_crews=n_crews, day=DAY, seed=11).write(folder)
        policy = Policy.load(folder / "dispatch.toml")
        if roads:  # only when asked: the baseline stays great-circle
            policy = policy.with_overrides({"travel.engine": "roads", "travel.tiles": roads})
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        create_schema(engine)
        t0 = time.perf_counter()
        with session_scope(engine) as s:
            import_crews(s, folder / "crews.csv")
            import_shifts(s, folder / "shifts.csv", policy=policy)
            import_zones(s, folder / "zones.geojson")
            # Imported at midnight before DAY, whatever today's date (reports in the future are refused).
            midnight = dt.datetime.combine(DAY, dt.time(0, 0), tzinfo=ZoneInfo(policy.region.timezone))
            import_tickets(s, folder / "tickets.csv", policy=policy, now=midnight)
        t_import = time.perf_counter() - t0
        t0 = time.perf_counter()
        # The nightly job as the CLI runs it: lock, load, solve, save (the same use case).
        run = run_plan(
            engine=engine,
            day=DAY,
            policy=policy,
            time_limit=time_limit,
            reproducible=False,
            now=dt.datetime.now(dt.UTC),
        )
        t_plan = time.perf_counter() - t0
        engine.dispose()
    timings = run.timings
    outside = timings["load_s"] + timings["build_s"] + timings["document_s"] + timings["save_s"]
    summary = run.plan.to_json()["summary"]
    peak_mb = (
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    ) / 1024
    return {
        "tickets": n_tickets,
        "crews": n_crews,
        "time_limit_s": time_limit,
        "import_s": round(t_import, 2),
        "outside_solver_s": round(outside, 2),
        "load_s": timings["load_s"],
        "build_s": timings["build_s"],
        "save_s": timings["save_s"],
        "solver_s": timings["solve_s"],
        "plan_total_s": round(t_plan, 2),
        "groups": timings["groups"],
        "served": summary["served"],
        "served_by_priority": summary["served_by_priority"],
        "unassigned_by_reason": summary["unassigned_by_reason"],
        "peak_memory_mb": round(peak_mb),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--sizes", default="1000x40,10000x300")
    parser.add_argument("--roads", default="", help="road tiles folder: plan on roads (default: great-circle)")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        n, c = (int(x) for x in args.one.split("x"))
        print(json.dumps(run_one(n, c, args.time_limit, args.roads)))
        return
    targets = {1000: 5.0, 10000: 30.0}
    for size in args.sizes.split(","):
        out = subprocess.run(
            [sys.executable, __file__, "--one", size, "--time-limit", str(args.time_limit), "--roads", args.roads],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        target = targets.get(r["tickets"])
        print(
            f"{r['tickets']:>6} tickets / {r['crews']:>3} crews: outside solver {r['outside_solver_s']:.2f} s"
            + (f" (target <= {target:.0f} s)" if target else "")
            + f" [load {r['load_s']} s, build+matrix {r['build_s']} s, save {r['save_s']} s; import {r['import_s']} s]"
            f", solver {r['solver_s']:.1f} s (limit {r['time_limit_s']:.0f} s, {r['groups']} group(s)),"
            f" plan total {r['plan_total_s']:.1f} s, peak memory {r['peak_memory_mb']} MB"
        )
        print(
            f"        served {r['served']} by priority {r['served_by_priority']}; "
            f"unassigned {r['unassigned_by_reason']}"
        )


if __name__ == "__main__":
    main()
