"""What a re-import changes, and keeping what staff changed in the app.

Staff correct their own skills, aspirations and preferences in Trellis (`update_person`, audited
as `person.update` with the fields changed). The HR system does not know of those edits, so a
re-import from it would silently put the old values back. The preview therefore lists people
added, removed and changed, and the people whose in-app edits the upload would overwrite; the
commit can keep those edits.

An edit counts from the last import on: `person.update` rows after the newest `scenario.import`
row, and `person.edits_kept` rows (written by an import that kept edits, after its own
`scenario.import` row, so the next re-import still protects them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from planner.domain import Person, Scenario

# The fields staff may change in the app, as the audit trail names them.
STAFF_EDITABLE = ("skills", "aspirations", "preferences")
EDIT_ACTIONS = ("person.update", "person.edits_kept")
IMPORT_ACTION = "scenario.import"
FIELD_WORDS = {"skills": "skills", "aspirations": "aspirations", "preferences": "preferences",
               "name": "name", "team_id": "team", "grade": "grade", "profession": "profession", "fte": "hours",
               "must_practise": "practice time", "available": "availability", "last_redeployed": "last redeployed"}


@dataclass(frozen=True)
class PersonChange:
    """One person the upload changes: which fields differ from what is stored."""

    person_id: str
    name: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class StaffEdit:
    """One person who changed fields in the app that the upload would put back to other values."""

    person_id: str
    name: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class ImportDiff:
    """People added, removed and changed by an upload, and staff edits it would overwrite."""

    added: list[tuple[str, str]] = field(default_factory=list)  # (person id, name)
    removed: list[tuple[str, str]] = field(default_factory=list)
    changed: list[PersonChange] = field(default_factory=list)
    staff_edits: list[StaffEdit] = field(default_factory=list)

    @property
    def first_import(self) -> bool:
        return not self.removed and not self.changed and not self.staff_edits and bool(self.added)


def edited_fields_since_import(entries: Iterable) -> dict[str, set[str]]:
    """Person id -> the staff-editable fields changed in the app since the last import, read from
    audit entries (any order; each has id, action, target and detail)."""
    ordered = sorted(entries, key=lambda entry: entry.id)
    last_import = max((e.id for e in ordered if e.action == IMPORT_ACTION), default=0)
    edited: dict[str, set[str]] = {}
    for entry in ordered:
        if entry.id <= last_import or entry.action not in EDIT_ACTIONS or not (entry.target or "").startswith("person:"):
            continue
        named = {part.strip() for part in entry.detail.partition(":")[2].split(",")}
        fields = named & set(STAFF_EDITABLE)
        if fields:
            edited.setdefault(entry.target.removeprefix("person:"), set()).update(fields)
    return edited


def changed_fields(before: Person, after: Person) -> tuple[str, ...]:
    """The fields of a person that differ between the stored record and the upload."""
    old, new = before.model_dump(), after.model_dump()
    return tuple(name for name in old if name != "person_id" and old[name] != new.get(name))


def import_diff(current: Scenario | None, incoming: Scenario, edited: dict[str, set[str]]) -> ImportDiff:
    """People an upload adds, removes and changes, against the stored scenario; and the people
    whose in-app edits (`edited`) the upload would overwrite with different values."""
    stored = current.person_by_id if current is not None else {}
    arriving = incoming.person_by_id
    added = [(p.person_id, p.name) for p in incoming.people if p.person_id not in stored]
    removed = [(p.person_id, p.name) for p in (current.people if current else ()) if p.person_id not in arriving]
    changed, staff_edits = [], []
    for person in incoming.people:
        before = stored.get(person.person_id)
        if before is None:
            continue
        fields = changed_fields(before, person)
        if fields:
            changed.append(PersonChange(person.person_id, person.name, fields))
        overwritten = tuple(f for f in STAFF_EDITABLE if f in edited.get(person.person_id, ()) and f in fields)
        if overwritten:
            staff_edits.append(StaffEdit(person.person_id, person.name, overwritten))
    return ImportDiff(added, removed, changed, staff_edits)


def kept_value(field_name: str, value, incoming: Scenario):
    """A staff edit kept through an import still has to fit the uploaded scenario: skills and
    aspirations outside the upload's catalogue (when it has one) and preferences for
    opportunities the upload no longer holds are left out."""
    if field_name == "preferences":
        return tuple(o for o in value if o in incoming.opportunity_by_id)
    catalogue = {s.skill_id for s in incoming.skills}
    if not catalogue:
        return dict(value)
    return {skill: level for skill, level in value.items() if skill in catalogue}


def keep_staff_edits(incoming: Scenario, current: Scenario | None,
                     edits: list[StaffEdit]) -> tuple[Scenario, list[StaffEdit]]:
    """The upload with each listed person's in-app edits put back (fields the staff changed
    since the last import, as stored now), and the edits actually kept."""
    if current is None or not edits:
        return incoming, []
    by_person = {e.person_id: e for e in edits}
    people, kept = [], []
    for person in incoming.people:
        edit, stored = by_person.get(person.person_id), current.person_by_id.get(person.person_id)
        if edit is None or stored is None:
            people.append(person)
            continue
        update = {f: kept_value(f, getattr(stored, f), incoming) for f in edit.fields}
        people.append(person.model_copy(update=update))
        kept.append(edit)
    merged = Scenario.model_validate({**incoming.model_dump(), "people": [p.model_dump() for p in people]})
    return merged, kept


def field_words(fields: Iterable[str]) -> str:
    """Fields as the preview names them: `skills, preferences`."""
    return ", ".join(FIELD_WORDS.get(f, f) for f in fields)
