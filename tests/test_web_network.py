"""The network view: teams before and after a plan, the metrics, flows between services."""

from __future__ import annotations

import pytest
from conftest_web2 import *  # noqa: F401,F403 - fixtures of the planning consoles

from web.security import ROLES as SECURITY_ROLES  # every role, so a new one is covered too


@pytest.fixture
def with_plan(web2_engine):
    """A saved matching plan moving people across teams and organisations."""
    from planner.domain import Placement, Plan
    from planner.store import save_plan

    plan = Plan(status="OPTIMAL", placements=[
        Placement(person_id="P001", opportunity_id="O-DASH"),   # Children -> Data (council -> NHS)
        Placement(person_id="P005", opportunity_id="O-DASH"),   # Planning -> Data: shares O-DASH with P001
        Placement(person_id="P013", opportunity_id="O-HUB"),    # Testing -> Children
    ])
    return save_plan(web2_engine, "matching", plan, created_by="hr1")


@pytest.mark.parametrize("path", ["/network/", "/network/data.json"])
@pytest.mark.parametrize("role", [r for r in SECURITY_ROLES if r not in ("hr", "admin")])
def test_only_hr_and_admins_see_the_network(as_role, role, path):
    assert as_role(role).get(path).status_code == 403


@pytest.mark.parametrize("path", ["/network/", "/network/data.json"])
def test_signed_out_visitors_are_sent_to_sign_in(loaded, path):
    response = loaded.test_client().get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["hr", "admin"])
def test_without_a_plan_the_network_is_shown_as_it_is(as_role, role):
    client = as_role(role)
    page = client.get("/network/").get_data(as_text=True)
    assert "Measures" in page and "Today" in page and "With version" not in page
    data = client.get("/network/data.json").get_json()
    assert data["plan"] is None
    assert {n["id"] for n in data["nodes"]} == {"T-CHILD", "T-PLAN", "T-DATA", "T-TEST"}
    assert all(not e["from_plan"] for e in data["edges"])


def test_a_plan_adds_links_and_flows_between_services(as_role, with_plan):
    client = as_role("hr")
    page = client.get("/network/").get_data(as_text=True)
    assert f"With version {with_plan.version}" in page
    assert "Flow of people between services" in page and 'id="network-flows"' in page
    assert "Children" in page and "Public health" in page
    data = client.get(f"/network/data.json?plan_id={with_plan.id}").get_json()
    assert data["plan"]["id"] == with_plan.id
    moved = {(e["source"], e["target"]): e for e in data["edges"] if e["people_moved"]}
    assert ("T-CHILD", "T-DATA") in moved and ("T-CHILD", "T-TEST") in moved
    flows = {(f["from_service"], f["to_service"]): f["people"] for f in data["flows"]}
    assert flows[("Children", "Corporate")] == 1 and flows[("Public health", "Children")] == 1


def test_the_view_names_teams_never_people(as_role, with_plan):
    client = as_role("hr")
    for path in ["/network/", "/network/data.json"]:
        text = client.get(path).get_data(as_text=True)
        assert "Person 1" not in text and "P001" not in text


def test_unknown_or_redeployment_plans_are_404(as_role, web2_engine):
    from planner.store import save_plan

    redeploy = save_plan(web2_engine, "redeploy", {"assignments": []}, created_by="ep1")
    client = as_role("hr")
    assert client.get("/network/?plan_id=999").status_code == 404
    assert client.get(f"/network/data.json?plan_id={redeploy.id}").status_code == 404


def test_placements_of_people_since_removed_are_left_out_and_counted(as_role, web2_engine, with_plan):
    from planner.store import delete_person

    delete_person(web2_engine, "P013", actor="test")
    page = as_role("hr").get("/network/").get_data(as_text=True)
    assert "Measures" in page


def test_network_pages_never_change_the_database(as_role, web2_engine, with_plan):
    from planner.store.testing import database_dump

    client = as_role("admin")
    before = database_dump(web2_engine)
    assert client.get("/network/").status_code == 200
    assert client.get("/network/data.json").status_code == 200
    assert database_dump(web2_engine) == before


def test_without_a_scenario_the_page_says_so(empty_store, as_role):
    assert "No scenario has been imported yet" in as_role("hr").get("/network/").get_data(as_text=True)
    assert as_role("hr").get("/network/data.json").status_code == 404
