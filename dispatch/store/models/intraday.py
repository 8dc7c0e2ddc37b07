"""Crew positions reported during the day (phone GPS, radio call, dispatcher entry) for intraday re-plans."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, Session, SQLModel, col, select

from dispatch.store.columns import aware_field


class CrewPositionRow(SQLModel, table=True):
    __tablename__ = "crew_position"

    id: int | None = Field(default=None, primary_key=True)
    crew_id: str = Field(foreign_key="crew.crew_id", index=True)
    lat: float
    lon: float
    at: dt.datetime = aware_field(index=True)
    source: str = "dispatcher"


def last_positions(session: Session, *, since: dt.datetime, until: dt.datetime) -> dict[str, CrewPositionRow]:
    """Each crew's latest position reported in [since, until]."""
    rows = session.exec(
        select(CrewPositionRow)
        .where(CrewPositionRow.at >= since, CrewPositionRow.at <= until)  # type: ignore[operator]
        .order_by(col(CrewPositionRow.at), col(CrewPositionRow.id))
    ).all()
    return {r.crew_id: r for r in rows}
