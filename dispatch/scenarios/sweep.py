"""Sweeps: one scenario planned over a grid of policy values, and the Pareto front of the results."""

from __future__ import annotations

import dataclasses
import itertools
import math
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dispatch.core.csvcells import SafeDictWriter
from dispatch.core.domain import PlanInputs
from dispatch.core.policy import Policy, PolicyError
from dispatch.runtime.cluster import IN_PROCESS, Cluster
from dispatch.runtime.fanout import fan_out
from dispatch.scenarios.apply import apply_scenario
from dispatch.scenarios.compare import LIMIT_OF_KEY, SweepPoint
from dispatch.scenarios.kpis import ScenarioKpis
from dispatch.scenarios.run import ScenarioRun, plan_scenario
from dispatch.scenarios.spec import Scenario, ScenarioError
from dispatch.store.models.scenarios import ScenarioRunRow

MAX_SWEEP_POINTS = 500


def parse_set(text: str) -> tuple[str, list[Any]]:
    """``key=4..12`` (whole numbers, inclusive), ``key=0.5..2.0:0.25`` (with a step) or ``key=4,6,8``."""
    if "=" not in text:
        raise ScenarioError([f"--set {text}: expected KEY=VALUES, e.g. exposure.max_homes_per_shift=4..12"])
    key, spec = (part.strip() for part in text.split("=", 1))
    where = f"--set {key}"
    if not key:
        raise ScenarioError([f"--set {text}: the policy key is empty"])
    try:
        if ".." in spec:
            bounds, _, step_text = spec.partition(":")
            lo_text, hi_text = bounds.split("..", 1)
            lo, hi = _literal(lo_text), _literal(hi_text)
            step = _literal(step_text) if step_text else 1
            numbers = [v for v in (lo, hi, step) if isinstance(v, int | float) and not isinstance(v, bool)]
            if len(numbers) != 3:
                raise ValueError("a range needs numbers: LOW..HIGH or LOW..HIGH:STEP")
            if step <= 0 or hi < lo:
                raise ValueError("a range needs LOW <= HIGH and a positive STEP")
            if all(isinstance(v, int) for v in (lo, hi, step)):
                values: list[Any] = list(range(lo, hi + 1, step))
            else:
                count = int(math.floor((hi - lo) / step + 1e-9)) + 1
                values = [round(lo + i * step, 10) for i in range(count)]
        else:
            values = [_literal(v) for v in spec.split(",") if v.strip()]
        if not values:
            raise ValueError("no values")
    except (ValueError, TypeError) as exc:
        raise ScenarioError([f"{where}: {spec!r}: {exc}"]) from exc
    for value in values:
        try:
            Policy().with_overrides({key: value}, source=where)
        except PolicyError as exc:
            raise ScenarioError([str(exc)]) from exc
    return key, values


def _literal(text: str) -> Any:
    text = text.strip()
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except (tomllib.TOMLDecodeError, RecursionError):
        return text  # bare text, e.g. a time zone name


def grid(sets: Sequence[tuple[str, list[Any]]]) -> list[dict[str, Any]]:
    keys = [k for k, _ in sets]
    if len(set(keys)) != len(keys):
        raise ScenarioError(
            [f"--set: {k} given more than once" for k in sorted({k for k in keys if keys.count(k) > 1})]
        )
    points = [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*(v for _, v in sets))]
    if len(points) > MAX_SWEEP_POINTS:
        raise ScenarioError([f"--set: {len(points)} combinations; at most {MAX_SWEEP_POINTS} per sweep"])
    return points


@dataclass
class SweepResult:
    scenario: Scenario
    keys: list[str]
    runs: list[ScenarioRun]  # in grid order
    rows: list[ScenarioRunRow]
    sweep: str
    wall_time: float
    jobs: int

    def points(self) -> list[SweepPoint]:
        """The grid points as the answers read them: the swept values and the KPIs."""
        return [SweepPoint({k: run.overrides[k] for k in self.keys}, run.kpis) for run in self.runs]

    def table(self) -> list[dict[str, Any]]:
        """One row per grid point: the set values, the KPIs, which limits workers sit at, the stored run
        id and the Pareto mark (the CSV and --json rows)."""
        front = pareto_front([r.kpis for r in self.runs])
        out = []
        for i, (run, row) in enumerate(zip(self.runs, self.rows, strict=True)):
            k = run.kpis
            out.append(
                {
                    **{key: run.overrides[key] for key in self.keys},
                    "run_id": row.id,
                    "served": k.served,
                    **{f"served_p{p}": n for p, n in enumerate(k.served_by_priority(), start=1)},
                    "p1_within_target": k.p1_within_target,
                    "p2_within_target": k.p2_within_target,
                    "p1_response_h_mean": k.p1_response_h_mean,
                    "customer_minutes_waited": k.customer_minutes_waited,
                    "customers_unserved": k.customers_unserved,
                    "km": k.km,
                    "crew_hours": k.crew_hours,
                    "overtime_hours": k.overtime_hours,
                    "homes_entered": k.homes_entered,
                    "homes_per_worker_max": k.homes_per_worker_max,
                    "exposure_min_per_worker_max": k.exposure_min_per_worker_max,
                    "exposure_min_per_worker_mean": k.exposure_min_per_worker_mean,
                    "workers": k.binding.workers,
                    "workers_at_home_cap": k.binding.at_home_cap,
                    "workers_at_exposure_cap": k.binding.at_exposure_cap,
                    "crews_with_visits": k.binding.crews,
                    "crews_out_of_shift_time": k.binding.out_of_shift_time,
                    "unassigned": k.unassigned,
                    "solution_limit": run.solution_limit,
                    "planned_again_from": "" if run.again_from is None else _label(run.again_from),
                    "wall_time_s": run.wall_time,
                    "pareto": i in front,
                }
            )
        return out


def pareto_front(kpis: Sequence[ScenarioKpis]) -> set[int]:
    """Points no other point beats: served, P1 within target (more is better), homes entered and
    weighted exposure minutes of the most exposed worker (less is better)."""

    def score(k: ScenarioKpis) -> tuple[float, ...]:
        return (k.served, k.p1_within_target, -k.homes_per_worker_max, -k.exposure_min_per_worker_max)

    scores = [score(k) for k in kpis]
    front = set()
    for i, a in enumerate(scores):
        dominated = any(
            all(x >= y for x, y in zip(b, a, strict=True)) and b != a for j, b in enumerate(scores) if j != i
        )
        if not dominated:
            front.add(i)
    return front


# A point planned again from a tighter point's routes takes them as they are, repaired and filled under its
# own rules (with the fill, swap and ejection passes) after one solution: a longer search from a good plan
# is slow and no better for served by priority (home cap 9 on the sample from cap 8's routes: 1 solution
# 0.8 s, 24/29/0/1; 5 solutions 7.0 s and 20 solutions 43.6 s, both 24/28/1/1).
AGAIN_SOLUTIONS = 1

_Point = tuple[Scenario, PlanInputs, Policy, dict[str, Any], float | None, int | None, dict[str, list[str]] | None]


def _sweep_point(args: _Point) -> ScenarioRun:
    scenario, inputs, policy, overrides, time_limit, solution_limit, warm = args
    # The point is one task already: its parts, if any, run one after the other where it runs.
    return plan_scenario(
        scenario,
        inputs,
        policy,
        time_limit=time_limit,
        solution_limit=solution_limit,
        overrides=overrides,
        warm_start=warm,
        cluster=IN_PROCESS,
    )


def sweep_points(
    scenario: Scenario,
    inputs: PlanInputs,
    points: Sequence[dict[str, Any]],
    *,
    policy: Policy,
    time_limit: float | None = None,
    solution_limit: int | None = None,
    jobs: int | None = None,
    on_done: Callable[[int, ScenarioRun], None] | None = None,
    cluster: Cluster | None = None,
) -> list[ScenarioRun]:
    """Plan ``scenario`` on ``inputs`` at every point (policy overrides), side by side on ``cluster``
    (default: a local cluster of ``jobs`` processes), one worker slot each. Every point is searched from
    the scenario's base plan (no overrides), its routes cut to the point's rules and filled: a point
    differs from its neighbour by what the scenario changed, not by the search's noise. The points are
    planned independently of each other (any subset gives the same first round); then, in a one-cap sweep,
    a point that served fewer than a tighter one is planned again from that one's routes (:func:`no_falls`)."""
    # Apply the first point now so a bad scenario fails before any process starts.
    apply_scenario(scenario, inputs, policy, overrides=points[0])
    base = plan_scenario(scenario, inputs, policy, time_limit=time_limit, solution_limit=solution_limit)
    warm = {r.crew_id: list(r.ticket_ids) for r in base.plan.routes}
    tasks = [(scenario, inputs, policy, p, time_limit, solution_limit, warm) for p in points]
    names = [f"sweep point {i + 1} of {len(points)} ({_label(p)})" for i, p in enumerate(points)]
    runs = fan_out(_sweep_point, tasks, cluster=cluster or Cluster(jobs=jobs), names=names, on_done=on_done)

    def again(run: ScenarioRun, routes: dict[str, list[str]]) -> ScenarioRun:
        return _sweep_point((scenario, inputs, policy, run.overrides, time_limit, AGAIN_SOLUTIONS, routes))

    return no_falls(runs, again)


def no_falls(
    runs: list[ScenarioRun], again: Callable[[ScenarioRun, dict[str, list[str]]], ScenarioRun]
) -> list[ScenarioRun]:
    """The runs of a one-cap sweep (a key of ``LIMIT_OF_KEY``: a larger value is looser) with no point serving
    fewer by priority than a tighter one. A plan that keeps a cap keeps every looser one, so where a point's
    own search served fewer (lexicographically: P1, then P2, P3, P4) than the best tighter point, the point
    is planned again (``again``: from that point's routes, see :data:`AGAIN_SOLUTIONS`), and the better of its
    two plans is kept. Other
    sweeps come back as they are. The first round's points stay independent of each other; this pass reads
    them all, once, tightest first."""
    keys = set(runs[0].overrides) if runs else set()
    if len(keys) != 1 or not keys <= set(LIMIT_OF_KEY):
        return runs
    (key,) = keys
    out = list(runs)
    best: ScenarioRun | None = None
    for i in sorted(range(len(out)), key=lambda i: out[i].overrides[key]):
        run = out[i]
        if best is not None and run.kpis.served_by_priority() < best.kpis.served_by_priority():
            redo = again(run, {r.crew_id: list(r.ticket_ids) for r in best.plan.routes})
            if redo.kpis.served_by_priority() > run.kpis.served_by_priority():
                wall = round(run.wall_time + redo.wall_time, 3)
                out[i] = run = dataclasses.replace(redo, wall_time=wall, again_from=dict(best.overrides))
        if best is None or run.kpis.served_by_priority() >= best.kpis.served_by_priority():
            best = run
    return out


def write_sweep_csv(result: SweepResult, path: Path | str) -> Path:
    path = Path(path)
    table = result.table()
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = SafeDictWriter(f, fieldnames=list(table[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(table)
    return path


def _label(point: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in point.items())
