"""The store's first schema: the scenario, user accounts, the audit trail and plans.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "scenario_meta",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("policy", Json, nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_scenario_meta_single_row"),
        sa.PrimaryKeyConstraint("id", name="pk_scenario_meta"),
    )
    op.create_table(
        "skills",
        sa.Column("skill_id", sa.String(200), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("category", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("skill_id", name="pk_skills"),
    )
    op.create_table(
        "teams",
        sa.Column("team_id", sa.String(200), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("organisation", sa.Text, nullable=False),
        sa.Column("service", sa.Text, nullable=False),
        sa.Column("max_release_share", sa.Float, nullable=False),
        sa.Column("min_staff", sa.Integer, nullable=True),
        sa.Column("critical_skills", Json, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("team_id", name="pk_teams"),
    )
    op.create_table(
        "people",
        sa.Column("person_id", sa.String(200), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("team_id", sa.String(200), nullable=False),
        sa.Column("grade", sa.Integer, nullable=False),
        sa.Column("profession", sa.Text, nullable=False),
        sa.Column("fte", sa.Float, nullable=False),
        sa.Column("skills", Json, nullable=False),
        sa.Column("aspirations", Json, nullable=False),
        sa.Column("preferences", Json, nullable=False),
        sa.Column("must_practise", sa.Float, nullable=False),
        sa.Column("available", sa.Boolean, nullable=False),
        sa.Column("last_redeployed", sa.Date, nullable=True),
        sa.PrimaryKeyConstraint("person_id", name="pk_people"),
        sa.ForeignKeyConstraint(["team_id"], ["teams.team_id"], name="fk_people_team_id_teams"),
    )
    op.create_index("ix_people_team_id", "people", ["team_id"])
    op.create_table(
        "opportunities",
        sa.Column("opportunity_id", sa.String(200), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("host_team_id", sa.String(200), nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("fte", sa.Float, nullable=False),
        sa.Column("required_skills", Json, nullable=False),
        sa.Column("development_skills", Json, nullable=False),
        sa.Column("grade_min", sa.Integer, nullable=True),
        sa.Column("grade_max", sa.Integer, nullable=True),
        sa.Column("profession", sa.Text, nullable=False),
        sa.Column("start", sa.Date, nullable=True),
        sa.Column("end", sa.Date, nullable=True),
        sa.PrimaryKeyConstraint("opportunity_id", name="pk_opportunities"),
        sa.ForeignKeyConstraint(
            ["host_team_id"], ["teams.team_id"], name="fk_opportunities_host_team_id_teams"
        ),
    )
    op.create_index("ix_opportunities_host_team_id", "opportunities", ["host_team_id"])
    op.create_table(
        "demand",
        sa.Column("position", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("team_id", sa.String(200), nullable=False),
        sa.Column("skill", sa.String(200), nullable=False),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("position", name="pk_demand"),
        sa.ForeignKeyConstraint(["team_id"], ["teams.team_id"], name="fk_demand_team_id_teams"),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("username", sa.String(150), nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("person_id", sa.String(200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("session_version", sa.Integer, nullable=False, server_default="1"),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("username", name="uq_users_username"),
        sa.CheckConstraint("role IN ('staff', 'hr', 'emergency', 'admin')", name="ck_users_role"),
    )
    op.create_index("ix_users_person_id", "users", ["person_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(100), nullable=False),
        sa.Column("target", sa.String(300), nullable=True),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_target", "audit_log", ["target"])
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("policy", Json, nullable=False),
        sa.Column("result", Json, nullable=False),
        sa.Column("approved_by", sa.String(200), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_plans"),
        sa.UniqueConstraint("kind", "version", name="uq_plans_kind_version"),
        sa.CheckConstraint("kind IN ('matching', 'redeploy')", name="ck_plans_kind"),
        sa.CheckConstraint("status IN ('draft', 'approved', 'rejected')", name="ck_plans_status"),
    )


def downgrade() -> None:
    for table in ("plans", "audit_log", "users", "demand", "opportunities", "people", "teams", "skills",
                  "scenario_meta"):
        op.drop_table(table)
