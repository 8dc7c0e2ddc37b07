"""Ruin-and-recreate insertion order: random only where every job ties, and parameters OR-Tools accepts."""

from __future__ import annotations

import dataclasses

import pytest
from ortools.constraint_solver import routing_heuristic_parameters_pb2 as heuristics

from solver import Model, Objective, Problem, TimeWindow
from solver.engine import RoutingBuild, check_parameters, member_parameters, search_parameters
from solver.portfolio import DEFAULT_PORTFOLIO, GLS_PORTFOLIO, PACKING_PORTFOLIO, SearchMember
from solver.travel import EuclideanTravel

SORT = heuristics.LocalCheapestInsertionParameters
H = 3600


def _problem(priorities: list[int]) -> Problem:
    """One crew at the origin and a job 1 km east per entry of ``priorities``, each of that priority."""
    m = Model()
    depot = m.add_site(x=0.0, y=0.0, name="depot")
    for i, p in enumerate(priorities):
        m.add_job(id=f"J{i}", site=m.add_site(x=1000.0 * (i + 1), y=0.0, name=f"s{i}"), service=60, priority=p)
    m.add_crew(id="C1", start=depot, shift=TimeWindow(8 * H, 16 * H))
    m.set_objective(Objective(travel_time_weight=0, distance_weight=1, wait_weight=0))
    return m.build(EuclideanTravel())


def _order(member: SearchMember, problem: Problem) -> list[int]:
    """The insertion order the member's search would hand OR-Tools on ``problem`` (as run_search sets it)."""
    params = member_parameters(member, RoutingBuild(problem), time_limit=1.0, solution_limit=None)
    recreate = params.iterated_local_search_parameters.ruin_recreate_parameters.recreate_strategy
    return list(recreate.parameters.local_cheapest_insertion.insertion_sorting_properties)


SHUFFLING = dataclasses.replace(DEFAULT_PORTFOLIO[1], name="shuffling", random_ties=True)


def test_random_order_where_every_job_ties() -> None:
    """Three jobs of one priority and one crew: a member with random_ties inserts them in random order."""
    assert _order(SHUFFLING, _problem([2, 2, 2])) == [SORT.SORTING_PROPERTY_RANDOM]


def test_urgency_order_kept_where_jobs_differ() -> None:
    """A P1 beside two P3: the order stays OR-Tools' own (crews allowed, then urgency), never random."""
    assert _order(SHUFFLING, _problem([1, 3, 3])) == []


@pytest.mark.parametrize("member", DEFAULT_PORTFOLIO, ids=lambda m: m.name)
def test_default_members_never_shuffle(member: SearchMember) -> None:
    """The default members keep the index order even where every job ties (see solver.portfolio)."""
    assert _order(member, _problem([2, 2, 2])) == []


@pytest.mark.parametrize(
    "member", [*DEFAULT_PORTFOLIO, *GLS_PORTFOLIO, *PACKING_PORTFOLIO, SHUFFLING], ids=lambda m: m.name
)
def test_every_member_passes_ortools_validation(member: SearchMember) -> None:
    """OR-Tools accepts every portfolio member's parameters (a refused member would silently find nothing)."""
    for priorities in ([2, 2, 2], [1, 3, 4]):
        _order(member, _problem(priorities))


def test_refused_parameters_raise() -> None:
    """Random order beside another property is refused by OR-Tools, and check_parameters says so."""
    member = SHUFFLING
    params = search_parameters(member, time_limit=1.0, solution_limit=None)
    recreate = params.iterated_local_search_parameters.ruin_recreate_parameters.recreate_strategy
    order = recreate.parameters.local_cheapest_insertion.insertion_sorting_properties
    order.extend([SORT.SORTING_PROPERTY_PENALTY, SORT.SORTING_PROPERTY_RANDOM])
    with pytest.raises(ValueError, match="shuffling"):
        check_parameters(params, member)
