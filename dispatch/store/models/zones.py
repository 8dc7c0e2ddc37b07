"""Zones: areas with a risk weight, a closure or a speed limit, valid between two dates."""

import datetime as dt
import json

from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Text
from sqlmodel import Field, Session, SQLModel, col, select

from dispatch.core import domain


def geometry_to_text(geometry: BaseGeometry) -> str:
    return json.dumps(mapping(geometry), separators=(",", ":"))


class ZoneRow(SQLModel, table=True):
    __tablename__ = "zone"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    geometry: str = Field(sa_type=Text)  # GeoJSON geometry, lon/lat
    risk_weight: float = 1.0
    closed: bool = False
    speed_kmh: float | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None

    def to_domain(self) -> domain.Zone:
        return domain.Zone(
            name=self.name,
            geometry=shape(json.loads(self.geometry)),
            risk_weight=self.risk_weight,
            closed=self.closed,
            speed_kmh=self.speed_kmh,
            valid_from=self.valid_from,
            valid_to=self.valid_to,
        )


def load_zones(session: Session, *, day: dt.date | None = None) -> list[domain.Zone]:
    """Zones by name; with ``day``, only those valid on that day."""
    query = select(ZoneRow).order_by(col(ZoneRow.name))
    if day is not None:
        query = query.where(
            col(ZoneRow.valid_from).is_(None) | (col(ZoneRow.valid_from) <= day),
            col(ZoneRow.valid_to).is_(None) | (col(ZoneRow.valid_to) >= day),
        )
    return [row.to_domain() for row in session.exec(query)]
