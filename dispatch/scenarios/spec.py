"""What a scenario file says, as typed values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dispatch.core.domain import Crew, Vehicle


class ScenarioError(ValueError):
    """A scenario file or a change cannot be used; ``problems`` lists each as ``FILE: key: what``."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class ShiftSpec:
    """A shift given as local clock times on the base date (an end before the start is the next day)."""

    start: dt.time
    end: dt.time
    break_start: dt.time | None = None
    break_end: dt.time | None = None
    break_min: int = 0
    standby: bool = False


@dataclass(frozen=True)
class CrewRemoval:
    where: str
    crew_id: str | None = None
    skill: str | None = None


@dataclass(frozen=True)
class CrewAddition:
    where: str
    crew: Crew
    shift: ShiftSpec | None


@dataclass(frozen=True)
class OnCallCrew:
    """A standby crew called in for some hours of the base date (e.g. to close a hazard-skill hole):
    its members are ``<crew_id>-1`` ...; it starts from ``depot`` or from crew ``at_crew``'s depot."""

    where: str
    crew_id: str
    skills: tuple[str, ...]
    start: dt.time
    end: dt.time
    members: int = 2
    vehicle: Vehicle = Vehicle.CAR
    depot: tuple[float, float] | None = None
    at_crew: str | None = None


@dataclass(frozen=True)
class CrewLend:
    where: str
    crews: tuple[str, ...]
    to_depot: tuple[float, float] | None = None
    to_crew: str | None = None


@dataclass(frozen=True)
class ShiftChange:
    where: str
    crews: tuple[str, ...] | None = None  # None: every crew with a shift that day
    start: dt.time | None = None
    end: dt.time | None = None
    hours: float | None = None
    break_start: dt.time | None = None
    break_end: dt.time | None = None
    break_min: int | None = None
    no_break: bool = False
    standby: bool | None = None


@dataclass(frozen=True)
class Surge:
    where: str
    n: int | None = None
    factor: float | None = None
    around: tuple[float, float] | None = None
    radius_km: float = 5.0
    zone: str | None = None
    seed: int = 1
    prefix: str = "SURGE1"


@dataclass(frozen=True)
class TicketAddition:
    where: str
    values: dict[str, str]  # as a tickets.csv row


@dataclass(frozen=True)
class ZoneChange:
    where: str
    name: str
    closed: bool | None = None
    risk_weight: float | None = None
    speed_kmh: float | None = None


@dataclass(frozen=True)
class Scenario:
    name: str
    source: str  # the file (for messages)
    text: str  # the file as written
    description: str = ""
    base_date: dt.date | None = None
    policy: dict[str, Any] = field(default_factory=dict)  # dotted keys
    crews_remove: tuple[CrewRemoval, ...] = ()
    crews_add: tuple[CrewAddition, ...] = ()
    crews_on_call: tuple[OnCallCrew, ...] = ()
    crews_lend: tuple[CrewLend, ...] = ()
    quarantine: tuple[str, ...] = ()
    quarantine_reason: str = "quarantine (scenario)"
    shift_changes: tuple[ShiftChange, ...] = ()
    surges: tuple[Surge, ...] = ()
    tickets_add: tuple[TicketAddition, ...] = ()
    zone_changes: tuple[ZoneChange, ...] = ()
