"""Emergencies first: a fresh hazard is never crowded out while a crew could reach it by displacing ordinary work."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import solver
from dispatch.core.domain import Category, Crew, PlanInputs, Shift, Ticket
from dispatch.core.plan import Plan
from dispatch.core.policy import Policy
from dispatch.intraday.collapse import collapsed, search_again_if_collapsed
from dispatch.intraday.emergencies import crowded_out_emergencies, emergencies_first
from dispatch.intraday.model import ReplanInputs, VisitFact
from dispatch.intraday.parts import prepare
from dispatch.intraday.replan import make_replan
from dispatch.intraday.warmstart import insert_before_less_urgent, insert_emergencies
from dispatch.planning.build import build_problem
from dispatch.planning.nightly import make_plan
from solver.checker import check as solver_check
from solver.diagnose import explain_all
from tests.dispatch.plan_checker import check_plan

TZ = ZoneInfo("Asia/Jakarta")
DAY = dt.date(2026, 11, 30)
DEPOT = (-6.72, 108.55)


def at(hhmm: str) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time.fromisoformat(hhmm), tzinfo=TZ)


def ticket(tid: str, dlat: float, dlon: float, **kw: object) -> Ticket:
    values: dict[str, object] = {
        "ticket_id": tid,
        "reported_at": at("00:00") - dt.timedelta(hours=5),
        "category": Category.TREE,
        "lat": DEPOT[0] + dlat,
        "lon": DEPOT[1] + dlon,
        "priority": 3,
        "service_min": 60,
        "indoor": False,
    }
    values.update(kw)
    return Ticket(**values)  # type: ignore[arg-type]


def seed3_in_miniature() -> tuple[PlanInputs, Ticket]:
    """Seed 3 at 13:30 in miniature: C15 (the only mv crew) and C02 each have a day full of hour-long
    tree jobs (P3) around the depot; a line down needing mv is reported at 13:16 about 3 km away."""
    crews = (
        Crew("C15", "Regu 15", DEPOT[0], DEPOT[1], skills=("mv",), members=("M15a", "M15b")),
        Crew("C02", "Regu 2", DEPOT[0], DEPOT[1], skills=(), members=("M2a", "M2b")),
    )
    shifts = tuple(Shift(c.crew_id, DAY, at("08:00"), at("16:00")) for c in crews)
    backlog = tuple(ticket(f"T{k:02d}", 0.002 * (k % 5), 0.002 * (k // 5)) for k in range(18))
    hazard = ticket(
        "DAY-00005", 0.02, 0.015, category=Category.LINE_DOWN, priority=1, skills=("mv",), reported_at=at("13:16")
    )
    return PlanInputs(day=DAY, tickets=backlog, crews=crews, shifts=shifts), hazard


def progress(plan: Plan, now: dt.datetime) -> tuple[VisitFact, ...]:
    """Every crew followed the plan exactly until ``now``."""
    out = []
    for r in plan.routes:
        for s in r.visits:
            if s.arrival <= now:
                left = s.end if s.end <= now else None
                out.append(VisitFact(s.ticket_id or "", r.crew_id, s.arrival, left, s.indoor, "fixed"))
    return tuple(out)


def replan_inputs(policy: Policy) -> tuple[ReplanInputs, PlanInputs]:
    inputs, hazard = seed3_in_miniature()
    night = make_plan(inputs, policy, time_limit=5, reproducible=True, workers=1).plan.with_(plan_id=1)
    assert not night.unassigned or all(u.reason == "crowded_out" for u in night.unassigned)
    now = at("13:30")
    day = dataclasses.replace(inputs, tickets=(*inputs.tickets, hazard))
    facts = progress(night, now)
    done = {f.ticket_id for f in facts if f.left_at is not None}
    open_now = dataclasses.replace(day, tickets=tuple(t for t in day.tickets if t.ticket_id not in done))
    rin = ReplanInputs(
        inputs=open_now, previous=night, at=now, visits=facts, known_tickets={t.ticket_id: t for t in day.tickets}
    )
    return rin, day


def test_fresh_hazard_displaces_ordinary_work_on_the_only_skilled_crew() -> None:
    """Seed 3 in miniature: the 13:16 line down goes to C15 (ordinary stops give way), checked independently."""
    policy = Policy()
    rin, day = replan_inputs(policy)
    plan = make_replan(rin, policy, time_limit=3, reproducible=True, workers=1).plan
    step = next(s for r in plan.routes for s in r.steps if s.ticket_id == "DAY-00005")
    assert step.emergency and next(r.crew_id for r in plan.routes if step in r.steps) == "C15"
    assert step.arrival - at("13:16") <= dt.timedelta(hours=3)
    assert "DAY-00005" not in {u.ticket_id for u in plan.unassigned}
    # Only ordinary (P3) work was left out to make room.
    assert all(day_ticket.priority == 3 for day_ticket in day.tickets if day_ticket.ticket_id in {
        u.ticket_id for u in plan.unassigned})  # fmt: skip
    problems = [p for p in check_plan(plan.to_json(), day, policy) if "frozen" not in p]
    assert problems == []
    # The promised stops C15 gave up are named, with why, on C15's change (and survive the JSON).
    change = plan.revision_of.changes["C15"] if plan.revision_of else None
    assert change is not None and change.dropped and set(change.dropped_why) == set(change.dropped)
    assert set(change.dropped_why.values()) <= {"crowded_out", "shift_too_short"}
    assert Plan.from_json(plan.dumps()).revision_of.changes["C15"].dropped_why == change.dropped_why  # type: ignore[union-attr]


def test_promised_job_outlasts_an_equal_unpromised_one() -> None:
    """Room for one of two P3 jobs: the one promised to the crew stays, though the other is nearer."""
    for promised, kept in ((False, "NEAR"), (True, "FAR")):
        m = solver.Model()
        depot, near, far = m.add_site(x=0, y=0), m.add_site(x=100, y=0), m.add_site(x=400, y=0)
        m.add_crew(id="A", start=depot, shift=solver.TimeWindow(0, 2000))
        m.add_job(id="NEAR", site=near, service=1000)
        m.add_job(id="FAR", site=far, service=1000, promised=promised)
        sol = solver.solve(m.build(solver.EuclideanTravel()), reproducible=True, workers=1)
        assert sol.route_of("A").job_ids() == (kept,)


def test_rescue_places_a_crowded_out_emergency_the_search_lost() -> None:
    """A search that stopped at its warm start (the hazard crowded out) is repaired: the hazard goes to C15."""
    policy = Policy()
    rin, _ = replan_inputs(policy)
    at_ = rin.at
    build = build_problem(
        dataclasses.replace(rin.inputs, shifts=tuple(dataclasses.replace(s, start=at_) for s in rin.inputs.shifts)),
        policy,
        as_of=at_,
    )
    part = prepare(
        build, previous=rin.previous, prev_crew_of={}, tickets={t.ticket_id: t for t in rin.inputs.tickets},
        policy=policy, origin=at("00:00"), move_cost_s=0, reorder_cost_s=0,
    )  # fmt: skip
    problem = part.build.problem
    # The search's luck: solved as if the hazard were the least urgent job, it is left out, crowded out.
    low = dataclasses.replace(
        problem,
        jobs=tuple(dataclasses.replace(j, priority=4, urgency=0) if j.priority == 0 else j for j in problem.jobs),
    )
    luckless = solver.solve(low, reproducible=True, workers=1)
    dropped = [u.job_id for u in luckless.unassigned]
    assert "DAY-00005" in dropped
    lost = dataclasses.replace(luckless, unassigned=explain_all(problem, dropped, luckless.routes))
    assert crowded_out_emergencies(problem, lost) == ["DAY-00005"]
    fixed, notes = emergencies_first([part], [lost])
    route = fixed[0].route_of("C15")
    assert "DAY-00005" in route.job_ids()
    assert not crowded_out_emergencies(problem, fixed[0]) and "DAY-00005" in notes[0].tickets
    assert solver_check(problem, fixed[0]) == []


def test_a_search_that_dropped_everything_is_searched_again() -> None:
    """A solution serving under half the warm start (seen under heavy load) is replaced by a second search."""
    policy = Policy()
    rin, _ = replan_inputs(policy)
    build = build_problem(rin.inputs, policy, as_of=rin.at)
    part = prepare(
        build, previous=rin.previous, prev_crew_of={}, tickets={t.ticket_id: t for t in rin.inputs.tickets},
        policy=policy, origin=at("00:00"), move_cost_s=0, reorder_cost_s=0,
    )  # fmt: skip
    problem = part.build.problem
    idle = dataclasses.replace(
        problem, crews=tuple(dataclasses.replace(c, shift=solver.TimeWindow(0, 0)) for c in problem.crews)
    )
    empty = solver.solve(idle, reproducible=True, workers=1)
    # As the real problem explains it: every job would fit some crew alone, none is served.
    empty = dataclasses.replace(empty, unassigned=explain_all(problem, [j.id for j in problem.jobs], empty.routes))
    assert not empty.assigned_job_ids() and collapsed(part, empty)
    fixed, notes = search_again_if_collapsed([part], [empty], time_limit=2, reproducible=True, workers=1)
    assert len(fixed[0].assigned_job_ids()) * 2 >= sum(len(r) for r in part.initial.values()) and notes


def test_least_urgent_stop_gives_way_to_a_hazard_not_a_backlog_p1() -> None:
    """A hazard put on a full route pushes out the P4 on it, not the backlog P1 that comes after it."""
    crew = Crew("C15", "Regu 15", DEPOT[0], DEPOT[1], skills=("mv",), members=("M15a", "M15b"))
    old_p1 = ticket("T1", 0.002, 0.0, category=Category.LINE_DOWN, priority=1, skills=("mv",))
    p4 = ticket("T4", 0.0, 0.002, priority=4)
    hazard = ticket(
        "DAY-00001", 0.002, 0.002, category=Category.LINE_DOWN, priority=1, skills=("mv",), reported_at=at("12:50")
    )
    inputs = PlanInputs(
        day=DAY, tickets=(old_p1, p4, hazard), crews=(crew,), shifts=(Shift("C15", DAY, at("13:00"), at("16:00")),)
    )
    problem = build_problem(inputs, Policy(), as_of=at("13:00")).problem
    assert [problem.job(j).priority for j in ("DAY-00001", "T1", "T4")] == [0, 1, 4]
    assert insert_emergencies(problem, {"C15": ["T4", "T1"]}) == {"C15": ["DAY-00001", "T1"]}


def test_backlog_p1_goes_back_where_only_less_urgent_stops_give_way() -> None:
    """A crowded-out backlog P1 takes a P2's place on a full route, never another P1's."""
    crews = (
        Crew("C01", "Regu 1", DEPOT[0], DEPOT[1], skills=("mv",), members=("M1a", "M1b")),
        Crew("C02", "Regu 2", DEPOT[0], DEPOT[1], skills=("mv",), members=("M2a", "M2b")),
    )
    line = {"category": Category.LINE_DOWN, "priority": 1, "skills": ("mv",)}
    p1s = tuple(ticket(f"P1-{k}", 0.002 * k, 0.0, **line) for k in range(5))  # type: ignore[arg-type]
    p2s = tuple(ticket(f"P2-{k}", 0.0, 0.002 * k, priority=2) for k in range(3))
    shifts = tuple(Shift(c.crew_id, DAY, at("13:00"), at("16:00")) for c in crews)
    inputs = PlanInputs(day=DAY, tickets=(*p1s, *p2s), crews=crews, shifts=shifts)
    problem = build_problem(inputs, Policy(), as_of=at("13:00")).problem
    routes = {"C01": ["P1-0", "P1-1"], "C02": ["P2-0", "P2-1"]}
    fixed = insert_before_less_urgent(problem, routes, ["P1-3"])
    assert fixed["C01"] == ["P1-0", "P1-1"]
    assert "P1-3" in fixed["C02"] and len(fixed["C02"]) == 2
    full = {"C01": ["P1-0", "P1-1"], "C02": ["P1-2", "P2-0"]}
    assert insert_before_less_urgent(problem, full, ["P1-3"])["C01"] == ["P1-0", "P1-1"]
    assert sorted(insert_before_less_urgent(problem, full, ["P1-3"])["C02"]) == ["P1-2", "P1-3"]
    all_p1 = {"C01": ["P1-0", "P1-1"], "C02": ["P1-2", "P1-3"]}
    assert insert_before_less_urgent(problem, all_p1, ["P1-4"]) == all_p1


def test_hazard_goes_where_it_spares_the_backlog_when_both_crews_reach_it_in_time() -> None:
    """Two skilled crews reach a hazard at once: with response targets it goes on the one whose day
    is P2s (a P2 gives way), not the one whose day is backlog P1s; without, to the first crew listed."""
    crews = tuple(
        Crew(c, f"Regu {c}", DEPOT[0], DEPOT[1], skills=("mv",), members=(f"{c}a", f"{c}b")) for c in ("C01", "C02")
    )
    line = {"category": Category.LINE_DOWN, "priority": 1, "skills": ("mv",)}
    p1s = tuple(ticket(f"P1-{k}", 0.002 * k, 0.0, **line) for k in range(2))  # type: ignore[arg-type]
    p2s = tuple(ticket(f"P2-{k}", 0.0, 0.002 * (k + 1), priority=2) for k in range(2))
    hazard = ticket("DAY-00001", 0.002, 0.002, reported_at=at("12:50"), **line)  # type: ignore[arg-type]
    shifts = tuple(Shift(c.crew_id, DAY, at("13:00"), at("16:00")) for c in crews)
    inputs = PlanInputs(day=DAY, tickets=(*p1s, *p2s, hazard), crews=crews, shifts=shifts)
    problem = build_problem(inputs, Policy(), as_of=at("13:00")).problem
    routes = {"C01": ["P1-0", "P1-1"], "C02": ["P2-0", "P2-1"]}
    target = int((at("15:50") - at("00:00")).total_seconds())
    spared = insert_emergencies(problem, routes, {"DAY-00001": target})
    assert spared["C01"] == ["P1-0", "P1-1"] and "DAY-00001" in spared["C02"] and len(spared["C02"]) == 2
    assert "DAY-00001" in insert_emergencies(problem, routes)["C01"]


def test_a_hazard_does_not_push_another_past_its_target_when_a_crew_reaches_it_in_time() -> None:
    """Seed 3's 10:53 line down in miniature: C01 (at the depot) has line down E1 (60 min, target 13:30) and
    would reach H next door first (13:00:36), but E1 would then start 14:01, past its target; C02, 2.2 km
    away, reaches H at 13:0x, within its 14:00 target, so H goes to C02. Without targets: C01, H first."""
    crews = (
        Crew("C01", "Regu 1", DEPOT[0], DEPOT[1], skills=("mv",), members=("M1a", "M1b")),
        Crew("C02", "Regu 2", DEPOT[0] + 0.02, DEPOT[1], skills=("mv",), members=("M2a", "M2b")),
    )
    line = {"category": Category.LINE_DOWN, "priority": 1, "skills": ("mv",), "reported_at": at("10:50")}
    e1 = ticket("E1", 0.002, 0.0, **line)  # type: ignore[arg-type]
    hazard = ticket("H", 0.002, 0.002, **line)  # type: ignore[arg-type]
    shifts = tuple(Shift(c.crew_id, DAY, at("13:00"), at("18:00")) for c in crews)
    inputs = PlanInputs(day=DAY, tickets=(e1, hazard), crews=crews, shifts=shifts)
    problem = build_problem(inputs, Policy(), as_of=at("13:00")).problem
    targets = {j: int((at(t) - at("00:00")).total_seconds()) for j, t in (("E1", "13:30"), ("H", "14:00"))}
    assert insert_emergencies(problem, {"C01": ["E1"], "C02": []}, targets) == {"C01": ["E1"], "C02": ["H"]}
    assert insert_emergencies(problem, {"C01": ["E1"], "C02": []}) == {"C01": ["H", "E1"], "C02": []}
