"""Column types every table shares: timezone-aware timestamps stored in UTC on every backend."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field


class AwareDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp on every backend.

    Values are stored in UTC (SQLite keeps no offset, so anything else would be ambiguous) and
    read back as UTC-aware datetimes. Naive datetimes are refused on write.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} refused: give a time zone")
        value = value.astimezone(UTC)
        # SQLite's DATETIME keeps no offset: store the UTC wall time.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def aware_field(*, nullable: bool = False, index: bool = False) -> Any:
    """A SQLModel field for a timezone-aware datetime (each table needs its own Column)."""
    column = Column(AwareDateTime(), nullable=nullable, index=index)
    return Field(default=None, sa_column=column) if nullable else Field(sa_column=column)
