"""Tables of the planning consoles (migration `0002_web2`): background solve jobs and HR's
decisions on proposed placements. Kept apart from the store's own metadata (`tables.py`) because
migration 0002 adds them, not 0001; the web app's job pool and the planning services use them."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
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

from planner.store.tables import NAMING_CONVENTION

metadata = MetaData(naming_convention=NAMING_CONVENTION)
Json = JSON().with_variant(JSONB(), "postgresql")

JOB_KINDS = ("matching", "whatif", "redeploy")
JOB_STATUSES = ("running", "finished", "failed", "interrupted")
DECISIONS = ("accepted", "rejected")

# `plans` is the store's; declared here only so the foreign key below resolves.
Table("plans", metadata, Column("id", Integer, primary_key=True))

solve_jobs = Table(
    "solve_jobs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("status", String(20), nullable=False, index=True),
    Column("created_by", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=True),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("heartbeat_at", DateTime(timezone=True), nullable=True),
    Column("time_limit_s", Float, nullable=False),
    Column("request", Json, nullable=False),
    Column("progress", Json, nullable=False),
    Column("result", Json, nullable=True),
    Column("error", Text, nullable=True),
    Column("plan_id", Integer, nullable=True),
)

placement_decisions = Table(
    "placement_decisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("plan_id", Integer, ForeignKey("plans.id"), nullable=False),
    Column("person_id", String(200), nullable=False, index=True),
    Column("opportunity_id", String(200), nullable=False),
    Column("decision", String(20), nullable=False),
    Column("decided_by", String(200), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("plan_id", "person_id", "opportunity_id", name="uq_placement_decisions_plan_id"),
)
