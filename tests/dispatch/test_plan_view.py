"""The dispatcher's terminal views (dispatch/commands/plan_view.py, a re-plan's crew changes) read in the
language asked for, through the one translation table."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from dispatch.commands.plan_view import render_plan
from dispatch.core.notes import NoteKind, RevisionNote
from dispatch.core.plan import CrewChange, Plan
from dispatch.io.sheets.i18n import Labels

GOLDEN = Path(__file__).parent / "golden" / "nightly.json"


def _plan() -> Plan:
    text = GOLDEN.read_text(encoding="utf-8").replace('"<now>"', '"2026-11-29T22:00:00+07:00"')
    return Plan.from_json(json.loads(text))


def test_plan_view_in_bahasa_indonesia_has_no_english_headings(capsys: pytest.CaptureFixture[str]) -> None:
    """`--lang id` prints the plan's headline, tables, idle line and unassigned explanations in Indonesian, with a
    decimal comma."""
    render_plan(_plan(), lang="id")
    out = capsys.readouterr().out
    assert "Rencana 2026-11-30 versi" in out and "tiket dilayani" in out and "Tiket per prioritas" in out
    assert "Jam-regu menganggur setelah kunjungan terakhir: " in out
    assert "Routes" not in out and "tickets served" not in out and "Idle crew-hours" not in out
    # The unassigned tickets' explanations too, from the values the solver named.
    assert "sendirian" in out and "feasible" not in out and "needs skills" not in out
    assert "Kalah prioritas dengan tiket lain: " in out and "crowded_out" not in out


def test_plan_view_in_english(capsys: pytest.CaptureFixture[str]) -> None:
    """`--lang en` prints the same view in English."""
    render_plan(_plan(), lang="en")
    out = capsys.readouterr().out
    assert "Plan 2026-11-30 version" in out and "Tickets by priority" in out and "Rute" not in out


def test_a_standby_crew_not_dispatched_is_told_in_the_language_asked_for(capsys: pytest.CaptureFixture[str]) -> None:
    """The golden plan's standby crew reads 'shift siaga' in Indonesian (it printed the JSON's English reason)."""
    render_plan(_plan(), lang="id")
    out = capsys.readouterr().out
    assert "tidak diberangkatkan: shift siaga (hanya dipanggil dalam mode badai)" in out
    assert "called only in storm mode" not in out
    render_plan(_plan(), lang="en")
    assert "not dispatched: standby shift (called only in storm mode)" in capsys.readouterr().out


def test_crew_change_is_told_from_its_lists() -> None:
    """A crew's change in a re-plan: added, moved in from and out to other crews, taken off, reordered."""
    change = CrewChange(
        crew_id="C01",
        changed=True,
        summary="(English, kept in the plan JSON)",
        added=("T1", "T2"),
        moved_in={"T3": "C02"},
        moved_out={"T4": "C03", "T5": "C03"},
        dropped=("T6",),
        reordered=1,
        retimed=0,
        frozen=0,
    )
    tz = ZoneInfo("Asia/Jakarta")
    assert Labels("id", tz).crew_change(change) == (
        "2 ditambahkan, 1 pindahan dari C02, 2 dipindah ke C03, 1 dilepas (tidak ditugaskan atau ditutup), "
        "1 diubah urutannya"
    )
    assert Labels("en", tz).crew_change(change) == (
        "2 added, 1 moved from C02, 2 moved to C03, 1 taken off (unassigned or closed), 1 reordered"
    )


def test_replan_notes_read_in_the_language_asked_for() -> None:
    """A re-plan's crew notes read in Indonesian or English from their kind; an old plan's sentence as kept."""
    tz = ZoneInfo("Asia/Jakarta")
    back = RevisionNote(NoteKind.BACK_BY, crew_id="C04", time=dt.datetime(2026, 11, 30, 15, 33, tzinfo=tz))
    t_id, t_en = Labels("id", tz), Labels("en", tz)
    assert t_id.note(RevisionNote(NoteKind.NO_TIME, crew_id="C01")) == "C01: waktu shift sudah habis"
    assert t_id.note(back) == "C04: perlu sampai pukul 15.33 untuk kembali ke posko"
    assert t_en.note(back) == "C04: needs until 15:33 to get back to the depot"
    rescued = RevisionNote(NoteKind.EMERGENCIES_FIRST, tickets=("T1", "T2"))
    assert t_id.note(rescued) == "darurat didahulukan: T1, T2 ditempatkan dengan menggeser kunjungan biasa"
    old = RevisionNote(NoteKind.TEXT, text="search came back with 3 stops; searched again")
    assert t_id.note(old) == "search came back with 3 stops; searched again"


@pytest.mark.parametrize("kind", list(NoteKind))
def test_every_note_kind_is_worded_in_both_languages(kind: NoteKind) -> None:
    """Each note kind has a sentence in both languages that fills every value it names."""
    tz = ZoneInfo("Asia/Jakarta")
    note = RevisionNote(
        kind, crew_id="C01", time=dt.datetime(2026, 11, 30, 9, 5, tzinfo=tz), count=3, tickets=("T1",), text="x"
    )
    for lang in ("id", "en"):
        text = Labels(lang, tz).note(note)
        assert text and "{" not in text
