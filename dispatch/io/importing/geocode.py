"""Geocoding open tickets that have an address but no coordinates (cached per address)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from geopy.exc import GeopyError
from sqlmodel import Session, col, select

from dispatch.core.policy import Policy
from dispatch.io.importing.rows import _now
from dispatch.store.models.tickets import STATUS_OPEN, GeocodeCacheRow, TicketRow


class Location(Protocol):
    latitude: float
    longitude: float


class Geocoder(Protocol):
    """What geopy's geocoders offer: ``geocode(address)`` returning a location or None."""

    def geocode(self, query: str) -> Location | None: ...


@dataclass
class GeocodeReport:
    geocoded: list[str] = field(default_factory=list)  # ticket ids given coordinates
    from_cache: int = 0
    looked_up: int = 0
    not_found: list[tuple[str, str]] = field(default_factory=list)  # (ticket id, why)


def _address_key(address: str) -> str:
    return " ".join(address.split()).lower()


def geocode_missing(
    session: Session,
    *,
    geocoder: Geocoder,
    now: datetime | None = None,
    ticket_ids: Iterable[str] | None = None,
    policy: Policy | None = None,
) -> GeocodeReport:
    """Give coordinates to open tickets that have an address but none; each address is looked
    up once, and the answer is cached in ``geocode_cache``. An answer outside the policy's region
    (the same street name in another town) is not used."""
    now = _now(now)
    region = (policy or Policy()).region
    query = select(TicketRow).where(
        TicketRow.status == STATUS_OPEN, col(TicketRow.lat).is_(None) | col(TicketRow.lon).is_(None)
    )
    if ticket_ids is not None:
        query = query.where(col(TicketRow.ticket_id).in_(list(ticket_ids)))
    report = GeocodeReport()
    for ticket in session.exec(query.order_by(col(TicketRow.ticket_id))).all():
        if not ticket.address.strip():
            report.not_found.append((ticket.ticket_id, "no address"))
            continue
        key = _address_key(ticket.address)
        cached = session.get(GeocodeCacheRow, key)
        if cached is not None:
            report.from_cache += 1
            lat, lon = cached.lat, cached.lon
        else:
            report.looked_up += 1
            try:
                location = geocoder.geocode(ticket.address)
            except GeopyError as exc:
                report.not_found.append((ticket.ticket_id, f"geocoder failed: {exc}"))
                continue
            if location is None:
                report.not_found.append((ticket.ticket_id, f"address not found: {ticket.address!r}"))
                continue
            lat, lon = float(location.latitude), float(location.longitude)
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                report.not_found.append((ticket.ticket_id, f"geocoder returned an impossible point {lat}, {lon}"))
                continue
            if region.point_problem(lat, lon):
                where = f"geocoder returned {lat}, {lon}, outside the region's bounds (policy region.bbox)"
                report.not_found.append((ticket.ticket_id, where))
                continue
            session.add(GeocodeCacheRow(address=key, lat=lat, lon=lon, geocoded_at=now))
            session.flush()
        ticket.lat, ticket.lon = lat, lon
        ticket.updated_at = now
        session.add(ticket)
        report.geocoded.append(ticket.ticket_id)
    session.flush()
    return report
