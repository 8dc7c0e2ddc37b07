"""The silence rule through the database and the CLI: unconfirmed counts, the night's return, ETAs of
unassigned tickets (future positions: tests/dispatch/test_reported_times.py)."""

from __future__ import annotations

import dataclasses
import json
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from dispatch.core.policy import Policy
from dispatch.intraday.nightfall import return_unconfirmed
from dispatch.ledger.visits import record_visit
from dispatch.store.models.tickets import TicketRow
from tests.dispatch.test_intraday import DAY, at, publish_night, ticket, world

TZ = ZoneInfo("Asia/Jakarta")


@pytest.fixture
def published(engine, database_url: str, monkeypatch: pytest.MonkeyPatch):
    """Three crews' nightly plan of DAY, published; one ticket needs a skill no crew has (unassigned)."""
    policy = Policy()
    base = world()
    inputs = dataclasses.replace(base, tickets=(*base.tickets, ticket("LV1", 0.01, 0.01, skills=("lv",))))
    with Session(engine, expire_on_commit=False) as session:
        plan = publish_night(session, inputs, policy, time_limit=3)
        session.commit()
    monkeypatch.setenv("DISPATCH_DATABASE_URL", database_url)
    return plan


def test_replan_cli_counts_unconfirmed_per_crew(published) -> None:
    """`dispatch replan` with no reports says per crew how many stops before --at are unconfirmed (JSON and text)."""
    from cli import app

    expected: dict[str, int] = {}
    for r, s in published.visits():
        if s.start < at("10:00"):
            expected[r.crew_id] = expected.get(r.crew_id, 0) + 1
    runner = CliRunner()
    args = ["replan", "--date", DAY.isoformat(), "--at", "10:00", "--time-limit", "2", "--reproducible"]
    res = runner.invoke(app, [*args, "--json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    assert report["unconfirmed"] == expected
    assert {c: ch["unconfirmed"] for c, ch in report["changes"].items() if ch["unconfirmed"]} == expected
    res = runner.invoke(app, [*args, "--lang", "en"])
    assert res.exit_code == 0, res.output
    crew, n = next(iter(sorted(expected.items())))
    assert f"{crew}: {n} stop(s) unconfirmed" in res.output
    res = runner.invoke(app, [*args, "--lang", "id"])
    assert f"{crew}: {n} kunjungan belum dikonfirmasi" in res.output


def test_eta_answers_for_an_unassigned_ticket(published) -> None:
    """`tickets eta` for a ticket the published plan leaves unassigned says it is not planned today, and why, in
    the language asked for."""
    from cli import app

    runner = CliRunner()
    res = runner.invoke(app, ["tickets", "eta", "LV1", "--json"])
    assert res.exit_code == 0, res.output
    answer = json.loads(res.output)
    assert answer["status"] == "not_planned" and answer["reason"] == "no_skilled_crew"
    assert answer["plan_id"] == published.plan_id
    res = runner.invoke(app, ["tickets", "eta", "LV1", "--lang", "en"])
    assert res.exit_code == 0 and "LV1: not planned today" in res.output
    res = runner.invoke(app, ["tickets", "eta", "LV1"])
    assert res.exit_code == 0 and "tidak direncanakan hari ini" in res.output
    # Why, in Indonesian too: worded from the skills the solver named, not the plan's English sentence.
    assert "perlu keahlian" in res.output and "needs skills" not in res.output
    res = runner.invoke(app, ["tickets", "eta", "NOPE"])
    assert res.exit_code == 1


def test_night_returns_unconfirmed_tickets_unless_reported(published, engine) -> None:
    """At night the open tickets of stops never reported get reason `unconfirmed`; a reported one does not."""
    visits = [(r.crew_id, s) for r, s in published.visits()]
    (crew, first), rest = visits[0], visits[1:]
    with Session(engine, expire_on_commit=False) as session:
        record_visit(
            session, ticket_id=first.ticket_id, crew_id=crew, arrived_at=first.start, left_at=first.end,
            entered_home=first.indoor, outcome="fixed", now=at("23:00"), plan_id=published.plan_id,
        )  # fmt: skip
        session.commit()
        returned = return_unconfirmed(session, day=DAY, tz=TZ, until=at("23:30"))
        session.commit()
        assert returned == sorted(s.ticket_id for _, s in rest)
        row = session.get(TicketRow, rest[0][1].ticket_id)
        assert row is not None and row.status == "open" and row.unassigned_reason == "unconfirmed"
        assert rest[0][0] in (row.unassigned_detail or "")
        assert session.get(TicketRow, first.ticket_id).status == "closed"  # type: ignore[union-attr]
        # Planning the next day at 09:00 of DAY would not return stops still ahead that day.
        early = return_unconfirmed(session, day=DAY, tz=TZ, until=at("09:00"))
        assert set(early) < set(returned)
