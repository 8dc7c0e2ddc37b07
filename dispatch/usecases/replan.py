"""The running day's re-plan: under the day's lock, load what happened, re-plan, save, publish, rewrite sheets."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from dispatch.core.plan import Plan
from dispatch.core.policy import Policy
from dispatch.intraday.model import Replan
from dispatch.intraday.persist import load_replan_inputs, save_replan
from dispatch.intraday.replan import make_replan
from dispatch.outages.grouping import outage_jobs
from dispatch.outages.marks import record_outages
from dispatch.planning.solve import PartsProgress
from dispatch.runtime.cluster import Cluster
from dispatch.runtime.files import check_output_dir
from dispatch.store.db import session_scope
from dispatch.store.locks import exclusive
from dispatch.store.writable import ensure_writable
from dispatch.usecases.nightly import plan_lock
from dispatch.usecases.sheets import write_plan_sheets


@dataclass(frozen=True)
class ReplanRun:
    """A saved re-plan: the revision, what changed, the id it revises and the sheets rewritten."""

    plan: Plan
    replan: Replan
    parent_id: int
    sheets: tuple[Path, ...]


def run_replan(
    *,
    engine: Engine,
    day: dt.date,
    at: dt.datetime,
    policy: Policy,
    now: dt.datetime,
    time_limit: float,
    reproducible: bool = False,
    end_shift: Mapping[str, dt.datetime] | None = None,
    publish: bool = True,
    sheets_out: Path | None = None,
    lang: str = "id",
    overtime: bool = True,
    cluster: Cluster | None = None,
    on_part: PartsProgress | None = None,
) -> ReplanRun:
    """Re-plan ``day`` as of ``at`` and save it as a new revision (published unless ``publish`` is False);
    with ``sheets_out``, rewrite the route sheets of the crews whose route changed."""
    if sheets_out is not None:
        check_output_dir(sheets_out, what="--out")  # before the solve, not after it
    with exclusive(engine, plan_lock(day)) as lock:
        ensure_writable(engine, what="a re-plan")
        with session_scope(engine) as session:
            rin, parent_id = load_replan_inputs(session, day=day, at=at, policy=policy, end_shift=end_shift or {})
        rin = dataclasses.replace(rin, overtime=overtime)  # --no-overtime: the dispatcher refuses it
        replan = make_replan(
            rin, policy, time_limit=time_limit, reproducible=reproducible, cluster=cluster, on_part=on_part
        )
        lock.verify()
        with session_scope(engine) as session:
            jobs = outage_jobs(rin.inputs, policy, as_of=at)
            record_outages(session, day=day, outages=replan.plan.outages or (), jobs=jobs, now=now)
            plan = save_replan(
                session,
                replan=replan,
                parent_id=parent_id,
                at=at,
                now=now,
                time_limit=time_limit,
                reproducible=reproducible,
                publish_it=publish,
            )
            files: list[Path] = []
            if sheets_out is not None:
                # All changed crews' sheets move into place together, just before the revision commits.
                routed = {r.crew_id for r in plan.routes}
                changed = [c for c in replan.changed_crews if c in routed]
                files = write_plan_sheets(session, plan=plan, policy=policy, out=sheets_out, lang=lang, crews=changed)
    return ReplanRun(plan, replan, parent_id, tuple(files))
