"""What the solver returns: routes of steps, a summary, and unassigned jobs with reasons."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class StepType(StrEnum):
    START = "start"
    VISIT = "visit"
    BREAK = "break"
    END = "end"


class Reason(StrEnum):
    """Why a job was left unassigned, most fundamental first."""

    NO_SKILLED_CREW = "no_skilled_crew"
    HOME_ENTRY_BARRED = "home_entry_barred"  # every skilled crew is barred from homes (cap 0, spent budget)
    EXPOSURE_CAP = "exposure_cap"
    HOME_CAP = "home_cap"
    ISOLATION_RULE = "isolation_rule"  # crews that could take it visit an isolating household first
    CAPACITY = "capacity"
    WINDOW_UNREACHABLE = "window_unreachable"
    SHIFT_TOO_SHORT = "shift_too_short"
    CROWDED_OUT = "crowded_out"


@dataclass(frozen=True)
class Step:
    """One event on a route. Times are seconds from the problem's origin.

    ``arrival`` is when the crew gets there, ``start``/``end`` bound the service (or the
    break); ``waiting = start - arrival``. ``travel_distance``/``travel_time`` are for the
    leg from the previous step's place. ``homes_entered``/``exposure`` are running totals
    after this step.
    """

    type: StepType
    arrival: int
    start: int
    end: int
    job_id: str | None = None
    break_id: str | None = None
    site_index: int = -1
    travel_distance: int = 0
    travel_time: int = 0
    homes_entered: int = 0
    exposure: int = 0
    load: int = 0

    @property
    def waiting(self) -> int:
        return self.start - self.arrival


@dataclass(frozen=True)
class RouteSummary:
    visits: int
    homes_entered: int
    exposure: int
    distance: int
    travel_time: int
    service_time: int
    waiting_time: int
    break_time: int
    duration: int  # from leaving the start to arriving at the end
    customer_seconds: int  # sum of customers x (service start - wait origin)


@dataclass(frozen=True)
class Route:
    crew_id: str
    steps: tuple[Step, ...]
    summary: RouteSummary

    @property
    def visits(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.type is StepType.VISIT)

    def job_ids(self) -> tuple[str, ...]:
        return tuple(s.job_id for s in self.steps if s.type is StepType.VISIT and s.job_id is not None)


@dataclass(frozen=True)
class Facts:
    """What an unassigned job's explanation names, as values, for views that word it in their own language
    (:attr:`Unassigned.detail` is the solver's English sentence of them). Only the fields a reason uses are set:

    - ``no_skilled_crew``: ``skills`` needed;
    - ``home_entry_barred``: ``count`` of skilled crews, all barred from homes;
    - ``exposure_cap``: alone, the job's weighted ``minutes`` over every crew's cap (``cap_minutes``, the
      largest); else the ``crews`` it would push over their cap (``count`` of them in all);
    - ``home_cap``, ``isolation_rule``: the ``crews`` bound (``count`` in all);
    - ``capacity``: the job's ``demand``;
    - ``window_unreachable``: its ``windows`` (empty: no skilled crew gets there before its shift ends) and the
      earliest arrival ``at`` of any skilled crew, ``crews[0]``;
    - ``shift_too_short``: ``crews[0]`` whose shift would need ``minutes`` more;
    - ``crowded_out``: ``crews[0]`` could start it ``at``.

    Times are seconds from the problem's origin, minutes whole (rounded up).
    """

    skills: tuple[str, ...] = ()
    crews: tuple[str, ...] = ()
    count: int | None = None
    minutes: int | None = None
    cap_minutes: int | None = None
    demand: int | None = None
    windows: tuple[tuple[int, int], ...] = ()
    at: int | None = None


@dataclass(frozen=True)
class Unassigned:
    job_id: str
    reason: Reason
    detail: str
    # Crowded out: a served job that would have to give way for this one (job id, crew id), if one was found.
    displaces: tuple[str, str] | None = None
    # The values ``detail`` names (None where the explanation came from elsewhere, e.g. a read solution file).
    facts: Facts | None = None


@dataclass(frozen=True)
class Incumbent:
    """The best solution so far, as a progress display shows it: its cost, and jobs served of all jobs
    per priority class (0 = emergencies, then 1 most urgent ... 4)."""

    objective: int
    served_by_priority: Mapping[int, int]
    jobs_by_priority: Mapping[int, int]

    def served_text(self) -> str:
        """E.g. ``P1 63/63, P2 69/94, P3 178/400, P4 23/443`` (``E`` for emergencies)."""
        return ", ".join(
            f"{'E' if p == 0 else f'P{p}'} {self.served_by_priority.get(p, 0)}/{n}"
            for p, n in sorted(self.jobs_by_priority.items())
        )


@dataclass(frozen=True)
class SearchStats:
    status: str
    objective: int
    wall_time: float
    first_solution_time: float
    solutions: int
    strategy: str
    reproducible: bool


@dataclass(frozen=True)
class Solution:
    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    stats: SearchStats

    @property
    def used_routes(self) -> tuple[Route, ...]:
        return tuple(r for r in self.routes if r.summary.visits > 0)

    def route_of(self, crew_id: str) -> Route:
        for r in self.routes:
            if r.crew_id == crew_id:
                return r
        raise KeyError(crew_id)

    def assigned_job_ids(self) -> set[str]:
        return {jid for r in self.routes for jid in r.job_ids()}

    def distance(self) -> int:
        return sum(r.summary.distance for r in self.routes)

    def summary(self) -> str:
        used = self.used_routes
        travel_h = sum(r.summary.travel_time for r in used) / 3600
        lines = [
            f"{len(used)} of {len(self.routes)} crews used, "
            f"{sum(r.summary.visits for r in used)} jobs served, {len(self.unassigned)} unassigned",
            f"distance {self.distance() / 1000:.1f} km, travel {travel_h:.2f} h, "
            f"objective {self.stats.objective}, {self.stats.wall_time:.1f} s ({self.stats.strategy})",
        ]
        by_reason: dict[str, int] = {}
        for u in self.unassigned:
            by_reason[u.reason.value] = by_reason.get(u.reason.value, 0) + 1
        if by_reason:
            lines.append("unassigned: " + ", ".join(f"{k} {v}" for k, v in sorted(by_reason.items())))
        return "\n".join(lines)
