"""Each constraint and each unassigned reason of the solver on tiny, hand-checkable problems.

Travel is an explicit matrix on a line: sites 0..n at 10 minutes (600 s) apart per step, so every
expected time can be worked out by hand. Every solution also passes the independent checker.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from geopy.distance import great_circle

from solver import (
    MAX_WEIGHT,
    Break,
    Facts,
    GreatCircleTravel,
    MatrixTravel,
    Model,
    Objective,
    Reason,
    StepType,
    TimeWindow,
    solve,
)
from solver.checker import check, insertable
from solver.search import packing_problem

H = 3600
STEP = 600  # seconds between neighbouring sites on the line


def line_model(n_sites: int) -> tuple[Model, list, MatrixTravel]:
    m = Model()
    sites = [m.add_site(x=float(i), y=0.0, name=f"s{i}") for i in range(n_sites)]
    idx = np.arange(n_sites)
    gap = np.abs(idx[:, None] - idx[None, :])
    return m, sites, MatrixTravel(durations=gap * STEP, distances=gap * 1000)


def solved(m: Model, travel: MatrixTravel):
    problem = m.build(travel)
    solution = solve(problem, reproducible=True, workers=1)
    assert check(problem, solution) == []
    return problem, solution


def test_single_visit_times_by_hand() -> None:
    """One crew, one job two steps away: leave 08:00, arrive 08:20, serve 30 min, back 09:10."""
    m, s, travel = line_model(3)
    m.add_crew(id="C1", start=s[0], shift=TimeWindow(8 * H, 16 * H))
    m.add_job(id="J", site=s[2], service=1800)
    _, sol = solved(m, travel)
    visit = sol.route_of("C1").visits[0]
    assert (visit.arrival, visit.start, visit.end) == (8 * H + 1200, 8 * H + 1200, 8 * H + 3000)
    assert sol.route_of("C1").steps[-1].arrival == 8 * H + 4200
    assert sol.route_of("C1").summary.distance == 4000


def test_time_window_makes_crew_wait() -> None:
    """A job whose window opens at 10:00 is started at 10:00, with the wait reported."""
    m, s, travel = line_model(2)
    m.add_crew(id="C1", start=s[0], shift=TimeWindow(8 * H, 16 * H))
    m.add_job(id="J", site=s[1], service=600, time_windows=[TimeWindow(10 * H, 11 * H)])
    _, sol = solved(m, travel)
    visit = sol.route_of("C1").visits[0]
    assert visit.start == 10 * H
    assert visit.waiting == visit.start - visit.arrival


def test_home_cap_binds() -> None:
    """With a cap of 2 homes, a crew serves two of three home visits; the third is unassigned: home_cap."""
    m, s, travel = line_model(4)
    m.add_crew(id="C1", start=s[0], shift=TimeWindow(8 * H, 16 * H), max_homes=2)
    for i in (1, 2, 3):
        m.add_job(id=f"J{i}", site=s[i], service=600, enters_home=True)
    _, sol = solved(m, travel)
    assert sol.route_of("C1").summary.homes_entered == 2
    assert [(u.reason) for u in sol.unassigned] == [Reason.HOME_CAP]


def test_exposure_cap_binds() -> None:
    """Weighted exposure 40 + 40 min against a 60-min cap: only one visit fits, the other: exposure_cap."""
    m, s, travel = line_model(3)
    m.add_crew(id="C1", start=s[0], shift=TimeWindow(8 * H, 16 * H), max_exposure=60 * 60)
    m.add_job(id="A", site=s[1], service=1800, enters_home=True, exposure=40 * 60)
    m.add_job(id="B", site=s[2], service=1800, enters_home=True, exposure=40 * 60)
    _, sol = solved(m, travel)
    assert sol.route_of("C1").summary.exposure == 40 * 60
    assert [u.reason for u in sol.unassigned] == [Reason.EXPOSURE_CAP]


def test_single_job_above_every_cap_is_exposure_cap() -> None:
    """A home visit heavier than every crew's exposure cap is unassigned with exposure_cap at once."""
    m, s, travel = line_model(2)
    m.add_crew(id="C1", start=s[0], shift=TimeWindow(8 * H, 16 * H), max_exposure=30 * 60)
    m.add_job(id="J", site=s[1], service=3600, enters_home=True, exposure=45 * 60)
    _, sol = solved(m, travel)
    assert sol.unassigned[0].reason is Reason.EXPOSURE_CAP
    assert "45 min" in sol.unassigned[0].detail


def test_contaminating_job_ends_home_entries() -> None:
    """After an isolating household no further home is entered; outdoor jobs may still follow."""
    m, s, travel = line_model(4)
    m.add_crew(id="C1", start=s[0], shift=TimeWindow(8 * H, 16 * H))
    m.add_job(id="ISO", site=s[1], service=600, enters_home=True, contaminating=True, priority=1)
    m.add_job(id="HOME", site=s[2], service=600, enters_home=True)
    m.add_job(id="POLE", site=s[3], service=600)
    problem, sol = solved(m, travel)
    order = sol.route_of("C1").job_ids()
    assert set(order) == {"ISO", "HOME", "POLE"}
    assert order.index("HOME") < order.index("ISO")  # the home had to come first


def test_two_contaminating_jobs_need_two_crews() -> None:
    """Two isolating households cannot share a route: one crew takes each."""
    m, s, travel = line_model(3)
    m.add_crew(id="C1", start=s[0], shift=TimeWindow(8 * H, 16 * H))
    m.add_crew(id="C2", start=s[0], shift=TimeWindow(8 * H, 16 * H))
    m.add_job(id="I1", site=s[1], service=600, enters_home=True, contaminating=True)
    m.add_job(id="I2", site=s[2], service=600, enters_home=True, contaminating=True)
    _, sol = solved(m, travel)
    assert sorted(len(r.job_ids()) for r in sol.routes) == [1, 1]


def test_break_is_taken_inside_its_window() -> None:
    """A 60-min lunch to be taken within 12:00-13:30 appears once, inside the window, between visits."""
    m, s, travel = line_model(3)
    lunch = Break(id="lunch", window=TimeWindow(12 * H, 13 * H + 1800), duration=3600)
    m.add_crew(id="C1", start=s[0], shift=TimeWindow(11 * H, 16 * H), breaks=[lunch])
    m.add_job(id="A", site=s[1], service=3600)
    m.add_job(id="B", site=s[2], service=3600)
    _, sol = solved(m, travel)
    breaks = [st for st in sol.route_of("C1").steps if st.type is StepType.BREAK]
    assert len(breaks) == 1
    assert breaks[0].start >= 12 * H and breaks[0].end <= 13 * H + 1800
    assert sol.unassigned == ()


def test_skill_mismatch_is_no_skilled_crew() -> None:
    """A job needing mv with only an lv crew on shift is unassigned: no_skilled_crew, naming the skill."""
    m, s, travel = line_model(2)
    m.add_crew(id="C1", start=s[0], shift=TimeWindow(8 * H, 16 * H), skills={"lv"})
    m.add_job(id="J", site=s[1], service=600, skills={"mv"})
    _, sol = solved(m, travel)
    assert sol.unassigned[0].reason is Reason.NO_SKILLED_CREW
    assert "mv" in sol.unassigned[0].detail and sol.unassigned[0].facts == Facts(skills=("mv",))


def test_skills_route_job_to_the_skilled_crew() -> None:
    """Of two crews, only the one with mv serves the mv job, even if the other is closer."""
    m, s, travel = line_model(3)
    m.add_crew(id="NEAR", start=s[2], shift=TimeWindow(8 * H, 16 * H), skills={"lv"})
    m.add_crew(id="FAR", start=s[0], shift=TimeWindow(8 * H, 16 * H), skills={"lv", "mv"})
    m.add_job(id="J", site=s[2], service=600, skills={"mv"})
    _, sol = solved(m, travel)
    assert sol.route_of("FAR").job_ids() == ("J",)


def test_window_unreachable() -> None:
    """A window closing before any crew can arrive: window_unreachable with the window and the earliest arrival."""
    m, s, travel = line_model(4)
    m.add_crew(id="C1", start=s[0], shift=TimeWindow(8 * H, 16 * H))
    m.add_job(id="J", site=s[3], service=600, time_windows=[TimeWindow(7 * H, 8 * H + 1000)])
    _, sol = solved(m, travel)
    assert sol.unassigned[0].reason is Reason.WINDOW_UNREACHABLE
    assert "08:30" in sol.unassigned[0].detail
    assert sol.unassigned[0].facts == Facts(crews=("C1",), windows=((7 * H, 8 * H + 1000),), at=8 * H + 1800)


def test_shift_too_short_says_what_fixes_it() -> None:
    """A 2-hour job in a 1-hour shift: shift_too_short, with the extra minutes that would make it fit."""
    m, s, travel = line_model(2)
    m.add_crew(id="C7", start=s[0], shift=TimeWindow(8 * H, 9 * H))
    m.add_job(id="J", site=s[1], service=2 * H)
    _, sol = solved(m, travel)
    u = sol.unassigned[0]
    assert u.reason is Reason.SHIFT_TOO_SHORT
    # 10 min out + 120 min service + 10 min back = 140 min in a 60-min shift: 80 min short.
    assert "C7" in u.detail and "80 min longer" in u.detail and u.facts == Facts(crews=("C7",), minutes=80)


def test_break_on_the_way_counts_in_the_diagnosis() -> None:
    """A lunch that must start by 08:30 delays a 08:30 arrival to 09:00: 15 min short, not crowded out."""
    m, s, travel = line_model(4)
    lunch = Break("lunch", TimeWindow(8 * H, 9 * H), 1800)
    m.add_crew(id="C1", start=s[0], shift=TimeWindow(8 * H, 10 * H + 900), breaks=[lunch])
    m.add_job(id="J", site=s[3], service=H)
    _, sol = solved(m, travel)
    [u] = sol.unassigned
    # Out 30 min (lunch 30 min on the way), serve 09:00-10:00, back 10:30: the shift ends 10:15.
    assert u.reason is Reason.SHIFT_TOO_SHORT and "15 min longer" in u.detail


@pytest.mark.parametrize(("low", "high"), [(4, 1), (1, 0)])
def test_crowded_out_by_higher_priority(low: int, high: int) -> None:
    """Two jobs that each fill the shift: the higher class is served (an emergency, class 0, above a
    nearer P1), the other is crowded out."""
    m, s, travel = line_model(3)
    m.add_crew(id="C1", start=s[0], shift=TimeWindow(8 * H, 12 * H))
    m.add_job(id="LOW", site=s[1], service=3 * H, priority=low)
    m.add_job(id="URGENT", site=s[2], service=3 * H, priority=high)
    _, sol = solved(m, travel)
    assert sol.route_of("C1").job_ids() == ("URGENT",)
    assert [(u.job_id, u.reason) for u in sol.unassigned] == [("LOW", Reason.CROWDED_OUT)]
    # Alone, C1 could start it at 08:10 (10 min out).
    assert sol.unassigned[0].facts == Facts(crews=("C1",), at=8 * H + 600)


def test_p1_outweighs_any_travel() -> None:
    """A far P1 (100 min round trip) is served rather than three near P4s when only one trip fits."""
    m, s, travel = line_model(6)
    m.add_crew(id="C1", start=s[0], shift=TimeWindow(8 * H, 8 * H + 8400))
    for i in (1, 2, 3):
        m.add_job(id=f"N{i}", site=s[1], service=2400, priority=4)
    m.add_job(id="FAR", site=s[5], service=600, priority=1)
    _, sol = solved(m, travel)
    assert "FAR" in sol.route_of("C1").job_ids()


def test_penalty_ladder_has_class_0_only_when_used() -> None:
    """Without a class-0 job the penalty ladder is 1..4, as before emergencies existed; with one, 0 tops it."""
    m, s, travel = line_model(2)
    m.add_crew(id="C1", start=s[0], shift=TimeWindow(8 * H, 12 * H))
    m.add_job(id="J", site=s[1], service=600, priority=1)
    assert sorted(m.build(travel).drop_penalties()) == [1, 2, 3, 4]
    m.add_job(id="E", site=s[1], service=600, priority=0)
    penalties = m.build(travel).drop_penalties()
    assert penalties[0] > penalties[1] > penalties[2] > penalties[3] > penalties[4]


def test_urgency_puts_the_job_first() -> None:
    """The far job goes last on its own (near one first), but first when it carries an urgency."""
    for urgency, order in ((0, ("NEAR", "FAR")), (50, ("FAR", "NEAR"))):
        m, s, travel = line_model(4)
        m.set_objective(Objective(travel_time_weight=1, wait_weight=1))
        m.add_crew(id="C1", start=s[0], shift=TimeWindow(8 * H, 16 * H))
        m.add_job(id="NEAR", site=s[1], service=1800, customers=5)
        m.add_job(id="FAR", site=s[3], service=1800, urgency=urgency)
        _, sol = solved(m, travel)
        assert sol.route_of("C1").job_ids() == order, urgency


def test_reorder_cost_keeps_the_promised_order() -> None:
    """Two orders cost the same drive (0-1-2-0 or 0-2-1-0): the promised one is kept, either way round."""
    for first, second in (("A", "B"), ("B", "A")):
        m, s, travel = line_model(3)
        m.add_crew(id="C1", start=s[0], shift=TimeWindow(8 * H, 16 * H))
        sites = {"A": s[1], "B": s[2]}
        m.add_job(id=first, site=sites[first], service=600, follows="", reorder_cost=300)
        m.add_job(id=second, site=sites[second], service=600, follows=first, reorder_cost=300)
        _, sol = solved(m, travel)
        assert sol.route_of("C1").job_ids() == (first, second)


def test_reorder_cost_gives_way_to_a_real_saving() -> None:
    """A promised order that drives 40 min more than the other is changed at a 5-min reorder cost."""
    m, s, travel = line_model(4)
    m.add_crew(id="C1", start=s[0], end=s[3], shift=TimeWindow(8 * H, 16 * H))
    m.add_job(id="FAR", site=s[3], service=600, follows="", reorder_cost=300)
    m.add_job(id="NEAR", site=s[1], service=600, follows="FAR", reorder_cost=300)
    _, sol = solved(m, travel)
    assert sol.route_of("C1").job_ids() == ("NEAR", "FAR")


def test_speed_factor_shortens_travel() -> None:
    """A motorcycle twice as fast as the reference reaches a job 20 min away in 10 min."""
    m, s, travel = line_model(3)
    m.add_crew(id="M", start=s[0], shift=TimeWindow(8 * H, 16 * H), speed_factor=2.0)
    m.add_job(id="J", site=s[2], service=600)
    _, sol = solved(m, travel)
    assert sol.route_of("M").visits[0].arrival == 8 * H + 600


def test_home_entry_barred_crew_serves_outdoor_only() -> None:
    """A crew barred from homes (spent budget) takes the outdoor job; the home visit is home_entry_barred."""
    m, s, travel = line_model(3)
    m.add_crew(id="C1", start=s[0], shift=TimeWindow(8 * H, 16 * H), homes_allowed=False)
    m.add_job(id="HOME", site=s[1], service=600, enters_home=True)
    m.add_job(id="POLE", site=s[2], service=600)
    _, sol = solved(m, travel)
    assert sol.route_of("C1").job_ids() == ("POLE",)
    assert sol.unassigned[0].reason is Reason.HOME_ENTRY_BARRED


def test_different_start_and_end() -> None:
    """A crew starting at one post and ending at another is routed start -> job -> end."""
    m, s, travel = line_model(4)
    m.add_crew(id="C1", start=s[0], end=s[3], shift=TimeWindow(8 * H, 16 * H))
    m.add_job(id="J", site=s[2], service=600)
    _, sol = solved(m, travel)
    route = sol.route_of("C1")
    assert route.steps[-1].site_index == 3
    assert route.summary.distance == 3000


def test_reproducible_mode_is_byte_identical() -> None:
    """Two reproducible solves with the default portfolio give identical routes and objective."""
    m, s, travel = line_model(8)
    m.add_crew(id="C1", start=s[0], shift=TimeWindow(8 * H, 12 * H), max_homes=3)
    m.add_crew(id="C2", start=s[7], shift=TimeWindow(8 * H, 12 * H))
    for i in range(1, 8):
        m.add_job(id=f"J{i}", site=s[i], service=1200, enters_home=i % 2 == 0, priority=1 + i % 4)
    problem = m.build(travel)
    a, b = solve(problem, reproducible=True), solve(problem, reproducible=True)
    assert a.routes == b.routes and a.unassigned == b.unassigned and a.stats.objective == b.stats.objective


def test_wait_weight_serves_big_outage_first() -> None:
    """With customer-minutes weighted, the 300-customer outage is reached before the single home."""
    m, s, travel = line_model(3)
    m.add_crew(id="C1", start=s[1], shift=TimeWindow(8 * H, 16 * H))
    m.add_job(id="ONE", site=s[0], service=1800, customers=1)
    m.add_job(id="BIG", site=s[2], service=1800, customers=300)
    m.set_objective(Objective(travel_time_weight=1, wait_weight=1))
    _, sol = solved(m, travel)
    assert sol.route_of("C1").job_ids() == ("BIG", "ONE")


def test_time_limited_day_with_waiting_packs_first() -> None:
    """A day with waiting costs (24 jobs, room for about 12) is packed on the plain objective first, then searched
    with waiting: the plan passes the checker, nothing left fits, the urgent job and the outage are served."""
    m, s, travel = line_model(7)
    m.add_crew(id="C1", start=s[3], shift=TimeWindow(8 * H, 12 * H))
    m.add_crew(id="C2", start=s[3], shift=TimeWindow(8 * H, 12 * H))
    for k in range(24):
        m.add_job(id=f"J{k:02d}", site=s[k % 7], service=1200, priority=4 if k else 1, customers=1)
    m.add_job(id="BIG", site=s[4], service=1200, priority=4, customers=300)
    m.set_objective(Objective(travel_time_weight=1, wait_weight=1))
    problem = m.build(travel)
    plain = packing_problem(problem)
    assert plain is not None and plain.objective.wait_weight == 0
    assert packing_problem(replace(problem, objective=Objective(travel_time_weight=1))) is None
    sol = solve(problem, time_limit=3, workers=1)
    assert check(problem, sol) == []
    served = [j for r in sol.routes for j in r.job_ids()]
    assert insertable(problem, {r.crew_id: r.job_ids() for r in sol.routes}, [u.job_id for u in sol.unassigned]) == {}
    assert "J00" in served and "BIG" in served


def test_warm_start_from_initial_routes() -> None:
    """Initial routes are accepted and the result still serves every job feasibly."""
    m, s, travel = line_model(5)
    m.add_crew(id="C1", start=s[0], shift=TimeWindow(8 * H, 16 * H))
    for i in range(1, 5):
        m.add_job(id=f"J{i}", site=s[i], service=600)
    problem = m.build(travel)
    sol = solve(problem, reproducible=True, workers=1, initial_routes={"C1": ["J4", "J3", "J2", "J1"]})
    assert check(problem, sol) == [] and len(sol.unassigned) == 0


def test_model_validation_errors() -> None:
    """The builder refuses bad input with a ValueError that names the job or crew."""
    m, s, _ = line_model(2)
    m.add_job(id="J", site=s[1], service=60)
    with pytest.raises(ValueError, match="'J'.*twice"):
        m.add_job(id="J", site=s[1], service=60)
    with pytest.raises(ValueError, match="priority"):
        m.add_job(id="K", site=s[1], service=60, priority=7)
    with pytest.raises(ValueError, match="exposure without entering"):
        m.add_job(id="L", site=s[1], service=60, exposure=10)
    with pytest.raises(ValueError, match="starts after it ends"):
        TimeWindow(10, 5)
    with pytest.raises(ValueError, match="does not fit"):
        m.add_crew(id="C", start=s[0], shift=TimeWindow(0, 9 * H), breaks=[Break("b", TimeWindow(0, 60), 120)])
    other = Model().add_site(x=0, y=0)
    with pytest.raises(ValueError, match="not added to this model"):
        m.add_crew(id="D", start=other, shift=TimeWindow(0, H))


def test_great_circle_matrix_matches_geopy() -> None:
    """The vectorised great-circle distances agree with geopy's to within a metre per 10 km."""
    m = Model()
    pts = [(108.557, -6.706), (108.474, -6.759), (108.483, -6.976), (108.324, -6.327)]
    sites = [m.add_site(x=lon, y=lat) for lon, lat in pts]
    mats = GreatCircleTravel(circuity=1.0, speed_kmh=36.0).matrices(sites)
    for a, (lon1, lat1) in enumerate(pts):
        for b, (lon2, lat2) in enumerate(pts):
            ref = great_circle((lat1, lon1), (lat2, lon2)).meters
            assert abs(mats.distances[a, b] - ref) <= 1 + ref * 1e-4
            assert mats.durations[a, b] == pytest.approx(ref / 10.0, abs=1.5)


def test_unserved_waits_keeps_the_job_many_customers_wait_on() -> None:
    """Room for one of two same-priority jobs: by default the one-customer job is kept (serving the 100-customer
    job costs its wait); with unserved_waits the 100 customers count as waiting when left out, so it is served."""
    for flag, kept in ((False, "small"), (True, "big")):
        m, s, travel = line_model(3)
        m.set_objective(Objective(wait_weight=1))
        m.add_crew(id="C1", start=s[0], shift=TimeWindow(8 * H, 9 * H))
        m.add_job(id="small", site=s[1], service=1800, priority=1)
        m.add_job(id="big", site=s[1], service=1800, priority=1, customers=100, unserved_waits=flag)
        _, sol = solved(m, travel)
        assert [v.job_id for v in sol.route_of("C1").visits] == [kept]


def test_weight_serves_the_job_that_counts_as_many() -> None:
    """Room for 100 min: two 50-min jobs of class 1 beat one 100-min job counting as one; counting as three, it wins."""
    for weight, kept in ((1, ["A", "B"]), (3, ["BIG"])):
        m, s, travel = line_model(1)
        m.add_crew(id="C1", start=s[0], shift=TimeWindow(8 * H, 8 * H + 6000))
        m.add_job(id="A", site=s[0], service=3000, priority=1)
        m.add_job(id="B", site=s[0], service=3000, priority=1)
        m.add_job(id="BIG", site=s[0], service=6000, priority=1, weight=weight)
        problem, sol = solved(m, travel)
        assert sorted(v.job_id for v in sol.route_of("C1").visits) == kept, weight
        assert problem.served_by_class(problem.job(j) for j in kept) == (0, 2 if weight == 1 else 3, 0, 0, 0)


def test_weight_never_outweighs_a_job_of_the_class_above() -> None:
    """With priority_ratio 4 a class-2 job of weight 100 is penalised just short of one class-1 job."""
    m, s, travel = line_model(2)
    m.set_objective(Objective(priority_ratio=4))
    m.add_crew(id="C1", start=s[0], shift=TimeWindow(8 * H, 12 * H))
    m.add_job(id="P1", site=s[1], service=600, priority=1)
    m.add_job(id="HEAVY", site=s[1], service=600, priority=2, weight=100)
    problem = m.build(travel)
    penalties = problem.drop_penalties()
    assert problem.drop_penalty(problem.job("HEAVY"), penalties) == penalties[1] - 1 == 4 * penalties[2] - 1


def test_weight_out_of_range_is_refused() -> None:
    """A job counts as 1 to MAX_WEIGHT jobs of its class."""
    m, s, _ = line_model(1)
    for weight in (0, MAX_WEIGHT + 1):
        with pytest.raises(ValueError, match="weight must be 1 to 100"):
            m.add_job(id=f"J{weight}", site=s[0], service=60, weight=weight)
