"""Benchmark on Solomon / Gehring-Homberger VRPTW instances against the best known solutions.

    .venv/bin/python bench/solomon.py                                   # 56 Solomon, 10 s each
    .venv/bin/python bench/solomon.py --dir ../shared/bench/homberger --time-limit 20
    .venv/bin/python bench/solomon.py --instances 'R1*' --time-limit 5 --csv /tmp/r1.csv
    .venv/bin/python bench/solomon.py --instances 'RC1*' --repeat 3    # mean gap per run and its spread

Each instance is solved by ``python -m solver solve`` in its own process (as a user would run
it); the routes are then read back from the written .sol file, their distance recomputed
(unrounded Euclidean) and checked with real-valued times by ``solver.vrptw.check_routes``.
The gap is to the ``distmin:`` row of bks.csv (the distance-only convention); where there is
none, to another row, whose kind is shown.

A time-bounded search follows wall time (its annealing schedule too), so one instance's gap can differ by
a couple of percent from one run to the next (R204 at 10 s: 0.20 % and 2.07 % back to back). ``--repeat N``
runs the whole set N times and prints each class's mean gap per run, with the mean and range over the runs.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from statistics import mean

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from solver import vrptw  # noqa: E402  (needs the project root on the path when run as a script)

SHARED_BENCH = ROOT.parent / "shared" / "bench"
CLASSES = ("C1", "C2", "R1", "R2", "RC1", "RC2")
_CLASS = re.compile(r"^(RC|R|C)([12])", re.IGNORECASE)


@dataclass(frozen=True)
class BestKnown:
    vehicles: int
    distance: float
    kind: str  # "distmin" or "hier"


@dataclass
class Result:
    instance: str
    klass: str
    customers: int
    vehicles: int | None = None
    distance: float | None = None
    served: int = 0
    feasible: bool = False
    violations: str = ""
    bks_kind: str = ""
    bks_vehicles: int | None = None
    bks_distance: float | None = None
    gap: float | None = None
    wall_time: float | None = None
    first_solution_time: float | None = None
    solutions: int | None = None
    error: str = ""
    run: int = 1

    @property
    def all_served(self) -> bool:
        return self.customers > 0 and self.served == self.customers


def instance_class(name: str) -> str:
    match = _CLASS.match(name)
    return (match.group(1) + match.group(2)).upper() if match else "?"


def load_best_known(path: Path) -> dict[str, dict[str, BestKnown]]:
    """bks.csv rows by instance (upper case) and kind."""
    table: dict[str, dict[str, BestKnown]] = {}
    with path.open(newline="", encoding="utf-8") as f:
        for row_no, row in enumerate(csv.DictReader(f), start=2):
            try:
                kind = row["source"].split(":", 1)[0].strip()
                bk = BestKnown(int(row["vehicles"]), float(row["distance"]), kind)
            except (KeyError, ValueError, AttributeError) as exc:
                raise SystemExit(f"{path}:{row_no}: unreadable best-known row ({exc}): {row}") from None
            table.setdefault(row["instance"].upper(), {})[kind] = bk
    return table


def pick_best_known(rows: dict[str, BestKnown]) -> BestKnown | None:
    if "distmin" in rows:
        return rows["distmin"]
    return next(iter(rows.values()), None)


def run_instance(
    path: Path,
    *,
    time_limit: float,
    reproducible: bool,
    best_known: dict[str, dict[str, BestKnown]],
    workdir: Path,
) -> Result:
    instance = vrptw.read_instance(path)
    result = Result(instance=instance.name, klass=instance_class(instance.name), customers=len(instance.customers))
    bk = pick_best_known(best_known.get(instance.name.upper(), {}))
    if bk is not None:
        result.bks_kind, result.bks_vehicles, result.bks_distance = bk.kind, bk.vehicles, bk.distance
    out = workdir / f"{instance.name}.sol"
    stats_path = workdir / f"{instance.name}.json"
    cmd = [
        sys.executable,
        "-m",
        "solver",
        "solve",
        str(path),
        "--time-limit",
        str(time_limit),
        "--out",
        str(out),
    ]
    cmd += ["--stats-json", str(stats_path)] + (["--reproducible"] if reproducible else [])
    try:
        # The solver has its own watchdog; this outer one only catches a hung process.
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=3 * time_limit + 60, check=False)
    except subprocess.TimeoutExpired:
        result.error = "timed out"
        return result
    if proc.returncode not in (0, 1) or not out.exists():
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        result.error = f"exit {proc.returncode}: {tail[0]}"
        return result
    if stats_path.exists():
        stats = json.loads(stats_path.read_text(encoding="utf-8"))
        result.wall_time = stats.get("wall_time")
        result.first_solution_time = stats.get("first_solution_time")
        result.solutions = stats.get("solutions")

    # Judge the written file, not the solver's own account of it.
    routes, _stated = vrptw.read_solution(out)
    violations = vrptw.check_routes(instance, routes, require_all=False)
    result.vehicles = len([r for r in routes if r])
    result.distance = vrptw.route_distance(instance, routes)
    result.served = len({n for r in routes for n in r})
    result.feasible = not violations
    result.violations = "; ".join(violations)
    if bk is not None:
        result.gap = 100.0 * (result.distance - bk.distance) / bk.distance
    return result


def _fmt(value: float | None, spec: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        value = round(value, 6) + 0.0  # no "-0.00" for a gap of -4e-6 (bks.csv keeps four decimals)
    return format(value, spec)


def counted(r: Result) -> bool:
    """Only complete, feasible solutions enter the mean gap (a dropped customer shortens the route)."""
    return r.all_served and r.feasible and r.gap is not None


def class_groups(results: Sequence[Result]) -> list[tuple[str, list[Result]]]:
    """Results by Solomon class (those present, in CLASSES order), then "other" if any, then "all"."""
    groups = [(k, [r for r in results if r.klass == k]) for k in CLASSES]
    groups = [(k, rs) for k, rs in groups if rs]
    others = [r for r in results if r.klass not in CLASSES]
    if others:
        groups.append(("other", others))
    return [*groups, ("all", list(results))]


def report(results: Sequence[Result], *, title: str, console: Console) -> None:
    table = Table(title=title)
    for col in ("instance", "veh", "distance", "best known", "kind", "gap %", "served", "feasible", "time s"):
        table.add_column(col, justify="left" if col in ("instance", "kind", "served", "feasible") else "right")
    for r in results:
        served = "yes" if r.all_served else f"NO {r.served}/{r.customers}"
        feasible = "yes" if r.feasible else (r.error or r.violations[:60] or "no")
        table.add_row(
            r.instance,
            _fmt(r.vehicles, "d"),
            _fmt(r.distance, ".2f"),
            "-" if r.bks_distance is None else f"{r.bks_distance:.2f} ({r.bks_vehicles})",
            r.bks_kind or "-",
            _fmt(r.gap, ".2f"),
            served,
            feasible,
            _fmt(r.wall_time, ".1f"),
        )
    console.print(table)

    summary = Table(title="mean gap by class (complete, feasible solutions only)")
    for col in ("class", "instances", "counted", "mean gap %", "all served"):
        summary.add_column(col, justify="left" if col == "class" else "right")
    for name, rs in class_groups(results):
        gaps = [r.gap for r in rs if counted(r) and r.gap is not None]
        summary.add_row(
            name,
            str(len(rs)),
            str(len(gaps)),
            _fmt(mean(gaps), ".2f") if gaps else "-",
            f"{sum(r.all_served and r.feasible for r in rs)}/{len(rs)}",
        )
    console.print(summary)
    kinds = sorted({r.bks_kind for r in results if r.bks_kind})
    if kinds != ["distmin"]:
        console.print(f"best-known kinds used: {', '.join(kinds) or 'none'} (hier = fewest vehicles first)")


def report_runs(results: Sequence[Result], *, runs: int, console: Console) -> None:
    """Each class's mean gap in every run, then the mean and range over the runs."""
    table = Table(title=f"mean gap % by class and run (complete, feasible solutions only), {runs} runs")
    for col in ("class", *(f"run {k}" for k in range(1, runs + 1)), "mean", "min", "max"):
        table.add_column(col, justify="left" if col == "class" else "right")
    for name, members in class_groups(results):
        per_run: list[float | None] = []
        for k in range(1, runs + 1):
            gaps = [r.gap for r in members if r.run == k and counted(r) and r.gap is not None]
            per_run.append(mean(gaps) if gaps else None)
        seen = [g for g in per_run if g is not None]
        spread = (mean(seen), min(seen), max(seen)) if seen else (None, None, None)
        table.add_row(name, *(_fmt(g, ".2f") for g in (*per_run, *spread)))
    console.print(table)


def _run_all(
    paths: Sequence[Path],
    args: argparse.Namespace,
    *,
    best_known: dict[str, dict[str, BestKnown]],
    workdir: Path,
    run: int,
    console: Console,
) -> list[Result]:
    """One pass over ``paths``, ``args.jobs`` instances at a time, each printed as it ends."""
    prefix = f"run {run}: " if args.repeat > 1 else ""
    results = []
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = [
            pool.submit(
                run_instance,
                p,
                time_limit=args.time_limit,
                reproducible=args.reproducible,
                best_known=best_known,
                workdir=workdir,
            )
            for p in paths
        ]
        for fut in futures:
            r = dataclasses.replace(fut.result(), run=run)
            results.append(r)
            console.print(
                f"[dim]{prefix}{r.instance}: {_fmt(r.distance, '.2f')} gap {_fmt(r.gap, '.2f')} % "
                f"served {r.served}/{r.customers} {'ok' if r.feasible else r.error or r.violations}[/dim]"
            )
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=SHARED_BENCH / "solomon", help="instance directory")
    parser.add_argument("--bks", type=Path, default=SHARED_BENCH / "bks.csv", help="best-known solutions CSV")
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per instance (default 10)")
    parser.add_argument("--instances", default="*", help="glob on instance file names, e.g. 'RC1*'")
    parser.add_argument("--jobs", type=int, default=1, help="instances solved at once (default 1)")
    parser.add_argument("--reproducible", action="store_true", help="fixed work instead of wall time")
    parser.add_argument("--csv", type=Path, help="also write per-instance rows here")
    parser.add_argument("--keep", type=Path, help="keep the .sol files in this directory")
    parser.add_argument("--repeat", type=int, default=1, help="solve the whole set this many times (default 1)")
    args = parser.parse_args(argv)

    directory = args.dir if args.dir.is_absolute() else (Path.cwd() / args.dir)
    if not directory.is_dir():
        directory = ROOT / args.dir  # also accept paths relative to the project root
    pattern = args.instances if args.instances.endswith(".txt") else args.instances + ".txt"
    paths = sorted(directory.glob(pattern), key=_natural_key)
    if not paths:
        print(f"error: no instance matches {pattern!r} in {directory}", file=sys.stderr)
        return 2
    if args.jobs < 1:
        print(f"error: --jobs must be >= 1, got {args.jobs}", file=sys.stderr)
        return 2
    if args.repeat < 1:
        print(f"error: --repeat must be >= 1, got {args.repeat}", file=sys.stderr)
        return 2
    best_known = load_best_known(args.bks)

    # Wide enough for the table when the output is a file or a pipe.
    console = Console(width=None if sys.stdout.isatty() else 130)
    load_before = os.getloadavg()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="solomon-bench-") as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        results: list[Result] = []
        for run in range(1, args.repeat + 1):
            results += _run_all(paths, args, best_known=best_known, workdir=workdir, run=run, console=console)
    elapsed = time.perf_counter() - started
    load_after = os.getloadavg()
    mode = "reproducible" if args.reproducible else f"{args.time_limit:g} s"
    last = [r for r in results if r.run == args.repeat]
    runs = f", run {args.repeat} of {args.repeat}" if args.repeat > 1 else ""
    report(last, title=f"{directory.name}: {len(last)} instances, {mode} each{runs}", console=console)
    if args.repeat > 1:
        report_runs(results, runs=args.repeat, console=console)
    console.print(
        f"wall {elapsed:.0f} s, --jobs {args.jobs}, {os.cpu_count()} cores; load average "
        f"{load_before[0]:.2f} before, {load_after[0]:.2f} after (1-min)"
    )
    if args.csv:
        with args.csv.open("w", newline="", encoding="utf-8") as f:
            fields = [*asdict(results[0]).keys(), "all_served"]
            writer = csv.DictWriter(f, fieldnames=fields)
            writer.writeheader()
            for r in results:
                writer.writerow({**asdict(r), "all_served": r.all_served})
    return 0


def _natural_key(path: Path) -> list[object]:
    """C1_2_10 after C1_2_9."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", path.stem.upper())]


if __name__ == "__main__":
    sys.exit(main())
