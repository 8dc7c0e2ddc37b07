"""The independent checker on a tiny hand-computed problem and hand-written solutions.

Sites 0 (depot), 1, 2, 3 with the explicit matrices below. Crew C1 (speed 1) serves J1, J2, J3
and takes lunch; crew C2 (speed 1.6, so 900 s legs take ceil(562.5) = 563 s) serves J5; crew C3
stays at the depot; J4 (needs a crane) is unassigned. Every number in FEASIBLE was worked out by
hand from these matrices; each broken variant changes as little as possible.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from solver.checker import KINDS, Violation, assert_feasible, check
from solver.model import Break, Problem, TimeWindow
from solver.model import Model as SolverModel
from solver.solution import Reason, Route, RouteSummary, SearchStats, Solution, Step, StepType, Unassigned
from solver.travel import MatrixTravel

DURATIONS = [
    [0, 600, 900, 1200],
    [600, 0, 300, 700],
    [900, 300, 0, 400],
    [1200, 700, 400, 0],
]
DISTANCES = [
    [0, 5000, 8000, 10000],
    [5000, 0, 2500, 6000],
    [8000, 2500, 0, 3500],
    [10000, 6000, 3500, 0],
]
LUNCH = Break(id="lunch", window=TimeWindow(43200, 46800), duration=1800)  # 12:00-13:00, 30 min


def build_problem(*, c1: dict[str, Any] | None = None, jobs: dict[str, dict[str, Any]] | None = None) -> Problem:
    """The fixture problem; ``c1`` overrides crew C1's arguments, ``jobs`` a job's arguments by id."""
    m = SolverModel()
    depot, a, b, c = (m.add_site(x=float(i), y=0.0, name=f"s{i}") for i in range(4))
    crew1: dict[str, Any] = {
        "id": "C1",
        "start": depot,
        "shift": TimeWindow(28800, 57600),
        "max_work": 21600,
        "skills": {"meter", "cable"},
        "max_homes": 2,
        "max_exposure": 1800,
        "capacity": 5,
        "breaks": [LUNCH],
    }
    crew1.update(c1 or {})
    m.add_crew(**crew1)
    m.add_crew(
        id="C2",
        start=depot,
        shift=TimeWindow(28800, 57600),
        skills={"cable"},
        speed_factor=1.6,
        homes_allowed=False,
        capacity=4,
    )
    m.add_crew(id="C3", start=depot, shift=TimeWindow(28800, 57600), breaks=[LUNCH])
    job_args: dict[str, dict[str, Any]] = {
        "J1": {
            "site": a,
            "service": 1800,
            "time_windows": [TimeWindow(32400, 36000)],
            "skills": {"meter"},
            "enters_home": True,
            "exposure": 900,
            "demand": 2,
        },
        "J2": {"site": b, "service": 1200, "demand": 1, "required": True},
        "J3": {
            "site": c,
            "service": 600,
            "time_windows": [TimeWindow(41400, 50400)],
            "enters_home": True,
            "exposure": 600,
        },
        "J4": {"site": c, "service": 600, "skills": {"crane"}},
        "J5": {"site": b, "service": 900, "skills": {"cable"}, "demand": 4},
    }
    for job_id, args in job_args.items():
        args.update((jobs or {}).get(job_id, {}))
        m.add_job(id=job_id, **args)
    return m.build(MatrixTravel(durations=DURATIONS, distances=DISTANCES))


def _step(type_: StepType, arrival: int, start: int, end: int, **kw: Any) -> Step:
    return Step(type=type_, arrival=arrival, start=start, end=end, **kw)


S, V, B, E = StepType.START, StepType.VISIT, StepType.BREAK, StepType.END

C1_STEPS = (
    _step(S, 31800, 31800, 31800, site_index=0),
    # depot -> 1: 600 s, 5000 m; J1 starts right at its window's opening.
    _step(V, 32400, 32400, 34200, job_id="J1", site_index=1, travel_distance=5000, travel_time=600,
          homes_entered=1, exposure=900, load=2),
    # 1 -> 2: 300 s, 2500 m.
    _step(V, 34500, 34500, 35700, job_id="J2", site_index=2, travel_distance=2500, travel_time=300,
          homes_entered=1, exposure=900, load=3),
    # 2 -> 3: 400 s, 3500 m; waits 5300 s for the window at 41400.
    _step(V, 36100, 41400, 42000, job_id="J3", site_index=3, travel_distance=3500, travel_time=400,
          homes_entered=2, exposure=1500, load=3),
    _step(B, 43200, 43200, 45000, break_id="lunch", site_index=3, homes_entered=2, exposure=1500, load=3),
    # 3 -> depot: 1200 s, 10000 m, after lunch.
    _step(E, 46200, 46200, 46200, site_index=0, travel_distance=10000, travel_time=1200,
          homes_entered=2, exposure=1500, load=3),
)  # fmt: skip
C1_SUMMARY = RouteSummary(
    visits=3,
    homes_entered=2,
    exposure=1500,
    distance=21000,
    travel_time=2500,
    service_time=3600,
    waiting_time=5300,
    break_time=1800,
    duration=14400,  # 46200 - 31800
    customer_seconds=21900,  # (32400 + 34500 + 41400) - 3 * 28800
)
C2_STEPS = (
    _step(S, 28800, 28800, 28800, site_index=0),
    # depot -> 2 is 900 s at reference speed, ceil(900 / 1.6) = 563 s for C2.
    _step(V, 29363, 29363, 30263, job_id="J5", site_index=2, travel_distance=8000, travel_time=563, load=4),
    _step(E, 30826, 30826, 30826, site_index=0, travel_distance=8000, travel_time=563, load=4),
)
C2_SUMMARY = RouteSummary(
    visits=1,
    homes_entered=0,
    exposure=0,
    distance=16000,
    travel_time=1126,
    service_time=900,
    waiting_time=0,
    break_time=0,
    duration=2026,
    customer_seconds=563,
)
C3_STEPS = (_step(S, 28800, 28800, 28800, site_index=0), _step(E, 28800, 28800, 28800, site_index=0))
C3_SUMMARY = RouteSummary(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
STATS = SearchStats(
    status="hand", objective=0, wall_time=0.0, first_solution_time=0.0, solutions=1, strategy="hand",
    reproducible=True,
)  # fmt: skip
FEASIBLE = Solution(
    routes=(
        Route("C1", C1_STEPS, C1_SUMMARY),
        Route("C2", C2_STEPS, C2_SUMMARY),
        Route("C3", C3_STEPS, C3_SUMMARY),
    ),
    unassigned=(Unassigned("J4", Reason.NO_SKILLED_CREW, "no crew has skill crane"),),
    stats=STATS,
)
PROBLEM = build_problem()


def edit_route(
    solution: Solution,
    crew_id: str,
    *,
    steps: dict[int, dict[str, Any]] | None = None,
    new_steps: tuple[Step, ...] | None = None,
    summary: dict[str, Any] | None = None,
) -> Solution:
    """``solution`` with fields of one route's steps (by position) and summary replaced."""
    routes = []
    for r in solution.routes:
        if r.crew_id == crew_id:
            ss = list(new_steps if new_steps is not None else r.steps)
            for i, changes in (steps or {}).items():
                ss[i] = replace(ss[i], **changes)
            r = Route(r.crew_id, tuple(ss), replace(r.summary, **(summary or {})))
        routes.append(r)
    return replace(solution, routes=tuple(routes))


def kinds(problem: Problem, solution: Solution) -> list[str]:
    return sorted(v.kind for v in check(problem, solution))


def messages(problem: Problem, solution: Solution) -> str:
    return "\n".join(str(v) for v in check(problem, solution))


# --- feasible --------------------------------------------------------------------------------


def test_feasible_solution_has_no_violations() -> None:
    """The hand-computed solution passes every rule."""
    assert check(PROBLEM, FEASIBLE) == []
    assert_feasible(PROBLEM, FEASIBLE)


def test_assert_feasible_lists_every_violation() -> None:
    """assert_feasible raises AssertionError naming each violation with its numbers."""
    broken = edit_route(FEASIBLE, "C1", summary={"distance": 21001}, steps={2: {"travel_time": 301}})
    with pytest.raises(AssertionError) as err:
        assert_feasible(PROBLEM, broken)
    text = str(err.value)
    assert "2 violation(s)" in text
    assert "[summary] crew C1: summary distance is 21001, recomputed 21000" in text
    assert "301 s" in text and "300 s" in text


def test_every_reported_kind_is_documented() -> None:
    """Violation kinds used by the checker are the documented codes."""
    v = Violation("travel", "C1", "J1", "x")
    assert str(v) == "[travel] crew C1, job J1: x"
    assert {"time_window", "shift", "break", "travel", "running_total", "summary"} <= set(KINDS)


def test_unused_route_may_take_its_break() -> None:
    """A crew without visits may leave its break out (as FEASIBLE does) or take it at the depot."""
    steps = (
        C3_STEPS[0],
        _step(B, 43200, 43200, 45000, break_id="lunch", site_index=0),
        _step(E, 45000, 45000, 45000, site_index=0),
    )
    sol = edit_route(FEASIBLE, "C3", new_steps=steps, summary={"break_time": 1800, "duration": 16200})
    assert check(PROBLEM, sol) == []


def test_boundaries_are_inclusive() -> None:
    """Starting exactly at a window's end, using all of max_work and every cap exactly is allowed."""
    problem = build_problem(
        c1={
            "max_work": 14400,
            "max_homes": 2,
            "max_exposure": 1500,
            "capacity": 3,
            "shift": TimeWindow(31800, 46200),
        },
        jobs={"J1": {"time_windows": [TimeWindow(30000, 32400)]}},
    )
    assert check(problem, FEASIBLE) == []


# --- jobs over the whole solution --------------------------------------------------------------


def test_job_listed_twice_is_duplicate() -> None:
    """A job both served and unassigned, or unassigned twice, is a duplicate_job."""
    served_too = replace(FEASIBLE, unassigned=(*FEASIBLE.unassigned, Unassigned("J1", Reason.CROWDED_OUT, "")))
    assert kinds(PROBLEM, served_too) == ["duplicate_job"]
    twice = replace(FEASIBLE, unassigned=FEASIBLE.unassigned * 2)
    assert kinds(PROBLEM, twice) == ["duplicate_job"]
    assert check(PROBLEM, twice)[0].job_id == "J4"


def test_job_nowhere_is_missing() -> None:
    """A job neither served nor unassigned is a missing_job."""
    sol = replace(FEASIBLE, unassigned=())
    assert [(v.kind, v.job_id) for v in check(PROBLEM, sol)] == [("missing_job", "J4")]


def test_unknown_job_id_is_flagged() -> None:
    """An unassigned entry or a visit naming a job outside the problem is an unknown_job."""
    sol = replace(FEASIBLE, unassigned=(*FEASIBLE.unassigned, Unassigned("J9", Reason.CROWDED_OUT, "")))
    assert [(v.kind, v.job_id) for v in check(PROBLEM, sol)] == [("unknown_job", "J9")]


def test_required_job_left_unassigned() -> None:
    """Leaving a required job unassigned is flagged even when no crew could serve it."""
    problem = build_problem(jobs={"J4": {"required": True}})
    assert kinds(problem, FEASIBLE) == ["required_unassigned"]


# --- route shape --------------------------------------------------------------------------------


def test_each_crew_needs_exactly_one_route() -> None:
    """A missing route, a second route or a route of an unknown crew is a route violation."""
    missing = replace(FEASIBLE, routes=FEASIBLE.routes[:2])
    assert kinds(PROBLEM, missing) == ["route"]
    doubled = replace(FEASIBLE, routes=(*FEASIBLE.routes, FEASIBLE.routes[2]))
    assert kinds(PROBLEM, doubled) == ["route"]
    stranger = replace(FEASIBLE, routes=(*FEASIBLE.routes, Route("C9", C3_STEPS, C3_SUMMARY)))
    assert kinds(PROBLEM, stranger) == ["route"]


def test_route_must_run_start_to_end() -> None:
    """A route that does not begin with START and finish with END is a route violation."""
    sol = edit_route(FEASIBLE, "C3", new_steps=(C3_STEPS[1], C3_STEPS[0]))
    assert kinds(PROBLEM, sol) == ["route"]


def test_visit_at_wrong_site() -> None:
    """A VISIT away from its job's site, or END away from the crew's end site, is a site violation."""
    assert kinds(PROBLEM, edit_route(FEASIBLE, "C1", steps={2: {"site_index": 1}})) == ["site"]
    assert kinds(PROBLEM, edit_route(FEASIBLE, "C1", steps={5: {"site_index": 3}})) == ["site"]


# --- times ----------------------------------------------------------------------------------------


def test_visit_before_window_opens() -> None:
    """Starting J1 at 32400 when its window opens at 32401 is a time_window violation."""
    problem = build_problem(jobs={"J1": {"time_windows": [TimeWindow(32401, 36000)]}})
    found = check(problem, FEASIBLE)
    assert [(v.kind, v.job_id) for v in found] == [("time_window", "J1")]
    assert "32400" in found[0].message and "32401" in found[0].message


def test_any_of_several_windows_will_do() -> None:
    """A start inside the second of two windows passes; one second past it fails."""
    ok = build_problem(jobs={"J3": {"time_windows": [TimeWindow(30000, 31000), TimeWindow(41000, 41400)]}})
    assert check(ok, FEASIBLE) == []
    late = build_problem(jobs={"J3": {"time_windows": [TimeWindow(30000, 31000), TimeWindow(41000, 41399)]}})
    assert kinds(late, FEASIBLE) == ["time_window"]


def test_leaving_before_shift_or_returning_after() -> None:
    """Leaving at 31800 before a 31801 shift start, or returning at 46200 after a 46199 end, is flagged."""
    assert kinds(build_problem(c1={"shift": TimeWindow(31801, 57600)}), FEASIBLE) == ["shift"]
    assert kinds(build_problem(c1={"shift": TimeWindow(28800, 46199)}), FEASIBLE) == ["shift"]


def test_working_longer_than_max_work() -> None:
    """Working 14400 s (31800 to 46200) against max_work 14399 is a max_work violation."""
    assert kinds(build_problem(c1={"max_work": 14399}), FEASIBLE) == ["max_work"]


def test_service_shorter_than_job() -> None:
    """A 1100 s service for the 1200 s job J2 is a service violation."""
    sol = edit_route(FEASIBLE, "C1", steps={2: {"end": 35600}})
    assert [(v.kind, v.job_id) for v in check(PROBLEM, sol)] == [("service", "J2")]


def test_start_before_arrival_is_out_of_order() -> None:
    """Starting J3 at 41400 after arriving at 41500 is an order violation."""
    sol = edit_route(FEASIBLE, "C1", steps={3: {"arrival": 41500}})
    assert kinds(PROBLEM, sol) == ["order"]


def test_steps_going_back_in_time() -> None:
    """END starting before the break before it ends is an order violation."""
    sol = edit_route(FEASIBLE, "C1", steps={4: {"start": 45000, "end": 46800, "arrival": 45000}})
    # The break now ends at 46800, after END starts at 46200: order, and it no longer fits before END.
    assert set(kinds(PROBLEM, sol)) == {"order", "break"}
    assert "order" in kinds(PROBLEM, sol)


# --- travel -------------------------------------------------------------------------------------


def test_arriving_faster_than_travel_allows() -> None:
    """Arriving at J2 at 34400, 200 s after leaving J1 when the leg takes 300 s, is a travel violation."""
    sol = edit_route(FEASIBLE, "C1", steps={2: {"arrival": 34400}})
    found = check(PROBLEM, sol)
    assert [(v.kind, v.job_id) for v in found] == [("travel", "J2")]
    assert "34500" in found[0].message


def test_reported_leg_must_match_matrices() -> None:
    """Reporting 301 s or 2501 m for the 300 s / 2500 m leg, or a leg on START, is a travel violation."""
    assert kinds(PROBLEM, edit_route(FEASIBLE, "C1", steps={2: {"travel_time": 301}})) == ["travel"]
    assert kinds(PROBLEM, edit_route(FEASIBLE, "C1", steps={2: {"travel_distance": 2501}})) == ["travel"]
    assert kinds(PROBLEM, edit_route(FEASIBLE, "C1", steps={0: {"travel_time": 5}})) == ["travel"]


def test_travel_uses_crew_speed_factor_rounded_up() -> None:
    """C2 (speed 1.6) needs ceil(900 / 1.6) = 563 s: arriving after 562 s, or reporting 900 s, is flagged."""
    floor = edit_route(
        FEASIBLE,
        "C2",
        steps={1: {"arrival": 29362, "start": 29362, "end": 30262}},
        summary={"customer_seconds": 562},
    )
    assert kinds(PROBLEM, floor) == ["travel"]
    reference_speed = edit_route(FEASIBLE, "C2", steps={1: {"travel_time": 900}})
    assert kinds(PROBLEM, reference_speed) == ["travel"]


def test_checker_recomputes_travel_for_slower_crew() -> None:
    """The same C2 route is infeasible if C2 drove at reference speed (900 s legs)."""
    m_kinds = set()
    slow = build_problem()
    slow = replace(slow, crews=tuple(replace(c, speed_factor=1.0) if c.id == "C2" else c for c in slow.crews))
    for v in check(slow, FEASIBLE):
        m_kinds.add(v.kind)
        assert v.crew_id == "C2"
    assert m_kinds == {"travel", "summary"}


# --- breaks -------------------------------------------------------------------------------------


def test_break_that_fits_only_without_travel() -> None:
    """J3 ends 43200, lunch 43200-45000, END at 45000: 1800 s cannot hold 1200 s travel plus 1800 s lunch."""
    late_j3 = {3: {"start": 42600, "end": 43200}}
    fits = edit_route(FEASIBLE, "C1", steps=late_j3, summary={"customer_seconds": 23100})
    assert check(PROBLEM, fits) == []  # END at 46200 leaves exactly 3000 s
    sol = edit_route(
        FEASIBLE,
        "C1",
        steps={**late_j3, 5: {"arrival": 45000, "start": 45000, "end": 45000}},
        summary={"customer_seconds": 23100, "duration": 13200},
    )
    found = check(PROBLEM, sol)
    assert [v.kind for v in found] == ["break"]
    assert "1800 s, fewer than 1200 s of travel plus 1800 s of breaks" in found[0].message


def test_break_outside_its_window() -> None:
    """Lunch taken 42000-43800, starting before its 43200 window opens, is a break violation."""
    sol = edit_route(FEASIBLE, "C1", steps={4: {"arrival": 42000, "start": 42000, "end": 43800}})
    assert kinds(PROBLEM, sol) == ["break"]


def test_break_of_wrong_length() -> None:
    """A 1600 s lunch when 1800 s are due is a break violation."""
    sol = edit_route(FEASIBLE, "C1", steps={4: {"end": 44800}}, summary={"break_time": 1600})
    assert kinds(PROBLEM, sol) == ["break"]


def test_break_missing_on_used_route() -> None:
    """A crew with visits that never takes its lunch is a break violation."""
    steps = C1_STEPS[:4] + C1_STEPS[5:]
    sol = edit_route(FEASIBLE, "C1", new_steps=steps, summary={"break_time": 0})
    assert kinds(PROBLEM, sol) == ["break"]


def test_break_taken_twice_or_unknown() -> None:
    """Taking lunch twice, or a break the crew does not have, is a break violation."""
    twice = (
        *C1_STEPS[:5],
        _step(B, 45000, 45000, 46800, break_id="lunch", site_index=3, homes_entered=2, exposure=1500, load=3),
        replace(C1_STEPS[5], arrival=48000, start=48000, end=48000),
    )
    sol = edit_route(FEASIBLE, "C1", new_steps=twice, summary={"break_time": 3600, "duration": 16200})
    assert kinds(PROBLEM, sol) == ["break"]
    unknown = edit_route(FEASIBLE, "C1", steps={4: {"break_id": "siesta"}})
    # The unknown id, and lunch not taken.
    assert kinds(PROBLEM, unknown) == ["break", "break"]


def test_break_overlapping_service() -> None:
    """A break during J3's service (41400-42000) is flagged as overlapping it."""
    problem = build_problem(c1={"breaks": [Break("lunch", TimeWindow(36000, 46800), 1800)]})
    steps = list(C1_STEPS)
    steps[4] = replace(steps[4], arrival=41000, start=41000, end=42800)
    sol = edit_route(FEASIBLE, "C1", new_steps=tuple(steps))
    text = messages(problem, sol)
    assert "overlaps the service 41400-42000" in text
    assert set(kinds(problem, sol)) <= {"break", "order"}


# --- caps and skills ----------------------------------------------------------------------------


def test_skill_missing() -> None:
    """C1 without the meter skill visiting J1 is a skill violation."""
    found = check(build_problem(c1={"skills": {"cable"}}), FEASIBLE)
    assert [(v.kind, v.crew_id, v.job_id) for v in found] == [("skill", "C1", "J1")]


def test_too_many_homes() -> None:
    """Entering 2 homes with max_homes 1, or any home when barred from homes, is a home_cap violation."""
    assert kinds(build_problem(c1={"max_homes": 1}), FEASIBLE) == ["home_cap"]
    assert kinds(build_problem(c1={"homes_allowed": False}), FEASIBLE) == ["home_cap"]


def test_too_much_exposure() -> None:
    """Exposure 900 + 600 = 1500 against a cap of 1499 is an exposure_cap violation."""
    assert kinds(build_problem(c1={"max_exposure": 1499}), FEASIBLE) == ["exposure_cap"]


def test_home_after_contaminating_job() -> None:
    """With J1 contaminating, entering J3's home later is flagged; a contaminating last home is fine."""
    found = check(build_problem(jobs={"J1": {"contaminating": True}}), FEASIBLE)
    assert [(v.kind, v.job_id) for v in found] == [("contaminated_home_entry", "J3")]
    assert check(build_problem(jobs={"J3": {"contaminating": True}}), FEASIBLE) == []


def test_load_over_capacity() -> None:
    """Demand 2 + 1 = 3 against capacity 2 is a capacity violation."""
    assert kinds(build_problem(c1={"capacity": 2}), FEASIBLE) == ["capacity"]


# --- reported figures ---------------------------------------------------------------------------


def test_running_totals_must_match() -> None:
    """Wrong homes_entered, exposure or load on any step (visit, break, end) is a running_total violation."""
    assert kinds(PROBLEM, edit_route(FEASIBLE, "C1", steps={2: {"homes_entered": 2}})) == ["running_total"]
    assert kinds(PROBLEM, edit_route(FEASIBLE, "C1", steps={4: {"exposure": 900}})) == ["running_total"]
    assert kinds(PROBLEM, edit_route(FEASIBLE, "C1", steps={5: {"load": 2}})) == ["running_total"]
    assert kinds(PROBLEM, edit_route(FEASIBLE, "C2", steps={0: {"load": 4}})) == ["running_total"]


@pytest.mark.parametrize(
    "field",
    [f for f in RouteSummary.__dataclass_fields__ if f != "waiting_time"],
)
def test_summary_must_match(field: str) -> None:
    """A route summary figure off by one is a summary violation."""
    sol = edit_route(FEASIBLE, "C1", summary={field: getattr(C1_SUMMARY, field) + 1})
    found = check(PROBLEM, sol)
    assert [v.kind for v in found] == ["summary"]
    assert field in found[0].message
