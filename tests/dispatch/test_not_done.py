"""A stop reported not done: what the re-plan does with it by reason (dispatch.intraday.not_done)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from dispatch.core.domain import PlanInputs
from dispatch.core.plan import Plan
from dispatch.core.policy import Policy
from dispatch.core.route import Step
from dispatch.intraday.model import Replan, ReplanInputs, VisitFact
from dispatch.intraday.parts import promised_stops
from dispatch.intraday.replan import make_replan
from tests.dispatch.plan_checker import check_plan
from tests.dispatch.test_intraday import at, night, world


def _world(skills: dict[str, tuple[str, ...]] | None = None) -> PlanInputs:
    inputs = world()
    if skills is None:
        return inputs
    crews = tuple(dataclasses.replace(c, skills=skills.get(c.crew_id, c.skills)) for c in inputs.crews)
    return dataclasses.replace(inputs, crews=crews)


def _first_stop(doc: Plan, crew_id: str | None = None) -> tuple[str, Step]:
    """The earliest planned visit (of ``crew_id``, if given)."""
    return min(((r.crew_id, s) for r, s in doc.visits() if crew_id in (None, r.crew_id)), key=lambda cs: cs[1].start)


def _report(
    inputs: PlanInputs, doc: Plan, facts: list[VisitFact], when: dt.datetime, policy: Policy
) -> tuple[Replan, ReplanInputs]:
    rin = ReplanInputs(
        inputs=inputs,
        previous=doc,
        at=when,
        visits=tuple(facts),
        known_tickets={t.ticket_id: t for t in inputs.tickets},
    )
    return make_replan(rin, policy, time_limit=3, reproducible=True, workers=1), rin


def _not_done(crew: str, step: Step, outcome: str, minutes: int = 10) -> VisitFact:
    return VisitFact(step.ticket_id or "", crew, step.start, step.start + dt.timedelta(minutes=minutes), False, outcome)


def _remainder_problems(plan: Plan, inputs: PlanInputs, policy: Policy) -> list[str]:
    """The independent checker on what the revision planned (the frozen visits, as they happened, left out)."""
    doc = plan.with_(plan_id=2, created_at=at("10:00")).to_json()
    for r in doc["routes"]:
        r["steps"] = [s for s in r["steps"] if "progress" not in s]
    return check_plan(doc, inputs, policy)


def _new_stops(plan: Plan, tid: str) -> list[tuple[str, Step]]:
    """The stops of ``tid`` planned (not frozen) in ``plan``."""
    return [(r.crew_id, s) for r, s in plan.visits() if s.ticket_id == tid and s.progress is None]


def test_not_home_offered_again_later_once() -> None:
    """Not home once: planned again after the report the same day; twice: unassigned for the next day."""
    policy = Policy().with_overrides({"intraday.unreported": "not_done"})
    inputs = _world()
    doc = night(inputs, policy)
    crew, step = _first_stop(doc)
    first = _not_done(crew, step, "not_home")
    replan, rin = _report(inputs, doc, [first], at("10:00"), policy)
    again = _new_stops(replan.plan, step.ticket_id or "")
    assert len(again) == 1 and again[0][1].start >= at("10:00")
    record = replan.revision.not_done[0]
    assert (record.ticket_id, record.action, record.crew_now) == (step.ticket_id, "reoffered", again[0][0])
    assert replan.plan.to_json()["not_done"][0]["action"] == "reoffered"
    assert Plan.from_json(replan.plan.with_(plan_id=2).to_json()).revision_of == replan.revision
    assert _remainder_problems(replan.plan, rin.inputs, policy) == []
    second = VisitFact(first.ticket_id, again[0][0], at("11:00"), at("11:05"), False, "not_home")
    later, _ = _report(inputs, replan.plan, [first, second], at("11:30"), policy)
    assert _new_stops(later.plan, first.ticket_id) == []
    assert {u.ticket_id: u.reason for u in later.plan.unassigned}[first.ticket_id] == "not_home"
    assert later.revision.not_done[0].action == "next_day"


def test_needs_skill_goes_to_a_crew_with_another_skill() -> None:
    """Needs another skill: offered to a crew with a skill the reporter lacks, never the reporter; skill noted."""
    policy = Policy().with_overrides({"intraday.unreported": "not_done"})
    inputs = _world({"C03": ("mv", "ppe")})
    doc = night(inputs, policy)
    crew, step = _first_stop(doc, "C01")
    replan, rin = _report(inputs, doc, [_not_done("C01", step, "needs_skill")], at("10:00"), policy)
    again = _new_stops(replan.plan, step.ticket_id or "")
    assert [c for c, _ in again] == ["C03"]
    record = replan.revision.not_done[0]
    assert (record.action, record.crew_now, record.skills, record.excluded) == ("reoffered", "C03", ("ppe",), ("C01",))
    assert _remainder_problems(replan.plan, rin.inputs, policy) == []


def test_needs_skill_with_no_other_skill_on_shift_waits() -> None:
    """Needs another skill when every crew on shift has only the reporter's skills: unassigned, next day."""
    policy = Policy().with_overrides({"intraday.unreported": "not_done"})
    inputs = _world()
    doc = night(inputs, policy)
    crew, step = _first_stop(doc)
    replan, _ = _report(inputs, doc, [_not_done(crew, step, "needs_skill")], at("10:00"), policy)
    assert _new_stops(replan.plan, step.ticket_id or "") == []
    why = {u.ticket_id: u for u in replan.plan.unassigned}[step.ticket_id or ""]
    assert why.reason == "needs_skill" and crew in why.detail
    assert replan.revision.not_done[0].action == "next_day"


def test_needs_material_and_unsafe_not_offered_today() -> None:
    """Needs material: back to open for the next day; unsafe: flagged; neither planned again today."""
    policy = Policy().with_overrides({"intraday.unreported": "not_done"})
    inputs = _world()
    doc = night(inputs, policy)
    stops = sorted(((r.crew_id, s) for r, s in doc.visits()), key=lambda cs: cs[1].start)
    (c1, s1), (c2, s2) = stops[0], stops[1]
    facts = [_not_done(c1, s1, "needs_material"), _not_done(c2, s2, "unsafe")]
    replan, _ = _report(inputs, doc, facts, at("10:00"), policy)
    for s in (s1, s2):
        assert _new_stops(replan.plan, s.ticket_id or "") == []
    reasons = {u.ticket_id: u.reason for u in replan.plan.unassigned}
    assert reasons[s1.ticket_id] == "needs_material" and reasons[s2.ticket_id] == "unsafe"
    actions = {n.ticket_id: n.action for n in replan.revision.not_done}
    assert actions == {s1.ticket_id: "next_day", s2.ticket_id: "flagged"}


def test_ticket_offered_again_stays_put_in_the_next_replan() -> None:
    """The next re-plan keeps a re-offered stop on the crew it went to, and the reporter's route as it was."""
    policy = Policy().with_overrides({"intraday.unreported": "not_done"})
    inputs = _world({"C03": ("mv", "ppe")})
    doc = night(inputs, policy)
    _, step = _first_stop(doc, "C01")
    facts = [_not_done("C01", step, "needs_skill")]
    first, _ = _report(inputs, doc, facts, at("10:00"), policy)
    second, _ = _report(inputs, first.plan.with_(plan_id=2), facts, at("10:05"), policy)
    assert [c for c, _ in _new_stops(second.plan, step.ticket_id or "")] == ["C03"]
    assert second.stops_changed == 0, {c: ch.summary for c, ch in second.changes.items() if ch.changed}
    # Not home: offered to any crew; its finished visit on the reporter's route is no promised stop.
    policy = Policy().with_overrides({"intraday.unreported": "not_done"})
    facts = [_not_done("C01", step, "not_home")]
    first, _ = _report(inputs, doc, facts, at("10:00"), policy)
    [(crew_now, _)] = _new_stops(first.plan, step.ticket_id or "")
    # The warm start and the promised crew see it once, on the crew it went to (two crews' warm starts
    # holding one job would be refused as a whole).
    ahead = promised_stops(first.plan)
    assert [c for c, ts in ahead.items() if step.ticket_id in ts] == [crew_now]
    second, _ = _report(inputs, first.plan.with_(plan_id=2), facts, at("10:05"), policy)
    assert [c for c, _ in _new_stops(second.plan, step.ticket_id or "")] == [crew_now]
    assert second.stops_changed == 0, {c: ch.summary for c, ch in second.changes.items() if ch.changed}
