"""Intraday dispatch: re-plan the running day around what has happened, keeping routes stable.

A re-plan takes the day's published plan, the visits recorded so far (done or under way) and the
crews' positions, and plans the rest of the day:

- visits done or under way are *frozen*: they stay in the revision as they happened, on their crew;
- each crew starts from where it is at the re-plan time, within what is left of its shift (and its
  break if it has not taken it yet); a shift end the dispatcher moved (crew sent home sick, or
  overtime) holds, in later re-plans too;
- exposure already incurred today counts against today's caps;
- tickets opened since the plan and those left unassigned join the remaining ones;
- the search warm-starts from the current routes and pays ``move_cost_s`` for giving a stop to
  another crew and ``reorder_cost_s`` for each stop reached from a different stop than promised,
  so routes only change where it pays off;
- in storm mode P1/P2 response targets become deadlines wherever some crew can still meet them.

The pure part (:func:`make_replan`) touches no database; :func:`load_replan_inputs` and
:func:`save_replan` are the database edges, as in :mod:`dispatch.planning`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

import solver
from dispatch.domain import Crew, MemberBudget, PlanInputs, Shift, Ticket
from dispatch.planning import (
    PlanResult,
    _Build,
    _solve_parts,
    _travel,
    build_problem,
    initial_routes_for,
    load_inputs,
    local_midnight,
    plan_document_parts,
    save_plan,
    split_inputs,
    summarize,
)
from dispatch.policy import Policy

# Cost (in travel-seconds) of giving a stop promised to one crew to another: a quarter of an hour.
MOVE_COST_S = 900
# Cost of reaching a promised stop from anywhere but the stop before it on the crew's route: a
# swap of two neighbours costs three of these.
REORDER_COST_S = 300
# A stop whose planned arrival moves by more than this counts as changed (its route sheet is rewritten).
RETIME_TOLERANCE_S = 15 * 60
# Share of a storm re-plan's time limit for the search with hard deadlines (the rest relaxes missed ones).
STORM_FIRST_SHARE = 0.75
# A planned lunch break may move this many minutes either way in a re-plan.
BREAK_SLACK_MIN = 30
# Customer ETA window: +/- (base + per stop still ahead of it), capped.
ETA_BASE_MIN = 15
ETA_PER_STOP_MIN = 10
ETA_MAX_MIN = 120
DONE, UNDER_WAY = "done", "under_way"


class IntradayError(ValueError):
    """A re-plan or ETA cannot be made; the message says why and what to do."""


@dataclass(frozen=True)
class VisitFact:
    """A recorded visit of the day: done (``left_at`` set) or under way (``left_at`` None)."""

    ticket_id: str
    crew_id: str
    arrived_at: dt.datetime
    left_at: dt.datetime | None
    entered_home: bool
    outcome: str | None = None
    # Weighted in-home minutes as the exposure ledger counted them, when it did.
    exposure_min: float | None = None


@dataclass(frozen=True)
class Position:
    crew_id: str
    lat: float
    lon: float
    at: dt.datetime
    source: str = "dispatcher"


@dataclass(frozen=True)
class ReplanInputs:
    """Everything a re-plan is computed from (a scenario or the bench can build it without a database)."""

    inputs: PlanInputs  # open tickets now, crews, the day's shifts, zones, budgets
    previous: dict[str, Any]  # the published plan document being revised
    at: dt.datetime
    visits: tuple[VisitFact, ...] = ()
    positions: Mapping[str, Position] = field(default_factory=dict)
    # Tickets of frozen visits (they may be closed already, so not among the open tickets).
    known_tickets: Mapping[str, Ticket] = field(default_factory=dict)
    # Shift ends moved by the dispatcher: earlier (sent home) or later (overtime). Crew id -> new end.
    end_shift: Mapping[str, dt.datetime] = field(default_factory=dict)


@dataclass
class CrewChange:
    """What a re-plan changed on one crew's remaining route."""

    crew_id: str
    added: list[str] = field(default_factory=list)
    moved_in: dict[str, str] = field(default_factory=dict)  # ticket -> crew it came from
    moved_out: dict[str, str] = field(default_factory=dict)  # ticket -> crew it went to
    dropped: list[str] = field(default_factory=list)  # now unassigned (or closed)
    reordered: int = 0
    retimed: int = 0
    frozen: int = 0

    @property
    def stops_changed(self) -> int:
        return len(self.added) + len(self.moved_in) + len(self.moved_out) + len(self.dropped) + self.reordered

    @property
    def changed(self) -> bool:
        return self.stops_changed > 0 or self.retimed > 0

    def describe(self) -> str:
        parts = []
        if self.added:
            parts.append(f"{len(self.added)} stop{'s' * (len(self.added) != 1)} added")
        by_from: dict[str, int] = defaultdict(int)
        for src in self.moved_in.values():
            by_from[src] += 1
        parts += [f"{n} moved from {c}" for c, n in sorted(by_from.items())]
        by_to: dict[str, int] = defaultdict(int)
        for dst in self.moved_out.values():
            by_to[dst] += 1
        parts += [f"{n} moved to {c}" for c, n in sorted(by_to.items())]
        if self.dropped:
            parts.append(f"{len(self.dropped)} taken off (unassigned or closed)")
        if self.reordered:
            parts.append(f"{self.reordered} reordered")
        if self.retimed:
            parts.append(f"{self.retimed} retimed")
        return ", ".join(parts) if parts else "no change"

    def to_dict(self) -> dict[str, Any]:
        return {
            "crew_id": self.crew_id,
            "changed": self.changed,
            "summary": self.describe(),
            "added": self.added,
            "moved_in": self.moved_in,
            "moved_out": self.moved_out,
            "dropped": self.dropped,
            "reordered": self.reordered,
            "retimed": self.retimed,
            "frozen": self.frozen,
        }


@dataclass
class Replan:
    document: dict[str, Any]
    objective: int
    changes: dict[str, CrewChange]
    forecast: list[dict[str, Any]]
    solve_s: float  # the whole re-plan, wall seconds
    notes: list[str] = field(default_factory=list)
    # Wall seconds per stage: build (problem and matrices), search, document.
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def stops_changed(self) -> int:
        return sum(c.stops_changed for c in self.changes.values())

    @property
    def changed_crews(self) -> list[str]:
        return sorted(c for c, ch in self.changes.items() if ch.changed)


# ------------------------------------------------------------------------------------------ pure part


def _visits_of(route: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in route["steps"] if s["type"] == "visit"]


def _t(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso)


def _exposure_of(fact: VisitFact, ticket: Ticket | None, planned: float | None, policy: Policy) -> float:
    """Weighted minutes a visit counts against today's cap: the ledger's figure, else the planned one."""
    if not fact.entered_home:
        return 0.0
    if fact.exposure_min is not None:
        return fact.exposure_min
    if planned:
        return float(planned)
    if ticket is None:
        return 0.0
    # Not in the plan (e.g. an unplanned call): its in-home share at the household's weight.
    inside = ticket.service_min * policy.category.indoor_share
    return round(inside * policy.household_multiplier(ticket.household_risk), 2)


def make_replan(
    rin: ReplanInputs,
    policy: Policy,
    *,
    time_limit: float,
    reproducible: bool = False,
    workers: int | None = None,
    move_cost_s: int = MOVE_COST_S,
    reorder_cost_s: int = REORDER_COST_S,
) -> Replan:
    """Re-plan the rest of ``rin.inputs.day`` from ``rin.at``: frozen progress, stable routes."""
    t0 = time.monotonic()
    inputs, previous, at = rin.inputs, rin.previous, rin.at
    day = inputs.day
    tz = ZoneInfo(policy.region.timezone)
    origin = local_midnight(day, tz)
    at = at.astimezone(tz)
    notes: list[str] = []

    def secs(t: dt.datetime) -> int:
        return int((t - origin).total_seconds())

    open_by_id = {t.ticket_id: t for t in inputs.tickets}
    tickets_all: dict[str, Ticket] = {**rin.known_tickets, **open_by_id}

    prev_routes = {r["crew_id"]: r for r in previous["routes"]}
    prev_crew_of: dict[str, str] = {}
    prev_step: dict[str, dict[str, Any]] = {}
    for r in previous["routes"]:
        for s in _visits_of(r):
            prev_crew_of[s["ticket_id"]] = r["crew_id"]
            prev_step[s["ticket_id"]] = s

    # Frozen visits, per crew, in the order they happened. A ticket visited today is not planned again.
    frozen: dict[str, list[VisitFact]] = defaultdict(list)
    for v in sorted(rin.visits, key=lambda v: (v.arrived_at, v.ticket_id)):
        if v.arrived_at <= at:
            frozen[v.crew_id].append(v)
    frozen_ids = {v.ticket_id for vs in frozen.values() for v in vs}

    # Exposure already incurred today, per crew.
    homes_today: dict[str, int] = defaultdict(int)
    exposure_today: dict[str, float] = defaultdict(float)
    frozen_exposure: dict[str, float] = {}
    for crew_id, vs in frozen.items():
        for v in vs:
            planned = prev_step.get(v.ticket_id, {}).get("exposure_min")
            e = _exposure_of(v, tickets_all.get(v.ticket_id), planned, policy)
            frozen_exposure[v.ticket_id] = e
            homes_today[crew_id] += int(v.entered_home)
            exposure_today[crew_id] += e

    # Shift ends the dispatcher moved (sent home, or overtime): this re-plan's, else an earlier revision's.
    ends = {r["crew_id"]: _t(r["end_shift"]) for r in previous["routes"] if r.get("end_shift")}
    ends.update(rin.end_shift)
    crews_by_id = {c.crew_id: c for c in inputs.crews}
    shifts = [s for s in inputs.shifts if s.date == day]
    new_shifts: list[Shift] = []
    new_crews: dict[str, Crew] = dict(crews_by_id)
    no_time: list[str] = []
    zones = [z for z in inputs.zones if z.valid_on(day)]
    for shift in shifts:
        crew = crews_by_id.get(shift.crew_id)
        if crew is None:
            continue
        end = ends.get(shift.crew_id, shift.end).astimezone(tz)
        position = rin.positions.get(crew.crew_id)
        if position is not None and position.at > at:
            position = None  # reported after the re-plan time
        prev_route = prev_routes.get(crew.crew_id)
        visits = frozen.get(crew.crew_id, [])
        lat, lon, start = _where_now(
            crew,
            visits,
            position,
            prev_route,
            frozen_ids,
            tickets_all,
            at=at,
            start=max(shift.start, at),
            zones=zones,
            policy=policy,
        )
        start, b_start, b_end, b_min, note = _break_left(shift, prev_route, at=at, start=start)
        if note:
            notes.append(f"{crew.crew_id}: {note}")
        if start >= end:
            no_time.append(crew.crew_id)
            continue
        end_lat = crew.end_lat if crew.end_lat is not None else crew.depot_lat
        end_lon = crew.end_lon if crew.end_lon is not None else crew.depot_lon
        # The crew must be able to drive back: a shift never ends before it can get home.
        speed = policy.travel.speed_factor(crew.vehicle)
        home = _drive_s((lat, lon), (end_lat, end_lon), speed, zones, policy)
        if start + dt.timedelta(seconds=home) > end:
            end = start + dt.timedelta(seconds=home + 60)
            notes.append(f"{crew.crew_id}: needs until {end.astimezone(tz):%H:%M} to get back to the depot")
        new_crews[crew.crew_id] = dataclasses.replace(
            crew, depot_lat=lat, depot_lon=lon, end_lat=end_lat, end_lon=end_lon
        )
        new_shifts.append(
            dataclasses.replace(shift, start=start, end=end, break_start=b_start, break_end=b_end, break_min=b_min)
        )

    # Today's per-shift caps less what each crew already did.
    budgets = dict(inputs.budgets)
    cap_homes = policy.exposure.max_homes_per_shift
    cap_exposure = policy.exposure.max_exposure_min_per_shift
    for crew_id in set(homes_today) | set(exposure_today):
        crew = crews_by_id.get(crew_id)
        if crew is None:
            continue
        h, e = homes_today[crew_id], exposure_today[crew_id]
        for m in crew.members:
            old = budgets.get(m)
            homes_left = cap_homes - h
            exposure_left = cap_exposure - e
            # The ledger's rolling budget already counts today's recorded actuals (dispatch.exposure._usage).
            if old is not None and old.homes_left is not None:
                homes_left = min(homes_left, old.homes_left)
            if old is not None and old.exposure_min_left is not None:
                exposure_left = min(exposure_left, old.exposure_min_left)
            budgets[m] = MemberBudget(m, max(0, homes_left), max(0.0, exposure_left))

    remaining_tickets = tuple(t for t in inputs.tickets if t.ticket_id not in frozen_ids)
    day_inputs = dataclasses.replace(
        inputs,
        tickets=remaining_tickets,
        crews=tuple(new_crews[c.crew_id] for c in inputs.crews),
        shifts=tuple(new_shifts),
        budgets=budgets,
    )
    # A hazard already dispatched as an emergency stays one after its target time has passed.
    dispatched = {tid for tid, step in prev_step.items() if step.get("emergency")}
    # A large region is split as the nightly plan splits it, by the crews' depots (their start is
    # wherever they are now), each part with its own travel matrix.
    home_of = {c.crew_id: (c.depot_lat, c.depot_lon) for c in inputs.crews}
    parts = [
        _prepare(
            build_problem(part, policy, as_of=at, emergencies=dispatched),
            previous=previous,
            prev_crew_of=prev_crew_of,
            tickets=tickets_all,
            policy=policy,
            origin=origin,
            move_cost_s=move_cost_s,
            reorder_cost_s=reorder_cost_s,
        )
        for part in split_inputs(day_inputs, policy, home=lambda c: home_of[c.crew_id])
    ]
    deadlines = {j: d for part in parts for j, d in part.deadlines.items()}
    t_built = time.monotonic()
    # Storm deadlines may need a second, warm-started search that relaxes the missed ones: keep a
    # quarter of the time for it so the re-plan as a whole stays within its limit.
    first_limit = time_limit * (STORM_FIRST_SHARE if deadlines else 1.0)
    solutions = _solve(parts, first_limit, reproducible, workers)
    missed = {u.job_id for s in solutions for u in s.unassigned if u.job_id in deadlines}
    if missed:
        # A deadline nobody could meet in the end must not cost the ticket its visit: drop the deadline
        # and search again, warm, in the parts that missed one.
        redo = [i for i, part in enumerate(parts) if missed & set(part.deadlines)]
        for i in redo:
            parts[i] = parts[i].relaxed(missed, solutions[i])
        rest = max(0.5, time_limit - (time.monotonic() - t_built))
        for i, solution in zip(redo, _solve([parts[i] for i in redo], rest, reproducible, workers), strict=True):
            solutions[i] = solution
        for j in sorted(missed):
            deadlines.pop(j)
        notes.append(f"storm: {len(missed)} P1/P2 deadline(s) could not all be met together; kept soft")
    t_solved = time.monotonic()
    doc = plan_document_parts(day_inputs, policy, [(p.build, [s]) for p, s in zip(parts, solutions, strict=True)])
    doc = _with_frozen(
        doc,
        previous=previous,
        frozen=frozen,
        frozen_exposure=frozen_exposure,
        tickets=tickets_all,
        shifts={s.crew_id: s for s in shifts},
        end_shift=ends,
        homes_today=homes_today,
        exposure_today=exposure_today,
        tz=tz,
        at=at,
    )
    _resummarise(doc, inputs=inputs, policy=policy, tickets=tickets_all)
    frozen_all = frozen_ids
    changes = compare_plans(previous, doc, frozen=frozen_all)
    forecast = response_forecast(doc, tickets=tickets_all, policy=policy, at=at)
    doc.update(
        {
            "kind": "replan",
            "parent_id": previous.get("plan_id"),
            "as_of": at.isoformat(),
            "storm": policy.storm.enabled,
            "changes": {c: ch.to_dict() for c, ch in sorted(changes.items())},
            "response_forecast": forecast,
            "storm_deadlines": {
                j: (origin + dt.timedelta(seconds=d)).isoformat() for j, d in sorted(deadlines.items())
            },
            "notes": notes + [f"{c}: no time left in the shift" for c in no_time],
        }
    )
    objective = sum(s.stats.objective for s in solutions)
    t_end = time.monotonic()
    timings = {
        "build_s": round(t_built - t0, 3),
        "solve_s": round(t_solved - t_built, 3),
        "document_s": round(t_end - t_solved, 3),
    }
    return Replan(doc, objective, changes, forecast, round(t_end - t0, 3), doc["notes"], timings)


@dataclass(frozen=True)
class _Part:
    """One part of a re-plan, ready to solve: the problem with stability costs and storm deadlines,
    and the warm start (the promised routes, emergencies put in)."""

    build: _Build
    initial: dict[str, list[str]]
    deadlines: dict[str, int]
    windows: dict[str, tuple[solver.TimeWindow, ...]]  # each job's own windows, before any deadline

    def relaxed(self, missed: set[str], solution: solver.Solution) -> _Part:
        """The part with missed deadlines dropped, warm-started from ``solution``."""
        problem = self.build.problem
        jobs = tuple(
            dataclasses.replace(j, time_windows=self.windows[j.id]) if j.id in missed else j for j in problem.jobs
        )
        return _Part(
            dataclasses.replace(self.build, problem=dataclasses.replace(problem, jobs=jobs)),
            {r.crew_id: list(r.job_ids()) for r in solution.routes},
            {j: d for j, d in self.deadlines.items() if j not in missed},
            self.windows,
        )


def _prepare(
    build: _Build,
    *,
    previous: dict[str, Any],
    prev_crew_of: Mapping[str, str],
    tickets: Mapping[str, Ticket],
    policy: Policy,
    origin: dt.datetime,
    move_cost_s: int,
    reorder_cost_s: int,
) -> _Part:
    """Stability costs (each stop prefers its promised crew and its place in that crew's order),
    storm deadlines, and the warm start for one part of a re-plan."""
    problem = build.problem
    crew_ids = {c.id for c in problem.crews}
    windows = {j.id: j.time_windows for j in problem.jobs}
    follows: dict[str, str] = {}
    for r in previous["routes"]:
        before = ""
        for st in _visits_of(r):
            if st["ticket_id"] in windows:
                follows[st["ticket_id"]] = before
                before = st["ticket_id"]
    jobs = []
    deadlines: dict[str, int] = {}
    for job in problem.jobs:
        owner = prev_crew_of.get(job.id)
        if owner in crew_ids and move_cost_s > 0:
            job = dataclasses.replace(job, preferred_crew=owner, move_cost=move_cost_s)
        if owner in crew_ids and reorder_cost_s > 0:
            job = dataclasses.replace(job, follows=follows[job.id], reorder_cost=reorder_cost_s)
        if policy.storm.enabled:
            job, deadline = _storm_deadline(problem, job, tickets[job.id], policy, origin)
            if deadline is not None:
                deadlines[job.id] = deadline
        jobs.append(job)
    problem = dataclasses.replace(problem, jobs=tuple(jobs))
    promised = {r["crew_id"]: r for r in previous["routes"]}
    initial = {
        c.id: _feasible_prefix(
            problem, c, [s["ticket_id"] for s in _visits_of(promised[c.id]) if s["ticket_id"] in windows]
        )
        for c in problem.crews
        if c.id in promised
    }
    initial = _insert_emergencies(problem, initial)
    return _Part(dataclasses.replace(build, problem=problem), initial, deadlines, windows)


def _solve(parts: Sequence[_Part], time_limit: float, reproducible: bool, workers: int | None) -> list[solver.Solution]:
    """Solve the parts: one as is, several side by side sharing the cores and the time limit."""
    if len(parts) == 1:
        part = parts[0]
        return [
            solver.solve(
                part.build.problem,
                time_limit=time_limit,
                reproducible=reproducible,
                workers=workers,
                initial_routes=initial_routes_for(part.build.problem, part.initial),
            )
        ]
    initial = {c: r for part in parts for c, r in part.initial.items()}
    return _solve_parts([p.build.problem for p in parts], time_limit, reproducible, None, workers, None, initial)


def _where_now(
    crew: Crew,
    visits: Sequence[VisitFact],
    position: Position | None,
    route: dict[str, Any] | None,
    frozen_ids: set[str],
    tickets: Mapping[str, Ticket],
    *,
    at: dt.datetime,
    start: dt.datetime,
    zones: Sequence[Any],
    policy: Policy,
) -> tuple[float, float, dt.datetime]:
    """Where the crew is at ``at`` and when it is free: at a visit under way (free when it ends),
    at a position reported since its last visit, else along its planned drive from its last stop."""
    lat, lon = crew.depot_lat, crew.depot_lon
    under_way = [v for v in visits if v.left_at is None]
    done = [v for v in visits if v.left_at is not None]
    last_done = max(done, key=lambda v: v.left_at, default=None)  # type: ignore[arg-type, return-value]
    if under_way:
        v = under_way[-1]
        t = tickets.get(v.ticket_id)
        if t is not None:
            lat, lon = t.lat, t.lon
        service = t.service_min if t is not None else 30
        return lat, lon, max(start, v.arrived_at + dt.timedelta(minutes=service))
    if position is not None and (last_done is None or position.at >= last_done.left_at):  # type: ignore[operator]
        return position.lat, position.lon, start
    depart = None
    if last_done is not None and last_done.ticket_id in tickets:
        t = tickets[last_done.ticket_id]
        lat, lon, depart = t.lat, t.lon, last_done.left_at
    elif route is not None:
        here = [s for s in route["steps"] if s["type"] != "end" and _t(s["arrival"]) <= at]
        if here:
            lat, lon = here[-1]["lat"], here[-1]["lon"]
            depart = _t(here[-1]["end"]) if here[-1]["type"] == "start" else None
    if depart is not None and route is not None:
        speed = policy.travel.speed_factor(crew.vehicle)
        lat, lon = _dead_reckoning(route, frozen_ids, (lat, lon), depart, at, speed, zones, policy)
    return lat, lon, start


def _break_left(
    shift: Shift, route: dict[str, Any] | None, *, at: dt.datetime, start: dt.datetime
) -> tuple[dt.datetime, dt.datetime | None, dt.datetime | None, int, str | None]:
    """The crew's earliest start and the break still to take: (start, window start, window end,
    minutes, note). A break the plan had begun before ``at`` is taken (the crew is free when it
    ends); one that no longer fits is dropped with a note; one still ahead keeps near its plan."""
    b_start, b_end, b_min = shift.break_start, shift.break_end, shift.break_min
    if not (b_start and b_end and b_min):
        return start, None, None, 0, None
    planned = _break_of(route)
    taken_at = _t(planned["start"]) if planned else None
    if taken_at is not None and taken_at < at:
        return max(start, taken_at + dt.timedelta(minutes=b_min)), None, None, 0, None
    if b_end - max(b_start, start) < dt.timedelta(minutes=b_min):
        note = "the break no longer fits in its window; planned without it" if b_end > start else None
        return start, None, None, 0, note
    b_start = max(b_start, start)
    if taken_at is not None:
        # Keep lunch near where the crew was told it would be (and a narrow window keeps the
        # solver's break placement fast): +/- BREAK_SLACK_MIN around the planned start.
        slack = dt.timedelta(minutes=BREAK_SLACK_MIN)
        lo = max(b_start, taken_at - slack)
        hi = min(b_end, taken_at + dt.timedelta(minutes=b_min) + slack)
        if hi - lo >= dt.timedelta(minutes=b_min):
            b_start, b_end = lo, hi
    return start, b_start, b_end, b_min, None


def _drive_s(a: tuple[float, float], b: tuple[float, float], speed: float, zones: Sequence[Any], policy: Policy) -> int:
    """Seconds to drive from ``a`` to ``b`` (lat, lon) at ``speed`` times a car's, as the plan's matrices say."""
    return int(_travel([(a[1], a[0]), (b[1], b[0])], zones, policy).durations_for(speed)[0, 1])


def _dead_reckoning(
    route: dict[str, Any],
    frozen_ids: set[str],
    here: tuple[float, float],
    depart: dt.datetime,
    at: dt.datetime,
    speed: float,
    zones: Sequence[Any],
    policy: Policy,
) -> tuple[float, float]:
    """Where a crew that follows its route is at ``at``, having left ``here`` at ``depart``.

    Without a fresher position the crew is assumed to be driving to its next planned stop (the
    plan's break excepted); assuming it still stands at its last stop would lose the driving it
    has done and can make a promised stop look out of reach.
    """
    ahead = next((s for s in _visits_of(route) if s["ticket_id"] not in frozen_ids), None)
    if ahead is None or _t(ahead["arrival"]) <= at or depart >= at:
        return here
    lat, lon = here
    to_lat, to_lon = ahead["lat"], ahead["lon"]
    drive = _drive_s(here, (to_lat, to_lon), speed, zones, policy)
    if drive <= 0:
        return here
    elapsed = (at - depart).total_seconds()
    for b in (s for s in route["steps"] if s["type"] == "break"):
        overlap = min(at, _t(b["end"])) - max(depart, _t(b["start"]))
        elapsed -= max(0.0, overlap.total_seconds())
    share = min(1.0, max(0.0, elapsed / drive))
    return lat + (to_lat - lat) * share, lon + (to_lon - lon) * share


def _storm_deadline(
    problem: solver.Problem, job: solver.Job, ticket: Ticket, policy: Policy, origin: dt.datetime
) -> tuple[solver.Job, int | None]:
    """Make a P1/P2 response target a hard deadline when some crew can still meet it."""
    target = policy.response.target_hours.get(ticket.priority)
    if ticket.priority > 2 or target is None:
        return job, None
    deadline = int((ticket.reported_at + dt.timedelta(hours=target) - origin).total_seconds())
    reachable = False
    for crew in problem.crews:
        if not crew.can_do(job) or (job.enters_home and not crew.homes_allowed):
            continue
        arrive = crew.shift.start + problem.duration(crew, crew.start, job.site)
        back = problem.duration(crew, job.site, crew.end)
        if arrive <= deadline and arrive + job.service + back <= crew.shift.end:
            reachable = True
            break
    if not reachable:
        return job, None
    if job.time_windows:
        windows = tuple(
            solver.TimeWindow(w.start, min(w.end, deadline)) for w in job.time_windows if w.start <= deadline
        )
        if not windows:
            return job, None
    else:
        windows = (solver.TimeWindow(0, deadline),)
    return dataclasses.replace(job, time_windows=windows), deadline


def _feasible_prefix(problem: solver.Problem, crew: solver.Crew, job_ids: Sequence[str]) -> list[str]:
    """The promised stops this crew can still make in order (a warm start the solver accepts)."""
    return [jid for jid, _ in _walk(problem, crew, job_ids)]


def _walk(problem: solver.Problem, crew: solver.Crew, job_ids: Sequence[str]) -> list[tuple[str, int]]:
    """Drive ``job_ids`` in order, skipping stops the crew cannot make: (job id, start of service)."""
    t, here = crew.shift.start, crew.start
    homes, exposure, contaminated = 0, 0, False
    breaks = list(crew.breaks)
    out: list[tuple[str, int]] = []
    for jid in job_ids:
        job = problem.job(jid)
        if not crew.can_do(job) or (job.enters_home and (not crew.homes_allowed or contaminated)):
            continue
        if job.enters_home and crew.max_homes is not None and homes + 1 > crew.max_homes:
            continue
        if crew.max_exposure is not None and exposure + job.exposure > crew.max_exposure:
            continue
        drive = problem.duration(crew, here, job.site)
        arrive = t + drive
        rest = bool(breaks) and arrive + job.service > breaks[0].latest_start
        if rest:
            # The break cannot wait until after this stop: taken on the way (driving stops for it)
            # or on arrival if the window opens later, as the solver's routes do.
            arrive = max(arrive, breaks[0].window.start) + breaks[0].duration
        start = arrive
        if job.time_windows:
            fit = [w for w in job.time_windows if w.end >= arrive]
            if not fit:
                continue
            start = max(arrive, fit[0].start)
        end = start + job.service
        if end + problem.duration(crew, job.site, crew.end) > crew.shift.end:
            continue
        if rest:
            breaks.pop(0)
        t, here = end, job.site
        homes += int(job.enters_home)
        exposure += job.exposure
        contaminated = contaminated or job.contaminating
        out.append((jid, start))
    return out


def _insert_emergencies(problem: solver.Problem, routes: dict[str, list[str]]) -> dict[str, list[str]]:
    """Put each emergency missing from the warm start where a crew reaches it first.

    The local search that improves a warm start rarely finds the two-step move of taking a stop
    off a full route to make room for a new hazard; sending the crew that arrives first (the
    dispatcher's rule for a live wire) gives it a start that already serves every emergency it can.
    Stops pushed out of the shift are left for the search to place elsewhere.
    """
    routes = {c: list(r) for c, r in routes.items()}
    placed = {j for r in routes.values() for j in r}
    missing = [j for j in problem.jobs if j.priority == 0 and j.id not in placed]
    for job in missing:
        best: tuple[int, int, str, list[str]] | None = None
        for crew in problem.crews:
            if not crew.can_do(job) or (job.enters_home and not crew.homes_allowed):
                continue
            route = routes.get(crew.id, [])
            emergencies_before = sum(1 for j in route if problem.job(j).priority == 0)
            for i in range(len(route) + 1):
                trial = [*route[:i], job.id, *route[i:]]
                walked = _walk(problem, crew, trial)
                start = next((t for j, t in walked if j == job.id), None)
                kept = [j for j, _ in walked]
                if start is None or sum(1 for j in kept if problem.job(j).priority == 0) <= emergencies_before:
                    continue  # not reachable here, or only by pushing out another emergency
                key = (start, len(trial) - len(kept), crew.id, kept)
                if best is None or key[:3] < best[:3]:
                    best = key
        if best is not None:
            routes[best[2]] = best[3]
    return routes


def _with_frozen(
    doc: dict[str, Any],
    *,
    previous: dict[str, Any],
    frozen: Mapping[str, list[VisitFact]],
    frozen_exposure: Mapping[str, float],
    tickets: Mapping[str, Ticket],
    shifts: Mapping[str, Shift],
    end_shift: Mapping[str, dt.datetime],
    homes_today: Mapping[str, int],
    exposure_today: Mapping[str, float],
    tz: ZoneInfo,
    at: dt.datetime,
) -> dict[str, Any]:
    """The full day: each crew's frozen visits (and a break already begun), then its new remainder,
    with running exposure tallies."""
    doc = dict(doc)
    prev_routes = {r["crew_id"]: r for r in previous["routes"]}
    new_routes = {r["crew_id"]: r for r in doc["routes"]}
    crew_ids = sorted(set(new_routes) | set(prev_routes) | set(frozen))
    prev_travel = {s["ticket_id"]: s["travel_m"] for r in previous["routes"] for s in _visits_of(r)}
    routes = []
    for crew_id in crew_ids:
        new = new_routes.get(crew_id)
        prev = prev_routes.get(crew_id)
        base = dict(new or prev or {})
        if not base:
            continue  # frozen visits of a crew in no plan: nothing to show them against
        steps_prev = (prev or new or {"steps": []})["steps"]
        first = dict(steps_prev[0]) if steps_prev and steps_prev[0]["type"] == "start" else None
        steps: list[dict[str, Any]] = [first] if first else []
        homes, exposure_total = 0, 0.0
        for v in frozen.get(crew_id, []):
            t = tickets.get(v.ticket_id)
            e = frozen_exposure.get(v.ticket_id, 0.0)
            homes += int(v.entered_home)
            exposure_total += e
            end = v.left_at or (v.arrived_at + dt.timedelta(minutes=t.service_min if t else 30))
            steps.append(
                {
                    "type": "visit",
                    "ticket_id": v.ticket_id,
                    "lat": t.lat if t else (first or {}).get("lat"),
                    "lon": t.lon if t else (first or {}).get("lon"),
                    "arrival": v.arrived_at.astimezone(tz).isoformat(),
                    "start": v.arrived_at.astimezone(tz).isoformat(),
                    "end": end.astimezone(tz).isoformat(),
                    "travel_m": prev_travel.get(v.ticket_id, 0),
                    "indoor": v.entered_home,
                    "exposure_min": e,
                    "homes_entered": homes,
                    "exposure_total_min": round(exposure_total, 2),
                    "progress": DONE if v.left_at is not None else UNDER_WAY,
                    "outcome": v.outcome,
                }
            )
        if new is not None:
            for s in new["steps"]:
                if s["type"] == "start" and (first is not None):
                    continue
                s = dict(s)
                s["homes_entered"] = s["homes_entered"] + homes
                s["exposure_total_min"] = round(s["exposure_total_min"] + exposure_total, 2)
                steps.append(s)
        else:
            last = steps[-1] if steps else None
            shift = shifts.get(crew_id)
            end_t = end_shift.get(crew_id) or (shift.end if shift else None)
            when = max([_t(last["end"])] + ([end_t] if end_t else [])) if last else end_t
            if last is not None and when is not None:
                lat, lon = (first or last)["lat"], (first or last)["lon"]
                if prev is not None and prev["steps"] and prev["steps"][-1]["type"] == "end":
                    lat, lon = prev["steps"][-1]["lat"], prev["steps"][-1]["lon"]
                iso = when.astimezone(tz).isoformat()
                steps.append(
                    {
                        "type": "end",
                        "lat": lat,
                        "lon": lon,
                        "arrival": iso,
                        "start": iso,
                        "end": iso,
                        "travel_m": 0,
                        "indoor": False,
                        "exposure_min": 0,
                        "homes_entered": homes,
                        "exposure_total_min": round(exposure_total, 2),
                    }
                )
        taken = _break_of(prev)
        if taken is not None and _t(taken["start"]) < at:
            # Begun before the re-plan: it stays on the route, and later re-plans must know it was taken.
            base["break_taken"] = {"start": taken["start"], "end": taken["end"]}
            if not any(s["type"] == "break" for s in steps):
                steps = _with_break(steps, taken, at)
        base["steps"] = steps
        shift = shifts.get(crew_id)
        if shift is not None:
            end = end_shift.get(crew_id, shift.end)
            base["shift"] = {"start": shift.start.astimezone(tz).isoformat(), "end": end.astimezone(tz).isoformat()}
        if crew_id in end_shift:
            base["end_shift"] = end_shift[crew_id].astimezone(tz).isoformat()
        caps = dict(base.get("caps", {}))
        if new is not None and caps:
            # Show today's full caps: what was left for the remainder plus what was already used.
            caps["max_homes"] = caps["max_homes"] + homes_today.get(crew_id, 0)
            caps["max_exposure_min"] = round(caps["max_exposure_min"] + exposure_today.get(crew_id, 0.0), 2)
        base["caps"] = caps
        visits = _visits_of(base)
        summary = dict(base.get("summary", {}))
        summary.update(
            {
                "visits": len(visits),
                "homes_entered": sum(int(s["indoor"]) for s in visits),
                "exposure_min": round(sum(s["exposure_min"] for s in visits), 2),
                "distance_m": sum(s["travel_m"] for s in steps if s["type"] != "start"),
                "duration_s": int((_t(steps[-1]["end"]) - _t(steps[0]["start"])).total_seconds()) if visits else 0,
            }
        )
        base["summary"] = summary
        routes.append(base)
    doc["routes"] = routes
    return doc


def _break_of(route: dict[str, Any] | None) -> dict[str, Any] | None:
    """The route's break: its step, or the one recorded as taken when an earlier re-plan began after it."""
    if route is None:
        return None
    step = next((s for s in route["steps"] if s["type"] == "break"), None)
    return step or route.get("break_taken")


def _with_break(steps: list[dict[str, Any]], taken: dict[str, Any], at: dt.datetime) -> list[dict[str, Any]]:
    """``steps`` with the break step put back in time order, unless recorded visits overlap it."""
    b_start, b_end = _t(taken["start"]), _t(taken["end"])
    i = 1 if steps and steps[0]["type"] == "start" else 0
    while i < len(steps) and steps[i]["type"] == "visit" and _t(steps[i]["start"]) < b_start:
        i += 1
    before = steps[i - 1] if i > 0 else None
    after = steps[i] if i < len(steps) else None
    if (before is not None and _t(before["end"]) > b_start) or (
        after is not None and after["type"] != "end" and _t(after["arrival"]) < b_end
    ):
        return steps
    where = before or after or {}
    brk = {
        "type": "break",
        "lat": where.get("lat", taken.get("lat")),
        "lon": where.get("lon", taken.get("lon")),
        "arrival": taken["start"],
        "start": taken["start"],
        "end": taken["end"],
        "travel_m": 0,
        "indoor": False,
        "exposure_min": 0,
        "homes_entered": before["homes_entered"] if before else 0,
        "exposure_total_min": before["exposure_total_min"] if before else 0,
        "progress": DONE if b_end <= at else UNDER_WAY,
    }
    return [*steps[:i], brk, *steps[i:]]


def _resummarise(doc: dict[str, Any], *, inputs: PlanInputs, policy: Policy, tickets: Mapping[str, Ticket]) -> None:
    """Recompute the plan summary over the whole day (frozen visits included)."""
    doc["summary"] = summarize(
        inputs,
        policy,
        routes=doc["routes"],
        unassigned=doc["unassigned"],
        tickets=tickets,
        crews_on_shift=doc["summary"]["crews_on_shift"],
    )


def _lis_length(seq: Sequence[int]) -> int:
    import bisect

    tails: list[int] = []
    for x in seq:
        i = bisect.bisect_left(tails, x)
        if i == len(tails):
            tails.append(x)
        else:
            tails[i] = x
    return len(tails)


def compare_plans(old: dict[str, Any], new: dict[str, Any], *, frozen: set[str] | None = None) -> dict[str, CrewChange]:
    """Per crew, what ``new`` changed against ``old`` on the stops not yet done or under way."""
    if frozen is None:
        frozen = {s["ticket_id"] for r in new["routes"] for s in _visits_of(r) if s.get("progress")}
    old_seq = {r["crew_id"]: [s for s in _visits_of(r) if s["ticket_id"] not in frozen] for r in old["routes"]}
    new_seq = {r["crew_id"]: [s for s in _visits_of(r) if s["ticket_id"] not in frozen] for r in new["routes"]}
    old_crew = {s["ticket_id"]: c for c, ss in old_seq.items() for s in ss}
    new_crew = {s["ticket_id"]: c for c, ss in new_seq.items() for s in ss}
    changes: dict[str, CrewChange] = {}
    for crew_id in sorted(set(old_seq) | set(new_seq)):
        ch = CrewChange(crew_id)
        ch.frozen = sum(
            1 for r in new["routes"] if r["crew_id"] == crew_id for s in _visits_of(r) if s["ticket_id"] in frozen
        )
        before = old_seq.get(crew_id, [])
        after = new_seq.get(crew_id, [])
        before_ids = [s["ticket_id"] for s in before]
        for s in after:
            tid = s["ticket_id"]
            src = old_crew.get(tid)
            if src is None:
                ch.added.append(tid)
            elif src != crew_id:
                ch.moved_in[tid] = src
        for tid in before_ids:
            dst = new_crew.get(tid)
            if dst is None:
                ch.dropped.append(tid)
            elif dst != crew_id:
                ch.moved_out[tid] = dst
        pos = {tid: i for i, tid in enumerate(before_ids)}
        kept = [s for s in after if pos.get(s["ticket_id"]) is not None and new_crew[s["ticket_id"]] == crew_id]
        ch.reordered = len(kept) - _lis_length([pos[s["ticket_id"]] for s in kept])
        old_at = {s["ticket_id"]: _t(s["arrival"]) for s in before}
        ch.retimed = sum(
            1 for s in kept if abs((_t(s["arrival"]) - old_at[s["ticket_id"]]).total_seconds()) > RETIME_TOLERANCE_S
        )
        changes[crew_id] = ch
    return changes


def response_forecast(
    doc: dict[str, Any], *, tickets: Mapping[str, Ticket], policy: Policy, at: dt.datetime, priority: int = 1
) -> list[dict[str, Any]]:
    """Per open ticket of ``priority``: forecast arrival and hours from report, against the target."""
    target = policy.response.target_hours.get(priority)
    out = []
    for r in doc["routes"]:
        for s in _visits_of(r):
            t = tickets.get(s["ticket_id"])
            if t is None or t.priority != priority or s.get("progress") == DONE:
                continue
            hours = (_t(s["arrival"]) - t.reported_at).total_seconds() / 3600
            out.append(
                {
                    "ticket_id": t.ticket_id,
                    "crew_id": r["crew_id"],
                    "reported_at": t.reported_at.isoformat(),
                    "arrival": s["arrival"],
                    "response_h": round(hours, 2),
                    "target_h": target,
                    "within_target": target is None or hours <= target,
                    "under_way": s.get("progress") == UNDER_WAY,
                    "emergency": s.get("emergency") is True,
                }
            )
    for u in doc["unassigned"]:
        t = tickets.get(u["ticket_id"])
        if t is None or t.priority != priority:
            continue
        out.append(
            {
                "ticket_id": t.ticket_id,
                "crew_id": None,
                "reported_at": t.reported_at.isoformat(),
                "arrival": None,
                "response_h": None,
                "target_h": target,
                "within_target": False,
                "under_way": False,
                "emergency": False,
                "reason": u["reason"],
            }
        )
    out.sort(key=lambda f: (f["arrival"] is None, f["arrival"] or "", f["ticket_id"]))
    return out


def eta_window(doc: dict[str, Any], ticket_id: str, *, now: dt.datetime | None = None) -> dict[str, Any] | None:
    """The customer's arrival window for ``ticket_id`` in ``doc``: arrival +/- a margin that grows with
    the stops still ahead of it on the crew's route; None if the ticket has no visit in the plan."""
    as_of = _t(doc["as_of"]) if doc.get("as_of") else None
    for r in doc["routes"]:
        visits = _visits_of(r)
        for k, s in enumerate(visits):
            if s["ticket_id"] != ticket_id:
                continue
            arrival = _t(s["arrival"])
            if s.get("progress"):
                return {
                    "ticket_id": ticket_id,
                    "crew_id": r["crew_id"],
                    "status": s["progress"],
                    "arrival": s["arrival"],
                    "window_start": s["arrival"],
                    "window_end": s["arrival"],
                    "stops_before": 0,
                    "margin_min": 0,
                }
            ahead = [v for v in visits[:k] if not v.get("progress")]
            if now is not None:
                ahead = [v for v in ahead if _t(v["end"]) > now]
            elif as_of is not None:
                ahead = [v for v in ahead if _t(v["end"]) > as_of]
            margin = min(ETA_MAX_MIN, ETA_BASE_MIN + ETA_PER_STOP_MIN * len(ahead))
            lo = arrival - dt.timedelta(minutes=margin)
            floor = now or as_of
            if floor is not None and lo < floor:
                lo = max(floor.astimezone(arrival.tzinfo), min(lo, arrival))
            return {
                "ticket_id": ticket_id,
                "crew_id": r["crew_id"],
                "status": "planned",
                "arrival": s["arrival"],
                "window_start": lo.isoformat(),
                "window_end": (arrival + dt.timedelta(minutes=margin)).isoformat(),
                "stops_before": len(ahead),
                "margin_min": margin,
            }
    return None


# ------------------------------------------------------------------------------------- database edges


def load_visits(session: Session, *, day: dt.date, tz: ZoneInfo, until: dt.datetime) -> list[VisitFact]:
    """The visits recorded for ``day`` up to ``until`` (the exposure ledger's visit records)."""
    try:
        from dispatch.models.exposure import VisitRecordRow
    except ImportError:  # the ledger is not installed: nothing recorded
        return []
    since = local_midnight(day, tz)
    rows = session.exec(
        select(VisitRecordRow)
        .where(VisitRecordRow.arrived_at >= since, VisitRecordRow.arrived_at <= until)  # type: ignore[operator]
        .order_by(col(VisitRecordRow.arrived_at))
    ).all()
    out = []
    for r in rows:
        left = r.left_at if r.left_at is not None and r.left_at <= until else None
        exposure = getattr(r, "exposure_min", None)
        out.append(
            VisitFact(
                ticket_id=r.ticket_id,
                crew_id=r.crew_id,
                arrived_at=r.arrived_at,
                left_at=left,
                entered_home=bool(r.entered_home),
                outcome=r.outcome if left is not None else None,
                exposure_min=float(exposure) if isinstance(exposure, int | float) else None,
            )
        )
    return out


def record_position(
    session: Session, *, crew_id: str, lat: float, lon: float, at: dt.datetime, source: str = "dispatcher"
) -> None:
    from dispatch.models import CrewRow
    from dispatch.models.intraday import CrewPositionRow

    if at.tzinfo is None:
        raise IntradayError(f"position time {at.isoformat()} has no time zone")
    if not (-90 <= lat <= 90) or not (-180 <= lon <= 180):
        raise IntradayError(f"crew {crew_id}: position ({lat}, {lon}) is not a latitude/longitude")
    if session.get(CrewRow, crew_id) is None:
        raise IntradayError(f"no crew {crew_id!r}: import it with `dispatch import crews FILE`")
    session.add(CrewPositionRow(crew_id=crew_id, lat=lat, lon=lon, at=at, source=source))


def load_replan_inputs(
    session: Session,
    *,
    day: dt.date,
    at: dt.datetime,
    policy: Policy,
    end_shift: Mapping[str, dt.datetime] | None = None,
) -> tuple[ReplanInputs, int]:
    """What a re-plan of ``day`` at ``at`` needs, and the id of the published plan it revises."""
    import json

    from dispatch.models import TicketRow
    from dispatch.models.intraday import last_positions
    from dispatch.models.plans import published_plan

    row = published_plan(session, day=day)
    if row is None:
        raise IntradayError(f"no published plan for {day}: plan and publish it first (`dispatch plan publish`)")
    previous = json.loads(row.document)
    previous["plan_id"] = row.id
    tz = ZoneInfo(policy.region.timezone)
    inputs = load_inputs(session, day=day, policy=policy)
    visits = load_visits(session, day=day, tz=tz, until=at)
    positions = {
        c: Position(p.crew_id, p.lat, p.lon, p.at, p.source)
        for c, p in last_positions(session, since=local_midnight(day, tz), until=at).items()
    }
    ids = sorted({v.ticket_id for v in visits})
    known: dict[str, Ticket] = {}
    for i in range(0, len(ids), 500):
        for t in session.exec(select(TicketRow).where(col(TicketRow.ticket_id).in_(ids[i : i + 500]))):
            if t.lat is not None and t.lon is not None:
                known[t.ticket_id] = t.to_domain()
    shift_crews = {s.crew_id for s in inputs.shifts}
    for crew_id in end_shift or {}:
        if crew_id not in shift_crews:
            raise IntradayError(f"--end-shift {crew_id}: crew {crew_id} has no shift on {day}")
    rin = ReplanInputs(
        inputs=inputs,
        previous=previous,
        at=at,
        visits=tuple(visits),
        positions=positions,
        known_tickets=known,
        end_shift=dict(end_shift or {}),
    )
    return rin, row.id  # type: ignore[return-value]


def save_replan(
    session: Session,
    *,
    replan: Replan,
    parent_id: int,
    at: dt.datetime,
    now: dt.datetime,
    time_limit: float,
    reproducible: bool,
    publish_it: bool = True,
) -> dict[str, Any]:
    """Save the re-plan as a new revision of the day (kind ``replan``) and publish it to the crews."""
    from dispatch.commands.plan import publish
    from dispatch.models import PlanRow

    doc = save_plan(
        session,
        result=PlanResult(replan.document, replan.objective, None),
        now=now,
        time_limit=time_limit,
        reproducible=reproducible,
        kind="replan",
        parent_id=parent_id,
        as_of=at,
    )
    if publish_it:
        session.flush()
        row = session.get(PlanRow, doc["plan_id"])
        publish(session, row=row, now=now)  # type: ignore[arg-type]
        doc["status"] = "published"
    return doc


def ticket_eta(session: Session, *, ticket_id: str, now: dt.datetime | None = None) -> dict[str, Any]:
    """The ETA window of ``ticket_id`` from the newest published revision that visits it."""
    import json

    from dispatch.models import PlanRow, PlanVisitRow, TicketRow

    ticket = session.get(TicketRow, ticket_id)
    if ticket is None:
        raise IntradayError(f"no ticket {ticket_id!r}")
    row = session.exec(
        select(PlanRow)
        .join(PlanVisitRow, col(PlanVisitRow.plan_id) == col(PlanRow.id))
        .where(PlanVisitRow.ticket_id == ticket_id, PlanRow.status == "published")
        .order_by(col(PlanRow.plan_date).desc(), col(PlanRow.version).desc())
    ).first()
    if row is None:
        raise IntradayError(f"ticket {ticket_id} is in no published plan yet (status {ticket.status})")
    doc = json.loads(row.document)
    eta = eta_window(doc, ticket_id, now=now)
    if eta is None:  # pragma: no cover - the visit row says it is there
        raise IntradayError(f"ticket {ticket_id} has no visit in plan {row.id}")
    eta.update({"plan_id": row.id, "version": row.version, "date": row.plan_date.isoformat()})
    return eta
