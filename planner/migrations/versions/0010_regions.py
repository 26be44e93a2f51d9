"""Regions: a team may name the region it works in, and an opportunity may be remote (open to
people of every region); a non-remote opportunity is open only to people of its host team's
region (eligibility rule 5). Existing rows read as before: no region, not remote.

Revision ID: 0010_regions
Revises: 0009_profiles
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_regions"
down_revision = "0009_profiles"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not batch mode: batch mode rebuilds a SQLite table by dropping it, which
# people and opportunities (foreign keys to teams) forbid. SQLite adds a NOT NULL column with a
# constant default in place, and drops a column without constraints in place (3.35 and later).


def upgrade() -> None:
    op.add_column("teams", sa.Column("region", sa.Text, nullable=False, server_default=""))
    op.add_column("opportunities", sa.Column("remote", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    op.drop_column("opportunities", "remote")
    op.drop_column("teams", "region")
