"""The store's tables, described once with SQLAlchemy Core.

Migration `0001` creates exactly these tables (a test compares the migrated database with this
metadata). List-valued fields of the scenario (skills, aspirations, preferences, critical skills,
required and development skills) are JSON columns: they are always read and written with their
row, never queried on their own, and one JSON cell per person imports faster than
a child table with a row per skill (see bench/README.md, "Import of 100,000 people").

`position` columns keep each collection in the order it was imported, so a stored scenario
reads back exactly as it came in.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB

# Names for constraints, so later migrations (0002, ...) can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

# JSON on SQLite, JSONB on PostgreSQL.
Json = JSON().with_variant(JSONB(), "postgresql")

ROLES = ("staff", "hr", "emergency", "admin")
PLAN_KINDS = ("matching", "redeploy")
PLAN_STATUSES = ("draft", "approved", "rejected")

# --------------------------------------------------------------------------------------------
# The scenario (one at a time; an import replaces it whole)
# --------------------------------------------------------------------------------------------

scenario_meta = Table(
    "scenario_meta",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("revision", Integer, nullable=False),
    Column("policy", Json, nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("imported_by", String(200), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("id = 1", name="single_row"),
)

skills = Table(
    "skills",
    metadata,
    Column("skill_id", String(200), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("name", Text, nullable=False),
    Column("category", Text, nullable=False),
)

teams = Table(
    "teams",
    metadata,
    Column("team_id", String(200), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("name", Text, nullable=False),
    Column("organisation", Text, nullable=False),
    Column("service", Text, nullable=False),
    Column("max_release_share", Float, nullable=False),
    Column("min_staff", Integer, nullable=True),
    Column("critical_skills", Json, nullable=False),
    Column("status", String(20), nullable=False),
)

people = Table(
    "people",
    metadata,
    Column("person_id", String(200), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("name", Text, nullable=False),
    Column("team_id", String(200), ForeignKey("teams.team_id"), nullable=False, index=True),
    Column("grade", Integer, nullable=False),
    Column("profession", Text, nullable=False),
    Column("fte", Float, nullable=False),
    Column("skills", Json, nullable=False),
    Column("aspirations", Json, nullable=False),
    Column("preferences", Json, nullable=False),
    Column("must_practise", Float, nullable=False),
    Column("available", Boolean, nullable=False),
    Column("last_redeployed", Date, nullable=True),
)

opportunities = Table(
    "opportunities",
    metadata,
    Column("opportunity_id", String(200), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("title", Text, nullable=False),
    Column("kind", String(30), nullable=False),
    Column("host_team_id", String(200), ForeignKey("teams.team_id"), nullable=False, index=True),
    Column("capacity", Integer, nullable=False),
    Column("fte", Float, nullable=False),
    Column("required_skills", Json, nullable=False),
    Column("development_skills", Json, nullable=False),
    Column("grade_min", Integer, nullable=True),
    Column("grade_max", Integer, nullable=True),
    Column("profession", Text, nullable=False),
    Column("start", Date, nullable=True),
    Column("end", Date, nullable=True),
)

demand = Table(
    "demand",
    metadata,
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("team_id", String(200), ForeignKey("teams.team_id"), nullable=False),
    Column("skill", String(200), nullable=False),
    Column("level", Integer, nullable=False),
    Column("count", Integer, nullable=False),
    Column("priority", Integer, nullable=False),
)

# Equality monitoring (special-category data: sex, ethnicity, disability, age band...), one row
# per person and monitoring column. Kept apart from `people` so no page or export that shows a
# person's record can show these by accident; deleted with the person (erasure, re-import).
person_monitoring = Table(
    "person_monitoring",
    metadata,
    Column("person_id", String(200), ForeignKey("people.person_id", ondelete="CASCADE"), primary_key=True),
    Column("attribute", String(200), primary_key=True),
    Column("value", Text, nullable=False),
)

# Children first: the order in which an import empties the scenario tables.
SCENARIO_TABLES_CHILDREN_FIRST = (person_monitoring, demand, opportunities, people, teams, skills)

# --------------------------------------------------------------------------------------------
# Accounts, audit trail, plans
# --------------------------------------------------------------------------------------------

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(150), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    Column("role", String(20), nullable=False),
    # Not a foreign key: an import replaces every person, and an account outlives that.
    Column("person_id", String(200), nullable=True, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("failed_logins", Integer, nullable=False, server_default="0"),
    Column("locked_until", DateTime(timezone=True), nullable=True),
    Column("session_version", Integer, nullable=False, server_default="1"),
    # Optional (migration 0003): where notifications are emailed when SMTP is configured.
    Column("email", String(254), nullable=True),
    CheckConstraint("role IN ('staff', 'hr', 'emergency', 'admin')", name="role"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("actor", String(200), nullable=False),
    Column("action", String(100), nullable=False),
    Column("target", String(300), nullable=True, index=True),
    Column("detail", Text, nullable=False, server_default=""),
)

plans = Table(
    "plans",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("policy", Json, nullable=False),
    Column("result", Json, nullable=False),
    Column("approved_by", String(200), nullable=True),
    Column("approved_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("kind", "version", name="uq_plans_kind_version"),
    CheckConstraint("kind IN ('matching', 'redeploy')", name="kind"),
    CheckConstraint("status IN ('draft', 'approved', 'rejected')", name="status"),
)

# --------------------------------------------------------------------------------------------
# Notifications (migration 0003): each account's inbox, and the email outbox beside it
# --------------------------------------------------------------------------------------------

notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True),
    # A message belongs to one account and goes with it (ON DELETE CASCADE).
    Column("recipient_user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False,
           index=True),
    # The person the message is about, if any. Named `person_id` like every other person-keyed
    # table, so a person's export and erasure find the messages about them (HR's copies too).
    Column("person_id", String(200), nullable=True, index=True),
    # No CHECK on kind: a new kind of event is one line in planner/store/notifications.py.
    Column("kind", String(30), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("link", String(500), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("read_at", DateTime(timezone=True), nullable=True),
    Column("emailed_at", DateTime(timezone=True), nullable=True),
    Column("email_attempts", Integer, nullable=False, server_default="0"),
    Column("email_next_attempt_at", DateTime(timezone=True), nullable=True),
    Column("email_error", Text, nullable=True),
)

# --------------------------------------------------------------------------------------------
# API tokens (migration `0004_api_tokens`)
# --------------------------------------------------------------------------------------------

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    # sha256 of the token, hex: the token itself is shown once and never stored.
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("role", String(20), nullable=False),
    # Not a foreign key, like users.person_id: an import replaces every person.
    Column("person_id", String(200), nullable=True, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("last_used_at", DateTime(timezone=True), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    CheckConstraint("role IN ('staff', 'hr', 'emergency', 'admin')", name="role"),
)
