"""Intraday re-planning: frozen progress, stable routes, caps counting today's exposure, revisions, ETAs."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

import solver
from dispatch.core.domain import Category, Crew, PlanInputs, Shift, Ticket
from dispatch.core.notes import NoteKind, RevisionNote
from dispatch.core.plan import Plan, Revision
from dispatch.core.policy import Policy
from dispatch.core.route import Step, StepProgress, StepType
from dispatch.intraday.compare import compare_plans
from dispatch.intraday.forecast import eta_window
from dispatch.intraday.model import IntradayError, Position, Replan, ReplanInputs, VisitFact
from dispatch.intraday.persist import load_replan_inputs, save_replan
from dispatch.intraday.replan import make_replan
from dispatch.planning.nightly import make_plan
from dispatch.planning.persist import save_plan
from dispatch.planning.solve import PartsDone
from dispatch.store.models.crews import CrewMemberRow, CrewRow, ShiftRow
from dispatch.store.models.plans import PlanRow, plan_of
from dispatch.store.models.tickets import TicketRow
from dispatch.usecases.nightly import publish

TZ = ZoneInfo("Asia/Jakarta")
DAY = dt.date(2026, 11, 30)
DEPOT = (-6.72, 108.55)


def at(hhmm: str) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time.fromisoformat(hhmm), tzinfo=TZ)


def ticket(tid: str, dlat: float, dlon: float, *, priority: int = 3, indoor: bool = False, **kw: object) -> Ticket:
    values: dict[str, object] = {
        "ticket_id": tid,
        "reported_at": at("00:00") - dt.timedelta(hours=5),
        "category": Category.PARTIAL_POWER if indoor else Category.TREE,
        "lat": DEPOT[0] + dlat,
        "lon": DEPOT[1] + dlon,
        "priority": priority,
        "service_min": 30,
        "indoor": indoor,
    }
    values.update(kw)
    return Ticket(**values)  # type: ignore[arg-type]


def world(n_crews: int = 3) -> PlanInputs:
    """Three crews at one depot, 08:00-16:00; nine tickets within ~5 km, three of them indoor."""
    crews = tuple(
        Crew(f"C0{i}", f"Regu {i}", DEPOT[0], DEPOT[1], skills=("mv",), members=(f"M{i}a", f"M{i}b"))
        for i in range(1, n_crews + 1)
    )
    shifts = tuple(Shift(c.crew_id, DAY, at("08:00"), at("16:00")) for c in crews)
    offsets = [(0.01, 0.0), (0.02, 0.01), (-0.01, 0.02), (0.0, -0.02), (-0.02, -0.01), (0.015, -0.015)]
    offsets += [(-0.015, 0.015), (0.025, 0.0), (0.0, 0.03)]
    tickets = tuple(ticket(f"T{k + 1:02d}", dlat, dlon, indoor=k % 3 == 0) for k, (dlat, dlon) in enumerate(offsets))
    return PlanInputs(day=DAY, tickets=tickets, crews=crews, shifts=shifts)


def night(inputs: PlanInputs, policy: Policy) -> Plan:
    return make_plan(inputs, policy, time_limit=5, reproducible=True, workers=1).plan.with_(plan_id=1)


def visits_of(doc: Plan, crew: str) -> list[Step]:
    return [s for r in doc.routes if r.crew_id == crew for s in r.steps if s.type is StepType.VISIT]


def served(doc: Plan) -> dict[str | None, str]:
    return {s.ticket_id: r.crew_id for r in doc.routes for s in r.steps if s.type is StepType.VISIT}


def progress_on(doc: Plan, crew: str, until: dt.datetime) -> list[VisitFact]:
    """Visits of ``crew`` as planned up to ``until``: done, and the last one under way if it has not ended."""
    out = []
    for s in visits_of(doc, crew):
        arrival, end = s.arrival, s.end
        if arrival > until:
            break
        out.append(VisitFact(s.ticket_id, crew, arrival, end if end <= until else None, s.indoor, "fixed"))
    return out


def busiest(doc: Plan) -> str:
    return max(doc.routes, key=lambda r: (r.summary.visits, r.crew_id)).crew_id


def test_a_stop_moved_to_another_crew_counts_once_in_the_replan() -> None:
    """Both crews' changes list a moved stop (out of one, into the other); the re-plan counts it once."""
    doc = night(world(), Policy())
    old = {r.crew_id: [s.ticket_id for s in r.visits] for r in doc.routes}
    giver = busiest(doc)
    taker = next(c for c in old if c != giver)
    moved = old[giver][-1]
    step = next(s for r in doc.routes if r.crew_id == giver for s in r.visits if s.ticket_id == moved)

    def edited(r):  # noqa: ANN001, ANN202
        if r.crew_id == giver:
            return dataclasses.replace(r, steps=tuple(s for s in r.steps if s.ticket_id != moved))
        if r.crew_id == taker:  # the moved stop last before the crew's end
            return dataclasses.replace(r, steps=(*r.steps[:-1], step, r.steps[-1]))
        return r

    new = doc.with_(routes=tuple(edited(r) for r in doc.routes))
    changes = compare_plans(doc, new, frozen=set())
    assert changes[giver].moved_out == {moved: taker} and changes[taker].moved_in == {moved: giver}
    revision = Revision(None, at("10:00"), False, changes, (), {}, ())
    assert Replan(new.with_(revision_of=revision), 0, 0.0).stops_changed == 1


def test_frozen_visits_never_move_or_change_crew() -> None:
    """Done and under-way visits stay first on their crew, at the recorded times, and nowhere else."""
    policy = Policy()
    inputs = world()
    doc = night(inputs, policy)
    crew = busiest(doc)
    first_two = visits_of(doc, crew)[:2]
    now = first_two[1].arrival + dt.timedelta(minutes=5)
    facts = progress_on(doc, crew, now)
    assert [f.left_at is None for f in facts] == [False, True]
    new_p1 = ticket("NEW1", -0.005, 0.005, priority=1, reported_at=now - dt.timedelta(minutes=10))
    rin = ReplanInputs(
        inputs=dataclasses.replace(inputs, tickets=(*inputs.tickets, new_p1)),
        previous=doc,
        at=now,
        visits=tuple(facts),
        known_tickets={t.ticket_id: t for t in inputs.tickets},
    )
    new = make_replan(rin, policy, time_limit=5, reproducible=True, workers=1).plan
    steps = visits_of(new, crew)
    assert [s.ticket_id for s in steps[:2]] == [f.ticket_id for f in facts]
    assert [s.progress for s in steps[:2]] == ["done", "under_way"]
    assert steps[0].arrival == facts[0].arrived_at
    everywhere = [s.ticket_id for r in new.routes for s in r.steps if s.type is StepType.VISIT]
    assert all(everywhere.count(f.ticket_id) == 1 for f in facts)
    # Nothing new starts before the under-way visit ends.
    assert steps[2].arrival >= facts[1].arrived_at + dt.timedelta(minutes=30)


def test_crew_between_stops_is_not_sent_back_to_its_last_stop() -> None:
    """Re-planned halfway through a drive, with no position reported, the crew still arrives on time."""
    policy = Policy()
    inputs = world()
    doc = night(inputs, policy)
    crew = busiest(doc)
    first, second = visits_of(doc, crew)[:2]
    left = first.end
    arrival = second.arrival
    assert arrival - left >= dt.timedelta(minutes=4)  # a drive worth checking
    now = left + (arrival - left) / 2
    done = VisitFact(first.ticket_id, crew, first.arrival, left, first.indoor)
    rin = ReplanInputs(inputs=inputs, previous=doc, at=now, visits=(done,))
    new = make_replan(rin, policy, time_limit=5, reproducible=True, workers=1).plan
    step = next(s for s in visits_of(new, crew) if s.ticket_id == second.ticket_id)
    assert abs(step.arrival - arrival) <= dt.timedelta(minutes=1)


def test_lunch_begun_stays_taken_through_later_replans() -> None:
    """A break begun before a re-plan stays on the route, once, and is not planned a second time later."""
    policy = Policy()
    base = world()
    shifts = tuple(
        dataclasses.replace(s, break_start=at("11:30"), break_end=at("13:30"), break_min=60) for s in base.shifts
    )
    many = tuple(ticket(f"X{k:02d}", 0.004 * (k % 7) - 0.012, 0.005 * (k // 7) - 0.01) for k in range(21))
    inputs = dataclasses.replace(base, shifts=shifts, tickets=(*base.tickets, *many))
    doc = night(inputs, policy)
    crew = busiest(doc)
    brk = next(s for r in doc.routes if r.crew_id == crew for s in r.steps if s.type is StepType.BREAK)
    taken = brk.start
    previous = doc
    for when in (taken + dt.timedelta(minutes=10), taken + dt.timedelta(minutes=90)):
        facts = tuple(v for r in previous.routes for v in progress_on(previous, r.crew_id, when))
        rin = ReplanInputs(inputs=inputs, previous=previous, at=when, visits=facts)
        new = make_replan(rin, policy, time_limit=5, reproducible=True, workers=1).plan
        route = next(r for r in new.routes if r.crew_id == crew)
        breaks = [s for s in route.steps if s.type is StepType.BREAK]
        assert [b.start for b in breaks] == [brk.start], when
        assert route.break_taken is not None and route.break_taken.start == brk.start
        for s in route.steps:
            if s.type is StepType.VISIT:  # no visit overlaps the lunch hour
                assert s.end <= brk.start or s.arrival >= brk.end
        previous = new


def test_warm_start_takes_lunch_on_the_way_like_the_solver() -> None:
    """A promised stop reached only by lunching during the drive stays in the warm start."""
    import numpy as np

    from dispatch.intraday.warmstart import _feasible_prefix

    m = solver.Model()
    sites = [m.add_site(x=float(i), y=0.0) for i in range(4)]
    gap = np.abs(np.arange(4)[:, None] - np.arange(4)[None, :])
    hour = 3600
    lunch = solver.Break("lunch", solver.TimeWindow(11 * hour + 1800, 13 * hour), hour)
    shift = solver.TimeWindow(10 * hour, 14 * hour + 900)
    crew = m.add_crew(id="C1", start=sites[0], end=sites[3], shift=shift, breaks=[lunch])
    m.add_job(id="A", site=sites[1], service=1800)
    m.add_job(id="B", site=sites[3], service=hour)
    problem = m.build(solver.MatrixTravel(durations=gap * 1800, distances=gap * 1000))
    # A 10:30-11:00; leave 11:00, lunch 11:30-12:30 on the way, B 13:00-14:00 (waiting at A for the
    # lunch window to open would put B at 13:30-14:30, past the 14:15 end of shift).
    assert _feasible_prefix(problem, crew, ["A", "B"]) == ["A", "B"]
    solution = solver.solve(problem, reproducible=True, workers=1)
    assert solution.route_of("C1").job_ids() == ("A", "B")
    tight = dataclasses.replace(crew, shift=solver.TimeWindow(10 * hour, 14 * hour - 60))
    assert _feasible_prefix(problem, tight, ["A", "B"]) == ["A"]


def test_replan_with_nothing_new_changes_nothing() -> None:
    """Re-planned at the start of the shift with no news, every crew keeps its stops in their order."""
    policy = Policy()
    inputs = world()
    doc = night(inputs, policy)
    replan = make_replan(
        ReplanInputs(inputs=inputs, previous=doc, at=at("08:00")), policy, time_limit=5, reproducible=True, workers=1
    )
    assert replan.stops_changed == 0
    assert [[s.ticket_id for s in visits_of(replan.plan, r.crew_id)] for r in doc.routes] == [
        [s.ticket_id for s in visits_of(doc, r.crew_id)] for r in doc.routes
    ]


def test_new_p1_lands_within_target() -> None:
    """A hazard reported mid-morning is reached within the 3 h target, in normal and in storm mode."""
    for storm in (False, True):
        policy = Policy().with_overrides({"storm.enabled": storm})
        inputs = world()
        doc = night(inputs, policy)
        now = at("10:00")
        p1 = ticket("HAZ", 0.03, 0.03, priority=1, reported_at=now - dt.timedelta(minutes=20), skills=("mv",))
        rin = ReplanInputs(
            inputs=dataclasses.replace(inputs, tickets=(*inputs.tickets, p1)),
            previous=doc,
            at=now,
            visits=tuple(v for r in doc.routes for v in progress_on(doc, r.crew_id, now)),
        )
        replan = make_replan(rin, policy, time_limit=5, reproducible=True, workers=1)
        assert "HAZ" in served(replan.plan)
        forecast = {f.ticket_id: f for f in replan.forecast}
        assert forecast["HAZ"].within_target and forecast["HAZ"].response_h <= 3.0
        assert replan.plan.summary.within_target_by_priority[1].within >= 1
        if storm:
            assert "HAZ" in replan.revision.storm_deadlines


def test_new_p1_outranks_backlog_hazards() -> None:
    """One crew full of yesterday's hazards: a hazard reported at 09:50 is still taken, next, within 3 h."""
    policy = Policy()
    crew = Crew("C01", "Regu 1", DEPOT[0], DEPOT[1], skills=("mv",), members=("M1a", "M1b"))
    shift = Shift("C01", DAY, at("08:00"), at("13:00"))
    backlog = tuple(ticket(f"OLD{k}", 0.005 * k, 0.0, priority=1, service_min=90, skills=("mv",)) for k in range(1, 7))
    inputs = PlanInputs(day=DAY, tickets=backlog, crews=(crew,), shifts=(shift,))
    doc = night(inputs, policy)
    assert len(visits_of(doc, "C01")) < len(backlog)  # the day is full
    now = at("10:00")
    far = ticket("HAZ", -0.03, 0.03, priority=1, service_min=60, skills=("mv",), reported_at=at("09:50"))
    rin = ReplanInputs(
        inputs=dataclasses.replace(inputs, tickets=(*backlog, far)),
        previous=doc,
        at=now,
        visits=tuple(progress_on(doc, "C01", now)),
        known_tickets={t.ticket_id: t for t in backlog},
    )
    replan = make_replan(rin, policy, time_limit=5, reproducible=True, workers=1)
    upcoming = [s for s in visits_of(replan.plan, "C01") if not s.progress]
    assert upcoming[0].ticket_id == "HAZ" and upcoming[0].emergency is True
    forecast = {f.ticket_id: f for f in replan.forecast}
    assert forecast["HAZ"].within_target
    # The backlog hazards are already past their target: none of them is an emergency.
    assert not any(s.emergency for s in upcoming[1:])


def test_dispatched_emergency_stays_one_past_its_target() -> None:
    """A hazard dispatched as an emergency keeps that rank in later re-plans, after its 3 h have run out."""
    policy = Policy()
    inputs = world()
    late = ticket("LATE", 0.02, 0.02, priority=1, skills=("mv",), reported_at=at("06:30"))
    inputs = dataclasses.replace(inputs, tickets=(*inputs.tickets, late))
    doc = night(inputs, policy)
    step = next(s for r in doc.routes for s in r.steps if s.ticket_id == "LATE")
    assert step.emergency is True  # 06:30 + 3 h is still ahead at 08:00
    now = at("07:55")  # nothing done yet; the re-plan is made as if its target had passed
    rin = ReplanInputs(inputs=inputs, previous=doc, at=now)
    later = dataclasses.replace(late, reported_at=at("04:00"))
    rin = dataclasses.replace(rin, inputs=dataclasses.replace(inputs, tickets=(*inputs.tickets[:-1], later)))
    new = make_replan(rin, policy, time_limit=5, reproducible=True, workers=1).plan
    assert next(s for r in new.routes for s in r.steps if s.ticket_id == "LATE").emergency
    doc_off = doc.with_(
        routes=tuple(
            dataclasses.replace(r, steps=tuple(dataclasses.replace(s, emergency=False) for s in r.steps))
            for r in doc.routes
        )
    )
    new = make_replan(dataclasses.replace(rin, previous=doc_off), policy, time_limit=5, reproducible=True, workers=1)
    assert not any(s.emergency for r in new.plan.routes for s in r.steps)


def test_nightly_plan_marks_hazards_still_within_target() -> None:
    """At night, a hazard reported at 06:00 (target 09:00) is an emergency; one from yesterday is not."""
    policy = Policy()
    inputs = world()
    fresh = ticket("FRESH", 0.02, 0.02, priority=1, skills=("mv",), reported_at=at("06:00"))
    stale = ticket("STALE", -0.02, 0.02, priority=1, skills=("mv",), reported_at=at("06:00") - dt.timedelta(days=1))
    doc = night(dataclasses.replace(inputs, tickets=(*inputs.tickets, fresh, stale)), policy)
    steps = {s.ticket_id: s for r in doc.routes for s in r.steps if s.type is StepType.VISIT}
    assert steps["FRESH"].emergency is True and not steps["STALE"].emergency
    assert steps["FRESH"].arrival <= at("09:00")
    off = policy.with_overrides({"response.emergency_priorities": []})
    doc = night(dataclasses.replace(inputs, tickets=(*inputs.tickets, fresh, stale)), off)
    assert not any(s.emergency for r in doc.routes for s in r.steps)


def test_large_region_replan_is_split_by_home_depot(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above max_tickets_per_solve a re-plan is split by the crews' depots (not where they stand); progress
    reports the parts solved of all (0/2, 1/2, 2/2) and the tickets served so far."""
    import dispatch.intraday.replan as intraday

    policy = Policy().with_overrides({"solver.max_tickets_per_solve": 5})
    far = (DEPOT[0] + 0.1, DEPOT[1] + 0.1)  # a second ULP office, about 15 km away
    crews = tuple(
        Crew(f"C0{i}", f"Regu {i}", *(DEPOT if i <= 2 else far), skills=("mv",), members=(f"M{i}a", f"M{i}b"))
        for i in range(1, 5)
    )
    shifts = tuple(Shift(c.crew_id, DAY, at("08:00"), at("16:00")) for c in crews)
    offsets = [(0.01, 0.0), (0.0, 0.01), (-0.01, 0.0), (0.0, -0.01), (0.01, 0.01), (-0.01, -0.01)]
    near_a = [ticket(f"A{k}", dlat, dlon) for k, (dlat, dlon) in enumerate(offsets)]
    near_b = [ticket(f"B{k}", 0.1 + dlat, 0.1 + dlon) for k, (dlat, dlon) in enumerate(offsets)]
    inputs = PlanInputs(day=DAY, tickets=(*near_a, *near_b), crews=crews, shifts=shifts)
    doc = night(inputs, policy)
    now = at("08:30")
    hazard = ticket("HAZ", 0.105, 0.095, priority=1, skills=("mv",), reported_at=now - dt.timedelta(minutes=15))
    facts = tuple(v for r in doc.routes for v in progress_on(doc, r.crew_id, now))
    done = {f.ticket_id for f in facts if f.left_at is not None}
    open_now = tuple(t for t in (*inputs.tickets, hazard) if t.ticket_id not in done)
    parts: list[int] = []
    split = intraday.partition
    monkeypatch.setattr(intraday, "partition", lambda *a, **k: parts.append(len(out := split(*a, **k))) or out)
    rin = ReplanInputs(
        inputs=dataclasses.replace(inputs, tickets=open_now),
        previous=doc,
        at=now,
        visits=facts,
        known_tickets={t.ticket_id: t for t in inputs.tickets},
    )
    heard: list[PartsDone] = []
    new = make_replan(rin, policy, time_limit=5, reproducible=True, workers=1, on_part=heard.append).plan
    assert parts == [2]
    assert [(p.done, p.total) for p in heard] == [(0, 2), (1, 2), (2, 2)] and sum(heard[-1].served.values()) > 0
    assert served(new)["HAZ"] in ("C03", "C04")
    placed = [s.ticket_id for r in new.routes for s in r.steps if s.type is StepType.VISIT]
    placed += [u.ticket_id for u in new.unassigned]
    assert sorted(placed) == sorted({t.ticket_id for t in (*inputs.tickets, hazard)})


def test_replan_in_parts_gives_a_part_s_leftover_to_a_crew_of_another() -> None:
    """A re-plan split by depots does not leave a new ticket open because its own depot's crews are full:
    the fill pass over all parts' routes puts it on a crew of the other depot that has the afternoon free."""
    import dispatch.intraday.replan as intraday

    policy = Policy().with_overrides({"solver.max_tickets_per_solve": 5})
    far = (DEPOT[0] + 0.1, DEPOT[1] + 0.1)  # a second ULP office, about 15 km away
    crews = tuple(
        Crew(f"C0{i}", f"Regu {i}", *(DEPOT if i <= 2 else far), skills=("mv",), members=(f"M{i}a", f"M{i}b"))
        for i in range(1, 5)
    )
    # The first depot's crews work 08:00-10:00 only; the second's all day.
    shifts = tuple(Shift(c.crew_id, DAY, at("08:00"), at("10:00" if i < 2 else "16:00")) for i, c in enumerate(crews))
    offsets = [(0.01, 0.0), (0.0, 0.01), (-0.01, 0.0), (0.0, -0.01), (0.01, 0.01), (-0.01, -0.01)]
    near_a = [ticket(f"A{k}", dlat, dlon) for k, (dlat, dlon) in enumerate(offsets)]
    near_b = [ticket(f"B{k}", 0.1 + dlat, 0.1 + dlon) for k, (dlat, dlon) in enumerate(offsets[:3])]
    inputs = PlanInputs(day=DAY, tickets=(*near_a, *near_b), crews=crews, shifts=shifts)
    doc = night(inputs, policy)
    now = at("08:30")
    late = [ticket(f"N{k}", dlat, -dlon, reported_at=now - dt.timedelta(minutes=20)) for k, (dlat, dlon) in
            enumerate(offsets[:3])]  # fmt: skip
    facts = tuple(v for r in doc.routes for v in progress_on(doc, r.crew_id, now))
    done = {f.ticket_id for f in facts if f.left_at is not None}
    parts: list[int] = []
    split = intraday.partition
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(intraday, "partition", lambda *a, **k: parts.append(len(out := split(*a, **k))) or out)
        rin = ReplanInputs(
            inputs=dataclasses.replace(
                inputs, tickets=tuple(t for t in (*inputs.tickets, *late) if t.ticket_id not in done)
            ),
            previous=doc,
            at=now,
            visits=facts,
            known_tickets={t.ticket_id: t for t in inputs.tickets},
        )
        new = make_replan(rin, policy, time_limit=5, reproducible=True, workers=1).plan
    assert parts[0] >= 2
    crew_of = served(new)
    by = {crew_of.get(t.ticket_id) for t in late}
    assert None not in by and by & {"C03", "C04"}
    placed = [s.ticket_id for r in new.routes for s in r.steps if s.type is StepType.VISIT]
    placed += [u.ticket_id for u in new.unassigned]
    assert sorted(placed) == sorted({t.ticket_id for t in (*inputs.tickets, *late)})


def test_caps_count_exposure_already_incurred() -> None:
    """A crew that entered its cap of homes this morning is given no further home entries."""
    # Crews that always report: C01's other morning stops were not done (the silence rule aside).
    policy = Policy().with_overrides({"exposure.max_homes_per_shift": 2, "intraday.unreported": "not_done"})
    inputs = world()
    doc = night(inputs, policy)
    now = at("10:00")
    home_ids = [t.ticket_id for t in inputs.tickets if t.indoor][:2]
    facts = [
        VisitFact(home_ids[0], "C01", at("08:10"), at("08:40"), True, "fixed"),
        VisitFact(home_ids[1], "C01", at("08:50"), at("09:20"), True, "fixed"),
    ]
    extra = tuple(ticket(f"H{k}", 0.004 * k, -0.004 * k, indoor=True) for k in range(1, 5))
    rin = ReplanInputs(
        inputs=dataclasses.replace(
            inputs, tickets=tuple(t for t in inputs.tickets if t.ticket_id not in home_ids) + extra
        ),
        previous=doc,
        at=now,
        visits=tuple(facts),
        known_tickets={t.ticket_id: t for t in inputs.tickets},
    )
    new = make_replan(rin, policy, time_limit=5, reproducible=True, workers=1).plan
    c01 = next(r for r in new.routes if r.crew_id == "C01")
    assert c01.summary.homes_entered == 2
    assert all(not s.indoor for s in visits_of(new, "C01")[2:])
    assert c01.caps.max_homes == 2
    for r in new.routes:
        assert r.summary.homes_entered <= 2
        assert max((s.homes_entered for s in r.steps), default=0) <= 2


def test_sick_crew_remaining_stops_redistributed() -> None:
    """A crew sent home at 09:00 keeps what it did, its remaining stops go to the other crews, and a note says
    it has no time left."""
    policy = Policy().with_overrides({"intraday.unreported": "not_done"})  # the visit under way was dropped
    inputs = world()
    doc = night(inputs, policy)
    sick = busiest(doc)
    now = at("09:00")
    facts = progress_on(doc, sick, now)
    facts = [f for f in facts if f.left_at is not None]
    rin = ReplanInputs(
        inputs=inputs,
        previous=doc,
        at=now,
        visits=tuple(facts),
        known_tickets={t.ticket_id: t for t in inputs.tickets},
        end_shift={sick: now},
    )
    replan = make_replan(rin, policy, time_limit=5, reproducible=True, workers=1)
    new = replan.plan
    done = {f.ticket_id for f in facts}
    left = [s.ticket_id for s in visits_of(doc, sick) if s.ticket_id not in done]
    assert left, "the fixture must leave the sick crew some stops"
    assert [s.ticket_id for s in visits_of(new, sick)] == [f.ticket_id for f in facts]
    now_on = served(new)
    for tid in left:
        assert now_on.get(tid) not in (None, sick)
    assert replan.changes[sick].moved_out and sick in replan.changed_crews
    assert f"moved to {now_on[left[0]]}" in replan.changes[sick].summary
    # The dispatcher is told, as data each view words in its own language.
    assert RevisionNote(NoteKind.NO_TIME, crew_id=sick) in replan.notes
    # The next re-plan, given no --end-shift, still knows the crew went home.
    later = make_replan(
        dataclasses.replace(rin, previous=new, at=at("10:00"), end_shift={}),
        policy,
        time_limit=5,
        reproducible=True,
        workers=1,
    ).plan
    assert [s.ticket_id for s in visits_of(later, sick)] == [f.ticket_id for f in facts]
    assert next(r for r in later.routes if r.crew_id == sick).shift.end == now


def test_overtime_lets_a_crew_make_a_late_hazard_safe() -> None:
    """A hazard at 15:00 that no shift ending 16:00 can take (overtime refused) is served once the dispatcher
    extends C01."""
    policy = Policy()
    inputs = world()
    doc = night(inputs, policy)
    now = at("15:00")
    hazard = ticket("HAZ", 0.02, 0.0, priority=1, service_min=90, skills=("mv",), reported_at=now)
    day = dataclasses.replace(inputs, tickets=(hazard,))
    visits = tuple(v for r in doc.routes for v in progress_on(doc, r.crew_id, now))
    rin = ReplanInputs(
        inputs=day,
        previous=doc,
        at=now,
        visits=visits,
        known_tickets={t.ticket_id: t for t in inputs.tickets},
        overtime=False,
    )
    plain = make_replan(rin, policy, time_limit=5, reproducible=True, workers=1).plan
    assert [u.reason for u in plain.unassigned if u.ticket_id == "HAZ"] == ["shift_too_short"]
    extended = dataclasses.replace(rin, end_shift={"C01": at("17:30")})
    new = make_replan(extended, policy, time_limit=5, reproducible=True, workers=1).plan
    assert served(new).get("HAZ") == "C01"
    route = next(r for r in new.routes if r.crew_id == "C01")
    assert route.shift.end == route.end_shift == at("17:30")


def test_stability_cost_keeps_stop_with_promised_crew() -> None:
    """The solver's move cost keeps a job on its preferred crew even when another is closer."""
    for cost, owner in ((0, "A"), (100_000, "B")):
        m = solver.Model()
        a, b, home = m.add_site(x=0, y=0), m.add_site(x=1000, y=0), m.add_site(x=100, y=0)
        m.add_crew(id="A", start=a, shift=solver.TimeWindow(0, 100_000))
        m.add_crew(id="B", start=b, shift=solver.TimeWindow(0, 100_000))
        m.add_job(id="J", site=home, service=10, preferred_crew="B", move_cost=cost)
        sol = solver.solve(m.build(solver.EuclideanTravel()), reproducible=True, workers=1)
        assert [r.crew_id for r in sol.routes if r.job_ids()] == [owner]


def test_eta_margin_grows_with_stops_before() -> None:
    """The customer's window widens by 10 min per stop still ahead of the visit."""
    doc = night(world(), Policy())
    steps = visits_of(doc, busiest(doc))
    first = eta_window(doc, steps[0].ticket_id)
    third = eta_window(doc, steps[2].ticket_id)
    assert first is not None and third is not None
    assert (first.stops_before, first.margin_min) == (0, 15)
    assert (third.stops_before, third.margin_min) == (2, 35)
    assert third.window_end == steps[2].arrival + dt.timedelta(minutes=35)


# ------------------------------------------------------------------------------------------- database


def store(session: Session, inputs: PlanInputs) -> None:
    now = at("00:00")
    for c in inputs.crews:
        session.add(CrewRow(crew_id=c.crew_id, name=c.name, depot_lat=c.depot_lat, depot_lon=c.depot_lon, skills="mv"))
    session.flush()
    for c in inputs.crews:
        for m in c.members:
            session.add(CrewMemberRow(member_id=m, crew_id=c.crew_id))
    for s in inputs.shifts:
        session.add(ShiftRow(crew_id=s.crew_id, date=s.date, start=s.start, end=s.end))
    for t in inputs.tickets:
        add_ticket(session, t, now)
    session.commit()


def publish_night(session: Session, inputs: PlanInputs, policy: Policy, *, time_limit: float = 5) -> Plan:
    """``inputs`` stored, planned reproducibly and published as the day's first plan (not yet committed)."""
    store(session, inputs)
    result = make_plan(inputs, policy, time_limit=time_limit, reproducible=True, workers=1)
    plan = save_plan(
        session, plan=result.plan, objective=result.objective, now=at("00:00"), time_limit=time_limit, reproducible=True
    )
    publish(session, plan_id=plan.plan_id, now=at("00:00"))  # type: ignore[arg-type]
    return plan


def add_ticket(session: Session, t: Ticket, now: dt.datetime) -> None:
    session.add(
        TicketRow(
            ticket_id=t.ticket_id,
            reported_at=t.reported_at,
            category=t.category.value,
            lat=t.lat,
            lon=t.lon,
            priority=t.priority,
            service_min=t.service_min,
            indoor=t.indoor,
            skills=";".join(t.skills),
            imported_at=now,
            updated_at=now,
        )
    )


def test_revisions_kept_published_and_compared(session: Session) -> None:
    """A re-plan is saved as a new published revision of the day; the old one is kept and can be compared."""
    policy = Policy()
    inputs = world()
    first = publish_night(session, inputs, policy)
    add_ticket(session, ticket("NEW1", 0.005, 0.005, priority=2, reported_at=at("09:00")), at("09:00"))
    session.commit()

    rin, parent = load_replan_inputs(session, day=DAY, at=at("09:30"), policy=policy)
    assert parent == first.plan_id
    replan = make_replan(rin, policy, time_limit=5, reproducible=True, workers=1)
    second = save_replan(
        session, replan=replan, parent_id=parent, at=at("09:30"), now=at("09:31"), time_limit=5, reproducible=True
    )
    session.commit()

    rows = session.exec(select(PlanRow).where(PlanRow.plan_date == DAY).order_by(PlanRow.version)).all()
    assert [(r.version, r.kind, r.status) for r in rows] == [(1, "nightly", "superseded"), (2, "replan", "published")]
    assert rows[1].parent_id == rows[0].id and rows[1].as_of == at("09:30")
    old, new = plan_of(rows[0]), plan_of(rows[1])
    changes = compare_plans(old, new)
    owner = served(new)["NEW1"]
    assert changes[owner].added == ("NEW1",)
    assert second.summary.tickets == len(inputs.tickets) + 1
    assert new.kind == "replan" and new.revision_of is not None and new.revision_of.parent_id == first.plan_id


def test_cli_position_and_eta(engine, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`dispatch crews position` is stored and used as the crew's start; `dispatch tickets eta --json` answers."""
    from cli import app

    policy = Policy()
    inputs = world(n_crews=1)
    with Session(engine, expire_on_commit=False) as session:
        doc = publish_night(session, inputs, policy)
        session.commit()
    monkeypatch.setenv("DISPATCH_DATABASE_URL", database_url)
    runner = CliRunner()
    far = (DEPOT[0] - 0.2, DEPOT[1] + 0.2)
    res = runner.invoke(app, ["crews", "position", "C01", "--lat", str(far[0]), "--lon", str(far[1]),
                              "--at", "2026-11-30T07:55:00+07:00"])  # fmt: skip
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["crews", "position", "C99", "--lat", "0", "--lon", "0"])
    assert res.exit_code == 1 and "no crew 'C99'" in res.output
    with Session(engine) as session:
        rin, _ = load_replan_inputs(session, day=DAY, at=at("08:00"), policy=policy)
    assert rin.positions["C01"] == Position("C01", far[0], far[1], at("07:55"), "dispatcher")
    res = runner.invoke(app, ["replan", "--date", "2026-11-30", "--at", "08:00", "--time-limit", "3",
                              "--reproducible", "--json"])  # fmt: skip
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    assert report["status"] == "published" and report["version"] == 2
    tid = visits_of(doc, "C01")[0].ticket_id
    res = runner.invoke(app, ["tickets", "eta", tid, "--json"])
    assert res.exit_code == 0, res.output
    eta = json.loads(res.output)
    assert eta["plan_id"] == report["plan_id"] and eta["crew_id"] == "C01"
    # Starting ~30 km away, the first stop is reached much later than in the night's plan.
    assert dt.datetime.fromisoformat(eta["arrival"]) > visits_of(doc, "C01")[0].arrival
    res = runner.invoke(app, ["tickets", "eta", tid])  # Bahasa Indonesia by default, as its not-planned answer
    assert res.exit_code == 0 and f"Tiket {tid}: regu C01 diperkirakan tiba" in res.output, res.output
    res = runner.invoke(app, ["tickets", "eta", tid, "--lang", "en"])
    assert f"Ticket {tid}: crew C01 expected" in res.output


def test_eta_of_a_ticket_visited_again_is_its_later_visit() -> None:
    """A ticket reported not home and offered again the same day answers with the later, planned visit."""
    doc = night(world(), Policy())
    crew = busiest(doc)
    route = doc.route(crew)
    assert route is not None
    steps = list(route.steps)
    i = next(k for k, s in enumerate(steps) if s.type is StepType.VISIT)
    first = steps[i]
    hours = dt.timedelta(hours=3)
    later = dataclasses.replace(first, arrival=first.arrival + hours, start=first.start + hours, end=first.end + hours)
    steps[i] = dataclasses.replace(first, progress=StepProgress.DONE)
    steps.insert(len(steps) - 1, later)
    twice = doc.with_(routes=tuple(dataclasses.replace(r, steps=tuple(steps)) if r.crew_id == crew else r
                                   for r in doc.routes))  # fmt: skip
    eta = eta_window(twice, first.ticket_id or "")
    assert eta is not None
    assert (eta.status, eta.arrival) == ("planned", later.arrival)


def test_an_unreported_stop_whose_ticket_closed_since_stays_on_its_route(session: Session) -> None:
    """A published stop nobody reported whose ticket was closed meanwhile (a dismissed outage's job) is kept
    as unconfirmed; the re-plan raised KeyError on it."""
    policy = Policy()
    inputs = world(n_crews=1)
    first = publish_night(session, inputs, policy)
    stop = visits_of(first, "C01")[0]
    row = session.get(TicketRow, stop.ticket_id)
    assert row is not None
    row.status, row.closed_at = "closed", stop.start
    session.commit()
    when = stop.end + dt.timedelta(minutes=1)
    rin, _ = load_replan_inputs(session, day=DAY, at=when, policy=policy)
    replan = make_replan(rin, policy, time_limit=2, reproducible=True, workers=1)
    kept = [s for s in visits_of(replan.plan, "C01") if s.ticket_id == stop.ticket_id]
    assert [s.progress for s in kept] == [StepProgress.UNCONFIRMED]


def test_a_replan_cannot_go_back_before_the_revision_it_revises(session: Session) -> None:
    """After a revision as of 11:00, a re-plan at 09:00 is refused (it would ignore reports since); 11:00 is not."""
    policy = Policy()
    inputs = world(n_crews=1)
    publish_night(session, inputs, policy)
    session.commit()
    rin, parent = load_replan_inputs(session, day=DAY, at=at("11:00"), policy=policy)
    replan = make_replan(rin, policy, time_limit=2, reproducible=True, workers=1)
    save_replan(session, replan=replan, parent_id=parent, at=at("11:00"), now=at("11:01"), time_limit=2,
                reproducible=True)  # fmt: skip
    session.commit()
    with pytest.raises(IntradayError, match="before 11:00, the time of the published revision 2"):
        load_replan_inputs(session, day=DAY, at=at("09:00"), policy=policy)
    load_replan_inputs(session, day=DAY, at=at("11:00"), policy=policy)
