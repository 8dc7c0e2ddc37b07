"""Overtime for hazards: a re-plan extends one shift a few minutes to reach a hazard, within the limits."""

from __future__ import annotations

import dataclasses

from dispatch.core.plan import Plan
from dispatch.core.policy import Policy
from dispatch.intraday.model import ReplanInputs
from dispatch.intraday.replan import make_replan
from dispatch.io.sheets.content import read_plan
from dispatch.io.sheets.i18n import Labels
from dispatch.io.sheets.text import shift_text
from tests.dispatch.plan_checker import check_plan
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
