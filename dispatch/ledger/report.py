"""The exposure report over a date range: per worker and day, against the caps."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from sqlmodel import Session, col, select

from dispatch.core.policy import ExposurePolicy, Policy
from dispatch.ledger.base import ExposureError, _days
from dispatch.store.models.crews import CrewMemberRow
from dispatch.store.models.exposure import ExposureLedgerRow


@dataclass(frozen=True)
class ReportRow:
    """One worker on one day: that day's homes and weighted minutes, and the rolling totals."""

    member_id: str
    crew_id: str
    day: dt.date
    homes: int
    exposure_min: float
    source: str  # actual, planned, mixed, or "" on a day without visits
    rolling_homes: int
    rolling_exposure_min: float
    over_shift_cap: bool
    over_rolling_cap: bool


@dataclass(frozen=True)
class WorkerSummary:
    member_id: str
    crew_id: str
    homes: int
    exposure_min: float
    peak_rolling_homes: int
    peak_rolling_exposure_min: float
    peak_share: float  # the highest rolling total as a share of its cap (1.0 = at the cap)
    days_over_cap: int


@dataclass(frozen=True)
class ExposureReport:
    start: dt.date
    end: dt.date
    rolling_days: int
    caps: dict[str, float]
    workers: tuple[WorkerSummary, ...]  # highest-exposed first
    rows: tuple[ReportRow, ...]  # by worker (in ``workers`` order), then day

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "rolling_days": self.rolling_days,
            "caps": self.caps,
            "workers": [asdict(w) for w in self.workers],
            "rows": [{**asdict(r), "day": r.day.isoformat()} for r in self.rows],
        }


def exposure_report(session: Session, *, start: dt.date, end: dt.date, policy: Policy) -> ExposureReport:
    """Per worker per day: homes entered and weighted minutes against the per-shift caps, and the
    rolling totals (the ``rolling_days`` days ending that day) against the rolling caps; workers
    ordered highest-exposed first (by their peak rolling total as a share of its cap)."""
    if end < start:
        raise ExposureError(f"--to {end} is before --from {start}", field="to")
    caps = policy.exposure
    window = caps.rolling_days
    first = start - dt.timedelta(days=window - 1)
    homes: dict[tuple[str, dt.date], int] = defaultdict(int)
    minutes: dict[tuple[str, dt.date], float] = defaultdict(float)
    sources: dict[tuple[str, dt.date], set[str]] = defaultdict(set)
    crew_on: dict[tuple[str, dt.date], str] = {}
    for r in session.exec(
        select(ExposureLedgerRow).where(col(ExposureLedgerRow.day) >= first, col(ExposureLedgerRow.day) <= end)
    ):
        key = (r.member_id, r.day)
        homes[key] += r.homes
        minutes[key] += r.exposure_min
        sources[key].add(r.source)
        crew_on[key] = r.crew_id
    current = {m.member_id: (m.crew_id, m.active) for m in session.exec(select(CrewMemberRow))}
    members = {m for m, (_, active) in current.items() if active} | {m for m, _ in homes}

    days = _days(start, end)
    rows_by: dict[str, list[ReportRow]] = {}
    summaries = []
    for m in members:
        rows_by[m] = out = [
            _row(m, day, caps, homes, minutes, sources, crew_on.get((m, day)) or current.get(m, ("", False))[0])
            for day in days
        ]
        summaries.append(_worker(m, out, caps, current.get(m, (out[-1].crew_id if out else "", False))[0]))
    summaries.sort(key=lambda w: (-w.peak_share, -w.exposure_min, -w.homes, w.member_id))
    return ExposureReport(
        start=start,
        end=end,
        rolling_days=window,
        caps={
            "max_homes_per_shift": caps.max_homes_per_shift,
            "max_exposure_min_per_shift": caps.max_exposure_min_per_shift,
            "max_homes_rolling": caps.max_homes_7d,
            "max_exposure_min_rolling": caps.max_exposure_min_7d,
        },
        workers=tuple(summaries),
        rows=tuple(r for w in summaries for r in rows_by[w.member_id]),
    )


def _row(
    m: str,
    day: dt.date,
    caps: ExposurePolicy,
    homes: Mapping[tuple[str, dt.date], int],
    minutes: Mapping[tuple[str, dt.date], float],
    sources: Mapping[tuple[str, dt.date], set[str]],
    crew_id: str,
) -> ReportRow:
    """One worker's day: that day's homes and minutes, and the rolling totals of the window ending then."""
    span = _days(day - dt.timedelta(days=caps.rolling_days - 1), day)
    r_homes = sum(homes.get((m, d), 0) for d in span)
    r_min = round(sum(minutes.get((m, d), 0.0) for d in span), 2)
    h, e = homes.get((m, day), 0), round(minutes.get((m, day), 0.0), 2)
    src = sources.get((m, day), set())
    return ReportRow(
        member_id=m,
        crew_id=crew_id,
        day=day,
        homes=h,
        exposure_min=e,
        source="mixed" if len(src) > 1 else next(iter(src), ""),
        rolling_homes=r_homes,
        rolling_exposure_min=r_min,
        over_shift_cap=h > caps.max_homes_per_shift or e > caps.max_exposure_min_per_shift + 1e-6,
        over_rolling_cap=r_homes > caps.max_homes_7d or r_min > caps.max_exposure_min_7d + 1e-6,
    )


def _worker(m: str, out: list[ReportRow], caps: ExposurePolicy, crew_id: str) -> WorkerSummary:
    """A worker's totals over the report, and its peak rolling total as a share of its cap."""
    peak_share = max(
        (max(_share(r.rolling_homes, caps.max_homes_7d), _share(r.rolling_exposure_min, caps.max_exposure_min_7d))
         for r in out),
        default=0.0,
    )  # fmt: skip
    return WorkerSummary(
        member_id=m,
        crew_id=crew_id,
        homes=sum(r.homes for r in out),
        exposure_min=round(sum(r.exposure_min for r in out), 2),
        peak_rolling_homes=max((r.rolling_homes for r in out), default=0),
        peak_rolling_exposure_min=max((r.rolling_exposure_min for r in out), default=0.0),
        peak_share=round(peak_share, 4),
        days_over_cap=sum(1 for r in out if r.over_shift_cap or r.over_rolling_cap),
    )


def _share(value: float, cap: float) -> float:
    if cap <= 0:
        return math.inf if value > 0 else 0.0
    return value / cap
