"""Overtime for hazards: a re-plan extends one shift a few minutes to reach a hazard, within the limits."""

from __future__ import annotations

import dataclasses

import solver
from dispatch.core.domain import Category, Crew, PlanInputs, Shift
from dispatch.core.plan import Plan
from dispatch.core.policy import Policy
from dispatch.intraday.model import ReplanInputs
from dispatch.intraday.overtime import _extended, _past_rostered_end, reach_on_overtime
from dispatch.intraday.replan import make_replan
from dispatch.io.sheets.content import read_plan
from dispatch.io.sheets.i18n import Labels
from dispatch.io.sheets.text import shift_text
from dispatch.planning.build import build_problem
from tests.dispatch.plan_checker import check_plan
from tests.dispatch.test_emergency import DAY, DEPOT
from tests.dispatch.test_emergency import ticket as site_ticket
from tests.dispatch.test_intraday import TZ, at, night, progress_on, served, ticket, world


def late_hazard() -> tuple[ReplanInputs, object]:
    """Three crews ending 16:00; at 15:00 a line down 2 km away needing 90 minutes: no shift can take it."""
    policy = Policy()
    inputs = world()
    doc = night(inputs, policy)
    now = at("15:00")
    hazard = ticket("HAZ", 0.02, 0.0, priority=1, service_min=90, skills=("mv",), reported_at=now)
    visits = tuple(v for r in doc.routes for v in progress_on(doc, r.crew_id, now))
    day = dataclasses.replace(inputs, tickets=(hazard,))
    rin = ReplanInputs(
        inputs=day, previous=doc, at=now, visits=visits, known_tickets={t.ticket_id: t for t in inputs.tickets}
    )
    return rin, inputs


def replan(rin: ReplanInputs, policy: Policy | None = None) -> Plan:
    return make_replan(rin, policy or Policy(), time_limit=3, reproducible=True, workers=1).plan


def test_overtime_reaches_the_hazard_and_is_marked() -> None:
    """The crew needing the fewest minutes gets them (<= 60, in 5-min steps); the route, its JSON and sheet say so."""
    rin, inputs = late_hazard()
    plan = replan(rin)
    crew = served(plan).get("HAZ")
    assert crew is not None
    route = plan.route(crew)
    assert route is not None and route.overtime is not None
    assert route.overtime.tickets == ("HAZ",) and 0 < route.overtime.minutes <= 60
    assert route.overtime.minutes % 5 == 0
    assert (route.shift.end - at("16:00")).total_seconds() == route.overtime.minutes * 60
    assert route.steps[-1].arrival <= route.shift.end
    others = [r for r in plan.routes if r.crew_id != crew]
    assert all(r.overtime is None for r in others)
    assert Plan.from_json(plan.dumps()).route(crew).overtime == route.overtime  # type: ignore[union-attr]
    doc = plan.to_json()
    assert (
        check_plan(doc, dataclasses.replace(rin.inputs, tickets=(*inputs.tickets, *rin.inputs.tickets)), Policy()) == []
    )
    tickets = {t.ticket_id: t for t in (*inputs.tickets, *rin.inputs.tickets)}
    crews = {c.crew_id: c for c in inputs.crews}
    sheets = read_plan(plan=plan, tickets=tickets, crews=crews, policy=Policy(), tz=TZ, crew_id=crew)
    for lang, word in (("id", "LEMBUR"), ("en", "OVERTIME")):
        assert word in shift_text(sheets.routes[0], Labels(lang, TZ), day=plan.date)


def test_refused_overtime_and_spent_limits_leave_the_hazard_unassigned() -> None:
    """--no-overtime, a policy of 0 min, or members' weekly overtime used up: shift_too_short, no overtime."""
    rin, _ = late_hazard()
    members = {m for c in rin.inputs.crews for m in c.members}
    cases = [
        (dataclasses.replace(rin, overtime=False), Policy()),
        (rin, Policy().with_overrides({"response.emergency_overtime_min": 0})),
        (dataclasses.replace(rin, overtime_week_min=dict.fromkeys(members, 600.0)), Policy()),
    ]
    for case, policy in cases:
        plan = replan(case, policy)
        assert [u.reason for u in plan.unassigned if u.ticket_id == "HAZ"] == ["shift_too_short"]
        assert all(r.overtime is None for r in plan.routes)


def test_explicit_end_shift_wins_over_automatic_overtime() -> None:
    """Every crew's end set by the dispatcher: no automatic extension, each route ends where it was told."""
    rin, _ = late_hazard()
    ends = {"C01": at("16:00"), "C02": at("16:00"), "C03": at("16:05")}
    plan = replan(dataclasses.replace(rin, end_shift=ends))
    assert "HAZ" not in served(plan)
    for crew_id, end in ends.items():
        route = plan.route(crew_id)
        assert route is not None and route.shift.end == end and route.end_shift == end
        assert route.overtime is None or route.overtime.tickets == ()


def test_an_emergency_on_the_route_goes_elsewhere_so_overtime_reaches_the_new_one() -> None:
    """Seed 5's 14:13 pole in miniature. At 15:00 C01 (mv, ppe; until 16:00) has line down E1 (45 min) on
    its route; pole H (90 min) needs ppe, which only C01 has. Alone C01 does H by 16:31 (36 s each way):
    35 min of overtime; with E1 first it would need 77 min, over the 60 allowed. So E1 goes to C02 (mv,
    until 15:30: back 15:46, 20 min of overtime) and C01 takes H on 35."""
    crews = (
        Crew("C01", "Regu 1", DEPOT[0], DEPOT[1], skills=("mv", "ppe"), members=("M1a", "M1b")),
        Crew("C02", "Regu 2", DEPOT[0], DEPOT[1], skills=("mv",), members=("M2a", "M2b")),
    )
    line = {"category": Category.LINE_DOWN, "priority": 1, "reported_at": at("14:50")}
    e1 = site_ticket("E1", 0.002, 0.0, skills=("mv",), service_min=45, **line)  # type: ignore[arg-type]
    pole = site_ticket("H", 0.0, 0.002, skills=("mv", "ppe"), service_min=90, **line)  # type: ignore[arg-type]
    shifts = (Shift("C01", DAY, at("15:00"), at("16:00")), Shift("C02", DAY, at("15:00"), at("15:30")))
    problem = build_problem(
        PlanInputs(day=DAY, tickets=(e1, pole), crews=crews, shifts=shifts), Policy(), as_of=at("15:00")
    ).problem
    reached = reach_on_overtime(problem, {"C01": ["E1"], "C02": []}, "H", {"C01": 3600, "C02": 3600})
    assert reached is not None
    assert reached.routes == {"C01": ["H"], "C02": ["E1"]}
    assert reached.grants == {"C01": (35 * 60, ("H",)), "C02": (20 * 60, ("E1",))}
    assert [c.shift.end - s.shift.end for c, s in zip(reached.problem.crews, problem.crews, strict=True)] == [
        2100,
        1200,
    ]
    # C02 allowed only 15 min: E1 has nowhere to go, and C01 cannot hold both within its 60.
    assert reach_on_overtime(problem, {"C01": ["E1"], "C02": []}, "H", {"C01": 3600, "C02": 900}) is None


def test_overtime_stretches_until_the_route_holds_its_emergencies_and_the_new_one() -> None:
    """C01 alone (until 16:00) has line down E1 (20 min) on its route at 15:00; pole H (90 min) alone needs
    35 min of overtime, but with E1 too (H first, where it starts soonest: 15:00:36-16:30:36, 51 s on to E1,
    16:31:27-16:51:27, back 16:52:03) 55 min: within the 60 allowed, so C01 gets 55 and reaches both (the
    grant used to stop at 35 or 40 min and fail); with only 50 allowed it gets none."""
    crew = Crew("C01", "Regu 1", DEPOT[0], DEPOT[1], skills=("mv", "ppe"), members=("M1a", "M1b"))
    line = {"category": Category.LINE_DOWN, "priority": 1, "reported_at": at("14:50")}
    e1 = site_ticket("E1", 0.002, 0.0, skills=("mv",), service_min=20, **line)  # type: ignore[arg-type]
    pole = site_ticket("H", 0.0, 0.002, skills=("mv", "ppe"), service_min=90, **line)  # type: ignore[arg-type]
    shifts = (Shift("C01", DAY, at("15:00"), at("16:00")),)
    inputs = PlanInputs(day=DAY, tickets=(e1, pole), crews=(crew,), shifts=shifts)
    problem = build_problem(inputs, Policy(), as_of=at("15:00")).problem
    reached = reach_on_overtime(problem, {"C01": ["E1"]}, "H", {"C01": 3600})
    assert reached is not None
    assert reached.routes == {"C01": ["H", "E1"]} and reached.grants == {"C01": (55 * 60, ("H",))}
    assert reach_on_overtime(problem, {"C01": ["E1"]}, "H", {"C01": 3000}) is None


def test_an_extension_whose_hazard_went_elsewhere_may_not_run_past_the_shift() -> None:
    """C01 (until 16:00) extended by 35 min: driving pole H (90 min, 36 s each way) it is back 16:31, past
    its rostered end, which no hazard of its own pays for; driving line down E1 (20 min) it is back 15:21."""
    crew = Crew("C01", "Regu 1", DEPOT[0], DEPOT[1], skills=("mv", "ppe"), members=("M1a", "M1b"))
    line = {"category": Category.LINE_DOWN, "priority": 1, "reported_at": at("14:50")}
    e1 = site_ticket("E1", 0.002, 0.0, skills=("mv",), service_min=20, **line)  # type: ignore[arg-type]
    pole = site_ticket("H", 0.0, 0.002, skills=("mv", "ppe"), service_min=90, **line)  # type: ignore[arg-type]
    shifts = (Shift("C01", DAY, at("15:00"), at("16:00")),)
    for job, past in ((pole, True), (e1, False)):
        inputs = PlanInputs(day=DAY, tickets=(job,), crews=(crew,), shifts=shifts)
        rostered = build_problem(inputs, Policy(), as_of=at("15:00")).problem
        wider = _extended(rostered, "C01", 35 * 60)
        solution = solver.solve(wider, reproducible=True, workers=1)
        assert solution.assigned_job_ids() == {job.ticket_id}
        assert _past_rostered_end(rostered, solution, {"C01"}) is past
