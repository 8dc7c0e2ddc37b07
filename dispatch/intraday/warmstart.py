"""The warm start of a re-plan: the promised routes a crew can still drive, emergencies put in first."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

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


def _insert_emergencies(
    problem: solver.Problem, routes: dict[str, list[str]], targets: Mapping[str, int] | None = None
) -> dict[str, list[str]]:
    """Put each emergency missing from the warm start where a crew reaches it first, or, when
    ``targets`` (job -> latest start within its response target, seconds) is given and some crew
    reaches it in time, with the least urgent work pushed out among the crews that do.

    The local search that improves a warm start rarely finds the two-step move of taking a stop
    off a full route to make room for a new hazard; sending the crew that arrives first (the
    dispatcher's rule for a live wire) gives it a start that already serves every emergency it can.
    But the first crew to arrive is often a skilled crew whose day is all backlog P1s (line-down jobs
    that need the same skill): the hazard then cost a P1 that another crew, arriving within the target
    too, could have spared. The stops that give way are the least urgent ones on the route
    (:func:`_give_way`); those pushed out are left for the search to place elsewhere.
    """
    routes = {c: list(r) for c, r in routes.items()}
    placed = {j for r in routes.values() for j in r}
    missing = [j for j in problem.jobs if j.priority == 0 and j.id not in placed]
    for job in missing:
        best = _best_crew(problem, routes, job, targets)
        if best is not None:
            routes[best[3]] = best[4]
    return routes


# Where an emergency goes on a route: (late, stops pushed out by class, start, crew, the route kept);
# the first four order the choices.
_Placement = tuple[bool, tuple[int, ...], int, str, list[str]]


def _best_crew(
    problem: solver.Problem,
    routes: Mapping[str, Sequence[str]],
    job: solver.Job,
    targets: Mapping[str, int] | None = None,
) -> _Placement | None:
    """The crew and route where the emergency ``job`` goes best (see :func:`_best_on`), or None."""
    best: _Placement | None = None
    for crew in problem.crews:
        here = _best_on(problem, crew, routes.get(crew.id, []), job, targets)
        if here is not None and (best is None or here[:4] < best[:4]):
            best = here
    return best


def _best_on(
    problem: solver.Problem,
    crew: solver.Crew,
    route: Sequence[str],
    job: solver.Job,
    targets: Mapping[str, int] | None = None,
) -> _Placement | None:
    """Where on ``crew``'s route the emergency ``job`` goes best, as (late, stops pushed out by class,
    start, crew, the route kept), or None if the crew cannot reach it without losing another emergency.
    It is late when it starts after its target, or makes an emergency of the route that met its target
    miss it (two hazards one crew reaches first: the second goes to a crew that reaches it in time)."""
    if not crew.can_do(job) or (job.enters_home and not crew.homes_allowed):
        return None
    emergencies_before = sum(1 for j in route if problem.job(j).priority == 0)
    on_time = _on_time(_walk(problem, crew, route), targets)
    best: _Placement | None = None
    for i in range(len(route) + 1):
        trial = [*route[:i], job.id, *route[i:]]
        walked = _give_way(problem, crew, trial)
        start = next((t for j, t in walked if j == job.id), None)
        kept = [j for j, _ in walked]
        if start is None or sum(1 for j in kept if problem.job(j).priority == 0) <= emergencies_before:
            continue  # not reachable here, or only by pushing out another emergency
        late = targets is None or job.id not in targets or start > targets[job.id]
        late = late or not on_time <= _on_time(walked, targets)
        pushed = () if late else _pushed_by_class(problem, trial, kept)
        key = (late, pushed, start, crew.id, kept)
        if best is None or key[:4] < best[:4]:
            best = key
    return best


def _on_time(walked: Sequence[tuple[str, int]], targets: Mapping[str, int] | None) -> set[str]:
    """The jobs of a driven route that start within their response target."""
    return {j for j, t in walked if targets is not None and j in targets and t <= targets[j]}


def _pushed_by_class(problem: solver.Problem, trial: Sequence[str], kept: Sequence[str]) -> tuple[int, ...]:
    """How many stops of each priority class (most urgent first) ``trial`` loses when driven as ``kept``."""
    return problem.served_by_class(problem.job(j) for j in set(trial) - set(kept))


def served_by_class(problem: solver.Problem, job_ids: Collection[str]) -> tuple[int, ...]:
    """How many jobs of each priority class (most urgent first, by weight), negated: smaller is better."""
    return tuple(-n for n in problem.served_by_class(problem.job(j) for j in job_ids))


def _give_way(problem: solver.Problem, crew: solver.Crew, trial: Sequence[str]) -> list[tuple[str, int]]:
    """Drive ``trial`` (a route with an emergency put in); when that pushes stops out of the shift,
    take the least urgent stop (the latest of the lowest class) off instead, as long as the route then
    serves more by priority class: a P4 gives way before a backlog P1 does."""
    trial = list(trial)
    walked = _walk(problem, crew, trial)
    while True:
        kept = [j for j, _ in walked]
        pushed = [j for j in trial if j not in set(kept)]
        if not pushed:
            return walked
        wanted = min(problem.job(j).priority for j in pushed)
        victims = [(problem.job(j).priority, i) for i, j in enumerate(trial) if j in kept]
        victims = [(p, i) for p, i in victims if p > wanted]
        if not victims:
            return walked
        _, at = max(victims)
        fewer = [*trial[:at], *trial[at + 1 :]]
        again = _walk(problem, crew, fewer)
        if served_by_class(problem, [j for j, _ in again]) >= served_by_class(problem, kept):
            return walked
        trial, walked = fewer, again


def insert_before_less_urgent(
    problem: solver.Problem, routes: dict[str, list[str]], job_ids: Sequence[str]
) -> dict[str, list[str]]:
    """Put each of ``job_ids`` (left out of ``routes``) on the route where it displaces the least, and
    only stops less urgent than itself: the route must serve more by priority class with it. Among the
    routes that do, the fewest stops pushed out, then the earliest start. Jobs that fit nowhere stay out."""
    routes = {c: list(r) for c, r in routes.items()}
    for job_id in job_ids:
        job = problem.job(job_id)
        best: tuple[int, int, str, list[str]] | None = None
        for crew in problem.crews:
            if not crew.can_do(job) or (job.enters_home and not crew.homes_allowed):
                continue
            route = routes.get(crew.id, [])
            before = served_by_class(problem, route)
            for i in range(len(route) + 1):
                walked = _give_way(problem, crew, [*route[:i], job_id, *route[i:]])
                start = next((t for j, t in walked if j == job_id), None)
                kept = [j for j, _ in walked]
                if start is None or served_by_class(problem, kept) >= before:
                    continue
                key = (len(route) + 1 - len(kept), start, crew.id, kept)
                if best is None or key[:3] < best[:3]:
                    best = key
        if best is not None:
            routes[best[2]] = best[3]
    return routes


# Public names for the emergency rescue after a re-plan's search (dispatch/intraday/emergencies.py).
walk = _walk
insert_emergencies = _insert_emergencies


def put_emergency_on(problem: solver.Problem, crew: solver.Crew, route: Sequence[str], job_id: str) -> list[str] | None:
    """``crew``'s route with the emergency ``job_id`` put in where it starts first (ordinary stops giving
    way, no emergency pushed out), or None if the crew cannot reach it so."""
    best = _best_on(problem, crew, route, problem.job(job_id))
    return None if best is None else best[4]


def place_emergency(
    problem: solver.Problem, routes: Mapping[str, Sequence[str]], job_id: str
) -> dict[str, list[str]] | None:
    """``routes`` with the emergency ``job_id`` put on the crew that reaches it first (ordinary stops
    giving way, no emergency pushed out), or None if no crew can."""
    best = _best_crew(problem, routes, problem.job(job_id))
    if best is None:
        return None
    return {**{c: list(r) for c, r in routes.items()}, best[3]: best[4]}
