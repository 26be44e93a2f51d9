"""The stored scenario: saved whole in one transaction, read back as a validated `Scenario`.

An import replaces everything HR brought (skills, teams, people, opportunities, crisis demand,
policy) at once: either the new scenario is stored completely or the old one stays untouched.
Rows are written in bulk (executemany on SQLite; COPY on PostgreSQL), so 100,000 people take
seconds, not minutes.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from sqlalchemy import JSON, Connection, Engine, Table, delete, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from planner.domain import Demand, Opportunity, Person, Policy, Scenario, Skill, Team
from planner.store._common import as_utc, utc_now, write_audit
from planner.store.tables import (
    SCENARIO_TABLES_CHILDREN_FIRST,
    demand,
    opportunities,
    people,
    scenario_meta,
    skills,
    teams,
)

COLLECTIONS = ("skills", "teams", "people", "opportunities", "demand")
_TABLE_OF = {"skills": skills, "teams": teams, "people": people, "opportunities": opportunities,
             "demand": demand}


# --------------------------------------------------------------------------------------------
# Domain objects <-> rows
# --------------------------------------------------------------------------------------------


def skill_row(skill: Skill, position: int) -> dict[str, Any]:
    return {"skill_id": skill.skill_id, "position": position, "name": skill.name,
            "category": skill.category}


def team_row(team: Team, position: int) -> dict[str, Any]:
    return {
        "team_id": team.team_id, "position": position, "name": team.name,
        "organisation": team.organisation, "service": team.service,
        "max_release_share": team.max_release_share, "min_staff": team.min_staff,
        "critical_skills": [{"skill": c.skill, "level": c.level, "count": c.count}
                            for c in team.critical_skills],
        "status": team.status.value,
    }


def person_row(person: Person, position: int) -> dict[str, Any]:
    return {
        "person_id": person.person_id, "position": position, "name": person.name,
        "team_id": person.team_id, "grade": person.grade, "profession": person.profession,
        "fte": person.fte, "skills": dict(person.skills), "aspirations": dict(person.aspirations),
        "preferences": list(person.preferences), "must_practise": person.must_practise,
        "available": person.available, "last_redeployed": person.last_redeployed,
    }


def opportunity_row(opportunity: Opportunity, position: int) -> dict[str, Any]:
    o = opportunity
    return {
        "opportunity_id": o.opportunity_id, "position": position, "title": o.title,
        "kind": o.kind.value, "host_team_id": o.host_team_id, "capacity": o.capacity, "fte": o.fte,
        "required_skills": dict(o.required_skills), "development_skills": dict(o.development_skills),
        "grade_min": o.grade_min, "grade_max": o.grade_max, "profession": o.profession,
        "start": o.start, "end": o.end,
    }


def demand_row(item: Demand, position: int) -> dict[str, Any]:
    return {"position": position, "team_id": item.team_id, "skill": item.skill, "level": item.level,
            "count": item.count, "priority": item.priority}


def _fields(row, drop: tuple[str, ...] = ("position",)) -> dict[str, Any]:
    return {key: value for key, value in row._mapping.items() if key not in drop}


def person_from_row(row) -> Person:
    return Person.model_validate(_fields(row))


def scenario_rows(scenario: Scenario) -> dict[str, list[dict[str, Any]]]:
    """The rows of each scenario table, in the scenario's own order."""
    return {
        "skills": [skill_row(s, i) for i, s in enumerate(scenario.skills)],
        "teams": [team_row(t, i) for i, t in enumerate(scenario.teams)],
        "people": [person_row(p, i) for i, p in enumerate(scenario.people)],
        "opportunities": [opportunity_row(o, i) for i, o in enumerate(scenario.opportunities)],
        "demand": [demand_row(d, i) for i, d in enumerate(scenario.demand)],
    }


# --------------------------------------------------------------------------------------------
# Bulk writing
# --------------------------------------------------------------------------------------------


def bulk_insert(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows at once: COPY on PostgreSQL (psycopg), executemany elsewhere."""
    if not rows:
        return
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
        _copy_rows(connection, table, rows)
    else:
        connection.execute(insert(table), rows)


def _copy_rows(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    columns = [column.name for column in table.columns]
    json_columns = {column.name for column in table.columns if isinstance(column.type, JSON)}
    quoted = ", ".join(connection.dialect.identifier_preparer.quote(c) for c in columns)
    name = connection.dialect.identifier_preparer.format_table(table)
    statement = f"COPY {name} ({quoted}) FROM STDIN"
    driver_error = connection.dialect.loaded_dbapi.Error
    cursor = connection.connection.driver_connection.cursor()
    try:
        with cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([json.dumps(row[c]) if c in json_columns else row[c] for c in columns])
    except driver_error as error:
        # Raised like any other statement's error (IntegrityError, ...), without the rows.
        raise DBAPIError.instance(statement, None, error, driver_error, hide_parameters=True,
                                  dialect=connection.dialect) from error
    finally:
        cursor.close()


def _empty_scenario_tables(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # TRUNCATE is transactional on PostgreSQL and far faster than DELETE for 100k rows.
        names = ", ".join(connection.dialect.identifier_preparer.format_table(t)
                          for t in SCENARIO_TABLES_CHILDREN_FIRST)
        connection.execute(text(f"TRUNCATE {names}"))
    else:
        for table in SCENARIO_TABLES_CHILDREN_FIRST:
            connection.execute(delete(table))


def _next_revision(connection: Connection) -> int:
    current = connection.execute(select(scenario_meta.c.revision)).scalar()
    return (current or 0) + 1


def bump_revision(connection: Connection) -> int:
    """Mark the stored scenario as changed (so cached copies are reloaded); returns the new
    revision number."""
    revision = _next_revision(connection)
    connection.execute(update(scenario_meta).values(revision=revision, updated_at=utc_now()))
    return revision


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def save_scenario(engine: Engine, scenario: Scenario, actor: str) -> dict[str, int]:
    """Replace the stored scenario with `scenario` in one transaction, and audit who did it.

    All or nothing: if anything fails part-way, the previous scenario is left exactly as it
    was. User accounts, plans and the audit trail are kept. Returns the number of items saved
    per collection."""
    rows = scenario_rows(scenario)
    counts = {name: len(rows[name]) for name in COLLECTIONS}
    now = utc_now()
    with engine.begin() as connection:
        revision = _next_revision(connection)
        _empty_scenario_tables(connection)
        connection.execute(delete(scenario_meta))
        for name in COLLECTIONS:
            bulk_insert(connection, _TABLE_OF[name], rows[name])
        connection.execute(insert(scenario_meta).values(
            id=1, revision=revision, policy=scenario.policy.model_dump(mode="json"),
            imported_at=now, imported_by=actor, updated_at=now,
        ))
        detail = ", ".join(f"{name}={count}" for name, count in counts.items())
        write_audit(connection, actor, "scenario.import", "scenario", detail)
    return counts


def _ordered(connection: Connection, table: Table) -> Iterable:
    return connection.execute(select(table).order_by(table.c.position))


def load_scenario(engine: Engine) -> Scenario | None:
    """The stored scenario, validated again as a `Scenario`; None when nothing was imported."""
    with engine.connect() as connection:
        policy = connection.execute(select(scenario_meta.c.policy)).scalar()
        if policy is None:
            return None
        data = {
            "skills": [_fields(r) for r in _ordered(connection, skills)],
            "teams": [_fields(r) for r in _ordered(connection, teams)],
            "people": [_fields(r) for r in _ordered(connection, people)],
            "opportunities": [_fields(r) for r in _ordered(connection, opportunities)],
            "demand": [_fields(r) for r in _ordered(connection, demand)],
            "policy": policy,
        }
    return Scenario.model_validate(data)


def load_policy(engine: Engine) -> Policy | None:
    """The stored scenario's policy (None when nothing was imported)."""
    with engine.connect() as connection:
        policy = connection.execute(select(scenario_meta.c.policy)).scalar()
    return None if policy is None else Policy.model_validate(policy)


def scenario_counts(engine: Engine) -> dict[str, int]:
    """How many skills, teams, people, opportunities and demand rows are stored."""
    with engine.connect() as connection:
        return {name: connection.execute(select(func.count()).select_from(_TABLE_OF[name])).scalar_one()
                for name in COLLECTIONS}


def scenario_revision(engine: Engine) -> int:
    """A number that grows with every change to the stored scenario (import, person update or
    deletion); 0 when nothing was imported. Lets the web app cache `load_scenario()`."""
    with engine.connect() as connection:
        return connection.execute(select(scenario_meta.c.revision)).scalar() or 0


def scenario_info(engine: Engine) -> dict[str, Any] | None:
    """When and by whom the stored scenario was imported, its revision and its counts."""
    with engine.connect() as connection:
        row = connection.execute(select(scenario_meta)).first()
    if row is None:
        return None
    return {"revision": row.revision, "imported_at": as_utc(row.imported_at),
            "imported_by": row.imported_by, "updated_at": as_utc(row.updated_at),
            "counts": scenario_counts(engine)}
