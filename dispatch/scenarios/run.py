"""Running a scenario: apply it to a copy of the day, plan reproducibly, keep the KPIs."""

from __future__ import annotations

import datetime as dt
import json
import time as time_module
from dataclasses import dataclass
from typing import Any

from dispatch.core.domain import PlanInputs
from dispatch.core.plan import Plan
from dispatch.core.policy import Policy
from dispatch.planning.nightly import PlanResult, make_plan
from dispatch.planning.solve import PartsProgress
from dispatch.runtime.cluster import Cluster
from dispatch.scenarios.apply import Applied, apply_scenario
from dispatch.scenarios.kpis import ScenarioKpis, compute_kpis
from dispatch.scenarios.spec import Scenario, ScenarioError

MIN_SOLUTIONS = 20


# Solutions per second of time limit, times tickets: 10 s at 300 tickets is 167 solutions (~3.5 CPU s).
SOLUTIONS_PER_TICKET_SECOND = 5000


SCENARIO_WORKERS = 1


# A run searched from another plan's routes (a sweep point from the base plan) adapts a plan rather than
# making one: it gets this share of the solutions. From a warm start every solution the guided local
# search accepts costs far more (on the sample, 167 solutions took 56-103 s from the base plan against
# 4 s from scratch, so the watchdog, not the count, ended the search); 20 took 0.7-1.3 s and served as
# many P1 as 167 from scratch at every exposure cap from 60 to 180.
WARM_SOLUTIONS_SHARE = 1 / 8


def solution_limit_for(time_limit: float, n_tickets: int, *, warm: bool = False) -> int:
    """The fixed search effort standing in for ``time_limit`` seconds (reproducible runs); ``warm``: for a
    search from another plan's routes (see :data:`WARM_SOLUTIONS_SHARE`)."""
    cold = time_limit * SOLUTIONS_PER_TICKET_SECOND / max(n_tickets, 50)
    return max(MIN_SOLUTIONS, round(cold * WARM_SOLUTIONS_SHARE if warm else cold))


def plan_reproducibly(
    inputs: PlanInputs,
    policy: Policy,
    *,
    time_limit: float,
    solution_limit: int,
    workers: int = SCENARIO_WORKERS,
    warm_start: dict[str, list[str]] | None = None,
    cluster: Cluster | None = None,
    on_part: PartsProgress | None = None,
) -> PlanResult:
    """``planning.make_plan`` in reproducible mode with a fixed solution count and solver processes
    (a region's parts on ``cluster``, default: one after the other in this process); ``warm_start``
    (crew -> tickets, e.g. the base plan's routes) is cut to this plan's rules and searched from."""
    return make_plan(
        inputs,
        policy,
        time_limit=time_limit,
        reproducible=True,
        solution_limit=solution_limit,
        workers=workers,
        initial_routes=warm_start,
        repair_initial=warm_start is not None,
        cluster=cluster,
        on_part=on_part,
    )


@dataclass(frozen=True)
class ScenarioRun:
    """A planned scenario, not stored yet."""

    scenario: Scenario
    day: dt.date
    overrides: dict[str, Any]
    inputs_summary: dict[str, Any]
    plan: Plan
    kpis: ScenarioKpis
    time_limit: float
    solution_limit: int
    workers: int
    wall_time: float
    # In a sweep, the overrides of the tighter point whose routes this point was planned again from
    # (dispatch.scenarios.sweep.no_falls); None when its own search stands.
    again_from: dict[str, Any] | None = None

    @property
    def name(self) -> str:
        if not self.overrides:
            return self.scenario.name
        return f"{self.scenario.name} [{', '.join(f'{k}={v}' for k, v in self.overrides.items())}]"


def plan_scenario(
    scenario: Scenario,
    inputs: PlanInputs,
    base_policy: Policy,
    *,
    time_limit: float | None = None,
    solution_limit: int | None = None,
    overrides: dict[str, Any] | None = None,
    workers: int = SCENARIO_WORKERS,
    warm_start: dict[str, list[str]] | None = None,
    cluster: Cluster | None = None,
    on_part: PartsProgress | None = None,
) -> ScenarioRun:
    """Apply and plan a scenario on ``inputs`` (pure: no database); its parts, if any, on ``cluster``;
    ``warm_start``: see :func:`plan_reproducibly`."""
    t0 = time_module.monotonic()
    applied = apply_scenario(scenario, inputs, base_policy, overrides=overrides)
    limit = applied.policy.solver.time_limit_s if time_limit is None else time_limit
    solutions = (
        solution_limit
        if solution_limit is not None
        else solution_limit_for(limit, len(applied.inputs.tickets), warm=warm_start is not None)
    )
    result = plan_reproducibly(
        applied.inputs,
        applied.policy,
        time_limit=limit,
        solution_limit=solutions,
        workers=workers,
        warm_start=warm_start,
        cluster=cluster,
        on_part=on_part,
    )
    return ScenarioRun(
        scenario=scenario,
        day=inputs.day,
        overrides=dict(overrides or {}),
        inputs_summary=inputs_summary(inputs, applied),
        plan=result.plan,
        kpis=compute_kpis(result.plan, applied.inputs, applied.policy),
        time_limit=limit,
        solution_limit=solutions,
        workers=workers,
        wall_time=round(time_module.monotonic() - t0, 3),
    )


def inputs_summary(base: PlanInputs, applied: Applied) -> dict[str, Any]:
    day = base.day
    changed = applied.inputs

    def on_shift(inputs: PlanInputs) -> int:
        crew_ids = {c.crew_id for c in inputs.crews}
        return sum(1 for s in inputs.shifts if s.date == day and s.crew_id in crew_ids)

    return {
        "base": {"tickets": len(base.tickets), "crews": len(base.crews), "crews_with_shift": on_shift(base)},
        "tickets": len(changed.tickets),
        "crews": len(changed.crews),
        "crews_with_shift": on_shift(changed),
        "zones": sum(1 for z in changed.zones if z.valid_on(day)),
        "unavailable_members": dict(sorted(changed.unavailable_members.items())),
        "changes": list(applied.changes),
        "policy": json.loads(json.dumps(applied.policy.to_dict())),
    }


def scenario_day(scenario: Scenario, day: dt.date | None) -> dt.date:
    if day is not None:
        return day
    if scenario.base_date is None:
        raise ScenarioError([f"{scenario.source}: base_date: not given; set it in the file or pass --date"])
    return scenario.base_date
