"""Region parts and sweep points on a real Dask cluster: a scheduler and two workers started here as separate
processes (`dask scheduler`, `dask worker`) on localhost. The plan is the same as in-process, passes the
independent checker, survives a killed worker; a failed task is named; an unreachable cluster saves nothing."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import select
from typer.testing import CliRunner

from cli import app
from dispatch.core.domain import Category, Crew, PlanInputs, Shift, Ticket, Vehicle
from dispatch.core.policy import Policy
from dispatch.intraday.emergencies import timed
from dispatch.intraday.parts import Part as ReplanPart
from dispatch.io.importing.crews import import_crews
from dispatch.io.importing.shifts import import_shifts
from dispatch.io.importing.tickets import import_tickets
from dispatch.planning.build import build_problem
from dispatch.planning.nightly import make_plan
from dispatch.planning.solve import PartsDone
from dispatch.planning.split import partition
from dispatch.runtime.cluster import IN_PROCESS, Cluster, ClusterError, ClusterInfo, TaskFailed
from dispatch.runtime.fanout import fan_out
from dispatch.sample.region import generate_region
from dispatch.scenarios.spec import Scenario
from dispatch.scenarios.sweep import sweep_points
from dispatch.store.db import session_scope
from dispatch.store.models import PlanRow
from tests.dispatch.plan_checker import check_plan

DAY = dt.date(2026, 11, 30)
TZ = dt.timezone(dt.timedelta(hours=7))
REPORTED = dt.datetime(2026, 11, 29, 20, tzinfo=TZ)
ROOT = Path(__file__).resolve().parents[2]
DASK = Path(sys.executable).with_name("dask")
# Parts of at most 15 tickets: the 48-ticket day below is solved in 4 parts.
POLICY = Policy().with_overrides({"solver.max_tickets_per_solve": 15})


def _day(seed: int = 7, n: int = 48) -> PlanInputs:
    """``n`` tickets around two depots 8 km apart, 3 crews at each (every ticket reachable)."""
    rng = random.Random(seed)
    depots = [(-6.70, 108.55), (-6.75, 108.50)]
    crews = [
        Crew(
            f"C{d}{k}",
            f"Regu {d}-{k}",
            lat,
            lon,
            skills=("lv", "mv"),
            vehicle=Vehicle.CAR,
            members=(f"M{d}{k}a", f"M{d}{k}b"),
        )
        for d, (lat, lon) in enumerate(depots)
        for k in range(3)
    ]
    shifts = tuple(
        Shift(c.crew_id, DAY, dt.datetime(2026, 11, 30, 8, tzinfo=TZ), dt.datetime(2026, 11, 30, 16, tzinfo=TZ))
        for c in crews
    )
    tickets = tuple(
        Ticket(f"T{i:04d}", REPORTED, Category.METER, lat + rng.uniform(-0.04, 0.04), lon + rng.uniform(-0.04, 0.04),
               rng.randint(1, 4))
        for i, (lat, lon) in enumerate(depots[i % 2] for i in range(n))
    )  # fmt: skip
    return PlanInputs(day=DAY, tickets=tickets, crews=tuple(crews), shifts=shifts)


def _comparable(doc: dict) -> str:
    return json.dumps({k: v for k, v in doc.items() if k not in {"created_at", "solve"}}, sort_keys=True)


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[subprocess.Popen[bytes]]]]:
    """`dask scheduler` and two `dask worker`s (non-daemonic, one thread each) on localhost: (address, workers)."""
    folder = tmp_path_factory.mktemp("dask")
    file = folder / "scheduler.json"
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False", "PYTHONPATH": str(ROOT)}
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": ROOT, "env": env}
    scheduler = subprocess.Popen(
        [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0", "--dashboard-address", "127.0.0.1:0",
         "--scheduler-file", str(file)], **quiet
    )  # fmt: skip
    workers = [
        subprocess.Popen(
            [
                str(DASK),
                "worker",
                "--scheduler-file",
                str(file),
                "--nthreads",
                "1",
                "--no-nanny",
                "--name",
                f"w{i}",
                "--no-dashboard",
            ],
            **quiet,
        )  # fmt: skip
        for i in range(2)
    ]
    try:
        from distributed import Client

        deadline = time.monotonic() + 60
        while not file.exists():
            assert time.monotonic() < deadline, "the scheduler did not start"
            time.sleep(0.1)
        address = json.loads(file.read_text())["address"]
        with Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
        yield address, workers
    finally:
        for p in [*workers, scheduler]:
            p.kill()
            p.wait()


def test_plan_on_the_cluster_is_the_plan_made_here(dask_cluster: tuple[str, list]) -> None:
    """In reproducible mode, a 4-part plan solved on the cluster is identical to one solved in this process,
    and the independent checker finds nothing wrong with it; the cluster is announced with its dashboard."""
    address, _ = dask_cluster
    inputs = _day()
    heard: list[ClusterInfo] = []
    remote = make_plan(inputs, POLICY, reproducible=True, cluster=Cluster(scheduler=address, announce=heard.append))
    here = make_plan(inputs, POLICY, reproducible=True, cluster=IN_PROCESS)
    assert remote.timings["groups"] == 4
    assert [(i.scheduler, i.slots, i.local) for i in heard] == [(address, 2, False)]
    assert heard[0].dashboard and heard[0].dashboard.startswith("http://127.0.0.1:")
    doc = remote.plan.to_json()
    assert check_plan(doc, inputs, POLICY) == []
    assert _comparable(doc) == _comparable(here.plan.to_json())


def test_three_point_sweep_on_the_cluster(dask_cluster: tuple[str, list]) -> None:
    """Three sweep points run on the cluster give the same runs as in this process, each plan valid."""
    address, _ = dask_cluster
    inputs = _day(8, n=30)
    scenario = Scenario(name="cap", source="test", text="")
    points = [{"exposure.max_homes_per_shift": n} for n in (2, 4, 6)]
    remote = sweep_points(scenario, inputs, points, policy=POLICY, solution_limit=20, cluster=Cluster(address))
    here = sweep_points(scenario, inputs, points, policy=POLICY, solution_limit=20, cluster=IN_PROCESS)
    assert [r.overrides for r in remote] == points
    assert [r.kpis for r in remote] == [r.kpis for r in here]
    for run, point in zip(remote, points, strict=True):
        assert check_plan(run.plan.to_json(), inputs, POLICY.with_overrides(point)) == []


def test_rescue_and_overtime_timing_goes_to_the_named_scheduler(dask_cluster: tuple[str, list]) -> None:
    """A re-plan's rescue/overtime re-solve (each part's first solution, fixed work) of 4 parts runs on the
    cluster named by --scheduler, and gives the same routes as timed in this process."""
    address, _ = dask_cluster
    builds = [build_problem(p.inputs, POLICY) for p in partition(_day(), POLICY)]
    parts = [ReplanPart(b, {}, {}, {}) for b in builds]
    heard: list[ClusterInfo] = []
    remote = timed(parts, Cluster(scheduler=address, announce=heard.append))
    here = timed(parts)
    assert [(i.scheduler, i.local) for i in heard] == [(address, False)]
    routes = [[[list(r.job_ids()) for r in s.routes] for s in run] for run in (remote, here)]
    assert routes[0] == routes[1]


def test_a_failed_task_is_named(dask_cluster: tuple[str, list]) -> None:
    """A task that raises on the cluster (after its retry) fails the run with its name and its error."""
    address, _ = dask_cluster
    with pytest.raises(TaskFailed, match=r"point b failed: ValueError: invalid literal") as caught:
        fan_out(int, ["1", "x"], cluster=Cluster(address), names=["point a", "point b"])
    assert caught.value.name == "point b"


def test_an_unreachable_scheduler_fails_the_plan_and_saves_nothing(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    """`dispatch plan --scheduler` naming no scheduler, on a day in parts: an error line, no traceback, no plan."""
    region = tmp_path / "region"
    generate_region(n_tickets=40, n_crews=4, day=DAY, seed=3).write(region)
    policy = Policy.load(region / "dispatch.toml")
    with session_scope(engine) as s:
        import_crews(s, region / "crews.csv")
        import_shifts(s, region / "shifts.csv", policy=policy)
        import_tickets(s, region / "tickets.csv", policy=policy)
    split = region / "split.toml"
    split.write_text(
        (region / "dispatch.toml")
        .read_text(encoding="utf-8")
        .replace("max_tickets_per_solve = 1500", "max_tickets_per_solve = 12")
    )
    result = CliRunner().invoke(
        app,
        [
            "plan",
            "--date",
            DAY.isoformat(),
            "--reproducible",
            "--policy",
            str(split),
            "--scheduler",
            "tcp://127.0.0.1:9",
        ],
        env={"DISPATCH_DATABASE_URL": database_url, "DISPATCH_POLICY": ""},
    )
    assert result.exit_code == 1, result.output
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.output
    assert "nothing was saved" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    with session_scope(engine) as s:
        assert s.exec(select(PlanRow)).all() == []


def test_a_killed_worker_does_not_stop_the_plan(dask_cluster: tuple[str, list]) -> None:
    """SIGKILL of one of the two workers while the parts run: its part runs again on the other, and the plan
    is complete, valid under the checker and the same as in-process (reproducible mode). Runs last: the
    worker stays dead."""
    address, workers = dask_cluster
    inputs = _day(9, n=120)
    policy = POLICY.with_overrides({"solver.max_tickets_per_solve": 40})  # 3 or more parts
    done: list[int] = []
    killed: list[int] = []

    def kill_once(_elapsed: float, _best: int | None) -> None:
        if not killed:
            workers[1].send_signal(signal.SIGKILL)
            killed.append(done[-1])

    result = make_plan(
        inputs,
        policy,
        reproducible=True,
        cluster=Cluster(address),
        progress=kill_once,
        on_part=lambda p: done.append(p.done),
    )
    assert killed == [0] and workers[1].wait(timeout=10) == -signal.SIGKILL  # killed before any part was back
    assert done[-1] == result.timings["groups"] >= 3
    doc = result.plan.to_json()
    assert check_plan(doc, inputs, policy) == []
    here = make_plan(inputs, policy, reproducible=True, cluster=IN_PROCESS)
    assert _comparable(doc) == _comparable(here.plan.to_json())


def _children(pid: int) -> list[int]:
    """The running processes whose parent is ``pid``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if fields[1] == str(pid) and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_killed_caller_leaves_no_work_on_the_cluster(dask_cluster: tuple[str, list]) -> None:
    """SIGKILL of a process planning on the cluster mid-search: the scheduler drops its tasks and the worker
    kills the part's process within seconds (a search that nobody waits for does not go on)."""
    from distributed import Client

    address, workers = dask_cluster
    worker = workers[0].pid
    script = (
        "from dispatch.planning.nightly import make_plan\n"
        "from dispatch.runtime.cluster import Cluster\n"
        "from tests.dispatch.test_cluster import POLICY, _day\n"
        f"make_plan(_day(5), POLICY, time_limit=300, cluster=Cluster({address!r}))\n"
    )
    caller = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stderr=subprocess.DEVNULL)  # parts of minutes

    def tasks(dask_scheduler) -> int:  # Dask passes the scheduler by this name
        return len(dask_scheduler.tasks)

    with Client(address, timeout=30) as client:
        deadline = time.monotonic() + 60
        while not _children(worker):
            assert caller.poll() is None and time.monotonic() < deadline, "no part started on the worker"
            time.sleep(0.1)
        time.sleep(0.5)  # searching
        caller.send_signal(signal.SIGKILL)
        caller.wait()
        killed = time.monotonic()
        while client.run_on_scheduler(tasks) or _children(worker):
            assert time.monotonic() - killed < 10, "the dropped search is still running"
            time.sleep(0.1)
    assert workers[0].poll() is None  # the worker itself goes on


def test_progress_counts_parts_and_tickets_served_by_priority() -> None:
    """A run in parts reports 0/4 then each part as it is solved; the last report's served tickets by priority
    are the parts' solutions', which the fill pass after them can only add to (no emergencies here: every
    ticket was reported the evening before, within target)."""
    inputs = _day()
    heard: list[PartsDone] = []
    result = make_plan(inputs, POLICY, reproducible=True, cluster=IN_PROCESS, on_part=heard.append, border=False)
    plan = result.plan.to_json()
    assert [p.done for p in heard] == [0, 1, 2, 3, 4] and {p.total for p in heard} == {4}
    by_priority = {int(k): v for k, v in plan["summary"]["served_by_priority"].items() if v}
    assert all(n <= by_priority.get(p, 0) for p, n in heard[-1].served.items())
    assert sum(heard[-1].served.values()) > 0
    assert heard[-1].sentence().startswith("parts 4/4 solved; served so far: P1 ")


def test_a_cluster_without_workers_fails_the_run(
    dask_cluster: tuple[str, list], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With its last worker killed, a run on the cluster fails saying so once it has waited NO_WORKERS_S (2 s
    here) instead of waiting forever. Runs last: no worker is left."""
    import dispatch.runtime.cluster as cluster_module

    address, workers = dask_cluster
    for worker in workers:
        worker.kill()
        worker.wait()
    monkeypatch.setattr(cluster_module, "NO_WORKERS_S", 2.0)
    t0 = time.monotonic()
    with pytest.raises(ClusterError, match="has had no worker for 2 s"):
        fan_out(int, ["1", "2"], cluster=Cluster(address))
    assert time.monotonic() - t0 < 30
