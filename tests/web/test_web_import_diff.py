"""The re-import preview through the web: what changes for people, the staff edits an upload
would overwrite, and the "Keep what staff changed in the app" box (ticked by default)."""

from __future__ import annotations

import re

import pytest
from helpers import post, scenario_csv_files
from scenarios import small_scenario
from test_web_uploads import upload


@pytest.fixture
def hr_export(tmp_path):
    """The HR system's export: the small scenario as first imported, one person left out and one
    added (so the preview has every kind of change)."""
    from planner.domain import Person

    scenario = small_scenario("consoles")
    extra = Person(person_id="P999", name="New Starter", team_id="T-DATA", grade=4, profession="data",
                   skills={"python": 2})
    gone = scenario.people[-1]
    people = tuple(p for p in scenario.people if p.person_id != gone.person_id) + (extra,)
    return scenario_csv_files(scenario.model_copy(update={"people": people}), tmp_path / "csv"), gone


def staff_edit(engine):
    """Person 1 corrects their skills in the app (as the staff record page does)."""
    from planner.store import get_person, update_person

    update_person(engine, "P001", skills={"python": 4, "data-analysis": 3}, actor="staff1")
    return get_person(engine, "P001")


def test_the_preview_lists_people_changes_and_staff_edits_it_would_overwrite(as_role, store_engine, hr_export):
    files, gone = hr_export
    staff_edit(store_engine)
    page = upload(as_role("hr"), files).get_data(as_text=True)
    assert "What changes for people" in page
    assert "<strong>1</strong> added" in page and "New Starter (P999)" in page
    assert "<strong>1</strong> removed" in page and f"{gone.name} ({gone.person_id})" in page
    assert "<strong>1</strong> with changes made in Trellis" in page
    edits = page.split('id="staff-edits-title"')[1].split("</table>")[0]
    assert "Person 1 (P001)" in edits and "skills" in edits
    assert re.search(r'<input type="checkbox" name="keep_staff_edits" value="on" id="keep_staff_edits" checked>', page)
    assert "Keep what staff changed in the app" in page


@pytest.mark.parametrize("keep", [True, False])
def test_commit_keeps_staff_edits_only_when_the_box_is_ticked(as_role, store_engine, hr_export, keep):
    from planner.store import get_person, list_audit

    files, _ = hr_export
    edited = staff_edit(store_engine)
    client = as_role("hr")
    page = upload(client, files).get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    form = {"token": token, **({"keep_staff_edits": "on"} if keep else {})}
    done = post(client, "/hr/import/commit", form, follow_redirects=True).get_data(as_text=True)
    assert "Imported" in done
    after = get_person(store_engine, "P001")
    original = small_scenario("consoles").person_by_id["P001"]
    assert after.skills == (edited.skills if keep else original.skills)
    assert get_person(store_engine, "P999") is not None  # the rest of the upload is imported either way
    kept = list_audit(store_engine, action="person.edits_kept")
    assert [(e.actor, e.target, e.detail) for e in kept] == ([("hr1", "person:P001", "kept: skills")] if keep else [])
    if keep:
        assert "1 staff edits kept" in done


def test_a_first_import_or_an_unchanged_one_has_nothing_to_keep(as_role, store_engine, tmp_path):
    files = scenario_csv_files(small_scenario("consoles"), tmp_path / "csv")
    page = upload(as_role("hr"), files).get_data(as_text=True)
    assert "<strong>0</strong> changed" in page and "<strong>0</strong> with changes made in Trellis" in page
    assert 'id="keep_staff_edits"' not in page
