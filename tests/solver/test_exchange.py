"""The JSON exchange format: problems round-trip exactly, solutions carry VROOM's shape plus reasons.

Fixture: five sites with explicit matrices (distance = 10 x duration). Crew C1 (meter skill, lunch
break, home/exposure/capacity caps, speed factor 1.5, ends at another site than it starts) and crew
C2 (barred from homes). T-001 needs the meter skill and enters a home; T-002 is required; T-003 needs
a crane nobody has, so it is always unassigned with reason ``no_skilled_crew``; it counts as two jobs of
its class (weight 2).
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from solver.checker import check
from solver.exchange import problem_from_json, problem_to_json, solution_from_json, solution_to_json
from solver.model import Break, Model, Objective, Problem, TimeWindow
from solver.search import solve
from solver.travel import GreatCircleTravel, MatrixTravel

ROOT = Path(__file__).resolve().parents[2]
DURATIONS = [
    [0, 600, 900, 1200, 300],
    [600, 0, 300, 700, 500],
    [900, 300, 0, 400, 800],
    [1200, 700, 400, 0, 1000],
    [300, 500, 800, 1000, 0],
]


def tiny_problem() -> Problem:
    """The fixture problem described in the module docstring."""
    m = Model()
    s = [m.add_site(x=108.55 + i / 100, y=-6.7, name=f"s{i}") for i in range(5)]
    m.add_crew(
        id="C1",
        start=s[0],
        end=s[4],
        shift=TimeWindow(28800, 57600),
        max_work=25200,
        skills={"meter"},
        max_homes=1,
        max_exposure=1200,
        capacity=3,
        breaks=[Break("lunch", TimeWindow(43200, 46800), 1800)],
        speed_factor=1.5,
    )
    m.add_crew(id="C2", start=s[0], shift=TimeWindow(28800, 57600), homes_allowed=False)
    m.add_job(
        id="T-001",
        site=s[1],
        service=900,
        time_windows=[TimeWindow(32400, 36000), TimeWindow(43200, 50400)],
        skills={"meter"},
        priority=1,
        customers=3,
        enters_home=True,
        exposure=900,
        demand=2,
    )
    m.add_job(id="T-002", site=s[2], service=600, required=True, demand=1, preferred_crew="C2", move_cost=50)
    m.add_job(id="T-003", site=s[3], service=600, skills={"crane"}, priority=4, weight=2)
    m.set_objective(Objective(distance_weight=2, wait_weight=1))
    return m.build(MatrixTravel(DURATIONS, [[10 * d for d in row] for row in DURATIONS]))


def through_text(data: dict[str, Any]) -> Any:
    return json.loads(json.dumps(data))


def assert_same_problem(a: Problem, b: Problem) -> None:
    assert b.sites == a.sites
    assert b.jobs == a.jobs
    assert b.crews == a.crews
    assert np.array_equal(b.travel.durations, a.travel.durations)
    assert np.array_equal(b.travel.distances, a.travel.distances)
    assert (b.objective, b.wait_origin) == (a.objective, a.wait_origin)


def test_problem_round_trip_is_exact() -> None:
    """problem -> JSON text -> problem keeps sites, jobs, crews (breaks, caps, speed), matrices and objective."""
    problem = tiny_problem()
    assert_same_problem(problem, problem_from_json(through_text(problem_to_json(problem))))


def test_emergency_class_and_urgency_round_trip() -> None:
    """A class-0 job with urgency and order fields reads back exactly; both count in the route cost."""
    m = Model()
    s = [m.add_site(x=float(i), y=0.0) for i in range(2)]
    m.add_crew(id="C1", start=s[0], shift=TimeWindow(0, 7200))
    m.add_job(id="HAZARD", site=s[1], service=600, priority=0, urgency=20, follows="GONE", reorder_cost=7)
    problem = m.build(MatrixTravel([[0, 300], [300, 0]], [[0, 3000], [3000, 0]]))
    assert_same_problem(problem, problem_from_json(through_text(problem_to_json(problem))))
    out = solution_to_json(problem, solve(problem, time_limit=5, reproducible=True, workers=1))
    # Travel 300 + 300 s, 20 per second from the wait origin (0) to the start of service (300), and 7
    # for not following the job it was promised after.
    assert out["routes"][0]["cost"] == 600 + 20 * 300 + 7


def test_round_trip_keeps_matrices_of_a_computed_travel_model() -> None:
    """A great-circle problem is written with its matrices, so it reads back equal without the model."""
    m = Model()
    depot, home = m.add_site(x=108.55, y=-6.73), m.add_site(x=108.56, y=-6.71)
    m.add_crew(id="C1", start=depot, shift=TimeWindow(28800, 57600))
    m.add_job(id="T1", site=home, service=1800, time_windows=[TimeWindow(30000, 40000)])
    problem = m.build(GreatCircleTravel())
    data = through_text(problem_to_json(problem))
    assert "travel" not in data and data["matrices"]["car"]["durations"][0][1] > 0
    assert_same_problem(problem, problem_from_json(data))


def test_locations_without_matrices_use_the_named_travel_model() -> None:
    """A VROOM-style problem with coordinates only is built with the `travel` model; shared places share a site."""
    data = {
        "travel": {"model": "euclidean", "scale": 1},
        "vehicles": [{"id": "C1", "start": [0, 0], "time_window": [0, 1000]}],
        "jobs": [{"id": "A", "location": [3, 4], "service": 10}, {"id": "B", "location": [3, 4]}],
    }
    problem = problem_from_json(data)
    assert len(problem.sites) == 2 and problem.job("A").site is problem.job("B").site
    assert problem.travel.durations[0, 1] == 5


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("jobs", 0, "time_windows", 0), [40000, 30000], "jobs[0].time_windows[0]: start after end"),
        (("jobs", 1, "priority"), 50, "jobs[1].priority: must be one of [0, 1, 2, 3, 4]"),
        (("jobs", 2, "location_index"), 9, "jobs[2].location_index: 9 is outside"),
        (("jobs", 0, "colour"), "red", "jobs[0].colour: unknown field"),
        (("jobs", 0, "delivery"), [1, 2], "jobs[0].delivery: expected one load dimension"),
        (("jobs", 1, "id"), "T-001", "jobs[1].id: 'T-001' is already the id of jobs[0]"),
        (("jobs", 2, "exposure"), 60, "jobs[2]: job 'T-003': exposure without entering a home"),
        (("jobs", 2, "weight"), 0, "jobs[2]: job 'T-003': weight must be 1 to 100, got 0"),
        (("jobs", 2, "weight"), "two", "jobs[2].weight: expected an integer"),
        (("vehicles", 0, "breaks", 0, "service"), 9999, "vehicles[0].breaks[0].service: 9999 s does not fit"),
        (("vehicles", 1, "speed_factor"), "fast", "vehicles[1].speed_factor: expected a finite number"),
        (("matrices", "car", "durations", 2), [0, 1], "matrices.car.durations[2]: 2 values in a 5-row matrix"),
    ],
)
def test_bad_problem_names_the_json_path(path: tuple[Any, ...], value: Any, message: str) -> None:
    """Each broken field raises ValueError whose message starts with its JSON path."""
    data = copy.deepcopy(through_text(problem_to_json(tiny_problem())))
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ValueError) as err:
        problem_from_json(data)
    assert str(err.value).startswith(message)


def test_solution_json_has_vroom_shape_with_reasons_and_exposure() -> None:
    """Steps run start..end with cumulative travel/distance and exposure; the crane job is unassigned with a reason."""
    problem = tiny_problem()
    out = through_text(solution_to_json(problem, solve(problem, time_limit=5, reproducible=True, workers=1)))
    assert out["code"] == 0
    assert [u["id"] for u in out["unassigned"]] == ["T-003"]
    assert out["unassigned"][0]["reason"] == "no_skilled_crew" and out["unassigned"][0]["detail"]
    assert out["unassigned"][0]["location"] == [108.58, -6.7]
    assert [r["vehicle"] for r in out["routes"]] == ["C1", "C2"]
    c1 = out["routes"][0]
    types = [s["type"] for s in c1["steps"]]
    assert types[0] == "start" and types[-1] == "end" and types.count("break") == 1
    assert sorted(s["id"] for s in c1["steps"] if s["type"] == "job") == ["T-001", "T-002"]
    home_visit = next(s for s in c1["steps"] if s.get("id") == "T-001")
    assert (home_visit["homes_entered"], home_visit["exposure"], home_visit["service"]) == (1, 900, 900)
    assert c1["steps"][-1]["duration"] == c1["duration"] and c1["steps"][-1]["distance"] == c1["distance"]
    assert c1["steps"][-1]["load"] == [3]
    summary = out["summary"]
    assert (summary["routes"], summary["unassigned"], summary["exposure"]) == (1, 1, 900)
    assert summary["cost"] == sum(r["cost"] for r in out["routes"]) > 0


def test_solution_read_back_equals_the_solved_one_and_passes_the_checker() -> None:
    """solution -> JSON text -> Solution is the same object (explanations' values included), and the independent
    checker finds nothing."""
    problem = tiny_problem()
    solution = solve(problem, time_limit=5, reproducible=True, workers=1)
    back = solution_from_json(through_text(solution_to_json(problem, solution)))
    assert back == solution and any(u.facts is not None for u in back.unassigned)
    assert check(problem, back) == []


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "solver", "json", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_cli_json_solves_a_problem_file(tmp_path: Path) -> None:
    """`python -m solver json` writes a solution JSON that reads back and passes the checker against the file."""
    problem_file, solution_file = tmp_path / "problem.json", tmp_path / "solution.json"
    problem_file.write_text(json.dumps(problem_to_json(tiny_problem())), encoding="utf-8")
    result = run_cli(str(problem_file), "--time-limit", "5", "--reproducible", "--out", str(solution_file))
    assert result.returncode == 0, result.stderr
    problem = problem_from_json(json.loads(problem_file.read_text(encoding="utf-8")))
    solution = solution_from_json(json.loads(solution_file.read_text(encoding="utf-8")))
    assert check(problem, solution) == []
    assert [u.job_id for u in solution.unassigned] == ["T-003"]


def test_cli_json_bad_input_exits_2_naming_the_path(tmp_path: Path) -> None:
    """A broken field or broken JSON gives exit code 2 and a message naming the file and the place."""
    data = through_text(problem_to_json(tiny_problem()))
    data["jobs"][1]["time_windows"] = [[36000, 30000]]
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(data), encoding="utf-8")
    result = run_cli(str(broken))
    assert result.returncode == 2
    assert "broken.json: jobs[1].time_windows[0]: start after end" in result.stderr
    assert result.stdout == ""

    broken.write_text('{"jobs": [', encoding="utf-8")
    result = run_cli(str(broken))
    assert result.returncode == 2 and "broken.json: not JSON: " in result.stderr and "line 1" in result.stderr


def test_unknown_facts_of_an_unassigned_job_are_refused_where_they_are() -> None:
    """A solution file whose unassigned job's facts carry a key the format does not know names that place."""
    problem = tiny_problem()
    doc = solution_to_json(problem, solve(problem, time_limit=5, reproducible=True, workers=1))
    doc["unassigned"][0]["facts"] = {"colour": 1}
    with pytest.raises(ValueError, match=r"unassigned\[0\]\.facts"):
        solution_from_json(doc)
