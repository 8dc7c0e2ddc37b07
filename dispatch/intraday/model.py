"""What a re-plan is made from and what it gives: visits done, positions, inputs, changes per crew."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from dispatch.core.domain import PlanInputs, Ticket
from dispatch.core.notes import RevisionNote
from dispatch.core.plan import CrewChange, Forecast, Plan, Revision


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
    # Not reported: the published plan had it starting before the re-plan time (the silence rule).
    unconfirmed: bool = False


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
    previous: Plan  # the published plan being revised
    at: dt.datetime
    visits: tuple[VisitFact, ...] = ()
    positions: Mapping[str, Position] = field(default_factory=dict)
    # Tickets of frozen visits (they may be closed already, so not among the open tickets).
    known_tickets: Mapping[str, Ticket] = field(default_factory=dict)
    # Shift ends moved by the dispatcher: earlier (sent home) or later (overtime). Crew id -> new end.
    end_shift: Mapping[str, dt.datetime] = field(default_factory=dict)
    # Whether the re-plan may extend a shift by itself to reach an emergency (``replan --no-overtime``
    # refuses), and each worker's overtime minutes already this week before today (for the weekly limit).
    overtime: bool = True
    overtime_week_min: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Replan:
    """A computed, unsaved re-plan: the revision (its ``revision_of`` says what changed) and timings."""

    plan: Plan
    objective: int
    solve_s: float  # the whole re-plan, wall seconds
    # Wall seconds per stage: build (problem and matrices), search, document.
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def revision(self) -> Revision:
        assert self.plan.revision_of is not None
        return self.plan.revision_of

    @property
    def changes(self) -> Mapping[str, CrewChange]:
        return self.revision.changes

    @property
    def notes(self) -> tuple[RevisionNote, ...]:
        return self.revision.notes

    @property
    def forecast(self) -> tuple[Forecast, ...]:
        return self.revision.response_forecast

    @property
    def stops_changed(self) -> int:
        """Stops the re-plan changed, a stop moved to another crew once (on the crew it went to), though
        both crews' sheets change."""
        return sum(c.stops_changed - len(c.moved_out) for c in self.changes.values())

    @property
    def changed_crews(self) -> list[str]:
        return sorted(c for c, ch in self.changes.items() if ch.changed)
