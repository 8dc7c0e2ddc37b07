"""What a re-plan is made from and what it gives: visits done, positions, inputs, changes per crew."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dispatch.core.domain import PlanInputs, Ticket

# Step ``progress`` of a re-plan's frozen visits: done, or under way at the re-plan time.
DONE, UNDER_WAY = "done", "under_way"


class IntradayError(ValueError):
    """A re-plan or ETA cannot be made; the message says why and what to do."""


@dataclass(frozen=True)
class VisitFact:
    """A recorded visit of the day: done (``left_at`` set) or under way (``left_at`` None)."""

    ticket_id: str
    crew_id: str
    arrived_at: dt.datetime
    left_at: dt.datetime | None
    entered_home: bool
    outcome: str | None = None
    # Weighted in-home minutes as the exposure ledger counted them, when it did.
    exposure_min: float | None = None


@dataclass(frozen=True)
class Position:
    crew_id: str
    lat: float
    lon: float
    at: dt.datetime
    source: str = "dispatcher"


@dataclass(frozen=True)
class ReplanInputs:
    """Everything a re-plan is computed from (a scenario or the bench can build it without a database)."""

    inputs: PlanInputs  # open tickets now, crews, the day's shifts, zones, budgets
    previous: dict[str, Any]  # the published plan document being revised
    at: dt.datetime
    visits: tuple[VisitFact, ...] = ()
    positions: Mapping[str, Position] = field(default_factory=dict)
    # Tickets of frozen visits (they may be closed already, so not among the open tickets).
    known_tickets: Mapping[str, Ticket] = field(default_factory=dict)
    # Shift ends moved by the dispatcher: earlier (sent home) or later (overtime). Crew id -> new end.
    end_shift: Mapping[str, dt.datetime] = field(default_factory=dict)


@dataclass
class CrewChange:
    """What a re-plan changed on one crew's remaining route."""

    crew_id: str
    added: list[str] = field(default_factory=list)
    moved_in: dict[str, str] = field(default_factory=dict)  # ticket -> crew it came from
    moved_out: dict[str, str] = field(default_factory=dict)  # ticket -> crew it went to
    dropped: list[str] = field(default_factory=list)  # now unassigned (or closed)
    reordered: int = 0
    retimed: int = 0
    frozen: int = 0

    @property
    def stops_changed(self) -> int:
        return len(self.added) + len(self.moved_in) + len(self.moved_out) + len(self.dropped) + self.reordered

    @property
    def changed(self) -> bool:
        return self.stops_changed > 0 or self.retimed > 0

    def describe(self) -> str:
        parts = []
        if self.added:
            parts.append(f"{len(self.added)} stop{'s' * (len(self.added) != 1)} added")
        by_from: dict[str, int] = defaultdict(int)
        for src in self.moved_in.values():
            by_from[src] += 1
        parts += [f"{n} moved from {c}" for c, n in sorted(by_from.items())]
        by_to: dict[str, int] = defaultdict(int)
        for dst in self.moved_out.values():
            by_to[dst] += 1
        parts += [f"{n} moved to {c}" for c, n in sorted(by_to.items())]
        if self.dropped:
            parts.append(f"{len(self.dropped)} taken off (unassigned or closed)")
        if self.reordered:
            parts.append(f"{self.reordered} reordered")
        if self.retimed:
            parts.append(f"{self.retimed} retimed")
        return ", ".join(parts) if parts else "no change"

    def to_dict(self) -> dict[str, Any]:
        return {
            "crew_id": self.crew_id,
            "changed": self.changed,
            "summary": self.describe(),
            "added": self.added,
            "moved_in": self.moved_in,
            "moved_out": self.moved_out,
            "dropped": self.dropped,
            "reordered": self.reordered,
            "retimed": self.retimed,
            "frozen": self.frozen,
        }


@dataclass
class Replan:
    document: dict[str, Any]
    objective: int
    changes: dict[str, CrewChange]
    forecast: list[dict[str, Any]]
    solve_s: float  # the whole re-plan, wall seconds
    notes: list[str] = field(default_factory=list)
    # Wall seconds per stage: build (problem and matrices), search, document.
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def stops_changed(self) -> int:
        return sum(c.stops_changed for c in self.changes.values())

    @property
    def changed_crews(self) -> list[str]:
        return sorted(c for c, ch in self.changes.items() if ch.changed)


def _visits_of(route: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in route["steps"] if s["type"] == "visit"]


def _t(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso)
