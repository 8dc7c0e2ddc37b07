"""The routing problem: typed, immutable inputs built through :class:`Model`.

Units inside the solver are integers: times in seconds from the problem's time origin
(the caller chooses it, e.g. local midnight of the planned day), distances in metres,
exposure in weighted seconds. Nothing here knows about tickets or databases.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from solver.travel import TravelMatrices, TravelModel

# Priority classes: 0 is the most urgent. A job of class p outweighs many of class p+1.
# Class 0 is for emergencies (a hazard that can still be reached within its response target);
# it only joins the ladder when a problem has such a job, so ordinary problems keep 1..4.
PRIORITY_CLASSES = (0, 1, 2, 3, 4)
# The most jobs of its class one job may count as (``Job.weight``), well below the default ratio between
# classes; its drop penalty is cut short of one job of the class above in any case.
MAX_WEIGHT = 100


@dataclass(frozen=True)
class TimeWindow:
    """A closed interval [start, end] in seconds; a visit's service must start inside it."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError(f"time window starts after it ends: [{self.start}, {self.end}]")

    def contains(self, t: int) -> bool:
        return self.start <= t <= self.end


@dataclass(frozen=True)
class Site:
    """A place on the map. ``x``/``y`` are lon/lat for geographic models, plane coordinates otherwise."""

    index: int
    x: float
    y: float
    name: str = ""


@dataclass(frozen=True)
class Break:
    """A rest of ``duration`` seconds taken wholly inside ``window`` (lunch, Friday prayer)."""

    id: str
    window: TimeWindow
    duration: int

    @property
    def latest_start(self) -> int:
        return self.window.end - self.duration


@dataclass(frozen=True)
class Job:
    """One visit: a home or an asset that a crew must attend."""

    id: str
    site: Site
    service: int
    time_windows: tuple[TimeWindow, ...] = ()
    skills: frozenset[str] = frozenset()
    priority: int = 3
    customers: int = 1
    enters_home: bool = False
    exposure: int = 0
    contaminating: bool = False
    demand: int = 0
    required: bool = False
    # Intraday stability: the crew the job is already promised to, and the cost of giving it to another.
    preferred_crew: str | None = None
    move_cost: int = 0
    # Extra cost per second from the wait origin to the start of service, on top of
    # ``wait_weight * customers``: makes an emergency reached as early as possible.
    urgency: int = 0
    # Intraday stability of the order: the job this one follows on its promised route ("" = first
    # after the crew's start), and the cost of reaching it from anywhere else.
    follows: str | None = None
    reorder_cost: int = 0
    # Intraday promise: the job was on a crew's published route; dropping it costs half as much again
    # as dropping an unpromised job of its class (so only more urgent work can take its place).
    promised: bool = False
    # Left unserved, the job's customers count as waiting to the end of the horizon (its drop penalty
    # grows by that wait): among jobs of one priority the solver then drops those with fewer customers,
    # not those whose waiting would cost most. For one job standing for many (a wide outage's asset job).
    unserved_waits: bool = False
    # How many jobs of its class this one counts as, served or left out (PyVRP's prize, counted in jobs): a
    # wide outage's asset job standing for the customers of many. 1 to MAX_WEIGHT.
    weight: int = 1

    def window_span(self) -> TimeWindow | None:
        if not self.time_windows:
            return None
        return TimeWindow(min(w.start for w in self.time_windows), max(w.end for w in self.time_windows))


@dataclass(frozen=True)
class Crew:
    """One vehicle and its team for one shift."""

    id: str
    start: Site
    end: Site
    shift: TimeWindow
    max_work: int | None = None
    skills: frozenset[str] = frozenset()
    max_homes: int | None = None
    max_exposure: int | None = None
    breaks: tuple[Break, ...] = ()
    speed_factor: float = 1.0
    capacity: int | None = None
    homes_allowed: bool = True
    # The vehicle profile whose travel matrices the crew drives on ("car", "motorcycle"), when the
    # travel model gives one per profile (a road network); None drives the reference vehicle's.
    profile: str | None = None

    def can_do(self, job: Job) -> bool:
        return job.skills <= self.skills


@dataclass(frozen=True)
class Objective:
    """Integer weights of the objective (after drop penalties, which always dominate).

    cost = travel_time_weight * travel seconds + distance_weight * metres
           + sum((wait_weight * customers + urgency) * seconds from origin to service start)
    """

    travel_time_weight: int = 1
    distance_weight: int = 0
    wait_weight: int = 0
    # How many jobs of class p+1 one job of class p outweighs. Clipped so penalties fit in int64.
    priority_ratio: int = 1000


@dataclass(frozen=True)
class Problem:
    """A complete, validated routing problem. Build it with :class:`Model`."""

    sites: tuple[Site, ...]
    jobs: tuple[Job, ...]
    crews: tuple[Crew, ...]
    travel: TravelMatrices
    objective: Objective
    # Seconds from which waiting of customers is counted (e.g. earliest shift start).
    wait_origin: int = 0

    @cached_property
    def _jobs_by_id(self) -> dict[str, Job]:
        return {j.id: j for j in self.jobs}

    @cached_property
    def _crews_by_id(self) -> dict[str, Crew]:
        return {c.id: c for c in self.crews}

    def job(self, job_id: str) -> Job:
        return self._jobs_by_id[job_id]

    def crew(self, crew_id: str) -> Crew:
        return self._crews_by_id[crew_id]

    def duration(self, crew: Crew, a: Site, b: Site) -> int:
        """Travel seconds from ``a`` to ``b`` for ``crew`` (its profile's matrix, scaled by its speed factor)."""
        return self.travel.duration_for(crew.speed_factor, a.index, b.index, crew.profile)

    def distance(self, a: Site, b: Site, crew: Crew | None = None) -> int:
        """Travel metres from ``a`` to ``b`` (on ``crew``'s profile when the travel has one per profile)."""
        return self.travel.distance_for(a.index, b.index, crew.profile if crew is not None else None)

    def wait_cost(self, job: Job) -> int:
        """The objective's cost per second before ``job``'s service starts: its customers' waiting and urgency."""
        return self.objective.wait_weight * job.customers + job.urgency

    def unserved_wait(self, job: Job) -> int:
        """What leaving ``job`` unserved adds to its drop penalty: for a job standing for many
        (``unserved_waits``), its waiting from the wait origin to the end of the last shift; else 0."""
        if not job.unserved_waits:
            return 0
        horizon = max((c.shift.end for c in self.crews), default=0) + 1
        return self.wait_cost(job) * max(0, horizon - self.wait_origin)

    def drop_penalty(self, job: Job, penalties: dict[int, int]) -> int:
        """What leaving ``job`` unserved costs, given :meth:`drop_penalties`: its class's penalty times its
        weight (short of one job of the class above), half as much again if promised, plus its customers'
        waiting if it stands for many."""
        penalty = penalties[job.priority] * job.weight
        penalty += penalty // 2 if job.promised else 0
        above = [penalties[p] for p in penalties if p < job.priority]
        if above:  # never a job of the class above (the ratio is at least 2, so a job of weight 1 is never cut)
            penalty = min(penalty, min(above) - 1)
        return penalty + self.unserved_wait(job)

    def served_by_class(self, jobs: Iterable[Job]) -> tuple[int, ...]:
        """Jobs served (or lost) per priority class, most urgent first, each counted by its weight: the
        solver's one measure for comparing plans lexicographically."""
        counts = [0] * len(PRIORITY_CLASSES)
        for job in jobs:
            counts[PRIORITY_CLASSES.index(job.priority)] += job.weight
        return tuple(counts)

    def drop_penalties(self) -> dict[int, int]:
        """Penalty of leaving one job of each priority class unserved (a job of weight w: w times that).

        The lowest class outweighs any possible routing cost, so a job is only dropped when it
        cannot be fitted; each class outweighs ``priority_ratio`` jobs of the class below.
        """
        horizon = max((c.shift.end for c in self.crews), default=0) - min(
            (c.shift.start for c in self.crews), default=0
        )
        max_leg = self.travel.max_duration()
        max_dist = self.travel.max_distance()
        n = max(len(self.jobs), 1)
        worst_leg = self.objective.travel_time_weight * max_leg * 3 + self.objective.distance_weight * max_dist
        worst_wait = self.objective.wait_weight * max((j.customers for j in self.jobs), default=1) * (horizon + max_leg)
        worst_urgency = sum(j.urgency for j in self.jobs) * (horizon + max_leg)
        moves = sum(j.move_cost + j.reorder_cost for j in self.jobs)
        base = max(1, (n + len(self.crews)) * worst_leg + n * worst_wait + worst_urgency + moves) + 1
        limit = 2**62 // (sum(j.weight for j in self.jobs) + 1)
        ratio = max(2, self.objective.priority_ratio)
        classes = PRIORITY_CLASSES if any(j.priority == 0 for j in self.jobs) else PRIORITY_CLASSES[1:]
        while ratio > 2 and base * ratio ** (len(classes) - 1) > limit:
            ratio //= 2
        penalties: dict[int, int] = {}
        for rank, p in enumerate(reversed(classes)):
            penalties[p] = min(base * ratio**rank, limit)
        return penalties


@dataclass
class Model:
    """Builder for a :class:`Problem`, in the spirit of PyVRP's ``Model``.

    >>> m = Model()
    >>> depot = m.add_site(x=108.55, y=-6.73, name="ULP Cirebon Kota")
    >>> home = m.add_site(x=108.56, y=-6.71)
    >>> crew = m.add_crew(id="C01", start=depot, shift=TimeWindow(8 * 3600, 16 * 3600))
    >>> job = m.add_job(id="T1", site=home, service=1800, priority=1)
    """

    _sites: list[Site] = field(default_factory=list)
    _jobs: list[Job] = field(default_factory=list)
    _crews: list[Crew] = field(default_factory=list)
    _job_ids: set[str] = field(default_factory=set)
    _crew_ids: set[str] = field(default_factory=set)
    objective: Objective = field(default_factory=Objective)

    def add_site(self, *, x: float, y: float, name: str = "") -> Site:
        if not (np.isfinite(x) and np.isfinite(y)):
            raise ValueError(f"site {name!r} has a non-finite coordinate ({x}, {y})")
        site = Site(index=len(self._sites), x=float(x), y=float(y), name=name)
        self._sites.append(site)
        return site

    def add_job(
        self,
        *,
        id: str,
        site: Site,
        service: int,
        time_windows: Iterable[TimeWindow] = (),
        skills: Iterable[str] = (),
        priority: int = 3,
        customers: int = 1,
        enters_home: bool = False,
        exposure: int = 0,
        contaminating: bool = False,
        demand: int = 0,
        required: bool = False,
        preferred_crew: str | None = None,
        move_cost: int = 0,
        urgency: int = 0,
        follows: str | None = None,
        reorder_cost: int = 0,
        promised: bool = False,
        unserved_waits: bool = False,
        weight: int = 1,
    ) -> Job:
        if id in self._job_ids:
            raise ValueError(f"job id {id!r} is used twice")
        self._check_site(site, f"job {id!r}")
        if service < 0:
            raise ValueError(f"job {id!r}: service duration must be >= 0, got {service}")
        if priority not in PRIORITY_CLASSES:
            raise ValueError(f"job {id!r}: priority must be one of {PRIORITY_CLASSES}, got {priority}")
        if customers < 1:
            raise ValueError(f"job {id!r}: customers must be >= 1, got {customers}")
        if exposure < 0:
            raise ValueError(f"job {id!r}: exposure must be >= 0, got {exposure}")
        if exposure > 0 and not enters_home:
            raise ValueError(f"job {id!r}: exposure without entering a home")
        if contaminating and not enters_home:
            raise ValueError(f"job {id!r}: a contaminating job must enter the home")
        if demand < 0:
            raise ValueError(f"job {id!r}: demand must be >= 0, got {demand}")
        if move_cost < 0:
            raise ValueError(f"job {id!r}: move_cost must be >= 0, got {move_cost}")
        if urgency < 0:
            raise ValueError(f"job {id!r}: urgency must be >= 0, got {urgency}")
        if reorder_cost < 0:
            raise ValueError(f"job {id!r}: reorder_cost must be >= 0, got {reorder_cost}")
        if not 1 <= weight <= MAX_WEIGHT:
            raise ValueError(f"job {id!r}: weight must be 1 to {MAX_WEIGHT}, got {weight}")
        if follows == id:
            raise ValueError(f"job {id!r}: cannot follow itself")
        windows = tuple(sorted(time_windows, key=lambda w: w.start))
        for a, b in zip(windows, windows[1:], strict=False):
            if b.start <= a.end:
                raise ValueError(f"job {id!r}: time windows overlap: {a} and {b}")
        job = Job(
            id=id,
            site=site,
            service=int(service),
            time_windows=windows,
            skills=frozenset(skills),
            priority=priority,
            customers=int(customers),
            enters_home=enters_home,
            exposure=int(exposure),
            contaminating=contaminating,
            demand=int(demand),
            required=required,
            preferred_crew=preferred_crew,
            move_cost=int(move_cost),
            urgency=int(urgency),
            follows=follows,
            reorder_cost=int(reorder_cost),
            promised=promised,
            unserved_waits=unserved_waits,
            weight=int(weight),
        )
        self._job_ids.add(id)
        self._jobs.append(job)
        return job

    def add_crew(
        self,
        *,
        id: str,
        start: Site,
        shift: TimeWindow,
        end: Site | None = None,
        max_work: int | None = None,
        skills: Iterable[str] = (),
        max_homes: int | None = None,
        max_exposure: int | None = None,
        breaks: Iterable[Break] = (),
        speed_factor: float = 1.0,
        capacity: int | None = None,
        homes_allowed: bool = True,
        profile: str | None = None,
    ) -> Crew:
        if id in self._crew_ids:
            raise ValueError(f"crew id {id!r} is used twice")
        self._check_site(start, f"crew {id!r} start")
        end = end or start
        self._check_site(end, f"crew {id!r} end")
        if max_work is not None and max_work <= 0:
            raise ValueError(f"crew {id!r}: max_work must be > 0, got {max_work}")
        for name, cap in (("max_homes", max_homes), ("max_exposure", max_exposure), ("capacity", capacity)):
            if cap is not None and cap < 0:
                raise ValueError(f"crew {id!r}: {name} must be >= 0, got {cap}")
        if not speed_factor > 0:
            raise ValueError(f"crew {id!r}: speed_factor must be > 0, got {speed_factor}")
        if profile is not None and not profile:
            raise ValueError(f"crew {id!r}: profile must be a non-empty name or None")
        brks = tuple(sorted(breaks, key=lambda b: b.window.start))
        for b in brks:
            if b.duration <= 0:
                raise ValueError(f"crew {id!r}: break {b.id!r} must last > 0 s")
            if b.window.end - b.window.start < b.duration:
                raise ValueError(f"crew {id!r}: break {b.id!r} does not fit in its window {b.window}")
        crew = Crew(
            id=id,
            start=start,
            end=end,
            shift=shift,
            max_work=max_work,
            skills=frozenset(skills),
            max_homes=max_homes,
            max_exposure=max_exposure,
            breaks=brks,
            speed_factor=float(speed_factor),
            capacity=capacity,
            homes_allowed=homes_allowed,
            profile=profile,
        )
        self._crew_ids.add(id)
        self._crews.append(crew)
        return crew

    def set_objective(self, objective: Objective) -> Objective:
        self.objective = objective
        return objective

    def build(self, travel: TravelModel, *, wait_origin: int | None = None) -> Problem:
        """Freeze the model into a :class:`Problem`, computing travel matrices with ``travel``."""
        if not self._crews:
            raise ValueError("a problem needs at least one crew")
        matrices = travel.matrices(self._sites)
        if matrices.durations.shape != (len(self._sites), len(self._sites)):
            raise ValueError(f"travel model returned a {matrices.durations.shape} matrix for {len(self._sites)} sites")
        for crew in self._crews:
            try:
                drive = matrices.duration_for(crew.speed_factor, crew.start.index, crew.end.index, crew.profile)
            except ValueError as exc:
                raise ValueError(f"crew {crew.id!r}: {exc}") from None
            room = crew.shift.end - crew.shift.start
            if crew.max_work is not None:
                room = min(room, crew.max_work)
            if drive > room:
                raise ValueError(
                    f"crew {crew.id!r}: driving from its start to its end takes {drive} s, "
                    f"more than its shift allows ({room} s)"
                )
        if wait_origin is None:
            wait_origin = min(c.shift.start for c in self._crews)
        return Problem(
            sites=tuple(self._sites),
            jobs=tuple(self._jobs),
            crews=tuple(self._crews),
            travel=matrices,
            objective=self.objective,
            wait_origin=wait_origin,
        )

    def _check_site(self, site: Site, what: str) -> None:
        if site.index >= len(self._sites) or self._sites[site.index] is not site:
            raise ValueError(f"{what}: site was not added to this model")
