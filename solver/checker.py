"""Independent feasibility checker for solver output.

It recomputes every figure of a :class:`Solution` from the :class:`Problem` alone (sites, travel
matrices, crews, jobs) and lists what is wrong. It deliberately shares no code with the model
builder, so that a bug in how constraints are handed to OR-Tools cannot hide itself here.

Conventions checked (integer seconds from the problem's origin, metres):

* every job appears exactly once over the routes' VISIT steps and ``solution.unassigned``;
  required jobs are never unassigned; every crew has exactly one route;
* a route is START (at the crew's start site, ``START.start`` = departure), VISIT/BREAK steps,
  END (at the crew's end site); each of the crew's breaks is taken exactly once (a route without
  visits may leave its breaks out);
* between consecutive place steps ``p -> q`` (START/VISIT/END) with break steps ``B`` between:
  ``q.arrival >= p.end + travel(p, q)`` and ``q.start - p.end >= travel(p, q) + sum(B)``, each
  break lies in ``[p.end, q.start]`` and inside its window; travel is the crew's: the duration
  in its profile's matrix (the shared matrix when travel has no profiles, e.g. great-circle) divided by
  its speed factor and rounded up, and the distance in that same matrix;
* shift, max work, time windows (both ends inclusive), skills, home/exposure/capacity caps,
  no home entry after a contaminating job, running totals per step and the route summaries.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from solver.model import Break, Crew, Job, Problem, Site
from solver.solution import Route, Solution, Step, StepType

# Violation kinds and what each means; tests and reports may rely on these codes.
KINDS: dict[str, str] = {
    "time_window": "a visit starts outside all of its job's time windows",
    "shift": "the crew leaves before its shift starts or returns after it ends",
    "max_work": "the crew works (departure to return) longer than its max_work",
    "skill": "a crew visits a job whose skills it lacks",
    "home_cap": "a crew enters more homes than allowed, or any home while barred from homes",
    "exposure_cap": "a crew's summed exposure exceeds its cap",
    "contaminated_home_entry": "a home is entered after a contaminating job on the same route",
    "capacity": "a crew's summed demand exceeds its capacity",
    "break": "a break is missing, repeated, unknown, mis-sized, off its window, or overlaps work or travel",
    "travel": "an arrival comes before travel allows, or a step reports a wrong leg",
    "service": "a visit's end is not its start plus the job's service duration",
    "order": "a step ends before it starts / starts before arrival, or steps go back in time",
    "site": "a step is not at the site of its job or of the crew's start/end",
    "route": "a crew has no route or several, a route has an unknown crew, or a bad START/END shape",
    "duplicate_job": "a job is served or listed unassigned more than once",
    "missing_job": "a job is neither served nor listed unassigned",
    "unknown_job": "a step or unassigned entry names a job that is not in the problem",
    "required_unassigned": "a required job is left unassigned",
    "running_total": "a step's homes_entered/exposure/load is not the running total after that step",
    "summary": "a route summary figure does not match the recomputed route",
}

_PLACES = (StepType.START, StepType.VISIT, StepType.END)


@dataclass(frozen=True)
class Violation:
    """One broken rule: ``kind`` is a code from :data:`KINDS`; ``message`` gives the numbers."""

    kind: str
    crew_id: str | None
    job_id: str | None
    message: str

    def __str__(self) -> str:
        where = ", ".join(
            x for x in (self.crew_id and f"crew {self.crew_id}", self.job_id and f"job {self.job_id}") if x
        )
        return f"[{self.kind}] {where + ': ' if where else ''}{self.message}"


def check(problem: Problem, solution: Solution) -> list[Violation]:
    """Every rule that ``solution`` breaks for ``problem``; an empty list means feasible."""
    out: list[Violation] = []
    _check_job_accounting(problem, solution, out)
    crews = {c.id: c for c in problem.crews}
    jobs = {j.id: j for j in problem.jobs}
    routes_per_crew = Counter(r.crew_id for r in solution.routes)
    for crew in problem.crews:
        n = routes_per_crew.get(crew.id, 0)
        if n != 1:
            out.append(Violation("route", crew.id, None, f"crew has {n} routes, expected exactly 1"))
    for route in solution.routes:
        crew = crews.get(route.crew_id)
        if crew is None:
            out.append(Violation("route", route.crew_id, None, "route belongs to a crew not in the problem"))
            continue
        _check_route(problem, jobs, crew, route, out)
    return out


def assert_feasible(problem: Problem, solution: Solution) -> None:
    """Raise AssertionError listing every violation, if there is any."""
    violations = check(problem, solution)
    if violations:
        lines = "\n".join(f"  {v}" for v in violations)
        raise AssertionError(f"{len(violations)} violation(s):\n{lines}")


def _check_job_accounting(problem: Problem, solution: Solution, out: list[Violation]) -> None:
    jobs = {j.id: j for j in problem.jobs}
    served: Counter[str] = Counter()
    for route in solution.routes:
        for step in route.steps:
            if step.type is not StepType.VISIT:
                continue
            if step.job_id is None:
                out.append(Violation("unknown_job", route.crew_id, None, "a VISIT step carries no job id"))
            else:
                served[step.job_id] += 1
    unassigned = Counter(u.job_id for u in solution.unassigned)
    for job_id in sorted(set(served) | set(unassigned)):
        n_served, n_unassigned = served[job_id], unassigned[job_id]
        if job_id not in jobs:
            out.append(
                Violation(
                    "unknown_job",
                    None,
                    job_id,
                    f"job is not in the problem (served {n_served}x, unassigned {n_unassigned}x)",
                )
            )
        elif n_served + n_unassigned > 1:
            out.append(
                Violation(
                    "duplicate_job",
                    None,
                    job_id,
                    f"job appears {n_served + n_unassigned} times (served {n_served}x, unassigned {n_unassigned}x)",
                )
            )
    for job in problem.jobs:
        if job.id not in served and job.id not in unassigned:
            out.append(Violation("missing_job", None, job.id, "job is neither served nor listed unassigned"))
        if job.required and job.id in unassigned:
            out.append(Violation("required_unassigned", None, job.id, "required job is left unassigned"))


def _expected_site(jobs: dict[str, Job], crew: Crew, step: Step) -> Site | None:
    """Where the step must be; None for breaks and for visits of unknown jobs."""
    if step.type is StepType.START:
        return crew.start
    if step.type is StepType.END:
        return crew.end
    if step.type is StepType.VISIT and step.job_id is not None:
        job = jobs.get(step.job_id)
        return job.site if job is not None else None
    return None


def _check_route(problem: Problem, jobs: dict[str, Job], crew: Crew, route: Route, out: list[Violation]) -> None:
    cid = crew.id

    def add(kind: str, message: str, job_id: str | None = None) -> None:
        out.append(Violation(kind, cid, job_id, message))

    steps = route.steps
    if len(steps) < 2 or steps[0].type is not StepType.START or steps[-1].type is not StepType.END:
        kinds = [s.type.value for s in steps]
        add("route", f"route must run START ... END, got steps {kinds}")
        return
    inner_ends = [i for i, s in enumerate(steps[1:-1], 1) if s.type in (StepType.START, StepType.END)]
    if inner_ends:
        add("route", f"START/END steps in the middle of the route at positions {inner_ends}")
        return

    # Order within and between steps.
    for i, s in enumerate(steps):
        if not s.arrival <= s.start <= s.end:
            add(
                "order",
                f"step {i} ({s.type.value}) has arrival {s.arrival}, start {s.start}, end {s.end}; "
                "expected arrival <= start <= end",
                s.job_id,
            )
    for i, (a, b) in enumerate(zip(steps, steps[1:], strict=False)):
        if b.start < a.end:
            add(
                "order",
                f"step {i + 1} ({b.type.value}) starts at {b.start}, before step {i} ({a.type.value}) ends at {a.end}",
                b.job_id,
            )

    # Sites.
    sites: list[Site | None] = [_expected_site(jobs, crew, s) for s in steps]
    for i, (s, site) in enumerate(zip(steps, sites, strict=True)):
        if site is not None and s.site_index != site.index:
            add(
                "site",
                f"step {i} ({s.type.value}) is at site {s.site_index}, expected site {site.index}",
                s.job_id,
            )

    # Break identities.
    crew_breaks: dict[str, Break] = {b.id: b for b in crew.breaks}
    break_steps = [s for s in steps if s.type is StepType.BREAK]
    taken = Counter(s.break_id for s in break_steps)
    for bid, n in taken.items():
        if bid is None or bid not in crew_breaks:
            add("break", f"{n} BREAK step(s) with break id {bid!r}, which is not one of the crew's breaks")
        elif n > 1:
            add("break", f"break {bid!r} is taken {n} times")
    has_visits = any(s.type is StepType.VISIT for s in steps)
    for b in crew.breaks:
        if b.id not in taken and has_visits:
            add("break", f"break {b.id!r} ({b.duration} s in [{b.window.start}, {b.window.end}]) is not taken")
    for s in break_steps:
        b = crew_breaks.get(s.break_id) if s.break_id is not None else None
        if b is None:
            continue
        if s.end - s.start != b.duration:
            add(
                "break",
                f"break {b.id!r} lasts {s.end - s.start} s ({s.start}-{s.end}), expected {b.duration} s",
            )
        if s.start < b.window.start or s.end > b.window.end:
            add(
                "break",
                f"break {b.id!r} taken {s.start}-{s.end}, outside its window [{b.window.start}, {b.window.end}]",
            )
    for s in break_steps:
        for v in steps:
            if v.type is StepType.VISIT and s.start < v.end and v.start < s.end:
                add(
                    "break",
                    f"break {s.break_id!r} ({s.start}-{s.end}) overlaps the service {v.start}-{v.end}",
                    v.job_id,
                )

    # Legs between consecutive place steps, with the breaks taken between them.
    total_distance = 0
    total_travel = 0
    legs_known = True
    first = steps[0]
    if first.travel_time != 0 or first.travel_distance != 0:
        add(
            "travel",
            f"START reports a leg of {first.travel_time} s / {first.travel_distance} m, expected 0 / 0",
        )
    places = [i for i, s in enumerate(steps) if s.type in _PLACES]
    for pi, qi in zip(places, places[1:], strict=False):
        p, q = steps[pi], steps[qi]
        ps, qs = sites[pi], sites[qi]
        between = [steps[k] for k in range(pi + 1, qi)]
        if ps is None or qs is None:
            legs_known = False
            continue
        t, d = _leg(problem, crew, ps, qs)
        total_travel += t
        total_distance += d
        if q.travel_time != t or q.travel_distance != d:
            add(
                "travel",
                f"step {qi} ({q.type.value}) reports a leg of {q.travel_time} s / {q.travel_distance} m "
                f"from site {ps.index} to {qs.index}, recomputed {t} s / {d} m "
                f"(speed factor {crew.speed_factor}{_profile_note(problem, crew)})",
                q.job_id,
            )
        if q.arrival < p.end + t:
            add(
                "travel",
                f"step {qi} ({q.type.value}) arrives at {q.arrival}, but leaving at {p.end} with {t} s "
                f"of travel it cannot arrive before {p.end + t}",
                q.job_id,
            )
        for b in between:
            if b.start < p.end or b.end > q.start:
                add(
                    "break",
                    f"break {b.break_id!r} ({b.start}-{b.end}) is not between "
                    f"the end of step {pi} at {p.end} "
                    f"and the start of step {qi} at {q.start}",
                )
        if between:
            rest = sum(crew_breaks[b.break_id].duration for b in between if b.break_id in crew_breaks)
            if q.start - p.end < t + rest:
                add(
                    "break",
                    f"between step {pi} (ends {p.end}) and step {qi} (starts {q.start}) there are "
                    f"{q.start - p.end} s, fewer than {t} s of travel plus {rest} s of breaks",
                    q.job_id,
                )

    # Shift and working time.
    last = steps[-1]
    if first.start < crew.shift.start:
        add("shift", f"leaves at {first.start}, before the shift starts at {crew.shift.start}")
    if last.arrival > crew.shift.end:
        add("shift", f"returns at {last.arrival}, after the shift ends at {crew.shift.end}")
    worked = last.arrival - first.start
    if crew.max_work is not None and worked > crew.max_work:
        add(
            "max_work",
            f"works {worked} s (leaves {first.start}, returns {last.arrival}), max_work {crew.max_work} s",
        )

    # Visits: windows, service, skills; running totals and caps.
    homes = exposure = load = 0
    contaminated_by: str | None = None
    service_time = customer_seconds = 0
    for i, s in enumerate(steps):
        job = jobs.get(s.job_id) if s.type is StepType.VISIT and s.job_id is not None else None
        if job is not None:
            if job.time_windows and not any(w.start <= s.start <= w.end for w in job.time_windows):
                wins = ", ".join(f"[{w.start}, {w.end}]" for w in job.time_windows)
                add("time_window", f"service starts at {s.start}, outside the windows {wins}", job.id)
            if s.end != s.start + job.service:
                add(
                    "service",
                    f"service {s.start}-{s.end} lasts {s.end - s.start} s, expected {job.service} s",
                    job.id,
                )
            missing = job.skills - crew.skills
            if missing:
                add("skill", f"crew lacks skill(s) {sorted(missing)} (has {sorted(crew.skills)})", job.id)
            if job.enters_home and contaminated_by is not None:
                add(
                    "contaminated_home_entry",
                    f"enters a home after the contaminating job {contaminated_by!r} earlier on the route",
                    job.id,
                )
            if job.contaminating and contaminated_by is None:
                contaminated_by = job.id
            homes += int(job.enters_home)
            exposure += job.exposure
            load += job.demand
            service_time += job.service
            customer_seconds += job.customers * (s.start - problem.wait_origin)
        wrong = [
            f"{name} {got} (expected {want})"
            for name, got, want in (
                ("homes_entered", s.homes_entered, homes),
                ("exposure", s.exposure, exposure),
                ("load", s.load, load),
            )
            if got != want
        ]
        if wrong:
            add("running_total", f"step {i} ({s.type.value}) reports " + ", ".join(wrong), s.job_id)

    if not crew.homes_allowed and homes > 0:
        add("home_cap", f"crew is barred from homes but enters {homes}")
    if crew.max_homes is not None and homes > crew.max_homes:
        add("home_cap", f"enters {homes} homes, cap {crew.max_homes}")
    if crew.max_exposure is not None and exposure > crew.max_exposure:
        add("exposure_cap", f"exposure {exposure}, cap {crew.max_exposure}")
    if crew.capacity is not None and load > crew.capacity:
        add("capacity", f"load {load}, capacity {crew.capacity}")

    # Summary.
    sm = route.summary
    visits = sum(1 for s in steps if s.type is StepType.VISIT)
    expected: list[tuple[str, int, int | None]] = [
        ("visits", sm.visits, visits),
        ("homes_entered", sm.homes_entered, homes),
        ("exposure", sm.exposure, exposure),
        ("distance", sm.distance, total_distance if legs_known else None),
        ("travel_time", sm.travel_time, total_travel if legs_known else None),
        ("service_time", sm.service_time, service_time),
        ("break_time", sm.break_time, sum(s.end - s.start for s in break_steps)),
        ("duration", sm.duration, worked),
        ("customer_seconds", sm.customer_seconds, customer_seconds),
    ]
    for name, got, want in expected:
        if want is not None and got != want:
            add("summary", f"summary {name} is {got}, recomputed {want}")


def _leg(problem: Problem, crew: Crew, a: Site, b: Site) -> tuple[int, int]:
    """Seconds and metres of the crew's drive from ``a`` to ``b``, read from the problem's matrices."""
    travel = problem.travel
    if travel.by_profile:
        travel = travel.by_profile[crew.profile] if crew.profile is not None else travel
    seconds = int(travel.durations[a.index, b.index])
    if crew.speed_factor != 1.0:
        seconds = math.ceil(seconds / crew.speed_factor)
    return seconds, int(travel.distances[a.index, b.index])


def _profile_note(problem: Problem, crew: Crew) -> str:
    return f", profile {crew.profile!r}" if problem.travel.by_profile and crew.profile is not None else ""


# --- Insertable unassigned jobs: the fill guarantee, checked from the problem alone -------------------


def insertable(
    problem: Problem, routes: Mapping[str, Sequence[str]], unassigned: Iterable[str]
) -> dict[str, tuple[str, int]]:
    """Unassigned jobs that one feasible insertion would serve: job id -> (crew id, position) of one
    such insertion (position = number of visits before it on the crew's route).

    ``routes`` is every crew's visit order (crews not named have empty routes). Each candidate route
    is re-timed from scratch: the crew leaves at the start of its shift, every service starts as early
    as its windows allow, its breaks are taken in window order, each in some gap between two places
    (while driving or waiting), all of them when the route has a visit; the crew is back at its end
    by the end of the shift (and within ``max_work``); skills, home/exposure/capacity caps and no home
    entry after a contaminating job hold. Earliest times dominate, so trying every break gap is exact.
    """
    jobs = {j.id: j for j in problem.jobs}
    out: dict[str, tuple[str, int]] = {}
    for job_id in unassigned:
        job = jobs[job_id]
        for crew in problem.crews:
            order = [jobs[j] for j in routes.get(crew.id, ())]
            if not _may_take(crew, order, job):
                continue
            for pos in range(len(order) + 1):
                if _feasible_order(problem, crew, [*order[:pos], job, *order[pos:]]):
                    out[job_id] = (crew.id, pos)
                    break
            if job_id in out:
                break
    return out


def _may_take(crew: Crew, order: Sequence[Job], job: Job) -> bool:
    """The position-free rules: skills and the route's caps with ``job`` added."""
    if not job.skills <= crew.skills:
        return False
    homes = sum(j.enters_home for j in order) + job.enters_home
    if job.enters_home and (not crew.homes_allowed or (crew.max_homes is not None and homes > crew.max_homes)):
        return False
    if crew.max_exposure is not None and sum(j.exposure for j in order) + job.exposure > crew.max_exposure:
        return False
    return crew.capacity is None or sum(j.demand for j in order) + job.demand <= crew.capacity


def _feasible_order(problem: Problem, crew: Crew, order: Sequence[Job]) -> bool:
    """Whether the crew can serve ``order`` as given (see :func:`insertable` for the rules)."""
    contaminated = False
    for job in order:
        if job.enters_home and contaminated:
            return False
        contaminated = contaminated or job.contaminating
    breaks = sorted(crew.breaks, key=lambda b: b.window.start)
    # free[k]: the earliest time the crew is done at the current place having taken its first k breaks.
    free: dict[int, int] = {0: crew.shift.start}
    place = crew.start
    for job in [*order, None]:
        to = crew.end if job is None else job.site
        drive = _leg(problem, crew, place, to)[0]
        ready: dict[int, int] = {}
        for k, done in free.items():
            t, rest, taken = done, 0, k
            _keep_min(ready, k, done + drive)
            while taken < len(breaks):  # take breaks taken..m in this gap, one after the other
                b = breaks[taken]
                t = max(t, b.window.start)
                if t + b.duration > b.window.end:
                    break
                t += b.duration
                rest += b.duration
                taken += 1
                _keep_min(ready, taken, max(done + drive + rest, t))
        free = {}
        for k, t in ready.items():
            if job is None:
                free[k] = t
                continue
            start = t if not job.time_windows else next((max(t, w.start) for w in job.time_windows if t <= w.end), None)
            if start is not None:
                free[k] = start + job.service
        if not free:
            return False
        place = to
    back = free.get(len(breaks)) if order else min(free.values())
    if back is None or back > crew.shift.end:
        return False
    return crew.max_work is None or back - crew.shift.start <= crew.max_work


def _keep_min(d: dict[int, int], k: int, t: int) -> None:
    if k not in d or t < d[k]:
        d[k] = t
