"""Replay a working day: the night's plan, then tickets arriving through the day and re-plans every 30 min.

The sample region (dispatch.sample) is imported into a temporary SQLite file; extra tickets are
reported between 07:00 and 14:30 on the day (a few P1 hazards among them). Crews carry out the
current plan exactly; every ``--every`` minutes the visits so far are recorded (done / under way)
and the rest of the day is re-planned. Tickets still open at the end of the day go into the next
day's plan, for both the nightly-only and the intraday runs.

A share of crews (``--silent``) never report (paper sheets): their visits happen as planned but the
re-plans hear nothing of them, so the silence rule (policy ``intraday.unreported``) decides; the day is
replayed once per value of ``--unreported`` (default both), and tickets visited by two crews are counted.

With ``--reports service`` (the default) the other crews' reports arrive as in the field: the replayed day
has a database of its own where the night's plan is published and tickets are imported as they are
reported; a real crew service (the app of `dispatch serve` on uvicorn, on a loopback port, on the replayed
clock) takes each crew's reports (arrived, done) posted over HTTP with its own link's token; each re-plan is
``dispatch replan``'s use case: loaded from that database, saved and published (bench/replay_service.py).
``--reports direct`` hands the visits to the re-plan in memory instead, for comparison.

Prints P1/P2 mean and worst response (report to arrival) nightly-only versus intraday, the stops
changed per re-plan and the re-plan time.

    .venv/bin/python bench/day_replay.py [--tickets 1000 --crews 40 --new 60 --replan-limit 5] [--reports direct]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.replay_service import ServiceDay  # noqa: E402
from dispatch.core.domain import PlanInputs, Ticket  # noqa: E402
from dispatch.core.notes import NoteKind  # noqa: E402
from dispatch.core.plan import CrewChange, Plan  # noqa: E402
from dispatch.core.policy import Policy  # noqa: E402
from dispatch.intraday.model import ReplanInputs, VisitFact  # noqa: E402
from dispatch.intraday.replan import make_replan  # noqa: E402
from dispatch.io.importing.crews import import_crews  # noqa: E402
from dispatch.io.importing.shifts import import_shifts  # noqa: E402
from dispatch.io.importing.tickets import import_tickets  # noqa: E402
from dispatch.io.importing.zones import import_zones  # noqa: E402
from dispatch.io.sheets.i18n import Labels  # noqa: E402
from dispatch.planning.coverage import CoverageGap, coverage_gaps, hazard_skills  # noqa: E402
from dispatch.planning.inputs import load_inputs  # noqa: E402
from dispatch.planning.nightly import make_plan  # noqa: E402
from dispatch.sample.columns import TICKET_COLUMNS, _write_csv
from dispatch.sample.region import generate_region
from dispatch.store.db import make_engine, session_scope  # noqa: E402
from dispatch.store.schema import create_schema  # noqa: E402

TZ = ZoneInfo("Asia/Jakarta")
# The re-plan notes about the search itself (not one crew's day), printed after each re-plan's line.
SEARCH_NOTES = {
    NoteKind.STORM_SOFT,
    NoteKind.SEARCHED_AGAIN,
    NoteKind.WARM_START_KEPT,
    NoteKind.EMERGENCIES_FIRST,
    NoteKind.BACKLOG_FIRST,
}
TARGET_P1 = dt.timedelta(hours=3)


def day_tickets(*, n: int, n_p1: int, day: dt.date, seed: int) -> list[dict[str, str]]:
    """``n`` tickets reported on ``day`` between 07:00 and 14:30; ``n_p1`` of them lines down (P1)."""
    rows = generate_region(n_tickets=n, n_crews=4, day=day, seed=seed).tickets
    rng = random.Random(seed)
    start = dt.datetime.combine(day, dt.time(7, 0), tzinfo=TZ)
    for k, row in enumerate(rows):
        row["ticket_id"] = f"DAY-{k + 1:05d}"
        row["reported_at"] = (start + dt.timedelta(minutes=rng.randrange(0, 450))).isoformat()
        row["window_start"] = row["window_end"] = ""
        if k < n_p1:
            row.update(category="line_down", priority="1", indoor="false", skills="mv", critical_facility="false")
            row["service_min"] = ""
    return rows


def executed(
    plan: Plan,
    until: dt.datetime,
    facts: dict[str, VisitFact],
    hidden: dict[str, VisitFact] | None = None,
    silent: frozenset[str] = frozenset(),
) -> None:
    """Crews follow ``plan``: every visit that has started by ``until`` becomes a record (kept once
    made) in ``facts``; the visits of ``silent`` crews happen too but nobody hears of them (``hidden``)."""
    for r, s in plan.visits():
        tid = s.ticket_id
        target = hidden if r.crew_id in silent and hidden is not None else facts
        if tid is None or tid in target and target[tid].left_at is not None:
            continue
        arrival, end = s.arrival, s.end
        if arrival > until:
            continue
        prev = target.get(tid)
        if prev is not None:  # under way: it ends as the plan says
            arrival = prev.arrived_at
        target[tid] = VisitFact(
            tid, r.crew_id, arrival, end if end <= until else None, s.indoor, "fixed", exposure_min=s.exposure_min
        )


def hours_of(gap: CoverageGap) -> str:
    """A roster hole's hours, local time."""
    return f"{gap.start.astimezone(TZ):%H:%M}-{gap.end.astimezone(TZ):%H:%M}"


def arrivals_of(plan: Plan) -> dict[str, dt.datetime]:
    """Each visited ticket's planned arrival."""
    return {s.ticket_id: s.arrival for _, s in plan.visits() if s.ticket_id is not None}


def next_day_arrivals(
    tickets: list[Ticket], base: PlanInputs, next_inputs: PlanInputs, policy: Policy, limit: float
) -> dict[str, dt.datetime]:
    """When the next day's plan reaches the P1/P2 tickets left over (only those are planned: fast)."""
    urgent = tuple(t for t in tickets if t.priority <= 2)
    if not urgent:
        return {}
    return arrivals_of(
        make_plan(dataclasses.replace(next_inputs, tickets=urgent), policy, time_limit=limit, workers=1).plan
    )


def change_kinds(changes: Iterable[CrewChange], tickets: dict[str, Ticket]) -> str:
    """A re-plan's stops changed by kind: added (P1s among them), moved to another crew, taken off
    (P1s among them), reordered."""
    changes = list(changes)
    added = [t for c in changes for t in c.added]
    dropped = [t for c in changes for t in c.dropped]

    def p1(ids: list[str]) -> int:
        return sum(1 for t in ids if t in tickets and tickets[t].priority == 1)

    return (
        f"+{len(added)} [{p1(added)} P1], moved {sum(len(c.moved_in) for c in changes)}, "
        f"-{len(dropped)} [{p1(dropped)} P1], reordered {sum(c.reordered for c in changes)}"
    )


# "... fits if crew C21's shift ran 85 min longer": the overtime the unassigned reason says would reach it.
FITS_LONGER = re.compile(r"crew (\S+)'s shift ran (\d+) min longer")


def overtime_note(text: str, doc: Plan, policy: Policy) -> str:
    """What an unassigned P1's reason says of overtime: within what the crew has left today (the policy's
    emergency overtime and daily limit, less what its route already has), over it, or nothing."""
    found = FITS_LONGER.search(text)
    if found is None:
        return ""
    crew_id, minutes = found.group(1), int(found.group(2))
    route = doc.route(crew_id)
    had = route.overtime.minutes if route is not None and route.overtime is not None else 0
    r = policy.response
    left = min(r.emergency_overtime_min, r.overtime_max_min_per_day) - had
    if minutes <= left:
        return " (fits on overtime)"
    return f" (over the overtime limits: {crew_id} needs {minutes} min, {max(left, 0)} left)"


def track_p1(
    history: dict[str, list[str]],
    clock: dt.datetime,
    doc: Plan,
    open_now: Iterable[Ticket],
    planned: dict[str, dt.datetime],
    why: dict[str, str],
    policy: Policy,
) -> None:
    """Note, per open P1 ticket, what this re-plan did with it when that differs from the last note."""
    ot = {t: f"{r.crew_id} +{r.overtime.minutes} min" for r in doc.routes if r.overtime for t in r.overtime.tickets}
    for t in open_now:
        if t.priority != 1:
            continue
        arrival = planned.get(t.ticket_id)
        if arrival is not None:
            what = f"planned {arrival.astimezone(TZ):%H:%M}" + (
                f" on overtime {ot[t.ticket_id]}" if t.ticket_id in ot else ""
            )
        else:
            text = why.get(t.ticket_id, "not planned")
            what = text.split(":")[0] + overtime_note(text, doc, policy)
        notes = history.setdefault(t.ticket_id, [])
        if not notes or notes[-1].split(" ", 1)[1] != what:
            notes.append(f"{clock:%H:%M} {what}")


def explain_miss(
    t: Ticket, hole: CoverageGap | None, notes: list[str], roster_skills: list[set[str]], no_overtime: bool
) -> str:
    """Why a P1 reported during the day was not reached within 3 h."""
    if not any(set(t.skills) <= have for have in roster_skills):
        return f"no skilled crew at all (no crew on the roster has all of {', '.join(sorted(t.skills))})"
    if hole is not None:
        return f"roster hole (no {hole.skill} crew on shift {hours_of(hole)})"
    said = "; ".join(notes) or "reported after the last re-plan"
    fits = any("fits on overtime" in n for n in notes)
    if no_overtime and fits:
        return f"overtime refused ({said})"
    if any("on overtime" in n and "fits" not in n for n in notes):
        return f"no crew could reach it within its shift; reached on overtime ({said})"
    if not fits and any("over the overtime limits" in n for n in notes):
        return f"over overtime limits ({said})"
    if fits:
        return f"UNEXPLAINED: overtime within the limits not granted ({said})"
    if sum(1 for n in notes if "planned" in n) > 1:
        return f"promise moved later by a re-plan ({said})"
    return f"placed late ({said})"


def stats(
    tickets: dict[str, Ticket], arrivals: dict[str, dt.datetime], priority: int, ids: set[str]
) -> tuple[str, int, int]:
    hours = [
        (arrivals[t].astimezone(TZ) - tickets[t].reported_at).total_seconds() / 3600
        for t in ids
        if tickets[t].priority == priority and t in arrivals
    ]
    missing = sum(1 for t in ids if tickets[t].priority == priority and t not in arrivals)
    if not hours:
        return "-", 0, missing
    return f"mean {statistics.mean(hours):5.1f} h, worst {max(hours):5.1f} h", len(hours), missing


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tickets", type=int, default=1000)
    ap.add_argument("--crews", type=int, default=40)
    ap.add_argument("--new", type=int, default=60, help="tickets reported during the day")
    ap.add_argument("--p1", type=int, default=6, help="P1 hazards among them")
    ap.add_argument("--night-limit", type=float, default=30.0)
    ap.add_argument("--replan-limit", type=float, default=5.0)
    ap.add_argument("--every", type=int, default=30, help="minutes between re-plans")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--storm", action="store_true", help="storm mode for the re-plans (standby crews called in)")
    ap.add_argument("--silent", type=float, default=0.25, help="share of crews that never report (paper sheets)")
    ap.add_argument(
        "--unreported", default="keep,not_done", help="intraday.unreported values to replay, comma-separated"
    )
    ap.add_argument("--no-overtime", action="store_true", help="refuse automatic overtime for hazards")
    ap.add_argument(
        "--not-done", type=float, default=0.05,
        help="service: share of reporting crews' visits reported not done (a reason each: not home, unsafe, "
        "needs another skill, needs material)",
    )  # fmt: skip
    ap.add_argument(
        "--reports", choices=("service", "direct"), default="service",
        help="crews' reports through a real crew service over HTTP (default), or handed to the re-plan in memory",
    )  # fmt: skip
    args = ap.parse_args()

    day = dt.date(2026, 11, 30)
    region = generate_region(n_tickets=args.tickets, n_crews=args.crews, day=day, seed=args.seed)
    extra = day_tickets(n=args.new, n_p1=args.p1, day=day, seed=args.seed + 100)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        region.write(folder)
        _write_csv(folder / "day.csv", TICKET_COLUMNS, extra)
        policy = Policy.load(folder / "dispatch.toml")
        engine = make_engine(f"sqlite:///{folder / 'bench.db'}")
        create_schema(engine)
        with session_scope(engine) as session:
            import_crews(session, folder / "crews.csv")
            import_shifts(session, folder / "shifts.csv", policy=policy)
            import_zones(session, folder / "zones.geojson")
            # Imported as of the replayed day's end, whatever today's date (reports in the future are refused).
            end_of_day = dt.datetime.combine(day, dt.time(23, 59), tzinfo=TZ)
            import_tickets(session, folder / "tickets.csv", policy=policy, now=end_of_day)
            import_tickets(session, folder / "day.csv", policy=policy, now=end_of_day)
        with session_scope(engine) as session:
            everything = load_inputs(session, day=day, policy=policy)
            tomorrow = load_inputs(session, day=day + dt.timedelta(days=1), policy=policy)
    tickets = {t.ticket_id: t for t in everything.tickets}
    midnight = dt.datetime.combine(day, dt.time(0, 0), tzinfo=TZ)
    night_inputs = dataclasses.replace(
        everything, tickets=tuple(t for t in everything.tickets if t.reported_at < midnight)
    )
    print(
        f"Day replay: {len(night_inputs.tickets)} tickets at night + {len(extra)} during the day "
        f"({args.p1} P1 hazards), {args.crews} crews, re-plan every {args.every} min, "
        f"re-plan limit {args.replan_limit:.0f} s (1 worker)"
    )
    holes = coverage_gaps(everything.crews, everything.shifts, hazard_skills(policy))
    print("roster holes: " + (", ".join(f"{g.skill} {hours_of(g)}" for g in holes) or "none"))
    t0 = time.monotonic()
    night = make_plan(night_inputs, policy, time_limit=args.night_limit, workers=1).plan.with_(plan_id=1)
    print(f"night plan: {night.summary.served} served in {time.monotonic() - t0:.1f} s")

    # Nightly only: the day's plan as made, the rest waits for tomorrow.
    arrivals_night = arrivals_of(night)
    left = [t for t in tickets.values() if t.ticket_id not in arrivals_night]
    arrivals_night.update(next_day_arrivals(left, everything, tomorrow, policy, 10))

    day_policy = policy.with_overrides({"storm.enabled": True}) if args.storm else policy
    crews_out = sorted(r.crew_id for r in night.routes if r.visits)
    silent = frozenset(random.Random(args.seed).sample(crews_out, round(args.silent * len(crews_out))))
    print(
        f"silent crews (never report; their visits happen): {len(silent)} of {len(crews_out)}: "
        f"{', '.join(sorted(silent))}"
    )
    summary = []
    for mode in [m.strip() for m in args.unreported.split(",") if m.strip()]:
        print(f"\n=== intraday.unreported = {mode!r}")
        mode_policy = day_policy.with_overrides({"intraday.unreported": mode})
        with contextlib.ExitStack() as stack:
            service = None
            if args.reports == "service":
                scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="day-replay-")))
                service = stack.enter_context(
                    ServiceDay(folder=scratch, region=region, extra=extra, night=night,
                               policy_path=scratch / "dispatch.toml", not_done=args.not_done, seed=args.seed)
                )  # fmt: skip
            result = replay(args, mode_policy, night=night, everything=everything, tomorrow=tomorrow,
                            policy=policy, tickets=tickets, arrivals_night=arrivals_night, silent=silent,
                            holes=holes, service=service)  # fmt: skip
            if service is not None:
                print(f"  {service.service.summary()}")
                print(f"  {service.not_done_summary()}")
        summary.append((mode, *result))
    print(f"\nSummary ({len(silent)} of {len(crews_out)} crews silent):")
    for mode, p1_day, p1_all, doubles, unconfirmed, _ in summary:
        print(
            f"  unreported={mode:<8} P1 reported during the day: {p1_day};  all P1: {p1_all};  "
            f"tickets visited by two crews: {doubles};  unconfirmed stops at the last re-plan: {unconfirmed}"
        )
    for mode, *_, figures in summary:
        print(f"figures seed {args.seed} unreported={mode}: {figures}")


def replay(
    args: argparse.Namespace,
    day_policy: Policy,
    *,
    night: Plan,
    everything: PlanInputs,
    tomorrow: PlanInputs,
    policy: Policy,
    tickets: dict[str, Ticket],
    arrivals_night: dict[str, dt.datetime],
    silent: frozenset[str],
    holes: list[CoverageGap],
    service: ServiceDay | None = None,
) -> tuple[str, str, int, int, str]:
    """The day re-planned every --every minutes; returns P1 response (day, all), double visits and
    the unconfirmed stops at the last re-plan."""
    day = night.date
    midnight = dt.datetime.combine(day, dt.time(0, 0), tzinfo=TZ)
    # Intraday: re-plan every --every minutes from 07:30 while tickets keep coming.
    facts: dict[str, VisitFact] = {}
    hidden: dict[str, VisitFact] = {}
    doc = night if service is None else service.night
    times, changed = [], []
    unconfirmed = 0
    overtime: dict[str, str] = {}  # crew -> minutes and hazards, as the last re-plan had it
    first_seen: dict[str, str] = {}  # day ticket -> what the first re-plan after its report did with it
    history: dict[str, list[str]] = {}  # P1 ticket -> what each re-plan did with it, when that changed
    clock = dt.datetime.combine(day, dt.time(7, 30), tzinfo=TZ)
    last = dt.datetime.combine(day, dt.time(15, 0), tzinfo=TZ)
    while clock <= last:
        executed(doc, clock, facts, hidden, silent)
        done = {t for t, f in facts.items() if f.left_at is not None}
        open_now = tuple(t for t in everything.tickets if t.reported_at <= clock and t.ticket_id not in done)
        t1 = time.monotonic()
        if service is None:
            rin = ReplanInputs(
                inputs=dataclasses.replace(everything, tickets=open_now),
                previous=doc,
                at=clock,
                visits=tuple(facts.values()),
                known_tickets=tickets,
                overtime=not args.no_overtime,
            )
            replan = make_replan(rin, day_policy, time_limit=args.replan_limit, workers=1)
            published = replan.plan.with_(plan_id=len(times) + 2)
        else:  # reports over HTTP, then `dispatch replan`'s use case on the day's database
            replan, published = service.replan(
                facts, at=clock, policy=day_policy, limit=args.replan_limit, overtime=not args.no_overtime
            )
        times.append(time.monotonic() - t1)
        changed.append(replan.stops_changed)
        unconfirmed = sum(c.unconfirmed for c in replan.changes.values())
        new_in = sum(1 for t in open_now if t.reported_at > clock - dt.timedelta(minutes=args.every))
        print(
            f"  {clock:%H:%M}  {new_in:2d} new, {len(facts):4d} visits recorded, {unconfirmed:3d} unconfirmed, "
            f"{replan.stops_changed:3d} stops changed on {len(replan.changed_crews):2d} crews "
            f"({change_kinds(replan.changes.values(), tickets)}), "
            f"re-plan {times[-1]:.1f} s (build {replan.timings['build_s']:.1f}, "
            f"search {replan.timings['solve_s']:.1f}, document {replan.timings['document_s']:.1f})"
        )
        for note in replan.notes:
            if note.kind in SEARCH_NOTES:
                print(f"         {Labels('en', TZ).note(note)}")
        doc = published
        now_ot = {
            r.crew_id: f"{r.overtime.minutes} min for {', '.join(r.overtime.tickets)}"
            for r in doc.routes
            if r.overtime is not None and r.overtime.tickets
        }
        for crew_id, text in sorted(now_ot.items()):
            if overtime.get(crew_id) != text:
                print(f"         overtime {crew_id}: {text}")
        overtime = now_ot
        planned = arrivals_of(doc)
        why = {u.ticket_id: f"{u.reason}: {u.detail}" for u in doc.unassigned}
        for t in open_now:
            if t.reported_at >= midnight and t.ticket_id not in first_seen:
                arrival = planned.get(t.ticket_id)
                first_seen[t.ticket_id] = f"{clock:%H:%M} re-plan: " + (
                    f"planned {arrival.astimezone(TZ):%H:%M}" if arrival else why.get(t.ticket_id, "-")
                )
        track_p1(history, clock, doc, open_now, planned, why, day_policy)
        clock += dt.timedelta(minutes=args.every)
    executed(doc, dt.datetime.combine(day, dt.time(23, 59), tzinfo=TZ), facts, hidden, silent)
    arrivals_day = {t: f.arrived_at for t, f in hidden.items()}
    for t, f in facts.items():
        arrivals_day[t] = min(f.arrived_at, arrivals_day.get(t, f.arrived_at))
    doubles = sum(1 for t in facts if t in hidden and facts[t].crew_id != hidden[t].crew_id)
    left = [t for t in tickets.values() if t.ticket_id not in arrivals_day]
    arrivals_day.update(next_day_arrivals(left, everything, tomorrow, policy, 10))

    day_ids = {t for t, v in tickets.items() if v.reported_at >= midnight}
    print("\nP1 reported during the day (intraday): response, and what the first re-plan after the report did")
    reachable: set[str] = set()
    covered: set[str] = set()  # P1s whose report hour has a crew with their skills on shift
    misses: list[str] = []
    over_limits: set[str] = set()  # covered at the report's hour, but the work needs more overtime than allowed
    roster_skills = [set(c.skills) for c in everything.crews]
    for tid in sorted(day_ids, key=lambda t: tickets[t].reported_at):
        t = tickets[tid]
        if t.priority != 1:
            continue
        hole = next((g for g in holes if g.skill in t.skills and g.start <= t.reported_at < g.end), None)
        if hole is None:
            covered.add(tid)
        got = arrivals_day.get(tid)
        hours = f"{(got - t.reported_at).total_seconds() / 3600:5.1f} h" if got else "    -  "
        where = f"reached {got.astimezone(TZ):%a %H:%M}" if got else "never reached"
        seen = first_seen.get(tid, "reported after the last re-plan")
        if "planned" in seen:
            reachable.add(tid)
        reported = t.reported_at.astimezone(TZ)
        tag = f" [roster hole: no {hole.skill} crew on shift {hours_of(hole)}]" if hole else ""
        print(f"  {tid} {t.category.value:<10} reported {reported:%H:%M}  {where} {hours}  ({seen}){tag}")
        if got is None or got - t.reported_at > TARGET_P1:
            miss = explain_miss(t, hole, history.get(tid, []), roster_skills, args.no_overtime)
            misses.append(miss.split(" (")[0])
            if miss.startswith("no skilled crew at all"):
                covered.discard(tid)  # no roster covers it at any hour
            if miss.startswith("over overtime limits"):
                over_limits.add(tid)
            print(f"      miss: {miss}")
    all_ids = set(tickets)
    p1_all = {t for t in all_ids if tickets[t].priority == 1}
    print("\nResponse, report to arrival (tickets not reached today: next day's plan)")
    groups = (
        ("reported during the day", day_ids),
        ("  of which placed at once", reachable),
        ("  of which roster covers", covered),
        ("all tickets", all_ids),
    )
    for label, ids in groups:
        for p in (1, 2):
            if (ids is reachable or ids is covered) and p != 1:
                continue
            a, n, miss = stats(tickets, arrivals_night, p, ids)
            b, _, miss_b = stats(tickets, arrivals_day, p, ids)
            extra_note = f" ({miss}/{miss_b} never reached)" if miss or miss_b else ""
            print(f"  P{p} {label:<24} n={n:4d}  nightly-only {a}   intraday {b}{extra_note}")
    backlog_lost(tickets, arrivals_night, arrivals_day, history, day=day)
    print(
        f"\nRe-plans: {len(times)}, time mean {statistics.mean(times):.1f} s, max {max(times):.1f} s; "
        f"stops changed mean {statistics.mean(changed):.1f}, max {max(changed)}"
    )
    within = ""
    if over_limits:
        within = f" ({mean_h(tickets, arrivals_day, covered - over_limits)} without those over the overtime limits)"
    figures = (
        f"P1 day (roster covers) {mean_h(tickets, arrivals_day, covered)}{within}, misses {len(misses)}"
        f"{' (' + ', '.join(f'{n} {k}' for k, n in sorted(Counter(misses).items())) + ')' if misses else ''}; "
        f"all P1 nightly-only {mean_h(tickets, arrivals_night, p1_all)} vs intraday "
        f"{mean_h(tickets, arrivals_day, p1_all)}; stops changed mean {statistics.mean(changed):.1f}, "
        f"max {max(changed)}"
    )
    return (
        stats(tickets, arrivals_day, 1, day_ids)[0],
        stats(tickets, arrivals_day, 1, all_ids)[0],
        doubles,
        unconfirmed,
        figures,
    )


def mean_h(tickets: dict[str, Ticket], arrivals: dict[str, dt.datetime], ids: Iterable[str]) -> str:
    """Mean hours from report to arrival over the tickets of ``ids`` that are reached."""
    hours = [(arrivals[t] - tickets[t].reported_at).total_seconds() / 3600 for t in ids if t in arrivals]
    return f"{statistics.mean(hours):.1f} h" if hours else "-"


def backlog_lost(
    tickets: dict[str, Ticket],
    night: dict[str, dt.datetime],
    intraday: dict[str, dt.datetime],
    history: dict[str, list[str]],
    *,
    day: dt.date,
) -> None:
    """The P1 backlog (reported before the day): how many each mode reaches on the day, and each one the
    night's plan reached that day but the re-plans did not, with what the re-plans did with it."""
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0), tzinfo=TZ)
    start = dt.datetime.combine(day, dt.time(0, 0), tzinfo=TZ)
    old = [t for t, v in tickets.items() if v.priority == 1 and v.reported_at < start]
    by_night = {t for t in old if t in night and night[t] < end}
    by_day = {t for t in old if t in intraday and intraday[t] < end}
    later = [t for t in old if t in night and t in intraday and intraday[t] > night[t] + dt.timedelta(minutes=15)]
    print(
        f"\nP1 backlog ({len(old)} reported before the day): reached on the day nightly-only {len(by_night)}, "
        f"intraday {len(by_day)}; reached later than the night's plan had them: {len(later)}"
    )
    for t in sorted(by_night - by_day):
        print(f"  {t} night's plan {night[t].astimezone(TZ):%H:%M}, not reached today: {'; '.join(history.get(t, []))}")


if __name__ == "__main__":
    main()
