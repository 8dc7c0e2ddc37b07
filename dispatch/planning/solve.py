"""Solving the parts of a plan: one part as is, several side by side sharing the workers and the time limit."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import solver
from dispatch.runtime.cluster import Cluster, Session, session


@dataclass(frozen=True)
class PartsDone:
    """Progress of a run in parts: parts solved of all, tickets served so far by solver priority
    (0: an emergency, else the ticket's priority 1-4)."""

    done: int
    total: int
    served: dict[int, int] = field(default_factory=dict)

    def sentence(self) -> str:
        served = ", ".join(f"{'emergency' if p == 0 else f'P{p}'} {n}" for p, n in sorted(self.served.items()))
        return f"parts {self.done}/{self.total} solved; served so far: {served or 'none'}"


PartsProgress = Callable[[PartsDone], None]


def initial_routes_for(
    problem: solver.Problem, initial_routes: Mapping[str, list[str]] | None
) -> dict[str, list[str]] | None:
    """The part of ``initial_routes`` (crew -> ticket ids) that concerns ``problem``'s crews and jobs."""
    if not initial_routes:
        return None
    crew_ids = {c.id for c in problem.crews}
    job_ids = {j.id for j in problem.jobs}
    return {c: [j for j in js if j in job_ids] for c, js in initial_routes.items() if c in crew_ids}


def _solve_part(
    args: tuple[solver.Problem, float, bool, int | None, dict[str, list[str]] | None, bool],
) -> solver.Solution:
    problem, share, reproducible, solution_limit, routes, repair = args
    return solver.solve(
        problem,
        time_limit=share,
        reproducible=reproducible,
        solution_limit=solution_limit,
        workers=1,
        initial_routes=routes,
        repair_initial=repair,
    )


def solve_parts(
    problems: list[solver.Problem],
    limit: float,
    reproducible: bool,
    solution_limit: int | None,
    cluster: Cluster | Session | None,
    progress: Callable[[float, solver.Incumbent | None], None] | None,
    initial_routes: dict[str, list[str]] | None,
    on_part: PartsProgress | None = None,
    *,
    repair_initial: bool = False,
) -> list[solver.Solution]:
    """Solve independent parts side by side on ``cluster`` (one part per worker slot), within ``limit``
    seconds in all; ``on_part`` hears as each part is solved."""
    total = max(1, sum(len(p.jobs) for p in problems))
    t0 = time.monotonic()
    with session(cluster, len(problems)) as place:
        # Each part's share of the slots' combined time: a floor to find a first solution (at most half
        # a second, and at most half the budget over all parts), the rest in proportion to its tickets.
        # Reproducible work is bounded by solution counts, the time only by the watchdog (a multiple of
        # it): each part gets the whole limit, so how many workers share the parts (1 here, 8 on a
        # cluster) never changes where a slow part is cut, nor the plan.
        budget = limit * place.slots
        floor = min(0.5, budget / (2 * len(problems)))
        tasks = [
            (
                p,
                limit if reproducible else floor + (budget - floor * len(problems)) * len(p.jobs) / total,
                reproducible,
                solution_limit,
                initial_routes_for(p, initial_routes),
                repair_initial,
            )
            for p in problems
        ]

        def waiting() -> None:
            if progress is not None:
                progress(min(limit, time.monotonic() - t0), None)

        return place.map(
            _solve_part,
            tasks,
            names=[_part_name(i, p, len(problems)) for i, p in enumerate(problems)],
            order=sorted(range(len(tasks)), key=lambda i: -len(problems[i].jobs)),  # big parts first
            on_done=_tally(problems, on_part) if on_part is not None else None,
            on_wait=waiting,
        )


def _part_name(i: int, problem: solver.Problem, parts: int) -> str:
    return f"part {i + 1} of {parts} ({len(problem.jobs)} tickets, {len(problem.crews)} crews)"


def _tally(problems: list[solver.Problem], on_part: PartsProgress) -> Callable[[int, solver.Solution], None]:
    served: Counter[int] = Counter()
    done = [0]
    on_part(PartsDone(0, len(problems)))

    def tally(i: int, solution: solver.Solution) -> None:
        priority = {j.id: j.priority for j in problems[i].jobs}
        served.update(priority[jid] for route in solution.routes for jid in route.job_ids())
        done[0] += 1
        on_part(PartsDone(done[0], len(problems), dict(served)))

    return tally
