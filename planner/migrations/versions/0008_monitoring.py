"""Equality monitoring: protected characteristics read from people.csv (the columns the policy's
`equality` section names), one row per person and column, apart from `people` so that nothing
rendering a person's record can show them. Deleted with the person.

Revision ID: 0008_monitoring
Revises: 0006_consent
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_monitoring"
down_revision = "0006_consent"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person_monitoring",
        sa.Column("person_id", sa.String(200), nullable=False),
        sa.Column("attribute", sa.String(200), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("person_id", "attribute", name="pk_person_monitoring"),
        sa.ForeignKeyConstraint(["person_id"], ["people.person_id"], ondelete="CASCADE",
                                name="fk_person_monitoring_person_id_people"),
    )


def downgrade() -> None:
    op.drop_table("person_monitoring")
