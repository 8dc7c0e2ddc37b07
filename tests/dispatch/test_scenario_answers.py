"""What-if answers: typed KPIs, which limit binds, one-line answers, overtime in the KPIs, on-call crews."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine

from dispatch.core.policy import Policy
from dispatch.core.route import Overtime
from dispatch.scenarios.apply import apply_scenario
from dispatch.scenarios.compare import (
    Change,
    SweepPoint,
    answer,
    binds,
    coverage,
    monotone_falls,
    monotone_text,
    step_answers,
    sweep_verdict,
)
from dispatch.scenarios.kpis import Binding, ScenarioKpis, compute_kpis
from dispatch.scenarios.live import load_live_inputs
from dispatch.scenarios.run import ScenarioRun, plan_scenario
from dispatch.scenarios.spec import ScenarioError
from dispatch.scenarios.sweep import no_falls
from tests.dispatch.plan_checker import check_plan
from tests.dispatch.test_scenarios import DAY, SOLUTIONS, crew, near, scenario, seed, ticket

HOME_CAP = "exposure.max_homes_per_shift"


@pytest.fixture
def three_homes(engine: Engine, database_url: str) -> str:
    """One lv crew of two (08-16), three indoor meter tickets of 30 min within 450 m of its depot."""
    seed(engine, [*crew("A", "lv", ["A1", "A2"])] + [ticket(f"H{i}", "meter", near(150 * i, 100)) for i in range(3)])
    return database_url


def plan_at(url: str, overrides: dict[str, Any], body: str = "") -> ScenarioRun:
    inputs = load_live_inputs(url, day=DAY, policy=Policy())
    return plan_scenario(scenario(body), inputs, Policy(), solution_limit=SOLUTIONS, overrides=overrides)


def test_home_cap_that_binds_is_answered_in_one_line(three_homes: str) -> None:
    """Cap 2 instead of 4 on three homes: one fewer served, one more customer waits, both workers at 2 homes."""
    tight, loose = plan_at(three_homes, {HOME_CAP: 2}).kpis, plan_at(three_homes, {HOME_CAP: 4}).kpis
    assert tight.binding == Binding(crews=1, workers=2, at_home_cap=2, at_exposure_cap=0, out_of_shift_time=0,
                                    home_cap=2, exposure_cap=180.0)  # fmt: skip
    assert loose.binding.at_home_cap == 0 and loose.served == 3
    line = answer([Change(HOME_CAP, 4, 2)], loose, tight)
    assert line == (
        "exposure.max_homes_per_shift 2 instead of 4: 1 fewer served (P4 -1), 1 more customers wait, "
        "max homes per worker 2; limits reached: home cap 2 of 2 workers, exposure cap 0 of 2 workers, "
        "shift time 0 of 1 crews"
    )
    assert answer([Change(HOME_CAP, 4, 2)], loose, tight, lang="id").startswith(
        "exposure.max_homes_per_shift 2 (sebelumnya 4): 1 tiket lebih sedikit dilayani (P4 -1), "
        "1 pelanggan lebih banyak menunggu, rumah per petugas maks 2"
    )


def test_home_cap_behind_the_exposure_cap_says_it_does_not_bind(three_homes: str) -> None:
    """Exposure cap 40 min (two homes of 18 weighted min): home caps 3 and 4 serve alike and say so."""
    exposure = {"exposure.max_exposure_min_per_shift": 40}
    points = [SweepPoint({HOME_CAP: cap}, plan_at(three_homes, {HOME_CAP: cap, **exposure}).kpis) for cap in (3, 4)]
    assert [p.kpis.served for p in points] == [2, 2]
    assert [p.kpis.binding.at_exposure_cap for p in points] == [2, 2]
    assert [p.kpis.binding.at_home_cap for p in points] == [0, 0]
    assert sweep_verdict(points, HOME_CAP) == (
        "the home cap does not bind at 3, 4: the weighted-exposure cap binds first, "
        "so a flat line there is not this value's effect"
    )
    assert binds(points[0].kpis, [Change(HOME_CAP, 4, 3)]).startswith(
        "the home cap does not bind (no worker reaches it); what binds: the weighted-exposure cap; limits reached:"
    )
    assert "batas rumah tidak membatasi pada 3, 4" in sweep_verdict(points, HOME_CAP, lang="id")
    assert step_answers(points, HOME_CAP)[0].startswith(
        "exposure.max_homes_per_shift 3 instead of 4: as many served, as many customers wait"
    )


def test_monotonicity_is_lexicographic_by_priority() -> None:
    """One more P1 outweighs any number of P3 lost; one P2 fewer with nothing gained above is a fall."""

    def point(cap: int, *served: int) -> SweepPoint:
        return SweepPoint({HOME_CAP: cap}, ScenarioKpis(**{f"served_p{p}": n for p, n in enumerate(served, 1)}))

    rising = [point(4, 5, 3, 9, 0), point(5, 6, 3, 1, 0), point(6, 6, 3, 1, 0)]
    assert monotone_falls(rising, HOME_CAP) == []
    assert monotone_text(rising, HOME_CAP) == (
        "served by priority never falls when exposure.max_homes_per_shift loosens by one step"
    )
    falling = [point(6, 6, 2, 9, 9), point(4, 6, 3, 0, 0), point(5, 6, 2, 9, 9)]  # out of grid order on purpose
    assert [(t.values[HOME_CAP], lo.values[HOME_CAP]) for t, lo in monotone_falls(falling, HOME_CAP)] == [(4, 5)]
    assert "FALLS from exposure.max_homes_per_shift=4 to 5: 6/3/0/0 -> 6/2/9/9" in monotone_text(falling, HOME_CAP)


def test_kpis_are_written_and_read_in_one_place() -> None:
    """KPIs survive their JSON; a run stored before a field existed reads its default, unknown keys are left out."""
    k = ScenarioKpis(served=4, served_p1=1, unassigned_by_reason={"home_cap": 2}, binding=Binding(crews=1, workers=2),
                     coverage_gaps=("mv 16:00-18:00",), p1_response_h_mean=1.5)  # fmt: skip
    assert ScenarioKpis.from_json(k.to_json()) == k
    old = ScenarioKpis.from_json({"served": 3, "overtime_hours": 0.0, "unassigned_by_reason": {"x": 1}, "gone": 7})
    assert old.served == 3 and old.binding == Binding() and old.paid_hours == 0.0 and old.value("unassigned:x") == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        k.served = 5  # type: ignore[misc]


def test_overtime_counts_in_crew_hours_paid(three_homes: str) -> None:
    """A route with 45 min of recorded overtime: 0.75 overtime hours, one crew, paid = 8 rostered + 0.75."""
    run = plan_at(three_homes, {})
    assert run.kpis.overtime_hours == 0.0 and run.kpis.paid_hours == run.kpis.shift_hours == 8.0
    route = dataclasses.replace(run.plan.routes[0], overtime=Overtime(45, ("H0",)))
    plan = run.plan.with_(routes=(route,))
    inputs = apply_scenario(scenario(""), load_live_inputs(three_homes, day=DAY, policy=Policy()), Policy()).inputs
    kpis = compute_kpis(plan, inputs, Policy())
    assert (kpis.overtime_hours, kpis.overtime_crews, kpis.paid_hours) == (0.75, 1, 8.75)


ON_CALL = """
[[crews.on_call]]
skills = ["mv"]
start = "16:00"
end = "18:00"
at_crew = "A"
"""


@pytest.fixture
def mv_hole(engine: Engine, database_url: str) -> str:
    """A (lv+mv) works 08-16, B (lv) 10-18 with no break: no mv crew on shift 16:00-18:00; two tickets."""
    b = crew("B", "lv", ["B1", "B2"], shift=(10, 18))
    b[-1].break_start = b[-1].break_end = None  # type: ignore[attr-defined]
    b[-1].break_min = 0  # type: ignore[attr-defined]
    seed(engine, [*crew("A", "lv;mv", ["A1", "A2"]), *b, ticket("T1", "line_down", near(600, 0)),
                  ticket("T2", "meter", near(0, 300))])  # fmt: skip
    return database_url


def test_on_call_crew_closes_the_coverage_hole(mv_hole: str) -> None:
    """Without it the KPIs name the mv hole 16:00-18:00; an on-call mv crew 16-18 from A's depot closes it."""
    inputs = load_live_inputs(mv_hole, day=DAY, policy=Policy())
    base = plan_scenario(scenario(""), inputs, Policy(), solution_limit=SOLUTIONS)
    assert base.kpis.coverage_gaps == ("mv 16:00-18:00",)
    assert coverage(base.kpis) == "hours with no crew skilled for hazards: mv 16:00-18:00"
    called = plan_scenario(scenario(ON_CALL), inputs, Policy(), solution_limit=SOLUTIONS)
    assert called.kpis.coverage_gaps == ()
    assert coverage(called.kpis, lang="id") == "setiap jam shift ada regu berkeahlian untuk bahaya"
    applied = apply_scenario(scenario(ON_CALL), inputs, Policy())
    assert "on-call crew ONCALL1 (mv, 2 members) 16:00-18:00 from crew A's depot" in applied.changes
    oncall = next(c for c in applied.inputs.crews if c.crew_id == "ONCALL1")
    assert oncall.members == ("ONCALL1-1", "ONCALL1-2") and oncall.skills == ("mv",)
    shift = next(s for s in applied.inputs.shifts if s.crew_id == "ONCALL1")
    assert shift.end - shift.start == dt.timedelta(hours=2) and shift.break_min == 0
    assert check_plan(called.plan.to_json(), applied.inputs, applied.policy) == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('[[crews.on_call]]\nstart = "16:00"\nend = "18:00"\nat_crew = "A"', "crews.on_call[1].skills: required"),
        ('[[crews.on_call]]\nskills = ["mv"]\nstart = "16:00"\nend = "18:00"', "give depot = [lat, lon] or at_crew"),
        ('[[crews.on_call]]\nskills = ["mv"]\nstart = "16:00"\nend = "18:00"\nat_crew = "Z"', "no crew 'Z'"),
        ('[[crews.on_call]]\ncrew_id = "A"\nskills = ["mv"]\nstart = "16:00"\nend = "18:00"\nat_crew = "A"',
         "crew 'A' already exists"),
    ],
)  # fmt: skip
def test_bad_on_call_crews_are_named(mv_hole: str, body: str, expected: str) -> None:
    """An on-call crew without skills, without a depot, at an unknown crew or with a taken id is a clear error."""
    inputs = load_live_inputs(mv_hole, day=DAY, policy=Policy())
    with pytest.raises(ScenarioError, match=expected.replace("[", r"\[").replace("]", r"\]")):
        apply_scenario(scenario(body), inputs, Policy())


def test_a_point_serving_fewer_than_a_tighter_one_is_planned_again_from_it(three_homes: str) -> None:
    """Caps 2, 3, 4 whose own searches served 3, 2, 3 (P4): cap 3 is planned again from cap 2's routes and keeps
    the better plan; a re-plan that is no better leaves the point as it was; a two-key sweep is left alone."""
    run = plan_at(three_homes, {HOME_CAP: 2})

    def at(cap: int, p4: int) -> ScenarioRun:
        return dataclasses.replace(run, overrides={HOME_CAP: cap}, kpis=ScenarioKpis(served=p4, served_p4=p4))

    runs = [at(4, 3), at(2, 3), at(3, 2)]  # out of grid order on purpose
    asked: list[tuple[Any, list[str]]] = []

    def again(point: ScenarioRun, routes: dict[str, list[str]]) -> ScenarioRun:
        asked.append((point.overrides[HOME_CAP], sorted(t for ts in routes.values() for t in ts)))
        return at(point.overrides[HOME_CAP], 3)

    out = no_falls(runs, again)
    assert asked == [(3, sorted(run.plan.routes[0].ticket_ids))]
    assert [(r.overrides[HOME_CAP], r.kpis.served_p4, r.again_from) for r in out] == [
        (4, 3, None), (2, 3, None), (3, 3, {HOME_CAP: 2})]  # fmt: skip
    assert no_falls(runs, lambda point, routes: point)[2] is runs[2]
    exposure = {"exposure.max_exposure_min_per_shift": 90}
    two_keys = [dataclasses.replace(r, overrides={**r.overrides, **exposure}) for r in runs]
    assert no_falls(two_keys, again) == two_keys
