"""The translation table and local-style formatting."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from dispatch.core.unassigned import Displacement, UnassignedFacts
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


def _at(hh: int, mm: int) -> datetime:
    return datetime(2026, 11, 30, hh, mm, tzinfo=JAKARTA)


# One explanation per wording: (reason, the values the solver named).
EXPLANATIONS = (
    ("no_skilled_crew", UnassignedFacts(skills=("mv", "pdkb"))),
    ("home_entry_barred", UnassignedFacts(count=3)),
    ("exposure_cap", UnassignedFacts(minutes=95, cap_minutes=90)),
    ("exposure_cap", UnassignedFacts(crews=("C01", "C02"), count=2)),
    ("capacity", UnassignedFacts(demand=7)),
    ("window_unreachable", UnassignedFacts(crews=("C03",), windows=((_at(8, 0), _at(9, 0)),), at=_at(9, 40))),
    ("window_unreachable", UnassignedFacts(crews=("C03",), at=_at(16, 10))),
    ("shift_too_short", UnassignedFacts(crews=("C07",), minutes=25)),
    ("home_cap", UnassignedFacts(crews=("C01", "C02", "C03", "C04", "C05"), count=7)),
    ("isolation_rule", UnassignedFacts(crews=("C02",), count=1)),
    ("crowded_out", UnassignedFacts(crews=("C06",), at=_at(10, 5))),
    ("crowded_out", UnassignedFacts(crews=("C01", "C02"), count=2)),  # in a part set aside
    ("zone_closed", UnassignedFacts(zone="Zona Merah Kesambi")),
    ("no_crew_on_shift", None),
)


def test_every_unassigned_explanation_is_worded_in_both_languages() -> None:
    """Each solver reason, with the values it names, reads in Indonesian and English with every value filled."""
    for lang in LANGUAGES:
        t = Labels(lang, JAKARTA)
        for reason, facts in EXPLANATIONS:
            text = t.unassigned_detail(reason, "the English sentence", facts, None)
            assert text != "the English sentence" and "{" not in text, (lang, reason, text)


def test_crowded_out_reads_in_indonesian_with_what_would_give_way() -> None:
    """A crowded-out ticket: the crew, its local start time and the displaced visit, all in Indonesian."""
    facts = UnassignedFacts(crews=("C06",), at=_at(10, 5))
    text = Labels("id", JAKARTA).unassigned_detail("crowded_out", "x", facts, Displacement("T123", 3, "C06"))
    assert text == (
        "bisa dikerjakan sendirian (regu C06 dapat mulai pukul 10.05), tetapi waktu regu terpakai untuk "
        "pekerjaan yang lebih mendesak atau lebih dekat; akan menggeser T123 (P3) di C06"
    )


def test_a_cap_naming_more_crews_than_it_lists_says_so() -> None:
    """Seven crews bound, five named: the list ends with an ellipsis."""
    facts = UnassignedFacts(crews=("C01", "C02", "C03", "C04", "C05"), count=7)
    assert Labels("en", JAKARTA).unassigned_detail("home_cap", "x", facts, None) == (
        "every crew that could take it has reached its home-entry cap (C01, C02, C03, C04, C05 ...)"
    )


def test_without_values_the_plans_own_sentence_is_kept() -> None:
    """A reason explained without values (a closed zone in a plan saved before the zone was a value) prints
    the plan's sentence."""
    assert Labels("id", JAKARTA).unassigned_detail("zone_closed", "inside closed zone Z1", None, None) == (
        "inside closed zone Z1"
    )


def test_reasons_set_before_solving_read_in_indonesian() -> None:
    """A home in a closed zone and a day with no crew on shift: reason and explanation in Indonesian."""
    t = Labels("id", JAKARTA)
    assert t.reason("zone_closed") == "Di dalam zona tertutup"
    assert t.unassigned_detail("zone_closed", "x", UnassignedFacts(zone="Z1"), None) == (
        "di dalam zona tertutup Z1: tidak ada kunjungan masuk rumah di sana"
    )
    assert t.reason("no_crew_on_shift") == "Tidak ada regu yang bertugas"
    assert t.unassigned_detail("no_crew_on_shift", "x", None, None) == "tidak ada regu yang bertugas pada hari itu"


def test_a_ticket_of_a_part_set_aside_reads_in_indonesian() -> None:
    """Crowded out with no start time (a part of the day set aside): the depot's crews, worded in Indonesian."""
    text = Labels("id", JAKARTA).unassigned_detail(
        "crowded_out", "x", UnassignedFacts(crews=("C01", "C02"), count=2), None
    )
    assert text.startswith("tidak direncanakan: regu C01, C02 dari depot ini mendapat tiket yang paling mendesak")
