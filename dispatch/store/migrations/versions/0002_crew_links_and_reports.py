"""Crew links and reports: the phone links of ``dispatch serve`` and the status reports sent through them.

``crew_link`` holds one token per crew and shift (revoked ones kept); ``crew_report`` every report a phone
sent, unique per crew and the phone's report id, so a resend is applied once.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "crew_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(), nullable=False),
        sa.Column("crew_id", sa.String(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["crew_id"], ["crew.crew_id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token", name="uq_crew_link_token"),
    )
    with op.batch_alter_table("crew_link", schema=None) as batch_op:
        batch_op.create_index("ix_crew_link_crew_day", ["crew_id", "day"], unique=False)

    op.create_table(
        "crew_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.String(), nullable=False),
        sa.Column("crew_id", sa.String(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.String(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("entered_home", sa.Boolean(), nullable=False),
        sa.Column("in_home_min", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("visit_id", sa.Integer(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["crew_id"], ["crew.crew_id"]),
        sa.ForeignKeyConstraint(["link_id"], ["crew_link.id"]),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"]),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.ticket_id"]),
        sa.ForeignKeyConstraint(["visit_id"], ["visit_record.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("crew_id", "report_id", name="uq_crew_report_crew_report_id"),
    )
    with op.batch_alter_table("crew_report", schema=None) as batch_op:
        batch_op.create_index("ix_crew_report_day_crew", ["day", "crew_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("crew_report", schema=None) as batch_op:
        batch_op.drop_index("ix_crew_report_day_crew")
    op.drop_table("crew_report")
    with op.batch_alter_table("crew_link", schema=None) as batch_op:
        batch_op.drop_index("ix_crew_link_crew_day")
    op.drop_table("crew_link")
