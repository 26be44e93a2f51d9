"""Occupation profiles: the occupations of an O*NET import and the skills each requires
(`trellis taxonomy load`), offered on the opportunity form as required skills.

Revision ID: 0009_profiles
Revises: 0008_monitoring
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_profiles"
down_revision = "0008_monitoring"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "occupation_profiles",
        sa.Column("soc_code", sa.String(20), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("requirements", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("soc_code", name="pk_occupation_profiles"),
    )


def downgrade() -> None:
    op.drop_table("occupation_profiles")
