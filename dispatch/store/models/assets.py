"""The distribution network and its outages: assets (transformers, feeder sections) and the outages the
dispatcher sees (inferred from the reports, confirmed, dismissed, declared, planned, restored).

An asset row is the network as last imported (``dispatch import assets``); ``parent_id`` names the upstream
asset (empty at the substation feeder) and is checked at import, not by a foreign key, so a network can be
imported in any row order. An outage row is one asset's outage on one day, with the tickets it absorbs and
the asset job (a ticket of category ``asset_outage``) a crew is sent to.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, Session, SQLModel, col, select

from dispatch.core import domain
from dispatch.store.columns import aware_field


class OutageSource(StrEnum):
    INFERRED = "inferred"  # grouped from the customers' reports by planning
    DECLARED = "declared"  # the control centre already knows it
    PLANNED = "planned"  # pemadaman terencana: reports inside it are absorbed, never visited


class OutageStatus(StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"  # the dispatcher says it is not an outage: its tickets are home visits again
    RESTORED = "restored"  # the asset job is done (or the planned outage ended)


class AssetRow(SQLModel, table=True):
    __tablename__ = "asset"

    asset_id: str = Field(primary_key=True)
    kind: str
    name: str = ""
    lat: float
    lon: float
    parent_id: str | None = Field(default=None, index=True)
    customers: int = 0
    updated_at: dt.datetime = aware_field()

    def to_domain(self) -> domain.Asset:
        return domain.Asset(
            asset_id=self.asset_id,
            kind=domain.AssetKind(self.kind),
            lat=self.lat,
            lon=self.lon,
            parent_id=self.parent_id or "",
            customers=self.customers,
            name=self.name,
        )


class OutageRow(SQLModel, table=True):
    __tablename__ = "outage"
    __table_args__ = (
        UniqueConstraint("outage_id", name="uq_outage_outage_id"),
        Index("ix_outage_day_status", "day", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    outage_id: str
    day: dt.date
    asset_id: str = Field(foreign_key="asset.asset_id")
    source: str = OutageSource.INFERRED.value
    status: str = OutageStatus.OPEN.value
    tickets: str = ""  # ';'-separated ticket ids the outage absorbs
    job_ticket_id: str | None = None  # the asset job (a ticket of category asset_outage)
    starts_at: dt.datetime | None = aware_field(nullable=True)  # planned outages: their hours
    ends_at: dt.datetime | None = aware_field(nullable=True)
    note: str = ""
    created_at: dt.datetime = aware_field()
    updated_at: dt.datetime = aware_field()

    def ticket_ids(self) -> tuple[str, ...]:
        return tuple(t for t in self.tickets.split(";") if t)


def load_assets(session: Session) -> list[domain.Asset]:
    """The whole network, by asset id."""
    return [row.to_domain() for row in session.exec(select(AssetRow).order_by(col(AssetRow.asset_id)))]


def known_asset_ids(session: Session, *, ids: Iterable[str]) -> set[str]:
    """Those of ``ids`` that are assets of the network."""
    wanted = sorted(set(ids))
    found: set[str] = set()
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        found |= set(session.exec(select(AssetRow.asset_id).where(col(AssetRow.asset_id).in_(chunk))).all())
    return found


def has_network(session: Session) -> bool:
    return session.exec(select(AssetRow.asset_id).limit(1)).first() is not None


def outages_of_day(session: Session, *, day: dt.date) -> list[OutageRow]:
    """Every outage row of ``day`` (any status), by outage id."""
    return list(session.exec(select(OutageRow).where(OutageRow.day == day).order_by(col(OutageRow.outage_id))))


def outage_by_id(session: Session, *, outage_id: str) -> OutageRow | None:
    return session.exec(select(OutageRow).where(OutageRow.outage_id == outage_id)).first()
