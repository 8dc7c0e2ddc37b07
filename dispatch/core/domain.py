"""The dispatcher's world as plain, immutable values, independent of the database.

Importers produce these, the database stores them, planning and scenarios consume them.
A scenario changes copies of these values (``dataclasses.replace``) and never the live rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from shapely.geometry.base import BaseGeometry


class Category(StrEnum):
    NO_POWER = "no_power"
    PARTIAL_POWER = "partial_power"
    METER = "meter"
    LINE_DOWN = "line_down"
    POLE = "pole"
    TREE = "tree"
    VOLTAGE = "voltage"
    OTHER = "other"
    # A job at a network asset standing for the customers' reports an outage explains (dispatch.outages).
    ASSET_OUTAGE = "asset_outage"


class HouseholdRisk(StrEnum):
    NONE = "none"
    SUSPECTED = "suspected"
    ISOLATING = "isolating"


class TicketStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Vehicle(StrEnum):
    CAR = "car"
    MOTORCYCLE = "motorcycle"


@dataclass(frozen=True)
class Ticket:
    """A customer's outage or service report, with its location and what the visit needs."""

    ticket_id: str
    reported_at: datetime  # timezone-aware
    category: Category
    lat: float
    lon: float
    priority: int  # 1 = most urgent ... 4
    customers_affected: int = 1
    service_min: int = 30
    indoor: bool = False
    household_risk: HouseholdRisk = HouseholdRisk.NONE
    critical_facility: bool = False
    window_start: str | None = None  # "HH:MM" local
    window_end: str | None = None
    skills: tuple[str, ...] = ()
    address: str = ""
    customer_id: str = ""
    customer_name: str = ""
    phone: str = ""
    transformer_id: str = ""
    status: TicketStatus = TicketStatus.OPEN


class AssetKind(StrEnum):
    TRANSFORMER = "transformer"
    FEEDER_SECTION = "feeder_section"


@dataclass(frozen=True)
class Asset:
    """A piece of the distribution network: a transformer or a feeder section, with its upstream asset
    (``parent_id``, empty at the substation feeder) and the customers connected below it."""

    asset_id: str
    kind: AssetKind
    lat: float
    lon: float
    parent_id: str = ""
    customers: int = 0
    name: str = ""


@dataclass(frozen=True)
class OutageMark:
    """What the dispatcher or the control centre says about an asset on a day: ``declared`` (it is out,
    whatever the reports), ``dismissed`` (it is not: its reports are home visits), ``planned`` (a planned
    outage between ``starts_at`` and ``ends_at``: reports inside it are absorbed, nobody is sent)."""

    asset_id: str
    action: str  # declared | dismissed | planned
    outage_id: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None


@dataclass(frozen=True)
class Crew:
    crew_id: str
    name: str
    depot_lat: float
    depot_lon: float
    end_lat: float | None = None
    end_lon: float | None = None
    skills: tuple[str, ...] = ()
    vehicle: Vehicle = Vehicle.CAR
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class Shift:
    """One crew's working time on one date; ``end`` may fall on the next day."""

    crew_id: str
    date: date
    start: datetime  # timezone-aware
    end: datetime
    break_start: datetime | None = None
    break_end: datetime | None = None
    break_min: int = 0
    standby: bool = False


@dataclass(frozen=True)
class Zone:
    name: str
    geometry: BaseGeometry  # Polygon or MultiPolygon in lon/lat
    risk_weight: float = 1.0
    closed: bool = False
    speed_kmh: float | None = None
    valid_from: date | None = None
    valid_to: date | None = None

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class MemberBudget:
    """What a worker may still take on tonight, from the rolling exposure ledger."""

    member_id: str
    homes_left: int | None = None
    exposure_min_left: float | None = None


@dataclass(frozen=True)
class PlanInputs:
    """Everything a nightly plan is computed from; a scenario edits a copy of this."""

    day: date
    tickets: tuple[Ticket, ...]
    crews: tuple[Crew, ...]
    shifts: tuple[Shift, ...]
    zones: tuple[Zone, ...] = ()
    # Members unavailable on ``day`` (quarantine), with the reason shown in the plan.
    unavailable_members: dict[str, str] = field(default_factory=dict)
    budgets: dict[str, MemberBudget] = field(default_factory=dict)
    # Category -> overrun margin (>= 1) a home entry's exposure counts with against the caps
    # (dispatch.ledger.overrun); the plan shows the exposure as planned.
    overrun: dict[str, float] = field(default_factory=dict)
    # The distribution network (empty: tickets are not grouped into outages).
    assets: tuple[Asset, ...] = ()
    outage_marks: tuple[OutageMark, ...] = ()
