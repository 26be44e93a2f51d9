"""The record of assignments: who is (or was) away on which secondment or redeployment, from
when to when, as decided by whom and from which plan version.

Revision ID: 0005_assignments
Revises: 0007_webhooks (the lead re-chains after 0003 and 0004 at merge)
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_assignments"
down_revision = "0007_webhooks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("person_id", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("opportunity_id", sa.String(200), nullable=True),
        sa.Column("team_id", sa.String(200), nullable=True),
        sa.Column("skill", sa.String(200), nullable=True),
        sa.Column("start", sa.Date, nullable=False),
        sa.Column("end", sa.Date, nullable=True),
        sa.Column("decision", sa.String(20), nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("plan_id", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_assignments"),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name="fk_assignments_plan_id_plans"),
        sa.CheckConstraint("kind IN ('placement', 'redeployment')", name="ck_assignments_kind"),
        sa.CheckConstraint("decision IN ('proposed', 'accepted', 'declined', 'ended')",
                           name="ck_assignments_decision"),
    )
    op.create_index("ix_assignments_person_id", "assignments", ["person_id"])
    op.create_index("ix_assignments_plan_id", "assignments", ["plan_id"])


def downgrade() -> None:
    op.drop_index("ix_assignments_plan_id", table_name="assignments")
    op.drop_index("ix_assignments_person_id", table_name="assignments")
    op.drop_table("assignments")
