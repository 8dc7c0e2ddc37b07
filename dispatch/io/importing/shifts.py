"""Importing shifts.csv: each crew's shift on a date, its break and standby flag."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from dispatch.core.policy import DAY_MIN, Policy
from dispatch.io.importing.rows import ImportReport, _Check, _duplicate, _read_csv, _Row, _settle
from dispatch.store.models.crews import CrewRow, ShiftRow

SHIFT_REQUIRED = ("crew_id", "date", "start", "end")


SHIFT_OPTIONAL = ("break_start", "break_end", "break_min", "standby")


@dataclass
class _ShiftValues:
    row: _Row
    crew_id: str
    day: date
    fields: dict[str, Any]


def import_shifts(
    session: Session,
    path: Path | str,
    *,
    policy: Policy | None = None,
    rejects: Path | str | None = None,
) -> ImportReport:
    """Import ``shifts.csv``: one shift per crew and date, inserted or updated.

    Times are local (the policy's region time zone); an end before the start is on the next day.
    """
    policy = policy or Policy()
    path = Path(path)
    rejects = Path(rejects) if rejects is not None else None
    tz = ZoneInfo(policy.region.timezone)
    table = _read_csv(path, required=SHIFT_REQUIRED, optional=SHIFT_OPTIONAL)
    report = ImportReport(kind="shifts", file=table.label)

    crews = set(session.exec(select(CrewRow.crew_id)).all())
    parsed: list[_ShiftValues] = []
    seen: dict[str, int] = {}
    for row in table.rows:
        values = _check_shift(row, tz=tz, crews=crews)
        if values is not None and not _duplicate(row, "date", f"{values.crew_id} {values.day}", seen):
            parsed.append(values)
    good = {id(row) for row in _settle(table, report, rejects)}
    accepted = [v for v in parsed if id(v.row) in good]

    existing = {
        (s.crew_id, s.date): s
        for s in session.exec(select(ShiftRow).where(col(ShiftRow.crew_id).in_({v.crew_id for v in accepted})))
    }
    for values in accepted:
        shift = existing.get((values.crew_id, values.day))
        if shift is None:
            shift = ShiftRow(crew_id=values.crew_id, date=values.day, **values.fields)
            report.inserted += 1
        else:
            for name, value in values.fields.items():
                setattr(shift, name, value)
            report.updated += 1
        session.add(shift)
    session.flush()
    return report


def _check_shift(row: _Row, *, tz: ZoneInfo, crews: set[str]) -> _ShiftValues | None:
    check = _Check(row)
    crew_id = check.text("crew_id", required=True)
    if crew_id and crew_id not in crews:
        row.problem("crew_id", f"unknown crew {crew_id!r}; import it in crews.csv first")
    day = check.day("date", required=True)
    start_at, end_at = check.clock("start", required=True), check.clock("end", required=True)
    break_from, break_to = check.clock("break_start"), check.clock("break_end")
    break_min = check.whole("break_min", lo=1, hi=DAY_MIN)
    standby = check.flag("standby")
    has_window = check.pair("break_start", "break_end")
    if has_window and not check.text("break_min"):
        row.problem("break_min", "required when a break window is given")
    if day is None or start_at is None or end_at is None:
        return None
    if end_at == start_at:
        row.problem("end", f"equals start ({check.text('start')}); a shift must have a length")
        return None

    start = datetime.combine(day, start_at, tzinfo=tz)

    def after_start(clock: time) -> datetime:
        moment = datetime.combine(day, clock, tzinfo=tz)
        return moment if moment >= start else moment + timedelta(days=1)

    end = after_start(end_at)  # an end before the start crosses midnight
    length_min = (end - start).total_seconds() / 60
    shift_text = f"{check.text('start')}-{check.text('end')}"
    window: tuple[datetime, datetime] | None = None
    if has_window and break_from is not None and break_to is not None:
        window = (after_start(break_from), after_start(break_to))
        if window[0] >= end:
            row.problem("break_start", f"{check.text('break_start')} is outside the shift {shift_text}")
        elif window[1] > end:
            row.problem("break_end", f"{check.text('break_end')} is outside the shift {shift_text}")
        elif window[1] <= window[0]:
            row.problem("break_end", f"must be after break_start ({check.text('break_start')})")
        elif break_min is not None and (window[1] - window[0]).total_seconds() / 60 < break_min:
            row.problem(
                "break_min",
                f"{break_min} min does not fit in the break window "
                f"{check.text('break_start')}-{check.text('break_end')}",
            )
    if break_min is not None and break_min >= length_min:
        row.problem("break_min", f"{break_min} min is not shorter than the shift {shift_text}")
    if row.problems:
        return None
    fields = {
        "start": start,
        "end": end,
        "break_start": window[0] if window else None,
        "break_end": window[1] if window else None,
        "break_min": break_min or 0,
        "standby": bool(standby),
    }
    return _ShiftValues(row=row, crew_id=crew_id, day=day, fields=fields)
