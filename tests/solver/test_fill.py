"""The fill pass (``solver.fill.fill_routes``) on the hand-computed line of tests/solver/test_insertable.py:
sites 0..3 100 s apart, crew C1 at the depot (site 0), 100 s services. Filled routes are checked by the
independent checker (``check``) and must leave nothing ``insertable``."""

from __future__ import annotations

import dataclasses

import numpy as np

from solver import MatrixTravel, Model
from solver.assemble import assemble_route
from solver.checker import check, insertable
from solver.diagnose import explain_all
from solver.engine import RawRoute
from solver.fill import displacements, fill_routes, reorder_routes, repair_routes, swap_in
from solver.model import Break, Objective, Problem, TimeWindow
from solver.solution import SearchStats, Solution
from tests.solver.test_insertable import problem

STATS = SearchStats("success", 0, 0.0, 0.0, 0, "test", True)


def filled(p: Problem, visits: list[tuple[int, int]]) -> Solution:
    """C1's route with ``visits`` (job position, service start), filled, as a checked solution."""
    crew = p.crews[0]
    back = (visits[-1][1] + 100 + 100 * p.jobs[visits[-1][0]].site.index) if visits else crew.shift.start
    routes = fill_routes(p, [RawRoute(0, crew.shift.start, back, tuple(visits), ())])
    steps = tuple(assemble_route(p, r) for r in routes)
    served = {j for r in steps for j in r.job_ids()}
    solution = Solution(steps, explain_all(p, [j.id for j in p.jobs if j.id not in served], steps), STATS)
    assert check(p, solution) == []
    assert insertable(p, {r.crew_id: r.job_ids() for r in steps}, [u.job_id for u in solution.unassigned]) == {}
    return solution


def test_fills_the_idle_afternoon() -> None:
    """A on the route (back at 200), B and C unassigned: both are inserted (back at 600 in any order)."""
    p = problem(C={"site": 3})
    solution = filled(p, [(0, 100)])
    assert sorted(solution.routes[0].job_ids()) == ["A", "B", "C"]
    assert solution.unassigned == ()


def test_most_urgent_first() -> None:
    """Shift to 300, room for one job at site 1: priority-1 C gets it, not A (priority 3, same site)."""
    p = problem(end=300, C={"site": 1, "priority": 1})
    solution = filled(p, [])
    assert solution.routes[0].job_ids() == ("C",)


def test_break_is_placed() -> None:
    """With a 300 s break in [300, 700] and a shift to 900, B still fits: A, break, B, back at 900."""
    p = problem(end=900, crew={"breaks": [Break("lunch", TimeWindow(300, 700), 300)]})
    solution = filled(p, [])
    assert solution.routes[0].job_ids() in (("A", "B"), ("B", "A"))
    assert solution.routes[0].steps[-1].arrival <= 900


def test_windows_pick_the_position() -> None:
    """B's window [200, 250] puts it before A."""
    p = problem(B={"site": 2, "time_windows": [TimeWindow(200, 250)]})
    solution = filled(p, [(0, 100)])
    assert solution.routes[0].job_ids() == ("B", "A")


def test_displacement_names_what_would_give_way() -> None:
    """Shift to 300, A (priority 4, site 1) fills it: B (priority 2, site 1) would displace A on C1."""
    p = problem(end=300, A={"site": 1, "priority": 4}, B={"site": 1, "priority": 2})
    route = assemble_route(p, RawRoute(0, 0, 300, ((0, 100),), ()))
    assert displacements(p, [route], ["B"]) == {"B": ("A", "C1")}
    assert displacements(problem(end=299), [assemble_route(p, RawRoute(0, 0, 300, ((0, 100),), ()))], ["B"]) == {}


def test_repair_cuts_a_route_to_a_tighter_cap_and_fills() -> None:
    """Base route A, B, C (homes) under a home cap of 2: C is cut, the route keeps A and B; with no cap all stay."""
    homes = {k: {"site": s, "enters_home": True} for k, s in (("A", 1), ("B", 2), ("C", 3))}
    capped = problem(crew={"max_homes": 2}, **homes)
    assert repair_routes(capped, {0: [0, 1, 2]}) == {0: [0, 1]}
    assert sorted(repair_routes(problem(**homes), {0: [2]})[0]) == [0, 1, 2]


def test_swap_serves_the_more_urgent_job() -> None:
    """Room for one job (shift to 300): A (priority 4) on the route gives way to B (priority 2); a required A stays."""
    p = problem(end=300, A={"site": 1, "priority": 4}, B={"site": 1, "priority": 2})
    route = RawRoute(0, 0, 300, ((0, 100),), ())
    assert [j for j, _ in swap_in(p, [route])[0].visits] == [1]
    kept = problem(end=300, A={"site": 1, "priority": 4, "required": True}, B={"site": 1, "priority": 2})
    assert [j for j, _ in swap_in(kept, [route])[0].visits] == [0]


def test_reorder_reaches_more_customers_first() -> None:
    """A (1 customer, site 1) then B (50, site 2) costs 400 s travel + 15,100 waited; B then A 400 + 10,400: B goes
    first. With A's window [0, 150] B first would start A at 400, so the order stays."""
    waits = Objective(travel_time_weight=1, wait_weight=1)
    p = dataclasses.replace(problem(B={"site": 2, "customers": 50}), objective=waits)
    route = RawRoute(0, 0, 600, ((0, 100), (1, 300)), ())
    (moved,) = reorder_routes(p, [route], budget=None)
    assert moved.visits == ((1, 200), (0, 400))
    assert check(p, Solution((assemble_route(p, moved),), (), STATS)) == []
    tight = dataclasses.replace(
        problem(A={"site": 1, "time_windows": [TimeWindow(0, 150)]}, B={"site": 2, "customers": 50}), objective=waits
    )
    assert reorder_routes(tight, [route], budget=None)[0].visits == route.visits


def test_swap_never_serves_a_job_twice() -> None:
    """C0's route (J-hi) cannot be re-timed by the filler (its break window opens after its working time ends),
    yet J-hi is served there: the swap on C1 must not also put J-hi in place of C1's less urgent J-lo."""
    m = Model()
    sites = [m.add_site(x=float(i), y=0.0) for i in range(3)]
    gap = np.abs(np.arange(3)[:, None] - np.arange(3)[None, :])
    lunch = Break(id="lunch", window=TimeWindow(5000, 6000), duration=600)
    m.add_crew(id="C0", start=sites[0], shift=TimeWindow(0, 8000), max_work=1000, breaks=[lunch])
    m.add_crew(id="C1", start=sites[0], shift=TimeWindow(0, 400))
    m.add_job(id="J-hi", site=sites[1], service=50, priority=1)
    m.add_job(id="J-lo", site=sites[1], service=50, priority=4)
    p = m.build(MatrixTravel(durations=gap * 100, distances=gap * 100))
    routes = [RawRoute(0, 0, 250, ((0, 100),), ()), RawRoute(1, 0, 250, ((1, 100),), ())]
    out = swap_in(p, routes, budget=None)
    served = [j for r in out for j, _ in r.visits]
    assert sorted(served) == sorted(set(served)) and 0 in served
