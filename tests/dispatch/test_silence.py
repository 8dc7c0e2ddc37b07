"""The silence rule: what a re-plan assumes about stops planned before its time that nobody reported."""

from __future__ import annotations

import dataclasses
import datetime as dt

from dispatch.core.plan import Plan
from dispatch.core.policy import Policy
from dispatch.core.route import StepProgress
from dispatch.intraday.model import ReplanInputs, VisitFact
from dispatch.intraday.replan import make_replan
from tests.dispatch.plan_checker import check_plan
from tests.dispatch.test_intraday import at, night, ticket, world


def _before(plan: Plan, when) -> dict[str, tuple[str, object]]:
    """Ticket -> (crew, planned start) of every visit the plan had starting before ``when``."""
    return {s.ticket_id: (r.crew_id, s.start) for r, s in plan.visits() if s.ticket_id and s.start < when}


def _rin(inputs, doc: Plan, when, visits=(), extra=()) -> ReplanInputs:
    return ReplanInputs(
        inputs=dataclasses.replace(inputs, tickets=(*inputs.tickets, *extra)),
        previous=doc,
        at=when,
        visits=tuple(visits),
        known_tickets={t.ticket_id: t for t in inputs.tickets},
    )


def test_no_reports_nothing_planned_before_at_moves() -> None:
    """With no reports and new P1 hazards, every stop planned before --at stays on its crew at its time."""
    policy = Policy()
    inputs = world()
    doc = night(inputs, policy)
    when = at("10:00")
    before = _before(doc, when)
    assert len(before) >= 4, "the fixture must have morning stops"
    hazards = [ticket(f"P1-{k}", 0.004 * k, -0.003 * k, priority=1, reported_at=at("09:30")) for k in (1, 2)]
    replan = make_replan(_rin(inputs, doc, when, extra=hazards), policy, time_limit=3, reproducible=True, workers=1)
    new = replan.plan
    after = {s.ticket_id: (r.crew_id, s.start, s.progress) for r, s in new.visits()}
    for tid, (crew, start) in before.items():
        assert after[tid] == (crew, start, StepProgress.UNCONFIRMED), tid
    assert sorted(s.ticket_id for _, s in new.visits() if s.ticket_id in before) == sorted(before)
    per_crew = {c: sum(1 for cc, _ in before.values() if cc == c) for c in {c for c, _ in before.values()}}
    assert {c: ch.unconfirmed for c, ch in replan.changes.items() if ch.unconfirmed} == per_crew
    assert replan.plan.to_json()["changes"][next(iter(per_crew))]["unconfirmed"] == per_crew[next(iter(per_crew))]
    assert (
        check_plan(
            new.with_(plan_id=2, created_at=when).to_json(), _rin(inputs, doc, when, extra=hazards).inputs, policy
        )
        == []
    )


def test_unconfirmed_exposure_counts_against_today() -> None:
    """An unconfirmed home entry counts against the crew's caps: a crew at its cap gets no more homes."""
    policy = Policy().with_overrides({"exposure.max_homes_per_shift": 2})
    inputs = world()
    doc = night(inputs, policy)
    when = at("12:00")
    homes = {r.crew_id: sum(1 for s in r.visits if s.indoor and s.start < when) for r in doc.routes}
    new = make_replan(_rin(inputs, doc, when), policy, time_limit=3, reproducible=True, workers=1).plan
    for r in new.routes:
        assert r.summary.homes_entered <= 2
        assert sum(1 for s in r.visits if s.progress is StepProgress.UNCONFIRMED and s.indoor) == homes[r.crew_id]


def test_not_done_policy_replans_silent_stops() -> None:
    """With intraday.unreported = "not_done" nothing is unconfirmed: silent stops are planned again."""
    policy = Policy().with_overrides({"intraday.unreported": "not_done"})
    inputs = world()
    doc = night(inputs, policy)
    new = make_replan(_rin(inputs, doc, at("10:00")), policy, time_limit=3, reproducible=True, workers=1).plan
    assert not any(s.progress for _, s in new.visits())
    assert all(s.start >= at("10:00") for _, s in new.visits())


def test_reports_freeze_done_and_return_not_done_with_reason() -> None:
    """A done report freezes as done; a not-done one stays as it happened, its ticket returned with the outcome."""
    policy = Policy()
    inputs = world()
    doc = night(inputs, policy)
    when = at("10:00")
    before = sorted(((r.crew_id, s) for r, s in doc.visits() if s.start < when), key=lambda cs: cs[1].start)
    (c1, done), (c2, failed) = before[0], before[1]
    facts = [
        VisitFact(done.ticket_id, c1, done.start, done.end, done.indoor, "fixed"),
        VisitFact(
            failed.ticket_id, c2, failed.start, failed.start + (failed.end - failed.start) / 3, False, "needs_material"
        ),
    ]
    # A fixed ticket is closed (not open any more); the needs-material one is open again (for the next day).
    open_inputs = dataclasses.replace(inputs, tickets=tuple(t for t in inputs.tickets if t.ticket_id != done.ticket_id))
    rin = dataclasses.replace(
        _rin(open_inputs, doc, when, visits=facts), known_tickets={t.ticket_id: t for t in inputs.tickets}
    )
    new = make_replan(rin, policy, time_limit=3, reproducible=True, workers=1).plan
    steps = {s.ticket_id: (r.crew_id, s) for r, s in new.visits()}
    assert steps[done.ticket_id][0] == c1 and steps[done.ticket_id][1].progress is StepProgress.DONE
    assert steps[failed.ticket_id][0] == c2 and steps[failed.ticket_id][1].outcome == "needs_material"
    assert [s.ticket_id for _, s in new.visits()].count(failed.ticket_id) == 1
    returned = {u.ticket_id: u for u in new.unassigned}
    assert returned[failed.ticket_id].reason == "needs_material"
    assert c2 in returned[failed.ticket_id].detail
    others = {s.ticket_id for _, s in before[2:]}
    assert all(steps[t][1].progress is StepProgress.UNCONFIRMED for t in others)


def test_stop_overlapping_a_reported_overrun_is_planned_again() -> None:
    """The stop after an overrun (its planned time overlaps the reported visit) is not assumed done: re-planned."""
    policy = Policy()
    inputs = world()
    doc = night(inputs, policy)
    crew = max(doc.routes, key=lambda r: r.summary.visits)
    first, second = crew.visits[0], crew.visits[1]
    left = second.start + dt.timedelta(minutes=20)  # the first visit ran into the second's planned time
    facts = [VisitFact(first.ticket_id, crew.crew_id, first.start, left, first.indoor, "fixed")]
    open_inputs = dataclasses.replace(
        inputs, tickets=tuple(t for t in inputs.tickets if t.ticket_id != first.ticket_id)
    )
    rin = dataclasses.replace(
        _rin(open_inputs, doc, left, visits=facts), known_tickets={t.ticket_id: t for t in inputs.tickets}
    )
    new = make_replan(rin, policy, time_limit=3, reproducible=True, workers=1).plan
    step = next(s for _, s in new.visits() if s.ticket_id == second.ticket_id)
    assert step.progress is None and step.start >= left
