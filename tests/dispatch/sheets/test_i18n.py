"""The translation table and local-style formatting."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from dispatch.io.sheets.i18n import LABELS, LANGUAGES, Labels

JAKARTA = ZoneInfo("Asia/Jakarta")
# Words a household-risk warning must never carry: the sheet is read at the door.
DIAGNOSIS_WORDS = (
    "covid",
    "corona",
    "virus",
    "sars",
    "tbc",
    "tuberkulosis",
    "tuberculosis",
    "diagnos",
    "positif",
    "positive",
    "infeksi",
    "infection",
    "pandemi",
)


def test_both_languages_have_the_same_keys() -> None:
    """Every label exists in Indonesian and English, so no sheet falls back to a missing key."""
    assert set(LANGUAGES) == set(LABELS) == {"id", "en"}
    assert set(LABELS["id"]) == set(LABELS["en"])


def test_the_cli_knows_the_table_s_languages_without_loading_it() -> None:
    """--lang is checked against dispatch.commands.common.LANGUAGES: the table's own list."""
    from dispatch.commands.common import LANGUAGES as CLI_LANGUAGES

    assert CLI_LANGUAGES == LANGUAGES


def test_placeholders_match_between_languages() -> None:
    """A label uses the same {placeholders} in both languages, so formatting never fails in one."""
    for key in LABELS["id"]:
        names = {lang: set(re.findall(r"{(\w+)}", LABELS[lang][key])) for lang in LANGUAGES}
        assert names["id"] == names["en"], key


def test_no_label_names_a_diagnosis() -> None:
    """Protection wording names a PPE level only; no label in either language names a disease."""
    for lang in LANGUAGES:
        for key, text in LABELS[lang].items():
            lowered = text.lower()
            assert not any(word in lowered for word in DIAGNOSIS_WORDS), (lang, key, text)
    assert Labels("id", JAKARTA)("ppe.3").startswith("APD tingkat 3: APD lengkap")
    assert Labels("en", JAKARTA)("ppe.3").startswith("PPE level 3: full PPE")


def test_dates_in_local_style() -> None:
    """Indonesian dates read "Senin, 30 November 2026"; English "Monday 30 November 2026"."""
    assert Labels("id", JAKARTA).date(date(2026, 11, 30)) == "Senin, 30 November 2026"
    assert Labels("en", JAKARTA).date(date(2026, 11, 30)) == "Monday 30 November 2026"
    assert Labels("id", JAKARTA).date(date(2026, 8, 17)) == "Senin, 17 Agustus 2026"


def test_times_are_24_hour_in_the_region_time_zone() -> None:
    """A UTC instant prints as Jakarta local time: 08.30 in Indonesian, 08:30 in English."""
    moment = datetime.fromisoformat("2026-11-30T01:30:00+00:00")
    assert Labels("id", JAKARTA).time(moment) == "08.30"
    assert Labels("en", JAKARTA).time(moment) == "08:30"
    late = datetime.fromisoformat("2026-11-30T17:10:00+00:00")  # 00:10 the next local day
    assert Labels("id", JAKARTA).time(late, day=date(2026, 11, 30)) == "00.10 (+1 hari)"


def test_numbers_use_the_local_decimal_mark() -> None:
    """Distances use a decimal comma in Indonesian and a point in English."""
    assert Labels("id", JAKARTA).km(7800) == "7,8 km"
    assert Labels("en", JAKARTA).km(12340) == "12.3 km"
    assert Labels("id", JAKARTA).duration(17520) == "4 j 52 mnt"


def test_how_short_the_day_is_in_both_languages() -> None:
    """The shortfall names the most urgent priority the day falls short of, in local number style."""
    short = {1: 0.0, 2: 41.0, 3: 55.5, 4: 60.0}
    assert Labels("en", JAKARTA).short_of(short) == "about 41 crew-hours short of serving every P2"
    assert Labels("id", JAKARTA).short_of({1: 2.5}) == "kurang sekitar 2,5 jam-regu untuk melayani semua P1"
    assert Labels("en", JAKARTA).short_of({1: 0.0, 2: 0.0}) is None
    shift = {"ticket_id": "T123", "priority": 3, "crew_id": "C06"}
    assert Labels("en", JAKARTA)("label.displaces", **shift) == "would displace T123 (P3) on C06"
    assert Labels("id", JAKARTA)("label.displaces", **shift) == "akan menggeser T123 (P3) di C06"
