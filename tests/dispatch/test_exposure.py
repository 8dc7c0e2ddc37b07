"""The exposure ledger: publishing, recorded visits, rolling budgets, quarantine, cohorts, tracing,
zones over time and the report, on both databases.

The world is tiny and hand-checkable: crew C1 (A1, A2, A3) and crew C2 (B1, B2) work from a depot in
Kota Cirebon; tickets T1..T6 lie within 2 km. Most plans are written as plan documents (the JSON
contract) so each test states exactly who visits what; :func:`publish` publishes them through
:func:`dispatch.exposure.publish_plan`. The CLI tests (test_exposure_cli.py) reuse these helpers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import pytest
from shapely.geometry import Polygon
from sqlmodel import Session, col, select

from dispatch.core.plan import Plan
from dispatch.core.policy import Policy
from dispatch.core.route import StepProgress
from dispatch.io.importing.rows import ImportErrors
from dispatch.io.importing.visits import import_visits
from dispatch.ledger.base import ExposureError
from dispatch.ledger.budgets import member_budgets, unavailable_members
from dispatch.ledger.chart import write_exposure_chart
from dispatch.ledger.members import move_member, quarantine_member
from dispatch.ledger.publish import publish_plan
from dispatch.ledger.report import exposure_report
from dispatch.ledger.trace import trace
from dispatch.ledger.visits import record_visit, visits_on
from dispatch.planning.build import build_problem
from dispatch.planning.crews import crews_on_shift
from dispatch.planning.inputs import load_inputs
from dispatch.planning.nightly import make_plan
from dispatch.planning.persist import save_plan
from dispatch.store.models.crews import CrewMemberRow, CrewRow, ShiftRow
from dispatch.store.models.exposure import CohortMoveRow, ExposureLedgerRow, QuarantineRow, VisitRecordRow
from dispatch.store.models.plans import PlanRow, next_version
from dispatch.store.models.tickets import TicketRow
from dispatch.store.models.zones import ZoneRow, geometry_to_text
from tests.dispatch import plans

WIB = ZoneInfo("Asia/Jakarta")
D1 = dt.date(2026, 12, 1)
DEPOT = (-6.7050, 108.5555)  # lat, lon
# Ticket id -> (lat, lon, indoor, household risk, category)
TICKETS: dict[str, tuple[float, float, bool, str, str]] = {
    "T1": (-6.7100, 108.5600, True, "none", "no_power"),
    "T2": (-6.7150, 108.5500, True, "suspected", "meter"),
    "T3": (-6.7000, 108.5650, True, "none", "voltage"),
    "T4": (-6.7200, 108.5580, True, "none", "no_power"),
    "T5": (-6.7080, 108.5700, False, "none", "line_down"),
    "T6": (-6.7120, 108.5450, False, "none", "tree"),
}
CREWS = {"C1": ("A1", "A2", "A3"), "C2": ("B1", "B2")}
# A zone around T1 only: a square of about 0.4 km.
T1_ZONE = Polygon([(108.558, -6.712), (108.562, -6.712), (108.562, -6.708), (108.558, -6.708)])


def at(day: dt.date, hhmm: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(hhmm), tzinfo=WIB)


def build(session: Session, *, shift_days: Sequence[dt.date] = (D1,), crews: Sequence[str] = ("C1", "C2")) -> None:
    """Crews, members, tickets and 08:00-16:00 shifts (no break) on ``shift_days``."""
    now = at(D1, "06:00") - dt.timedelta(days=30)
    for crew_id, members in CREWS.items():
        session.add(
            CrewRow(crew_id=crew_id, name=f"Crew {crew_id}", depot_lat=DEPOT[0], depot_lon=DEPOT[1], skills="lv;mv")
        )
        session.flush()
        for m in members:
            session.add(CrewMemberRow(member_id=m, crew_id=crew_id))
    for ticket_id, (lat, lon, indoor, risk, category) in TICKETS.items():
        session.add(
            TicketRow(
                ticket_id=ticket_id,
                reported_at=now,
                category=category,
                lat=lat,
                lon=lon,
                priority=2,
                service_min=40,
                indoor=indoor,
                household_risk=risk,
                address=f"Jl. Contoh No. {ticket_id[1:]}, Kel. Kejaksan",
                customer_id=f"5321000000{ticket_id[1:]}",
                customer_name=f"Customer {ticket_id}",
                phone=f"+62812000000{ticket_id[1:]}",
                imported_at=now,
                updated_at=now,
            )
        )
    for day in shift_days:
        for crew_id in crews:
            session.add(ShiftRow(crew_id=crew_id, date=day, start=at(day, "08:00"), end=at(day, "16:00")))
    session.flush()


def add_zone(
    session: Session,
    *,
    name: str,
    risk_weight: float = 1.0,
    closed: bool = False,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
) -> None:
    session.add(
        ZoneRow(
            name=name,
            geometry=geometry_to_text(T1_ZONE),
            risk_weight=risk_weight,
            closed=closed,
            valid_from=valid_from,
            valid_to=valid_to,
        )
    )
    session.flush()


Visit = tuple[str, str, str, bool, float]  # ticket, start HH:MM, end HH:MM, indoor, weighted exposure min


def plan_document(day: dt.date, routes: dict[str, tuple[Sequence[str], Sequence[Visit]]]) -> Plan:
    """A plan of ``day`` with these crews' visits (1 km legs; times HH:MM)."""
    return plans.plan(
        day,
        [
            plans.route(
                crew_id,
                members,
                [
                    plans.Visit(tid, *TICKETS[tid][:2], at(day, start), at(day, end), indoor, exposure)
                    for tid, start, end, indoor, exposure in visits
                ],
                depot=(-6.72, 108.55),
            )
            for crew_id, (members, visits) in routes.items()
        ],
    )


def publish(
    session: Session,
    day: dt.date,
    routes: dict[str, tuple[Sequence[str], Sequence[Visit]]],
    *,
    now: dt.datetime | None = None,
) -> int:
    """Save a plan version of ``day`` with these routes and publish it; returns its id."""
    now = now or at(day, "06:00") - dt.timedelta(hours=10)
    row = PlanRow(
        plan_date=day,
        version=next_version(session, day=day),
        created_at=now,
        document=plan_document(day, routes).dumps(),
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    publish_plan(session, plan_id=row.id, now=now)
    return row.id


EVENING = at(D1, "18:00")
C1 = ("A1", "A2", "A3")
C2 = ("B1", "B2")


def ledger(session: Session, **where: object) -> list[ExposureLedgerRow]:
    query = select(ExposureLedgerRow)
    for name, value in where.items():
        query = query.where(getattr(ExposureLedgerRow, name) == value)
    return list(session.exec(query.order_by(col(ExposureLedgerRow.ticket_id), col(ExposureLedgerRow.member_id))))


def visit(
    session: Session,
    ticket_id: str,
    start: str,
    end: str | None,
    *,
    entered: bool = True,
    outcome: str | None = "fixed",
    crew: str = "C1",
    day: dt.date = D1,
    **kw: object,
) -> VisitRecordRow:
    """Report a visit of ``day`` (times HH:MM); without ``end`` it is under way."""
    return record_visit(
        session,
        ticket_id=ticket_id,
        crew_id=crew,
        arrived_at=at(day, start),
        left_at=at(day, end) if end else None,
        entered_home=entered,
        outcome=outcome if end else None,
        now=at(day, "23:00"),
        **kw,  # type: ignore[arg-type]
    )


def test_publish_writes_one_planned_row_per_member_and_visit_and_supersedes(session: Session) -> None:
    """Publishing writes planned rows for every member of each route; a second version replaces them."""
    build(session)
    first = publish(
        session, D1, {"C1": (C1, [("T1", "09:00", "09:40", True, 24.0), ("T5", "10:00", "11:00", False, 0)])}
    )
    rows = ledger(session)
    assert [(r.member_id, r.ticket_id) for r in rows] == [(m, t) for t in ("T1", "T5") for m in C1]
    t1 = [r for r in rows if r.ticket_id == "T1"]
    assert {(r.source, r.homes, r.exposure_min, r.in_home_min, r.plan_id, r.day) for r in t1} == {
        ("planned", 1, 24.0, 24.0, first, D1)
    }
    assert all(r.homes == 0 and r.exposure_min == 0 for r in rows if r.ticket_id == "T5")

    second = publish(session, D1, {"C2": (C2, [("T3", "09:00", "09:40", True, 24.0)])})
    assert session.get(PlanRow, first).status == "superseded"  # type: ignore[union-attr]
    assert session.get(PlanRow, second).status == "published"  # type: ignore[union-attr]
    assert [(r.member_id, r.ticket_id, r.plan_id) for r in ledger(session)] == [
        ("B1", "T3", second),
        ("B2", "T3", second),
    ]


def test_actuals_replace_the_plan_and_fix_closes_the_ticket(session: Session) -> None:
    """A reported visit replaces that ticket's planned rows with actual ones: (left - arrived) x share x multiplier."""
    build(session)
    plan_id = publish(
        session, D1, {"C1": (C1, [("T1", "09:00", "09:40", True, 24.0), ("T2", "10:00", "10:40", True, 48.0)])}
    )
    record = visit(session, "T2", "10:00", "11:00")  # an overrun: 60 min instead of 40, suspected household (x2)
    assert record.exposure_min == 72.0  # 60 min x 0.6 inside x 2
    assert record.plan_id == plan_id and record.outcome == "fixed"
    t2 = ledger(session, ticket_id="T2")
    assert [(r.member_id, r.source, r.homes, r.in_home_min, r.exposure_min, r.household_multiplier) for r in t2] == [
        (m, "actual", 1, 36.0, 72.0, 2.0) for m in C1
    ]
    assert all(r.source == "planned" for r in ledger(session, ticket_id="T1"))
    ticket = session.get(TicketRow, "T2")
    assert ticket is not None and ticket.status == "closed" and ticket.closed_at == at(D1, "11:00")
    budgets = member_budgets(session, day=D1 + dt.timedelta(days=1), policy=Policy())
    assert budgets["A1"].homes_left == 40 - 2 and budgets["A1"].exposure_min_left == 900 - 24 - 72


def test_not_home_reopens_the_ticket_and_keeps_its_history(session: Session) -> None:
    """not_home puts the ticket back in the open pool at zero exposure; the later fixed visit adds its own."""
    build(session)
    publish(session, D1, {"C1": (C1, [("T1", "09:00", "09:40", True, 24.0)])})
    visit(session, "T1", "09:00", "09:05", entered=False, outcome="not_home")
    ticket = session.get(TicketRow, "T1")
    assert ticket is not None and ticket.status == "open"
    assert {(r.source, r.homes, r.exposure_min) for r in ledger(session, ticket_id="T1")} == {("actual", 0, 0.0)}
    visit(session, "T1", "14:00", "14:30", note="second try")
    assert ticket.status == "closed"
    records = session.exec(select(VisitRecordRow).where(VisitRecordRow.ticket_id == "T1")).all()
    assert sorted(r.outcome for r in records) == ["fixed", "not_home"]  # type: ignore[type-var]
    assert sorted(r.exposure_min for r in ledger(session, member_id="A1")) == [0.0, 18.0]


def test_a_visit_under_way_keeps_the_plan_until_completed(session: Session) -> None:
    """Arrived without left is under way (plan stands and counts today); the next report completes the same record."""
    build(session)
    publish(session, D1, {"C1": (C1, [("T1", "09:00", "09:40", True, 24.0)])})
    budget = member_budgets(session, day=D1, policy=Policy())["A1"]
    assert (budget.homes_left, budget.exposure_min_left) == (40, 900.0)  # the day's plan is being remade
    started = visit(session, "T1", "09:10", None)
    assert started.left_at is None and started.outcome is None and started.exposure_min is None
    assert {r.source for r in ledger(session)} == {"planned"}
    budget = member_budgets(session, day=D1, policy=Policy())["A1"]
    assert (budget.homes_left, budget.exposure_min_left) == (39, 876.0)  # under way: its planned figure counts
    done = visit(session, "T1", "09:10", "09:50")
    assert done.id == started.id
    assert len(session.exec(select(VisitRecordRow)).all()) == 1
    assert {(r.source, r.exposure_min) for r in ledger(session)} == {("actual", 24.0)}


def test_publishing_again_keeps_reported_visits_as_actuals(session: Session) -> None:
    """A plan (or re-plan) published after visits were reported does not plan them over again."""
    build(session)
    publish(session, D1, {"C1": (C1, [("T1", "09:00", "09:40", True, 24.0), ("T2", "10:00", "10:40", True, 48.0)])})
    visit(session, "T1", "09:00", "09:30")
    publish(session, D1, {"C1": (C1, [("T1", "09:00", "09:40", True, 24.0), ("T2", "10:00", "10:40", True, 48.0)])})
    assert {(r.ticket_id, r.source) for r in ledger(session)} == {("T1", "actual"), ("T2", "planned")}
    # A re-plan's frozen visits are marked done; its new visits are planned.
    doc = plan_document(D1, {"C1": (C1, [("T1", "09:00", "09:30", True, 18.0), ("T4", "11:00", "11:40", True, 24.0)])})
    done = dataclasses.replace(doc.routes[0].steps[1], progress=StepProgress.DONE)
    doc = doc.with_(
        routes=(dataclasses.replace(doc.routes[0], steps=(doc.routes[0].steps[0], done, *doc.routes[0].steps[2:])),)
    )
    row = PlanRow(plan_date=D1, version=9, kind="replan", created_at=EVENING, document=doc.dumps())
    session.add(row)
    session.flush()
    publish_plan(session, plan_id=row.id, now=EVENING)  # type: ignore[arg-type]
    assert {(r.ticket_id, r.source) for r in ledger(session)} == {("T1", "actual"), ("T4", "planned")}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ticket_id": "T9"}, "ticket_id: unknown ticket 'T9'"),
        ({"crew_id": "C9"}, "crew_id: unknown crew 'C9'"),
        ({"left_at": at(D1, "08:00")}, "left: 2026-12-01T08:00:00+07:00 is before arrived"),
        ({"outcome": None}, "outcome: required when left is given"),
        ({"left_at": None}, "left: required with outcome fixed"),
        ({"outcome": "gone"}, "outcome: unknown value 'gone'"),
        ({"outcome": "not_home"}, "entered_home: a not_home visit cannot have entered the home"),
        (
            {"arrived_at": at(D1, "23:59"), "left_at": None, "outcome": None},
            "arrived: 2026-12-01T23:59:00+07:00 is in the future",
        ),
        ({"arrived_at": dt.datetime(2026, 12, 1, 9, 0)}, "arrived: 2026-12-01T09:00:00 has no time zone"),
    ],
)
def test_record_visit_refuses_bad_reports(session: Session, change: dict, message: str) -> None:
    """Each bad report is refused with the field and what is wrong, and nothing is written."""
    build(session)
    values = {
        "ticket_id": "T1", "crew_id": "C1", "arrived_at": at(D1, "09:00"), "left_at": at(D1, "09:30"),
        "entered_home": True, "outcome": "fixed", "now": at(D1, "12:00"),
    }  # fmt: skip
    values.update(change)
    with pytest.raises(ExposureError) as err:
        record_visit(session, **values)  # type: ignore[arg-type]
    assert message in str(err.value)
    assert session.exec(select(VisitRecordRow)).all() == []


def test_a_fixed_or_merged_ticket_cannot_be_visited_again(session: Session) -> None:
    """A closed ticket is not visited twice, and a merged duplicate points to the ticket it joined."""
    build(session)
    visit(session, "T1", "09:00", "09:30")
    with pytest.raises(ExposureError, match="ticket T1 is already closed"):
        visit(session, "T1", "10:00", "10:30")
    t2 = session.get(TicketRow, "T2")
    assert t2 is not None
    t2.status, t2.merged_into = "merged", "T4"
    with pytest.raises(ExposureError, match="merged into T4; record the visit there"):
        visit(session, "T2", "10:00", "10:30")


def test_budgets_roll_correctly_across_the_window_edge(session: Session) -> None:
    """The window is rolling_days days ending on the plan day: earlier days drop out, that day's plan does not count."""
    policy = Policy().with_overrides(
        {"exposure.rolling_days": 3, "exposure.max_homes_7d": 5, "exposure.max_exposure_min_7d": 100.0}
    )
    build(session)
    d = [D1 + dt.timedelta(days=i) for i in range(5)]
    publish(session, d[0], {"C1": (C1, [("T1", "09:00", "09:40", True, 30.0)])})
    publish(session, d[1], {"C1": (C1, [("T2", "09:00", "09:40", True, 40.0)])})
    publish(session, d[2], {"C1": (C1, [("T3", "09:00", "09:40", True, 20.0)])})
    publish(session, d[3], {"C1": (C1, [("T4", "09:00", "09:40", True, 50.0)])})

    def left(day: dt.date, member: str = "A1") -> tuple[int | None, float | None]:
        b = member_budgets(session, day=day, policy=policy)[member]
        return b.homes_left, b.exposure_min_left

    assert left(d[2]) == (5 - 2, 100 - 30 - 40)  # d0 and d1; d2's own plan is what is being made
    assert left(d[3]) == (5 - 2, 100 - 40 - 20)  # d0 has dropped out of the window
    assert left(d[3], "B1") == (5, 100)  # no ledger rows: the whole budget
    visit(session, "T4", "09:00", "10:00", day=d[3])  # done today: counts for an intraday re-plan of d3
    assert left(d[3]) == (5 - 3, 100 - 40 - 20 - 36)
    assert left(d[4]) == (5 - 2, 100 - 20 - 36)
    tight = policy.with_overrides({"exposure.max_exposure_min_7d": 50.0, "exposure.max_homes_7d": 2})
    spent = member_budgets(session, day=d[3], policy=tight)["A1"]
    assert (spent.homes_left, spent.exposure_min_left) == (0, 0.0)  # never below zero


def test_quarantine_makes_members_unavailable_and_keeps_small_crews_home(session: Session) -> None:
    """A quarantined member is unavailable on those days; a crew below the minimum is listed as not dispatched."""
    build(session)
    quarantine_member(
        session, member_id="B1", until=D1 + dt.timedelta(days=2), reason="positive test", now=at(D1, "07:00")
    )
    quarantine_member(session, member_id="A1", until=D1, reason="", now=at(D1, "07:00"))
    assert unavailable_members(session, day=D1) == {
        "A1": "quarantined until 2026-12-01",
        "B1": "quarantined until 2026-12-03 (positive test)",
    }
    assert unavailable_members(session, day=D1 + dt.timedelta(days=3)) == {}
    policy = Policy()
    crews, not_dispatched = crews_on_shift(load_inputs(session, day=D1, policy=policy), policy)
    assert [(c.crew.crew_id, c.members) for c in crews] == [("C1", ("A2", "A3"))]
    assert [n.crew_id for n in not_dispatched] == ["C2"]
    assert "1 of 2 members available, policy minimum is 2 (B1: quarantined until 2026-12-03 (positive test))" in (
        not_dispatched[0].reason
    )
    # Quarantining again changes the end date rather than adding a second quarantine.
    quarantine_member(
        session, member_id="B1", until=D1 + dt.timedelta(days=5), reason="still positive", now=at(D1, "12:00")
    )
    rows = session.exec(select(QuarantineRow).where(QuarantineRow.member_id == "B1")).all()
    assert [(r.start, r.until, r.reason) for r in rows] == [(D1, D1 + dt.timedelta(days=5), "still positive")]
    with pytest.raises(ExposureError, match="before the quarantine starts"):
        quarantine_member(session, member_id="B2", until=D1 - dt.timedelta(days=1), reason="", now=at(D1, "07:00"))
    with pytest.raises(ExposureError, match="no member 'X9'"):
        quarantine_member(session, member_id="X9", until=D1, reason="", now=at(D1, "07:00"))


def test_a_spent_budget_yields_an_outdoor_only_route(session: Session) -> None:
    """With a member's rolling homes used up, the crew's plan serves outdoor tickets only and says why."""
    policy = Policy().with_overrides({"exposure.max_homes_7d": 3})
    build(session, crews=("C1",))
    publish(
        session,
        D1 - dt.timedelta(days=1),
        {"C1": (("A1",), [(t, "09:00", "09:40", True, 24.0) for t in ("T1", "T2", "T3")])},
    )
    result = make_plan(load_inputs(session, day=D1, policy=policy), policy, reproducible=True, workers=1)
    (route,) = result.plan.routes
    assert route.outdoor_only == "rolling exposure budget spent by A1"
    assert route.caps.max_homes == 0
    assert set(route.ticket_ids) == {"T5", "T6"}
    assert {u.ticket_id for u in result.plan.unassigned} == {"T1", "T2", "T3", "T4"}


def test_a_partly_spent_budget_is_the_crews_cap(session: Session) -> None:
    """The tightest remaining budget among the members becomes the crew's cap for the night."""
    policy = Policy().with_overrides({"exposure.max_homes_7d": 4})
    build(session, crews=("C1",))
    publish(
        session,
        D1 - dt.timedelta(days=1),
        {"C1": (("A2",), [(t, "09:00", "09:40", True, 24.0) for t in ("T1", "T2", "T3")])},
    )
    result = make_plan(load_inputs(session, day=D1, policy=policy), policy, reproducible=True, workers=1)
    (route,) = result.plan.routes
    assert route.caps.max_homes == 1 and route.outdoor_only is None
    assert route.summary.homes_entered == 1


def test_a_saved_plan_published_fills_the_ledger_like_its_routes(session: Session) -> None:
    """make_plan -> save_plan -> publish_plan: each member's ledger rows add up to the route's homes and minutes."""
    policy = Policy()
    build(session)
    result = make_plan(load_inputs(session, day=D1, policy=policy), policy, reproducible=True, workers=1)
    doc = save_plan(
        session, plan=result.plan, objective=result.objective, now=EVENING, time_limit=1.0, reproducible=True
    )
    publish_plan(session, plan_id=doc.plan_id, now=EVENING)  # type: ignore[arg-type]
    rows = ledger(session)
    assert rows, "the tiny plan serves something"
    for route in doc.routes:
        for m in route.members:
            mine = [r for r in rows if r.member_id == m]
            assert sum(r.homes for r in mine) == route.summary.homes_entered
            assert sum(r.exposure_min for r in mine) == pytest.approx(route.summary.exposure_min)


def test_trace_finds_exactly_the_households_and_coworkers(session: Session) -> None:
    """Tracing lists the member's households and crew-mates in the window, and nobody else's."""
    build(session)
    publish(session, D1, {"C1": (C1, [("T1", "09:00", "09:40", True, 24.0), ("T2", "10:00", "10:40", True, 48.0)]),
                          "C2": (C2, [("T3", "09:00", "09:40", True, 24.0)])})  # fmt: skip
    visit(session, "T1", "09:00", "09:45")
    d2, d21 = D1 + dt.timedelta(days=1), D1 + dt.timedelta(days=20)
    publish(session, d2, {"C1": (("A1", "A2"), [("T4", "09:00", "09:40", True, 24.0)]), "C2": (C2, [])})
    publish(session, d21, {"C1": (C1, [("T6", "09:00", "09:40", False, 0.0)])})

    a3 = trace(session, member_id="A3", days=14, until=d2)
    assert [(h.ticket_id, h.day, h.crew_id, h.source, h.outcome, h.entered_home) for h in a3.households] == [
        ("T1", D1, "C1", "actual", "fixed", True),
        ("T2", D1, "C1", "planned", None, True),
    ]
    assert (
        a3.households[0].address == "Jl. Contoh No. 1, Kel. Kejaksan"
        and a3.households[0].customer_name == "Customer T1"
    )
    assert [(c.member_id, c.crews, c.dates) for c in a3.coworkers] == [("A1", ("C1",), (D1,)), ("A2", ("C1",), (D1,))]

    a1 = trace(session, member_id="A1", days=14, until=d2)
    assert [h.ticket_id for h in a1.households] == ["T1", "T2", "T4"]
    assert [(c.member_id, c.dates) for c in a1.coworkers] == [("A2", (D1, d2)), ("A3", (D1,))]

    late = trace(session, member_id="A1", days=14, until=d21)  # d21 - 13 days: D1 and d2 are out
    assert [h.ticket_id for h in late.households] == ["T6"]
    assert [(c.member_id, c.dates) for c in late.coworkers] == [("A2", (d21,)), ("A3", (d21,))]
    # A route without visits still makes its members co-workers (they share the vehicle).
    b1 = trace(session, member_id="B1", days=2, until=d2)
    assert [h.ticket_id for h in b1.households] == ["T3"]
    assert [(c.member_id, c.dates) for c in b1.coworkers] == [("B2", (D1, d2))]
    assert json.loads(json.dumps(a3.to_dict()))["coworkers"][0] == {
        "member_id": "A1",
        "crews": ["C1"],
        "dates": ["2026-12-01"],
    }


def test_move_member_waits_for_the_cooling_off_period(session: Session) -> None:
    """A move is refused within cohort_cooling_off_days of exposure with the old crew; the error gives the date."""
    build(session)
    publish(session, D1, {"C1": (C1, [("T1", "09:00", "09:40", True, 24.0)])})
    with pytest.raises(ExposureError) as err:
        move_member(session, member_id="A3", to_crew="C2", on=D1 + dt.timedelta(days=14), now=EVENING)
    assert str(err.value) == (
        "member A3 cannot move from crew C1 to C2 on 2026-12-15: last exposure with C1 on 2026-12-01 "
        "(ticket T1, planned); the cooling-off period is 14 days, so the move is allowed from 2026-12-16"
    )
    move = move_member(session, member_id="A3", to_crew="C2", on=D1 + dt.timedelta(days=15), now=EVENING)
    assert (move.from_crew, move.to_crew, move.move_date) == ("C1", "C2", D1 + dt.timedelta(days=15))
    assert session.get(CrewMemberRow, "A3").crew_id == "C2"  # type: ignore[union-attr]
    assert len(session.exec(select(CohortMoveRow)).all()) == 1
    move_member(session, member_id="B1", to_crew="C1", on=D1, now=EVENING)  # no exposure with C2: at once
    with pytest.raises(ExposureError, match="already in crew C1"):
        move_member(session, member_id="B1", to_crew="C1", on=D1, now=EVENING)
    with pytest.raises(ExposureError, match="no crew 'C9'"):
        move_member(session, member_id="B2", to_crew="C9", on=D1, now=EVENING)


def test_zones_valid_over_time_are_used_by_date(session: Session) -> None:
    """A zone counts only between its validity dates: in the ledger's weights and in the plan's closures."""
    build(session, shift_days=(D1, D1 + dt.timedelta(days=2), D1 + dt.timedelta(days=5)))
    add_zone(session, name="Zona merah T1", risk_weight=3.0, valid_from=D1, valid_to=D1 + dt.timedelta(days=1))
    add_zone(
        session,
        name="Karantina T1",
        closed=True,
        valid_from=D1 + dt.timedelta(days=5),
        valid_to=D1 + dt.timedelta(days=6),
    )
    first = visit(session, "T1", "09:00", "09:30", outcome="escalated")
    assert first.exposure_min == 54.0  # 30 min x 0.6 x risk weight 3
    assert {(r.zone, r.zone_weight) for r in ledger(session)} == {("Zona merah T1", 3.0)}
    second = visit(session, "T1", "09:00", "09:30", day=D1 + dt.timedelta(days=2))
    assert second.exposure_min == 18.0  # the red zone has ended
    policy = Policy()
    for day, closed in ((D1, set()), (D1 + dt.timedelta(days=5), {"T4"})):
        # T1 is fixed by now; T4 stands in for a home inside the quarantine zone.
        t4 = session.get(TicketRow, "T4")
        assert t4 is not None
        t4.lat, t4.lon = TICKETS["T1"][:2]
        build_ = build_problem(load_inputs(session, day=day, policy=policy), policy)
        assert {u.ticket_id for u in build_.pre_unassigned if u.reason == "zone_closed"} == closed


def test_import_visits_applies_rows_in_order_of_arrival(session: Session, tmp_path) -> None:
    """A good file is applied in arrival order: not_home, then fixed, and a visit still under way."""
    build(session)
    path = tmp_path / "visits.csv"
    path.write_text(
        "ticket_id,crew_id,arrived,left,entered_home,outcome,note\n"
        "T1,C1,2026-12-01T13:00,2026-12-01T13:40,true,fixed,second try\n"
        "T1,C1,2026-12-01T09:00,2026-12-01T09:05,false,not_home,nobody home\n"
        "T2,C1,2026-12-01T15:00+07:00,,yes,,\n",
        encoding="utf-8",
    )
    report = import_visits(session, path, policy=Policy(), now=EVENING)
    assert (report.rows, report.inserted, report.updated, report.rejected) == (3, 3, 0, 0)
    assert session.get(TicketRow, "T1").status == "closed"  # type: ignore[union-attr]
    under_way = session.exec(select(VisitRecordRow).where(VisitRecordRow.ticket_id == "T2")).one()
    assert under_way.left_at is None and under_way.entered_home
    done = tmp_path / "done.csv"
    done.write_text(
        "ticket_id,crew_id,arrived,left,entered_home,outcome\nT2,C1,2026-12-01T15:00,2026-12-01T15:30,1,fixed\n"
    )
    report = import_visits(session, done, policy=Policy(), now=EVENING)
    assert (report.inserted, report.updated) == (0, 1)


BAD_VISITS = (
    "ticket_id,crew_id,arrived,left,entered_home,outcome,note\n"
    "T9,C1,2026-12-01T09:00,2026-12-01T09:30,true,fixed,\n"
    "T3,C7,2026-12-01T09:00,2026-12-01T09:30,true,fixed,\n"
    "T4,C1,2026-12-01T09:00,2026-12-01T08:00,true,fixed,\n"
    "T5,C1,2026-12-01T09:00,2026-12-01T10:00,maybe,fixed,\n"
    "T6,C1,2026-12-01T09:00,2026-12-01T10:00,false,fixed,\n"
    "T6,C1,2026-12-01T11:00,2026-12-01T12:00,false,fixed,\n"
)


def test_import_visits_is_all_or_nothing_with_file_row_field_errors(session: Session, tmp_path) -> None:
    """Every bad row is reported as FILE:ROW: field: problem, and nothing is recorded."""
    build(session)
    path = tmp_path / "visits.csv"
    path.write_text(BAD_VISITS, encoding="utf-8")
    with pytest.raises(ImportErrors) as err:
        import_visits(session, path, policy=Policy(), now=EVENING)
    assert err.value.errors == [
        f"{path}:2: ticket_id: unknown ticket 'T9'",
        f"{path}:3: crew_id: unknown crew 'C7'",
        f"{path}:4: left: 2026-12-01T08:00:00+07:00 is before arrived 2026-12-01T09:00:00+07:00",
        f"{path}:5: entered_home: expected true/false (or yes/no, 1/0), got 'maybe'",
        f"{path}:7: ticket_id: ticket T6 is fixed on row 6 (2026-12-01T09:00:00+07:00); a later visit cannot follow",
    ]
    assert session.exec(select(VisitRecordRow)).all() == []


def test_import_visits_with_rejects_keeps_the_good_rows(session: Session, tmp_path) -> None:
    """With rejects, good rows are recorded and bad ones written out: accepted + rejected = rows."""
    build(session)
    path, rejects = tmp_path / "visits.csv", tmp_path / "rejects.csv"
    path.write_text(BAD_VISITS, encoding="utf-8")
    report = import_visits(session, path, policy=Policy(), rejects=rejects, now=EVENING)
    assert (report.rows, report.accepted, report.rejected) == (6, 1, 5)
    assert [r.ticket_id for r in session.exec(select(VisitRecordRow))] == ["T6"]
    lines = rejects.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 6 and lines[0].endswith(",reject_reason")


def test_exposure_report_puts_the_most_exposed_first_and_flags_caps(session: Session, tmp_path) -> None:
    """Per worker per day: the day's and the rolling totals against the caps; the chart is a PNG."""
    policy = Policy().with_overrides({"exposure.max_exposure_min_7d": 200.0})
    build(session)
    publish(session, D1, {"C1": (C1, [("T1", "09:00", "09:40", True, 24.0), ("T2", "10:00", "10:40", True, 48.0)]),
                          "C2": (C2, [("T3", "09:00", "09:40", True, 24.0)])})  # fmt: skip
    d2 = D1 + dt.timedelta(days=1)
    publish(session, d2, {"C1": (("A1", "A2"), [("T4", "09:00", "11:00", True, 150.0)])})
    visit(session, "T4", "09:00", "09:40", day=d2)  # reported: 24 min, not the planned 150
    report = exposure_report(session, start=D1, end=d2, policy=policy)
    assert [w.member_id for w in report.workers] == ["A1", "A2", "A3", "B1", "B2"]
    a1 = [r for r in report.rows if r.member_id == "A1"]
    assert [(r.day, r.homes, r.exposure_min, r.rolling_homes, r.rolling_exposure_min, r.source) for r in a1] == [
        (D1, 2, 72.0, 2, 72.0, "planned"),
        (d2, 1, 24.0, 3, 96.0, "actual"),
    ]
    assert not any(r.over_rolling_cap for r in report.rows)
    publish(session, d2 + dt.timedelta(days=1), {"C1": (("A1",), [("T5", "09:00", "11:00", True, 170.0)])})
    later = exposure_report(session, start=d2, end=d2 + dt.timedelta(days=1), policy=policy)
    top = later.workers[0]
    assert (top.member_id, top.peak_rolling_exposure_min, top.days_over_cap) == ("A1", 266.0, 1)
    assert [r.over_rolling_cap for r in later.rows if r.member_id == "A1"] == [False, True]
    assert json.loads(json.dumps(later.to_dict()))["workers"][0]["member_id"] == "A1"
    png = write_exposure_chart(later, tmp_path / "chart.png")
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_an_intraday_replan_published_keeps_done_visits_as_actuals(session: Session) -> None:
    """A re-plan after one visit done and one under way: the done one stays actual, the rest is planned again."""
    from dispatch.intraday.persist import load_replan_inputs, save_replan
    from dispatch.intraday.replan import make_replan

    policy = Policy()
    build(session, crews=("C1",))
    result = make_plan(load_inputs(session, day=D1, policy=policy), policy, reproducible=True, workers=1)
    doc = save_plan(
        session,
        plan=result.plan,
        objective=result.objective,
        now=EVENING - dt.timedelta(days=1),
        time_limit=1.0,
        reproducible=True,
    )
    publish_plan(session, plan_id=doc.plan_id, now=EVENING - dt.timedelta(days=1))  # type: ignore[arg-type]
    steps = doc.routes[0].visits
    assert len(steps) >= 3, "the tiny plan gives C1 at least three visits"
    first, second = steps[0], steps[1]
    start1, end1, start2 = first.start, first.end, second.start
    now = start2 + dt.timedelta(minutes=5)
    record_visit(session, ticket_id=first.ticket_id, crew_id="C1", arrived_at=start1, left_at=end1,
                 entered_home=first.indoor, outcome="fixed", now=now)  # fmt: skip
    record_visit(session, ticket_id=second.ticket_id, crew_id="C1", arrived_at=start2, left_at=None,
                 entered_home=second.indoor, outcome=None, now=now)  # fmt: skip
    rin, parent = load_replan_inputs(session, day=D1, at=now, policy=policy)
    replan = make_replan(rin, policy, time_limit=2.0, reproducible=True, workers=1)
    revised = save_replan(session, replan=replan, parent_id=parent, at=now, now=now, time_limit=2.0, reproducible=True)
    assert session.get(PlanRow, doc.plan_id).status == "superseded"  # type: ignore[union-attr]
    assert session.get(PlanRow, revised.plan_id).status == "published"  # type: ignore[union-attr]
    sources = {(r.ticket_id, r.source) for r in ledger(session)}
    assert (first.ticket_id, "actual") in sources and (first.ticket_id, "planned") not in sources
    assert (second.ticket_id, "planned") in sources  # under way: the plan stands until the crew reports
    assert all(r.plan_id == revised.plan_id for r in ledger(session, source="planned"))


def test_visits_of_a_day_are_those_of_its_plans_and_unplanned_ones_by_arrival(session: Session) -> None:
    """A visit reported against D1's plan after midnight (a night shift) is one of D1's, not D2's; a visit
    reported against no plan belongs to the date it arrived on."""
    build(session)
    publish(session, D1, {"C1": (C1, [("T1", "09:00", "09:40", True, 24.0)])})
    night = visit(session, "T1", "09:00", "09:40")
    d2 = D1 + dt.timedelta(days=1)
    night.arrived_at, night.left_at = at(d2, "00:30"), at(d2, "01:10")
    stray = VisitRecordRow(ticket_id="T3", crew_id="C2", arrived_at=at(d2, "00:45"), recorded_at=at(d2, "01:00"))
    session.add_all([night, stray])
    session.flush()
    assert [v.ticket_id for v in visits_on(session, day=D1, tz=WIB)] == ["T1"]
    assert [v.ticket_id for v in visits_on(session, day=d2, tz=WIB)] == ["T3"]
    assert visits_on(session, day=D1, tz=WIB, crew_id="C2") == []


def test_a_day_shift_visit_to_yesterdays_stop_belongs_to_today(session: Session) -> None:
    """C1 had T1 on D1's 08:00-16:00 route; on D2 (T1 now C2's) C1 visits it at 08:30: one of D2's visits, listed
    and counted in the ledger on D2, not D1 (only a night shift's visits after midnight are the day before's)."""
    d2 = D1 + dt.timedelta(days=1)
    build(session, shift_days=(D1, d2))
    publish(session, D1, {"C1": (C1, [("T1", "09:00", "09:40", True, 24.0)])})
    today = publish(session, d2, {"C1": (C1, [("T3", "10:00", "10:40", True, 24.0)]),
                                  "C2": (C2, [("T1", "09:00", "09:40", True, 24.0)])})  # fmt: skip
    record = visit(session, "T1", "08:30", "09:10", day=d2)
    assert record.plan_id == today
    assert [v.ticket_id for v in visits_on(session, day=d2, tz=WIB)] == ["T1"]
    assert visits_on(session, day=D1, tz=WIB) == []
    assert {r.day for r in ledger(session, source="actual")} == {d2}
