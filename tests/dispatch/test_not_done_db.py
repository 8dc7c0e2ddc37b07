"""Stops reported not done, through the ledger and `dispatch replan`: the JSON and the text in id and en."""

from __future__ import annotations

import datetime as dt
import json

from sqlmodel import Session
from typer.testing import CliRunner

from dispatch.ledger.visits import record_visit
from tests.dispatch.test_intraday import DAY, at
from tests.dispatch.test_silence_db import published  # noqa: F401  (the fixture)


def test_replan_cli_says_what_became_of_not_done_stops(published, engine) -> None:  # noqa: F811
    """Not home is offered again today, unsafe is flagged: `replan --json` lists both, the text says so in id and en."""
    from cli import app

    stops = sorted(((r.crew_id, s) for r, s in published.visits()), key=lambda cs: cs[1].start)
    (c1, s1), (c2, s2) = stops[0], stops[1]
    with Session(engine) as session:
        for crew, step, outcome in ((c1, s1, "not_home"), (c2, s2, "unsafe")):
            record_visit(
                session, ticket_id=step.ticket_id or "", crew_id=crew, arrived_at=step.start,
                left_at=step.start + dt.timedelta(minutes=5), entered_home=False, outcome=outcome, now=at("23:00"),
                plan_id=published.plan_id,
            )  # fmt: skip
        session.commit()
    runner = CliRunner()
    args = ["replan", "--date", DAY.isoformat(), "--at", "10:00", "--time-limit", "2", "--reproducible"]
    res = runner.invoke(app, [*args, "--json", "--no-publish"])
    assert res.exit_code == 0, res.output
    not_done = {n["ticket_id"]: n for n in json.loads(res.output)["not_done"]}
    assert not_done[s1.ticket_id]["action"] == "reoffered" and not_done[s1.ticket_id]["crew_now"]
    assert not_done[s2.ticket_id]["action"] == "flagged" and not_done[s2.ticket_id]["crew_id"] == c2
    res = runner.invoke(app, [*args, "--lang", "en", "--no-publish"])
    assert res.exit_code == 0, res.output
    assert f"{s1.ticket_id}: Reported: nobody home by {c1} at" in res.output and "offered again today to" in res.output
    assert f"{s2.ticket_id}: Reported: unsafe by {c2}" in res.output and "dispatcher to check first" in res.output
    res = runner.invoke(app, [*args, "--lang", "id", "--no-publish"])
    assert "ditawarkan lagi hari ini ke" in res.output and "periksa dulu (dispatcher)" in res.output


def test_a_flagged_stop_is_explained_in_indonesian_in_the_plan_view_and_eta(published, engine) -> None:  # noqa: F811
    """A stop reported unsafe, flagged by the published re-plan: `plan show` and `tickets eta` say so in
    Indonesian from the not-done record, not with the plan's English sentence."""
    from cli import app

    crew, step = min(((r.crew_id, s) for r, s in published.visits()), key=lambda cs: cs[1].start)
    with Session(engine) as session:
        record_visit(
            session, ticket_id=step.ticket_id or "", crew_id=crew, arrived_at=step.start,
            left_at=step.start + dt.timedelta(minutes=5), entered_home=False, outcome="unsafe", now=at("23:00"),
            plan_id=published.plan_id,
        )  # fmt: skip
        session.commit()
    runner = CliRunner()
    args = ["replan", "--date", DAY.isoformat(), "--at", "10:00", "--time-limit", "2", "--reproducible"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    eta = runner.invoke(app, ["tickets", "eta", step.ticket_id or ""])
    assert eta.exit_code == 0, eta.output
    assert "Dilaporkan: tidak aman oleh" in eta.output and "TIDAK ditawarkan lagi hari ini" in eta.output
    assert "not offered" not in eta.output.lower()
    shown = runner.invoke(app, ["plan", "show", "--date", DAY.isoformat(), "--json"])
    (entry,) = [u for u in json.loads(shown.output)["unassigned"] if u["ticket_id"] == step.ticket_id]
    assert "not offered again today" in entry["detail"]  # the JSON keeps the plan's sentence
