"""The stored scenario: saved whole in one transaction, read back as a validated `Scenario`.

An import replaces everything HR brought (skills, teams, people, opportunities, crisis demand,
policy) at once: either the new scenario is stored completely or the old one stays untouched.
Rows are written in bulk straight through the driver (executemany on SQLite; COPY on PostgreSQL)
(figures: bench/README.md).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pydantic_core
from sqlalchemy import JSON, Connection, Date, Engine, Table, delete, func, insert, select, update
from sqlalchemy.exc import DBAPIError

from planner.bulk_work import without_cycle_collection
from planner.domain import Demand, Opportunity, Person, Policy, Scenario, Skill, Team, TeamStatus
from planner.store._common import as_utc, utc_now, write_audit
from planner.store.engine import write_transaction
from planner.store.tables import (
    SCENARIO_TABLES_CHILDREN_FIRST,
    demand,
    opportunities,
    people,
    person_monitoring,
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


def skill_values(skill: Skill, position: int) -> tuple:
    return (skill.skill_id, position, skill.name, skill.category)


def team_values(team: Team, position: int) -> tuple:
    return (team.team_id, position, team.name, team.organisation, team.service,
            team.max_release_share, team.min_staff,
            [{"skill": c.skill, "level": c.level, "count": c.count} for c in team.critical_skills],
            team.status.value, team.region)


def person_values(person: Person, position: int) -> tuple:
    p = person
    return (p.person_id, position, p.name, p.team_id, p.grade, p.profession, p.fte, p.skills,
            p.aspirations, list(p.preferences), p.must_practise, p.available, p.last_redeployed)


def opportunity_values(opportunity: Opportunity, position: int) -> tuple:
    o = opportunity
    return (o.opportunity_id, position, o.title, o.kind.value, o.host_team_id, o.capacity, o.fte,
            o.required_skills, o.development_skills, o.grade_min, o.grade_max, o.profession,
            o.start, o.end, o.remote)


def demand_values(item: Demand, position: int) -> tuple:
    return (position, item.team_id, item.skill, item.level, item.count, item.priority)


# Each builder gives a table's values in the table's column order.
_VALUES_OF = {"skills": skill_values, "teams": team_values, "people": person_values,
              "opportunities": opportunity_values, "demand": demand_values}


def person_row(person: Person, position: int) -> dict[str, Any]:
    """A person as a `people` row (column name -> value)."""
    return dict(zip(people.c.keys(), person_values(person, position)))


def _fields(row, drop: tuple[str, ...] = ("position",)) -> dict[str, Any]:
    return {key: value for key, value in row._mapping.items() if key not in drop}


def person_from_row(row) -> Person:
    return Person.model_validate(_fields(row))


def scenario_values(scenario: Scenario) -> dict[str, list[tuple]]:
    """The rows of each scenario table (values in column order), in the scenario's own order."""
    return {name: [_VALUES_OF[name](item, i) for i, item in enumerate(getattr(scenario, name))]
            for name in COLLECTIONS}


# --------------------------------------------------------------------------------------------
# Bulk writing and reading, straight through the database driver
# --------------------------------------------------------------------------------------------


def _json_text(value: Any) -> str:
    return pydantic_core.to_json(value).decode()


def _iso_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _storage_encoders(table: Table) -> list[tuple[int, Callable[[Any], Any]]]:
    """Which columns need encoding before they reach the driver: JSON as text, dates as ISO."""
    encoders = []
    for index, column in enumerate(table.columns):
        if isinstance(column.type, JSON):
            encoders.append((index, _json_text))
        elif isinstance(column.type, Date):
            encoders.append((index, _iso_date))
    return encoders


def _storage_rows(table: Table, rows: list[tuple]) -> list[list]:
    encoders = _storage_encoders(table)
    stored = []
    for row in rows:
        row = list(row)
        for index, encode in encoders:
            row[index] = encode(row[index])
        stored.append(row)
    return stored


def bulk_insert(connection: Connection, table: Table, rows: list[tuple]) -> None:
    """Insert many rows (values in column order) at once: COPY on PostgreSQL with psycopg,
    one executemany through the driver elsewhere. SQLAlchemy's per-row parameter processing
    is bypassed: it costs more than the database's own work at 100,000 rows."""
    if not rows:
        return
    stored = _storage_rows(table, rows)
    preparer = connection.dialect.identifier_preparer
    name = preparer.format_table(table)
    columns = ", ".join(preparer.quote(c.name) for c in table.columns)
    driver_error = connection.dialect.loaded_dbapi.Error
    cursor = connection.connection.cursor()
    try:
        if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
            statement = f"COPY {name} ({columns}) FROM STDIN"
            with cursor.copy(statement) as copy:
                for row in stored:
                    copy.write_row(row)
        else:
            marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
            statement = f"INSERT INTO {name} ({columns}) VALUES ({', '.join([marker] * len(table.columns))})"
            cursor.executemany(statement, stored)
    except driver_error as error:
        # Raised like any other statement's error (IntegrityError, ...), without the rows.
        raise DBAPIError.instance(statement, None, error, driver_error, hide_parameters=True,
                                  dialect=connection.dialect) from error
    finally:
        cursor.close()


def _read_table(connection: Connection, table: Table) -> list[dict[str, Any]]:
    """Every row of a scenario table in import order, as field dicts for the domain model."""
    preparer = connection.dialect.identifier_preparer
    names = [c.name for c in table.columns if c.name != "position"]
    json_columns = [names.index(c.name) for c in table.columns if isinstance(c.type, JSON)]
    cursor = connection.connection.cursor()
    try:
        cursor.execute(f"SELECT {', '.join(preparer.quote(n) for n in names)} "
                       f"FROM {preparer.format_table(table)} ORDER BY {preparer.quote('position')}")
        rows = cursor.fetchall()
    finally:
        cursor.close()
    records = []
    for row in rows:
        row = list(row)
        for index in json_columns:
            if isinstance(row[index], (str, bytes)):
                row[index] = pydantic_core.from_json(row[index])
        records.append(dict(zip(names, row)))
    return records


def _empty_scenario_tables(connection: Connection) -> None:
    # DELETE, not TRUNCATE: TRUNCATE is not MVCC-safe on PostgreSQL, so a reader that started
    # before the import would see empty tables; with DELETE it keeps seeing the old scenario.
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
    with without_cycle_collection():
        return _save_scenario(engine, scenario, actor)


def _save_scenario(engine: Engine, scenario: Scenario, actor: str) -> dict[str, int]:
    rows = scenario_values(scenario)
    counts = {name: len(rows[name]) for name in COLLECTIONS}
    now = utc_now()
    with write_transaction(engine) as connection:
        revision = _next_revision(connection)
        _empty_scenario_tables(connection)
        connection.execute(delete(scenario_meta))
        for name in COLLECTIONS:
            bulk_insert(connection, _TABLE_OF[name], rows[name])
        bulk_insert(connection, person_monitoring, monitoring_values(scenario))
        connection.execute(insert(scenario_meta).values(
            id=1, revision=revision, policy=scenario.policy.model_dump(mode="json"),
            imported_at=now, imported_by=actor, updated_at=now,
        ))
        detail = ", ".join(f"{name}={count}" for name, count in counts.items())
        write_audit(connection, actor, "scenario.import", "scenario", detail)
    return counts


def load_scenario(engine: Engine) -> Scenario | None:
    """The stored scenario, validated again as a `Scenario`; None when nothing was imported."""
    with without_cycle_collection(), engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # Every collection from one snapshot, even while an import commits.
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            return _load_scenario(connection)


def _load_scenario(connection: Connection) -> Scenario | None:
    policy = connection.execute(select(scenario_meta.c.policy)).scalar()
    if policy is None:
        return None
    data = {name: _read_table(connection, _TABLE_OF[name]) for name in COLLECTIONS}
    data["policy"] = policy
    data["monitoring"] = _read_monitoring(connection)
    return Scenario.model_validate(data)


def monitoring_values(scenario: Scenario) -> list[tuple]:
    """The `person_monitoring` rows of a scenario: (person_id, attribute, value)."""
    return [(person_id, attribute, value) for person_id, values in scenario.monitoring.items()
            for attribute, value in values.items()]


def _read_monitoring(connection: Connection) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for person_id, attribute, value in connection.execute(
            select(person_monitoring.c.person_id, person_monitoring.c.attribute, person_monitoring.c.value)):
        found.setdefault(person_id, {})[attribute] = value
    return found


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


def stored_team_ids(engine: Engine) -> set[str]:
    """The ids of the teams in the stored scenario."""
    with engine.connect() as connection:
        return set(connection.execute(select(teams.c.team_id)).scalars())


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


# --------------------------------------------------------------------------------------------
# Crisis edits: a team's status and the demand lines
# --------------------------------------------------------------------------------------------


def set_team_status(engine: Engine, team_id: str, status: TeamStatus, *, actor: str) -> bool:
    """Mark a team normal, paused or critical (audited); False when there is no such team."""
    return set_team_statuses(engine, {team_id: status}, actor=actor)


def set_team_statuses(engine: Engine, statuses: dict[str, TeamStatus], *, actor: str) -> bool:
    """Mark several teams normal, paused or critical in one transaction, each change audited;
    False (and nothing changed) when any of the teams does not exist."""
    if not statuses:
        return True
    try:
        with write_transaction(engine) as connection:
            for team_id, status in statuses.items():
                changed = connection.execute(update(teams).where(teams.c.team_id == team_id)
                                             .values(status=status.value)).rowcount
                if not changed:
                    raise _NoSuchTeam  # rolls back every status already changed
                write_audit(connection, actor, "team.status", f"team:{team_id}", f"status={status.value}")
            bump_revision(connection)
    except _NoSuchTeam:
        return False
    return True


class _NoSuchTeam(Exception):
    """Raised inside the transaction to roll it back."""


def replace_demand(engine: Engine, scenario: Scenario, new_demand: list[Demand], *, actor: str,
                   detail: str) -> None:
    """Store a new list of demand lines, checked against the scenario like an import (every
    team must exist; every skill must be in the catalogue when there is one). Raises
    ScenarioError listing every problem; nothing is written then."""
    fields = {name: getattr(scenario, name) for name in type(scenario).model_fields}
    Scenario.model_validate({**fields, "demand": new_demand})
    with write_transaction(engine) as connection:
        connection.execute(delete(demand))
        if new_demand:
            connection.execute(insert(demand), [{"position": i, **item.model_dump()}
                                                for i, item in enumerate(new_demand)])
        bump_revision(connection)
        write_audit(connection, actor, "demand.update", "demand", detail)
