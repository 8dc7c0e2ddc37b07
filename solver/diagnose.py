"""Why a job was left unassigned: a reason code, a sentence, and where cheap, what would fix it.

The tests are deliberately simple and explainable to a dispatcher: first what no crew could ever
do (skills, home entry, single-job caps, windows, shift length, each on an otherwise empty route),
then what the day's routes used up (home and exposure caps, the isolation rule), and otherwise the
job was crowded out by more urgent work.
"""

from __future__ import annotations

from dataclasses import dataclass

from solver.model import Crew, Job, Problem
from solver.solution import Facts, Reason, Route, Unassigned


def clock(t: int) -> str:
    """Seconds from the origin as HH:MM (the origin is local midnight in dispatch problems)."""
    days, rem = divmod(int(t), 86_400)
    text = f"{rem // 3600:02d}:{rem % 3600 // 60:02d}"
    return text + (f" (+{days}d)" if days else "")


def _minutes(seconds: int) -> int:
    return -(-int(seconds) // 60)


@dataclass(frozen=True)
class _Alone:
    """A job on crew's otherwise empty route."""

    crew: Crew
    arrival: int  # earliest arrival at the job
    start: int | None  # earliest service start inside a window, None if none reachable
    overrun: int  # seconds beyond shift end or max work, if the window is reachable


def _alone(problem: Problem, crew: Crew, job: Job) -> _Alone:
    out = problem.duration(crew, crew.start, job.site)
    back = problem.duration(crew, job.site, crew.end)
    arrival = crew.shift.start + out
    start = _window_start(job, arrival)
    if start is None or start > crew.shift.end:
        return _Alone(crew, arrival, None, 0)
    finish = start + job.service + back
    # Each break is taken before the visit (on the way, or waiting there) or after it (on the way
    # back, or at the end); whichever ends the day sooner, as a route would.
    for b in crew.breaks:
        options = []
        before = _window_start(job, max(start, max(crew.shift.start + out, b.window.start) + b.duration))
        if before is not None:
            options.append((before + job.service + back, before))
        if max(start + job.service, b.window.start) <= b.latest_start:
            options.append((max(finish, b.window.start) + b.duration, start))
        if not options:  # the break fits neither side of the visit: count it as lost time
            options.append((finish + b.duration, start))
        finish, start = min(options)
    overrun = max(0, finish - crew.shift.end)
    if crew.max_work is not None:
        span = out + job.service + back + sum(b.duration for b in crew.breaks)
        overrun = max(overrun, span - crew.max_work)
    return _Alone(crew, arrival, start, overrun)


def overrun(problem: Problem, crew: Crew, job: Job) -> int | None:
    """Seconds past ``crew``'s shift end (or max work) it needs to do ``job`` alone and get back, its
    breaks taken where they cost least (0: it fits; None: no window of the job can be reached)."""
    alone = _alone(problem, crew, job)
    return None if alone.start is None else alone.overrun


def _window_start(job: Job, arrival: int) -> int | None:
    """The earliest service start at or after ``arrival`` inside the job's windows (None: too late)."""
    if not job.time_windows:
        return arrival
    return next((max(arrival, w.start) for w in job.time_windows if arrival <= w.end), None)


# long function: one list of reasons in order of precedence (skills, windows, shift, caps, crowding); the
# first that applies is the answer.
def explain(problem: Problem, job: Job, routes: dict[str, Route]) -> Unassigned:
    crews = problem.crews
    skilled = [c for c in crews if job.skills <= c.skills]
    if not skilled:
        return _unassigned(job, Reason.NO_SKILLED_CREW, Facts(skills=tuple(sorted(job.skills))))
    candidates = skilled
    if job.enters_home:
        candidates = [c for c in skilled if c.homes_allowed and c.max_homes != 0]
        if not candidates:
            return _unassigned(job, Reason.HOME_ENTRY_BARRED, Facts(count=len(skilled)))
        fits = [c for c in candidates if c.max_exposure is None or job.exposure <= c.max_exposure]
        if not fits:
            best = max(c.max_exposure or 0 for c in candidates)
            facts = Facts(minutes=_minutes(job.exposure), cap_minutes=best // 60)
            return _unassigned(job, Reason.EXPOSURE_CAP, facts)
        candidates = fits
    if job.demand:
        fits = [c for c in candidates if c.capacity is None or job.demand <= c.capacity]
        if not fits:
            return _unassigned(job, Reason.CAPACITY, Facts(demand=job.demand))
        candidates = fits

    alone = [_alone(problem, c, job) for c in candidates]
    reachable = [a for a in alone if a.start is not None]
    if not reachable:
        first = min(alone, key=lambda a: a.arrival)
        windows = tuple((w.start, w.end) for w in job.time_windows)
        facts = Facts(crews=(first.crew.id,), windows=windows, at=first.arrival)
        return _unassigned(job, Reason.WINDOW_UNREACHABLE, facts)
    feasible = [a for a in reachable if a.overrun == 0]
    if not feasible:
        best = min(reachable, key=lambda a: a.overrun)
        return _unassigned(job, Reason.SHIFT_TOO_SHORT, Facts(crews=(best.crew.id,), minutes=_minutes(best.overrun)))

    # Feasible alone: what did the day's routes use up?
    binding: dict[Reason, list[str]] = {Reason.HOME_CAP: [], Reason.EXPOSURE_CAP: [], Reason.ISOLATION_RULE: []}
    free: list[_Alone] = []
    for a in feasible:
        route = routes.get(a.crew.id)
        if route is None:
            free.append(a)
            continue
        visits = route.visits
        homes = sum(1 for s in visits if problem.job(s.job_id).enters_home)  # type: ignore[arg-type]
        exposure = sum(problem.job(s.job_id).exposure for s in visits)  # type: ignore[arg-type]
        isolated = any(problem.job(s.job_id).contaminating for s in visits)  # type: ignore[arg-type]
        if job.enters_home and a.crew.max_homes is not None and homes + 1 > a.crew.max_homes:
            binding[Reason.HOME_CAP].append(a.crew.id)
        elif job.enters_home and a.crew.max_exposure is not None and exposure + job.exposure > a.crew.max_exposure:
            binding[Reason.EXPOSURE_CAP].append(a.crew.id)
        elif job.enters_home and isolated:
            binding[Reason.ISOLATION_RULE].append(a.crew.id)
        else:
            free.append(a)
    if not free:
        reason = max(binding, key=lambda r: len(binding[r]))
        bound = binding[reason]
        return _unassigned(job, reason, Facts(crews=tuple(bound[:NAMED_CREWS]), count=len(bound)))
    best = min(free, key=lambda a: a.start or 0)
    return _unassigned(job, Reason.CROWDED_OUT, Facts(crews=(best.crew.id,), at=best.start or 0))


# Crews an explanation names at most (it counts the rest).
NAMED_CREWS = 5


def _unassigned(job: Job, reason: Reason, facts: Facts) -> Unassigned:
    return Unassigned(job.id, reason, sentence(reason, facts), facts=facts)


def sentence(reason: Reason, facts: Facts) -> str:
    """The solver's English sentence of an explanation (views of other languages word ``facts`` themselves)."""
    crew = facts.crews[0] if facts.crews else "?"
    named = ", ".join(facts.crews) + (" ..." if (facts.count or 0) > len(facts.crews) else "")
    if reason is Reason.NO_SKILLED_CREW:
        return f"needs skills {', '.join(facts.skills) or 'none'}; no crew on shift has them all"
    if reason is Reason.HOME_ENTRY_BARRED:
        return (
            f"enters a home, and all {facts.count} crews with the skills are barred from home entries today "
            "(home cap 0 or exposure budget spent)"
        )
    if reason is Reason.EXPOSURE_CAP and facts.cap_minutes is not None:
        return (
            f"weighted exposure {facts.minutes} min exceeds every skilled crew's cap (largest {facts.cap_minutes} min)"
        )
    if reason is Reason.CAPACITY:
        return f"demand {facts.demand} exceeds every crew's capacity"
    if reason is Reason.WINDOW_UNREACHABLE:
        windows = ", ".join(f"{clock(a)}-{clock(b)}" for a, b in facts.windows)
        where = f"window {windows}" if windows else "no skilled crew gets there before its shift ends"
        return f"{where}; the earliest any skilled crew can arrive is {clock(facts.at or 0)} (crew {crew})"
    if reason is Reason.SHIFT_TOO_SHORT:
        return f"even alone it does not fit in any shift; fits if crew {crew}'s shift ran {facts.minutes} min longer"
    if reason is Reason.HOME_CAP:
        return f"every crew that could take it has reached its home-entry cap ({named})"
    if reason is Reason.EXPOSURE_CAP:
        return f"it would push every crew that could take it over its exposure cap ({named})"
    if reason is Reason.ISOLATION_RULE:
        return (
            f"every crew that could take it visits an isolating household first and enters no home after it ({named})"
        )
    return (
        f"feasible alone (crew {crew} could start it at {clock(facts.at or 0)}), but the crews' "
        "time went to more urgent or better-placed work"
    )


def explain_all(problem: Problem, job_ids: list[str], routes: tuple[Route, ...]) -> tuple[Unassigned, ...]:
    by_crew = {r.crew_id: r for r in routes}
    return tuple(explain(problem, problem.job(jid), by_crew) for jid in job_ids)
