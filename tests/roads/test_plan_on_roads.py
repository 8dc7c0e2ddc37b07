"""A solver problem planned on the road matrix of the tiny town: the plan's drives are Valhalla's,
and the independent checker checks travel against that same road matrix."""

from __future__ import annotations

from dataclasses import replace

import pytest
import valhalla

from solver import Model, TimeWindow, solve
from solver.checker import check
from solver.road_tiles import RoadTiles
from solver.roads import COSTINGS, RoadTravel
from solver.solution import StepType
from tests.roads import networks as town

H = 3600
DEPOT = (108.5482, -6.7002)  # on the north street, between the one-way loop and the gang


@pytest.fixture(scope="module")
def planned(tiny_tiles: RoadTiles):
    m = Model()
    depot = m.add_site(x=DEPOT[0], y=DEPOT[1], name="depot")
    m.add_crew(id="CAR", start=depot, shift=TimeWindow(8 * H, 16 * H), profile="car")
    m.add_crew(id="MOTO", start=depot, shift=TimeWindow(8 * H, 16 * H), profile="motorcycle", skills={"moto"})
    homes = {"A": town.HOME_A, "B": town.HOME_B, "X": town.HOME_X, "Y": town.HOME_Y}
    for name, (lon, lat) in homes.items():
        m.add_job(id=name, site=m.add_site(x=lon, y=lat, name=name), service=900)
    # Two jobs only the motorcycle crew may take, at both ends of the gang.
    for name, (lon, lat) in (("G1", town.HOME_G1), ("G2", town.HOME_G2)):
        m.add_job(id=name, site=m.add_site(x=lon, y=lat, name=name), service=600, skills={"moto"})
    problem = m.build(RoadTravel(tiny_tiles))
    return problem, solve(problem, time_limit=5, reproducible=True, workers=1)


def test_plan_on_roads_passes_the_checker(planned) -> None:
    """Every job is served and the checker, reading the road matrices per profile, finds nothing."""
    problem, solution = planned
    assert not solution.unassigned
    assert check(problem, solution) == []
    moto = next(r for r in solution.routes if r.crew_id == "MOTO")
    assert {"G1", "G2"} <= {s.job_id for s in moto.steps if s.type is StepType.VISIT}


def test_arrival_times_are_valhallas_durations(planned, tiny_tiles: RoadTiles) -> None:
    """Each drive in the plan (arrival - previous departure, with no break on the way) equals the
    duration Valhalla gives for that pair alone, asked for here directly, and its route action's to the second."""
    problem, solution = planned
    actor = valhalla.Actor(tiny_tiles.config())
    legs = 0
    for route in solution.routes:
        crew = problem.crew(route.crew_id)
        places = [s for s in route.steps if s.type is not StepType.BREAK]
        for p, q in zip(places, places[1:], strict=False):
            a, b = problem.sites[p.site_index], problem.sites[q.site_index]
            if a.index == b.index:
                continue
            one = {"lon": a.x, "lat": a.y}, {"lon": b.x, "lat": b.y}
            request = {"sources": [one[0]], "targets": [one[1]], "costing": COSTINGS[crew.profile], "verbose": False}
            answer = actor.matrix(request)["sources_to_targets"]
            assert q.arrival - p.end == answer["durations"][0][0] == q.travel_time
            assert q.travel_distance == round(answer["distances"][0][0] * 1000)
            routed = actor.route({"locations": list(one), "costing": COSTINGS[crew.profile], "directions_type": "none"})
            assert q.travel_time == pytest.approx(routed["trip"]["summary"]["time"], abs=1)
            legs += 1
    assert legs >= 6


def test_checker_catches_a_drive_shorter_than_the_road(planned) -> None:
    """Moving one visit a minute earlier than the road allows is reported as a travel violation."""
    problem, solution = planned
    r = next(i for i, route in enumerate(solution.routes) if any(s.type is StepType.VISIT for s in route.steps))
    route = solution.routes[r]
    k = next(i for i, s in enumerate(route.steps) if s.type is StepType.VISIT)
    step = route.steps[k]
    early = replace(step, arrival=step.arrival - 60, start=step.start - 60, end=step.end - 60)
    routes = list(solution.routes)
    routes[r] = replace(route, steps=(*route.steps[:k], early, *route.steps[k + 1 :]))
    assert "travel" in {v.kind for v in check(problem, replace(solution, routes=tuple(routes)))}


def test_great_circle_would_underestimate_the_bridge(planned) -> None:
    """Across the river A -> B takes over twice the great-circle estimate (x 1.35 at 30 km/h)."""
    from solver.travel import GreatCircleTravel

    problem, _ = planned
    a, b = (next(j.site for j in problem.jobs if j.id == x) for x in ("A", "B"))
    road = problem.travel.for_profile("car").durations[a.index, b.index]
    crow = GreatCircleTravel().matrices(problem.sites).durations[a.index, b.index]
    assert road > 2 * crow
