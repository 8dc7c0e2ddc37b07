"""How many jobs a crew could serve in a shift: the figure a member's annealing is chosen by."""

from __future__ import annotations

import glob
from pathlib import Path

import pytest

from solver import Model, Objective, Problem, TimeWindow, vrptw
from solver.portfolio import LONG_ROUTE_VISITS
from solver.shape import visits_per_route
from solver.travel import EuclideanTravel

SOLOMON = Path(__file__).resolve().parents[3] / "shared" / "bench" / "solomon"


def _problem(jobs: int, *, shift: int, capacity: int | None = None, max_work: int | None = None) -> Problem:
    """Jobs 100 m apart on a line east of the depot (travel 1 m/s), 100 s of service and 10 units each."""
    m = Model()
    depot = m.add_site(x=0.0, y=0.0, name="depot")
    for i in range(jobs):
        m.add_job(id=f"J{i}", site=m.add_site(x=100.0 * (i + 1), y=0.0, name=f"s{i}"), service=100, demand=10)
    m.add_crew(id="C1", start=depot, shift=TimeWindow(0, shift), capacity=capacity, max_work=max_work)
    m.set_objective(Objective(travel_time_weight=0, distance_weight=1, wait_weight=0))
    return m.build(EuclideanTravel())


def test_working_time_over_service_and_nearest_travel() -> None:
    """A 2,000 s shift over 100 s service + 100 s to the nearest job: 10 visits of the 40 jobs."""
    assert visits_per_route(_problem(40, shift=2000), range(40)) == 10.0


def test_capacity_bounds_the_route() -> None:
    """A capacity of 50 over 10 units a job: 5 visits, though the shift would allow 10."""
    assert visits_per_route(_problem(40, shift=2000, capacity=50), range(40)) == 5.0


def test_working_time_cap_bounds_the_shift() -> None:
    """A 1,000 s working-time cap inside a 2,000 s shift: 5 visits."""
    assert visits_per_route(_problem(40, shift=2000, max_work=1000), range(40)) == 5.0


def test_never_more_than_the_jobs_there_are() -> None:
    """Three jobs and a long shift: 3, not the shift's hundreds."""
    assert visits_per_route(_problem(3, shift=100_000), range(3)) == 3.0


def test_no_jobs_gives_zero() -> None:
    """Nothing to route: 0."""
    assert visits_per_route(_problem(3, shift=2000), []) == 0.0


@pytest.mark.skipif(not SOLOMON.is_dir(), reason=f"no Solomon instances at {SOLOMON}")
@pytest.mark.parametrize(("pattern", "short"), [("C1*", True), ("R1*", True), ("RC1*", True), ("C2*", False),
                                                ("R2*", False), ("RC2*", False)])  # fmt: skip
def test_solomon_tight_classes_are_short_and_wide_ones_long(pattern: str, short: bool) -> None:
    """Every instance of Solomon's tight-window classes has short routes, every one of the wide classes long."""
    for path in sorted(glob.glob(str(SOLOMON / f"{pattern}.txt"))):
        problem = vrptw.build_problem(vrptw.read_instance(path))
        assert (visits_per_route(problem, range(len(problem.jobs))) < LONG_ROUTE_VISITS) is short, path
