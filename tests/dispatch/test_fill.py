"""The fill guarantee over the assembled plan: a region split into parts leaves no unassigned ticket that one
feasible insertion into any crew's route (of any part) would serve, by the independent insertion checker."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from dispatch.core.policy import Policy
from dispatch.io.importing.crews import import_crews
from dispatch.io.importing.shifts import import_shifts
from dispatch.io.importing.tickets import import_tickets
from dispatch.io.importing.zones import import_zones
from dispatch.planning.build import build_problem
from dispatch.planning.inputs import load_inputs
from dispatch.planning.nightly import make_plan
from dispatch.sample.region import generate_region
from dispatch.store.db import session_scope
from solver.checker import insertable
from tests.dispatch.plan_checker import check_plan

DAY = dt.date(2026, 11, 30)


@pytest.fixture
def split_day(engine, tmp_path: Path):
    """A generated region of 80 tickets and 6 crews, planned in parts of at most 12 tickets."""
    region = tmp_path / "region"
    generate_region(n_tickets=80, n_crews=6, day=DAY, seed=5).write(region)
    policy = Policy.load(region / "dispatch.toml").with_overrides({"solver.max_tickets_per_solve": 12})
    with session_scope(engine) as s:
        import_crews(s, region / "crews.csv")
        import_shifts(s, region / "shifts.csv", policy=policy)
        import_zones(s, region / "zones.geojson")
        import_tickets(s, region / "tickets.csv", policy=policy)
    with session_scope(engine) as s:
        return load_inputs(s, day=DAY, policy=policy), policy


def test_split_plan_leaves_nothing_insertable(split_day) -> None:
    """Over all parts' routes together, no unassigned ticket fits anywhere; the plan keeps every promise."""
    inputs, policy = split_day
    result = make_plan(inputs, policy, reproducible=True, solution_limit=5, workers=1)
    assert result.timings["groups"] > 1
    doc = result.plan.to_json()
    assert check_plan(doc, inputs, policy) == []
    whole = build_problem(inputs, policy).problem
    orders = {r.crew_id: list(r.ticket_ids) for r in result.plan.routes}
    served = {t for ids in orders.values() for t in ids}
    left = [j.id for j in whole.jobs if j.id not in served]
    assert insertable(whole, orders, left) == {}
