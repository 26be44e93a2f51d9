"""One person's data: read, correct, export and erase (UK GDPR rights of access, rectification
and erasure). Every change is audited by person id, never by name."""

from __future__ import annotations

from typing import Any, Iterator

from pydantic import ValidationError
from sqlalchemy import JSON, Connection, Engine, MetaData, Table, delete, select, update

from planner.domain import Person, Problem, ScenarioError, did_you_mean
from planner.store._common import NotFound, as_utc, person_target, write_audit
from planner.store.audit import audit_entry_from_row
from planner.store.engine import write_transaction
from planner.store.scenario import bump_revision, person_from_row, person_row
from planner.store.tables import audit_log, opportunities, people, plans, scenario_meta, skills, teams, users
from planner.store.users import _user_from_row


def get_person(engine: Engine, person_id: str) -> Person | None:
    """The stored person with this id, or None."""
    with engine.connect() as connection:
        row = connection.execute(select(people).where(people.c.person_id == person_id)).first()
    return None if row is None else person_from_row(row)


def list_people(engine: Engine, team_id: str | None = None) -> list[Person]:
    """Stored people in import order (optionally of one team)."""
    query = select(people).order_by(people.c.position)
    if team_id is not None:
        query = query.where(people.c.team_id == team_id)
    with engine.connect() as connection:
        return [person_from_row(row) for row in connection.execute(query)]


# --------------------------------------------------------------------------------------------
# Correcting a person's skills, aspirations and preferences
# --------------------------------------------------------------------------------------------


def _validation_problems(error: ValidationError) -> list[Problem]:
    return [Problem(file="people.csv", column=".".join(str(p) for p in e["loc"]) or None,
                    message=e["msg"]) for e in error.errors()]


def _reference_problems(connection: Connection, person: Person) -> list[Problem]:
    """Skills must be in the catalogue (when there is one); preferences must be opportunities."""
    problems = []
    catalogue = set(connection.execute(select(skills.c.skill_id)).scalars())
    if catalogue:
        for column in ("skills", "aspirations"):
            for skill in getattr(person, column):
                if skill not in catalogue:
                    problems.append(Problem(file="people.csv", column=column, value=skill,
                                            message=f"unknown skill {skill!r}",
                                            suggestion=did_you_mean(skill, catalogue)))
    if person.preferences:
        known = set(connection.execute(select(opportunities.c.opportunity_id).where(
            opportunities.c.opportunity_id.in_(person.preferences))).scalars())
        for opportunity_id in person.preferences:
            if opportunity_id not in known:
                all_ids = connection.execute(select(opportunities.c.opportunity_id)).scalars()
                problems.append(Problem(file="people.csv", column="preferences",
                                        value=opportunity_id,
                                        message=f"unknown opportunity {opportunity_id!r}",
                                        suggestion=did_you_mean(opportunity_id, all_ids)))
    return problems


def update_person(engine: Engine, person_id: str, *, skills: dict[str, int] | None = None,
                  aspirations: dict[str, int] | None = None, preferences: list[str] | None = None,
                  actor: str) -> Person:
    """Replace a person's skills, aspirations and/or ranked preferences (None leaves a field as
    it is). Checked like an import: raises ScenarioError listing every problem, NotFound for an
    unknown person. Audited with the names of the fields changed, not their values."""
    changes = {name: value for name, value in
               (("skills", skills), ("aspirations", aspirations), ("preferences", preferences))
               if value is not None}
    with write_transaction(engine) as connection:
        row = connection.execute(select(people).where(people.c.person_id == person_id)).first()
        if row is None:
            raise NotFound(f"no person {person_id!r}")
        current = person_from_row(row)
        try:
            updated = Person.model_validate({**current.model_dump(), **changes})
        except ValidationError as error:
            raise ScenarioError(_validation_problems(error)) from None
        problems = _reference_problems(connection, updated)
        if problems:
            raise ScenarioError(problems)
        if changes:
            new_row = person_row(updated, row.position)
            connection.execute(update(people).where(people.c.person_id == person_id)
                               .values({name: new_row[name] for name in changes}))
            bump_revision(connection)
            write_audit(connection, actor, "person.update", person_target(person_id),
                        "changed: " + ", ".join(sorted(changes)))
    return updated


# --------------------------------------------------------------------------------------------
# Where a person appears inside stored JSON (plans, policy)
# --------------------------------------------------------------------------------------------


def _mentions(value: Any, person_id: str) -> bool:
    """Does this JSON value name the person (as a `person_id` field or as a key)?"""
    if isinstance(value, dict):
        if value.get("person_id") == person_id or person_id in value:
            return True
        return any(_mentions(v, person_id) for v in value.values())
    if isinstance(value, list):
        return any(_mentions(v, person_id) for v in value)
    return False


def _entries_about(value: Any, person_id: str) -> Iterator[Any]:
    """The parts of a JSON value that are about the person: list items with their
    `person_id`, and entries keyed by their id (e.g. `unplaced`)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == person_id:
                yield {key: item}
            elif isinstance(item, dict) and item.get("person_id") == person_id:
                yield item
            else:
                yield from _entries_about(item, person_id)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and item.get("person_id") == person_id:
                yield item
            else:
                yield from _entries_about(item, person_id)


def _without(value: Any, person_id: str) -> Any:
    """The JSON value with every part about the person removed."""
    if isinstance(value, dict):
        return {key: _without(item, person_id) for key, item in value.items()
                if key != person_id and not (isinstance(item, dict) and item.get("person_id") == person_id)}
    if isinstance(value, list):
        return [_without(item, person_id) for item in value
                if not (isinstance(item, dict) and item.get("person_id") == person_id)]
    return value


def _plans_mentioning(connection: Connection, person_id: str):
    for row in connection.execute(select(plans.c.id, plans.c.version, plans.c.kind, plans.c.status,
                                         plans.c.created_at, plans.c.policy, plans.c.result)):
        if _mentions(row.result, person_id) or _mentions(row.policy, person_id):
            yield row


# Tables whose person data is handled by name above; every other table (added by later
# migrations, e.g. decisions on placements or solve jobs) is searched generically.
_HANDLED_TABLES = {"people", "users", "audit_log", "plans", "scenario_meta", "skills", "teams",
                   "opportunities", "demand", "alembic_version"}


def _other_tables(connection: Connection) -> list[Table]:
    """Tables added by later migrations that may hold a person: those with a `person_id` column
    or a JSON column."""
    reflected = MetaData()
    # resolve_fks=False: a later table referring to `users` (e.g. manager_teams) must not pull
    # the handled tables (and their password hashes) in with it.
    reflected.reflect(connection, only=lambda name, _meta: name not in _HANDLED_TABLES, resolve_fks=False)
    return [table for _name, table in sorted(reflected.tables.items())
            if "person_id" in table.c or any(isinstance(c.type, JSON) for c in table.columns)]


def _json_columns(table: Table) -> list:
    return [column for column in table.columns if isinstance(column.type, JSON)]


def _other_records(connection: Connection, person_id: str) -> dict[str, list[dict[str, Any]]]:
    """Rows of other tables about the person: whole rows keyed by their `person_id`, and the
    parts of JSON cells that name them."""
    found: dict[str, list[dict[str, Any]]] = {}
    for table in _other_tables(connection):
        items = []
        if "person_id" in table.c:
            for row in connection.execute(select(table).where(table.c.person_id == person_id)):
                items.append({key: _jsonable(value) for key, value in row._mapping.items()})
        json_columns = _json_columns(table)
        if json_columns and table.primary_key.columns:
            key = list(table.primary_key.columns)
            for row in connection.execute(select(*key, *json_columns)):
                for column in json_columns:
                    cell = row._mapping[column.name]
                    entries = list(_entries_about(cell, person_id))
                    if entries:
                        items.append({"row": {k.name: row._mapping[k.name] for k in key},
                                      "column": column.name, "entries": entries})
        if items:
            found[table.name] = items
    return found


def _erase_from_other_tables(connection: Connection, person_id: str) -> int:
    """Delete rows keyed by the person and cut them out of JSON cells; returns how many rows
    were deleted or changed."""
    touched = 0
    for table in _other_tables(connection):
        if "person_id" in table.c:
            touched += connection.execute(delete(table).where(table.c.person_id == person_id)).rowcount
        json_columns = _json_columns(table)
        if not json_columns or not table.primary_key.columns:
            continue
        key = list(table.primary_key.columns)
        for row in connection.execute(select(*key, *json_columns)).all():
            cells = {c.name: row._mapping[c.name] for c in json_columns}
            if any(_mentions(cell, person_id) for cell in cells.values()):
                where = [k == row._mapping[k.name] for k in key]
                connection.execute(update(table).where(*where).values(
                    {name: _without(cell, person_id) for name, cell in cells.items()}))
                touched += 1
    return touched


def _jsonable(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


# --------------------------------------------------------------------------------------------
# Export and erasure
# --------------------------------------------------------------------------------------------


def export_person(engine: Engine, person_id: str) -> dict[str, Any]:
    """Everything the store holds about one person, as JSON-ready data: their record (with
    their team), their pinned or forbidden moves, their user accounts (without password
    hashes), each stored plan's entries about them, rows of later tables about them (e.g.
    decisions on their placements), and the audit rows about them or made by their accounts.

    Raises NotFound when the store holds neither a record nor an account for them."""
    with engine.connect() as connection:
        row = connection.execute(select(people).where(people.c.person_id == person_id)).first()
        accounts = connection.execute(select(users).where(users.c.person_id == person_id)
                                      .order_by(users.c.id)).all()
        if row is None and not accounts:
            raise NotFound(f"no person {person_id!r}")
        record = team = None
        if row is not None:
            record = person_from_row(row).model_dump(mode="json")
            team_row = connection.execute(select(teams.c.team_id, teams.c.name, teams.c.organisation)
                                          .where(teams.c.team_id == row.team_id)).first()
            team = dict(team_row._mapping) if team_row else None
        plan_entries = [
            {"plan_id": p.id, "kind": p.kind, "version": p.version, "status": p.status,
             "created_at": as_utc(p.created_at).isoformat(),
             "entries": list(_entries_about(p.result, person_id)) + list(_entries_about(p.policy, person_id))}
            for p in _plans_mentioning(connection, person_id)
        ]
        policy = connection.execute(select(scenario_meta.c.policy)).scalar() or {}
        other_records = _other_records(connection, person_id)
        usernames = [a.username for a in accounts]
        audit_rows = connection.execute(
            select(audit_log).where((audit_log.c.target == person_target(person_id))
                                    | audit_log.c.actor.in_(usernames)
                                    | audit_log.c.target.in_([f"user:{a.id}" for a in accounts]))
            .order_by(audit_log.c.id)).all()
    return {
        "person_id": person_id,
        "person": record,
        "team": team,
        "policy_entries": list(_entries_about(policy, person_id)),
        "user_accounts": [_user_from_row(a).public_dict() for a in accounts],
        "plans": plan_entries,
        "other_records": other_records,
        "audit": [audit_entry_from_row(a).as_dict() for a in audit_rows],
    }


def delete_person(engine: Engine, person_id: str, *, actor: str) -> dict[str, int]:
    """Erase a person everywhere they appear, in one transaction: their record, their entries in
    the policy (pinned or forbidden moves) and in every stored plan, rows of later tables keyed
    by them or naming them in JSON (decisions, solve jobs), and their user accounts.
    Audit rows they made as a user are kept with the actor replaced by the account's number; the
    deletion itself is audited by id. Returns what was removed; raises NotFound when the store
    holds nothing about them."""
    with write_transaction(engine) as connection:
        removed = {"person": 0, "policy_entries": 0, "plan_entries": 0, "user_accounts": 0,
                   "other_records": 0}
        removed["person"] = connection.execute(
            delete(people).where(people.c.person_id == person_id)).rowcount
        policy = connection.execute(select(scenario_meta.c.policy)).scalar()
        if policy is not None and _mentions(policy, person_id):
            removed["policy_entries"] = len(list(_entries_about(policy, person_id)))
            connection.execute(update(scenario_meta).values(policy=_without(policy, person_id)))
        for plan in list(_plans_mentioning(connection, person_id)):
            removed["plan_entries"] += len(list(_entries_about(plan.result, person_id)))
            removed["plan_entries"] += len(list(_entries_about(plan.policy, person_id)))
            connection.execute(update(plans).where(plans.c.id == plan.id).values(
                result=_without(plan.result, person_id), policy=_without(plan.policy, person_id)))
        removed["other_records"] = _erase_from_other_tables(connection, person_id)
        accounts = connection.execute(select(users.c.id, users.c.username)
                                      .where(users.c.person_id == person_id)).all()
        for account in accounts:
            connection.execute(update(audit_log).where(audit_log.c.actor == account.username)
                               .values(actor=f"deleted-user:{account.id}"))
            connection.execute(delete(users).where(users.c.id == account.id))
        removed["user_accounts"] = len(accounts)
        for account in accounts:
            if actor == account.username:
                actor = f"deleted-user:{account.id}"
        if not any(removed.values()):
            raise NotFound(f"no person {person_id!r}")
        if removed["person"] or removed["policy_entries"]:
            bump_revision(connection)
        write_audit(connection, actor, "person.delete", person_target(person_id),
                    ", ".join(f"{name}={count}" for name, count in removed.items()))
    return removed
