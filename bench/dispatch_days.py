"""Dispatch days: the product's plan side by side with a plain OR-Tools baseline of the same day.

For each generator seed: generate a region (``dispatch.sample``), import it into a fresh SQLite file and
plan the day with the nightly use case (``dispatch.usecases.nightly.run_plan``, as ``dispatch plan`` does).
Then the same day's solver problem (``dispatch.planning.build.build_problem``: same crews, shifts,
breaks, windows, skills, caps, isolating rule and travel model) is solved by the plain baseline: one
disjunction per ticket with the policy's penalty per priority, travel-time arc cost only (no waiting
cost), PARALLEL_CHEAPEST_INSERTION then GUIDED_LOCAL_SEARCH, the same time limit, one process.

Printed per plan: served by priority (P1 served/open, P2 served/open, P3, P4), customer-hours waited
(customers x hours from the first shift start to the start of service, what the objective counts),
idle crew-hours after the last stop (shift end minus the return to the end location, over every crew
on shift) and unassigned tickets that one feasible insertion would serve, at any position, counted by
the independent checker ``solver.checker.insertable`` (skills, windows, breaks, home and exposure
caps, the isolating rule, back before the shift ends).

With ``--runs N`` (default 3) each seed is planned N times by each side (interleaved, so machine load
drifts over both alike); every run is printed, then the median per side and a verdict line per seed on the
issue's targets (served by priority lexicographically >= the baseline's, customer-hours <= 0.75 x the
baseline's, idle crew-hours <= the baseline's, 0 insertable).

    .venv/bin/python bench/dispatch_days.py --tickets 1000 --crews 40 --seeds 1,2,3,4,5 --time-limit 60 --runs 3

Above 1,500 tickets (a day planned in parts) only the product runs, measured over the whole day's problem:
insertable tickets over the assembled plan and the wall time against the time limit + 30 s.

    .venv/bin/python bench/dispatch_days.py --tickets 10000 --crews 300 --seeds 1 --time-limit 60
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from solver.checker import insertable  # noqa: E402  (needs the project root on the path as a script)
from solver.engine import run_search  # noqa: E402
from solver.model import Objective, Problem  # noqa: E402
from solver.portfolio import SearchMember  # noqa: E402

DAY = dt.date(2026, 11, 30)
# Above this many tickets (the default solver.max_tickets_per_solve) the product plans in parts and only the
# product is measured, over the whole day (the issue leaves the baseline at that size optional).
MAX_ONE_PART = 1500
BASELINE = SearchMember(name="plain", first_solution="PARALLEL_CHEAPEST_INSERTION", metaheuristic="GUIDED_LOCAL_SEARCH")


@dataclasses.dataclass(frozen=True)
class DayPlan:
    """One plan of the day in solver terms: visit order and service starts per crew, return times."""

    name: str
    visits: Mapping[str, Sequence[tuple[str, int]]]  # crew id -> (job id, service start s)
    back: Mapping[str, int]  # crew id -> arrival at its end location (s)
    wall_s: float


def _import_region(folder: Path, engine, policy) -> None:  # noqa: ANN001 - dispatch types, imported lazily
    from dispatch.io.importing.crews import import_crews
    from dispatch.io.importing.shifts import import_shifts
    from dispatch.io.importing.tickets import import_tickets
    from dispatch.io.importing.zones import import_zones
    from dispatch.store.db import session_scope

    with session_scope(engine) as s:
        import_crews(s, folder / "crews.csv")
        import_shifts(s, folder / "shifts.csv", policy=policy)
        import_zones(s, folder / "zones.geojson")
        midnight = dt.datetime.combine(DAY, dt.time(0, 0), tzinfo=ZoneInfo(policy.region.timezone))
        import_tickets(s, folder / "tickets.csv", policy=policy, now=midnight)


def day_and_product(n_tickets: int, n_crews: int, seed: int, time_limit: float) -> tuple[Problem, dict, DayPlan]:
    """The day's solver problem, ticket priorities, and the product's plan made by the nightly use case."""
    from dispatch.core.clock import local_midnight
    from dispatch.core.policy import Policy
    from dispatch.planning.build import build_problem
    from dispatch.planning.inputs import load_inputs
    from dispatch.sample.region import generate_region
    from dispatch.store.db import make_engine, session_scope
    from dispatch.store.schema import create_schema
    from dispatch.usecases.nightly import run_plan

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "region"
        generate_region(n_tickets=n_tickets, n_crews=n_crews, day=DAY, seed=seed).write(folder)
        policy = Policy.load(folder / "dispatch.toml")
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        create_schema(engine)
        _import_region(folder, engine, policy)
        with session_scope(engine) as session:
            inputs = load_inputs(session, day=DAY, policy=policy)
        t0 = time.perf_counter()
        run = run_plan(
            engine=engine,
            day=DAY,
            policy=policy,
            time_limit=time_limit,
            reproducible=False,
            now=dt.datetime.now(dt.UTC),
        )
        wall = time.perf_counter() - t0
        engine.dispose()
    # A day above solver.max_tickets_per_solve is planned in parts; it is measured over the whole day's problem
    # (every crew, every ticket), so a ticket one part left that fits another part's route counts as insertable.
    problem = build_problem(inputs, policy).problem
    origin = local_midnight(DAY, ZoneInfo(policy.region.timezone))

    def secs(t: dt.datetime) -> int:
        return int((t - origin).total_seconds())

    visits = {r.crew_id: [(s.ticket_id, secs(s.start)) for s in r.visits] for r in run.plan.routes}
    back = {r.crew_id: secs(r.steps[-1].arrival) for r in run.plan.routes}
    priorities = {t.ticket_id: t.priority for t in inputs.tickets}
    return problem, priorities, DayPlan("crew-dispatch", visits, back, wall)


def baseline(problem: Problem, time_limit: float) -> DayPlan:
    """The plain model of the same problem: travel-time arc cost, a penalty per priority, PCI + GLS."""
    plain = dataclasses.replace(
        problem, objective=Objective(travel_time_weight=1, priority_ratio=problem.objective.priority_ratio)
    )
    t0 = time.perf_counter()
    raw = run_search(
        plain, BASELINE, time_limit=time_limit, solution_limit=None, deadline=time.monotonic() + time_limit + 10
    )
    wall = time.perf_counter() - t0
    crews, jobs = problem.crews, problem.jobs
    visits = {crews[r.crew].id: [(jobs[j].id, start) for j, start in r.visits] for r in raw.routes}
    back = {crews[r.crew].id: r.end_time for r in raw.routes if r.visits}
    return DayPlan("plain baseline", visits, back, wall)


def measure(problem: Problem, priorities: Mapping[str, int], plan: DayPlan) -> dict:
    served = {job_id for crew_visits in plan.visits.values() for job_id, _ in crew_visits}
    by_p = {p: [0, 0] for p in (1, 2, 3, 4)}
    for job in problem.jobs:
        p = priorities[job.id]
        by_p[p][1] += 1
        by_p[p][0] += job.id in served
    customers = {j.id: j.customers for j in problem.jobs}
    cust_s = sum(customers[j] * (start - problem.wait_origin) for v in plan.visits.values() for j, start in v)
    idle = 0
    for crew in problem.crews:
        if crew.id in plan.back:
            idle += max(0, crew.shift.end - plan.back[crew.id])
        else:  # no visit: the crew drives to its end, if it differs, and waits out the shift
            idle += crew.shift.end - crew.shift.start - problem.duration(crew, crew.start, crew.end)
    t0 = time.perf_counter()
    orders = {c: [j for j, _ in v] for c, v in plan.visits.items()}
    fits = insertable(problem, orders, [j.id for j in problem.jobs if j.id not in served])
    fits_by_p = {p: sum(1 for j in fits if priorities[j] == p) for p in (1, 2, 3, 4)}
    return {
        "plan": plan.name,
        "served": len(served),
        "by_p": by_p,
        "customer_h": cust_s / 3600,
        "idle_h": idle / 3600,
        "insertable": len(fits),
        "insertable_by_p": fits_by_p,
        "wall_s": plan.wall_s,
        "check_s": time.perf_counter() - t0,
    }


def row(seed: int, m: dict, label: str = "") -> str:
    p = m["by_p"]
    ins = "/".join(str(m["insertable_by_p"][k]) for k in (1, 2, 3, 4))
    return (
        f"| {seed}{label} | {m['plan']} | {m['served']} | {p[1][0]}/{p[1][1]} | {p[2][0]}/{p[2][1]} "
        f"| {p[3][0]}/{p[3][1]} | {p[4][0]}/{p[4][1]} | {m['customer_h']:,.0f} | {m['idle_h']:.1f} "
        f"| {m['insertable']} ({ins}) | {m['wall_s']:.1f} |"
    )


def served_key(m: dict) -> tuple[int, ...]:
    """Served by priority, compared lexicographically: P1, then P2, then P3, then P4."""
    return tuple(m["by_p"][p][0] for p in (1, 2, 3, 4))


def median_of(runs: Sequence[dict]) -> dict:
    """The median of the runs: served by priority from the lexicographic median run, every other figure
    its own median (customer-hours, idle crew-hours, insertable, wall time); the worst insertable count too."""
    by_served = sorted(runs, key=served_key)
    mid = by_served[(len(runs) - 1) // 2]

    def med(key: str) -> float:
        return statistics.median_low(sorted(r[key] for r in runs))

    most = max(runs, key=lambda r: r["insertable"])
    return {
        **mid,
        "customer_h": med("customer_h"),
        "idle_h": med("idle_h"),
        "insertable": med("insertable"),
        "insertable_by_p": most["insertable_by_p"] if med("insertable") else {p: 0 for p in (1, 2, 3, 4)},
        "insertable_max": most["insertable"],
        "wall_s": med("wall_s"),
    }


def verdict(seed: int, product: dict, base: dict) -> str:
    """One line per seed: the issue's four targets, each met or not, on the medians."""
    ratio = product["customer_h"] / base["customer_h"] if base["customer_h"] else float("inf")
    checks = {
        "served by priority >= baseline": served_key(product) >= served_key(base),
        f"customer-hours {ratio:.2f}x <= 0.75x": ratio <= 0.75,
        f"idle {product['idle_h']:.1f} <= {base['idle_h']:.1f} h": product["idle_h"] <= base["idle_h"],
        f"insertable {product['insertable']} (worst run {product['insertable_max']}) = 0": product["insertable"] == 0,
    }
    marks = "; ".join(f"{'MET' if ok else 'NOT MET'}: {name}" for name, ok in checks.items())
    return f"seed {seed} verdict: {'all met' if all(checks.values()) else 'not all met'} -- {marks}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=1000)
    parser.add_argument("--crews", type=int, default=40)
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--runs", type=int, default=3, help="runs per seed and side; the median is compared")
    args = parser.parse_args()
    print(
        f"{args.tickets} tickets / {args.crews} crews, time limit {args.time_limit:g} s per plan, "
        f"median of {args.runs} run(s) per seed and side; load at start {os.getloadavg()[0]:.1f}"
    )
    print(
        "| seed | plan | served | P1 | P2 | P3 | P4 | customer-hours waited | idle crew-hours after last stop "
        "| insertable unassigned (P1/P2/P3/P4) | wall s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    verdicts = []
    if args.tickets > MAX_ONE_PART:
        for seed in (int(s) for s in args.seeds.split(",")):
            problem, priorities, product = day_and_product(args.tickets, args.crews, seed, args.time_limit)
            m = measure(problem, priorities, product)
            print(row(seed, m), flush=True)
            within = m["wall_s"] <= args.time_limit + 30
            print(
                f"seed {seed}: {m['insertable']} insertable over the assembled plan, wall {m['wall_s']:.1f} s "
                f"({'within' if within else 'NOT within'} the time limit + 30 s); baseline not run at this size; "
                f"load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
        return
    for seed in (int(s) for s in args.seeds.split(",")):
        runs: dict[str, list[dict]] = {"product": [], "baseline": []}
        for k in range(args.runs):  # interleaved, so load drifts over both sides alike
            problem, priorities, product = day_and_product(args.tickets, args.crews, seed, args.time_limit)
            runs["product"].append(measure(problem, priorities, product))
            runs["baseline"].append(measure(problem, priorities, baseline(problem, args.time_limit)))
            if args.runs > 1:
                for m in (runs["product"][-1], runs["baseline"][-1]):
                    print(row(seed, m, f" run {k + 1}"), flush=True)
        medians = {side: median_of(r) for side, r in runs.items()}
        for m in medians.values():
            print(row(seed, m, " median" if args.runs > 1 else ""), flush=True)
        verdicts.append(verdict(seed, medians["product"], medians["baseline"]))
        print(verdicts[-1], f"(load {os.getloadavg()[0]:.1f})", flush=True)
    met = sum(" verdict: all met" in v for v in verdicts)
    print(f"\n{met}/{len(verdicts)} seeds meet every target")
    for v in verdicts:
        print(v)


if __name__ == "__main__":
    main()
