"""A re-plan's notes to the dispatcher: what each says as data, so every view words it in its own language.

Each note is a kind and the values it names (a crew, a clock time, tickets, a count); the dispatcher's views
word it through the i18n table (``dispatch.io.sheets.i18n.Labels.note``). Plans written before notes had kinds
kept English sentences: those read back as :attr:`NoteKind.TEXT` notes and print as kept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from dispatch.core.jsonread import Reader, fail, iso, read_int, read_str, read_time


class NoteKind(StrEnum):
    NO_TIME = "no_time"  # crew_id: its shift has no time left after the re-plan's clock time
    BACK_BY = "back_by"  # crew_id, time: the shift is stretched to this time so the crew can drive back
    BREAK_DROPPED = "break_dropped"  # crew_id: the break no longer fits in its window; planned without it
    STORM_SOFT = "storm_soft"  # count: storm P1/P2 deadlines that could not all be met together, kept soft
    SEARCHED_AGAIN = "searched_again"  # count: the search came back with this many stops; searched again
    WARM_START_KEPT = "warm_start_kept"  # count: the search came back with this many stops; warm start kept
    EMERGENCIES_FIRST = "emergencies_first"  # tickets: placed by displacing ordinary stops
    BACKLOG_FIRST = "backlog_first"  # tickets: placed by displacing less urgent stops
    TEXT = "text"  # text: a note of a plan written before notes had kinds, as it was kept


@dataclass(frozen=True)
class RevisionNote:
    """Something the dispatcher should know about a re-plan (see :class:`NoteKind` for what each kind names)."""

    kind: NoteKind
    crew_id: str | None = None
    time: dt.datetime | None = None
    count: int | None = None
    tickets: tuple[str, ...] = ()
    text: str | None = None


def note_json(n: RevisionNote) -> dict[str, Any]:
    """The note as a plan document keeps it: ``kind`` and only the keys it names."""
    out: dict[str, Any] = {"kind": n.kind.value}
    if n.crew_id is not None:
        out["crew_id"] = n.crew_id
    if n.time is not None:
        out["time"] = iso(n.time)
    if n.count is not None:
        out["count"] = n.count
    if n.tickets:
        out["tickets"] = list(n.tickets)
    if n.text is not None:
        out["text"] = n.text
    return out


def read_note(value: Any, where: str) -> RevisionNote:
    """A note from a plan document; a plain string (plans written before notes had kinds) is a TEXT note."""
    if isinstance(value, str):
        return RevisionNote(kind=NoteKind.TEXT, text=value)
    r = Reader(value, where)
    kind = r.req("kind", read_str)
    if kind not in NoteKind._value2member_map_:
        raise fail(f"{where}.kind", f"unknown note kind {kind!r} (known: {', '.join(k.value for k in NoteKind)})")
    tickets = r.each("tickets", read_str) if "tickets" in r.obj else []
    return RevisionNote(
        kind=NoteKind(kind),
        crew_id=r.opt("crew_id", read_str),
        time=r.opt("time", read_time),
        count=r.opt("count", read_int),
        tickets=tuple(tickets),
        text=r.opt("text", read_str),
    )
