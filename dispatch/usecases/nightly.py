"""The nightly job: plan a day under its lock (load, solve, save), and publish a plan version."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session

import solver
from dispatch.core.plan import Plan
from dispatch.core.policy import Policy
from dispatch.intraday.nightfall import return_unconfirmed
from dispatch.ledger.publish import publish_plan
from dispatch.outages.grouping import outage_jobs
from dispatch.outages.marks import record_outages
from dispatch.planning.inputs import load_inputs
from dispatch.planning.nightly import make_plan
from dispatch.planning.persist import save_plan
from dispatch.planning.solve import PartsProgress
from dispatch.runtime.cluster import Cluster
from dispatch.store.db import session_scope
from dispatch.store.locks import exclusive
from dispatch.store.models.tickets import unlocated_open_ticket_ids
from dispatch.store.writable import ensure_writable

# What a plan run reports while it searches: seconds elapsed and the best solution so far (its cost and
# tickets served per priority; None before one).
SearchProgress = Callable[[float, solver.Incumbent | None], None]


@dataclass(frozen=True)
class PlanRun:
    """A saved plan version and where the run's time went (seconds: load, build, solve, document, save)."""

    plan: Plan
    timings: dict[str, float]
    # Tickets of the day before's published stops that no report covers: open again as ``unconfirmed``.
    unconfirmed: tuple[str, ...] = ()


class NothingToPlan(ValueError):
    """The day cannot be planned (no open tickets, no shifts); the message says what to import."""


def plan_lock(day: dt.date) -> str:
    """The lock every run that writes a plan of ``day`` holds (nightly plans and re-plans alike)."""
    return f"plan {day.isoformat()}"


def run_plan(
    *,
    engine: Engine,
    day: dt.date,
    policy: Policy,
    time_limit: float | None,
    reproducible: bool,
    now: dt.datetime,
    progress: SearchProgress | None = None,
    warn: Callable[[str], None] | None = None,
    cluster: Cluster | None = None,
    on_part: PartsProgress | None = None,
) -> PlanRun:
    """Load, solve and save one draft plan version of ``day``, holding the day's planning lock throughout.

    Reads in one transaction, solves outside any, saves in one: an error or Ctrl-C leaves the database
    as it was. Open tickets without coordinates are named through ``warn`` (and in the plan), not planned.
    First the day before is closed: the tickets of its published stops that started before ``now`` with
    no report go back to open with the reason ``unconfirmed`` (a fact about that day, kept whatever this run does).
    """
    limit = policy.solver.time_limit_s if time_limit is None else time_limit
    with exclusive(engine, plan_lock(day)) as lock:
        ensure_writable(engine)  # a read-only database fails now, not after the whole solve
        t0 = time.perf_counter()
        with session_scope(engine) as session:
            unconfirmed = return_unconfirmed(
                session, day=day - dt.timedelta(days=1), tz=ZoneInfo(policy.region.timezone), until=now
            )
        with session_scope(engine) as session:
            inputs = load_inputs(session, day=day, policy=policy)
            unlocated = unlocated_open_ticket_ids(session)
        if unlocated and warn is not None:
            more = " ..." if len(unlocated) > 10 else ""
            warn(
                f"{len(unlocated)} open ticket(s) have no coordinates and are not planned "
                f"(geocode their addresses): {', '.join(unlocated[:10])}{more}"
            )
        if not inputs.tickets:
            raise NothingToPlan(f"no open tickets to plan for {day}: import some with `dispatch import tickets FILE`")
        if not any(s.date == day for s in inputs.shifts):
            raise NothingToPlan(f"no crew has a shift on {day}: import shifts with `dispatch import shifts FILE`")
        t_loaded = time.perf_counter()
        result = make_plan(
            inputs,
            policy,
            time_limit=limit,
            reproducible=reproducible,
            progress=progress,
            cluster=cluster,
            on_part=on_part,
        )
        plan = result.plan.with_(unlocated_tickets=tuple(unlocated))
        lock.verify()  # never save under a lock lost during the solve
        t_solved = time.perf_counter()
        with session_scope(engine) as session:
            record_outages(session, day=day, outages=plan.outages or (), jobs=outage_jobs(inputs, policy), now=now)
            saved = save_plan(
                session, plan=plan, objective=result.objective, now=now, time_limit=limit, reproducible=reproducible
            )
    timings = {"load_s": round(t_loaded - t0, 3), **result.timings, "save_s": round(time.perf_counter() - t_solved, 3)}
    return PlanRun(saved, timings, tuple(unconfirmed))


def publish(session: Session, *, plan_id: int, now: dt.datetime) -> None:
    """Make plan ``plan_id`` the one crews get; the exposure ledger records its planned exposure."""
    publish_plan(session, plan_id=plan_id, now=now)
