"""What-if runs on the live data, never writing it: one scenario, or a sweep over a grid of policy values."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable, Sequence
from typing import Any

from dispatch.core.policy import Policy
from dispatch.planning.solve import PartsProgress
from dispatch.runtime.cluster import Cluster, ClusterInfo
from dispatch.scenarios.live import load_live_inputs, store_runs
from dispatch.scenarios.run import ScenarioRun, plan_scenario, scenario_day
from dispatch.scenarios.spec import Scenario
from dispatch.scenarios.sweep import SweepResult, grid, sweep_points
from dispatch.store.db import make_engine
from dispatch.store.models.scenarios import ScenarioRunRow


def run_scenario(
    url: str,
    scenario: Scenario,
    *,
    policy: Policy,
    day: dt.date | None = None,
    time_limit: float | None = None,
    solution_limit: int | None = None,
    now: dt.datetime | None = None,
    cluster: Cluster | None = None,
    on_part: PartsProgress | None = None,
) -> ScenarioRunRow:
    """Read the live data (read-only), plan the scenario in memory (its parts on ``cluster``), store only the run."""
    day = scenario_day(scenario, day)
    inputs = load_live_inputs(url, day=day, policy=policy)
    run = plan_scenario(
        scenario, inputs, policy, time_limit=time_limit, solution_limit=solution_limit, cluster=cluster, on_part=on_part
    )
    engine = make_engine(url)
    try:
        return store_runs(engine, [run], now=now)[0]
    finally:
        engine.dispose()


def run_sweep(
    url: str,
    scenario: Scenario,
    sets: Sequence[tuple[str, list[Any]]],
    *,
    policy: Policy,
    day: dt.date | None = None,
    time_limit: float | None = None,
    solution_limit: int | None = None,
    jobs: int | None = None,
    on_done: Callable[[int, ScenarioRun], None] | None = None,
    on_start: Callable[[int], None] | None = None,
    now: dt.datetime | None = None,
    cluster: Cluster | None = None,
) -> SweepResult:
    """Plan every point of the grid side by side on ``cluster`` (default: a local cluster of ``jobs``
    processes), one worker slot each, then store them all at once."""
    t0 = time.monotonic()
    points = grid(sets)
    inputs = load_live_inputs(url, day=scenario_day(scenario, day), policy=policy)
    where = cluster or Cluster(jobs=jobs)
    used: list[ClusterInfo] = []

    def announce(info: ClusterInfo) -> None:
        used.append(info)
        if where.announce is not None:
            where.announce(info)

    if on_start is not None:
        on_start(len(points))
    runs = sweep_points(
        scenario,
        inputs,
        points,
        policy=policy,
        time_limit=time_limit,
        solution_limit=solution_limit,
        on_done=on_done,
        cluster=dataclasses.replace(where, announce=announce),
    )
    label = f"{scenario.name} sweep {(now or dt.datetime.now(dt.UTC)).strftime('%Y-%m-%dT%H:%M:%SZ')}"
    engine = make_engine(url)
    try:
        rows = store_runs(engine, runs, sweep=label, now=now)
    finally:
        engine.dispose()
    return SweepResult(
        scenario=scenario,
        keys=[k for k, _ in sets],
        runs=runs,
        rows=rows,
        sweep=label,
        wall_time=round(time.monotonic() - t0, 2),
        jobs=used[0].slots if used else 1,
    )
