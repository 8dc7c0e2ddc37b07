"""Hand-made plans for tests: a few visits per crew, every other field of the contract filled plainly."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from dispatch.core.plan import Plan, PlanSummary, SummaryCaps
from dispatch.core.route import Route, RouteCaps, RouteSummary, Span, Step, StepProgress, StepType


@dataclass(frozen=True)
class Visit:
    """A visit of a hand-made route: ticket, where, when, inside or not, weighted exposure."""

    ticket_id: str
    lat: float
    lon: float
    start: dt.datetime
    end: dt.datetime
    indoor: bool = False
    exposure_min: float = 0.0
    progress: StepProgress | None = None


def route(crew_id: str, members: Sequence[str], visits: Sequence[Visit], *, depot: tuple[float, float]) -> Route:
    """A route from ``depot`` through ``visits`` and back, 1 km per leg, running tallies filled in."""
    first = visits[0].start if visits else dt.datetime(2026, 11, 30, 8, tzinfo=dt.UTC)
    last = visits[-1].end if visits else first

    def stop(kind: StepType, at: dt.datetime) -> Step:
        return Step(kind, depot[0], depot[1], at, at, at, 0, False, 0.0, homes, total)

    homes, total = 0, 0.0
    steps = [stop(StepType.START, first)]
    for v in visits:
        homes += int(v.indoor)
        total = round(total + v.exposure_min, 2)
        steps.append(
            Step(
                StepType.VISIT,
                v.lat,
                v.lon,
                v.start,
                v.start,
                v.end,
                1000,
                v.indoor,
                v.exposure_min,
                homes,
                total,
                ticket_id=v.ticket_id,
                progress=v.progress,
                outcome=None,
            )  # fmt: skip
        )
    steps.append(stop(StepType.END, last))
    return Route(
        crew_id=crew_id,
        name=f"Regu {crew_id}",
        members=tuple(members),
        vehicle="car",
        skills=(),
        shift=Span(first, last),
        break_window=None,
        caps=RouteCaps(8, 180.0),
        outdoor_only=None,
        steps=tuple(steps),
        summary=RouteSummary(len(visits), homes, total, 1000 * (len(visits) + 1), int((last - first).total_seconds())),
    )


def plan(day: dt.date, routes: Sequence[Route], *, by_priority: Mapping[int, int] | None = None) -> Plan:
    """An unsaved plan of ``routes`` (its summary counts visits only)."""
    served = sum(r.summary.visits for r in routes)
    return Plan(
        date=day,
        timezone="Asia/Jakarta",
        routes=tuple(routes),
        unassigned=(),
        crews_not_dispatched=(),
        summary=PlanSummary(
            tickets=served,
            served=served,
            unassigned=0,
            served_by_priority=dict(by_priority or {}),
            unassigned_by_priority={},
            unassigned_by_reason={},
            crews_on_shift=len(routes),
            crews_used=sum(1 for r in routes if r.summary.visits),
            distance_m=sum(r.summary.distance_m for r in routes),
            homes_entered=sum(r.summary.homes_entered for r in routes),
            exposure_min=round(sum(r.summary.exposure_min for r in routes), 2),
            worst_exposure=None,
            customer_minutes_waited=0,
            within_target_by_priority={},
            caps=SummaryCaps(8, 180.0),
        ),
    )
