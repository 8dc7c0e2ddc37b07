"""The overrun margin: learned from the ledger's actual in-home minutes, kept by the plans."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlmodel import Session

from dispatch.core.domain import Category, PlanInputs
from dispatch.core.policy import Policy
from dispatch.ledger.overrun import overrun_margins, quantile
from dispatch.ledger.visits import record_visit
from dispatch.planning.nightly import make_plan
from tests.dispatch.test_intraday import DAY, at, store, ticket, world


def test_quantile_between_ranks() -> None:
    """The quantile interpolates between the closest ranks: 0.5 of 1..4 is 2.5, 0.9 of 1..11 is 10."""
    assert quantile([4.0, 1.0, 3.0, 2.0], 0.5) == 2.5
    assert quantile([float(v) for v in range(1, 12)], 0.9) == 10.0


def test_margin_learned_per_category_from_actuals(session: Session) -> None:
    """20 visits as planned and 5 at 1.5 x the planned in-home minutes give a 0.9 quantile of 1.5."""
    base = world(n_crews=1)
    before = DAY - dt.timedelta(days=1)
    homes = tuple(
        ticket(f"H{k:02d}", 0.001 * k, 0.0, indoor=True, service_min=40, reported_at=at("00:00") - dt.timedelta(days=2))
        for k in range(25)
    )
    store(session, dataclasses.replace(base, tickets=homes))
    planned_in_home = 40 * Policy().category.indoor_share
    for k, t in enumerate(homes):
        start = dt.datetime.combine(before, dt.time(8), tzinfo=at("00:00").tzinfo) + dt.timedelta(minutes=15 * k)
        ratio = 1.5 if k % 5 == 0 else 1.0
        record_visit(
            session, ticket_id=t.ticket_id, crew_id="C01", arrived_at=start, left_at=start + dt.timedelta(minutes=40),
            entered_home=True, outcome="fixed", now=at("00:00"), in_home_min=planned_in_home * ratio,
        )  # fmt: skip
    session.commit()
    policy = Policy()
    assert overrun_margins(session, day=DAY, policy=policy) == {Category.PARTIAL_POWER.value: 1.5}
    assert overrun_margins(session, day=DAY, policy=policy.with_overrides({"exposure.overrun_quantile": 0.5})) == {
        Category.PARTIAL_POWER.value: 1.0
    }
    assert overrun_margins(session, day=DAY, policy=policy.with_overrides({"exposure.overrun_quantile": 0})) == {}
    assert overrun_margins(session, day=DAY, policy=policy.with_overrides({"exposure.overrun_min_visits": 26})) == {}
    assert overrun_margins(session, day=before, policy=policy) == {}  # only days before the planned one


def test_plan_keeps_the_margin_below_the_cap() -> None:
    """With a 1.5 margin a 60-min cap takes one 24-min home entry instead of two; the plan shows 24 min."""
    policy = Policy().with_overrides({"exposure.max_exposure_min_per_shift": 60.0})
    base = world(n_crews=1)
    homes = tuple(ticket(f"H{k}", 0.002 * k, 0.001, indoor=True, service_min=40) for k in range(1, 5))
    inputs = PlanInputs(day=DAY, tickets=homes, crews=base.crews, shifts=base.shifts)

    def entries(margin: dict[str, float]) -> list[float]:
        plan = make_plan(
            dataclasses.replace(inputs, overrun=margin), policy, time_limit=1, reproducible=True, workers=1
        )
        return [s.exposure_min for _, s in plan.plan.visits() if s.indoor]

    assert entries({}) == [24.0, 24.0]
    assert entries({Category.PARTIAL_POWER.value: 1.5}) == [24.0]
