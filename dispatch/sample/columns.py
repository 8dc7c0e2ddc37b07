"""The columns of the generated CSV files, and how a file of rows is written."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from dispatch.core.csvcells import SafeDictWriter

TICKET_COLUMNS = (
    "ticket_id", "reported_at", "category", "lat", "lon", "address", "customer_id", "customer_name",
    "phone", "priority", "critical_facility", "customers_affected", "service_min", "indoor",
    "household_risk", "window_start", "window_end", "skills", "transformer_id",
)  # fmt: skip


CREW_COLUMNS = (
    "crew_id", "name", "depot_lat", "depot_lon", "end_lat", "end_lon", "skills", "vehicle", "members",
)  # fmt: skip


SHIFT_COLUMNS = (
    "crew_id", "date", "start", "end", "break_start", "break_end", "break_min", "standby",
)  # fmt: skip


Row = dict[str, str]


def _write_csv(path: Path, columns: Sequence[str], rows: list[Row]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = SafeDictWriter(f, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path
