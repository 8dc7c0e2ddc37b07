"""Benchmark on a synthetic 1,000-ticket dispatch day around Cirebon (lon 108.5, lat -6.7).

    .venv/bin/python bench/synthetic.py [--jobs 1000] [--crews 40] [--time-limit 30] [--seed 7]

Built directly with the solver's Model: great-circle travel, 40 crews on day shifts from four
service offices, lunch breaks, caps on homes entered and exposure minutes, skills, a few
contaminating (isolating-household) tickets, priorities 1-4 and some time windows. Prints the
time to the first solution (target <= 3 s), the solver's wall time, tickets served by priority
and the peak memory of this process and of the largest child (target <= 1 GB together).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from solver import (  # noqa: E402  (needs the project root on the path when run as a script)
    Break,
    GreatCircleTravel,
    Model,
    Objective,
    Problem,
    TimeWindow,
    solve,
)

HOUR = 3600
CENTRE = (108.5, -6.7)  # lon, lat
# Service offices (ULP) the crews start from and return to.
OFFICES = (
    ("ULP Cirebon Kota", 108.556, -6.717),
    ("ULP Sumber", 108.480, -6.760),
    ("ULP Arjawinangun", 108.410, -6.650),
    ("ULP Palimanan", 108.440, -6.700),
)
TARGET_FIRST_SOLUTION_S = 3.0
TARGET_MEMORY_MB = 1024.0


def build_problem(*, jobs: int, crews: int, seed: int) -> Problem:
    """A reproducible dispatch day: the same ``seed`` gives the same problem."""
    rng = np.random.default_rng(seed)
    m = Model()
    offices = [m.add_site(x=x, y=y, name=name) for name, x, y in OFFICES]

    for c in range(crews):
        office = offices[c % len(offices)]
        early = c % 3 == 0
        start = (7 if early else 8) * HOUR
        shift = TimeWindow(start, start + 8 * HOUR)
        lunch = Break(id="lunch", window=TimeWindow(11 * HOUR + 1800, 13 * HOUR + 1800), duration=2700)
        skills = {"lv"} | ({"mv"} if c % 3 == 1 else set()) | ({"meter"} if c % 2 == 0 else set())
        m.add_crew(
            id=f"C{c + 1:02d}",
            start=office,
            shift=shift,
            max_work=7 * HOUR + 1800,
            skills=skills,
            max_homes=int(rng.integers(8, 15)),
            max_exposure=int(rng.integers(60, 121)) * 60,
            breaks=[lunch],
            speed_factor=1.5 if c % 4 == 0 else 1.0,  # every fourth crew rides motorcycles
        )

    # Tickets cluster around the towns, with a thin rural spread (about 25 km across).
    towns = np.array([(x, y) for _, x, y in OFFICES])
    which = rng.integers(0, len(towns), size=jobs)
    spread = np.where(rng.random(jobs) < 0.8, 0.03, 0.08)
    lon = towns[which, 0] + rng.normal(0, 1, jobs) * spread
    lat = towns[which, 1] + rng.normal(0, 1, jobs) * spread
    priorities = rng.choice([1, 2, 3, 4], size=jobs, p=[0.05, 0.15, 0.40, 0.40])
    contaminating = set(rng.choice(jobs, size=max(1, jobs // 200), replace=False).tolist())
    for j in range(jobs):
        site = m.add_site(x=float(lon[j]), y=float(lat[j]), name=f"T{j + 1:04d}")
        p = int(priorities[j])
        home = j in contaminating or rng.random() < 0.35
        kind = rng.random()
        skills = ["mv"] if kind < 0.1 else (["meter"] if kind < 0.3 else ["lv"])
        windows: list[TimeWindow] = []
        if rng.random() < 0.2:  # customer appointment: a two-hour slot
            slot = int(rng.integers(8, 14)) * HOUR
            windows.append(TimeWindow(slot, slot + 2 * HOUR))
        service = int(rng.integers(10, 31)) * 60
        m.add_job(
            id=f"T{j + 1:04d}",
            site=site,
            service=service,
            time_windows=windows,
            skills=skills,
            priority=p,
            customers=int(rng.integers(20, 200)) if p == 1 else int(rng.integers(1, 4)),
            enters_home=home,
            exposure=int(service * rng.uniform(0.5, 1.0)) if home else 0,
            contaminating=j in contaminating,
        )
    m.set_objective(Objective(travel_time_weight=20, distance_weight=0, wait_weight=1))
    return m.build(GreatCircleTravel(circuity=1.35, speed_kmh=30.0))


def _peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024.0  # Linux reports KiB


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=1000, help="tickets (default 1000)")
    parser.add_argument("--crews", type=int, default=40, help="crews (default 40)")
    parser.add_argument("--time-limit", type=float, default=30.0, help="seconds of search (default 30)")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the instance (default 7)")
    args = parser.parse_args(argv)
    if args.jobs < 1 or args.crews < 1 or args.time_limit <= 0:
        print("error: --jobs, --crews and --time-limit must be positive", file=sys.stderr)
        return 2

    console = Console(width=None if sys.stdout.isatty() else 130)  # wide enough in a file or pipe
    t0 = time.perf_counter()
    problem = build_problem(jobs=args.jobs, crews=args.crews, seed=args.seed)
    build_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    solution = solve(problem, time_limit=args.time_limit)
    solve_s = time.perf_counter() - t1
    stats = solution.stats

    total = Counter(j.priority for j in problem.jobs)
    served_ids = solution.assigned_job_ids()
    served = Counter(problem.job(jid).priority for jid in served_ids)
    reasons = Counter(u.reason.value for u in solution.unassigned)

    table = Table(title=f"synthetic dispatch day: {args.jobs} tickets, {args.crews} crews, seed {args.seed}")
    table.add_column("priority")
    table.add_column("tickets", justify="right")
    table.add_column("served", justify="right")
    table.add_column("share", justify="right")
    for p in sorted(total):
        table.add_row(f"P{p}", str(total[p]), str(served[p]), f"{100 * served[p] / total[p]:.1f} %")
    table.add_row("all", str(sum(total.values())), str(len(served_ids)), f"{100 * len(served_ids) / args.jobs:.1f} %")
    console.print(table)

    self_mb, child_mb = _peak_mb(resource.RUSAGE_SELF), _peak_mb(resource.RUSAGE_CHILDREN)
    first_ok = stats.first_solution_time <= TARGET_FIRST_SOLUTION_S
    memory_ok = self_mb + child_mb <= TARGET_MEMORY_MB
    console.print(f"problem build (travel matrices): {build_s:.2f} s")
    console.print(
        f"time to first solution: {stats.first_solution_time:.2f} s "
        f"(target <= {TARGET_FIRST_SOLUTION_S:g} s: {'met' if first_ok else 'MISSED'})"
    )
    console.print(
        f"solver wall time: {stats.wall_time:.1f} s (solve() returned after {solve_s:.1f} s, "
        f"limit {args.time_limit:g} s); {stats.solutions} solutions, strategy {stats.strategy}, "
        f"status {stats.status}"
    )
    console.print(f"crews used: {len(solution.used_routes)} of {len(solution.routes)}")
    if reasons:
        console.print("unassigned by reason: " + ", ".join(f"{k} {v}" for k, v in sorted(reasons.items())))
    console.print(
        f"peak memory: this process {self_mb:.0f} MB, largest child {child_mb:.0f} MB, "
        f"sum {self_mb + child_mb:.0f} MB (target <= {TARGET_MEMORY_MB:.0f} MB: "
        f"{'met' if memory_ok else 'MISSED'})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
