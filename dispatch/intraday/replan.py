"""Re-planning the rest of a running day from what has happened, keeping routes stable."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

from dispatch.core.clock import local_midnight
from dispatch.core.domain import Crew, MemberBudget, Shift, Ticket
from dispatch.core.policy import Policy
from dispatch.intraday.compare import compare_plans
from dispatch.intraday.day import _exposure_of, _resummarise, _with_frozen
from dispatch.intraday.forecast import response_forecast
from dispatch.intraday.model import Replan, ReplanInputs, VisitFact, _t, _visits_of
from dispatch.intraday.parts import STORM_FIRST_SHARE, _prepare, _solve
from dispatch.intraday.position import _break_left, _drive_s, _where_now
from dispatch.planning.build import build_problem
from dispatch.planning.document import plan_document_parts
from dispatch.planning.split import split_inputs

# Cost (in travel-seconds) of giving a stop promised to one crew to another: a quarter of an hour.
MOVE_COST_S = 900


# Cost of reaching a promised stop from anywhere but the stop before it on the crew's route: a
# swap of two neighbours costs three of these.
REORDER_COST_S = 300


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
