"""The audit trail in words (`planner.services.audit_names`): names the reader may see beside
the stored ids, which never change; and the admin audit page showing them."""

from __future__ import annotations

from helpers import post

from planner.services.audit_names import AuditNames, account_in_words, target_in_words

NAMES = AuditNames(
    usernames={1: "harriet", 2: "ops"},
    account_people={"harriet": "P00005"},
    person_name=lambda pid: {"P00005": "Harriet Jones", "P00007": "Sam Lee"}.get(pid, pid),
    team_names={"T-PLAN": "Planning"},
    opportunity_titles={"O-1": "Data secondment"},
)


def test_a_person_target_is_named_with_their_id():
    assert target_in_words(NAMES, "person:P00007") == "Sam Lee (person P00007)"


def test_a_person_the_reader_may_not_see_or_who_is_gone_keeps_only_their_id():
    assert target_in_words(NAMES, "person:P00099") == "person P00099"


def test_an_account_is_named_by_its_person_then_account_name_and_number():
    assert target_in_words(NAMES, "user:1") == "Harriet Jones (harriet, account 1)"
    assert target_in_words(NAMES, "user:2") == "ops (account 2)"
    assert target_in_words(NAMES, "user:9") == "account 9 (since removed)"
    assert account_in_words(NAMES, "harriet") == "Harriet Jones (harriet)"
    assert account_in_words(NAMES, "ops") == "ops"


def test_teams_opportunities_and_records_are_named_and_unknown_targets_shown_as_stored():
    assert target_in_words(NAMES, "team:T-PLAN") == "Planning (team T-PLAN)"
    assert target_in_words(NAMES, "opportunity:O-1") == "Data secondment (opportunity O-1)"
    assert target_in_words(NAMES, "team:T-GONE") == "team T-GONE"
    assert target_in_words(NAMES, "plan:3") == "plan 3" and target_in_words(NAMES, "job:4") == "run 4"
    assert target_in_words(NAMES, "something odd") == "something odd"
    assert target_in_words(NAMES, None) == "—"


def test_the_audit_page_shows_names_and_keeps_the_stored_ids(as_role, store_engine):
    from planner.store import get_user_by_name, list_audit, record_audit

    admin = as_role("admin")
    post(admin, "/admin/people/P002/export")
    staff = get_user_by_name(store_engine, "staff1")  # linked to person P001
    record_audit(store_engine, "staff1", "user.role", f"user:{staff.id}", "role staff")
    page = admin.get("/admin/audit").get_data(as_text=True)
    assert "Person 2 (person P002)" in page
    assert f"Person 1 (staff1, account {staff.id})" in page and "<td>Person 1 (staff1)</td>" in page
    assert "person:P002" not in page.split("<tbody>")[1]
    # Stored as ids, unchanged.
    targets = {e.target for e in list_audit(store_engine)}
    assert "person:P002" in targets and f"user:{staff.id}" in targets
