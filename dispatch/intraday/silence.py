"""What a re-plan assumes about silence: stops the published plan had starting before the re-plan
time that no crew reported.

With policy ``intraday.unreported = "keep"`` (the default: crews on paper sheets cannot report, and
phones report late) such a stop is taken as done or under way as planned: it stays with its crew at
its planned place and time, frozen as *unconfirmed*, is never given to another crew that day, and
its planned exposure counts against today's caps. With ``"not_done"`` (crews that always report) it
is planned again like any open ticket. At night, the tickets of stops still unconfirmed go back to
the open pool with the reason ``unconfirmed`` (:func:`dispatch.intraday.nightfall.return_unconfirmed`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from dispatch.core.plan import Plan
from dispatch.core.policy import Policy
from dispatch.core.route import StepProgress
from dispatch.intraday.model import VisitFact

UNCONFIRMED = "unconfirmed"  # the reason code of a ticket returned at night for want of a report


def unconfirmed_visits(previous: Plan, reported: Iterable[VisitFact], *, at: dt.datetime) -> list[VisitFact]:
    """The visits ``previous`` had starting before ``at`` that no report covers, as planned: done when
    the plan had them end by ``at``, else under way. A stop whose planned time overlaps a visit its crew
    reported (an overrun, a detour) cannot have happened as planned: it is not assumed, but planned again."""
    reported = list(reported)
    seen = {v.ticket_id for v in reported}
    busy: dict[str, list[tuple[dt.datetime, dt.datetime]]] = {}
    for v in reported:
        busy.setdefault(v.crew_id, []).append((v.arrived_at, v.left_at or at))
    out = []
    for route, step in previous.visits():
        tid = step.ticket_id
        if tid is None or tid in seen or step.start >= at:
            continue
        if step.progress in (StepProgress.DONE, StepProgress.UNDER_WAY):
            continue  # reported once (its record is gone or later than ``at``): not ours to invent
        if any(a < step.end and step.start < b for a, b in busy.get(route.crew_id, ())):
            continue
        seen.add(tid)
        out.append(
            VisitFact(
                ticket_id=tid,
                crew_id=route.crew_id,
                arrived_at=step.start,
                left_at=step.end if step.end <= at else None,
                entered_home=step.indoor,
                outcome=None,
                exposure_min=step.exposure_min if step.indoor else 0.0,
                unconfirmed=True,
            )
        )
    return out


def assumed_visits(
    previous: Plan, reported: Iterable[VisitFact], *, at: dt.datetime, policy: Policy
) -> list[VisitFact]:
    """The reported visits plus, under ``intraday.unreported = "keep"``, the unconfirmed ones."""
    reported = list(reported)
    if policy.intraday.unreported != "keep":
        return reported
    return [*reported, *unconfirmed_visits(previous, reported, at=at)]
