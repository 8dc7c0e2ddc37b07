"""The crew service over HTTP, on a real `dispatch serve` process and database: pages, reports, refusals."""

from __future__ import annotations

import datetime as dt
import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
import uuid

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from dispatch.field.links import reissue_link
from dispatch.store.models.exposure import ExposureLedgerRow, VisitRecordRow
from dispatch.store.models.field import CrewLinkRow, CrewReportRow
from dispatch.store.models.intraday import CrewPositionRow
from dispatch.store.models.tickets import TicketRow

from .conftest import ROOT, Day, Server, routes_of, save_and_publish

# Words that name a household's condition, in either language: never on a crew's page or in its API.
CONDITION_WORDS = ("isolat", "isolasi", "suspect", "suspek", "terduga", "household_risk", "covid")


def _report(server: Server, token: str, ticket: str, status: str, **extra: object) -> httpx.Response:
    body = {"report_id": str(uuid.uuid4()), "ticket_id": ticket, "status": status,
            "at": dt.datetime.now(dt.UTC).isoformat(), **extra}  # fmt: skip
    return httpx.post(f"{server.url}/api/reports", json=body, headers={"Authorization": f"Bearer {token}"})


def _get(server: Server, token: str, path: str) -> httpx.Response:
    return httpx.get(f"{server.url}{path}", headers={"Authorization": f"Bearer {token}"})


def _embedded(html: str) -> dict:
    found = re.search(r'<script id="d" type="application/json">(.*?)</script>', html, re.S)
    assert found is not None
    return json.loads(found.group(1))


def test_page_shows_the_crews_own_stops_without_the_household_condition(server: Server, running_day: Day) -> None:
    """C01's page embeds its four stops (phone as digits to call), none of C02's, and no condition word."""
    res = httpx.get(f"{server.url}/c/{running_day.tokens['C01']}")
    assert res.status_code == 200
    data = _embedded(res.text)
    stops = [i for i in data["view"]["items"] if "ticket_id" in i]
    assert [s["ticket_id"] for s in stops] == ["T01", "T02", "T03", "T04"]
    assert [s["phone"] for s in stops] == ["081211110001", "081211110002", "", "081211110004"]
    assert "APD TINGKAT 3" in stops[1]["badges"]  # the isolating home: its PPE level, not the condition
    lowered = res.text.lower()
    assert [w for w in CONDITION_WORDS if w in lowered] == []
    api = _get(server, running_day.tokens["C01"], "/api/route?lang=en").text.lower()
    assert "ppe level 3" in api and [w for w in CONDITION_WORDS if w in api] == []


def test_done_report_becomes_a_visit_with_the_reported_minutes_once(server: Server, running_day: Day, engine: Engine):
    """A done report (entered, 25 min inside) closes the ticket with one visit record and actual ledger rows
    of 25 in-home minutes per member; the same report sent again is answered as a duplicate, not applied."""
    token = running_day.tokens["C01"]
    body = {"report_id": "r-1", "ticket_id": "T01", "status": "done", "entered_home": True, "in_home_min": 25,
            "at": dt.datetime.now(dt.UTC).isoformat()}  # fmt: skip
    first = httpx.post(f"{server.url}/api/reports", json=body, headers={"Authorization": f"Bearer {token}"})
    again = httpx.post(f"{server.url}/api/reports", json=body, headers={"Authorization": f"Bearer {token}"})
    assert first.status_code == 200 and again.status_code == 200, (first.text, again.text)
    assert first.json()["duplicate"] is False and again.json()["duplicate"] is True
    assert first.json()["visit_id"] == again.json()["visit_id"] is not None
    with Session(engine) as session:
        visits = session.exec(select(VisitRecordRow).where(VisitRecordRow.ticket_id == "T01")).all()
        assert [(v.crew_id, v.outcome, v.entered_home) for v in visits] == [("C01", "fixed", True)]
        ledger = session.exec(select(ExposureLedgerRow).where(ExposureLedgerRow.ticket_id == "T01")).all()
        assert sorted((r.member_id, r.source, r.in_home_min) for r in ledger) == [
            ("C01-M1", "actual", 25.0), ("C01-M2", "actual", 25.0)]  # fmt: skip
        assert session.get(TicketRow, "T01").status == "closed"
        assert len(session.exec(select(CrewReportRow)).all()) == 1


def test_statuses_map_onto_the_ledger(server: Server, running_day: Day, engine: Engine) -> None:
    """On the way (with a position) stores the crew's position and no visit; arrived opens a visit; not done
    (nobody home) ends it not_home, outside, and the ticket goes back to the open pool."""
    token = running_day.tokens["C01"]
    assert _report(server, token, "T02", "on_the_way", lat=-6.7301, lon=108.5522).status_code == 200
    with Session(engine) as session:
        assert session.exec(select(VisitRecordRow)).all() == []
        [pos] = session.exec(select(CrewPositionRow)).all()
        assert (pos.crew_id, pos.lat, pos.lon, pos.source) == ("C01", -6.7301, 108.5522, "phone")
    assert _report(server, token, "T02", "arrived").status_code == 200
    with Session(engine) as session:
        [visit] = session.exec(select(VisitRecordRow)).all()
        assert (visit.left_at, visit.outcome) == (None, None)
    res = _report(server, token, "T02", "not_done", reason="not_home")
    assert res.status_code == 200, res.text
    with Session(engine) as session:
        [visit] = session.exec(select(VisitRecordRow)).all()
        assert (visit.outcome, visit.entered_home, visit.left_at is not None) == ("not_home", False, True)
        assert session.get(TicketRow, "T02").status == "open"
    route = _get(server, token, "/api/route?lang=en").json()
    assert route["reported"]["T02"]["status"] == "not_done" and "Nobody home" in route["reported"]["T02"]["text"]


def test_another_crews_stop_is_refused_and_logged(server: Server, running_day: Day, engine: Engine) -> None:
    """C02's token can neither read nor report C01's stop (403, logged); C01 reads its own."""
    c01, c02 = running_day.tokens["C01"], running_day.tokens["C02"]
    assert _get(server, c01, "/api/stops/T01").status_code == 200
    read = _get(server, c02, "/api/stops/T01")
    sent = _report(server, c02, "T01", "done")
    assert (read.status_code, read.json()) == (403, {"error": "not_your_stop"})
    assert (sent.status_code, sent.json()) == (403, {"error": "not_your_stop"})
    assert "T01" not in _get(server, c02, "/api/route").text
    with Session(engine) as session:
        assert session.exec(select(VisitRecordRow)).all() == [] and session.exec(select(CrewReportRow)).all() == []
    log = server.logged()
    assert log.count("refused (403)") >= 2 and "not_your_stop" in log and "crew C02" in log
    assert c02 not in log  # tokens are never written whole


def test_wrong_revoked_and_expired_tokens_are_refused(server: Server, running_day: Day, engine: Engine) -> None:
    """A made-up token, a revoked one (the crew's link reissued) and an expired one get 403; the new link works."""
    old = running_day.tokens["C01"]
    now = dt.datetime.now(dt.UTC)
    with Session(engine) as session:
        new = reissue_link(session, crew_id="C01", day=running_day.day, base_url="http://x", now=now)
        hours = dt.timedelta(hours=1)
        session.add(CrewLinkRow(token="expired-token", crew_id="C02", day=running_day.day,
                                issued_at=now - 9 * hours, expires_at=now - hours))  # fmt: skip
        session.commit()
    for token, reason in (("no-such-token", "unknown_token"), (old, "revoked"), ("expired-token", "expired")):
        assert httpx.get(f"{server.url}/c/{token}").status_code == 403
        res = _report(server, token, "T01", "done")
        assert (res.status_code, res.json()) == (403, {"error": reason})
    assert _report(server, new.token, "T01", "done").status_code == 200
    assert "Tautan ini tidak berlaku lagi" in httpx.get(f"{server.url}/c/{old}").text
    assert server.logged().count("refused (403)") >= 6


def test_bad_reports_are_answered_422_with_a_code(server: Server, running_day: Day) -> None:
    """A time in the future, a missing reason, a closed ticket and a reused report id: 422 with the code."""
    token = running_day.tokens["C01"]
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)).isoformat()
    assert _report(server, token, "T03", "done", at=future).json()["error"] == "future"
    assert _report(server, token, "T03", "not_done").json()["error"] == "invalid"
    assert _report(server, token, "T03", "done").status_code == 200
    assert _report(server, token, "T03", "arrived").json()["error"] == "closed"
    body = {"report_id": "same", "ticket_id": "T04", "status": "arrived", "at": dt.datetime.now(dt.UTC).isoformat()}
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.post(f"{server.url}/api/reports", json=body, headers=headers).status_code == 200
    clash = httpx.post(f"{server.url}/api/reports", json={**body, "status": "on_the_way"}, headers=headers)
    assert (clash.status_code, clash.json()["error"]) == (422, "conflict")
    bad = httpx.post(f"{server.url}/api/reports", content=b"{not json", headers=headers)
    assert (bad.status_code, bad.json()["error"]) == (422, "invalid")


def test_a_new_revision_says_what_changed_for_the_crew(server: Server, running_day: Day, engine: Engine) -> None:
    """Asked with the plan it has, a phone hears "current"; after a revision moving T04 to C02 it gets the new
    route and "T04 moved to C02"; a report already sent for T04 by C01 is still taken (it was C01's stop)."""
    token = running_day.tokens["C01"]
    first = running_day.plan.plan_id
    assert _get(server, token, f"/api/route?since={first}").json() == {"current": True, "plan_id": first}
    revised = routes_of(running_day.start, {"C01": ["T01", "T02", "T03"], "C02": ["T05", "T06", "T04"]})
    save_and_publish(engine, revised, parent=running_day.plan)
    en = _get(server, token, f"/api/route?since={first}&lang=en").json()
    assert [i["ticket_id"] for i in en["items"] if "ticket_id" in i] == ["T01", "T02", "T03"]
    assert en["changes"] == "T04 moved to C02" and en["version"] == 2
    idn = _get(server, running_day.tokens["C02"], f"/api/route?since={first}").json()
    assert idn["changes"] == "T04 diambil alih dari C01"
    assert _report(server, token, "T04", "done").status_code == 200
    with Session(engine) as session:
        assert session.exec(select(VisitRecordRow.crew_id).where(col(VisitRecordRow.ticket_id) == "T04")).all() == [
            "C01"
        ]


def test_page_is_small_and_sent_compressed(server: Server, running_day: Day) -> None:
    """The page (script, style, words and a 4-stop view) is under 16 kB and travels gzip-compressed, under 6 kB."""
    res = httpx.get(f"{server.url}/c/{running_day.tokens['C01']}", headers={"Accept-Encoding": "gzip"})
    assert res.headers["content-encoding"] == "gzip"
    assert len(res.content) < 16_000 and res.num_bytes_downloaded < 6_000


def test_visits_list_follow_shows_reports_as_they_arrive(server: Server, running_day: Day, database_url: str) -> None:
    """`dispatch visits list --follow --json` prints a visit a phone reports after it started, as one JSON line."""
    env = {**os.environ, "DISPATCH_DATABASE_URL": database_url}
    code = "import sys; from cli import main; sys.argv[0] = 'dispatch'; main()"
    args = ["visits", "list", "--date", running_day.day.isoformat(), "--follow", "--interval", "0.3", "--json"]
    proc = subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()  # type: ignore[union-attr]
    try:
        time.sleep(1.0)
        assert _report(server, running_day.tokens["C02"], "T05", "done").status_code == 200
        deadline = time.monotonic() + 60
        found = None
        while found is None and time.monotonic() < deadline:
            try:
                item = json.loads(lines.get(timeout=1))
            except queue.Empty:
                continue
            found = item if item["ticket_id"] == "T05" else None
        assert found is not None and (found["crew_id"], found["outcome"]) == ("C02", "fixed")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
