"""API tokens: what a connected system (the HR system, a reporting tool) presents as
`Authorization: Bearer ...` to the `/api/v1` JSON API. Only a sha256 hash of each token is kept;
a token has a role like an account, and a staff token is linked to its person.

Revision ID: 0004_api_tokens
Revises: 0003_notifications
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_api_tokens"
down_revision = "0003_notifications"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("person_id", sa.String(200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.UniqueConstraint("name", name="uq_api_tokens_name"),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
        sa.CheckConstraint("role IN ('staff', 'hr', 'emergency', 'admin')", name="ck_api_tokens_role"),
    )
    op.create_index("ix_api_tokens_person_id", "api_tokens", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_api_tokens_person_id", table_name="api_tokens")
    op.drop_table("api_tokens")
