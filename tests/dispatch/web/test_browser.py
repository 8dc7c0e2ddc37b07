"""The crew page in a real browser (Debian's chromium through chromedriver, driven by selenium), against a
real `dispatch serve`: reports queued while offline and sent once back online, another crew's token
refused, a new revision shown with what changed for the crew."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from dispatch.store.models import TicketRow
from dispatch.store.models.exposure import VisitRecordRow
from dispatch.store.models.field import CrewReportRow

from .conftest import Day, Server, routes_of, save_and_publish

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="Debian's chromium and chromium-driver are not installed (.ci/run installs them)",
)
WAIT_S = 30


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    """Headless Debian chromium through Debian's chromedriver; nothing downloaded (selenium manager off)."""
    os.environ["SE_OFFLINE"] = "true"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=390,844", f"--user-data-dir={tmp_path / 'profile'}"):  # fmt: skip
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_script_timeout(WAIT_S)
    yield driver
    driver.quit()


def _wait(driver, condition, what: str):  # noqa: ANN001, ANN202
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(driver, WAIT_S, poll_frequency=0.2, ignored_exceptions=[StaleElementReferenceException])
    return wait.until(lambda d: condition(d), message=what)


def _network(driver, *, offline: bool) -> None:  # noqa: ANN001
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )


def _queued(driver) -> int:  # noqa: ANN001
    """The number of reports the page shows waiting (read in one script: the page redraws itself)."""
    return int(driver.execute_script("return document.getElementById('queue').getAttribute('data-count')"))


def _text(driver, element_id: str) -> str:  # noqa: ANN001
    return driver.execute_script("var e = document.getElementById(arguments[0]); return e ? e.textContent : null",
                                 element_id)  # fmt: skip


def _tickets(driver) -> list[str]:  # noqa: ANN001
    return driver.execute_script(
        "return Array.prototype.map.call(document.querySelectorAll('article.stop'), "
        "function (a) { return a.getAttribute('data-ticket'); })"
    )


def _status(driver, ticket: str) -> str:  # noqa: ANN001
    return driver.execute_script(
        "var e = document.querySelector('article[data-ticket=\"' + arguments[0] + '\"] .st');"
        "return e ? e.getAttribute('data-status') : null",
        ticket,
    )


def _click(driver, selector: str) -> None:  # noqa: ANN001
    """Click ``selector``, finding it again if the page redrew it between the find and the click."""
    _wait(driver, lambda d: d.find_element("css selector", selector).click() or True, f"clicked {selector}")


def _report_done(driver, ticket: str) -> None:  # noqa: ANN001
    _click(driver, f'article[data-ticket="{ticket}"] button[data-act="done"]')
    _click(driver, f'article[data-ticket="{ticket}"] form button.send')


def _open(driver, server: Server, token: str) -> None:  # noqa: ANN001
    driver.get(f"{server.url}/c/{token}")
    _wait(driver, lambda d: d.find_elements("css selector", "article.stop"), "the stops are drawn")


def test_reports_made_offline_reach_the_database_once(browser, server: Server, running_day: Day, engine: Engine):
    """Offline, two stops reported done wait on the phone (shown as 2 waiting, none in the database); back
    online they are sent and each is in the database exactly once; a reload still shows them done."""
    _open(browser, server, running_day.tokens["C01"])
    _network(browser, offline=True)
    _report_done(browser, "T01")
    _report_done(browser, "T03")
    _wait(browser, lambda d: _queued(d) == 2, "two reports waiting")
    assert "2 laporan menunggu dikirim" in _text(browser, "queue")
    assert _status(browser, "T01") == "done" and _status(browser, "T03") == "done"
    with Session(engine) as session:
        assert session.exec(select(CrewReportRow)).all() == []
    _network(browser, offline=False)
    _wait(browser, lambda d: _queued(d) == 0, "the queue emptied once online")
    assert _text(browser, "queue") == "Semua laporan terkirim"
    with Session(engine) as session:
        reports = session.exec(select(CrewReportRow)).all()
        visits = session.exec(select(VisitRecordRow)).all()
        assert sorted(r.ticket_id for r in reports) == ["T01", "T03"]
        assert sorted((v.ticket_id, v.crew_id, v.outcome) for v in visits) == [
            ("T01", "C01", "fixed"), ("T03", "C01", "fixed")]  # fmt: skip
        assert session.get(TicketRow, "T01").status == "closed"
    browser.refresh()
    _wait(browser, lambda d: d.find_elements("css selector", "article.stop"), "the stops are drawn again")
    assert _status(browser, "T01") == "done" and _queued(browser) == 0


def test_a_second_crews_token_cannot_read_or_report_the_first_crews_stops(browser, server: Server, running_day: Day):
    """C02's page lists only C02's stops; from it, reading or reporting C01's stop is answered 403."""
    _open(browser, server, running_day.tokens["C02"])
    assert _tickets(browser) == ["T05", "T06"]
    fetch = """
      var done = arguments[arguments.length - 1], token = arguments[0];
      var h = {"Authorization": "Bearer " + token, "Content-Type": "application/json"};
      var body = JSON.stringify({report_id: "x1", ticket_id: "T01", status: "done", at: new Date().toISOString()});
      Promise.all([fetch("/api/stops/T01", {headers: h}),
                   fetch("/api/reports", {method: "POST", headers: h, body: body})])
        .then(function (r) { done([r[0].status, r[1].status]); });
    """
    assert browser.execute_async_script(fetch, running_day.tokens["C02"]) == [403, 403]
    assert server.logged().count("not_your_stop") >= 2


def test_a_new_revision_appears_with_its_changes_and_ticks_survive(
    browser, server: Server, running_day: Day, engine: Engine
) -> None:
    """With T01 reported done, a revision adding two stops to C01 and moving T04 to C02 appears on the open
    page on its own, saying "2 stops added, T04 moved to C02"; T01 still shows done (ticks keyed by ticket)."""
    browser.get(f"{server.url}/c/{running_day.tokens['C01']}?lang=en")
    _wait(browser, lambda d: d.find_elements("css selector", "article.stop"), "the stops are drawn")
    _report_done(browser, "T01")
    _wait(browser, lambda d: _queued(d) == 0, "the report sent")
    now = dt.datetime.now(dt.UTC)
    with Session(engine) as session:
        for tid in ("T07", "T08"):
            session.add(TicketRow(ticket_id=tid, reported_at=now, category="meter", lat=-6.72, lon=108.56, priority=4,
                                  imported_at=now, updated_at=now))  # fmt: skip
        session.commit()
    revised = routes_of(running_day.start, {"C01": ["T01", "T02", "T03", "T07", "T08"], "C02": ["T05", "T06", "T04"]})
    save_and_publish(engine, revised, parent=running_day.plan)
    _wait(browser, lambda d: _text(d, "revision"), "the revision is announced")
    assert _text(browser, "revision") == "New plan (revision 2): 2 stops added, T04 moved to C02"
    assert _tickets(browser) == ["T01", "T02", "T03", "T07", "T08"]
    assert _status(browser, "T01") == "done"
