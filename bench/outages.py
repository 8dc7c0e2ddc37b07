"""Wide-outage benchmark: a generated storm day, grouped by the network versus not grouped.

1. Prediction, on storm days of seeds not used while choosing the grouping rule and its defaults
   (window_min = 60, min_reports = 3, link_max_m = 300 were chosen on seeds 1, 11-13 and 21-23; the move-up
   rule, transformers dark together, on seeds 1-10; the storm's quick pair, pair_min = 15 and
   storm_min_out = 10, on seeds 31-33): precision and recall of the inferred outages against
   the generator's ground truth (exact: the very asset; related: the asset or one above/below it), and the
   predicted device level (transformer vs feeder section) of those found. ``--explain`` prints each miss
   and each false outage with its likely cause.
2. Plans of one storm day, same inputs, same time limit, same caps, with grouping (the product) and without
   (the baseline: every report its own visit, as before the network). Each figure whole day, and in
   brackets the storm's part:
   - homes entered: the plan's indoor visits (summary.homes_entered); storm: those to the storm's reports.
   - customer-hours waited: every affected customer's wait until power is back, or until midnight ending
     the day when this plan does not bring it back. A tripped asset (the generator's ground truth) darkens
     all its connected customers (``customers`` in assets.csv, whether they called or not) from its first
     call until it is restored: the end of the first routed asset job at it, above it or below it, or the
     end of the first home visit to one of its callers by a crew with the asset job's skills plus the asset
     job's service time (the crew at the door sees the network fault and mends it straight away, its route
     otherwise unchanged: generous to the baseline, which has no asset job; a crew without the skills
     restores nothing; a last line gives the figures if any crew at the door did). Every other ticket
     (the day's backlog, unrelated faults in the storm) weighs its ``customers_affected`` from its report
     until its own visit ends. "today" counts only the hours from the midnight starting the planned day: what a plan can
     change (the hours before are the same in both arms).
   - tickets resolved: tickets whose own visit is routed or whose tripped asset is restored as above. A
     report absorbed by an outage that its tripped asset does not explain (an unrelated fault under it) is
     not resolved by the asset job (it re-opens as a home visit): counted apart.
   - crew-hours driving: the legs between a route's steps, breaks excluded.
   - restored, h to restore: tripped assets the plan restores, and the mean hours from their first call.
   - jobs: asset jobs routed / outages; P1 visits: the day's priority-1 tickets (line down, pole, ...)
     visited, asset jobs not counted.
   Two more lines: homes entered per ticket resolved, since the crews' day is full in every plan (time a
   plan saves at the storm's doors goes to other homes of the backlog); and a bound on customer-hours: every
   tripped asset back at the first shift start of a crew with its job's skills plus the job's service, no
   plan doing better (the hours before that midnight are the same in every plan).
   The product weighs an asset job as one job of its class per outage.customers_per_job (100) customers
   behind it. A third plan, "grouped, each job one", has outage.customers_per_job = 0: every asset job counts
   as one job of its class (the product before the weight), so P1 line and pole work goes first by count; its
   P1 visits against the product's are what the weight costs the hazards. With --emergency-customers N a
   fourth plan, "grouped, big outages first", has outage.emergency_min_customers = N (1000: a feeder
   section's outage) so that its asset jobs outrank every ticket, P1 line and pole work included.

    .venv/bin/python bench/outages.py [--tickets 3000] [--storm-share 0.33] [--trips 30] [--crews 40]
                                      [--time-limit 30] [--seeds 41,42,43,44,45] [--plan-seeds 41]
                                      [--emergency-customers 0]
                                      [--explain] [--no-plans]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
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


def failures(inputs: PlanInputs, storm: Storm, policy: Policy) -> list[str]:
    """One line per tripped asset not inferred exactly, and per outage inferred where nothing tripped, with
    its likely cause: too few callers within outage.window_min, callers spread wider than that (or linked
    to another transformer), wrong
    level (an asset above or below inferred instead), or reports the storm did not cause."""
    parent = {a.asset_id: a.parent_id for a in inputs.assets}
    customers = {a.asset_id: a.customers for a in inputs.assets}
    grouping = group_outages(inputs, policy)
    inferred = {o.asset_id: o for o in grouping.outages}
    by_id = {t.ticket_id: t for t in inputs.tickets}
    window = dt.timedelta(minutes=policy.outage.window_min)
    lines = []
    for asset_id, kind in sorted(storm.tripped.items()):
        if asset_id in inferred:
            continue
        times = sorted(by_id[t].reported_at for t, c in storm.cause.items() if c == asset_id and t in by_id)
        most = max((sum(1 for u in times if t <= u <= t + window) for t in times), default=0)
        near = [a for a in inferred if _related(a, asset_id, parent)]
        if near:
            why = f"wrong level: {', '.join(near)} inferred"
        elif most < policy.outage.min_reports:
            why = f"too few callers: {most} within {policy.outage.window_min} min"
        else:
            spread = (times[-1] - times[0]).total_seconds() / 60
            why = f"callers spread or linked elsewhere: {len(times)} over {spread:.0f} min"
        lines.append(f"  missed {asset_id} ({kind}, {customers[asset_id]} customers, {len(times)} callers): {why}")
    for asset_id, o in sorted(inferred.items()):
        if not any(_related(asset_id, t, parent) for t in storm.tripped):
            storm_made = sum(1 for t in o.tickets if t in storm.cause)
            lines.append(f"  false {asset_id}: {len(o.tickets)} reports, {storm_made} from a trip, "
                         f"{len(o.tickets) - storm_made} of the day's other tickets")  # fmt: skip
    return lines


def plan_figures(
    plan: Plan, inputs: PlanInputs, policy: Policy, storm: Storm, *, any_crew: bool = False
) -> dict[str, float]:
    """The figures of ``plan`` (see the module docstring for their definitions), whole day and storm only;
    ``any_crew``: a home visit by any crew restores its caller's tripped asset."""
    tz = ZoneInfo(policy.region.timezone)
    end_of_day = dt.datetime.combine(DAY + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    midnight = dt.datetime.combine(DAY, dt.time(0), tzinfo=tz)
    done = {s.ticket_id: s.end for _, s in plan.visits() if s.ticket_id}
    restored = _restorations(plan, inputs, policy, storm, any_crew=any_crew)
    fixed: dict[str, dt.datetime] = {}
    for t in inputs.tickets:  # a report is resolved by its own visit, or when its tripped asset is restored
        moments = [m for m in (done.get(t.ticket_id), restored.get(storm.cause.get(t.ticket_id, ""))) if m]
        if moments:
            fixed[t.ticket_id] = min(moments)
    started = _started(inputs, storm)

    def hours(since: dt.datetime, until: dt.datetime | None, *, from_midnight: bool) -> float:
        since = max(since, midnight) if from_midnight else since
        return max(0.0, ((until or end_of_day) - since).total_seconds() / 3600)

    figures: dict[str, float] = {}
    for key, from_midnight in (("", False), ("_today", True)):
        dark = _dark_hours(inputs, policy, storm, restored, from_midnight=from_midnight)
        others = sum(
            max(1, t.customers_affected) * hours(t.reported_at, fixed.get(t.ticket_id), from_midnight=from_midnight)
            for t in inputs.tickets
            if t.ticket_id not in storm.cause
        )
        figures[f"customer_h{key}"] = dark + others
        figures[f"storm_customer_h{key}"] = dark
    storm_ids = {r["ticket_id"] for r in storm.reports}
    driving_s = 0.0
    for r in plan.routes:
        for prev, step in zip(r.steps, r.steps[1:], strict=False):
            if step.type is not StepType.BREAK and prev.type is not StepType.BREAK:
                driving_s += (step.arrival - prev.end).total_seconds()
    return figures | {
        "homes": plan.summary.homes_entered,
        "p1_visits": sum(1 for t in inputs.tickets if t.priority == 1 and t.ticket_id in done),
        "storm_homes": sum(1 for _, s in plan.visits() if s.indoor and s.ticket_id in storm_ids),
        "resolved": len(fixed),
        "storm_resolved": sum(1 for t in fixed if t in storm_ids),
        "absorbed_unfixed": sum(1 for o in plan.outages or () for t in o.tickets if t not in fixed),
        "driving_h": driving_s / 3600,
        "asset_jobs_routed": sum(1 for o in plan.outages or () if o.job_ticket_id in done),
        "outages": len(plan.outages or ()),
        "assets_restored": len(restored),
        "first_restore_h": _mean_hours(restored, started),
    }


def _started(inputs: PlanInputs, storm: Storm) -> dict[str, dt.datetime]:
    """When each tripped asset's customers went dark: its first caller's report."""
    started: dict[str, dt.datetime] = {}
    for t in inputs.tickets:
        c = storm.cause.get(t.ticket_id)
        if c:
            started[c] = min(t.reported_at, started.get(c, t.reported_at))
    return started


def _dark_hours(
    inputs: PlanInputs, policy: Policy, storm: Storm, restored: dict[str, dt.datetime], *, from_midnight: bool
) -> float:
    """Customer-hours of the tripped assets' customers (all connected, callers or not) from the first call
    (or the midnight starting the day) until restored (or the midnight ending it)."""
    tz = ZoneInfo(policy.region.timezone)
    midnight = dt.datetime.combine(DAY, dt.time(0), tzinfo=tz)
    end_of_day = midnight + dt.timedelta(days=1)
    customers = {a.asset_id: a.customers for a in inputs.assets}
    total = 0.0
    for c, since in _started(inputs, storm).items():
        since = max(since, midnight) if from_midnight else since
        total += customers[c] * max(0.0, ((restored.get(c) or end_of_day) - since).total_seconds() / 3600)
    return total


def storm_bound(inputs: PlanInputs, policy: Policy, storm: Storm) -> dict[str, float]:
    """The storm's customer-hours if every tripped asset were back as early as any plan could bring it: at
    the earliest start of a shift that day of a crew with its job's skills, plus the job's service minutes
    (no travel, no other work, every crew free for it). No plan does better."""
    restored = {}
    for c, kind in storm.tripped.items():
        skills = set(policy.outage.skills.get(kind, ()))
        able = {cr.crew_id for cr in inputs.crews if skills <= set(cr.skills)}
        starts = [s.start for s in inputs.shifts if s.date == DAY and s.crew_id in able]
        if starts:
            restored[c] = min(starts) + dt.timedelta(minutes=policy.outage.service_min.get(kind, 60))
    return {
        "storm_customer_h": _dark_hours(inputs, policy, storm, restored, from_midnight=False),
        "storm_customer_h_today": _dark_hours(inputs, policy, storm, restored, from_midnight=True),
    }


def _restorations(
    plan: Plan, inputs: PlanInputs, policy: Policy, storm: Storm, *, any_crew: bool
) -> dict[str, dt.datetime]:
    """When each tripped asset is back: the end of the first routed asset job at it, above it or below it
    (a crew at any of them finds the fault), or, after a home visit to one of its callers by a crew with
    the skills of its asset job, that visit's end plus the job's service time (the crew at the door sees
    the network fault and mends it straight away, its route unchanged: generous to the plan without
    grouping). A visit by a crew without those skills restores nothing, unless ``any_crew``."""
    assets = {a.asset_id: a for a in inputs.assets}
    skills = {c.crew_id: set(c.skills) for c in inputs.crews}
    done = {s.ticket_id: s.end for _, s in plan.visits() if s.ticket_id}
    by = {s.ticket_id: r.crew_id for r, s in plan.visits() if s.ticket_id}

    def chain(x: str) -> list[str]:
        out = [x]
        while assets[out[-1]].parent_id in assets and assets[out[-1]].parent_id not in out:
            out.append(assets[out[-1]].parent_id)
        return out

    restored: dict[str, dt.datetime] = {}

    def restore(asset_id: str, at: dt.datetime) -> None:
        restored[asset_id] = min(at, restored.get(asset_id, at))

    for o in plan.outages or ():
        if o.job_ticket_id in done:
            for c in storm.tripped:
                if o.asset_id in chain(c) or c in chain(o.asset_id):
                    restore(c, done[o.job_ticket_id])
    for ticket_id, c in storm.cause.items():
        kind = storm.tripped[c]
        if ticket_id in done and (any_crew or set(policy.outage.skills.get(kind, ())) <= skills[by[ticket_id]]):
            restore(c, done[ticket_id] + dt.timedelta(minutes=policy.outage.service_min.get(kind, 60)))
    return restored


def _mean_hours(restored: dict[str, dt.datetime], started: dict[str, dt.datetime]) -> float:
    """Mean hours from a tripped asset's first call to its restoration, over those restored."""
    waits = [(restored[c] - started[c]).total_seconds() / 3600 for c in restored if c in started]
    return sum(waits) / max(1, len(waits))


ARMS = ("baseline (no grouping)", "product (grouped)", "grouped, each job one", "grouped, big outages first")


def compare(
    inputs: PlanInputs, storm: Storm, policy: Policy, *, time_limit: float, emergency_customers: int
) -> dict[str, dict[str, float]]:
    """The figures of the plans of one storm day, same inputs, same time limit, same caps: every report its
    own visit; grouped; grouped with every asset job counting as one job (outage.customers_per_job = 0);
    grouped with asset jobs behind ``emergency_customers`` or more as emergencies
    (outage.emergency_min_customers; skipped when 0)."""
    one = policy.with_overrides({"outage.customers_per_job": 0})
    arms = [(ARMS[0], replace(inputs, assets=()), policy), (ARMS[1], inputs, policy), (ARMS[2], inputs, one)]
    if emergency_customers:
        big = policy.with_overrides({"outage.emergency_min_customers": emergency_customers})
        arms.append((ARMS[3], inputs, big))
    rows = {}
    for name, arm, arm_policy in arms:
        t0 = time.perf_counter()
        plan = make_plan(arm, arm_policy, time_limit=time_limit).plan
        rows[name] = plan_figures(plan, inputs, policy, storm) | {"wall_s": time.perf_counter() - t0}
        rows[name]["load"] = os.getloadavg()[0]
        rows[name] |= {f"{k}_any": v for k, v in plan_figures(plan, inputs, policy, storm, any_crew=True).items()}
    return rows


def _change(new: float, old: float) -> str:
    return f"{new / max(1e-9, old) - 1:+.0%}"


def print_day(rows: dict[str, dict[str, float]], bound: dict[str, float]) -> None:
    """One storm day's plans side by side, the change of each against the baseline, and the bound."""
    print(f"{'':28}{'homes':>7}{'(storm)':>9}{'cust-h':>9}{'(storm)':>9}{'cust-h today':>14}{'(storm)':>9}"
          f"{'resolved':>10}{'(storm)':>9}{'drive h':>9}{'restored':>10}{'h to restore':>14}{'jobs':>10}"
          f"{'P1 visits':>10}")  # fmt: skip
    for name, r in rows.items():
        print(f"{name:28}{r['homes']:>7}{r['storm_homes']:>9}{r['customer_h']:>9.0f}{r['storm_customer_h']:>9.0f}"
              f"{r['customer_h_today']:>14.0f}{r['storm_customer_h_today']:>9.0f}{r['resolved']:>10}"
              f"{r['storm_resolved']:>9}{r['driving_h']:>9.1f}{r['assets_restored']:>10}{r['first_restore_h']:>14.1f}"
              f"{r['asset_jobs_routed']:>5}/{r['outages']:<4}{r['p1_visits']:>9}"
              f"  {r['wall_s']:.0f} s, load {r['load']:.1f}")  # fmt: skip
    base = rows[ARMS[0]]
    for name, prod in list(rows.items())[1:]:

        def change(key: str, prod: dict[str, float] = prod) -> str:
            return _change(prod[key], base[key])

        per = _change(prod["homes"] / max(1, prod["resolved"]), base["homes"] / max(1, base["resolved"]))
        print(
            f"{name} vs baseline, whole day (storm only): homes entered {change('homes')} ({change('storm_homes')}), "
            f"per ticket resolved {per}; customer-hours waited {change('customer_h')} ({change('storm_customer_h')}), "
            f"of them today {change('customer_h_today')} ({change('storm_customer_h_today')}); tickets resolved "
            f"{prod['resolved'] - base['resolved']:+d} ({prod['storm_resolved'] - base['storm_resolved']:+d}); "
            f"crew-hours driving {change('driving_h')}; reports absorbed but not restored by their outage's job: "
            f"{prod['absorbed_unfixed']}; if any crew at a caller's door restored: customer-hours "
            f"{change('customer_h_any')} ({change('storm_customer_h_any')})"
        )
    others = base["customer_h"] - base["storm_customer_h"]
    others_today = base["customer_h_today"] - base["storm_customer_h_today"]
    print(
        f"bound, every tripped asset back at the first shift start + its job's service: customer-hours "
        f"{others + bound['storm_customer_h']:.0f} {_change(others + bound['storm_customer_h'], base['customer_h'])} "
        f"(storm only {_change(bound['storm_customer_h'], base['storm_customer_h'])}), today "
        f"{_change(others_today + bound['storm_customer_h_today'], base['customer_h_today'])} "
        f"(storm only {_change(bound['storm_customer_h_today'], base['storm_customer_h_today'])}); the hours before "
        f"midnight: {base['customer_h'] - base['customer_h_today']:.0f} of the baseline's {base['customer_h']:.0f}"
    )


def print_seeds(table: list[tuple[int, dict[str, float], dict[str, dict[str, float]]]]) -> None:
    """One line per seed and plan: prediction, and the plan's figures against the baseline's."""
    print(f"{'seed':>4} {'plan':28}{'prec':>6}{'recall':>7}{'level':>6}{'homes':>12}{'(storm)':>10}{'cust-h':>9}"
          f"{'(storm)':>9}{'today':>7}{'(storm)':>9}{'resolved':>14}{'drive h':>14}{'load':>6}")  # fmt: skip
    for seed, p, rows in table:
        base = rows[ARMS[0]]
        for name, r in rows.items():
            same = name == ARMS[0]

            def c(key: str, r: dict[str, float] = r, b: dict[str, float] = base, same: bool = same) -> str:
                return "" if same else _change(r[key], b[key])

            pred = (f"{p['precision_exact']:>6.2f}{p['recall_exact']:>7.2f}{p['level_accuracy']:>6.2f}" if same
                    else " " * 19)  # fmt: skip
            print(f"{seed:>4} {name:28}{pred}{r['homes']:>6} {c('homes'):>5}{c('storm_homes'):>10}"
                  f"{c('customer_h'):>9}{c('storm_customer_h'):>9}{c('customer_h_today'):>7}"
                  f"{c('storm_customer_h_today'):>9}{r['resolved']:>8} {r['resolved'] - base['resolved']:>+5}"
                  f"{r['driving_h']:>8.1f} {c('driving_h'):>5}{r['load']:>6.1f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=3000)
    parser.add_argument("--storm-share", type=float, default=0.33)
    parser.add_argument("--trips", type=int, default=30)
    parser.add_argument("--crews", type=int, default=40)
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--seeds", default="41,42,43,44,45", help="storm days for precision/recall (not 1-33)")
    parser.add_argument("--plan-seeds", default="41", help="storm days to plan three ways (comma-separated)")
    parser.add_argument(
        "--emergency-customers",
        type=int,
        default=0,
        help="fourth plan: asset jobs behind this many customers as emergencies (0: no fourth plan)",
    )
    parser.add_argument("--explain", action="store_true", help="print each missed and each false outage, and why")
    parser.add_argument("--no-plans", action="store_true", help="prediction only")
    args = parser.parse_args()
    print(f"storm day: {args.tickets} tickets ({args.storm_share:.0%} from {args.trips} tripped assets + noise), "
          f"{args.crews} crews, time limit {args.time_limit:.0f} s")  # fmt: skip
    day = {"tickets": args.tickets, "share": args.storm_share, "trips": args.trips, "crews": args.crews}
    with tempfile.TemporaryDirectory() as tmp:
        seeds = [int(s) for s in args.seeds.split(",") if s]
        means: dict[str, float] = {}
        for seed in seeds:
            inputs, storm, policy = storm_day(seed, **day, folder=Path(tmp) / f"s{seed}")
            p = prediction(inputs, storm, policy)
            print(
                f"seed {seed}: {p['inferred']} outages inferred, {p['tripped']} tripped | exact precision "
                f"{p['precision_exact']:.2f} recall {p['recall_exact']:.2f} | related precision "
                f"{p['precision_related']:.2f} recall {p['recall_related']:.2f} | "
                f"device level {p['level_accuracy']:.2f}"
            )
            for line in failures(inputs, storm, policy) if args.explain else []:
                print(line)
            for key in p:
                means[key] = means.get(key, 0.0) + p[key] / len(seeds)
        if seeds:
            print(f"mean of {len(seeds)} seeds: exact precision {means['precision_exact']:.3f} recall "
                  f"{means['recall_exact']:.3f} | related precision {means['precision_related']:.3f} recall "
                  f"{means['recall_related']:.3f} | device level {means['level_accuracy']:.3f}")  # fmt: skip
        if args.no_plans:
            return
        table = []
        for seed in [int(s) for s in args.plan_seeds.split(",") if s]:
            inputs, storm, policy = storm_day(seed, **day, folder=Path(tmp) / f"plan{seed}")
            print(f"plan seed {seed}:")
            rows = compare(inputs, storm, policy, time_limit=args.time_limit,
                           emergency_customers=args.emergency_customers)  # fmt: skip
            print_day(rows, storm_bound(inputs, policy, storm))
            table.append((seed, prediction(inputs, storm, policy), rows))
    print_seeds(table)


if __name__ == "__main__":
    main()
