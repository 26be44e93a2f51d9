"""One person's data: read, correct, export and erase (UK GDPR rights of access, rectification
and erasure). Every change is audited by person id, never by name."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, Engine, delete, select, update

from planner.domain import Person, Problem, ScenarioError, did_you_mean
from planner.store._common import NotFound, as_utc, person_target, write_audit
from planner.store.audit import audit_entry_from_row
from planner.store.engine import write_transaction
from planner.store.notifications import messages_for_accounts
from planner.store.personal_data import Mention, Subject, erased_cell, walk_store
from planner.store.scenario import bump_revision, person_from_row, person_row
from planner.store.tables import (
    SCENARIO_TABLES_CHILDREN_FIRST,
    audit_log,
    opportunities,
    people,
    plans,
    scenario_meta,
    skills,
    teams,
    users,
)
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
# Export and erasure: every table, every text and JSON column (see personal_data)
# --------------------------------------------------------------------------------------------


def _subject(connection: Connection, person_id: str) -> tuple[Subject, Any]:
    """The person as the store names them (id, name, accounts), and their record's row."""
    row = connection.execute(select(people).where(people.c.person_id == person_id)).first()
    accounts = connection.execute(select(users.c.id, users.c.username)
                                  .where(users.c.person_id == person_id).order_by(users.c.id)).all()
    subject = Subject(person_id, row.name if row is not None else None,
                      tuple((a.id, a.username) for a in accounts))
    return subject, row


def _own_row(mention: Mention, subject: Subject) -> bool:
    """A row that is the person's own (their record, their account, a decision about them):
    erasure deletes it whole. Audit rows are never deleted, only pseudonymised."""
    return (mention.table.name != audit_log.name and "person_id" in mention.row
            and mention.row["person_id"] == subject.person_id)


def _an_erasure_record(mention: Mention) -> bool:
    """The audit record of an erasure keeps the id it erased (proof the erasure happened)."""
    return mention.table.name == audit_log.name and mention.row.get("action") == ERASURE_ACTION


def _jsonable(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _a_secret(column: str) -> bool:
    """Secrets (password and token hashes) are not personal data to hand out: an export never
    shows them, whoever asks."""
    return column.endswith("_hash") or column in ("password", "secret", "token")


def _other_record(mention: Mention, subject: Subject) -> list[dict[str, Any]]:
    """How the export shows a row of any other table: whole when it is about the person, else
    the cells that name them (the parts of JSON about them; texts as they are)."""
    if _own_row(mention, subject):
        return [{key: _jsonable(value) for key, value in mention.row.items() if not _a_secret(key)}]
    found = []
    for column in mention.columns:
        cell = mention.row[column]
        item = {"row": {k: _jsonable(v) for k, v in mention.key.items()}, "column": column}
        if isinstance(cell, str):
            found.append({**item, "text": cell})
        else:
            found.append({**item, "entries": list(subject.entries_about(cell))})
    return found


def export_person(engine: Engine, person_id: str) -> dict[str, Any]:
    """Everything the store holds about one person, as JSON-ready data: their record (with
    their team), their pinned or forbidden moves, their user accounts (without password
    hashes), each stored plan's entries about them (placements, moves, and texts naming them
    such as an infeasible plan's conflicts), the audit rows about them or made by their
    accounts, the messages in their accounts' inboxes (`notifications`), and every other row of
    any table that names them (`other_records`).

    Raises NotFound when nothing in the store names them (but the record of their erasure)."""
    with engine.connect() as connection:
        subject, row = _subject(connection, person_id)
        mentions = list(walk_store(connection, subject))
        if row is None and not subject.accounts and all(_an_erasure_record(m) for m in mentions):
            raise NotFound(f"no person {person_id!r}")
        record = team = None
        if row is not None:
            record = person_from_row(row).model_dump(mode="json")
            team_row = connection.execute(select(teams.c.team_id, teams.c.name, teams.c.organisation)
                                          .where(teams.c.team_id == row.team_id)).first()
            team = dict(team_row._mapping) if team_row else None
        accounts = connection.execute(select(users).where(users.c.person_id == person_id)
                                      .order_by(users.c.id)).all()
        inbox = [message.as_dict() for message in messages_for_accounts(connection, [a.id for a in accounts])]
    exported: dict[str, Any] = {
        "person_id": person_id, "person": record, "team": team, "policy_entries": [],
        "user_accounts": [_user_from_row(a).public_dict() for a in accounts], "plans": [],
        "other_records": {}, "audit": [], "notifications": inbox,
    }
    for mention in mentions:
        name, found = mention.table.name, mention.row
        if name in (people.name, users.name) and _own_row(mention, subject):
            continue  # shown above
        if name == audit_log.name:
            exported["audit"].append(audit_entry_from_row(_Row(found)).as_dict())
            continue
        if name == plans.name:
            exported["plans"].append({
                "plan_id": found["id"], "kind": found["kind"], "version": found["version"],
                "status": found["status"], "created_at": as_utc(found["created_at"]).isoformat(),
                "entries": list(subject.entries_about(found["result"]))
                + list(subject.entries_about(found["policy"]))})
        if name == scenario_meta.name:
            exported["policy_entries"] = list(subject.entries_about(found["policy"]))
        rest = [c for c in mention.columns if not (name in (plans.name, scenario_meta.name)
                                                   and c in ("result", "policy"))]
        if rest or (_own_row(mention, subject) and name not in (people.name, users.name)):
            shown = Mention(mention.table, mention.key, mention.row, rest)
            exported["other_records"].setdefault(name, []).extend(_other_record(shown, subject))
    exported["audit"].sort(key=lambda entry: entry["id"])
    return exported


class _Row:
    """A mapping read as a row (attribute access), for the audit entry builder."""

    def __init__(self, mapping: dict[str, Any]):
        self.__dict__.update(mapping)


ERASURE_ACTION = "person.delete"


def delete_person(engine: Engine, person_id: str, *, actor: str) -> dict[str, int]:
    """Erase a person everywhere they appear, in one transaction, walking every table and
    every text and JSON column: their record, their accounts and rows about them (decisions)
    are deleted; their entries are cut out of the policy, plans and solve jobs; every text that
    names them (an infeasible plan's conflicts, a job's error) is pseudonymised. Audit rows are
    kept but pseudonymised: their id becomes a pseudonym drawn for this erasure and their
    accounts `deleted-user:N`. The erasure itself is audited by id. Returns what was changed;
    raises NotFound when nothing in the store names them."""
    removed = {"person": 0, "policy_entries": 0, "plan_entries": 0, "user_accounts": 0,
               "other_records": 0, "audit_rows": 0}
    with write_transaction(engine) as connection:
        subject, _row = _subject(connection, person_id)
        scenario_changed = False
        for mention in list(walk_store(connection, subject)):
            table, name = mention.table, mention.table.name
            where = [table.c[key] == value for key, value in mention.key.items()]
            if _an_erasure_record(mention):
                continue
            if _own_row(mention, subject):
                connection.execute(delete(table).where(*where))
                counter = {people.name: "person", users.name: "user_accounts"}.get(name, "other_records")
                removed[counter] += 1
                scenario_changed |= name == people.name
                continue
            if name == plans.name:
                removed["plan_entries"] += sum(len(list(subject.entries_about(mention.row[c])))
                                               for c in ("result", "policy"))
            elif name == scenario_meta.name:
                removed["policy_entries"] += len(list(subject.entries_about(mention.row["policy"])))
            elif name == audit_log.name:
                removed["audit_rows"] += 1
            else:
                removed["other_records"] += 1
            scenario_changed |= name in SCENARIO_TABLE_NAMES
            connection.execute(update(table).where(*where).values(
                {column: erased_cell(subject, mention.row[column]) for column in mention.columns}))
        if not any(removed.values()):
            raise NotFound(f"no person {person_id!r}")
        for number, username in subject.accounts:
            if actor in (username, f"user:{number}"):
                actor = f"deleted-user:{number}"
        if scenario_changed:
            bump_revision(connection)
        write_audit(connection, actor, ERASURE_ACTION, person_target(person_id),
                    ", ".join(f"{name}={count}" for name, count in removed.items()))
    return removed


SCENARIO_TABLE_NAMES = frozenset({scenario_meta.name, *(t.name for t in SCENARIO_TABLES_CHILDREN_FIRST)})
