"""The nightly job: plan a day under its lock (load, solve, save), and publish a plan version."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from dispatch.core.policy import Policy
from dispatch.ledger.publish import publish_plan
from dispatch.planning.inputs import load_inputs
from dispatch.planning.nightly import make_plan
from dispatch.planning.persist import save_plan
from dispatch.store.db import session_scope
from dispatch.store.locks import exclusive
from dispatch.store.models import unlocated_open_ticket_ids
from dispatch.store.writable import ensure_writable

# What a plan run reports while it searches: seconds elapsed and the best cost so far (None before one).
SearchProgress = Callable[[float, int | None], None]


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
) -> dict[str, Any]:
    """Load, solve and save one draft plan version of ``day``, holding the day's planning lock throughout.

    Reads in one transaction, solves outside any, saves in one: an error or Ctrl-C leaves the database
    as it was. Open tickets without coordinates are named through ``warn`` (and in the plan), not planned.
    """
    limit = policy.solver.time_limit_s if time_limit is None else time_limit
    with exclusive(engine, plan_lock(day)) as lock:
        ensure_writable(engine)  # a read-only database fails now, not after the whole solve
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
        result = make_plan(inputs, policy, time_limit=limit, reproducible=reproducible, progress=progress)
        result.document["unlocated_tickets"] = unlocated
        lock.verify()  # never save under a lock lost during the solve
        with session_scope(engine) as session:
            return save_plan(session, result=result, now=now, time_limit=limit, reproducible=reproducible)


def publish(session: Session, *, plan_id: int, now: dt.datetime) -> None:
    """Make plan ``plan_id`` the one crews get; the exposure ledger records its planned exposure."""
    publish_plan(session, plan_id=plan_id, now=now)
