"""Solving the parts of a plan: one part as is, several side by side sharing the cores and the time limit."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

import solver
from dispatch.runtime.fanout import available_cores, fan_out


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
    workers: int | None,
    progress: Callable[[float, solver.Incumbent | None], None] | None,
    initial_routes: dict[str, list[str]] | None,
    *,
    repair_initial: bool = False,
) -> list[solver.Solution]:
    """Solve independent parts side by side, one process per core, within ``limit`` seconds in all."""
    cores = workers or available_cores()
    total = max(1, sum(len(p.jobs) for p in problems))
    # Each part's share of the cores' combined time: a floor to find a first solution (at most half
    # a second, and at most half the budget over all parts), the rest in proportion to its tickets.
    budget = limit * cores
    floor = min(0.5, budget / (2 * len(problems)))
    tasks = [
        (
            p,
            floor + (budget - floor * len(problems)) * len(p.jobs) / total,
            reproducible,
            solution_limit,
            initial_routes_for(p, initial_routes),
            repair_initial,
        )
        for p in problems
    ]
    t0 = time.monotonic()

    def waiting() -> None:
        if progress is not None:
            progress(min(limit, time.monotonic() - t0), None)

    return fan_out(
        _solve_part,
        tasks,
        workers=cores,
        order=sorted(range(len(tasks)), key=lambda i: -len(problems[i].jobs)),  # big parts first
        on_wait=waiting,
    )
