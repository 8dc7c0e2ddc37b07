"""Ejection (``solver.eject.eject_in``) on a line of sites 100 s apart: crews at site 0, routes checked by the
independent checker."""

from __future__ import annotations

import numpy as np

from solver import MatrixTravel, Model
from solver.assemble import assemble_route
from solver.checker import check
from solver.diagnose import explain_all
from solver.eject import eject_in
from solver.engine import RawRoute
from solver.fill import swap_in
from solver.model import Problem, TimeWindow
from solver.solution import SearchStats, Solution

STATS = SearchStats("success", 0, 0.0, 0.0, 0, "test", True)


def line(shift_end: int, jobs: list[tuple[str, int, int, int]], *, required: frozenset[str] = frozenset()) -> Problem:
    """One crew C1 at site 0 with a shift [0, shift_end]; jobs (id, site, service s, priority) on sites 0..3."""
    m = Model()
    sites = [m.add_site(x=float(i), y=0.0) for i in range(4)]
    gap = np.abs(np.arange(4)[:, None] - np.arange(4)[None, :])
    m.add_crew(id="C1", start=sites[0], shift=TimeWindow(0, shift_end))
    for job_id, site, service, priority in jobs:
        m.add_job(id=job_id, site=sites[site], service=service, priority=priority, required=job_id in required)
    return m.build(MatrixTravel(durations=gap * 100, distances=gap * 100))


def checked_ids(p: Problem, routes: tuple[RawRoute, ...]) -> list[str]:
    """The job ids on the routes in order, after checking them with the independent checker."""
    steps = tuple(assemble_route(p, r) for r in routes)
    ids = [j for r in steps for j in r.job_ids()]
    left = explain_all(p, [j.id for j in p.jobs if j.id not in ids], steps)
    assert check(p, Solution(steps, left, STATS)) == []
    return ids


def served(p: Problem, routes: tuple[RawRoute, ...]) -> list[str]:
    """The job ids on the routes, sorted, after checking them with the independent checker."""
    return sorted(checked_ids(p, routes))


# Shift 0..1400 at site 1 (100 s there and back): three 300 s P3 jobs fill 1100 s. The P1 job needs 800 s: one
# swap frees 300 s (too little), pushing all three off frees 900 s: P1 goes in (1000 s) and one P3 comes back.
JOBS = [("L1", 1, 300, 3), ("L2", 1, 300, 3), ("L3", 1, 300, 3), ("HAZ", 1, 800, 1)]
ROUTE = RawRoute(0, 0, 1100, ((0, 100), (1, 400), (2, 700)), ())


def test_a_long_urgent_job_takes_the_room_of_several() -> None:
    """One-for-one swap cannot place HAZ (800 s for 300 s freed); ejection serves HAZ and keeps one P3 job."""
    p = line(1400, JOBS)
    assert served(p, swap_in(p, [ROUTE], budget=None)) == ["L1", "L2", "L3"]
    out = served(p, eject_in(p, [ROUTE], budget=None))
    assert "HAZ" in out and len(out) == 2


def test_required_visits_never_come_off() -> None:
    """With L1 and L2 required only L3's 300 s could come off: HAZ stays out and the route is unchanged."""
    p = line(1400, JOBS, required=frozenset({"L1", "L2"}))
    assert eject_in(p, [ROUTE], budget=None) == (ROUTE,)


def test_only_less_urgent_visits_give_way() -> None:
    """Visits of HAZ's own class never give way: with the three jobs at P1 the route is unchanged."""
    p = line(1400, [(j, s, d, 1) for j, s, d, _ in JOBS])
    assert eject_in(p, [ROUTE], budget=None) == (ROUTE,)


def test_the_route_giving_up_least_takes_the_job() -> None:
    """Two crews could take HAZ: C1 by giving up a P2 job, C2 by giving up a P4 one; C2 takes it, the P2 stays."""
    m = Model()
    sites = [m.add_site(x=float(i), y=0.0) for i in range(2)]
    gap = np.abs(np.arange(2)[:, None] - np.arange(2)[None, :])
    for crew in ("C1", "C2"):
        m.add_crew(id=crew, start=sites[0], shift=TimeWindow(0, 1000))
    m.add_job(id="P2-JOB", site=sites[1], service=700, priority=2)
    m.add_job(id="P4-JOB", site=sites[1], service=700, priority=4)
    m.add_job(id="HAZ", site=sites[1], service=700, priority=1)
    p = m.build(MatrixTravel(durations=gap * 100, distances=gap * 100))
    routes = [RawRoute(0, 0, 900, ((0, 100),), ()), RawRoute(1, 0, 900, ((1, 100),), ())]
    out = eject_in(p, routes, budget=None)
    assert [[p.jobs[j].id for j, _ in r.visits] for r in out] == [["P2-JOB"], ["HAZ"]]


def test_a_visit_of_the_same_class_moves_to_make_room() -> None:
    """Only C1 has the skill HAZ needs, and C1's shift holds one job, K (same class, any crew): K moves to C2 and
    HAZ takes its place; a K promised to C1 stays and HAZ stays out."""
    for promised in (False, True):
        m = Model()
        sites = [m.add_site(x=float(i), y=0.0) for i in range(2)]
        gap = np.abs(np.arange(2)[:, None] - np.arange(2)[None, :])
        m.add_crew(id="C1", start=sites[0], shift=TimeWindow(0, 1000), skills=frozenset({"mv"}))
        m.add_crew(id="C2", start=sites[0], shift=TimeWindow(0, 1000))
        m.add_job(id="K", site=sites[1], service=700, priority=1, promised=promised)
        m.add_job(id="HAZ", site=sites[1], service=700, priority=1, skills=frozenset({"mv"}))
        p = m.build(MatrixTravel(durations=gap * 100, distances=gap * 100))
        routes = [RawRoute(0, 0, 900, ((0, 100),), ()), RawRoute(1, 0, 0, (), ())]
        out = eject_in(p, routes, budget=None)
        expected = [["K"], []] if promised else [["HAZ"], ["K"]]
        assert [[p.jobs[j].id for j, _ in r.visits] for r in out] == expected
        assert served(p, out) == sorted(sum(expected, []))
