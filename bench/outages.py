"""Wide-outage benchmark: a generated storm day, grouped by the network versus not grouped.

1. Prediction, on storm days of seeds not used while choosing the grouping rule and its defaults
   (window_min = 60, min_reports = 3, link_max_m = 300 were chosen on seeds 1, 11-13 and 21-23, the move-up
   rule, transformers dark together, on seeds 1-10): precision
   and recall of the inferred outages against the generator's ground truth (exact: the very asset;
   related: the asset or one above/below it), and the predicted device level (transformer vs feeder
   section) of those found.
2. Plans of one storm day, same inputs, same time limit, same caps, with grouping (the product) and without
   (the baseline: every report its own visit, as before the network): homes entered, customer-hours waited
   (each open report from its report time until its own visit or its outage's asset job ends; reports not
   served wait until midnight ending the day), tickets resolved (visited, or absorbed by an outage whose
   asset job is routed), crew-hours driving.

    .venv/bin/python bench/outages.py [--tickets 3000] [--storm-share 0.33] [--trips 30] [--crews 40]
                                      [--time-limit 30] [--seeds 31,32,33] [--plan-seed 31]
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

from dispatch.core.domain import PlanInputs
from dispatch.core.plan import Plan
from dispatch.core.policy import Policy
from dispatch.core.route import StepType
from dispatch.io.importing.assets import import_assets
from dispatch.io.importing.crews import import_crews
from dispatch.io.importing.shifts import import_shifts
from dispatch.io.importing.tickets import import_tickets
from dispatch.io.importing.zones import import_zones
from dispatch.outages.grouping import group_outages
from dispatch.planning.inputs import load_inputs
from dispatch.planning.nightly import make_plan
from dispatch.sample.columns import TICKET_COLUMNS, _write_csv
from dispatch.sample.network import Storm, network_rows, storm_reports, write_assets
from dispatch.sample.region import generate_region
from dispatch.store.db import make_engine, session_scope
from dispatch.store.schema import create_schema

DAY = dt.date(2026, 11, 30)


def storm_day(
    seed: int, *, tickets: int, share: float, trips: int, crews: int, folder: Path
) -> tuple[PlanInputs, Storm, Policy]:
    """A generated region with a storm, imported through the product's importers, and its ground truth."""
    n_storm = round(tickets * share)
    region = generate_region(n_tickets=tickets - n_storm, n_crews=crews, day=DAY, seed=seed)
    assets = network_rows(region.tickets, seed=seed)
    storm = storm_reports(assets, n_reports=round(n_storm / 1.1), n_trips=trips, day=DAY, seed=seed + 1000)
    region.tickets.extend(storm.reports)
    region.write(folder)
    write_assets(folder / "assets.csv", assets)
    _write_csv(folder / "tickets.csv", TICKET_COLUMNS, region.tickets)
    policy = Policy.load(folder / "dispatch.toml")
    engine = make_engine(f"sqlite:///{folder}/bench.db")
    create_schema(engine)
    midnight = dt.datetime.combine(DAY, dt.time(0, 0), tzinfo=ZoneInfo(policy.region.timezone))
    with session_scope(engine) as s:
        import_assets(s, folder / "assets.csv", policy=policy)
        import_crews(s, folder / "crews.csv")
        import_shifts(s, folder / "shifts.csv", policy=policy)
        import_zones(s, folder / "zones.geojson")
        import_tickets(s, folder / "tickets.csv", policy=policy, now=midnight)
    with session_scope(engine) as s:
        inputs = load_inputs(s, day=DAY, policy=policy)
    engine.dispose()
    return inputs, storm, policy


def _related(a: str, b: str, parent: dict[str, str]) -> bool:
    """``a`` is ``b``, or one lies above the other in the network."""

    def chain(x: str) -> list[str]:
        out = [x]
        while parent.get(out[-1]):
            out.append(parent[out[-1]])
        return out

    return a in chain(b) or b in chain(a)


def prediction(inputs: PlanInputs, storm: Storm, policy: Policy) -> dict[str, float]:
    parent = {a.asset_id: a.parent_id for a in inputs.assets}
    inferred = [o.asset_id for o in group_outages(inputs, policy).outages]
    truth = storm.tripped
    exact = [a for a in inferred if a in truth]
    related = [a for a in inferred if any(_related(a, t, parent) for t in truth)]
    found = {t: [a for a in inferred if _related(a, t, parent)] for t in truth}
    hit = [t for t, m in found.items() if m]
    return {
        "inferred": len(inferred),
        "tripped": len(truth),
        "precision_exact": len(exact) / max(1, len(inferred)),
        "recall_exact": sum(t in inferred for t in truth) / max(1, len(truth)),
        "precision_related": len(related) / max(1, len(inferred)),
        "recall_related": len(hit) / max(1, len(truth)),
        "level_accuracy": sum(t in found[t] for t in hit) / max(1, len(hit)),
    }


def plan_figures(plan: Plan, inputs: PlanInputs, tz: ZoneInfo, storm: Storm) -> dict[str, float]:
    """Homes entered, customer-hours waited (all reports; the storm's), tickets resolved and crew-hours
    driving of ``plan``."""
    end_of_day = dt.datetime.combine(DAY + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    done = {s.ticket_id: s.end for _, s in plan.visits() if s.ticket_id}
    restored = dict(done)
    for o in plan.outages or ():
        if o.job_ticket_id in done:
            restored.update({t: done[o.job_ticket_id] for t in o.tickets})
    waited = {t.ticket_id: ((restored.get(t.ticket_id) or end_of_day) - t.reported_at).total_seconds() / 3600
              for t in inputs.tickets}  # fmt: skip
    waited_h = sum(waited.values())
    storm_ids = {r["ticket_id"] for r in storm.reports}
    storm_h = sum(h for t, h in waited.items() if t in storm_ids)
    driving_s = 0.0
    for r in plan.routes:
        for prev, step in zip(r.steps, r.steps[1:], strict=False):
            if step.type is not StepType.BREAK and prev.type is not StepType.BREAK:
                driving_s += (step.arrival - prev.end).total_seconds()
    storm_homes = sum(1 for _, s in plan.visits() if s.indoor and s.ticket_id in storm_ids)
    return {
        "homes": plan.summary.homes_entered,
        "storm_homes": storm_homes,
        "customer_h_waited": waited_h,
        "storm_h_waited": storm_h,
        "resolved": sum(1 for t in inputs.tickets if t.ticket_id in restored),
        "driving_h": driving_s / 3600,
        "asset_jobs_routed": sum(1 for o in plan.outages or () if o.job_ticket_id in done),
        "outages": len(plan.outages or ()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=3000)
    parser.add_argument("--storm-share", type=float, default=0.33)
    parser.add_argument("--trips", type=int, default=30)
    parser.add_argument("--crews", type=int, default=40)
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--seeds", default="31,32,33", help="storm days for precision/recall (not 1, 11-23)")
    parser.add_argument("--plan-seed", type=int, default=31)
    args = parser.parse_args()
    print(f"storm day: {args.tickets} tickets ({args.storm_share:.0%} from {args.trips} tripped assets + noise), "
          f"{args.crews} crews, time limit {args.time_limit:.0f} s")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        for seed in (int(s) for s in args.seeds.split(",")):
            inputs, storm, policy = storm_day(seed, tickets=args.tickets, share=args.storm_share, trips=args.trips,
                                              crews=args.crews, folder=Path(tmp) / f"s{seed}")  # fmt: skip
            p = prediction(inputs, storm, policy)
            print(
                f"seed {seed}: {p['inferred']} outages inferred, {p['tripped']} tripped | exact precision "
                f"{p['precision_exact']:.2f} recall {p['recall_exact']:.2f} | related precision "
                f"{p['precision_related']:.2f} recall {p['recall_related']:.2f} | "
                f"device level {p['level_accuracy']:.2f}"
            )
        inputs, storm, policy = storm_day(args.plan_seed, tickets=args.tickets, share=args.storm_share,
                                          trips=args.trips, crews=args.crews, folder=Path(tmp) / "plan")  # fmt: skip
    tz = ZoneInfo(policy.region.timezone)
    rows = {}
    for name, arm in (("baseline (no grouping)", replace(inputs, assets=())), ("product (grouped)", inputs)):
        t0 = time.perf_counter()
        plan = make_plan(arm, policy, time_limit=args.time_limit).plan
        rows[name] = plan_figures(plan, inputs, tz, storm) | {"wall_s": time.perf_counter() - t0}
    head = ("homes", "(storm's)", "cust-h waited", "(storm's)", "resolved", "crew-h driving", "outages (jobs routed)")
    print(f"{'':24}{head[0]:>7}{head[1]:>11}{head[2]:>15}{head[3]:>11}{head[4]:>10}{head[5]:>16}{head[6]:>23}")
    for name, r in rows.items():
        print(f"{name:24}{r['homes']:>7}{r['storm_homes']:>11}{r['customer_h_waited']:>15.0f}{r['storm_h_waited']:>11.0f}"
              f"{r['resolved']:>10}{r['driving_h']:>16.1f}{r['outages']:>12} ({r['asset_jobs_routed']})"
              f"    wall {r['wall_s']:.0f} s")  # fmt: skip
    base, prod = rows["baseline (no grouping)"], rows["product (grouped)"]
    print(
        f"product vs baseline: homes {prod['homes'] / max(1, base['homes']) - 1:+.0%} (storm's reports "
        f"{prod['storm_homes'] / max(1, base['storm_homes']) - 1:+.0%}), customer-hours waited "
        f"{prod['customer_h_waited'] / base['customer_h_waited'] - 1:+.0%} (storm's reports "
        f"{prod['storm_h_waited'] / base['storm_h_waited'] - 1:+.0%}), tickets resolved "
        f"{prod['resolved'] - base['resolved']:+d}, crew-hours driving {prod['driving_h'] / base['driving_h'] - 1:+.0%}"
    )


if __name__ == "__main__":
    main()
