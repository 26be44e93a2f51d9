"""Admin pages: accounts and roles, the audit log, and a person's data export and erasure."""

from __future__ import annotations

import json

import pytest
from conftest_web2 import *  # noqa: F401,F403 - fixtures of the planning consoles
from conftest_web2 import post, sign_in

from web.security import ROLES as SECURITY_ROLES  # every role, so a new one is covered too

ADMIN_GETS = ["/admin/", "/admin/users", "/admin/audit", "/admin/people", "/admin/people?q=P00"]
ADMIN_POSTS = ["/admin/users", "/admin/users/1/role", "/admin/users/1/delete",
               "/admin/people/P001/export", "/admin/people/P001/delete"]


@pytest.mark.parametrize("role", [r for r in SECURITY_ROLES if r != "admin"])
def test_only_admins_open_or_post_to_admin_routes(as_role, web2_engine, role):
    from planner.store.testing import database_dump

    client = as_role(role)
    before = database_dump(web2_engine)
    for path in ADMIN_GETS:
        assert client.get(path).status_code == 403, path
    for path in ADMIN_POSTS:
        assert post(client, path, {"role": "admin", "confirm": "P001"}).status_code == 403, path
    assert database_dump(web2_engine) == before


def test_signed_out_visitors_are_sent_to_sign_in(loaded):
    client = loaded.test_client()
    for path in ADMIN_GETS + ADMIN_POSTS:
        response = client.get(path) if path in ADMIN_GETS else post(client, path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_admin_pages_open_for_admins(as_role):
    client = as_role("admin")
    for path in ADMIN_GETS:
        assert client.get(path, follow_redirects=True).status_code == 200, path


def test_admin_posts_without_csrf_token_are_refused(as_role, web2_engine):
    from planner.store.testing import database_dump

    client = as_role("admin")
    before = database_dump(web2_engine)
    for path in ADMIN_POSTS:
        assert client.post(path, data={"role": "hr", "confirm": "P001"}).status_code == 400, path
    assert database_dump(web2_engine) == before


def test_admin_adds_an_account_and_it_is_audited(as_role, web2_engine):
    from planner.store import get_user_by_name, list_audit

    client = as_role("admin")
    response = post(client, "/admin/users", {"username": "planner2", "password": "a long passphrase",
                                             "role": "hr", "person_id": ""}, follow_redirects=True)
    assert "Account planner2 created" in response.get_data(as_text=True)
    user = get_user_by_name(web2_engine, "planner2")
    assert user.role == "hr"
    assert any(e.action == "user.create" and e.actor == "admin1" for e in list_audit(web2_engine))


def test_short_password_is_refused_with_the_rule(as_role, web2_engine):
    from planner.store import get_user_by_name

    response = post(as_role("admin"), "/admin/users", {"username": "x2", "password": "short",
                                                       "role": "hr"}, follow_redirects=True)
    assert "at least 12 characters" in response.get_data(as_text=True)
    assert get_user_by_name(web2_engine, "x2") is None


def test_posting_an_unexpected_field_is_rejected(as_role, web2_engine):
    from planner.store import get_user_by_name

    response = post(as_role("admin"), "/admin/users", {"username": "x3", "password": "long enough pw",
                                                       "role": "hr", "is_superuser": "1"})
    assert response.status_code == 400
    assert get_user_by_name(web2_engine, "x3") is None


def test_role_change_signs_the_account_out(loaded, as_role, web2_engine):
    from planner.store import get_user_by_name

    hr = as_role("hr")
    assert hr.get("/hr/").status_code in (200, 302, 404)
    target = get_user_by_name(web2_engine, "hr1")
    post(as_role("admin"), f"/admin/users/{target.id}/role", {"role": "emergency"})
    assert get_user_by_name(web2_engine, "hr1").role == "emergency"
    response = hr.get("/admin/audit")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_admin_cannot_demote_or_delete_themselves(as_role, web2_engine):
    from planner.store import get_user_by_name

    me = get_user_by_name(web2_engine, "admin1")
    client = as_role("admin")
    page = post(client, f"/admin/users/{me.id}/role", {"role": "staff"}, follow_redirects=True)
    assert "your own account" in page.get_data(as_text=True)
    post(client, f"/admin/users/{me.id}/delete")
    assert get_user_by_name(web2_engine, "admin1").role == "admin"


def test_audit_log_filters_by_action(as_role):
    client = as_role("admin")
    post(client, "/admin/users", {"username": "auditee", "password": "long enough pw", "role": "hr"})
    page = client.get("/admin/audit?action=user.create").get_data(as_text=True)
    assert "user.create" in page and "scenario.import" not in page


def test_person_export_is_their_data_as_json_and_audited(as_role, web2_engine):
    from planner.store import list_audit

    response = post(as_role("admin"), "/admin/people/P002/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["person"]["person_id"] == "P002"
    assert "other_records" in data
    assert any(e.action == "person.export" and e.target == "person:P002" for e in list_audit(web2_engine))


def test_exporting_an_unknown_person_is_404(as_role):
    assert post(as_role("admin"), "/admin/people/NOBODY/export").status_code == 404


def test_erasure_needs_the_id_typed_again(as_role, web2_engine):
    from planner.store import get_person

    page = post(as_role("admin"), "/admin/people/P002/delete", {"confirm": "P003"}, follow_redirects=True)
    assert "Nothing was deleted" in page.get_data(as_text=True)
    assert get_person(web2_engine, "P002") is not None


def test_erasure_removes_the_person_everywhere_with_audit_rows(as_role, web2_engine):
    from planner.domain import Placement, Plan
    from planner.store import export_person, get_person, list_audit, save_plan
    from web.decisions import decide_placement, decisions_for_plan
    from web.jobs import JobOutcome, JobPool

    plan = Plan(status="OPTIMAL", placements=[Placement(person_id="P002", opportunity_id="O-DASH"),
                                              Placement(person_id="P005", opportunity_id="O-HUB")],
                unplaced={"P002": "reason"})
    stored = save_plan(web2_engine, "matching", plan, created_by="hr1")
    decide_placement(web2_engine, stored.id, "P002", "O-DASH", "accepted", decided_by="hr1")
    pool = JobPool(web2_engine, slots=1)
    job_id = pool.submit("whatif", lambda progress: JobOutcome({"placements": [{"person_id": "P002"}]}),
                         actor="hr1", request={"pinned": [{"person_id": "P002", "opportunity_id": "O-DASH"}]},
                         time_limit_s=1)
    assert pool.wait(job_id, 10)
    exported = json.loads(post(as_role("admin"), "/admin/people/P002/export").get_data(as_text=True))
    assert {"placement_decisions", "solve_jobs"} <= set(exported["other_records"])

    page = post(as_role("admin"), "/admin/people/P002/delete", {"confirm": "P002"}, follow_redirects=True)
    assert "erased everywhere" in page.get_data(as_text=True)
    assert get_person(web2_engine, "P002") is None
    assert ("P002", "O-DASH") not in decisions_for_plan(web2_engine, stored.id)
    job = pool.get(job_id)
    assert "P002" not in json.dumps(job.request) and "P002" not in json.dumps(job.result)
    from planner.store import get_plan

    assert "P002" not in json.dumps(get_plan(web2_engine, stored.id).result)
    actions = {(e.action, e.actor) for e in list_audit(web2_engine, target="person:P002")}
    assert ("person.delete", "admin1") in actions
    with pytest.raises(Exception):
        export_person(web2_engine, "P002")


def test_person_search_finds_by_name_and_id(as_role):
    page = as_role("admin").get("/admin/people?q=Person 1").get_data(as_text=True)
    assert "P001" in page and "P010" in page


def test_get_pages_never_change_the_database(as_role, web2_engine):
    from planner.store.testing import database_dump

    client = as_role("admin")
    before = database_dump(web2_engine)
    for path in ADMIN_GETS:
        client.get(path)
    assert database_dump(web2_engine) == before


def test_signed_in_admin_lands_on_admin_pages(loaded):
    client = sign_in(loaded.test_client(), "admin")
    response = client.get("/")
    assert response.status_code == 302 and "/admin" in response.headers["Location"]


@pytest.mark.browser
def test_admin_pages_in_a_real_browser(page, web2_live_server, artefacts):
    from conftest_web2 import browser_sign_in
    from playwright.sync_api import expect

    browser_sign_in(page, web2_live_server, "admin")
    expect(page.get_by_role("heading", name="Users and roles")).to_be_visible()
    page.get_by_label("Account name").fill("planner2")
    page.get_by_label("First password").fill("a long passphrase")
    page.get_by_label("Role", exact=True).select_option("hr")
    page.get_by_role("button", name="Add account").click()
    expect(page.locator(".flash--success")).to_contain_text("planner2")
    page.screenshot(path=str(artefacts / "e2e-admin-1-users.png"), full_page=True)
    page.get_by_role("link", name="Audit log").click()
    expect(page.locator("table.data")).to_contain_text("user.create")
    page.screenshot(path=str(artefacts / "e2e-admin-2-audit.png"), full_page=True)
    page.get_by_role("link", name="Personal data").click()
    page.get_by_label("Person id or name").fill("Person 2")
    page.get_by_role("button", name="Find").click()
    with page.expect_download() as download_info:
        page.locator("li.card").first.get_by_role("button", name="Download their data (JSON)").click()
    assert download_info.value.suggested_filename.startswith("trellis-person-P002")
    page.locator("li.card").first.locator("summary").click()
    page.screenshot(path=str(artefacts / "e2e-admin-3-personal-data.png"), full_page=True)
    page.locator("li.card").first.get_by_label("Type").fill("P002")
    page.locator("li.card").first.get_by_role("button", name="Erase everywhere").click()
    expect(page.locator(".flash--success")).to_contain_text("erased everywhere")
    assert page.console_errors == []
