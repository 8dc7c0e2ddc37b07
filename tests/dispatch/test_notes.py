"""A re-plan's notes in the plan document (dispatch/core/notes.py): kinds and values kept, old sentences read."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from dispatch.core.jsonread import PlanFormatError
from dispatch.core.notes import NoteKind, RevisionNote
from dispatch.core.plan import Plan

GOLDEN = Path(__file__).parent / "golden" / "replan.json"
TZ = ZoneInfo("Asia/Jakarta")


def _replan(notes: list[object]) -> dict:
    """The golden re-plan's document with ``notes`` in place of its own."""
    doc = json.loads(GOLDEN.read_text(encoding="utf-8").replace('"<now>"', '"2026-11-30T10:00:00+07:00"'))
    doc["notes"] = notes
    return doc


def test_notes_round_trip_through_the_plan_document() -> None:
    """Every kind with its values is written and read back unchanged, with only the keys it names."""
    notes = (
        RevisionNote(NoteKind.BACK_BY, crew_id="C04", time=dt.datetime(2026, 11, 30, 15, 33, tzinfo=TZ)),
        RevisionNote(NoteKind.STORM_SOFT, count=2),
        RevisionNote(NoteKind.BACKLOG_FIRST, tickets=("T1", "T2")),
    )
    plan = Plan.from_json(_replan([]))
    assert plan.revision_of is not None
    doc = plan.with_(revision_of=dataclasses.replace(plan.revision_of, notes=notes)).to_json()
    assert doc["notes"] == [
        {"kind": "back_by", "crew_id": "C04", "time": "2026-11-30T15:33:00+07:00"},
        {"kind": "storm_soft", "count": 2},
        {"kind": "backlog_first", "tickets": ["T1", "T2"]},
    ]
    assert Plan.from_json(doc).revision_of.notes == notes


def test_sentences_of_older_plans_read_as_text_notes() -> None:
    """A plan written before notes had kinds keeps its English sentences: they read as TEXT notes."""
    plan = Plan.from_json(_replan(["C01: no time left in the shift"]))
    assert plan.revision_of.notes == (RevisionNote(NoteKind.TEXT, text="C01: no time left in the shift"),)


def test_an_unknown_note_kind_is_refused_where_it_is() -> None:
    """A note of a kind this version does not know is an error naming the note and the kinds it knows."""
    with pytest.raises(PlanFormatError, match=r"notes\[0\]\.kind.*'lunch'.*no_time"):
        Plan.from_json(_replan([{"kind": "lunch"}]))
