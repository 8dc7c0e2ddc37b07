"""Annealing temperatures given as fractions of the mean arc cost reach OR-Tools' iterated local search."""

from __future__ import annotations

import numpy as np

from solver import MatrixTravel, Model, Objective, TimeWindow
from solver.engine import RoutingBuild, search_parameters, set_temperatures
from solver.portfolio import DEFAULT_PORTFOLIO, LONG_ROUTE_VISITS, guided_fallback

H = 3600


def test_mean_arc_cost_of_a_tiny_model() -> None:
    """Three sites 0, 1, 2 km apart on a line, distance cost: the mean of the 3x3 matrix is 8/9 km."""
    m = Model()
    sites = [m.add_site(x=float(i), y=0.0, name=f"s{i}") for i in range(3)]
    gap = np.abs(np.arange(3)[:, None] - np.arange(3)[None, :])
    m.add_crew(id="C1", start=sites[0], shift=TimeWindow(8 * H, 16 * H))
    for i in (1, 2):
        m.add_job(id=f"J{i}", site=sites[i], service=60)
    m.set_objective(Objective(travel_time_weight=0, distance_weight=1, wait_weight=0))
    build = RoutingBuild(m.build(MatrixTravel(durations=gap * 60, distances=gap * 1000)))
    assert build.mean_arc_cost == 8000 / 9


def test_temperatures_scale_with_the_mean_arc_cost() -> None:
    """The default first member anneals from 5 % to 0.13 % of the mean arc; its GLS fallback is untouched."""
    member = DEFAULT_PORTFOLIO[0]
    assert member.sa_temperatures == (0.05, 0.0013)
    params = search_parameters(member, time_limit=1.0, solution_limit=None)
    set_temperatures(params, member, 10_000.0, lambda: 10.0)
    sa = params.iterated_local_search_parameters.reference_solution_acceptance_strategy.simulated_annealing
    assert (sa.automatic_temperatures, sa.initial_temperature, sa.final_temperature) == (False, 500.0, 13.0)
    fallback = search_parameters(guided_fallback(member), time_limit=1.0, solution_limit=None)
    set_temperatures(fallback, guided_fallback(member), 10_000.0, lambda: 10.0)
    assert not fallback.use_iterated_local_search


def _annealing(visits: float) -> tuple[bool, float, float]:
    """The default second member's annealing on a problem whose crews could serve ``visits`` jobs a shift."""
    member = DEFAULT_PORTFOLIO[1]
    params = search_parameters(member, time_limit=1.0, solution_limit=None)
    set_temperatures(params, member, 10_000.0, lambda: visits)
    sa = params.iterated_local_search_parameters.reference_solution_acceptance_strategy.simulated_annealing
    return sa.automatic_temperatures, sa.initial_temperature, sa.final_temperature


def test_second_member_anneals_cool_only_on_short_routes() -> None:
    """Short routes (fewer than LONG_ROUTE_VISITS a shift): 5 % to 0.13 % of the mean arc; long ones: automatic."""
    assert _annealing(LONG_ROUTE_VISITS - 1) == (False, 500.0, 13.0)
    assert _annealing(LONG_ROUTE_VISITS)[0] is True
