"""Replay a plan's routes on other travel times: what happens when crews drive a plan made on
great-circle estimates along the real roads.

Each crew keeps its plan's order of visits and breaks and leaves when the plan said; every drive
takes the replay problem's time (the crew's profile and speed factor); a crew early for a time
window waits for it to open; a break starts when planned, or as soon as the crew is free if it is
running late, and may fall during a drive (as the solver places it: the drive resumes after it).
Counted: visits that start later than planned by more than ``late_after_s`` (the
time told to the customer), visits that start outside every time window of their job, and crews
back after their shift ends (and by how much). It is a measurement, not a re-plan: nothing is
dropped or re-ordered.
"""

from __future__ import annotations

from dataclasses import dataclass

from solver.model import Problem
from solver.solution import Solution, StepType


@dataclass(frozen=True)
class ReplayedVisit:
    job_id: str
    crew_id: str
    planned_start: int
    start: int  # when service starts on the replay's times
    window_broken: bool

    @property
    def delay(self) -> int:
        return self.start - self.planned_start


@dataclass(frozen=True)
class ReplayedRoute:
    crew_id: str
    planned_return: int
    actual_return: int
    shift_end: int

    @property
    def overrun(self) -> int:
        """Seconds back after the end of the shift (0 if in time)."""
        return max(0, self.actual_return - self.shift_end)


@dataclass(frozen=True)
class ReplayReport:
    visits: tuple[ReplayedVisit, ...]
    routes: tuple[ReplayedRoute, ...]
    late_after_s: int

    @property
    def late_visits(self) -> int:
        return sum(v.delay > self.late_after_s for v in self.visits)

    @property
    def broken_windows(self) -> int:
        return sum(v.window_broken for v in self.visits)

    @property
    def shift_overruns(self) -> int:
        return sum(r.overrun > 0 for r in self.routes)

    @property
    def overrun_seconds(self) -> int:
        return sum(r.overrun for r in self.routes)

    def summary(self) -> str:
        return (
            f"{len(self.visits)} visits replayed: {self.late_visits} later than planned by over "
            f"{self.late_after_s // 60} min, {self.broken_windows} outside their time window; "
            f"{self.shift_overruns} of {len(self.routes)} crews back after their shift "
            f"({self.overrun_seconds / 3600:.1f} h in all)"
        )


def replay(problem: Problem, solution: Solution, *, late_after_s: int = 900) -> ReplayReport:
    """Re-time ``solution``'s routes with ``problem``'s travel (same sites, jobs and crews as the plan)."""
    visits: list[ReplayedVisit] = []
    routes: list[ReplayedRoute] = []
    for route in solution.routes:
        crew = problem.crew(route.crew_id)
        breaks = {b.id: b for b in crew.breaks}
        steps = route.steps
        t = steps[0].start
        here = crew.start
        pause: tuple[int, int] | None = None  # a break before the next stop: (planned start, duration)
        for step in steps[1:]:
            if step.type is StepType.BREAK:
                if step.break_id in breaks:
                    pause = (step.start, breaks[step.break_id].duration)
                continue
            there = crew.end if step.type is StepType.END else problem.job(step.job_id).site
            t, pause = _drive(t, problem.duration(crew, here, there), pause), None
            here = there
            if step.type is StepType.END:
                routes.append(
                    ReplayedRoute(crew.id, planned_return=step.arrival, actual_return=t, shift_end=crew.shift.end)
                )
                break
            job = problem.job(step.job_id)
            start = t
            for w in job.time_windows:  # wait for the first window not yet closed
                if t <= w.end:
                    start = max(t, w.start)
                    break
            broken = bool(job.time_windows) and not any(w.contains(start) for w in job.time_windows)
            visits.append(ReplayedVisit(job.id, crew.id, planned_start=step.start, start=start, window_broken=broken))
            t = start + job.service
    return ReplayReport(visits=tuple(visits), routes=tuple(routes), late_after_s=late_after_s)


def _drive(t: int, drive: int, pause: tuple[int, int] | None) -> int:
    """When a crew leaving at ``t`` is ready at the next stop, ``drive`` seconds away, with the ``pause``
    (a break: planned start, duration) it takes on the way: it starts when planned or, running late,
    as soon as the crew is free; a break planned after the crew arrives is taken there, on arrival."""
    if pause is None:
        return t + drive
    start = max(pause[0], t)
    if start < t + drive:
        return t + drive + pause[1]  # on the way: the drive is split by the break
    return start + pause[1]
