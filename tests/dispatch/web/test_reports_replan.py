"""Reports sent through the crew service, then a re-plan from the database: done freezes, not done by reason."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
from sqlalchemy import Engine

from dispatch.core.policy import Policy
from dispatch.core.route import StepProgress
from dispatch.usecases.replan import run_replan

from .conftest import Day, Server


def _report(server: Server, token: str, ticket: str, status: str, **extra: object) -> None:
    body = {"report_id": str(uuid.uuid4()), "ticket_id": ticket, "status": status,
            "at": dt.datetime.now(dt.UTC).isoformat(), **extra}  # fmt: skip
    res = httpx.post(f"{server.url}/api/reports", json=body, headers={"Authorization": f"Bearer {token}"})
    assert res.status_code == 200, res.text


def test_replan_after_phone_reports(server: Server, running_day: Day, engine: Engine) -> None:
    """Through the service: T01 done stays frozen on C01; T02 needs material and T05 unsafe are not planned again
    today (next day, flagged); T03 not home is planned again; T04, not started, keeps its place with C01."""
    c1, c2 = running_day.tokens["C01"], running_day.tokens["C02"]
    _report(server, c1, "T01", "done")
    _report(server, c1, "T02", "not_done", reason="needs_material")
    _report(server, c1, "T03", "not_done", reason="not_home")
    _report(server, c2, "T05", "not_done", reason="unsafe")
    now = dt.datetime.now(dt.UTC)
    run = run_replan(engine=engine, day=running_day.day, at=now, policy=Policy(), now=now, time_limit=2,
                     reproducible=True, publish=False)  # fmt: skip
    plan = run.plan
    frozen = {s.ticket_id: (r.crew_id, s.progress, s.outcome) for r, s in plan.visits() if s.progress is not None}
    planned = {s.ticket_id: r.crew_id for r, s in plan.visits() if s.progress is None}
    assert frozen["T01"] == ("C01", StepProgress.DONE, "fixed")
    assert frozen["T02"][2] == "needs_material" and frozen["T05"][2] == "unsafe"
    assert "T02" not in planned and "T05" not in planned
    assert "T03" in planned and planned["T04"] == "C01"
    actions = {n.ticket_id: n.action for n in run.replan.revision.not_done}
    assert actions == {"T02": "next_day", "T03": "reoffered", "T05": "flagged"}
    assert {u.ticket_id: u.reason for u in plan.unassigned if u.ticket_id in ("T02", "T05")} == {
        "T02": "needs_material", "T05": "unsafe"}  # fmt: skip
