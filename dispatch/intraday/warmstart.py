"""The warm start of a re-plan: the promised routes a crew can still drive, emergencies put in first."""

from __future__ import annotations

from collections.abc import Sequence

import solver


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


# Public names for the emergency rescue after a re-plan's search (dispatch/intraday/emergencies.py).
walk = _walk
insert_emergencies = _insert_emergencies
