"""Re-planning the rest of a running day from what has happened, keeping routes stable.

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
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from zoneinfo import ZoneInfo

import solver
from dispatch.core.clock import local_midnight
from dispatch.core.domain import Crew, MemberBudget, PlanInputs, Shift, Ticket
from dispatch.core.notes import NoteKind, RevisionNote
from dispatch.core.plan import Revision
from dispatch.core.policy import Policy
from dispatch.core.zones import ZoneIndex
from dispatch.intraday.backlog import backlog_first
from dispatch.intraday.collapse import search_again_if_collapsed
from dispatch.intraday.compare import compare_plans
from dispatch.intraday.day import Today, frozen_exposure, resummarise, with_frozen
from dispatch.intraday.emergencies import emergencies_first
from dispatch.intraday.forecast import response_forecast
from dispatch.intraday.model import Replan, ReplanInputs, VisitFact
from dispatch.intraday.not_done import Decision, decide, settled, with_reoffers
from dispatch.intraday.overtime import extend_for_hazards, with_overtime
from dispatch.intraday.parts import STORM_FIRST_SHARE, Part, fill_across, prepare, promised_stops, solve
from dispatch.intraday.position import break_left, where_now
from dispatch.intraday.promises import with_drop_reasons
from dispatch.intraday.silence import assumed_visits
from dispatch.outages.grouping import group_outages
from dispatch.planning.build import Build, build_problem
from dispatch.planning.document import assemble_plan
from dispatch.planning.nightly import unplanned_build
from dispatch.planning.solve import PartsProgress
from dispatch.planning.split import partition
from dispatch.planning.travel import drive_seconds
from dispatch.runtime.cluster import Cluster

# Cost (in travel-seconds) of giving a stop promised to one crew to another: half an hour.
MOVE_COST_S = 1800
# Cost of reaching a promised stop from anywhere but the stop before it on the crew's route: a
# swap of two neighbours costs three of these.
REORDER_COST_S = 600


def make_replan(
    rin: ReplanInputs,
    policy: Policy,
    *,
    time_limit: float,
    reproducible: bool = False,
    workers: int | None = None,
    cluster: Cluster | None = None,
    move_cost_s: int = MOVE_COST_S,
    reorder_cost_s: int = REORDER_COST_S,
    on_part: PartsProgress | None = None,
) -> Replan:
    """Re-plan the rest of ``rin.inputs.day`` from ``rin.at``: frozen progress, stable routes; a region's
    parts on ``cluster``, ``on_part`` hearing as each is solved (the first search)."""
    t0 = time.monotonic()
    grouping = group_outages(rin.inputs, policy, as_of=rin.at)
    rin = dataclasses.replace(rin, inputs=dataclasses.replace(rin.inputs, tickets=grouping.tickets))
    inputs, previous = rin.inputs, rin.previous
    tz = ZoneInfo(policy.region.timezone)
    origin = local_midnight(inputs.day, tz)
    at = rin.at.astimezone(tz)
    tickets_all: dict[str, Ticket] = {**rin.known_tickets, **{t.ticket_id: t for t in inputs.tickets}}
    zones = [z for z in inputs.zones if z.valid_on(inputs.day)]
    today = _today(rin, policy, at=at, tickets=tickets_all, zones=ZoneIndex(zones))
    on_shift = {c.crew_id: c for c in inputs.crews if c.crew_id in today.shifts}
    open_ids = {t.ticket_id for t in inputs.tickets}
    decisions = decide(rin.visits, open_ids=open_ids, crews=on_shift, tickets=tickets_all)
    day_inputs, notes = _rest_of_day(
        rin, policy, today=today, tickets=tickets_all, zones=zones, tz=tz, decisions=decisions
    )
    parts, aside, ready = _parts(
        rin, policy, day_inputs=day_inputs, at=at, origin=origin, tickets=tickets_all,
        move_cost_s=move_cost_s, reorder_cost_s=reorder_cost_s,
    )  # fmt: skip
    t_built = time.monotonic()
    where = cluster or Cluster(jobs=workers)
    solutions, deadlines, storm_note = _search(parts, time_limit, reproducible, where, t_built, on_part)
    solutions, retried = search_again_if_collapsed(
        parts, solutions, time_limit=time_limit, reproducible=reproducible, workers=workers, cluster=where
    )
    solutions, rescued = emergencies_first(parts, solutions, where)
    solutions, kept_backlog = backlog_first(parts, solutions, where)
    notes += storm_note + retried + rescued + kept_backlog
    parts, solutions, aside = fill_across(day_inputs, policy, parts, solutions, aside, ready)
    parts, solutions, today, overtime = extend_for_hazards(
        rin, policy, today=today, parts=parts, solutions=solutions, origin=origin, cluster=where
    )
    t_solved = time.monotonic()
    solved = [(p.build, s) for p, s in zip(parts, solutions, strict=True)]
    plan = assemble_plan(day_inputs, policy, [*solved, *((b, None) for b in aside)])
    plan = with_frozen(plan, previous=previous, today=today, tickets=tickets_all, tz=tz)
    plan, not_done = settled(plan, decisions, tz=tz)
    plan = with_overtime(
        plan, rostered={c: s.end for c, s in today.shifts.items()}, previous=previous, granted=overtime
    )
    plan = resummarise(plan, policy=policy, tickets=tickets_all)
    if inputs.assets:
        plan = plan.with_(outages=grouping.outages)
    frozen_ids = {v.ticket_id for vs in today.frozen.values() for v in vs}
    changes = with_drop_reasons(compare_plans(previous, plan, frozen=frozen_ids), plan)
    plan = plan.with_(
        revision_of=Revision(
            parent_id=previous.plan_id,
            as_of=at,
            storm=policy.storm.enabled,
            changes=dict(sorted(changes.items())),
            response_forecast=response_forecast(plan, tickets=tickets_all, policy=policy),
            storm_deadlines={j: origin + dt.timedelta(seconds=d) for j, d in sorted(deadlines.items())},
            notes=tuple(notes),
            not_done=not_done,
        )
    )
    t_end = time.monotonic()
    timings = {
        "build_s": round(t_built - t0, 3),
        "solve_s": round(t_solved - t_built, 3),
        "document_s": round(t_end - t_solved, 3),
    }
    return Replan(plan, sum(s.stats.objective for s in solutions), round(t_end - t0, 3), timings)


def _parts(
    rin: ReplanInputs,
    policy: Policy,
    *,
    day_inputs: PlanInputs,
    at: dt.datetime,
    origin: dt.datetime,
    tickets: Mapping[str, Ticket],
    move_cost_s: int,
    reorder_cost_s: int,
) -> tuple[list[Part], list[Build], Callable[[PlanInputs, frozenset[str]], Part]]:
    """The rest of the day split as the nightly plan splits it, by the crews' depots (their start is wherever
    they are now), each part with its own travel matrix; the parts the partitioner set aside; and how a
    part is made ready from some of the day's inputs (for the fill pass across parts)."""
    previous = rin.previous
    # A hazard already dispatched as an emergency stays one after its target time has passed.
    dispatched = {s.ticket_id for _, s in previous.visits() if s.emergency and s.ticket_id}
    prev_crew_of = {t: crew for crew, ts in promised_stops(previous).items() for t in ts}
    home_of = {c.crew_id: (c.depot_lat, c.depot_lon) for c in rin.inputs.crews}

    def ready(inputs: PlanInputs, emergencies: frozenset[str] = frozenset()) -> Part:
        return prepare(
            build_problem(inputs, policy, as_of=at, emergencies=dispatched | emergencies),
            previous=previous,
            prev_crew_of=prev_crew_of,
            tickets=tickets,
            policy=policy,
            origin=origin,
            move_cost_s=move_cost_s,
            reorder_cost_s=reorder_cost_s,
        )

    split = partition(day_inputs, policy, home=lambda c: home_of[c.crew_id])
    aside = [unplanned_build(part, policy, at) for part in split if part.unplanned is not None]
    return [ready(part.inputs) for part in split if part.unplanned is None], aside, ready


def _today(
    rin: ReplanInputs, policy: Policy, *, at: dt.datetime, tickets: Mapping[str, Ticket], zones: ZoneIndex
) -> Today:
    """The visits frozen per crew (a ticket visited today is not planned again; under the silence rule
    a stop planned before ``at`` with no report too, as unconfirmed), the exposure they
    count against today's caps, and the shift ends the dispatcher moved (this re-plan's, else an
    earlier revision's)."""
    planned = {s.ticket_id: s.exposure_min for _, s in rin.previous.visits()}
    frozen: dict[str, list[VisitFact]] = defaultdict(list)
    visits = assumed_visits(rin.previous, rin.visits, at=at, policy=policy)
    for v in sorted(visits, key=lambda v: (v.arrived_at, v.ticket_id)):
        if v.arrived_at <= at:
            frozen[v.crew_id].append(v)
    homes: dict[str, int] = defaultdict(int)
    exposure_total: dict[str, float] = defaultdict(float)
    exposure: dict[str, float] = {}
    for crew_id, vs in frozen.items():
        for v in vs:
            e = frozen_exposure(v, tickets.get(v.ticket_id), planned.get(v.ticket_id), zones=zones, policy=policy)
            exposure[v.ticket_id] = e
            homes[crew_id] += int(v.entered_home)
            exposure_total[crew_id] += e
    ends = {r.crew_id: r.end_shift for r in rin.previous.routes if r.end_shift is not None}
    ends.update(rin.end_shift)
    return Today(
        at=at,
        frozen=dict(frozen),
        exposure=exposure,
        homes=dict(homes),
        exposure_total=dict(exposure_total),
        shifts={s.crew_id: s for s in rin.inputs.shifts if s.date == rin.inputs.day},
        end_shift=ends,
    )


def _rest_of_day(
    rin: ReplanInputs,
    policy: Policy,
    *,
    today: Today,
    tickets: Mapping[str, Ticket],
    zones: list,
    tz: ZoneInfo,
    decisions: Mapping[str, Decision],
) -> tuple[PlanInputs, list[RevisionNote]]:
    """The inputs of the rest of the day: each crew starting where it is, when it is free, with the
    break it still has to take and today's caps less what it already did; the tickets not frozen, and
    those reported not done that are offered again (:mod:`dispatch.intraday.not_done`)."""
    inputs, at = rin.inputs, today.at
    crews_by_id = {c.crew_id: c for c in inputs.crews}
    prev_routes = {r.crew_id: r for r in rin.previous.routes}
    frozen_ids = {v.ticket_id for vs in today.frozen.values() for v in vs}
    new_crews: dict[str, Crew] = dict(crews_by_id)
    new_shifts: list[Shift] = []
    notes: list[RevisionNote] = []
    no_time: list[str] = []
    for shift in today.shifts.values():
        crew = crews_by_id.get(shift.crew_id)
        if crew is None:
            continue
        end = today.end_shift.get(crew.crew_id, shift.end).astimezone(tz)
        position = rin.positions.get(crew.crew_id)
        if position is not None and position.at > at:
            position = None  # reported after the re-plan time
        prev_route = prev_routes.get(crew.crew_id)
        lat, lon, start = where_now(
            crew,
            today.frozen.get(crew.crew_id, []),
            position,
            prev_route,
            frozen_ids,
            tickets,
            at=at,
            start=max(shift.start, at),
            zones=zones,
            policy=policy,
        )
        start, b_start, b_end, b_min, dropped = break_left(shift, prev_route, at=at, start=start)
        if dropped:
            notes.append(RevisionNote(NoteKind.BREAK_DROPPED, crew_id=crew.crew_id))
        if start >= end:
            no_time.append(crew.crew_id)
            continue
        end_lat = crew.end_lat if crew.end_lat is not None else crew.depot_lat
        end_lon = crew.end_lon if crew.end_lon is not None else crew.depot_lon
        # The crew must be able to drive back: a shift never ends before it can get home.
        speed = policy.travel.speed_factor(crew.vehicle)
        home = drive_seconds(
            (lat, lon), (end_lat, end_lon), speed=speed, zones=zones, policy=policy, vehicle=crew.vehicle.value
        )
        if start + dt.timedelta(seconds=home) > end:
            end = start + dt.timedelta(seconds=home + 60)
            notes.append(RevisionNote(NoteKind.BACK_BY, crew_id=crew.crew_id, time=end.astimezone(tz)))
        new_crews[crew.crew_id] = dataclasses.replace(
            crew, depot_lat=lat, depot_lon=lon, end_lat=end_lat, end_lon=end_lon
        )
        new_shifts.append(
            dataclasses.replace(shift, start=start, end=end, break_start=b_start, break_end=b_end, break_min=b_min)
        )
    rest_tickets, new_crews = with_reoffers(inputs.tickets, new_crews, decisions, frozen_ids)
    rest = dataclasses.replace(
        inputs,
        tickets=rest_tickets,
        crews=tuple(new_crews[c.crew_id] for c in inputs.crews),
        shifts=tuple(new_shifts),
        budgets=_budgets_today(inputs, policy, today),
    )
    return rest, notes + [RevisionNote(NoteKind.NO_TIME, crew_id=c) for c in no_time]


def _budgets_today(inputs: PlanInputs, policy: Policy, today: Today) -> dict[str, MemberBudget]:
    """Each member's budget for the rest of the day: today's per-shift caps less what the crew already
    did, and never more than the ledger's rolling budget (which already counts today's actuals)."""
    budgets = dict(inputs.budgets)
    crews_by_id = {c.crew_id: c for c in inputs.crews}
    for crew_id in set(today.homes) | set(today.exposure_total):
        crew = crews_by_id.get(crew_id)
        if crew is None:
            continue
        homes_left = policy.exposure.max_homes_per_shift - today.homes.get(crew_id, 0)
        exposure_left = policy.exposure.max_exposure_min_per_shift - today.exposure_total.get(crew_id, 0.0)
        for m in crew.members:
            old = budgets.get(m)
            h, e = homes_left, exposure_left
            if old is not None and old.homes_left is not None:
                h = min(h, old.homes_left)
            if old is not None and old.exposure_min_left is not None:
                e = min(e, old.exposure_min_left)
            budgets[m] = MemberBudget(m, max(0, h), max(0.0, e))
    return budgets


def _search(
    parts: list[Part],
    time_limit: float,
    reproducible: bool,
    cluster: Cluster,
    t_built: float,
    on_part: PartsProgress | None = None,
) -> tuple[list[solver.Solution], dict[str, int], list[RevisionNote]]:
    """Solve the parts; in storm mode, search again warm without the deadlines nobody could meet.

    Returns the solutions, the storm deadlines kept (job -> seconds from the day's origin) and a note."""
    deadlines = {j: d for part in parts for j, d in part.deadlines.items()}
    # Storm deadlines may need a second, warm-started search that relaxes the missed ones: keep a
    # quarter of the time for it so the re-plan as a whole stays within its limit.
    first_limit = time_limit * (STORM_FIRST_SHARE if deadlines else 1.0)
    solutions = solve(parts, first_limit, reproducible, cluster.jobs, cluster, on_part)
    missed = {u.job_id for s in solutions for u in s.unassigned if u.job_id in deadlines}
    if not missed:
        return solutions, deadlines, []
    # A deadline nobody could meet in the end must not cost the ticket its visit: drop the deadline
    # and search again, warm, in the parts that missed one.
    redo = [i for i, part in enumerate(parts) if missed & set(part.deadlines)]
    for i in redo:
        parts[i] = parts[i].relaxed(missed, solutions[i])
    rest = max(0.5, time_limit - (time.monotonic() - t_built))
    again = solve([parts[i] for i in redo], rest, reproducible, cluster.jobs, cluster)
    for i, solution in zip(redo, again, strict=True):
        solutions[i] = solution
    kept = {j: d for j, d in deadlines.items() if j not in missed}
    return solutions, kept, [RevisionNote(NoteKind.STORM_SOFT, count=len(missed))]
