"""The border pass: tickets a part leaves open go to a neighbouring part's crews that can reach them, each
ticket still exactly once in the plan, checked by the independent checker."""

from __future__ import annotations

import datetime as dt
import random

from dispatch.core.domain import Category, Crew, PlanInputs, Shift, Ticket, Vehicle
from dispatch.core.policy import Policy
from dispatch.planning.nightly import make_plan
from dispatch.planning.split import partition
from dispatch.runtime.cluster import IN_PROCESS
from tests.dispatch.plan_checker import check_plan

DAY = dt.date(2026, 11, 30)
TZ = dt.timezone(dt.timedelta(hours=7))
REPORTED = dt.datetime(2026, 11, 29, 20, tzinfo=TZ)
POLICY = Policy().with_overrides({"solver.max_tickets_per_solve": 16})


def _seam() -> PlanInputs:
    """Depot A (one crew) with 24 tickets around it, depot B 6 km east (four crews) with 6: A's crew cannot
    serve all of A's, B's crews have time, and A's eastern tickets are nearer B than B's farthest own."""
    rng = random.Random(4)
    depots = {"A": (-6.70, 108.50), "B": (-6.70, 108.555)}
    crews = [
        Crew(f"{d}{k}", f"Regu {d}{k}", *depots[d], skills=("lv", "mv"), vehicle=Vehicle.CAR,
             members=(f"{d}{k}a", f"{d}{k}b"))
        for d, n in (("A", 1), ("B", 4))
        for k in range(n)
    ]  # fmt: skip
    shifts = tuple(
        Shift(c.crew_id, DAY, dt.datetime(2026, 11, 30, 8, tzinfo=TZ), dt.datetime(2026, 11, 30, 16, tzinfo=TZ))
        for c in crews
    )
    spots = [(-6.70 + rng.uniform(-0.02, 0.02), 108.50 + rng.uniform(-0.02, 0.03)) for _ in range(24)]
    spots += [(-6.70 + rng.uniform(-0.03, 0.03), 108.555 + rng.uniform(-0.035, 0.02)) for _ in range(6)]
    tickets = tuple(
        Ticket(f"T{i:03d}", REPORTED, Category.METER, lat, lon, rng.randint(2, 4)) for i, (lat, lon) in enumerate(spots)
    )
    return PlanInputs(day=DAY, tickets=tickets, crews=tuple(crews), shifts=shifts)


def test_border_pass_serves_what_the_cut_left_open() -> None:
    """Tickets of crowded depot A that its part leaves open go to B's idle crews: the border pass takes some
    (B's crews serve A's tickets), none is lost, no fewer are served than by the fill pass alone, and the
    plan is valid with every ticket exactly once."""
    inputs = _seam()
    assert len(partition(inputs, POLICY)) >= 2
    cut = make_plan(inputs, POLICY, reproducible=True, cluster=IN_PROCESS, border=False)
    seamless = make_plan(inputs, POLICY, reproducible=True, cluster=IN_PROCESS, border=True)
    doc = seamless.plan.to_json()
    assert check_plan(doc, inputs, POLICY) == []
    assert seamless.timings["border_taken"] > 0
    assert doc["summary"]["served"] >= cut.plan.summary.served
    by_b = {s.ticket_id for r in seamless.plan.routes if r.crew_id.startswith("B") for s in r.steps if s.ticket_id}
    assert any(int(t[1:]) < 24 for t in by_b)  # some of A's tickets served by B's crews


def _random_day(seed: int) -> PlanInputs:
    """30-50 tickets around three depots 5 km apart with 1-3 crews each, of random priorities."""
    rng = random.Random(seed)
    depots = [(-6.70, 108.50), (-6.70, 108.545), (-6.745, 108.52)]
    crews = [
        Crew(f"C{d}{k}", f"Regu {d}{k}", *depots[d], skills=("lv", "mv"), vehicle=Vehicle.CAR,
             members=(f"M{d}{k}a", f"M{d}{k}b"))
        for d in range(3)
        for k in range(rng.randint(1, 3))
    ]  # fmt: skip
    shifts = tuple(
        Shift(c.crew_id, DAY, dt.datetime(2026, 11, 30, 8, tzinfo=TZ), dt.datetime(2026, 11, 30, 12, tzinfo=TZ))
        for c in crews
    )
    tickets = []
    for i in range(rng.randint(30, 50)):
        lat, lon = rng.choice(depots)
        tickets.append(Ticket(f"T{i:03d}", REPORTED, Category.METER, lat + rng.uniform(-0.025, 0.025),
                              lon + rng.uniform(-0.025, 0.025), rng.randint(1, 4)))  # fmt: skip
    return PlanInputs(day=DAY, tickets=tuple(tickets), crews=tuple(crews), shifts=shifts)


def test_border_pass_keeps_every_ticket_once_on_random_days() -> None:
    """On random three-depot days cut into parts of at most 8, the plan with the border pass keeps every
    promise under the checker (each ticket once, as a visit or unassigned) and serves no fewer P1 tickets."""
    policy = Policy().with_overrides({"solver.max_tickets_per_solve": 8})
    for seed in range(4):
        inputs = _random_day(seed)
        cut = make_plan(inputs, policy, reproducible=True, solution_limit=20, cluster=IN_PROCESS, border=False)
        seamless = make_plan(inputs, policy, reproducible=True, solution_limit=20, cluster=IN_PROCESS)
        assert check_plan(seamless.plan.to_json(), inputs, policy) == [], seed
        assert seamless.plan.summary.served_by_priority[1] >= cut.plan.summary.served_by_priority[1], seed


def test_border_pass_on_the_generated_region_in_parts_of_12(engine, tmp_path) -> None:  # noqa: ANN001
    """The sample generator's 40-ticket region cut into parts of at most 12 (as the faults tests plan it): with
    the border pass each ticket is still once in the plan (a part that receives tickets gives none away)."""
    from dispatch.io.importing.crews import import_crews
    from dispatch.io.importing.shifts import import_shifts
    from dispatch.io.importing.tickets import import_tickets
    from dispatch.planning.inputs import load_inputs
    from dispatch.sample.region import generate_region
    from dispatch.store.db import session_scope

    generate_region(n_tickets=40, n_crews=4, day=DAY, seed=3).write(tmp_path)
    policy = Policy.load(tmp_path / "dispatch.toml").with_overrides({"solver.max_tickets_per_solve": 12})
    with session_scope(engine) as s:
        import_crews(s, tmp_path / "crews.csv")
        import_shifts(s, tmp_path / "shifts.csv", policy=policy)
        import_tickets(s, tmp_path / "tickets.csv", policy=policy)
        inputs = load_inputs(s, day=DAY, policy=policy)
    for limit in (None, 40):
        result = make_plan(inputs, policy, reproducible=True, solution_limit=limit, cluster=IN_PROCESS)
        assert check_plan(result.plan.to_json(), inputs, policy) == []
