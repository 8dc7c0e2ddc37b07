"""30 nights of dispatch on the sample region: plan, publish, record synthetic actuals, repeat.

    .venv/bin/python bench/exposure_30d.py [--days 30] [--time-limit 3] [--new-tickets 40] [--seed 7] [--png PATH]

Uses a temporary SQLite file. The region comes from ``dispatch.sample.generate_region`` (300
tickets, 12 crews, its zones and policy); shifts are generated week by week for the whole run.
Each night the next day is planned with the rolling budgets and quarantines of the exposure
ledger (``dispatch.planning.load_inputs``), saved and published (planned exposure into the
ledger), then the day "happens": most visits go as planned, some overrun (15 %, 30-80 % longer), some
find nobody home, a few are escalated, and the actuals replace the plan in the ledger. New tickets
arrive for the next night. On day 10 a member of a three-person crew and on day 12 a member of a
two-person crew are quarantined for ten days (the latter crew stays home).

Prints, per day: tickets served, the largest per-worker exposure in the plan (shift and rolling)
against the caps, and the largest actual exposure; at the end, whether every plan kept every
worker within the caps (the exit status is 1 if not) and how many actual worker-days went over.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dispatch.core.plan import Plan  # noqa: E402
from dispatch.core.policy import Policy  # noqa: E402
from dispatch.core.route import Step  # noqa: E402
from dispatch.io.importing.crews import import_crews  # noqa: E402
from dispatch.io.importing.shifts import import_shifts  # noqa: E402
from dispatch.io.importing.tickets import import_tickets  # noqa: E402
from dispatch.io.importing.zones import import_zones  # noqa: E402
from dispatch.ledger.budgets import member_budgets
from dispatch.ledger.chart import write_exposure_chart
from dispatch.ledger.members import quarantine_member
from dispatch.ledger.overrun import overrun_margins
from dispatch.ledger.publish import publish_plan
from dispatch.ledger.report import exposure_report
from dispatch.ledger.visits import record_visit
from dispatch.planning.inputs import load_inputs  # noqa: E402
from dispatch.planning.nightly import make_plan  # noqa: E402
from dispatch.planning.persist import save_plan  # noqa: E402
from dispatch.sample.columns import SHIFT_COLUMNS, TICKET_COLUMNS
from dispatch.sample.geography import TZ  # noqa: E402
from dispatch.sample.region import generate_region
from dispatch.store.db import make_engine, session_scope  # noqa: E402
from dispatch.store.models.tickets import load_open_tickets
from dispatch.store.schema import create_schema  # noqa: E402
from dispatch.usecases.replan import run_replan  # noqa: E402

START = dt.date(2026, 11, 30)
EPS = 1e-6


def _at(day: dt.date, hhmm: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(hhmm), tzinfo=TZ)


def _write_csv(path: Path, columns: tuple[str, ...], rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def new_tickets(*, day: dt.date, n: int, seed: int, n_crews: int) -> list[dict[str, str]]:
    """Tickets reported for ``day``'s plan, with ids and customers of their own (D05-0001 ...)."""
    rows = generate_region(n_tickets=n, n_crews=n_crews, day=day, seed=seed, shift_days=1).tickets
    prefix = f"D{(day - START).days:02d}"
    keep_facilities = (day - START).days % 5 == 0  # hospitals call now and then, not every night
    out = []
    for k, row in enumerate(rows, start=1):
        if row["critical_facility"] == "true" and not keep_facilities:
            continue
        row = dict(row, ticket_id=f"{prefix}-{k:04d}", customer_id=f"{prefix}{row['customer_id']}")
        out.append(row)
    return out


def check_plan(plan: Plan, budgets: dict[str, Any], policy: Policy) -> list[str]:
    """Every member of every route within the per-shift caps and within their rolling budget."""
    caps = policy.exposure
    problems: list[str] = []
    for route in plan.routes:
        homes, minutes = route.summary.homes_entered, route.summary.exposure_min
        crew = route.crew_id
        for m in route.members:
            b = budgets.get(m)
            if homes > caps.max_homes_per_shift:
                problems.append(f"{m} ({crew}): {homes} homes > shift cap {caps.max_homes_per_shift}")
            if minutes > caps.max_exposure_min_per_shift + EPS:
                problems.append(f"{m} ({crew}): {minutes} min > shift cap {caps.max_exposure_min_per_shift:g}")
            if b is not None and b.homes_left is not None and homes > b.homes_left:
                problems.append(f"{m} ({crew}): {homes} homes > rolling budget left {b.homes_left}")
            if b is not None and b.exposure_min_left is not None and minutes > b.exposure_min_left + EPS:
                problems.append(f"{m} ({crew}): {minutes} min > rolling budget left {b.exposure_min_left}")
    return problems


def _outcome(step: Step, *, seed: int, day: dt.date) -> tuple[dt.timedelta, bool, str, bool]:
    """What happens at a visit: (duration, entered, outcome, overrun), drawn per ticket and day, so
    every configuration of the bench meets the same fate at the same visit."""
    rng = random.Random(f"{seed}-{day}-{step.ticket_id}")
    planned = step.end - step.start
    r = rng.random()
    if r < 0.07:
        return dt.timedelta(minutes=5), False, "not_home", False
    if r < 0.10:
        return planned, step.indoor, "escalated", False
    if r < 0.25:
        return planned * rng.uniform(1.3, 1.8), step.indoor, "fixed", True
    return planned * rng.uniform(0.85, 1.05), step.indoor, "fixed", False


def simulate_day(
    engine: Any, *, plan: Plan, day: dt.date, seed: int, policy: Policy, replan_limit: float | None
) -> dict[str, int]:
    """The day happens: crews carry out the published plan visit by visit (in time order) and report
    each one: mostly as planned, some overruns (15 %, 30-80 % longer), some not home. With
    ``replan_limit``, a report of a home visit that overran makes the dispatcher re-plan the rest of
    the day at once (``dispatch replan --at`` the report's time), and the crews follow the revision."""
    counts: dict[str, int] = defaultdict(int)
    now = _at(day, "23:00")
    reported: set[str] = set()
    current = plan
    while True:
        pending = sorted(
            ((s.start, r.crew_id, s) for r, s in current.visits() if s.ticket_id and s.ticket_id not in reported),
            key=lambda x: (x[0], x[1]),
        )
        if not pending:
            break
        start, crew_id, step = pending[0]
        duration, entered, outcome, overrun = _outcome(step, seed=seed, day=day)
        counts[outcome] += 1
        counts["overrun"] += int(overrun)
        reported.add(step.ticket_id or "")
        with session_scope(engine) as s:
            record_visit(
                s, ticket_id=step.ticket_id or "", crew_id=crew_id, arrived_at=start, left_at=start + duration,
                entered_home=entered, outcome=outcome, now=now, plan_id=current.plan_id, policy=policy,
            )  # fmt: skip
        if replan_limit is not None and overrun and entered:
            # A re-plan never goes back before the revision it revises (reports on other crews may end earlier).
            since = current.revision_of.as_of if current.revision_of else start + duration
            when = max(start + duration, since)
            run = run_replan(
                engine=engine, day=day, at=when, policy=policy, now=when, time_limit=replan_limit,
            )  # fmt: skip
            current = run.plan
            counts["replans"] += 1
    return counts


def peaks(session: Any, *, day: dt.date, policy: Policy) -> dict[str, float]:
    """The day's largest exposure per worker in the ledger, and the rolling totals including it."""
    report = exposure_report(session, start=day, end=day, policy=policy)
    rows = report.rows
    return {
        "homes": max((r.homes for r in rows), default=0),
        "minutes": max((r.exposure_min for r in rows), default=0.0),
        "rolling_homes": max((r.rolling_homes for r in rows), default=0),
        "rolling_minutes": max((r.rolling_exposure_min for r in rows), default=0.0),
        "over_shift": sum(1 for r in rows if r.over_shift_cap),
        "over_rolling": sum(1 for r in rows if r.over_rolling_cap),
    }


def _pair(peak: dict[str, float], policy: Policy) -> str:
    """Shift and rolling peaks against their caps, as homes/cap min/cap."""
    c = policy.exposure
    shift = (
        f"{peak['homes']:>3.0f}/{c.max_homes_per_shift:<2} {peak['minutes']:>4.0f}/{c.max_exposure_min_per_shift:<4.0f}"
    )
    rolling = (
        f"{peak['rolling_homes']:>3.0f}/{c.max_homes_7d:<2} "
        f"{peak['rolling_minutes']:>4.0f}/{c.max_exposure_min_7d:<4.0f}"
    )
    return f"{shift} {rolling}"


CONFIGS = {
    # name: (overrun margin kept by the plans, re-plan after an overrun report)
    "plain": (False, False),
    "replan": (False, True),
    "margin": (True, True),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--time-limit", type=float, default=3.0, help="solver seconds per night")
    parser.add_argument("--replan-limit", type=float, default=1.0, help="solver seconds per re-plan")
    parser.add_argument("--new-tickets", type=int, default=40, help="tickets reported per day")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quantile", type=float, default=None, help="exposure.overrun_quantile (default: policy's)")
    parser.add_argument(
        "--configs", default="plain,replan,margin",
        help="comma-separated: plain (nightly plans only), replan (+ re-plan after each overrun report), "
        "margin (+ the plans keep the overrun margin learned from the ledger)",
    )  # fmt: skip
    parser.add_argument("--png", type=Path, default=None, help="write the rolling exposure chart here")
    args = parser.parse_args(argv)
    names = [c.strip() for c in args.configs.split(",") if c.strip()]
    unknown = [c for c in names if c not in CONFIGS]
    if unknown:
        parser.error(f"--configs: unknown {unknown} (known: {', '.join(CONFIGS)})")
    results = {name: run(args, name) for name in names}
    print()
    print(f"Same commit, same region, same fate per visit; {args.days} days:")
    print(f"{'config':<8} {'margin':>6} {'replan':>6} {'over shift':>10} {'over rolling':>12} {'fixed':>6} "
          f"{'planned':>7} {'re-plans':>8} {'wall s':>7}")  # fmt: skip
    for name, r in results.items():
        margin, replan = CONFIGS[name]
        print(
            f"{name:<8} {'yes' if margin else 'no':>6} {'yes' if replan else 'no':>6} {r['over_shift']:>10} "
            f"{r['over_rolling']:>12} {r['fixed']:>6} {r['served']:>7} {r['replans']:>8} {r['wall_s']:>7.0f}"
        )
    for name, against in (("replan", "plain"), ("margin", "plain"), ("margin", "replan")):
        r, base = results.get(name), results.get(against)
        if r is not None and base is not None and base["fixed"] and base["served"]:
            print(
                f"{name} against {against}: tickets fixed {r['fixed'] / base['fixed'] - 1:+.1%}, "
                f"visits planned {r['served'] / base['served'] - 1:+.1%}"
            )
    print("over = worker-days over a per-shift / rolling cap in actuals; fixed = visits reported fixed;")
    print("planned = visits in the nightly plans")
    return 1 if any(r["plan_problems"] for r in results.values()) else 0


def run(args: argparse.Namespace, name: str) -> dict[str, Any]:
    """One configuration over the whole run, on its own database; its figures."""
    margin, replan = CONFIGS[name]
    print(
        f"\n=== {name}: overrun margin {'on' if margin else 'off'}, re-plan after overruns {'on' if replan else 'off'}"
    )
    t_start = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="exposure30d-"))
    region = generate_region(n_tickets=300, n_crews=12, day=START, seed=args.seed)
    region.write(work / "region")
    policy = Policy.load(work / "region" / "dispatch.toml")
    if not margin:
        policy = policy.with_overrides({"exposure.overrun_quantile": 0.0})
    elif args.quantile is not None:
        policy = policy.with_overrides({"exposure.overrun_quantile": args.quantile})
    caps = policy.exposure
    shifts: list[dict[str, str]] = []
    for week in range(0, args.days, 7):
        day = START + dt.timedelta(days=week)
        shifts += generate_region(n_tickets=0, n_crews=12, day=day, seed=args.seed, shift_days=7).shifts
    _write_csv(work / "shifts.csv", SHIFT_COLUMNS, shifts)

    engine = make_engine(f"sqlite:///{work / 'dispatch.db'}")
    create_schema(engine)
    with session_scope(engine) as s:
        import_crews(s, work / "region" / "crews.csv")
        import_shifts(s, work / "shifts.csv", policy=policy)
        import_zones(s, work / "region" / "zones.geojson")
        import_tickets(
            s, work / "region" / "tickets.csv", policy=policy, now=_at(START, "00:00") - dt.timedelta(hours=2)
        )
    crews = {c["crew_id"]: c["members"].split(";") for c in region.crews}
    three = next(c for c, m in crews.items() if len(m) == 3)
    two = next(c for c, m in crews.items() if len(m) == 2)
    events = {
        10: (crews[three][0], f"member of 3-person crew {three}"),
        12: (crews[two][0], f"member of 2-person crew {two}"),
    }

    print(
        f"Sample region: 300 tickets, 12 crews, {len(shifts)} shifts over {args.days} days; "
        f"+{args.new_tickets} tickets a day; solver {args.time_limit:g} s a night; SQLite {work / 'dispatch.db'}"
    )
    print(
        f"Caps per worker: shift {caps.max_homes_per_shift} homes / {caps.max_exposure_min_per_shift:g} min; "
        f"rolling {caps.rolling_days} days {caps.max_homes_7d} homes / {caps.max_exposure_min_7d:g} min"
    )
    header = (
        f"{'day':<10} {'crews':>7} {'lim':>3} {'out':>3} {'served':>6} {'unas':>5} {'open':>5}  "
        f"{'plan shift h, min':<16} {'plan rolling h, min':<18} {'act shift h, min':<16} {'act rolling h, min':<18} "
        f"{'over':>4} {'nh':>3} {'run':>3} {'rep':>3} {'marg':>5}"
    )
    print(header)
    print("-" * len(header))

    plan_problems: list[str] = []
    retries: list[str] = []
    plans = worker_days = over_shift = over_rolling = served_total = fixed = replans = 0
    solver_s = 0.0
    for d in range(args.days):
        day = START + dt.timedelta(days=d)
        evening = _at(day, "20:00") - dt.timedelta(days=1)
        if d in events:
            member, who = events[d]
            with session_scope(engine) as s:
                quarantine_member(
                    s, member_id=member, until=day + dt.timedelta(days=9), reason=f"positive test ({who})",
                    now=evening, start=day, policy=policy,
                )  # fmt: skip
            print(f"           quarantine {member} ({who}) {day} to {day + dt.timedelta(days=9)}")
        with session_scope(engine) as s:
            inputs = load_inputs(s, day=day, policy=policy)
        t0 = time.monotonic()
        result = make_plan(inputs, policy, time_limit=args.time_limit, workers=1)
        if not result.plan.summary.served and result.plan.summary.crews_on_shift:
            # No solution inside the limit (a busy machine): the dispatcher would simply plan again.
            retries.append(f"{day}: no routes in {args.time_limit:g} s; planned again with {2 * args.time_limit:g} s")
            result = make_plan(inputs, policy, time_limit=2 * args.time_limit, workers=1)
        solver_s += time.monotonic() - t0
        with session_scope(engine) as s:
            doc = save_plan(
                s, plan=result.plan, objective=result.objective, now=evening, time_limit=args.time_limit,
                reproducible=False,
            )  # fmt: skip
            s.flush()
            publish_plan(s, plan_id=doc.plan_id, now=evening, policy=policy)
            plan_peak = peaks(s, day=day, policy=policy)  # the ledger holds the plan's figures for ``day`` now
        plans += 1
        problems = check_plan(doc, inputs.budgets, policy)
        plan_problems += [f"{day}: {p}" for p in problems]
        worker_days += sum(len(r.members) for r in doc.routes)
        counts = simulate_day(
            engine, plan=doc, day=day, seed=args.seed, policy=policy, replan_limit=args.replan_limit if replan else None
        )
        fixed += counts["fixed"]
        replans += counts["replans"]
        with session_scope(engine) as s:
            act = peaks(s, day=day, policy=policy)
            margins = overrun_margins(s, day=day + dt.timedelta(days=1), policy=policy)
        over_shift += int(act["over_shift"])
        over_rolling += int(act["over_rolling"])
        fresh = new_tickets(day=day + dt.timedelta(days=1), n=args.new_tickets, seed=args.seed * 1000 + d,
                            n_crews=12)  # fmt: skip
        path = _write_csv(work / f"tickets-{d:02d}.csv", TICKET_COLUMNS, fresh)
        with session_scope(engine) as s:
            import_tickets(s, path, policy=policy, now=_at(day, "23:59"))  # some report late in the evening
            open_now = len(load_open_tickets(s))
        summary = doc.summary
        served_total += summary.served
        outdoor = sum(1 for r in doc.routes if r.outdoor_only)
        limited = sum(
            1
            for r in doc.routes
            if r.caps.max_homes < caps.max_homes_per_shift or r.caps.max_exposure_min < caps.max_exposure_min_per_shift
        )
        home = doc.crews_not_dispatched
        quarantined = sum(1 for c in home if "policy minimum" in c.reason)
        crews_cell = f"{summary.crews_on_shift:>2}/{len(home) - quarantined}/{quarantined}"
        print(
            f"{day.isoformat():<10} {crews_cell:>7} {limited:>3} {outdoor:>3} {summary.served:>6} "
            f"{summary.unassigned:>5} "
            f"{open_now:>5}  {_pair(plan_peak, policy)}  {_pair(act, policy)} "
            f"{act['over_shift'] + act['over_rolling']:>4.0f} {counts['not_home']:>3} {counts['overrun']:>3} "
            f"{counts['replans']:>3} {max(margins.values(), default=1.0):>5.2f}"
        )

    end = START + dt.timedelta(days=args.days - 1)
    with session_scope(engine) as s:
        report = exposure_report(s, start=START, end=end, policy=policy)
        budgets = member_budgets(s, day=end + dt.timedelta(days=1), policy=policy)
    png = args.png.with_name(f"{args.png.stem}-{name}{args.png.suffix}") if args.png else work / "exposure_30d.png"
    write_exposure_chart(report, png)
    print()
    print("crews = dispatched / standby / kept home (quarantine left too few members); lim = routes whose caps")
    print("were cut by a member's rolling budget; out = outdoor-only routes (rolling budget spent);")
    print("plan = the published plan's largest per-worker figure (rolling = ledger before the day + the plan);")
    print("act = after the day's actuals; over = worker-days over a cap in actuals; nh = not home; run = overruns;")
    print("rep = re-plans after overrun reports; marg = largest overrun margin the next night's plan keeps")
    print()
    print("Most exposed workers over the run (peak rolling totals):")
    for w in report.workers[:5]:
        print(
            f"  {w.member_id} ({w.crew_id}): {w.homes} homes, {w.exposure_min:.0f} weighted min in {args.days} days; "
            f"peak rolling {w.peak_rolling_homes}/{caps.max_homes_7d} homes, "
            f"{w.peak_rolling_exposure_min:.0f}/{caps.max_exposure_min_7d:g} min ({w.peak_share:.0%} of cap); "
            f"{w.days_over_cap} day(s) over in actuals"
        )
    spent = sum(1 for b in budgets.values() if b.exposure_min_left == 0 or b.homes_left == 0)
    print(f"Budgets spent for {end + dt.timedelta(days=1)}: {spent} of {len(budgets)} workers")
    print(f"Chart: {png}")
    print(
        f"{plans} plans, {served_total} tickets served, {worker_days} worker-shifts planned; "
        f"solver {solver_s:.0f} s, total {time.monotonic() - t_start:.0f} s"
    )
    for note in retries:
        print("note: " + note)
    if plan_problems:
        print(f"FAIL: {len(plan_problems)} cap violation(s) in plans the system made:")
        for p in plan_problems[:20]:
            print("  " + p)
    else:
        print(f"OK: no worker exceeds a per-shift or rolling cap in any of the {plans} plans the system made.")
    print(
        f"Actual overruns (crews' reports, not plans): {over_shift} worker-day(s) over a per-shift cap, "
        f"{over_rolling} worker-day(s) over a rolling cap."
    )
    over_days = [
        f"{r.member_id} {r.day}: {r.homes} homes, {r.exposure_min:.0f} min (rolling {r.rolling_exposure_min:.0f})"
        for r in report.rows
        if r.over_shift_cap or r.over_rolling_cap
    ]
    for line in over_days[:12]:
        print("  over: " + line)
    engine.dispose()
    return {
        "over_shift": over_shift,
        "over_rolling": over_rolling,
        "served": served_total,
        "fixed": fixed,
        "replans": replans,
        "plan_problems": len(plan_problems),
        "wall_s": time.monotonic() - t_start,
    }


if __name__ == "__main__":
    sys.exit(main())
