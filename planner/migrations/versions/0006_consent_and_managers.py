"""Consent and line managers: staff answer the placements proposed to them, line managers
release their people (or say why not) and manage teams, staff may opt out of crisis
redeployment for their wellbeing; the `manager` role.

Tables: `placement_answers`, `release_decisions`, `crisis_opt_outs`, `manager_teams`; the
users' role check gains 'manager'.

Revision ID: 0006_consent
Revises: 0005_assignments
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_consent"
down_revision = "0005_assignments"
branch_labels = None
depends_on = None

OLD_ROLES = "role IN ('staff', 'hr', 'emergency', 'admin')"
NEW_ROLES = "role IN ('staff', 'hr', 'emergency', 'admin', 'manager')"


def _set_role_check(condition: str) -> None:
    # Batch mode: SQLite rebuilds the table (it cannot alter a CHECK in place); PostgreSQL alters.
    # The name goes through the naming convention both ways, as 0001's did, so upgrade and
    # downgrade each find the check the other left.
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("ck_users_role", type_="check")
        batch.create_check_constraint("ck_users_role", condition)


def _answer_table(name: str, word: str, words: tuple[str, str], by: str, at: str) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("plan_id", sa.Integer, nullable=False),
        sa.Column("person_id", sa.String(200), nullable=False),
        sa.Column("opportunity_id", sa.String(200), nullable=False),
        sa.Column(word, sa.String(20), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False, server_default=""),
        *((sa.Column(at, sa.DateTime(timezone=True), nullable=False),
           sa.Column(by, sa.String(200), nullable=False)) if name == "placement_answers" else
          (sa.Column(by, sa.String(200), nullable=False),
           sa.Column(at, sa.DateTime(timezone=True), nullable=False))),
        sa.PrimaryKeyConstraint("id", name=f"pk_{name}"),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=f"fk_{name}_plan_id_plans"),
        sa.UniqueConstraint("plan_id", "person_id", "opportunity_id", name=f"uq_{name}_plan_id"),
        sa.CheckConstraint(f"{word} IN ('{words[0]}', '{words[1]}')", name=f"ck_{name}_{word}"),
    )
    op.create_index(f"ix_{name}_person_id", name, ["person_id"])


def upgrade() -> None:
    _set_role_check(NEW_ROLES)
    _answer_table("placement_answers", "answer", ("accepted", "declined"), "answered_by", "answered_at")
    _answer_table("release_decisions", "decision", ("released", "refused"), "decided_by", "decided_at")
    op.create_table(
        "crisis_opt_outs",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("person_id", sa.String(200), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_crisis_opt_outs"),
    )
    op.create_index("ix_crisis_opt_outs_person_id", "crisis_opt_outs", ["person_id"])
    op.create_table(
        "manager_teams",
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("team_id", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "team_id", name="pk_manager_teams"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_manager_teams_user_id_users",
                                ondelete="CASCADE"),
    )


def downgrade() -> None:
    op.drop_table("manager_teams")
    op.drop_index("ix_crisis_opt_outs_person_id", table_name="crisis_opt_outs")
    op.drop_table("crisis_opt_outs")
    for name in ("release_decisions", "placement_answers"):
        op.drop_index(f"ix_{name}_person_id", table_name=name)
        op.drop_table(name)
    op.execute("DELETE FROM users WHERE role = 'manager'")
    _set_role_check(OLD_ROLES)
