"""The phone HTML pages: self-contained, and really rendered by headless Chromium."""

from __future__ import annotations

import re
import struct
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from .conftest import load_plan, route_ticket_ids, write

CHROMIUM = Path("/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed (CI installs it)")


def _chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


@pytest.mark.parametrize("lang", ["id", "en"])
def test_html_is_self_contained(written, lang: str) -> None:
    """No page references the network: no http(s), no src=, links only to geo:, tel:, anchors or sibling pages."""
    out_dir, _ = written[lang]
    for page in sorted(out_dir.glob("*.html")):
        html = page.read_text(encoding="utf-8")
        assert "http://" not in html and "https://" not in html, page.name
        assert not re.search(r"\bsrc\s*=", html), page.name
        assert "@import" not in html and "url(" not in html, page.name
        for href in re.findall(r'href="([^"]*)"', html):
            assert href.startswith(("geo:", "tel:", "#")) or re.fullmatch(r"C\d+\.html", href), (page.name, href)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_html_has_one_checkbox_card_per_stop(written, lang: str) -> None:
    """Each crew page has a stop card with a checkbox and a geo: navigation link per visit, in route order."""
    out_dir, _ = written[lang]
    plan = load_plan()
    for crew in ("C01", "C02", "C03"):
        html = (out_dir / f"{crew}.html").read_text(encoding="utf-8")
        assert re.findall(r'<article class="stop"[^>]*data-ticket="(T\d+)"', html) == route_ticket_ids(plan, crew)
        assert html.count('type="checkbox"') == len(route_ticket_ids(plan, crew))
        assert html.count('class="navbtn" href="geo:') == len(route_ticket_ids(plan, crew))
        assert f'"dispatch-sheet|{plan["date"]}|{crew}|"' in html  # localStorage key: the day, not the plan
    assert 'lang="id"' in (out_dir / "C01.html").read_text(encoding="utf-8") or lang == "en"


def test_html_wording_in_both_languages(written) -> None:
    """The PPE instruction and the date read in each language, with the policy-allowed wording only."""
    page_id = (written["id"][0] / "C01.html").read_text(encoding="utf-8")
    page_en = (written["en"][0] / "C01.html").read_text(encoding="utf-8")
    assert "APD tingkat 3: APD lengkap" in page_id and "Senin, 30 November 2026" in page_id
    assert "PPE level 3: full PPE" in page_en and "Monday 30 November 2026" in page_en
    assert "covid" not in page_id.lower() and "covid" not in page_en.lower()


@needs_chromium
def test_chromium_screenshot_at_phone_size(written, tmp_path: Path) -> None:
    """Headless Chromium renders the Indonesian C01 page to a 390x844 PNG."""
    shot = tmp_path / "c01.png"
    page = written["id"][0] / "C01.html"
    _chromium(tmp_path / "profile", "--window-size=390,844", f"--screenshot={shot}", page.as_uri())
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (390, 844)
    assert len(data) > 5000  # not a blank page


@needs_chromium
@pytest.mark.parametrize("lang", ["id", "en"])
def test_chromium_dom_has_every_stop_and_ran_the_script(written, tmp_path: Path, lang: str) -> None:
    """In the DOM Chromium builds, C01 has 4 stop cards, a break, and the tick counter set by the inline script."""
    page = written[lang][0] / "C01.html"
    dom = _chromium(tmp_path / "profile", "--window-size=390,844", "--dump-dom", page.as_uri()).stdout
    assert re.findall(r'<article class="stop"[^>]*data-ticket="(T\d+)"', dom) == ["T0001", "T0002", "T0003", "T0004"]
    assert dom.count('class="break"') == 1
    progress = re.search(r'<div class="progress" id="progress"[^>]*>([^<]*)</div>', dom)
    assert progress is not None and 'data-ready="1"' in progress.group(0)
    assert progress.group(1) == ("Selesai 0 / 4" if lang == "id" else "Done 0 / 4")
    assert dom.count("<svg") >= 1 + 4 + 1  # map, one QR per stop, the whole-route QR


@needs_chromium
def test_chromium_renders_the_index(written, tmp_path: Path) -> None:
    """The dispatcher's index page loads in Chromium with one row per crew and the unassigned ticket."""
    page = written["en"][0] / "index.html"
    dom = _chromium(tmp_path / "profile", "--dump-dom", page.as_uri()).stdout
    assert re.findall(r'class="crew-row" data-crew="(C\d+)"', dom) == ["C01", "C02", "C03"]
    assert dom.count('class="unassigned-row"') == 1 and "Crew exposure cap reached" in dom


def test_a_revisions_done_stop_is_marked_on_paper_and_phone(sheet_inputs, tmp_path: Path) -> None:
    """A revision's visit with progress done comes ticked and marked "SUDAH SELESAI" on the phone page, and marked
    on the PDF; one under way is marked "SEDANG DIKERJAKAN"; the others carry no mark."""
    plan = sheet_inputs["plan"]
    route = next(r for r in plan["routes"] if r["crew_id"] == "C01")
    visits = [s for s in route["steps"] if s["type"] == "visit"]
    visits[0].update(progress="done", outcome="fixed")
    visits[1].update(progress="under_way", outcome=None)
    plan.update(kind="replan", parent_id=None, as_of=visits[1]["start"], storm=False, changes={},
                response_forecast=[], storm_deadlines={}, notes=[])  # fmt: skip
    write(sheet_inputs, out_dir=tmp_path, lang="id", crew_id="C01")
    html = (tmp_path / "C01.html").read_text(encoding="utf-8")
    first, second, *rest = re.findall(r'<article class="stop".*?</article>', html, re.S)
    assert 'data-progress="done"' in first and " checked>" in first and "SUDAH SELESAI" in first
    assert 'data-progress="under_way"' in second and " checked" not in second and "SEDANG DIKERJAKAN" in second
    assert all("progress-mark" not in a for a in rest)
    text = "".join(page.extract_text() for page in PdfReader(tmp_path / "C01.pdf").pages)
    assert "SUDAH SELESAI" in text and "SEDANG DIKERJAKAN" in text
