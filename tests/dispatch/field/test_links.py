"""Crew links: one per crew and shift, the same on every run, valid until the shift ends (past midnight for a
night shift), reissued on --revoke; and the `dispatch crews links` command."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from dispatch.field.errors import FieldError, RefusalReason, Refused
from dispatch.field.links import check_token, crew_links, reissue_link
from dispatch.store.models import CrewRow, ShiftRow

TZ = ZoneInfo("Asia/Jakarta")
DAY = dt.date(2026, 11, 30)


def at(day: dt.date, hhmm: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(hhmm), tzinfo=TZ)


def _crews(session: Session) -> None:
    """C01 works 07:00-15:00, N01 the night 22:00-06:00 (ending the next day), C02 has no shift."""
    for crew in ("C01", "C02", "N01"):
        session.add(CrewRow(crew_id=crew, name=crew, depot_lat=-6.7, depot_lon=108.55))
    session.flush()
    session.add(ShiftRow(crew_id="C01", date=DAY, start=at(DAY, "07:00"), end=at(DAY, "15:00")))
    session.add(ShiftRow(crew_id="N01", date=DAY, start=at(DAY, "22:00"), end=at(DAY, "06:00")))
    session.commit()


def test_one_link_per_crew_and_shift_the_same_on_every_run(session: Session) -> None:
    """Crews with a shift get a link each; a second run gives the same tokens; a crew without a shift none."""
    _crews(session)
    first = crew_links(session, day=DAY, base_url="https://d.example/", now=at(DAY, "06:00"))
    again = crew_links(session, day=DAY, base_url="https://d.example", now=at(DAY, "09:00"))
    assert [link.crew_id for link in first] == ["C01", "N01"]
    assert [link.token for link in first] == [link.token for link in again]
    assert first[0].url == f"https://d.example/c/{first[0].token}" and len(first[0].token) >= 22
    assert first[0].expires_at == at(DAY, "15:00")
    assert first[0].to_json() == {"crew_id": "C01", "url": first[0].url}


def test_a_night_shift_link_works_past_midnight_until_the_shift_ends(session: Session) -> None:
    """N01's link of the 30th works at 03:00 on the 1st and is refused as expired after 06:00; C01's link, once
    its shift is over, is refused too and a new run issues no link for it."""
    _crews(session)
    links = {link.crew_id: link for link in crew_links(session, day=DAY, base_url="http://x", now=at(DAY, "21:00"))}
    assert set(links) == {"N01"}  # C01's shift is over by 21:00
    night = links["N01"].token
    next_day = DAY + dt.timedelta(days=1)
    assert check_token(session, token=night, now=at(next_day, "03:00")).crew_id == "N01"
    with pytest.raises(Refused) as refused:
        check_token(session, token=night, now=at(next_day, "06:01"))
    assert refused.value.reason is RefusalReason.EXPIRED


def test_revoke_issues_a_new_link_and_refuses_the_old(session: Session) -> None:
    """--revoke: the old token is refused as revoked, the new one works, other crews keep theirs."""
    _crews(session)
    now = at(DAY, "08:00")
    before = {link.crew_id: link.token for link in crew_links(session, day=DAY, base_url="http://x", now=now)}
    new = reissue_link(session, crew_id="C01", day=DAY, base_url="http://x", now=now)
    assert new.token != before["C01"]
    with pytest.raises(Refused) as refused:
        check_token(session, token=before["C01"], now=now)
    assert refused.value.reason is RefusalReason.REVOKED
    assert check_token(session, token=new.token, now=now).crew_id == "C01"
    after = {link.crew_id: link.token for link in crew_links(session, day=DAY, base_url="http://x", now=now)}
    assert after == {"C01": new.token, "N01": before["N01"]}
    with pytest.raises(FieldError, match="crew C02 has no shift on 2026-11-30"):
        reissue_link(session, crew_id="C02", day=DAY, base_url="http://x", now=now)
    with pytest.raises(Refused) as unknown:
        check_token(session, token="guess", now=now)
    assert unknown.value.reason is RefusalReason.UNKNOWN_TOKEN


def test_crews_links_command(engine, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`dispatch crews links --json` prints [{crew_id, url}] for today's shifts, the same twice; --revoke prints a
    new link; a day without shifts is an error on stderr in the language asked, exit 1."""
    from cli import app

    today = dt.datetime.now(TZ).date()
    with Session(engine) as session:
        session.add(CrewRow(crew_id="C01", name="C01", depot_lat=-6.7, depot_lon=108.55))
        session.flush()
        start = dt.datetime.now(TZ) - dt.timedelta(hours=1)
        session.add(ShiftRow(crew_id="C01", date=today, start=start, end=start + dt.timedelta(hours=8)))
        session.commit()
    monkeypatch.setenv("DISPATCH_DATABASE_URL", database_url)
    runner = CliRunner()
    args = ["crews", "links", "--date", today.isoformat(), "--base-url", "https://d.example"]
    first = runner.invoke(app, [*args, "--json"])
    assert first.exit_code == 0, first.output
    links = json.loads(first.stdout)
    assert [set(x) for x in links] == [{"crew_id", "url"}] and links[0]["url"].startswith("https://d.example/c/")
    assert json.loads(runner.invoke(app, [*args, "--json"]).stdout) == links
    revoked = runner.invoke(app, [*args, "--revoke", "C01", "--lang", "id"])
    assert revoked.exit_code == 0 and "Tautan baru regu C01 (yang lama dicabut)" in revoked.stdout
    assert links[0]["url"] not in revoked.stdout
    empty = runner.invoke(app, ["crews", "links", "--date", "2020-01-01", "--base-url", "http://x", "--lang", "id"])
    assert empty.exit_code == 1
    assert (
        empty.stderr.strip()
        == "error: --date 2020-01-01: tidak ada regu yang punya shift pada hari itu; impor shift dulu"
    )
    no_url = runner.invoke(app, ["crews", "links"], env={"DISPATCH_BASE_URL": ""})
    assert no_url.exit_code == 1 and "--base-url" in no_url.stderr
