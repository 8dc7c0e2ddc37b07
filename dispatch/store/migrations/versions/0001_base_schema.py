"""Base schema: the tables as they were when migrations began.

Until then every command made them with ``create_all``. This revision keeps its tables in ``metadata``,
a frozen copy written out here rather than imported from the models, so it stays what it was while the
models change; ``dispatch db upgrade`` checks a database made before migrations against it before
adopting the database (stamping it ``0001``). Later revisions are ordinary Alembic operations
(``op.add_column``, ``op.batch_alter_table``, ...).

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Timestamps are DateTime(timezone=True): the models' AwareDateTime stores UTC through it.
metadata = sa.MetaData()

sa.Table(
    "crew",
    metadata,
    sa.Column("crew_id", sa.String(), nullable=False),
    sa.Column("name", sa.String(), nullable=False),
    sa.Column("depot_lat", sa.Float(), nullable=False),
    sa.Column("depot_lon", sa.Float(), nullable=False),
    sa.Column("end_lat", sa.Float(), nullable=True),
    sa.Column("end_lon", sa.Float(), nullable=True),
    sa.Column("skills", sa.String(), nullable=False),
    sa.Column("vehicle", sa.String(), nullable=False),
    sa.PrimaryKeyConstraint("crew_id"),
)

sa.Table(
    "geocode_cache",
    metadata,
    sa.Column("address", sa.String(), nullable=False),
    sa.Column("lat", sa.Float(), nullable=False),
    sa.Column("lon", sa.Float(), nullable=False),
    sa.Column("geocoded_at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("address"),
)

sa.Table(
    "plan",
    metadata,
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("plan_date", sa.Date(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("kind", sa.String(), nullable=False),
    sa.Column("status", sa.String(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("parent_id", sa.Integer(), nullable=True),
    sa.Column("as_of", sa.DateTime(timezone=True), nullable=True),
    sa.Column("time_limit_s", sa.Float(), nullable=False),
    sa.Column("reproducible", sa.Boolean(), nullable=False),
    sa.Column("objective", sa.BigInteger(), nullable=False),
    sa.Column("document", sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(["parent_id"], ["plan.id"]),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("plan_date", "version", name="uq_plan_date_version"),
    sa.Index("ix_plan_plan_date", "plan_date"),
    sa.Index("ix_plan_status", "status"),
)

sa.Table(
    "scenario_run",
    metadata,
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("name", sa.String(), nullable=False),
    sa.Column("description", sa.String(), nullable=False),
    sa.Column("source", sa.String(), nullable=False),
    sa.Column("scenario_text", sa.Text(), nullable=False),
    sa.Column("base_date", sa.Date(), nullable=False),
    sa.Column("overrides", sa.Text(), nullable=False),
    sa.Column("inputs_summary", sa.Text(), nullable=False),
    sa.Column("document", sa.Text(), nullable=False),
    sa.Column("kpis", sa.Text(), nullable=False),
    sa.Column("sweep", sa.String(), nullable=True),
    sa.Column("time_limit_s", sa.Float(), nullable=False),
    sa.Column("solution_limit", sa.Integer(), nullable=False),
    sa.Column("workers", sa.Integer(), nullable=False),
    sa.Column("wall_time_s", sa.Float(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.String(), nullable=False),
    sa.PrimaryKeyConstraint("id"),
    sa.Index("ix_scenario_run_base_date", "base_date"),
    sa.Index("ix_scenario_run_name", "name"),
    sa.Index("ix_scenario_run_sweep", "sweep"),
)

sa.Table(
    "ticket",
    metadata,
    sa.Column("ticket_id", sa.String(), nullable=False),
    sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("category", sa.String(), nullable=False),
    sa.Column("lat", sa.Float(), nullable=True),
    sa.Column("lon", sa.Float(), nullable=True),
    sa.Column("priority", sa.Integer(), nullable=False),
    sa.Column("customers_affected", sa.Integer(), nullable=False),
    sa.Column("service_min", sa.Integer(), nullable=False),
    sa.Column("indoor", sa.Boolean(), nullable=False),
    sa.Column("household_risk", sa.String(), nullable=False),
    sa.Column("critical_facility", sa.Boolean(), nullable=False),
    sa.Column("window_start", sa.String(), nullable=True),
    sa.Column("window_end", sa.String(), nullable=True),
    sa.Column("skills", sa.String(), nullable=False),
    sa.Column("address", sa.String(), nullable=False),
    sa.Column("customer_id", sa.String(), nullable=False),
    sa.Column("customer_name", sa.String(), nullable=False),
    sa.Column("phone", sa.String(), nullable=False),
    sa.Column("transformer_id", sa.String(), nullable=False),
    sa.Column("status", sa.String(), nullable=False),
    sa.Column("source", sa.String(), nullable=False),
    sa.Column("merged_into", sa.String(), nullable=True),
    sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("unassigned_reason", sa.String(), nullable=True),
    sa.Column("unassigned_detail", sa.String(), nullable=True),
    sa.ForeignKeyConstraint(["merged_into"], ["ticket.ticket_id"]),
    sa.PrimaryKeyConstraint("ticket_id"),
    sa.Index("ix_ticket_customer_category_status", "customer_id", "category", "status"),
    sa.Index("ix_ticket_status", "status"),
)

sa.Table(
    "zone",
    metadata,
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("name", sa.String(), nullable=False),
    sa.Column("geometry", sa.Text(), nullable=False),
    sa.Column("risk_weight", sa.Float(), nullable=False),
    sa.Column("closed", sa.Boolean(), nullable=False),
    sa.Column("speed_kmh", sa.Float(), nullable=True),
    sa.Column("valid_from", sa.Date(), nullable=True),
    sa.Column("valid_to", sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("name"),
)

sa.Table(
    "crew_member",
    metadata,
    sa.Column("member_id", sa.String(), nullable=False),
    sa.Column("crew_id", sa.String(), nullable=False),
    sa.Column("name", sa.String(), nullable=True),
    sa.Column("active", sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(["crew_id"], ["crew.crew_id"]),
    sa.PrimaryKeyConstraint("member_id"),
    sa.Index("ix_crew_member_crew_id", "crew_id"),
)

sa.Table(
    "crew_position",
    metadata,
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("crew_id", sa.String(), nullable=False),
    sa.Column("lat", sa.Float(), nullable=False),
    sa.Column("lon", sa.Float(), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("source", sa.String(), nullable=False),
    sa.ForeignKeyConstraint(["crew_id"], ["crew.crew_id"]),
    sa.PrimaryKeyConstraint("id"),
    sa.Index("ix_crew_position_at", "at"),
    sa.Index("ix_crew_position_crew_id", "crew_id"),
)

sa.Table(
    "plan_unassigned",
    metadata,
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("plan_id", sa.Integer(), nullable=False),
    sa.Column("ticket_id", sa.String(), nullable=False),
    sa.Column("reason", sa.String(), nullable=False),
    sa.Column("detail", sa.String(), nullable=False),
    sa.ForeignKeyConstraint(["plan_id"], ["plan.id"]),
    sa.PrimaryKeyConstraint("id"),
    sa.Index("ix_plan_unassigned_plan_id", "plan_id"),
    sa.Index("ix_plan_unassigned_ticket_id", "ticket_id"),
)

sa.Table(
    "plan_visit",
    metadata,
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("plan_id", sa.Integer(), nullable=False),
    sa.Column("crew_id", sa.String(), nullable=False),
    sa.Column("seq", sa.Integer(), nullable=False),
    sa.Column("ticket_id", sa.String(), nullable=False),
    sa.Column("arrival", sa.DateTime(timezone=True), nullable=False),
    sa.Column("start", sa.DateTime(timezone=True), nullable=False),
    sa.Column("end", sa.DateTime(timezone=True), nullable=False),
    sa.Column("indoor", sa.Boolean(), nullable=False),
    sa.Column("exposure_min", sa.Float(), nullable=False),
    sa.Column("travel_m", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(["plan_id"], ["plan.id"]),
    sa.PrimaryKeyConstraint("id"),
    sa.Index("ix_plan_visit_crew_id", "crew_id"),
    sa.Index("ix_plan_visit_plan_id", "plan_id"),
    sa.Index("ix_plan_visit_ticket_id", "ticket_id"),
)

sa.Table(
    "shift",
    metadata,
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("crew_id", sa.String(), nullable=False),
    sa.Column("date", sa.Date(), nullable=False),
    sa.Column("start", sa.DateTime(timezone=True), nullable=False),
    sa.Column("end", sa.DateTime(timezone=True), nullable=False),
    sa.Column("break_start", sa.DateTime(timezone=True), nullable=True),
    sa.Column("break_end", sa.DateTime(timezone=True), nullable=True),
    sa.Column("break_min", sa.Integer(), nullable=False),
    sa.Column("standby", sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(["crew_id"], ["crew.crew_id"]),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("crew_id", "date", name="uq_shift_crew_date"),
    sa.Index("ix_shift_crew_id", "crew_id"),
    sa.Index("ix_shift_date", "date"),
)

sa.Table(
    "visit_record",
    metadata,
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("ticket_id", sa.String(), nullable=False),
    sa.Column("crew_id", sa.String(), nullable=False),
    sa.Column("plan_id", sa.Integer(), nullable=True),
    sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("entered_home", sa.Boolean(), nullable=False),
    sa.Column("outcome", sa.String(), nullable=True),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("note", sa.String(), nullable=False),
    sa.Column("exposure_min", sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(["crew_id"], ["crew.crew_id"]),
    sa.ForeignKeyConstraint(["plan_id"], ["plan.id"]),
    sa.ForeignKeyConstraint(["ticket_id"], ["ticket.ticket_id"]),
    sa.PrimaryKeyConstraint("id"),
    sa.Index("ix_visit_record_crew_arrived", "crew_id", "arrived_at"),
    sa.Index("ix_visit_record_plan_id", "plan_id"),
    sa.Index("ix_visit_record_ticket_id", "ticket_id"),
)

sa.Table(
    "cohort_move",
    metadata,
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("member_id", sa.String(), nullable=False),
    sa.Column("from_crew", sa.String(), nullable=False),
    sa.Column("to_crew", sa.String(), nullable=False),
    sa.Column("move_date", sa.Date(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["from_crew"], ["crew.crew_id"]),
    sa.ForeignKeyConstraint(["member_id"], ["crew_member.member_id"]),
    sa.ForeignKeyConstraint(["to_crew"], ["crew.crew_id"]),
    sa.PrimaryKeyConstraint("id"),
    sa.Index("ix_cohort_move_member_id", "member_id"),
)

sa.Table(
    "exposure_ledger",
    metadata,
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("member_id", sa.String(), nullable=False),
    sa.Column("crew_id", sa.String(), nullable=False),
    sa.Column("ticket_id", sa.String(), nullable=False),
    sa.Column("day", sa.Date(), nullable=False),
    sa.Column("source", sa.String(), nullable=False),
    sa.Column("plan_id", sa.Integer(), nullable=True),
    sa.Column("visit_id", sa.Integer(), nullable=True),
    sa.Column("homes", sa.Integer(), nullable=False),
    sa.Column("in_home_min", sa.Float(), nullable=False),
    sa.Column("exposure_min", sa.Float(), nullable=False),
    sa.Column("zone", sa.String(), nullable=False),
    sa.Column("zone_weight", sa.Float(), nullable=False),
    sa.Column("household_risk", sa.String(), nullable=False),
    sa.Column("household_multiplier", sa.Float(), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["crew_id"], ["crew.crew_id"]),
    sa.ForeignKeyConstraint(["plan_id"], ["plan.id"]),
    sa.ForeignKeyConstraint(["ticket_id"], ["ticket.ticket_id"]),
    sa.ForeignKeyConstraint(["visit_id"], ["visit_record.id"]),
    sa.PrimaryKeyConstraint("id"),
    sa.Index("ix_exposure_ledger_day_ticket", "day", "ticket_id"),
    sa.Index("ix_exposure_ledger_member_day", "member_id", "day"),
)

sa.Table(
    "member_quarantine",
    metadata,
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("member_id", sa.String(), nullable=False),
    sa.Column("start", sa.Date(), nullable=False),
    sa.Column("until", sa.Date(), nullable=False),
    sa.Column("reason", sa.String(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["member_id"], ["crew_member.member_id"]),
    sa.PrimaryKeyConstraint("id"),
    sa.Index("ix_member_quarantine_member_id", "member_id"),
)


def upgrade() -> None:
    metadata.create_all(op.get_bind(), checkfirst=False)


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), checkfirst=False)
