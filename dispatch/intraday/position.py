"""Where each crew is at the re-plan time, when it is free, and the break it still has to take."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence

from dispatch.core.domain import Crew, Shift, Ticket, Zone
from dispatch.core.policy import Policy
from dispatch.core.route import Route, StepType
from dispatch.intraday.model import Position, VisitFact
from dispatch.planning.roads import road_path
from dispatch.planning.travel import drive_seconds

# A planned lunch break may move this many minutes either way in a re-plan.
BREAK_SLACK_MIN = 30


def where_now(
    crew: Crew,
    visits: Sequence[VisitFact],
    position: Position | None,
    route: Route | None,
    frozen_ids: set[str],
    tickets: Mapping[str, Ticket],
    *,
    at: dt.datetime,
    start: dt.datetime,
    zones: Sequence[Zone],
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
        here = [s for s in route.steps if s.type is not StepType.END and s.arrival <= at]
        if here:
            lat, lon = here[-1].lat, here[-1].lon
            depart = here[-1].end if here[-1].type is StepType.START else None
    if depart is not None and route is not None:
        speed = policy.travel.speed_factor(crew.vehicle)
        lat, lon = dead_reckoning(route, frozen_ids, (lat, lon), depart, at, speed, zones, policy, crew.vehicle.value)
    return lat, lon, start


def break_left(
    shift: Shift, route: Route | None, *, at: dt.datetime, start: dt.datetime
) -> tuple[dt.datetime, dt.datetime | None, dt.datetime | None, int, bool]:
    """The crew's earliest start and the break still to take: (start, window start, window end,
    minutes, dropped). A break the plan had begun before ``at`` is taken (the crew is free when it
    ends); one that no longer fits is dropped (``dropped`` is then true, for the dispatcher's note); one
    still ahead keeps near its plan."""
    b_start, b_end, b_min = shift.break_start, shift.break_end, shift.break_min
    if not (b_start and b_end and b_min):
        return start, None, None, 0, False
    planned = route.break_span if route is not None else None
    taken_at = planned.start if planned is not None else None
    if taken_at is not None and taken_at < at:
        return max(start, taken_at + dt.timedelta(minutes=b_min)), None, None, 0, False
    if b_end - max(b_start, start) < dt.timedelta(minutes=b_min):
        return start, None, None, 0, b_end > start
    b_start = max(b_start, start)
    if taken_at is not None:
        # Keep lunch near where the crew was told it would be (and a narrow window keeps the
        # solver's break placement fast): +/- BREAK_SLACK_MIN around the planned start.
        slack = dt.timedelta(minutes=BREAK_SLACK_MIN)
        lo = max(b_start, taken_at - slack)
        hi = min(b_end, taken_at + dt.timedelta(minutes=b_min) + slack)
        if hi - lo >= dt.timedelta(minutes=b_min):
            b_start, b_end = lo, hi
    return start, b_start, b_end, b_min, False


def dead_reckoning(
    route: Route,
    frozen_ids: set[str],
    here: tuple[float, float],
    depart: dt.datetime,
    at: dt.datetime,
    speed: float,
    zones: Sequence[Zone],
    policy: Policy,
    vehicle: str = "car",
) -> tuple[float, float]:
    """Where a crew that follows its route is at ``at``, having left ``here`` at ``depart``.

    Without a fresher position the crew is assumed to be driving to its next planned stop (the
    plan's break excepted); assuming it still stands at its last stop would lose the driving it
    has done and can make a promised stop look out of reach.
    """
    ahead = next((s for s in route.visits if s.ticket_id not in frozen_ids), None)
    if ahead is None or ahead.arrival <= at or depart >= at:
        return here
    lat, lon = here
    to_lat, to_lon = ahead.lat, ahead.lon
    drive = drive_seconds(here, (to_lat, to_lon), speed=speed, zones=zones, policy=policy, vehicle=vehicle)
    if drive <= 0:
        return here
    elapsed = (at - depart).total_seconds()
    for b in (s for s in route.steps if s.type is StepType.BREAK):
        overlap = min(at, b.end) - max(depart, b.start)
        elapsed -= max(0.0, overlap.total_seconds())
    share = min(1.0, max(0.0, elapsed / drive))
    if policy.travel.on_roads:  # along the road, not across the river
        return along(road_path([here, (to_lat, to_lon)], vehicle=vehicle, policy=policy)[0], share)
    return lat + (to_lat - lat) * share, lon + (to_lon - lon) * share


def along(path: Sequence[tuple[float, float]], share: float) -> tuple[float, float]:
    """The point ``share`` (0..1) of the way along a (lat, lon) polyline, by length."""
    if len(path) < 2:
        return path[0]
    cos = math.cos(math.radians(path[0][0]))
    steps = [math.hypot(b[0] - a[0], (b[1] - a[1]) * cos) for a, b in zip(path, path[1:], strict=False)]
    left = share * sum(steps)
    for (a, b), step in zip(zip(path, path[1:], strict=False), steps, strict=True):
        if left <= step and step > 0:
            f = left / step
            return a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f
        left -= step
    return path[-1]
