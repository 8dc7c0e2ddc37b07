"""Promises kept: a stop on a crew's published route (an emergency once placed included) is costly to
drop or to push later, and when a re-plan drops one anyway the dispatcher is told which and why.

A promised job's drop penalty is half as much again as an unpromised job's of its class (solver
``Job.promised``), so only more urgent work takes its place. Being moved later is already paid for:
an emergency's waiting counts like ``response.emergency_customers`` customers (so a placed hazard
is never pushed back for ordinary work), and a promised stop reached from anywhere but the stop
before it costs the re-plan's reorder cost. (An extra waiting cost on every promised stop was
tried: on the golden re-plan it made the short search lose a P1, so it is not used.)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import solver
from dispatch.core.plan import CrewChange, Plan

# Why a promised stop left the plan when it is not among the unassigned: it was closed or done elsewhere.
CLOSED = "closed"


def as_promised(job: solver.Job) -> solver.Job:
    """``job`` (on a crew's published route) marked as a promise: dearer to drop."""
    return dataclasses.replace(job, promised=True)


def with_drop_reasons(changes: Mapping[str, CrewChange], plan: Plan) -> dict[str, CrewChange]:
    """Each crew's change with, for every promised stop it dropped, why (the unassigned reason, or closed)."""
    why = {u.ticket_id: u.reason for u in plan.unassigned}
    return {
        crew: dataclasses.replace(ch, dropped_why={t: why.get(t, CLOSED) for t in ch.dropped}) if ch.dropped else ch
        for crew, ch in changes.items()
    }
