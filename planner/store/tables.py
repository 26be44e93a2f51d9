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

ROLES = ("staff", "hr", "emergency", "admin", "manager")
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

# Children first: the order in which an import empties the scenario tables.
SCENARIO_TABLES_CHILDREN_FIRST = (demand, opportunities, people, teams, skills)

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
    CheckConstraint("role IN ('staff', 'hr', 'emergency', 'admin', 'manager')", name="role"),
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
# Consent and line managers (migration 0006_consent)
# --------------------------------------------------------------------------------------------

ANSWERS = ("accepted", "declined")
RELEASE_DECISIONS = ("released", "refused")
MAX_REASON_LENGTH = 500

# A member of staff's own answer to a placement a plan proposes for them (one per placement;
# a later answer replaces the earlier one).
placement_answers = Table(
    "placement_answers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("plan_id", Integer, ForeignKey("plans.id"), nullable=False),
    Column("person_id", String(200), nullable=False, index=True),
    Column("opportunity_id", String(200), nullable=False),
    Column("answer", String(20), nullable=False),
    Column("reason", String(MAX_REASON_LENGTH), nullable=False, server_default=""),
    Column("answered_at", DateTime(timezone=True), nullable=False),
    Column("answered_by", String(200), nullable=False),
    UniqueConstraint("plan_id", "person_id", "opportunity_id", name="uq_placement_answers_plan_id"),
    CheckConstraint("answer IN ('accepted', 'declined')", name="answer"),
)

# A line manager's word on letting one of their people go to a proposed placement.
release_decisions = Table(
    "release_decisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("plan_id", Integer, ForeignKey("plans.id"), nullable=False),
    Column("person_id", String(200), nullable=False, index=True),
    Column("opportunity_id", String(200), nullable=False),
    Column("decision", String(20), nullable=False),
    Column("reason", String(MAX_REASON_LENGTH), nullable=False, server_default=""),
    Column("decided_by", String(200), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("plan_id", "person_id", "opportunity_id", name="uq_release_decisions_plan_id"),
    CheckConstraint("decision IN ('released', 'refused')", name="decision"),
)

# A wellbeing opt-out from crisis redeployment; withdrawing it keeps the row (with the date).
crisis_opt_outs = Table(
    "crisis_opt_outs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", String(200), nullable=False, index=True),
    Column("reason", String(MAX_REASON_LENGTH), nullable=False),
    Column("since", DateTime(timezone=True), nullable=False),
    Column("withdrawn_at", DateTime(timezone=True), nullable=True),
)

# Which teams a manager account manages. Not a foreign key to teams: an import replaces every
# team, and an account outlives that (a team no longer stored simply shows nobody).
manager_teams = Table(
    "manager_teams",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("team_id", String(200), primary_key=True),
)
