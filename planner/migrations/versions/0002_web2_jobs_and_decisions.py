"""Background solve jobs and HR's decisions on proposed placements (web consoles).

`solve_jobs`: one row per optimiser run started from the web app, with its progress (objective
and bound over time), so a page reload or another browser finds it; `heartbeat_at` tells a live
job from one whose process died. `placement_decisions`: a proposed placement accepted or rejected
by a named person (humans decide); a re-run pins the accepted and forbids the rejected.

Revision ID: 0002_web2
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002_web2"
down_revision = "0001"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "solve_jobs",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("time_limit_s", sa.Float, nullable=False),
        sa.Column("request", Json, nullable=False),
        sa.Column("progress", Json, nullable=False),
        sa.Column("result", Json, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("plan_id", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_solve_jobs"),
        sa.CheckConstraint("kind IN ('matching', 'whatif', 'redeploy')", name="ck_solve_jobs_kind"),
        sa.CheckConstraint(
            "status IN ('running', 'finished', 'failed', 'interrupted')", name="ck_solve_jobs_status"
        ),
    )
    op.create_index("ix_solve_jobs_status", "solve_jobs", ["status"])
    op.create_table(
        "placement_decisions",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("plan_id", sa.Integer, nullable=False),
        sa.Column("person_id", sa.String(200), nullable=False),
        sa.Column("opportunity_id", sa.String(200), nullable=False),
        sa.Column("decision", sa.String(20), nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_placement_decisions"),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name="fk_placement_decisions_plan_id_plans"),
        sa.UniqueConstraint("plan_id", "person_id", "opportunity_id", name="uq_placement_decisions_plan_id"),
        sa.CheckConstraint("decision IN ('accepted', 'rejected')", name="ck_placement_decisions_decision"),
    )
    op.create_index("ix_placement_decisions_person_id", "placement_decisions", ["person_id"])


def downgrade() -> None:
    op.drop_table("placement_decisions")
    op.drop_index("ix_solve_jobs_status", table_name="solve_jobs")
    op.drop_table("solve_jobs")
