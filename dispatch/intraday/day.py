"""The revised day: each crew's frozen visits and break, then its new remainder, with running tallies."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from dispatch.core.domain import Shift, Ticket
from dispatch.core.exposure import in_home_minutes, riskiest, weighted_minutes
from dispatch.core.plan import Plan
from dispatch.core.policy import Policy
from dispatch.core.route import Route, RouteCaps, RouteSummary, Span, Step, StepProgress, StepType
from dispatch.core.zones import ZoneIndex
from dispatch.intraday.model import VisitFact
from dispatch.planning.summary import summarize


def frozen_exposure(
    fact: VisitFact, ticket: Ticket | None, planned: float | None, *, zones: ZoneIndex, policy: Policy
) -> float:
    """Weighted minutes a visit counts against today's cap: the ledger's figure, else the planned one,
    else (a visit nobody planned) its service minutes by the one exposure rule."""
    if not fact.entered_home:
        return 0.0
    if fact.exposure_min is not None:
        return fact.exposure_min
    if planned:
        return float(planned)
    if ticket is None:
        return 0.0
    inside = in_home_minutes(ticket.service_min, entered_home=True, policy=policy)
    return weighted_minutes(
        inside, place=riskiest(zones.at(ticket.lon, ticket.lat)), risk=ticket.household_risk, policy=policy
    )


@dataclass(frozen=True)
class Today:
    """What has happened today, per crew, that the revised day starts from."""

    at: dt.datetime
    frozen: Mapping[str, list[VisitFact]]  # crew -> visits done or under way, in order
    exposure: Mapping[str, float]  # ticket -> weighted minutes counted for its frozen visit
    homes: Mapping[str, int]  # crew -> homes entered so far
    exposure_total: Mapping[str, float]  # crew -> weighted minutes so far
    shifts: Mapping[str, Shift]
    end_shift: Mapping[str, dt.datetime]  # crew -> shift end the dispatcher moved


def with_frozen(plan: Plan, *, previous: Plan, today: Today, tickets: Mapping[str, Ticket], tz: ZoneInfo) -> Plan:
    """The full day: each crew's frozen visits (and a break already begun), then its new remainder."""
    prev_routes = {r.crew_id: r for r in previous.routes}
    new_routes = {r.crew_id: r for r in plan.routes}
    prev_travel = {s.ticket_id: s.travel_m for _, s in previous.visits()}
    routes = []
    for crew_id in sorted(set(new_routes) | set(prev_routes) | set(today.frozen)):
        new, prev = new_routes.get(crew_id), prev_routes.get(crew_id)
        base = new or prev
        if base is None:
            continue  # frozen visits of a crew in no plan: nothing to show them against
        routes.append(_crew_day(crew_id, new, prev, base, today, tickets, prev_travel, tz))
    return plan.with_(routes=tuple(routes))


def _crew_day(
    crew_id: str,
    new: Route | None,
    prev: Route | None,
    base: Route,
    today: Today,
    tickets: Mapping[str, Ticket],
    prev_travel: Mapping[str | None, int],
    tz: ZoneInfo,
) -> Route:
    steps_prev = (prev or base).steps
    first = steps_prev[0] if steps_prev and steps_prev[0].type is StepType.START else None
    steps: list[Step] = [first] if first is not None else []
    homes, exposure_total = 0, 0.0
    for v in today.frozen.get(crew_id, []):
        t = tickets.get(v.ticket_id)
        e = today.exposure.get(v.ticket_id, 0.0)
        homes += int(v.entered_home)
        exposure_total += e
        where = steps[-1] if steps else base.steps[0]
        steps.append(
            Step(
                type=StepType.VISIT,
                lat=t.lat if t else where.lat,
                lon=t.lon if t else where.lon,
                arrival=v.arrived_at.astimezone(tz),
                start=v.arrived_at.astimezone(tz),
                end=(v.left_at or v.arrived_at + dt.timedelta(minutes=t.service_min if t else 30)).astimezone(tz),
                travel_m=prev_travel.get(v.ticket_id, 0),
                indoor=v.entered_home,
                exposure_min=e,
                homes_entered=homes,
                exposure_total_min=round(exposure_total, 2),
                ticket_id=v.ticket_id,
                progress=_progress(v),
                outcome=v.outcome,
            )
        )
    if new is not None:
        steps += [
            dataclasses.replace(
                s,
                homes_entered=s.homes_entered + homes,
                exposure_total_min=round(s.exposure_total_min + exposure_total, 2),
            )
            for s in new.steps
            if not (s.type is StepType.START and first is not None)
        ]
    else:
        steps += _end_step(crew_id, steps, first, prev, today, homes, exposure_total, tz)
    break_taken = None
    taken = prev.break_span if prev is not None else None
    if taken is not None and taken.start < today.at:
        # Begun before the re-plan: it stays on the route, and later re-plans must know it was taken.
        break_taken = taken
        if not any(s.type is StepType.BREAK for s in steps):
            steps = _with_break(steps, taken, today.at)
    shift = today.shifts.get(crew_id)
    caps = base.caps
    if new is not None:
        # Show today's full caps: what was left for the remainder plus what was already used.
        caps = RouteCaps(
            caps.max_homes + today.homes.get(crew_id, 0),
            round(caps.max_exposure_min + today.exposure_total.get(crew_id, 0.0), 2),
        )
    end_shift = today.end_shift.get(crew_id)
    return dataclasses.replace(
        base,
        shift=(
            Span(shift.start.astimezone(tz), (end_shift or shift.end).astimezone(tz))
            if shift is not None
            else base.shift
        ),
        caps=caps,
        steps=tuple(steps),
        summary=_summary(steps),
        break_taken=break_taken or base.break_taken,
        end_shift=end_shift.astimezone(tz) if end_shift is not None else base.end_shift,
    )


def _end_step(
    crew_id: str,
    steps: Sequence[Step],
    first: Step | None,
    prev: Route | None,
    today: Today,
    homes: int,
    exposure_total: float,
    tz: ZoneInfo,
) -> list[Step]:
    """The end of the day of a crew with no new route: after its last frozen visit, at its shift end."""
    last = steps[-1] if steps else None
    shift = today.shifts.get(crew_id)
    end_t = today.end_shift.get(crew_id) or (shift.end if shift else None)
    if last is None:
        return []
    when = max(last.end, end_t) if end_t is not None else last.end
    where = first or last
    if prev is not None and prev.steps and prev.steps[-1].type is StepType.END:
        where = prev.steps[-1]
    at = when.astimezone(tz)
    return [
        Step(
            type=StepType.END,
            lat=where.lat,
            lon=where.lon,
            arrival=at,
            start=at,
            end=at,
            travel_m=0,
            indoor=False,
            exposure_min=0.0,
            homes_entered=homes,
            exposure_total_min=round(exposure_total, 2),
        )
    ]


def _progress(v: VisitFact) -> StepProgress:
    if v.unconfirmed:
        return StepProgress.UNCONFIRMED
    return StepProgress.DONE if v.left_at is not None else StepProgress.UNDER_WAY


def _summary(steps: Sequence[Step]) -> RouteSummary:
    visits = [s for s in steps if s.type is StepType.VISIT]
    return RouteSummary(
        visits=len(visits),
        homes_entered=sum(int(s.indoor) for s in visits),
        exposure_min=round(sum(s.exposure_min for s in visits), 2),
        distance_m=sum(s.travel_m for s in steps if s.type is not StepType.START),
        duration_s=int((steps[-1].end - steps[0].start).total_seconds()) if visits else 0,
    )


def _with_break(steps: list[Step], taken: Span, at: dt.datetime) -> list[Step]:
    """``steps`` with the break step put back in time order, unless recorded visits overlap it."""
    i = 1 if steps and steps[0].type is StepType.START else 0
    while i < len(steps) and steps[i].type is StepType.VISIT and steps[i].start < taken.start:
        i += 1
    before = steps[i - 1] if i > 0 else None
    after = steps[i] if i < len(steps) else None
    if (before is not None and before.end > taken.start) or (
        after is not None and after.type is not StepType.END and after.arrival < taken.end
    ):
        return steps
    where = before or after
    if where is None:
        return steps
    brk = Step(
        type=StepType.BREAK,
        lat=where.lat,
        lon=where.lon,
        arrival=taken.start,
        start=taken.start,
        end=taken.end,
        travel_m=0,
        indoor=False,
        exposure_min=0.0,
        homes_entered=before.homes_entered if before else 0,
        exposure_total_min=before.exposure_total_min if before else 0.0,
        progress=StepProgress.DONE if taken.end <= at else StepProgress.UNDER_WAY,
    )
    return [*steps[:i], brk, *steps[i:]]


def resummarise(plan: Plan, *, policy: Policy, tickets: Mapping[str, Ticket]) -> Plan:
    """The plan with its summary recomputed over the whole day (frozen visits included)."""
    return plan.with_(
        summary=summarize(
            policy,
            routes=plan.routes,
            unassigned=plan.unassigned,
            tickets=tickets,
            crews_on_shift=plan.summary.crews_on_shift,
        )
    )
