"""What a re-import changes and keeping staff edits (`planner.services.import_diff`), alone, and
through the import service on a real store: no Flask."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from scenarios import small_scenario

from planner.services.import_diff import (
    StaffEdit,
    edited_fields_since_import,
    import_diff,
    keep_staff_edits,
)
from planner.services.imports import ImportStaging, Uploader, commit_staged_import, preview_changes
from planner.store import AuditEntry, get_person, list_audit, update_person

NOW = datetime(2026, 11, 30, tzinfo=UTC)
HR = Uploader(user_id=7, session_key="s")


def entry(id_, action, target=None, detail=""):
    return AuditEntry(id=id_, at=NOW, actor="x", action=action, target=target, detail=detail)


def with_person(consoles_scenario, person_id, **changes):
    people = tuple(p.model_copy(update=changes) if p.person_id == person_id else p for p in consoles_scenario.people)
    return consoles_scenario.model_copy(update={"people": people})


def test_only_edits_since_the_last_import_count_and_only_staff_editable_fields():
    entries = [
        entry(1, "person.update", "person:P001", "changed: skills"),  # before the import: settled
        entry(2, "scenario.import", "scenario"),
        entry(3, "person.update", "person:P002", "changed: preferences, skills"),
        entry(4, "person.edits_kept", "person:P003", "kept: aspirations"),
        entry(5, "person.update", "person:P004", "changed: name"),
        entry(6, "plan.save", "plan:1", "changed: skills"),
    ]
    assert edited_fields_since_import(reversed(entries)) == {"P002": {"preferences", "skills"}, "P003": {"aspirations"}}


def test_people_added_removed_and_changed_are_listed_with_the_fields_that_change():
    current = small_scenario("consoles")
    first, second = current.people[0], current.people[1]
    incoming = with_person(current, first.person_id, grade=first.grade + 1)
    incoming = incoming.model_copy(update={"people": tuple(p for p in incoming.people if p.person_id != second.person_id)
                                           + (first.model_copy(update={"person_id": "P900", "name": "New Starter"}),)})
    diff = import_diff(current, incoming, {})
    assert diff.added == [("P900", "New Starter")]
    assert diff.removed == [(second.person_id, second.name)]
    assert [(c.person_id, c.fields) for c in diff.changed] == [(first.person_id, ("grade",))]
    assert diff.staff_edits == []


def test_a_staff_edit_is_reported_only_where_the_upload_would_change_it():
    current = small_scenario("consoles")
    person = current.people[0]
    edited = {person.person_id: {"skills", "preferences"}}
    same = import_diff(current, current, edited)
    assert same.staff_edits == []  # the HR system already holds what staff entered
    upload = with_person(current, person.person_id, skills={"python": 1})
    assert [(e.person_id, e.fields) for e in import_diff(current, upload, edited).staff_edits] == \
        [(person.person_id, ("skills",))]


def test_kept_edits_still_fit_the_upload():
    current = small_scenario("consoles")
    person = next(p for p in current.people if p.preferences)
    current = with_person(current, person.person_id, skills={"python": 4, "first-aid": 2},
                          preferences=("O-DASH", "O-LOCAL"))
    upload = with_person(small_scenario("consoles"), person.person_id, skills={"python": 1}, preferences=())
    upload = upload.model_copy(update={
        "opportunities": tuple(o for o in upload.opportunities if o.opportunity_id != "O-LOCAL"),
        "people": tuple(p.model_copy(update={"preferences": tuple(o for o in p.preferences if o != "O-LOCAL")})
                        for p in upload.people)})
    merged, kept = keep_staff_edits(upload, current, [StaffEdit(person.person_id, person.name, ("skills", "preferences"))])
    after = merged.person_by_id[person.person_id]
    assert after.skills == {"python": 4, "first-aid": 2}
    assert after.preferences == ("O-DASH",)  # O-LOCAL is not in the upload any more
    assert len(kept) == 1
    others = [p for p in merged.people if p.person_id != person.person_id]
    assert others == [p for p in upload.people if p.person_id != person.person_id]


@pytest.mark.parametrize("keep", [True, False])
def test_a_reimport_keeps_or_overwrites_staff_edits_as_asked(store, consoles_scenario, keep):
    person = consoles_scenario.people[0]
    update_person(store, person.person_id, skills={"python": 4}, actor="staff1")
    edited_in_app = get_person(store, person.person_id).skills
    staging = ImportStaging()
    # The HR system's export: unchanged since the last import, so it holds the old skills.
    staged = staging.add(HR, consoles_scenario, ["people.csv"], {}, [])
    preview = preview_changes(store, consoles_scenario)
    assert [(e.person_id, e.fields) for e in preview.staff_edits] == [(person.person_id, ("skills",))]
    counts = commit_staged_import(store, staging, staged.token, HR, actor="hr1", keep_staff_changes=keep)
    after = get_person(store, person.person_id).skills
    assert after == (edited_in_app if keep else person.skills)
    kept_rows = [e for e in list_audit(store, action="person.edits_kept")]
    assert len(kept_rows) == (1 if keep else 0)
    if keep:
        assert counts["staff edits kept"] == 1
        # The next re-import still knows the kept edit.
        assert [e.person_id for e in preview_changes(store, consoles_scenario).staff_edits] == [person.person_id]
    else:
        assert preview_changes(store, consoles_scenario).staff_edits == []
