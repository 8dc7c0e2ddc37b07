"""Solomon / Gehring-Homberger reader, CVRPLIB solution files and ``python -m solver solve``."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest

from solver import vrptw

ROOT = Path(__file__).resolve().parents[2]
SOLOMON = ROOT.parent / "shared" / "bench" / "solomon"
BKS_ROUTES = ROOT.parent / "shared" / "bench" / "bks_routes" / "cvrplib_solomon"
# The benchmark files are read where they lie, next to the project (never copied into it).
needs_shared = pytest.mark.skipif(
    not (SOLOMON / "C101.txt").exists(), reason=f"Solomon files not found in {SOLOMON} (../shared/bench)"
)

# Depot at the origin; customers on a 3-4-5 triangle so distances are whole numbers.
TINY = """TINY
\r
VEHICLE
NUMBER     CAPACITY
  2          10

CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME

    0       0          0          0          0        100          0
    1       3          4          4          0         20          1
    2       6          8          4          5         40          1
    3       0         -5          6          0         30          2
"""


def _python(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """This interpreter run on ``args`` from the project root, output captured as text."""
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "TINY.txt"
    path.write_text(TINY, encoding="ascii")
    return path


@needs_shared
def test_reads_solomon_c101() -> None:
    """C101 reads as 100 customers, 25 vehicles of capacity 200, depot due at 1236."""
    inst = vrptw.read_instance(SOLOMON / "C101.txt")
    assert inst.name == "C101"
    assert (inst.vehicles, inst.capacity, len(inst.customers)) == (25, 200, 100)
    assert inst.depot == vrptw.Customer(0, 40.0, 50.0, 0, 0, 1236, 0)
    assert inst.customers[0] == vrptw.Customer(1, 45.0, 68.0, 10, 912, 967, 90)
    assert [c.number for c in inst.customers] == list(range(1, 101))


def test_reads_hand_written_instance(tiny: Path) -> None:
    """A small file with mixed line ends and blank lines reads field by field."""
    inst = vrptw.read_instance(tiny)
    assert (inst.name, inst.vehicles, inst.capacity) == ("TINY", 2, 10)
    assert inst.customer(3) == vrptw.Customer(3, 0.0, -5.0, 6, 0, 30, 2)
    assert inst.depot.due == 100


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        ("    2       6        x8          4          5         40          1", "TINY.txt:12: YCOORD."),
        ("    2       6          8          4         50         40          1", "READY TIME 50 after DUE"),
        (
            "    2       6          8         11          5         40          1",
            "DEMAND 11 exceeds CAPACITY",
        ),
        ("    1       6          8          4          5         40          1", "CUST NO. 1 appears twice"),
        ("    2       6          8          4          5         40", "expected 7 fields"),
    ],
)
def test_reader_names_file_line_and_field(tmp_path: Path, bad_row: str, message: str) -> None:
    """A bad customer row is refused with the file, line and field that are wrong."""
    lines = TINY.splitlines()
    lines[11] = bad_row  # the row of customer 2 (line 12)
    path = tmp_path / "TINY.txt"
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    with pytest.raises(vrptw.InstanceError, match=message.replace(".", r"\.")):
        vrptw.read_instance(path)


def test_reader_refuses_missing_vehicle_section(tmp_path: Path) -> None:
    """A file without the vehicle section says so instead of guessing a fleet."""
    path = tmp_path / "X.txt"
    path.write_text("X\nCUSTOMER\nCUST NO. XCOORD.\n", encoding="ascii")
    with pytest.raises(vrptw.InstanceError, match="no 'NUMBER CAPACITY'"):
        vrptw.read_instance(path)


def test_build_problem_scales_times_and_keeps_demand(tiny: Path) -> None:
    """Times and travel are scaled by ``scale``, travel rounds up, demand and capacity are kept."""
    problem = vrptw.build_problem(vrptw.read_instance(tiny), scale=100)
    assert [c.id for c in problem.crews] == ["V1", "V2"]
    assert all(c.capacity == 10 and (c.shift.start, c.shift.end) == (0, 10_000) for c in problem.crews)
    job = problem.job("3")
    assert (job.demand, job.service, job.time_windows[0].end, job.required) == (6, 200, 3000, False)
    depot, first = problem.sites[0], problem.job("1").site
    assert problem.distance(depot, first) == 500  # 5.00 at scale 100
    assert problem.travel.durations[1, 3] == math.ceil(math.hypot(3, 9) * 100)
    assert problem.objective.distance_weight == 1 and problem.objective.travel_time_weight == 0


def test_route_distance_and_real_valued_check(tiny: Path) -> None:
    """Distance is summed unrounded; windows, capacity and the fleet are checked in real time."""
    inst = vrptw.read_instance(tiny)
    # 0 -> 1 -> 2 -> 0 = 5 + 5 + 10; 0 -> 3 -> 0 = 10.
    assert vrptw.route_distance(inst, [[1, 2], [3]]) == pytest.approx(30.0)
    assert vrptw.check_routes(inst, [[1, 2], [3]]) == []
    # One vehicle: load 14 > 10, while customer 3 is reached in time at 5 + 1 + 5 + 1 + 14.3 = 26.3 <= 30.
    assert vrptw.check_routes(inst, [[1, 2, 3]]) == ["route 1: load 14 exceeds capacity 10"]
    # Customer 3 first, then 2 at 5 + 2 + hypot(6, 13) = 21.3, inside its window [5, 40].
    assert vrptw.check_routes(inst, [[3, 2], [1]]) == []
    assert vrptw.check_routes(inst, [[1], [2], [3]]) == ["3 routes but only 2 vehicles"]
    assert vrptw.check_routes(inst, [[1, 2]]) == ["1 customers not served: 3"]
    assert "customer 1 visited twice (routes 1 and 1)" in vrptw.check_routes(inst, [[1, 2, 1], [3]])


def test_check_routes_catches_a_late_visit(tmp_path: Path) -> None:
    """Arriving after the due time is reported with the real-valued service start."""
    path = tmp_path / "LATE.txt"
    path.write_text(
        TINY.replace(
            "    2       6          8          4          5         40",
            "    2       6          8          4          5          9",
        )
    )
    inst = vrptw.read_instance(path)
    assert vrptw.check_routes(inst, [[1, 2], [3]]) == ["route 1: customer 2 served at 11.0000, after its due time 9"]


@needs_shared
def test_checker_accepts_published_c101_solution() -> None:
    """The published C101 best-known routes pass the check and sum to the bks.csv distance."""
    inst = vrptw.read_instance(SOLOMON / "C101.txt")
    routes, stated = vrptw.read_solution(BKS_ROUTES / "C101.sol")
    assert vrptw.check_routes(inst, routes) == []
    assert vrptw.route_distance(inst, routes) == pytest.approx(828.9369, abs=1e-4)
    assert stated == pytest.approx(827.3)  # CVRPLIB states costs with distances truncated to 0.1


def test_solution_file_format_and_round_trip(tmp_path: Path) -> None:
    """The writer emits CVRPLIB lines, numbering used routes only; the reader gives them back."""
    text = vrptw.format_solution([[5, 3, 7], [], [1]], 1234.56789)
    assert text == "Route #1: 5 3 7\nRoute #2: 1\nCost 1234.5679\n"
    path = tmp_path / "x.sol"
    vrptw.write_solution(path, [[5, 3, 7], [1]], 1234.56789)
    assert vrptw.read_solution(path) == ([[5, 3, 7], [1]], 1234.5679)


def test_read_solution_refuses_stray_lines(tmp_path: Path) -> None:
    """A line that is neither a route nor the cost is an error naming the line."""
    path = tmp_path / "x.sol"
    path.write_text("Route #1: 1 2\nhello\n", encoding="ascii")
    with pytest.raises(vrptw.InstanceError, match=r"x\.sol:2"):
        vrptw.read_solution(path)


def test_cli_solves_tiny_instance_end_to_end(tiny: Path, tmp_path: Path) -> None:
    """`python -m solver solve` writes a valid .sol: every customer once, the cost recomputed."""
    out = tmp_path / "tiny.sol"
    proc = _python("-m", "solver", "solve", str(tiny), "--time-limit", "1", "--reproducible", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "3/3 customers served, feasible" in proc.stdout
    inst = vrptw.read_instance(tiny)
    routes, cost = vrptw.read_solution(out)
    assert sorted(n for r in routes for n in r) == [1, 2, 3]
    assert vrptw.check_routes(inst, routes) == []
    assert cost == pytest.approx(vrptw.route_distance(inst, routes), abs=1e-4)
    assert cost == pytest.approx(30.0, abs=1e-4)  # the optimum: 0-1-2-0 and 0-3-0


def test_cli_reports_unreadable_instance(tmp_path: Path) -> None:
    """A broken instance file exits with status 2 and a message naming the file."""
    bad = tmp_path / "BAD.txt"
    bad.write_text("BAD\n", encoding="ascii")
    proc = _python("-m", "solver", "solve", str(bad), "--out", str(tmp_path / "x.sol"))
    assert proc.returncode == 2
    assert "BAD.txt" in proc.stderr


def test_bench_repeats_and_reports_the_spread(tiny: Path, tmp_path: Path) -> None:
    """bench/solomon.py --repeat 2 solves the set twice and prints each run's mean gap with its range."""
    bks = tmp_path / "bks.csv"
    bks.write_text("instance,vehicles,distance,source\nTINY,2,30.0,distmin: hand-checked\n", encoding="utf-8")
    rows = tmp_path / "rows.csv"
    proc = _python(
        *("bench/solomon.py", "--dir", str(tmp_path), "--bks", str(bks), "--time-limit", "1", "--reproducible"),
        *("--repeat", "2", "--csv", str(rows)),
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    assert "run 1: TINY: 30.00 gap 0.00 %" in proc.stdout
    assert "run 2: TINY: 30.00 gap 0.00 %" in proc.stdout
    assert "mean gap % by class and run" in proc.stdout
    assert [line.split(",")[-2] for line in rows.read_text(encoding="utf-8").splitlines()[1:]] == ["1", "2"]
