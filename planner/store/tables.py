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
    false,
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
# The roles an API token may have: a line manager's access depends on the teams their account
# manages, which a token does not carry, so there are no manager tokens.
TOKEN_ROLES = ("staff", "hr", "emergency", "admin")
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
    Column("region", Text, nullable=False, server_default=""),
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
    Column("remote", Boolean, nullable=False, server_default=false()),
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

# --------------------------------------------------------------------------------------------
# Outgoing webhooks (migration `0007_webhooks`)
# --------------------------------------------------------------------------------------------

WEBHOOK_DELIVERY_STATES = ("pending", "delivered", "failed")

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event", String(100), nullable=False),
    # The event's own id (the payload's `id`), shared by its deliveries to every URL.
    Column("event_id", String(64), nullable=False),
    Column("url", Text, nullable=False),
    Column("state", String(20), nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("delivered_at", DateTime(timezone=True), nullable=True),
    CheckConstraint("state IN ('pending', 'delivered', 'failed')", name="state"),
)

# --------------------------------------------------------------------------------------------
# The record of assignments (migration `0005_assignments`): who is away where, from when to when
# --------------------------------------------------------------------------------------------

ASSIGNMENT_KINDS = ("placement", "redeployment")
# Only decisions are stored; "active" and "ended" follow from the dates when the record is read
# (planner.rotation_calendar.assignment_status), so no scheduled job has to move them on.
ASSIGNMENT_DECISIONS = ("proposed", "accepted", "declined", "ended")

assignments = Table(
    "assignments",
    metadata,
    Column("id", Integer, primary_key=True),
    # Not a foreign key: an import replaces every person, and the record outlives that.
    # Personal data: erasure of a person deletes their rows by this column.
    Column("person_id", String(200), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("opportunity_id", String(200), nullable=True),
    Column("team_id", String(200), nullable=True),  # the host team (placement) or demand team
    Column("skill", String(200), nullable=True),  # redeployment: the demanded skill covered
    Column("start", Date, nullable=False),
    Column("end", Date, nullable=True),
    Column("decision", String(20), nullable=False),
    Column("decided_by", String(200), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    Column("plan_id", Integer, ForeignKey("plans.id"), nullable=True, index=True),
    CheckConstraint("kind IN ('placement', 'redeployment')", name="kind"),
    CheckConstraint("decision IN ('proposed', 'accepted', 'declined', 'ended')", name="decision"),
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

# --------------------------------------------------------------------------------------------
# Occupation profiles (`trellis taxonomy load`): an O*NET import's occupations and the skills
# each requires, for the opportunity form's "Occupation profile" picker. Apart from the
# scenario: an import of the scenario leaves them, and a new load replaces them all.
# --------------------------------------------------------------------------------------------

occupation_profiles = Table(
    "occupation_profiles",
    metadata,
    Column("soc_code", String(20), primary_key=True),
    Column("title", Text, nullable=False),
    # The opportunities.csv `required_skills` cell: skill:level;... in O*NET's order.
    Column("requirements", Text, nullable=False),
)
