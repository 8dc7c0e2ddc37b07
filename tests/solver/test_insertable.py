"""The independent insertion checker (``solver.checker.insertable``) on a hand-computed line of sites.

Sites 0 (depot), 1, 2, 3 lie on a line 100 s apart (site i to j: 100 * |i - j| s). Crew C1 leaves the
depot at 0 and must be back by ``end``; job A (site 1, 100 s) is on its route, B (site 2, 100 s) is not.
Route depot -> A -> B -> depot: A 100-200, B 300-400, back at 600.
"""

from __future__ import annotations

from typing import Any

from solver.checker import insertable
from solver.model import Break, Model, Problem, TimeWindow
from solver.travel import MatrixTravel

LINE = [[100 * abs(i - j) for j in range(4)] for i in range(4)]


def problem(*, end: int = 1000, crew: dict[str, Any] | None = None, **jobs: dict[str, Any]) -> Problem:
    m = Model()
    sites = [m.add_site(x=float(i), y=0.0) for i in range(4)]
    m.add_crew(id="C1", start=sites[0], shift=TimeWindow(0, end), skills={"meter"}, **(crew or {}))
    specs = {"A": {"site": 1}, "B": {"site": 2}, **jobs}
    for job_id, spec in specs.items():
        spec = {"service": 100, **spec}
        m.add_job(id=job_id, **{**spec, "site": sites[spec["site"]]})
    return m.build(MatrixTravel(durations=LINE, distances=LINE))


def test_fits_after_the_last_stop() -> None:
    """B fits on C1's route (back at 600 of 1000): reported with the crew and a position."""
    assert insertable(problem(), {"C1": ["A"]}, ["B"]) == {"B": ("C1", 0)}


def test_shift_too_short() -> None:
    """With the shift ending at 599 the route A, B (back at 600) breaks it: B is not insertable."""
    assert insertable(problem(end=599), {"C1": ["A"]}, ["B"]) == {}


def test_any_position_not_only_the_end() -> None:
    """B's window [200, 250] is reachable only if B comes first (200), not after A (300)."""
    p = problem(B={"site": 2, "time_windows": [TimeWindow(200, 250)]})
    assert insertable(p, {"C1": ["A"]}, ["B"]) == {"B": ("C1", 0)}
    late = problem(B={"site": 2, "time_windows": [TimeWindow(150, 199)]})
    assert insertable(late, {"C1": ["A"]}, ["B"]) == {}


def test_break_must_be_taken() -> None:
    """A 300 s break starting in [300, 400]: A, break 300-600, B 600-700, back 900; fits by 900, not by 899."""
    lunch = {"breaks": [Break("lunch", TimeWindow(300, 700), 300)]}
    assert insertable(problem(end=900, crew=lunch), {"C1": ["A"]}, ["B"]) == {"B": ("C1", 0)}
    assert insertable(problem(end=899, crew=lunch), {"C1": ["A"]}, ["B"]) == {}


def test_skills_and_caps() -> None:
    """A missing skill, a full home cap or exposure cap make B not insertable; with room it is."""
    skilled = problem(B={"site": 2, "skills": {"cable"}})
    assert insertable(skilled, {"C1": ["A"]}, ["B"]) == {}
    homes = {
        "A": {"site": 1, "enters_home": True, "exposure": 60},
        "B": {"site": 2, "enters_home": True, "exposure": 60},
    }
    assert insertable(problem(crew={"max_homes": 1}, **homes), {"C1": ["A"]}, ["B"]) == {}
    assert insertable(problem(crew={"max_exposure": 100}, **homes), {"C1": ["A"]}, ["B"]) == {}
    assert insertable(problem(crew={"max_homes": 2, "max_exposure": 120}, **homes), {"C1": ["A"]}, ["B"]) == {
        "B": ("C1", 0)
    }


def test_no_home_after_an_isolating_household() -> None:
    """A (window [100, 500]) is isolating: home B only fits before it; if B's window opens at 350, not at all."""
    a = {"site": 1, "enters_home": True, "contaminating": True, "time_windows": [TimeWindow(100, 500)]}
    b = {"site": 2, "enters_home": True}
    assert insertable(problem(A=a, B=b), {"C1": ["A"]}, ["B"]) == {"B": ("C1", 0)}
    b_late = {**b, "time_windows": [TimeWindow(350, 600)]}
    assert insertable(problem(A=a, B=b_late), {"C1": ["A"]}, ["B"]) == {}
