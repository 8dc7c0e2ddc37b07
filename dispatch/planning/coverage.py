"""Skill cover of a planned day: the hours in which no crew on shift has a skill hazards need.

A hazard (a ticket of a priority in ``response.emergency_priorities``, e.g. a line down) needs the
skills its category needs (``category.skills``: ``mv`` by default). An hour counts as covered when
some crew with the skill is on shift for the whole of it; the day runs from the earliest shift start
to the latest shift end of the day's roster. Gaps are whole hours, merged where they touch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from dispatch.core.domain import Crew, Shift
from dispatch.core.policy import Policy

HOUR = dt.timedelta(hours=1)


@dataclass(frozen=True)
class CoverageGap:
    """Hours ``[start, end)`` in which no crew on shift has ``skill``."""

    skill: str
    start: dt.datetime
    end: dt.datetime


def hazard_skills(policy: Policy) -> list[str]:
    """The skills some hazard category needs (categories whose priority makes them emergencies)."""
    urgent = {c for c, p in policy.category.priority.items() if p in policy.response.emergency_priorities}
    return sorted({s for c in urgent for s in policy.category.skills.get(c, [])})


def hazard_gaps(crews: Sequence[Crew], shifts: Sequence[Shift], policy: Policy) -> list[CoverageGap]:
    """The hours with no crew on shift having a skill hazards need, counting the shifts a plan dispatches
    (a standby shift only where storm mode calls it in)."""
    on_duty = [s for s in shifts if policy.storm.standby_called or not s.standby]
    return coverage_gaps(crews, on_duty, hazard_skills(policy))


def coverage_gaps(crews: Sequence[Crew], shifts: Sequence[Shift], skills: list[str]) -> list[CoverageGap]:
    """Per skill, the hours of the day of ``shifts`` with no crew on shift having it."""
    have = {c.crew_id: set(c.skills) for c in crews}
    spans = [(s.start, s.end, have.get(s.crew_id, set())) for s in shifts]
    if not spans:
        return []
    first = min(s for s, _, _ in spans).replace(minute=0, second=0, microsecond=0)
    last = max(e for _, e, _ in spans)
    gaps: list[CoverageGap] = []
    for skill in skills:
        hour = first
        while hour < last:
            covered = any(skill in have and s <= hour and hour + HOUR <= e for s, e, have in spans)
            if not covered:
                if gaps and gaps[-1].skill == skill and gaps[-1].end == hour:
                    gaps[-1] = CoverageGap(skill, gaps[-1].start, hour + HOUR)
                else:
                    gaps.append(CoverageGap(skill, hour, hour + HOUR))
            hour += HOUR
    return gaps
