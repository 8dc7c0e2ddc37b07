"""Replaying a plan on other travel times (solver.replay), worked out by hand.

Depot 0 and homes 1, 2. The plan's travel: 600 s for every leg. The "road" travel: 600 s from the
depot to 1, but 2,400 s from 1 to 2 (the river is between them) and 1,800 s from 2 back. Crew C1's
shift is 08:00-09:30; J1 (10 min) must start by 08:30, J2 (10 min) in 08:30-08:45.
Plan: leave 08:00, J1 08:10-08:20, J2 08:30-08:40, back 08:50.
Replay: J1 08:10-08:20, J2 reached 09:00 (30 min late, its window closed at 08:45) until 09:10,
back 09:40: 10 minutes past the shift.
"""

from __future__ import annotations

from solver import Break, MatrixTravel, Model, TimeWindow, solve
from solver.replay import replay

H = 3600
PLAN = MatrixTravel([[0, 600, 600], [600, 0, 600], [600, 600, 0]], [[0, 1, 1], [1, 0, 1], [1, 1, 0]])
ROAD = MatrixTravel([[0, 600, 2400], [600, 0, 2400], [1800, 2400, 0]], [[0, 1, 1], [1, 0, 1], [1, 1, 0]])


def model() -> Model:
    m = Model()
    depot, one, two = (m.add_site(x=float(i), y=0.0) for i in range(3))
    m.add_crew(id="C1", start=depot, shift=TimeWindow(8 * H, 9 * H + 1800))
    m.add_job(id="J1", site=one, service=600, time_windows=[TimeWindow(8 * H, 8 * H + 1800)])
    m.add_job(id="J2", site=two, service=600, time_windows=[TimeWindow(8 * H + 1800, 8 * H + 2700)])
    return m


def test_replay_on_road_times_counts_lateness_windows_and_overrun() -> None:
    """The plan made on 600 s legs, driven on the road legs: J2 30 min late and out of its window, 10 min overrun."""
    m = model()
    plan = solve(m.build(PLAN), reproducible=True, workers=1)
    assert [s.job_id for s in plan.routes[0].visits] == ["J1", "J2"]
    report = replay(m.build(ROAD), plan)
    j1, j2 = report.visits
    assert (j1.start, j1.delay, j1.window_broken) == (8 * H + 600, 0, False)
    assert (j2.start, j2.delay, j2.window_broken) == (9 * H, 1800, True)
    assert (report.late_visits, report.broken_windows, report.shift_overruns) == (1, 1, 1)
    assert report.routes[0].actual_return == 9 * H + 2400 and report.overrun_seconds == 600
    assert "1 later than planned by over 15 min" in report.summary()


def test_replay_on_the_plans_own_times_changes_nothing() -> None:
    """Replayed on the travel it was planned with, every visit starts as planned and no crew overruns."""
    m = model()
    problem = m.build(PLAN)
    plan = solve(problem, reproducible=True, workers=1)
    report = replay(problem, plan)
    assert all(v.delay == 0 and not v.window_broken for v in report.visits)
    assert report.shift_overruns == 0 and report.routes[0].actual_return == report.routes[0].planned_return


def test_a_break_taken_on_the_way_does_not_delay_the_replay() -> None:
    """Lunch (5 min, 08:05-08:10) falls during the 20 min drive to J1 (window 08:25-08:30): the solver
    drives, pauses, drives on; replayed on the same times J1 still starts as planned, not 5 min late."""
    m = Model()
    depot, one = (m.add_site(x=float(i), y=0.0) for i in range(2))
    lunch = Break(id="lunch", window=TimeWindow(8 * H + 300, 8 * H + 600), duration=300)
    m.add_crew(id="C1", start=depot, shift=TimeWindow(8 * H, 10 * H), breaks=[lunch])
    m.add_job(id="J1", site=one, service=600, time_windows=[TimeWindow(8 * H + 1500, 8 * H + 1800)])
    problem = m.build(MatrixTravel([[0, 1200], [1200, 0]], [[0, 1], [1, 0]]))
    plan = solve(problem, reproducible=True, workers=1)
    (visit,) = plan.routes[0].visits
    assert plan.routes[0].steps[0].end + 1200 + 300 >= visit.arrival  # the break is on the way
    report = replay(problem, plan)
    assert report.visits[0].delay == 0 and report.shift_overruns == 0
