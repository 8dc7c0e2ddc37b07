"""Privacy on paper (issue 13 item 11): a protection level instead of a diagnosis, phones only on the phone page.

Route sheets are read at the door, by neighbours too. Every crew file (PDF, HTML, CSV, GeoJSON) in
both languages is searched for diagnosis words and the raw household risk; customer phone numbers
appear only as the phone page's tap-to-call link unless ``sheets.phone_on_paper`` allows them.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import re
from pathlib import Path

import pytest
from shapely.geometry import box

from dispatch.core.domain import HouseholdRisk, Zone
from dispatch.core.plan import Plan
from dispatch.core.policy import Policy
from dispatch.core.protection import ppe_level
from dispatch.io.sheets import write_sheets
from dispatch.io.sheets.i18n import LABELS, LANGUAGES

from .conftest import load_plan, make_crews, make_tickets, make_zones
from .test_pdf import _text

CREWS = ("C01", "C02", "C03")
# Words that name a household's condition, in either language; none may reach a crew's file.
DIAGNOSIS = ("isolat", "isolasi", "suspect", "suspek", "terduga", "household_risk", "berisiko", "at risk")
PHONES = [t.phone for t in make_tickets().values() if t.phone]


def _crew_texts(out_dir: Path, crew: str) -> dict[str, str]:
    """The text of every file a crew gets: PDF text layer, HTML source, CSV and GeoJSON."""
    return {
        "pdf": _text(out_dir / f"{crew}.pdf"),
        "html": (out_dir / f"{crew}.html").read_text(encoding="utf-8"),
        "csv": (out_dir / f"{crew}.csv").read_text(encoding="utf-8"),
        "geojson": (out_dir / f"{crew}.geojson").read_text(encoding="utf-8"),
    }


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_crew_file_names_a_household_condition(written, lang: str) -> None:
    """No PDF, HTML, CSV or GeoJSON of any crew holds isolating/suspected (or isolasi, suspek, terduga)."""
    out_dir, _ = written[lang]
    for crew in CREWS:
        for kind, text in _crew_texts(out_dir, crew).items():
            lowered = text.lower()
            assert not [w for w in DIAGNOSIS if w in lowered], (crew, kind)


def test_no_label_names_a_household_condition() -> None:
    """The i18n table itself carries no diagnosis wording in either language."""
    for lang in LANGUAGES:
        for key, text in LABELS[lang].items():
            assert not [w for w in DIAGNOSIS if w in text.lower()], (lang, key, text)


@pytest.mark.parametrize(
    ("lang", "crew", "ticket", "wording"),
    [
        ("id", "C01", "T0003", "APD tingkat 3: APD lengkap"),
        ("en", "C01", "T0003", "PPE level 3: full PPE"),
        ("id", "C02", "T0005", "APD tingkat 2: masker N95"),
        ("en", "C02", "T0005", "PPE level 2: N95 mask"),
        ("en", "C03", "T0007", "PPE level 1: mask and gloves"),
    ],
)
def test_sheets_print_the_protection_level(written, lang: str, crew: str, ticket: str, wording: str) -> None:
    """Isolating -> level 3, suspected -> level 2, a 'ppe' skill -> level 1, on the PDF and the phone page."""
    texts = _crew_texts(written[lang][0], crew)
    html = texts["html"]
    stop = html[html.index(f'data-ticket="{ticket}"') :]
    assert wording in stop[: stop.index("</article>")]
    pdf = " ".join(texts["pdf"].split())
    assert wording.split(":")[0] in pdf


def test_csv_and_geojson_carry_the_level_not_the_risk(written) -> None:
    """The crew CSV and GeoJSON have ppe_level and ppe_note columns; household_risk and phone are gone."""
    out_dir, _ = written["en"]
    with (out_dir / "C01.csv").open(encoding="utf-8", newline="") as fh:
        rows = {r["ticket_id"]: r for r in csv.DictReader(fh)}
    assert "household_risk" not in rows["T0003"] and "phone" not in rows["T0003"]
    assert (rows["T0003"]["ppe_level"], rows["T0003"]["ppe_required"]) == ("3", "true")
    assert rows["T0003"]["ppe_note"].startswith("PPE level 3: full PPE")
    assert "enters no more homes" in rows["T0003"]["ppe_note"]
    assert (rows["T0001"]["ppe_level"], rows["T0001"]["ppe_note"]) == ("0", "")
    stops = [
        f["properties"]
        for f in json.loads((out_dir / "C01.geojson").read_text(encoding="utf-8"))["features"]
        if f["properties"]["kind"] == "stop"
    ]
    assert all("household_risk" not in p and "phone" not in p for p in stops)
    assert {p["ticket_id"]: p["ppe_level"] for p in stops}["T0003"] == 3


@pytest.mark.parametrize("lang", LANGUAGES)
def test_phone_numbers_only_on_the_phone_page(written, lang: str) -> None:
    """By default no paper or data file holds a customer's phone; the phone page has a tel: link, hidden in print."""
    out_dir, _ = written[lang]
    for crew in CREWS:
        texts = _crew_texts(out_dir, crew)
        for kind in ("pdf", "csv", "geojson"):
            digits = _digits(texts[kind])
            assert not [p for p in PHONES if _digits(p) in digits], (crew, kind)
    html = (out_dir / "C01.html").read_text(encoding="utf-8")
    assert '<a class="phone" href="tel:081222334455">0812-2233-4455</a>' in html
    assert "@media print{" in html and ".phone{display:none}" in html


def test_policy_can_put_phones_on_paper(tmp_path: Path) -> None:
    """sheets.phone_on_paper = true prints the number on the PDF, the CSV and the GeoJSON, and in print."""
    policy = Policy().with_overrides({"sheets.phone_on_paper": True})
    write_sheets(
        plan=Plan.from_json(load_plan()),
        tickets=make_tickets(),
        crews=make_crews(),
        zones=make_zones(),
        policy=policy,
        out_dir=tmp_path,
        lang="en",
        crew_id="C01",
    )
    texts = _crew_texts(tmp_path, "C01")
    assert "0812-2233-4455" in texts["pdf"]
    with (tmp_path / "C01.csv").open(encoding="utf-8", newline="") as fh:
        assert {r["ticket_id"]: r["phone"] for r in csv.DictReader(fh)}["T0001"] == "0812-2233-4455"
    assert '"phone": "0812-2233-4455"' in texts["geojson"]
    assert ".phone{display:none}" not in texts["html"]


def test_a_risk_zone_raises_the_level(tmp_path: Path) -> None:
    """A no-risk home inside a zone of weight >= sheets.ppe.zone_weight gets zone_level (policy-set to 2)."""
    tickets = make_tickets()
    t1 = tickets["T0001"]
    zone = Zone("Zona merah", box(t1.lon - 0.001, t1.lat - 0.001, t1.lon + 0.001, t1.lat + 0.001), risk_weight=2.0)
    policy = Policy().with_overrides({"sheets.ppe.zone_level": 2})
    assert ppe_level(t1, zones=[zone], policy=policy) == 2
    assert ppe_level(t1, zones=[dataclasses.replace(zone, risk_weight=1.2)], policy=policy) == 0
    write_sheets(
        plan=Plan.from_json(load_plan()),
        tickets=tickets,
        crews=make_crews(),
        zones=[*make_zones(), zone],
        policy=policy,
        out_dir=tmp_path,
        lang="en",
        crew_id="C01",
    )
    with (tmp_path / "C01.csv").open(encoding="utf-8", newline="") as fh:
        assert {r["ticket_id"]: r["ppe_level"] for r in csv.DictReader(fh)}["T0001"] == "2"


def test_the_policy_table_sets_the_household_levels() -> None:
    """[sheets.ppe.household] maps each risk to a level; the default is none 0, suspected 2, isolating 3."""
    t = make_tickets()["T0001"]
    default = Policy()
    assert [ppe_level(dataclasses.replace(t, household_risk=r), zones=[], policy=default) for r in HouseholdRisk] == [
        0,
        2,
        3,
    ]
    custom = Policy().with_overrides({"sheets.ppe.household": {"suspected": 1}})
    assert ppe_level(dataclasses.replace(t, household_risk=HouseholdRisk.SUSPECTED), zones=[], policy=custom) == 1
