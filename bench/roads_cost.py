"""The cost of not having roads: the sample day planned on great-circle times, then driven on road times.

    .venv/bin/python bench/roads_cost.py [--time-limit 20 | --reproducible] [--work DIR] [--cache]

The bundled sample region (data/sample: its tickets, crews, shifts and zones, the day after its
newest ticket) is imported into a temporary SQLite file. Its synthetic road network
(dispatch/sample/roads.py) is written and its Valhalla tiles built in ``--work`` (kept: an unchanged
network is not rebuilt). Then, in one run:

1. the baseline: the plan made on great-circle times (distance x 1.35 at 30 km/h, the default);
2. that plan's routes replayed on road times (solver.replay: each crew keeps its order and drives
   the road network's time for its vehicle): late arrivals (over 15 min later than the customer was
   told), broken time windows, shift overruns;
3. the plan made on road times (travel.engine = "roads"), checked by the test suite's independent
   plan checker against Valhalla's own times.

Printed side by side: tickets served, crew-hours (first departure to return, summed), the road
matrix build time and the solve time. Wall-clock figures are under shared load.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlmodel import col, select  # noqa: E402

from dispatch.core.plan import Plan  # noqa: E402
from dispatch.core.policy import Policy  # noqa: E402
from dispatch.io.importing.crews import import_crews  # noqa: E402
from dispatch.io.importing.shifts import import_shifts  # noqa: E402
from dispatch.io.importing.tickets import import_tickets  # noqa: E402
from dispatch.io.importing.zones import import_zones  # noqa: E402
from dispatch.planning.build import build_problem  # noqa: E402
from dispatch.planning.inputs import load_inputs  # noqa: E402
from dispatch.planning.nightly import make_plan  # noqa: E402
from dispatch.planning.roads import build_road_tiles  # noqa: E402
from dispatch.sample.roads import write_sample_roads  # noqa: E402
from dispatch.store.db import make_engine, session_scope  # noqa: E402
from dispatch.store.models.tickets import TicketRow  # noqa: E402
from dispatch.store.schema import create_schema  # noqa: E402
from solver.replay import replay  # noqa: E402

SAMPLE = ROOT / "data" / "sample"


def sample_inputs(folder: Path, policy: Policy):  # type: ignore[no-untyped-def]
    """The sample region imported into a new SQLite file; the inputs of the day after its newest ticket."""
    engine = make_engine(f"sqlite:///{folder / 'sample.db'}")
    create_schema(engine)
    with session_scope(engine) as s:
        import_crews(s, SAMPLE / "crews.csv")
        import_shifts(s, SAMPLE / "shifts.csv", policy=policy)
        import_zones(s, SAMPLE / "zones.geojson")
        import_tickets(s, SAMPLE / "tickets.csv", policy=policy)
    with session_scope(engine) as s:
        newest = s.exec(select(TicketRow.reported_at).order_by(col(TicketRow.reported_at).desc())).first()
        assert newest is not None
        day = newest.astimezone(ZoneInfo(policy.region.timezone)).date() + dt.timedelta(days=1)
        inputs = load_inputs(s, day=day, policy=policy)
    engine.dispose()
    return inputs


def crew_hours(plan: Plan) -> float:
    return sum(r.summary.duration_s for r in plan.routes if r.visits) / 3600


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--time-limit", type=float, default=20.0, help="solver seconds per plan")
    parser.add_argument("--reproducible", action="store_true", help="fixed search work: the same plans every run")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "bench-roads-cost")
    parser.add_argument("--cache", action="store_true", help="keep road matrices in WORK/cache between runs")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)

    t = time.perf_counter()
    extract = write_sample_roads(args.work / "sample-roads.osm.pbf")
    tiles, built = build_road_tiles(extract, args.work / "tiles")
    print(
        f"sample road network and tiles ({'built' if built else 'unchanged, kept'}) in {time.perf_counter() - t:.1f} s"
    )

    gc_policy = Policy.load(SAMPLE / "dispatch.toml")
    with tempfile.TemporaryDirectory() as tmp:
        inputs = sample_inputs(Path(tmp), gc_policy)
    overrides = {"travel.engine": "roads", "travel.tiles": str(tiles.directory)}
    if args.cache:
        overrides["travel.cache"] = str(args.work / "cache")
    road_policy = gc_policy.with_overrides(overrides)
    print(f"sample day {inputs.day}: {len(inputs.tickets)} open tickets, {len(inputs.crews)} crews\n")

    search = {"time_limit": args.time_limit, "reproducible": args.reproducible, "workers": 1}
    gc = make_plan(inputs, gc_policy, **search)
    t = time.perf_counter()
    road_problem = build_problem(inputs, road_policy).problem  # the same sites, jobs and crews, road times
    matrix_s = time.perf_counter() - t
    assert gc.solution is not None, "the sample day is one part"
    replayed = replay(road_problem, gc.solution)
    road = make_plan(inputs, road_policy, **search)  # matrices from the cache
    assert road.solution is not None
    same = replay(road_problem, road.solution)  # the road plan on its own times: nothing late

    from tests.dispatch.plan_checker import check_plan

    problems = check_plan(road.plan.to_json(), inputs, road_policy)
    gc_on_roads = check_plan(gc.plan.to_json(), inputs, road_policy)
    replay_hours = sum(r.actual_return - r.planned_return for r in replayed.routes) / 3600

    rows = [
        ("tickets served", f"{gc.plan.summary.served}", f"{road.plan.summary.served}"),
        ("crew-hours as planned", f"{crew_hours(gc.plan):.1f}", f"{crew_hours(road.plan):.1f}"),
        ("crew-hours driven on the roads", f"{crew_hours(gc.plan) + replay_hours:.1f}", f"{crew_hours(road.plan):.1f}"),
        (
            "visits > 15 min later than told",
            f"{replayed.late_visits} of {len(replayed.visits)}",
            f"{same.late_visits} of {len(same.visits)}",
        ),
        ("visits outside their time window", f"{replayed.broken_windows}", f"{same.broken_windows}"),
        (
            "crews back after their shift",
            f"{replayed.shift_overruns} of {len(replayed.routes)}",
            f"{same.shift_overruns} of {len(same.routes)}",
        ),
        (
            "minutes past shift end, in all",
            f"{replayed.overrun_seconds / 60:.0f}",
            f"{same.overrun_seconds / 60:.0f}",
        ),
        (
            "drives faster than the road (checker)",
            f"{sum('faster than' in p for p in gc_on_roads)}",
            f"{sum('faster than' in p for p in problems)}",
        ),  # fmt: skip
        (
            "build s (road: matrices, then cached)",
            f"{gc.timings['build_s']:.1f}",
            f"{matrix_s:.1f} / {road.timings['build_s']:.1f}",
        ),
        ("solve s", f"{gc.timings['solve_s']:.1f}", f"{road.timings['solve_s']:.1f}"),
    ]
    print(f"{'':40} {'great-circle plan (baseline)':>30} {'road plan':>12}")
    for name, a, b in rows:
        print(f"{name:40} {a:>30} {b:>12}")
    print(f"\ngreat-circle plan replayed on road times: {replayed.summary()}")
    over = {r.crew_id: r.overrun for r in same.routes if r.overrun}
    print(f"road plan replayed on its own times: {same.summary()}; overruns (s): {over}")
    delays = sorted((v.delay for v in replayed.visits), reverse=True)
    print(f"worst delays (min): {[round(d / 60) for d in delays[:5]]}; median {delays[len(delays) // 2] / 60:.0f} min")
    print(
        f"independent checker on the road plan: {len(problems)} problem(s)" + (f": {problems[:3]}" if problems else "")
    )


if __name__ == "__main__":
    main()
