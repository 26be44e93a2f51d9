"""Notifications: an inbox per account, and the email outbox beside it.

`notifications`: one row per message to one account (deleted with the account), with the person
it is about (so a person's export and erasure reach HR's copies too), when it was read, and the
state of its email (sent, attempts, next attempt, last error). `users.email`: an optional address
notifications are emailed to when `TRELLIS_SMTP_URL` is set.

Revision ID: 0003_notifications
Revises: 0002_web2
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_notifications"
down_revision = "0002_web2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email", sa.String(254), nullable=True))
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("recipient_user_id", sa.Integer, nullable=False),
        sa.Column("person_id", sa.String(200), nullable=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("link", sa.String(500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("emailed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("email_attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("email_next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("email_error", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
        sa.ForeignKeyConstraint(["recipient_user_id"], ["users.id"], ondelete="CASCADE",
                                name="fk_notifications_recipient_user_id_users"),
    )
    op.create_index("ix_notifications_recipient_user_id", "notifications", ["recipient_user_id"])
    op.create_index("ix_notifications_person_id", "notifications", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_notifications_person_id", table_name="notifications")
    op.drop_index("ix_notifications_recipient_user_id", table_name="notifications")
    op.drop_table("notifications")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email")
