"""Grouping reports by the network: tiny networks whose outages can be checked by hand."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from dispatch.core.domain import Asset, Category, OutageMark, Ticket
from dispatch.core.plan import Plan
from dispatch.core.policy import Policy
from dispatch.intraday.model import ReplanInputs
from dispatch.intraday.replan import make_replan
from dispatch.outages.grouping import group_outages
from dispatch.planning.build import build_problem
from dispatch.planning.nightly import make_plan
from tests.dispatch.outages.network import WIB, S, T, day_inputs, report
from tests.dispatch.plan_checker import check_plan

POLICY = Policy()


def test_three_reports_on_one_transformer_make_one_job() -> None:
    """Three customers of TR1 -> one outage at TR1, one outdoor job there, the three reports absorbed."""
    g = group_outages(day_inputs(report("A1", "TR1"), report("A2", "TR1"), report("A3", "TR1", priority=1)), POLICY)
    (o,) = g.outages
    assert (o.asset_id, o.kind, o.tickets, o.customers) == ("TR1", "transformer", ("A1", "A2", "A3"), 40)
    (job,) = g.tickets
    assert job.ticket_id == o.job_ticket_id and job.category is Category.ASSET_OUTAGE
    assert (job.lat, job.lon, job.indoor, job.skills, job.priority) == (-6.712, 108.552, False, ("mv",), 1)


def test_two_transformers_under_one_section_make_one_job_at_the_section() -> None:
    """TR1 and TR2 both out (both children of S1) -> the outage moves up to S1: one job, six tickets."""
    tickets = [report(f"A{i}", "TR1") for i in range(1, 4)] + [report(f"B{i}", "TR2") for i in range(1, 4)]
    g = group_outages(day_inputs(*tickets), POLICY)
    assert [(o.asset_id, len(o.tickets), o.customers) for o in g.outages] == [("S1", 6, 100)]
    assert [t.ticket_id for t in g.tickets] == [g.outages[0].job_ticket_id]


def test_a_lone_report_stays_a_home_visit() -> None:
    """One report out of TR3's 50 customers explains nothing: no outage, the ticket is planned as it is."""
    lone = report("L1", "TR3")
    g = group_outages(day_inputs(lone), POLICY)
    assert g.outages == () and g.tickets == (lone,)


def test_other_categories_and_unknown_transformers_stay_visits() -> None:
    """A meter fault under a tripped transformer and a report naming no known transformer are not absorbed."""
    meter = report("M1", "TR1", category=Category.METER)
    stray = replace(report("X1", "TR1"), transformer_id="TRX", lat=-6.60)  # far from every transformer
    g = group_outages(day_inputs(*(report(f"A{i}", "TR1") for i in range(1, 4)), meter, stray), POLICY)
    assert g.outages[0].tickets == ("A1", "A2", "A3")
    assert {t.ticket_id for t in g.tickets} == {"M1", "X1", g.outages[0].job_ticket_id}


def test_share_of_customers_trips_a_small_transformer() -> None:
    """Two reports are fewer than min_reports but a share above min_share when the policy says 0.04."""
    policy = Policy().with_overrides({"outage.min_share": 0.04})
    g = group_outages(day_inputs(report("A1", "TR1"), report("A2", "TR1")), policy)
    assert [o.asset_id for o in g.outages] == ["TR1"]


def test_dismissed_declared_and_planned_marks() -> None:
    """Dismissed: reports are visits. Declared: out with one report. Planned: absorbed, nobody is sent."""
    three = [report(f"A{i}", "TR1") for i in range(1, 4)]
    dismissed = group_outages(day_inputs(*three, outage_marks=(OutageMark("TR1", "dismissed"),)), POLICY)
    assert dismissed.outages == () and len(dismissed.tickets) == 3
    declared = group_outages(day_inputs(report("L1", "TR3"), outage_marks=(OutageMark("TR3", "declared"),)), POLICY)
    assert [(o.asset_id, o.tickets) for o in declared.outages] == [("TR3", ("L1",))]
    start = dt.datetime(2026, 11, 30, 5, tzinfo=WIB)
    mark = OutageMark("S2", "planned", "PLN-1", start, start + dt.timedelta(hours=6))
    planned = group_outages(day_inputs(report("L1", "TR3"), outage_marks=(mark,)), POLICY, as_of=start)
    assert [(o.outage_id, o.tickets, o.job_ticket_id) for o in planned.outages] == [("PLN-1", ("L1",), None)]
    assert planned.tickets == ()
    after = group_outages(day_inputs(report("L1", "TR3"), outage_marks=(mark,)), POLICY,
                          as_of=start + dt.timedelta(hours=7))  # fmt: skip
    assert after.outages == ()


def test_plan_sends_one_crew_to_the_asset_and_every_ticket_appears_once() -> None:
    """A plan with an outage at TR1 and a lone report at TR3: the job and the lone home visit are routed,
    the absorbed tickets are in the outage only, and the independent checker finds no problem."""
    inputs = day_inputs(*(report(f"A{i}", "TR1") for i in range(1, 4)), report("L1", "TR3"))
    plan = make_plan(inputs, POLICY, reproducible=True, workers=1).plan
    doc = plan.to_json()
    assert check_plan(doc, inputs, POLICY) == []
    (o,) = plan.outages or ()
    assert sorted(plan.served_ticket_ids()) == sorted([o.job_ticket_id, "L1"])
    assert plan.summary.homes_entered == 1
    assert Plan.from_json(plan.dumps()).outages == plan.outages
    expected = {"outage_id": o.outage_id, "asset_id": "TR1", "kind": "transformer", "tickets": ["A1", "A2", "A3"],
                "customers": 40, "job_ticket_id": o.job_ticket_id}  # fmt: skip
    assert doc["outages"] == [expected]


def test_no_network_no_outages_key() -> None:
    """Without a network the plan is as before: no outages key, every report a visit."""
    inputs = day_inputs(report("A1", "TR1"), report("A2", "TR1"), report("A3", "TR1"), assets=())
    assert "outages" not in make_plan(inputs, POLICY, reproducible=True, workers=1).plan.to_json()


def test_replan_groups_a_new_outage_too() -> None:
    """A re-plan at 10:00 with three new reports under TR3 groups them into one job, like the nightly plan."""
    inputs = day_inputs(*(report(f"A{i}", "TR1") for i in range(1, 4)))
    nightly = make_plan(inputs, POLICY, reproducible=True, workers=1).plan
    later = day_inputs(*inputs.tickets, *(report(f"C{i}", "TR3", minute=50) for i in range(1, 4)))
    rin = ReplanInputs(inputs=later, previous=nightly, at=dt.datetime(2026, 11, 30, 10, tzinfo=WIB))
    replan = make_replan(rin, POLICY, time_limit=1.0, reproducible=True, workers=1).plan
    assert [(o.asset_id, o.tickets) for o in replan.outages or ()] == [("TR1", ("A1", "A2", "A3")),
                                                                      ("TR3", ("C1", "C2", "C3"))]  # fmt: skip
    assert set(replan.served_ticket_ids()) | {u.ticket_id for u in replan.unassigned} == {
        o.job_ticket_id for o in replan.outages or ()}  # fmt: skip


def test_reports_far_apart_in_time_are_not_one_outage() -> None:
    """Three reports on TR1 hours apart (beyond outage.window_min) are three faults, not a tripped transformer."""
    spread = [replace(report(f"A{i}", "TR1"), reported_at=dt.datetime(2026, 11, 29, 6 + 4 * i, tzinfo=WIB))
              for i in range(1, 4)]  # fmt: skip
    assert group_outages(day_inputs(*spread), POLICY).outages == ()
    assert [o.asset_id for o in group_outages(day_inputs(*spread), Policy().with_overrides(
        {"outage.window_min": 600})).outages] == ["TR1"]  # fmt: skip


def test_a_report_without_its_transformer_id_joins_the_nearest_transformer() -> None:
    """A report 100 m from TR1 naming no transformer (or one 2 km off) counts for TR1; 0 m trusts the id only."""
    blank = replace(report("A3", "TR1"), transformer_id="")
    wrong = replace(report("A4", "TR1"), transformer_id="TR3")
    tickets = (report("A1", "TR1"), blank, wrong)
    assert [o.tickets for o in group_outages(day_inputs(*tickets), POLICY).outages] == [("A1", "A3", "A4")]
    trusting = Policy().with_overrides({"outage.link_max_m": 0.0})
    assert group_outages(day_inputs(*tickets), trusting).outages == ()


def test_plan_with_relinked_reports_passes_the_checker() -> None:
    """Reports linked by position (blank or far-off transformer_id) are absorbed, and the checker agrees."""
    tickets = (report("A1", "TR1"), replace(report("A2", "TR1"), transformer_id=""),
               replace(report("A3", "TR1"), transformer_id="TR3"))  # fmt: skip
    inputs = day_inputs(*tickets)
    plan = make_plan(inputs, POLICY, reproducible=True, workers=1).plan
    assert [o.tickets for o in plan.outages or ()] == [("A1", "A2", "A3")]
    assert check_plan(plan.to_json(), inputs, POLICY) == []


# Feeder FX with sections SA (TA1, TA2) and SB (TB1, TB2), 50 customers per transformer, ~1 km apart.
_FEEDER = (
    Asset("FX", S, -6.800, 108.600, "", 200),
    Asset("SA", S, -6.800, 108.600, "FX", 100),
    Asset("SB", S, -6.800, 108.640, "FX", 100),
    Asset("TA1", T, -6.800, 108.600, "SA", 50),
    Asset("TA2", T, -6.800, 108.610, "SA", 50),
    Asset("TB1", T, -6.800, 108.640, "SB", 50),
    Asset("TB2", T, -6.800, 108.650, "SB", 50),
)


def _calls(transformer: str, hour: int, n: int = 3) -> list[Ticket]:
    """``n`` customers of ``transformer`` calling from 0, 5, 10 ... minutes past ``hour``."""
    here = {a.asset_id: a for a in _FEEDER}[transformer]
    return [
        replace(report(f"{transformer}-{i}", "TR1", minute=5 * i), transformer_id=transformer, lat=here.lat,
                lon=here.lon, reported_at=dt.datetime(2026, 11, 29, hour, 5 * i, tzinfo=WIB))
        for i in range(n)
    ]  # fmt: skip


def test_sections_tripping_hours_apart_stay_two_outages() -> None:
    """SA dark at 18:00 and SB at 21:00 are two trips (two jobs); all four dark at 18:00 is the feeder FX."""
    apart = [*_calls("TA1", 18), *_calls("TA2", 18), *_calls("TB1", 21), *_calls("TB2", 21)]
    assert [o.asset_id for o in group_outages(day_inputs(*apart, assets=_FEEDER), POLICY).outages] == ["SA", "SB"]
    together = [*_calls("TA1", 18), *_calls("TA2", 18), *_calls("TB1", 18), *_calls("TB2", 18)]
    assert [o.asset_id for o in group_outages(day_inputs(*together, assets=_FEEDER), POLICY).outages] == ["FX"]


def test_one_caller_under_each_transformer_of_a_feeder_is_the_feeder() -> None:
    """A single caller under each of SA's transformers and SB's within the hour (four transformers dark
    together) is the feeder FX, though no transformer has min_reports callers; two lone callers are not."""
    each = [t for tr in ("TA1", "TA2", "TB1", "TB2") for t in _calls(tr, 18, n=1)]
    assert [o.asset_id for o in group_outages(day_inputs(*each, assets=_FEEDER), POLICY).outages] == ["FX"]
    two = [*_calls("TA1", 18, n=1), *_calls("TB1", 18, n=1)]
    assert group_outages(day_inputs(*two, assets=_FEEDER), POLICY).outages == ()


def test_a_report_made_days_before_the_trip_stays_a_home_visit() -> None:
    """TR1's three callers at 06:00 are its outage; a TR1 customer's no-power report three days older is a
    fault of its own (the transformer was fine then): a home visit, not absorbed."""
    old = replace(report("O1", "TR1"), reported_at=dt.datetime(2026, 11, 27, 9, tzinfo=WIB))
    g = group_outages(day_inputs(*(report(f"A{i}", "TR1") for i in range(1, 4)), old), POLICY)
    assert [(o.asset_id, o.tickets) for o in g.outages] == [("TR1", ("A1", "A2", "A3"))]
    assert "O1" in {t.ticket_id for t in g.tickets}


def _storm_pair(minutes_apart: int, *, storm: bool) -> tuple[Ticket, ...]:
    """Two reports on TR3 ``minutes_apart`` apart at 06:00, with (``storm``) three reports on TR1 then."""
    pair = (report("P1", "TR3"), report("P2", "TR3", minute=minutes_apart))
    return pair + (tuple(report(f"A{i}", "TR1", minute=30) for i in range(1, 4)) if storm else ())


_ONE_OUT_IS_A_STORM = Policy().with_overrides({"outage.storm_min_out": 1})


def test_a_quick_pair_during_a_storm_is_an_outage() -> None:
    """TR3: two reports 5 min apart while TR1 is out (storm_min_out 1) -> TR3 out too, its own job."""
    g = group_outages(day_inputs(*_storm_pair(5, storm=True)), _ONE_OUT_IS_A_STORM)
    assert [(o.asset_id, o.tickets) for o in g.outages] == [("TR1", ("A1", "A2", "A3")), ("TR3", ("P1", "P2"))]


def test_a_quick_pair_on_a_quiet_day_stays_two_visits() -> None:
    """The same pair with no transformer out around it, or fewer out than storm_min_out: two home visits."""
    assert group_outages(day_inputs(*_storm_pair(5, storm=False)), _ONE_OUT_IS_A_STORM).outages == ()
    default = group_outages(day_inputs(*_storm_pair(5, storm=True)), POLICY)  # storm_min_out 10: one is no storm
    assert [o.asset_id for o in default.outages] == ["TR1"]


def test_a_slow_pair_during_a_storm_stays_two_visits() -> None:
    """Two reports 20 min apart (pair_min 15) are no quick pair; pair_min 0 turns the rule off."""
    slow = group_outages(day_inputs(*_storm_pair(20, storm=True)), _ONE_OUT_IS_A_STORM)
    assert [o.asset_id for o in slow.outages] == ["TR1"]
    off = _ONE_OUT_IS_A_STORM.with_overrides({"outage.pair_min": 0})
    assert [o.asset_id for o in group_outages(day_inputs(*_storm_pair(5, storm=True)), off).outages] == ["TR1"]


def test_a_storm_hours_away_does_not_count() -> None:
    """TR1's outage at 06:30 is no storm for a quick pair on TR3 at 09:00 (beyond window_min of it)."""
    pair = tuple(replace(t, reported_at=t.reported_at + dt.timedelta(hours=3)) for t in _storm_pair(5, storm=False))
    tr1 = tuple(report(f"A{i}", "TR1", minute=30) for i in range(1, 4))
    assert [o.asset_id for o in group_outages(day_inputs(*pair, *tr1), _ONE_OUT_IS_A_STORM).outages] == ["TR1"]


def test_an_asset_job_behind_enough_customers_is_an_emergency() -> None:
    """TR1's job stands for its 40 customers: an emergency at outage.emergency_min_customers 40, not at 41 or 0."""
    inputs = day_inputs(*(report(f"A{i}", "TR1") for i in range(1, 4)), report("L1", "TR3"))
    grouped = replace(inputs, tickets=group_outages(inputs, POLICY).tickets)
    (job,) = [t.ticket_id for t in grouped.tickets if t.category is Category.ASSET_OUTAGE]
    as_of = dt.datetime(2026, 11, 30, 12, tzinfo=WIB)  # the reports' 3 h P1 target is past: no emergency by age
    for threshold, expected in ((40, {job}), (41, set()), (0, set())):
        policy = Policy().with_overrides({"outage.emergency_min_customers": threshold})
        assert set(build_problem(grouped, policy, as_of=as_of).emergencies) == expected


def _line_down(ticket_id: str) -> Ticket:
    """A line-down hazard next to the depot, reported the day before: past its response target, no emergency."""
    return Ticket(
        ticket_id=ticket_id, reported_at=dt.datetime(2026, 11, 29, 6, tzinfo=WIB), category=Category.LINE_DOWN,
        lat=-6.7005, lon=108.5505, priority=1, service_min=60, skills=("mv",),
    )  # fmt: skip


def test_an_asset_job_counts_as_one_job_per_customers_per_job() -> None:
    """A job of TR1's 40 customers counts as 2 at outage.customers_per_job 20, 1 at 100 (at least one) and at 0;
    other jobs count as 1."""
    policy = POLICY.outage
    assert policy.job_weight(category=Category.ASSET_OUTAGE, customers=1500) == 15
    assert policy.job_weight(category=Category.LINE_DOWN, customers=1500) == 1
    inputs = day_inputs(*(report(f"A{i}", "TR1") for i in range(1, 4)), _line_down("H1"))
    grouped = replace(inputs, tickets=group_outages(inputs, POLICY).tickets)
    as_of = dt.datetime(2026, 11, 30, 12, tzinfo=WIB)  # past the reports' 3 h P1 target: the job is no emergency
    for per_job, expected in ((20, 2), (100, 1), (0, 1)):
        policy = POLICY.with_overrides({"outage.customers_per_job": per_job})
        problem = build_problem(grouped, policy, as_of=as_of).problem
        assert {j.id: j.weight for j in problem.jobs} == {"JOB-20261130-TR1": expected, "H1": 1}, per_job


def test_a_section_outage_worth_more_hazards_than_it_displaces_is_served() -> None:
    """One crew, 150 minutes: the S1 outage's 90-minute job or two 60-minute line-down jobs of its class fit,
    not both, and none is an emergency. Counting as one, the section loses to the two hazards; behind 100
    customers at 20 a job (5), it is served and the hazards wait."""
    yesterday = dt.datetime(2026, 11, 29, 19, tzinfo=WIB)  # the outage is past its response target too
    tickets = [replace(report(f"{c}{i}", tr), reported_at=yesterday) for c, tr in (("A", "TR1"), ("B", "TR2"))
               for i in range(1, 4)]  # fmt: skip
    inputs = day_inputs(*tickets, _line_down("H1"), _line_down("H2"))
    shift = replace(inputs.shifts[0], end=dt.datetime(2026, 11, 30, 10, 30, tzinfo=WIB))
    inputs = replace(inputs, shifts=(shift,))
    for per_job, served in ((0, ["H1", "H2"]), (20, ["JOB-20261130-S1"])):
        policy = POLICY.with_overrides({"outage.customers_per_job": per_job})
        plan = make_plan(inputs, policy, reproducible=True, workers=1).plan
        assert check_plan(plan.to_json(), inputs, policy) == []
        assert sorted(plan.served_ticket_ids()) == served, per_job


def test_fresh_hazards_stay_ahead_of_an_asset_job_that_is_an_emergency_too() -> None:
    """The same day reported at 06:00-06:30: the S1 job (100 customers) and both hazards are emergencies at 08:00;
    at 20 customers a job the section still counts as one among them, so the two hazards are served."""
    fresh = dt.datetime(2026, 11, 30, 6, 30, tzinfo=WIB)
    tickets = [report(f"{c}{i}", tr) for c, tr in (("A", "TR1"), ("B", "TR2")) for i in range(1, 4)]
    hazards = (replace(_line_down(h), reported_at=fresh) for h in ("H1", "H2"))
    inputs = day_inputs(*tickets, *hazards)
    inputs = replace(inputs, shifts=(replace(inputs.shifts[0], end=dt.datetime(2026, 11, 30, 10, 30, tzinfo=WIB)),))
    policy = POLICY.with_overrides({"outage.customers_per_job": 20})
    build = build_problem(replace(inputs, tickets=group_outages(inputs, policy).tickets), policy)
    assert {j.id: (j.priority, j.weight) for j in build.problem.jobs} == {
        "H1": (0, 1), "H2": (0, 1), "JOB-20261130-S1": (0, 1)
    }  # fmt: skip
    plan = make_plan(inputs, policy, reproducible=True, workers=1).plan
    assert check_plan(plan.to_json(), inputs, policy) == []
    assert sorted(plan.served_ticket_ids()) == ["H1", "H2"]
