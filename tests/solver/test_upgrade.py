"""Upgrades (``solver.upgrade.upgrade_in``): one crew at site 0, every job at site 1 (100 s away), so a route's
length is 200 s of travel plus its services; routes checked by the independent checker."""

from __future__ import annotations

import numpy as np

from solver import MatrixTravel, Model, Objective
from solver.engine import RawRoute
from solver.model import Problem, TimeWindow
from solver.upgrade import upgrade_in
from tests.solver.test_eject import checked_ids


def day(shift_end: int, jobs: list[tuple[str, int, int, bool]]) -> Problem:
    """Crew C1 with a shift [0, shift_end]; P1 jobs (id, service s, customers, stands for many) at site 1."""
    m = Model()
    m.set_objective(Objective(wait_weight=1))
    sites = [m.add_site(x=float(i), y=0.0) for i in range(2)]
    gap = np.abs(np.arange(2)[:, None] - np.arange(2)[None, :])
    m.add_crew(id="C1", start=sites[0], shift=TimeWindow(0, shift_end))
    for job_id, service, customers, many in jobs:
        m.add_job(id=job_id, site=sites[1], service=service, priority=1, customers=customers, unserved_waits=many)
    return m.build(MatrixTravel(durations=gap * 100, distances=gap * 100))


def test_a_bigger_outage_takes_the_place_of_a_smaller() -> None:
    """Shift 800 s holds one 600 s job: the transformer (50 customers) gives its place to the feeder (1,000)."""
    p = day(800, [("SMALL", 600, 50, True), ("BIG", 600, 1000, True)])
    assert checked_ids(p, upgrade_in(p, [RawRoute(0, 0, 800, ((0, 100),), ())], budget=None)) == ["BIG"]


SHORT = [("HAZ-SHORT", 300, 1, False)]


def test_an_exchange_for_a_shorter_hazard_makes_the_room() -> None:
    """Shift 1,100 s is full with a 600 s hazard and a 300 s transformer. The 600 s feeder fits in the
    transformer's place once the hazard is exchanged for a 300 s one: still two P1 visits, one of them a hazard."""
    p = day(1100, [("HAZ-LONG", 600, 1, False), ("SMALL", 300, 50, True), ("BIG", 600, 1000, True)] + SHORT)
    route = RawRoute(0, 0, 1100, ((0, 100), (1, 700)), ())
    assert checked_ids(p, upgrade_in(p, [route], budget=None)) == ["BIG", "HAZ-SHORT"]


def test_hazards_never_give_way() -> None:
    """Without a shorter hazard to exchange the feeder does not fit in the transformer's 300 s, and a hazard never
    gives its place to an outage: the same two visits, the transformer's 50 customers now served first."""
    p = day(1100, [("HAZ-LONG", 600, 1, False), ("SMALL", 300, 50, True), ("BIG", 600, 1000, True)])
    route = RawRoute(0, 0, 1100, ((0, 100), (1, 700)), ())
    assert checked_ids(p, upgrade_in(p, [route], budget=None)) == ["SMALL", "HAZ-LONG"]
