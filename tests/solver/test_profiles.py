"""Travel per vehicle profile: a problem may carry one pair of matrices per vehicle kind (a road
network gives a motorcycle lanes a car cannot use), and every part of the solver reads a crew's own.

Sites on a line: depot 0, homes 1 and 2. Cars take 600 s per step; motorcycles 300 s between the
homes (a lane) and 600 s otherwise. Distances are 10 m per second of the profile's drive.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from solver import MatrixTravel, Model, TimeWindow, TravelMatrices, solve
from solver.checker import check
from solver.exchange import problem_from_json, problem_to_json
from solver.solution import StepType

H = 3600
CAR = np.array([[0, 600, 1200], [600, 0, 600], [1200, 600, 0]])
MOTO = np.array([[0, 600, 900], [600, 0, 300], [900, 300, 0]])
PER_PROFILE = MatrixTravel.per_profile({"car": (CAR, CAR * 10), "motorcycle": (MOTO, MOTO * 10)})


def model(profile: str | None, speed_factor: float = 1.0) -> Model:
    m = Model()
    depot, a, b = (m.add_site(x=float(i), y=0.0) for i in range(3))
    m.add_crew(id="C1", start=depot, shift=TimeWindow(8 * H, 16 * H), profile=profile, speed_factor=speed_factor)
    m.add_job(id="A", site=a, service=600, time_windows=[TimeWindow(8 * H, 8 * H + 600)])
    m.add_job(id="B", site=b, service=600)
    return m


def test_each_crew_drives_its_own_profile() -> None:
    """A motorcycle crew's plan uses the motorcycle matrix (A -> B 300 s, 3 km); a car crew's, the car's."""
    for profile, a_to_b in (("motorcycle", 300), ("car", 600)):
        problem = model(profile).build(PER_PROFILE)
        solution = solve(problem, reproducible=True, workers=1)
        assert check(problem, solution) == []
        steps = [s for s in solution.routes[0].steps if s.type is StepType.VISIT]
        assert [s.job_id for s in steps] == ["A", "B"]
        assert steps[1].arrival == steps[0].end + a_to_b
        assert steps[1].travel_distance == a_to_b * 10


def test_checker_reads_the_crew_profile_matrix() -> None:
    """A motorcycle plan checked as if the crew drove a car fails on travel: the checker uses the profile."""
    problem = model("motorcycle").build(PER_PROFILE)
    solution = solve(problem, reproducible=True, workers=1)
    as_car = model("car").build(PER_PROFILE)
    kinds = {v.kind for v in check(as_car, solution)}
    assert "travel" in kinds


def test_crew_without_profile_drives_the_reference_and_unknown_profile_is_refused() -> None:
    """No profile: the first profile's matrices (the reference vehicle); an unknown profile: a clear error."""
    problem = model(None).build(PER_PROFILE)
    assert problem.duration(problem.crews[0], problem.sites[1], problem.sites[2]) == 600
    with pytest.raises(ValueError, match="crew 'C1': no travel matrices for vehicle profile 'truck'"):
        model("truck").build(PER_PROFILE)


def test_shared_matrices_serve_every_profile_and_speed_factor_still_scales() -> None:
    """With one shared matrix (great-circle, explicit), a profile is only a label; speed_factor scales."""
    problem = model("motorcycle", speed_factor=1.5).build(MatrixTravel(CAR, CAR * 10))
    assert problem.travel.profiles == ()
    assert problem.duration(problem.crews[0], problem.sites[1], problem.sites[2]) == 400
    assert problem.distance(problem.sites[1], problem.sites[2], problem.crews[0]) == 6000


def test_speed_factor_scales_a_profile_matrix() -> None:
    """speed_factor applies on top of the crew's profile matrix (rounded up)."""
    problem = model("motorcycle", speed_factor=0.7).build(PER_PROFILE)
    assert problem.duration(problem.crews[0], problem.sites[1], problem.sites[2]) == 429  # ceil(300 / 0.7)


def test_per_profile_round_trip_through_json() -> None:
    """Per-profile matrices and crew profiles are written under their names and read back equal."""
    problem = model("motorcycle").build(PER_PROFILE)
    data = json.loads(json.dumps(problem_to_json(problem)))
    assert sorted(data["matrices"]) == ["car", "motorcycle"] and data["vehicles"][0]["profile"] == "motorcycle"
    back = problem_from_json(data)
    assert back.crews == problem.crews
    for name in ("car", "motorcycle"):
        assert np.array_equal(back.travel.for_profile(name).durations, problem.travel.for_profile(name).durations)
        assert np.array_equal(back.travel.for_profile(name).distances, problem.travel.for_profile(name).distances)


def test_json_vehicle_profile_without_matrices_is_an_error_naming_it() -> None:
    """A vehicle naming a profile the matrices lack: the error gives its JSON path and the known profiles."""
    data = json.loads(json.dumps(problem_to_json(model("motorcycle").build(PER_PROFILE))))
    data["vehicles"][0]["profile"] = "truck"
    with pytest.raises(ValueError, match=r"vehicles\[0\]\.profile: 'truck' has no matrices"):
        problem_from_json(data)


def test_travel_matrices_refuse_mismatched_profiles() -> None:
    """Per-profile matrices must all be n x n for the same n, and cannot nest."""
    one = TravelMatrices(durations=CAR, distances=CAR)
    with pytest.raises(ValueError, match="profile 'small'"):
        TravelMatrices.per_profile({"car": one, "small": TravelMatrices(durations=CAR[:2, :2], distances=CAR[:2, :2])})
    with pytest.raises(ValueError, match="cannot nest"):
        TravelMatrices.per_profile({"car": TravelMatrices.per_profile({"car": one})})
