"""Ticket rows (one per customer report) and the address geocoding cache."""

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index
from sqlmodel import Field, Session, SQLModel, col, select

from dispatch.core import domain
from dispatch.store.columns import aware_field

# Stored status values: the domain's open/closed, plus "merged" for a duplicate report kept
# (with merged_into set) so nothing a customer reported is lost.
STATUS_OPEN = domain.TicketStatus.OPEN.value
STATUS_CLOSED = domain.TicketStatus.CLOSED.value
STATUS_MERGED = "merged"


class TicketSource(StrEnum):
    MOBILE_APP = "mobile_app"
    CALL_CENTRE = "call_centre"
    CSV = "csv"


def join_skills(skills: tuple[str, ...] | list[str]) -> str:
    return ";".join(skills)


def split_skills(text: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in text.split(";") if s.strip())


class TicketRow(SQLModel, table=True):
    __tablename__ = "ticket"
    __table_args__ = (Index("ix_ticket_customer_category_status", "customer_id", "category", "status"),)

    ticket_id: str = Field(primary_key=True)
    reported_at: datetime = aware_field()
    category: str
    # Null only while an address still waits for geocoding.
    lat: float | None = None
    lon: float | None = None
    priority: int
    customers_affected: int = 1
    service_min: int = 30
    indoor: bool = False
    household_risk: str = domain.HouseholdRisk.NONE.value
    critical_facility: bool = False
    window_start: str | None = None
    window_end: str | None = None
    skills: str = ""  # ';'-separated
    address: str = ""
    customer_id: str = ""
    customer_name: str = ""
    phone: str = ""
    transformer_id: str = ""
    status: str = Field(default=STATUS_OPEN, index=True)
    source: str = TicketSource.CSV.value
    merged_into: str | None = Field(default=None, foreign_key="ticket.ticket_id")
    imported_at: datetime = aware_field()
    updated_at: datetime = aware_field()
    closed_at: datetime | None = aware_field(nullable=True)
    # Why the last plan left this ticket out (written by planning).
    unassigned_reason: str | None = None
    unassigned_detail: str | None = None

    def to_domain(self) -> domain.Ticket:
        if self.lat is None or self.lon is None:
            raise ValueError(f"ticket {self.ticket_id} has no coordinates yet (geocode its address)")
        # A merged duplicate is not open work; the domain has no "merged" status of its own.
        status = domain.TicketStatus.OPEN if self.status == STATUS_OPEN else domain.TicketStatus.CLOSED
        return domain.Ticket(
            ticket_id=self.ticket_id,
            reported_at=self.reported_at,
            category=domain.Category(self.category),
            lat=self.lat,
            lon=self.lon,
            priority=self.priority,
            customers_affected=self.customers_affected,
            service_min=self.service_min,
            indoor=self.indoor,
            household_risk=domain.HouseholdRisk(self.household_risk),
            critical_facility=self.critical_facility,
            window_start=self.window_start,
            window_end=self.window_end,
            skills=split_skills(self.skills),
            address=self.address,
            customer_id=self.customer_id,
            customer_name=self.customer_name,
            phone=self.phone,
            transformer_id=self.transformer_id,
            status=status,
        )


class GeocodeCacheRow(SQLModel, table=True):
    """One geocoder answer per address, so an address is looked up once."""

    __tablename__ = "geocode_cache"

    address: str = Field(primary_key=True)
    lat: float
    lon: float
    geocoded_at: datetime = aware_field()


def load_open_tickets(session: Session) -> list[domain.Ticket]:
    """Open tickets that have coordinates, by ticket id (see :func:`unlocated_open_ticket_ids`)."""
    rows = session.exec(
        select(TicketRow)
        .where(TicketRow.status == STATUS_OPEN, col(TicketRow.lat).is_not(None), col(TicketRow.lon).is_not(None))
        .order_by(col(TicketRow.ticket_id))
    ).all()
    return [row.to_domain() for row in rows]


def unlocated_open_ticket_ids(session: Session) -> list[str]:
    """Open tickets that cannot be planned yet: they have an address but no coordinates."""
    return list(
        session.exec(
            select(TicketRow.ticket_id)
            .where(TicketRow.status == STATUS_OPEN)
            .where(col(TicketRow.lat).is_(None) | col(TicketRow.lon).is_(None))
            .order_by(col(TicketRow.ticket_id))
        ).all()
    )


# Bound parameters per IN (...) query: well inside SQLite's and PostgreSQL's limits.
_IDS_PER_QUERY = 500


def tickets_by_id(session: Session, *, ids: Iterable[str]) -> dict[str, TicketRow]:
    """The ticket rows of ``ids`` that exist, by id (the one query every "these tickets" lookup uses)."""
    wanted = sorted(set(ids))
    out: dict[str, TicketRow] = {}
    for i in range(0, len(wanted), _IDS_PER_QUERY):
        chunk = wanted[i : i + _IDS_PER_QUERY]
        for row in session.exec(select(TicketRow).where(col(TicketRow.ticket_id).in_(chunk))):
            out[row.ticket_id] = row
    return out
