"""The people concerned have a say, through the web app: staff accept or decline on their
record page and opt out of crisis redeployment; line managers release their people and post
their teams' opportunities; HR, emergency planners and admins see the results. Every route of
the consent and manager areas is tried by every role (a role added later is covered too)."""

from __future__ import annotations

import logging
import re

import pytest
from click.testing import CliRunner
from helpers import PASSWORD, ROLE_ACCOUNTS, csrf_token, post, sign_in

from planner.cli import main
from planner.domain import Placement, Plan
from planner.store import get_plan, get_user_by_name, list_audit, load_scenario, save_plan
from planner.store.consent import answers_for_plan, crisis_opt_out_for, releases_for_plan
from planner.store.managers import teams_managed_by
from web.security import ROLES as SECURITY_ROLES

PAIRS = [("P001", "O-HUB"), ("P005", "O-DASH")]
NEW_OPPORTUNITY = {"opportunity_id": "O-CHILD-NEW", "title": "Family hub data lead", "kind": "project",
                   "host_team_id": "T-CHILD", "capacity": "1", "fte": "0.4", "required_skills": "data-analysis:2"}


@pytest.fixture
def draft(store_engine):
    """A draft matching plan proposing P001 (staff1, Children's services) for the community hub
    and P005 (Data and insight) for the dashboard."""
    plan = Plan(status="OPTIMAL", placements=[Placement(person_id=p, opportunity_id=o, score=1.0,
                                                        explanation="fits the skills") for p, o in PAIRS])
    return save_plan(store_engine, "matching", plan, created_by="hr1")


# ---------------------------------------------------------------------------------------------
# Every route x every role
# ---------------------------------------------------------------------------------------------

ANSWER = {"plan_id": "{plan}", "opportunity_id": "O-HUB", "answer": "accepted", "reason": ""}
# (method, path, body, {role: status}); "*" is every other signed-in role, None the anonymous.
MATRIX = [
    ("POST", "/people/P001/answer", ANSWER, {"staff": 303, "*": 403, None: 302}),
    ("POST", "/people/P005/answer", {**ANSWER, "opportunity_id": "O-DASH"}, {"*": 403, None: 302}),
    ("POST", "/people/P001/crisis-opt-out", {"action": "opt_out", "reason": "rest"}, {"staff": 303, "*": 403, None: 302}),
    ("POST", "/people/P005/crisis-opt-out", {"action": "opt_out", "reason": "rest"}, {"*": 403, None: 302}),
    ("GET", "/manager/", None, {"manager": 200, "*": 403, None: 302}),
    ("POST", "/manager/plans/{plan}/release", {"person_id": "P001", "opportunity_id": "O-HUB", "decision": "released"},
     {"manager": 303, "*": 403, None: 302}),
    ("POST", "/manager/plans/{plan}/release", {"person_id": "P005", "opportunity_id": "O-DASH", "decision": "released"},
     {"manager": 404, "*": 403, None: 302}),
    ("GET", "/manager/opportunities", None, {"manager": 200, "*": 403, None: 302}),
    ("POST", "/manager/opportunities", NEW_OPPORTUNITY, {"manager": 303, "*": 403, None: 302}),
    ("GET", "/manager/opportunities/O-HUB", None, {"manager": 200, "*": 403, None: 302}),
    ("GET", "/manager/opportunities/O-DASH", None, {"manager": 404, "*": 403, None: 302}),
    ("POST", "/manager/opportunities/O-HUB", {**NEW_OPPORTUNITY, "opportunity_id": "O-HUB"},
     {"manager": 303, "*": 403, None: 302}),
    ("POST", "/manager/opportunities/O-DASH", {**NEW_OPPORTUNITY, "host_team_id": "T-DATA"},
     {"manager": 404, "*": 403, None: 302}),
    ("POST", "/manager/opportunity-profile", {**NEW_OPPORTUNITY, "occupation": "", "profile_action": "search"},
     {"manager": 200, "*": 403, None: 302}),
    ("POST", "/manager/opportunity-profile/O-HUB", {**NEW_OPPORTUNITY, "opportunity_id": "O-HUB", "occupation": ""},
     {"manager": 200, "*": 403, None: 302}),
    ("POST", "/manager/opportunity-profile/O-DASH", {**NEW_OPPORTUNITY, "occupation": ""},
     {"manager": 404, "*": 403, None: 302}),
    ("GET", "/people/P001/record", None, {"manager": 200, "staff": 200, "*": 200, None: 302}),
    ("GET", "/people/P005/record", None, {"manager": 403, "staff": 403, "*": 200, None: 302}),
    # A line manager reads their people's pages but never changes or exports them.
    ("GET", "/people/P001/pathways", None, {"*": 200, None: 302}),
    ("GET", "/people/P005/pathways", None, {"manager": 403, "staff": 403, "*": 200, None: 302}),
    ("POST", "/people/P001/profile", {"skill": ["first-aid"], "skill_level": ["3"]},
     {"staff": 303, "hr": 303, "admin": 303, "*": 403, None: 302}),
    ("POST", "/people/P001/preferences", {"opportunity_id": "O-LOCAL", "action": "remove"},
     {"staff": 303, "hr": 303, "admin": 303, "*": 403, None: 302}),
    ("GET", "/people/P001/export.json", None, {"staff": 200, "admin": 200, "*": 403, None: 302}),
]
CASES = [(m, p, b, e, role) for m, p, b, e in MATRIX for role in [None, *SECURITY_ROLES]]


@pytest.mark.parametrize("method, path, body, expected, role", CASES,
                         ids=[f"{m} {p} as {r or 'anonymous'}" for m, p, _b, _e, r in CASES])
def test_route_access_for_every_role(loaded_app, draft, method, path, body, expected, role):
    client = loaded_app.test_client()
    if role is not None:
        sign_in(client, role)
    path = path.replace("{plan}", str(draft.id))
    want = expected.get(role, expected.get("*"))
    if method == "GET":
        response = client.get(path)
    else:
        data = {k: (v.replace("{plan}", str(draft.id)) if isinstance(v, str) else v) for k, v in body.items()}
        response = client.post(path, data={"csrf_token": csrf_token(client), **data})
    assert response.status_code == want, response.get_data(as_text=True)[:300]
    if role is None:
        assert "/login" in response.headers["Location"]


def test_every_route_of_the_consent_and_manager_areas_is_in_the_matrix(loaded_app):
    covered = {(m, re.sub(r"/P00\d/", "/<person_id>/", p).replace("{plan}", "<int:plan_id>")
                .replace("/O-HUB", "/<opportunity_id>").replace("/O-DASH", "/<opportunity_id>")) for m, p, _b, _e in MATRIX}
    for rule in loaded_app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in ("consent", "manager"):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (method, rule.rule) in covered, f"{method} {rule.rule} has no access test"


def test_a_post_without_a_csrf_token_changes_nothing(as_role, draft, store_engine):
    client = as_role("staff")
    response = client.post("/people/P001/answer", data={**ANSWER, "plan_id": str(draft.id), "answer": "declined"})
    assert response.status_code == 400
    assert answers_for_plan(store_engine, draft.id) == {}


# ---------------------------------------------------------------------------------------------
# Staff answer; HR sees it; approval waits
# ---------------------------------------------------------------------------------------------


def test_staff_decline_with_a_reason_and_hr_sees_it_beside_the_placement(as_role, draft, store_engine):
    staff = as_role("staff")
    page = staff.get("/people/P001/record").get_data(as_text=True)
    assert "Your say on the proposed move" in page and "Community hub secondment" in page
    assert 'value="declined"' in page and 'name="reason"' in page
    response = post(staff, "/people/P001/answer", {"plan_id": draft.id, "opportunity_id": "O-HUB",
                                                    "answer": "declined", "reason": "I care for my father <b>"},
                    token_from="/people/P001/record")
    assert response.status_code == 303
    assert answers_for_plan(store_engine, draft.id)[("P001", "O-HUB")].answer == "declined"

    hr = as_role("hr")
    plan_page = hr.get(f"/hr/plans/{draft.id}").get_data(as_text=True)
    assert "Their answer" in plan_page and "declined" in plan_page
    assert "I care for my father &lt;b&gt;" in plan_page  # shown as text
    post(hr, f"/hr/plans/{draft.id}/accept-all", token_from="/hr/")
    refused = post(hr, f"/hr/plans/{draft.id}/approve", token_from="/hr/", follow_redirects=True).get_data(as_text=True)
    assert "1 placement(s) were declined by the person proposed" in refused
    assert get_plan(store_engine, draft.id).status == "draft"
    record = hr.get("/people/P001/record").get_data(as_text=True)
    assert "declined" in record and 'value="declined"' not in record  # HR reads, never answers


def test_a_staff_member_cannot_answer_for_someone_else_nor_an_unproposed_move(as_role, draft, store_engine):
    staff = as_role("staff")
    assert post(staff, "/people/P005/answer", {"plan_id": draft.id, "opportunity_id": "O-DASH",
                                               "answer": "declined"}).status_code == 403
    assert post(staff, "/people/P001/answer", {"plan_id": draft.id, "opportunity_id": "O-DASH",
                                               "answer": "declined"}).status_code == 404
    too_long = post(staff, "/people/P001/answer", {"plan_id": draft.id, "opportunity_id": "O-HUB",
                                                   "answer": "declined", "reason": "x" * 501}, follow_redirects=True)
    assert "at most 500 characters" in too_long.get_data(as_text=True)
    assert post(staff, "/people/P001/answer", {"plan_id": draft.id, "opportunity_id": "O-HUB",
                                               "answer": "maybe"}, follow_redirects=True).status_code == 200
    assert answers_for_plan(store_engine, draft.id) == {}


def test_an_answer_to_an_older_plan_version_is_not_saved(as_role, draft, store_engine):
    newer = save_plan(store_engine, "matching", Plan(status="OPTIMAL", placements=[
        Placement(person_id="P001", opportunity_id="O-HUB")]), created_by="hr1")
    page = post(as_role("staff"), "/people/P001/answer", {"plan_id": draft.id, "opportunity_id": "O-HUB",
                                                          "answer": "declined"}, follow_redirects=True)
    assert "The plan has changed" in page.get_data(as_text=True)
    assert answers_for_plan(store_engine, draft.id) == {} and answers_for_plan(store_engine, newer.id) == {}


# ---------------------------------------------------------------------------------------------
# Crisis opt-out
# ---------------------------------------------------------------------------------------------


def test_staff_opt_out_is_seen_on_the_crisis_console_and_can_be_withdrawn(as_role, store_engine):
    staff = as_role("staff")
    assert post(staff, "/people/P001/crisis-opt-out", {"action": "opt_out", "reason": " "},
                follow_redirects=True).status_code == 200
    assert crisis_opt_out_for(store_engine, "P001") is None  # a reason is required
    post(staff, "/people/P001/crisis-opt-out", {"action": "opt_out", "reason": "recovering from surgery"})
    console = as_role("emergency").get("/crisis/").get_data(as_text=True)
    assert "opted out: recovering from surgery" in console and "Person 1" in console
    assert "recovering from surgery" in as_role("hr").get("/people/P001/record").get_data(as_text=True)
    assert "Withdraw my opt-out" in staff.get("/people/P001/record").get_data(as_text=True)
    post(staff, "/people/P001/crisis-opt-out", {"action": "withdraw"})
    assert crisis_opt_out_for(store_engine, "P001") is None
    assert "Nobody has opted out" in as_role("emergency").get("/crisis/").get_data(as_text=True)
    actions = [r.action for r in list_audit(store_engine, target="person:P001")]
    assert "crisis.opt_out" in actions and "crisis.opt_out.withdraw" in actions


# ---------------------------------------------------------------------------------------------
# Line managers
# ---------------------------------------------------------------------------------------------


def test_a_manager_sees_only_their_people_and_a_refusal_blocks_approval(as_role, draft, store_engine):
    manager = as_role("manager")
    page = manager.get("/manager/").get_data(as_text=True)
    assert "Person 1" in page and "Community hub secondment" in page
    assert "Person 5" not in page and "P005" not in page  # not their team
    response = post(manager, f"/manager/plans/{draft.id}/release",
                    {"person_id": "P001", "opportunity_id": "O-HUB", "decision": "refused", "reason": ""},
                    follow_redirects=True)
    assert "give a reason" in response.get_data(as_text=True)
    post(manager, f"/manager/plans/{draft.id}/release",
         {"person_id": "P001", "opportunity_id": "O-HUB", "decision": "refused", "reason": "two on leave"})
    assert releases_for_plan(store_engine, draft.id)[("P001", "O-HUB")].decided_by == "mgr1"
    hr = as_role("hr")
    assert "two on leave" in hr.get(f"/hr/plans/{draft.id}").get_data(as_text=True)
    post(hr, f"/hr/plans/{draft.id}/accept-all", token_from="/hr/")
    refused = post(hr, f"/hr/plans/{draft.id}/approve", token_from="/hr/", follow_redirects=True).get_data(as_text=True)
    assert "1 release(s) were refused by a line manager" in refused


def test_a_manager_posts_an_opportunity_that_enters_the_stored_scenario(as_role, store_engine):
    manager = as_role("manager")
    assert post(manager, "/manager/opportunities", NEW_OPPORTUNITY).status_code == 303
    assert load_scenario(store_engine).opportunity_by_id["O-CHILD-NEW"].fte == 0.4
    listing = manager.get("/manager/opportunities").get_data(as_text=True)
    assert "Family hub data lead" in listing and "Build the children" not in listing  # T-DATA's is not theirs
    assert "Family hub data lead" in as_role("staff").get("/marketplace").get_data(as_text=True)


def test_a_manager_posts_a_remote_opportunity_and_editing_it_keeps_it_remote(as_role, store_engine):
    manager = as_role("manager")
    assert post(manager, "/manager/opportunities", {**NEW_OPPORTUNITY, "remote": "yes"}).status_code == 303
    assert load_scenario(store_engine).opportunity_by_id["O-CHILD-NEW"].remote
    form = manager.get("/manager/opportunities/O-CHILD-NEW").get_data(as_text=True)
    assert '<option value="yes" selected>yes</option>' in form
    edited = {**NEW_OPPORTUNITY, "title": "Family hub data lead (renamed)", "remote": "yes"}
    assert post(manager, "/manager/opportunities/O-CHILD-NEW", edited).status_code == 303
    assert load_scenario(store_engine).opportunity_by_id["O-CHILD-NEW"].remote
    assert post(manager, "/manager/opportunities/O-CHILD-NEW", {**edited, "remote": "no"}).status_code == 303
    assert not load_scenario(store_engine).opportunity_by_id["O-CHILD-NEW"].remote


def test_a_posted_opportunity_with_problems_shows_each_beside_its_field_and_stores_nothing(as_role, store_engine):
    manager = as_role("manager")
    bad = {**NEW_OPPORTUNITY, "kind": "projekt", "capacity": "-1", "required_skills": "pyton:2", "start": "2026-02-30"}
    response = post(manager, "/manager/opportunities", bad)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    for field, words in (("kind", "must be one of"), ("capacity", "must not be negative"),
                         ("required_skills", "unknown skill &#39;pyton&#39;"), ("start", "not a date")):
        match = re.search(rf'id="f-{field}-error[^"]*">([^<]*)<', page)
        assert match and words in match.group(1), (field, match and match.group(1))
    assert 'value="pyton:2"' in page  # what they typed is kept
    assert "O-CHILD-NEW" not in load_scenario(store_engine).opportunity_by_id


def test_a_manager_cannot_post_for_a_team_they_do_not_manage(as_role, store_engine):
    response = post(as_role("manager"), "/manager/opportunities", {**NEW_OPPORTUNITY, "host_team_id": "T-DATA"})
    assert response.status_code == 403
    assert "O-CHILD-NEW" not in load_scenario(store_engine).opportunity_by_id


# ---------------------------------------------------------------------------------------------
# Manager accounts: admin pages and the command line
# ---------------------------------------------------------------------------------------------


def test_an_admin_creates_a_manager_with_teams_checked_against_the_stored_teams(as_role, store_engine):
    admin = as_role("admin")
    form = {"username": "mgr2", "password": PASSWORD, "role": "manager", "person_id": ""}
    refused = post(admin, "/admin/users", {**form, "teams": "T-CHILD, T-NOPE"}, follow_redirects=True)
    assert "no team &#39;T-NOPE&#39;" in refused.get_data(as_text=True)
    assert get_user_by_name(store_engine, "mgr2") is None
    post(admin, "/admin/users", {**form, "teams": "T-CHILD, T-PLAN"})
    user = get_user_by_name(store_engine, "mgr2")
    assert user.role == "manager" and teams_managed_by(store_engine, user.id) == ("T-CHILD", "T-PLAN")
    assert "manages T-CHILD, T-PLAN" in admin.get("/admin/users").get_data(as_text=True)
    post(admin, f"/admin/users/{user.id}/teams", {"teams": "T-DATA"})
    assert teams_managed_by(store_engine, user.id) == ("T-DATA",)
    assert "at least one team" in post(admin, f"/admin/users/{user.id}/teams", {"teams": ""},
                                       follow_redirects=True).get_data(as_text=True)


def test_users_add_creates_a_manager_of_one_or_more_teams(store_engine):
    url = str(store_engine.url)
    result = CliRunner().invoke(main, ["users", "add", "mona", "--role", "manager", "--team", "T-CHILD",
                                       "--team", "T-TEST", "--database-url", url], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert teams_managed_by(store_engine, get_user_by_name(store_engine, "mona").id) == ("T-CHILD", "T-TEST")


@pytest.mark.parametrize("extra, message", [
    ([], "manages at least one team (--team TEAM)"),
    (["--team", "T-NOPE"], "no team 'T-NOPE' in the stored scenario"),
])
def test_users_add_refuses_a_manager_without_a_known_team_in_one_line(store_engine, extra, message):
    result = CliRunner().invoke(main, ["users", "add", "mona", "--role", "manager", *extra,
                                       "--database-url", str(store_engine.url)], input=PASSWORD + "\n")
    assert result.exit_code == 2 and message in result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert get_user_by_name(store_engine, "mona") is None


def test_the_manager_account_of_the_fixtures_manages_childrens_services(store_engine):
    assert teams_managed_by(store_engine, get_user_by_name(store_engine, ROLE_ACCOUNTS["manager"]).id) == ("T-CHILD",)


def test_no_personal_data_in_the_logs_of_answers_releases_opt_outs_and_refusals(as_role, draft, store_engine, caplog):
    caplog.set_level(logging.DEBUG)
    staff, manager = as_role("staff"), as_role("manager")
    post(staff, "/people/P001/answer", {"plan_id": draft.id, "opportunity_id": "O-HUB", "answer": "declined",
                                        "reason": "secret-reason-one"})
    post(staff, "/people/P001/crisis-opt-out", {"action": "opt_out", "reason": "secret-reason-two"})
    post(staff, "/people/P005/answer", {"plan_id": draft.id, "opportunity_id": "O-DASH", "answer": "declined"})
    post(manager, f"/manager/plans/{draft.id}/release", {"person_id": "P001", "opportunity_id": "O-HUB",
                                                         "decision": "refused", "reason": "secret-reason-three"})
    post(manager, f"/manager/plans/{draft.id}/release", {"person_id": "P005", "opportunity_id": "O-DASH",
                                                         "decision": "released"})
    manager.get("/people/P005/record")
    assert "access refused" in caplog.text  # the refusals are logged...
    for secret in ("secret-reason", "Person 1", "Person 5", "P001", "P005"):
        assert secret not in caplog.text  # ...without names, ids or reasons
