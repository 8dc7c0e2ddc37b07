"""What-if scenario runs: the scenario file, what it was run on, the plan it gave and its KPIs.

Scenario runs live only in this table; they never refer to, or change, live tickets, plans or the
exposure ledger (no foreign keys into them), so a planner can delete or keep them freely.
"""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Text
from sqlalchemy.orm import defer
from sqlmodel import Field, Session, SQLModel, col, select

from dispatch.store.columns import aware_field


class ScenarioStatus(StrEnum):
    # Only finished runs are stored (a failed run stores nothing); the column leaves room for more.
    DONE = "done"


class ScenarioRunRow(SQLModel, table=True):
    __tablename__ = "scenario_run"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True)
    description: str = ""
    # The scenario file as written (path for reference, text so the run can be re-read exactly).
    source: str = ""
    scenario_text: str = Field(sa_column=Column(Text, nullable=False))
    base_date: dt.date = Field(index=True)
    # Policy values set on top of the scenario's own [policy] table (a sweep point's --set values).
    overrides: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    # Counts, the effective policy and the list of changes applied (JSON).
    inputs_summary: str = Field(sa_column=Column(Text, nullable=False))
    document: str = Field(sa_column=Column(Text, nullable=False))  # the plan JSON (planning's contract)
    kpis: str = Field(sa_column=Column(Text, nullable=False))
    # Runs of one sweep share this label.
    sweep: str | None = Field(default=None, index=True)
    time_limit_s: float = 0.0
    solution_limit: int = 0
    workers: int = 1
    wall_time_s: float = 0.0
    created_at: dt.datetime = aware_field()
    status: str = ScenarioStatus.DONE.value

    def summary(self) -> dict[str, Any]:
        """The run without its (large) plan document."""
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "source": self.source,
            "base_date": self.base_date.isoformat(),
            "overrides": json.loads(self.overrides),
            "sweep": self.sweep,
            "status": self.status,
            "created_at": self.created_at.isoformat(),
            "time_limit_s": self.time_limit_s,
            "solution_limit": self.solution_limit,
            "workers": self.workers,
            "wall_time_s": self.wall_time_s,
            "inputs_summary": json.loads(self.inputs_summary),
            "kpis": json.loads(self.kpis),
        }


def find_run(session: Session, ref: str) -> ScenarioRunRow | None:
    """A stored run by id (digits) or by name (the latest run of that name)."""
    if ref.isdigit():
        row = session.get(ScenarioRunRow, int(ref))
        if row is not None:
            return row
    return session.exec(
        select(ScenarioRunRow).where(ScenarioRunRow.name == ref).order_by(col(ScenarioRunRow.id).desc())
    ).first()


def list_runs(session: Session, *, limit: int | None = None) -> list[ScenarioRunRow]:
    """Stored runs, newest first."""
    # The plan documents are not needed for a list and can be large.
    query = (
        select(ScenarioRunRow)
        .options(defer(ScenarioRunRow.document))  # type: ignore[arg-type]
        .order_by(col(ScenarioRunRow.id).desc())
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query).all())
