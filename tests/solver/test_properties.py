"""Property: whatever small problem hypothesis draws, ``solve`` returns a solution the independent
checker finds no fault with (windows, shifts, breaks, caps, skills, contamination, figures)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver import solve
from solver.checker import check
from solver.model import Break, Model, Problem, TimeWindow
from solver.travel import EuclideanTravel, MatrixTravel

SKILLS = ("meter", "cable")
# More examples on demand (e.g. PROPERTY_EXAMPLES=500) when hunting solver bugs; 30 keeps CI quick.
EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES", "30"))


def _subset(draw: st.DrawFn, max_size: int = 2) -> set[str]:
    return draw(st.sets(st.sampled_from(SKILLS), max_size=max_size))


def _window(draw: st.DrawFn, lo: int, hi: int, min_len: int = 0) -> TimeWindow:
    start = draw(st.integers(lo, hi - min_len))
    end = draw(st.integers(start + min_len, hi))
    return TimeWindow(start, end)


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    """A small problem: 2-12 jobs, 1-3 crews, windows, skills, caps, contamination, breaks, speeds."""
    m = Model()
    n_jobs = draw(st.integers(2, 12))
    n_crews = draw(st.integers(1, 3))
    n_sites = draw(st.integers(2, 8))
    sites = [m.add_site(x=draw(st.integers(0, 3000)), y=draw(st.integers(0, 3000))) for _ in range(n_sites)]
    horizon = 8 * 3600
    for k in range(n_crews):
        shift = _window(draw, 0, horizon, min_len=3600)
        breaks: list[Break] = []
        if draw(st.booleans()):
            duration = draw(st.integers(300, 1800))
            window = _window(draw, shift.start, shift.end, min_len=duration)
            breaks.append(Break(id="lunch", window=window, duration=duration))
        m.add_crew(
            id=f"C{k}",
            start=draw(st.sampled_from(sites)),
            end=draw(st.sampled_from(sites)),
            shift=shift,
            max_work=draw(st.none() | st.integers(3600, horizon)),
            skills=_subset(draw),
            max_homes=draw(st.none() | st.integers(0, 4)),
            max_exposure=draw(st.none() | st.integers(0, 3600)),
            breaks=breaks,
            speed_factor=draw(st.sampled_from([0.7, 1.0, 1.3, 1.6])),
            capacity=draw(st.none() | st.integers(0, 8)),
            homes_allowed=draw(st.booleans()),
        )
    for i in range(n_jobs):
        windows: list[TimeWindow] = []
        for _ in range(draw(st.integers(0, 2))):
            w = _window(draw, 0, horizon)
            if all(w.end < o.start or o.end < w.start for o in windows):
                windows.append(w)
        enters_home = draw(st.booleans())
        args: dict[str, Any] = {
            "site": draw(st.sampled_from(sites)),
            "service": draw(st.integers(0, 1800)),
            "time_windows": windows,
            "skills": _subset(draw, max_size=1),
            "priority": draw(st.integers(1, 4)),
            "customers": draw(st.integers(1, 5)),
            "enters_home": enters_home,
            "exposure": draw(st.integers(0, 1800)) if enters_home else 0,
            "contaminating": enters_home and draw(st.booleans()),
            "demand": draw(st.integers(0, 3)),
        }
        m.add_job(id=f"J{i}", **args)
    if draw(st.booleans()):
        return m.build(EuclideanTravel())
    # An explicit asymmetric matrix that need not obey the triangle inequality.
    durations = np.array(draw(st.lists(st.integers(0, 3000), min_size=n_sites**2, max_size=n_sites**2)))
    durations = durations.reshape(n_sites, n_sites)
    np.fill_diagonal(durations, 0)
    distances = durations * draw(st.integers(1, 10))
    return m.build(MatrixTravel(durations=durations, distances=distances))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=problems())
def test_solver_output_passes_checker(problem: Problem) -> None:
    """Every solution the solver returns for a random small problem has zero checker violations."""
    solution = solve(problem, reproducible=True, solution_limit=50, workers=1)
    violations = check(problem, solution)
    assert violations == [], "\n".join(str(v) for v in violations)
