"""Equality monitoring data (special-category): read from the people.csv columns the policy
names, stored apart from people's records, seen by HR and admins only (never on staff or
emergency pages, in their API answers, in JSON dumps or in logs), erased with the person; and
the equality report (command line and HR page) with groups under 10 left out."""

from __future__ import annotations

import csv
import io
import json
import logging
import re

import pytest
from checkers.plan_checker import check_plan
from click.testing import CliRunner
from helpers import AXE, axe_violations, browser_sign_in, csrf_token, post
from openpyxl import Workbook
from scenarios import small_scenario
from sqlalchemy import select
from test_equality_rule import two_groups

from optimiser.matching import solve_plan
from planner import store
from planner.cli import main
from planner.domain import EqualityPolicy, Scenario, ScenarioError
from planner.generate import generate_scenario
from planner.generate.monitoring import with_monitoring
from planner.plan_io import write_plan
from planner.scenario_io import read_scenario, write_scenario_csv
from planner.store.api_tokens import issue_token
from planner.store.tables import ROLES, TOKEN_ROLES, person_monitoring

# Distinctive values, so finding one anywhere can only be a leak.
OWN_VALUE = "Qzalpha"  # the value of P001, whose account is staff1
OTHER_VALUES = ("Qzbeta", "Qzgamma")


def monitored_small_scenario() -> Scenario:
    scenario = small_scenario("consoles")
    policy = scenario.policy.model_copy(update={"equality": EqualityPolicy(attribute="ethnicity", min_ratio=0.5)})
    monitoring = {p.person_id: {"ethnicity": OWN_VALUE if p.person_id == "P001" else OTHER_VALUES[i % 2]}
                  for i, p in enumerate(scenario.people)}
    return scenario.model_copy(update={"policy": policy, "monitoring": monitoring})


def write_monitored_folder(folder, scenario: Scenario):
    write_scenario_csv(scenario, folder, monitoring=True)
    return folder


# ---------------------------------------------------------------------------------------------
# Reading and keeping
# ---------------------------------------------------------------------------------------------


def test_the_columns_the_policy_names_are_read_as_monitoring_and_not_warned_about(tmp_path):
    result = read_scenario(write_monitored_folder(tmp_path, monitored_small_scenario()))
    assert result.scenario.monitoring["P001"] == {"ethnicity": OWN_VALUE}
    assert len(result.scenario.monitoring) == 16
    assert not any(p.column == "ethnicity" for p in result.warnings)


def test_without_the_policy_an_extra_column_is_ignored_with_a_warning(tmp_path):
    scenario = monitored_small_scenario()
    write_monitored_folder(tmp_path, scenario)
    (tmp_path / "policy.json").unlink()
    result = read_scenario(tmp_path)
    assert result.scenario.monitoring == {}
    assert any(p.column == "ethnicity" and "ignored" in p.message for p in result.warnings)


def test_a_monitoring_column_the_policy_names_but_people_csv_lacks_is_an_error(tmp_path):
    write_monitored_folder(tmp_path, monitored_small_scenario())
    policy = (tmp_path / "policy.json").read_text().replace('"ethnicity"', '"disability"')
    (tmp_path / "policy.json").write_text(policy)
    with pytest.raises(ScenarioError) as error:
        read_scenario(tmp_path)
    assert "names the monitoring column 'disability', which people.csv does not have" in str(error.value)


def test_problems_with_monitoring_cells_never_quote_the_value(tmp_path):
    scenario = monitored_small_scenario()
    long_value = "Qzlong" + "x" * 120
    scenario = scenario.model_copy(update={"monitoring": scenario.monitoring | {"P002": {"ethnicity": long_value}}})
    write_monitored_folder(tmp_path, scenario)
    with pytest.raises(ScenarioError) as error:
        read_scenario(tmp_path)
    assert "people.csv, row 3, column ethnicity: is longer than 100 characters" in str(error.value)
    assert "Qzlong" not in str(error.value)


def test_monitoring_is_never_in_a_dump_or_a_repr():
    scenario = monitored_small_scenario()
    text = scenario.model_dump_json() + repr(scenario) + str(scenario.model_dump())
    assert OWN_VALUE not in text and "monitoring" not in scenario.model_dump()


def test_the_store_keeps_monitoring_apart_and_erasure_removes_it(tmp_path):
    engine = store.make_engine(f"sqlite:///{tmp_path}/t.sqlite3")
    store.upgrade(engine)
    store.save_scenario(engine, monitored_small_scenario(), actor="hr1")
    assert store.load_scenario(engine).monitoring["P001"] == {"ethnicity": OWN_VALUE}
    assert "ethnicity" not in store.get_person(engine, "P001").model_dump()
    store.delete_person(engine, "P001", actor="admin1")
    with engine.connect() as connection:
        people_left = {r.person_id for r in connection.execute(select(person_monitoring.c.person_id))}
        values = {r.value for r in connection.execute(select(person_monitoring.c.value))}
    assert "P001" not in people_left and OWN_VALUE not in values and len(people_left) == 15
    assert "P001" not in store.load_scenario(engine).monitoring


def test_a_re_import_without_monitoring_removes_the_old_values(tmp_path):
    engine = store.make_engine(f"sqlite:///{tmp_path}/t.sqlite3")
    store.upgrade(engine)
    store.save_scenario(engine, monitored_small_scenario(), actor="hr1")
    store.save_scenario(engine, small_scenario("consoles"), actor="hr1")
    assert store.load_scenario(engine).monitoring == {}


# ---------------------------------------------------------------------------------------------
# The independent checker and the command line
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def generated_folder(tmp_path_factory):
    """A generated scenario of 600 people with a synthetic ethnicity column and the rule on."""
    folder = tmp_path_factory.mktemp("eq") / "scenario"
    result = CliRunner().invoke(main, ["generate", "--people", "600", "--seed", "5", "--monitoring", "ethnicity",
                                       str(folder)])
    assert result.exit_code == 0, result.output
    return folder


def test_generate_monitoring_adds_the_column_and_the_rule(generated_folder):
    header = (generated_folder / "people.csv").read_text().splitlines()[0]
    assert header.endswith(",ethnicity")
    scenario = read_scenario(generated_folder).scenario
    assert scenario.policy.equality.attribute == "ethnicity"
    assert {"White", "Asian", "Black"} <= {v["ethnicity"] for v in scenario.monitoring.values()}


def test_generate_without_monitoring_is_unchanged(tmp_path):
    plain, _ = tmp_path / "plain", None
    CliRunner().invoke(main, ["generate", "--people", "120", "--seed", "5", str(plain)])
    scenario = generate_scenario(120, 5)
    assert read_scenario(plain).scenario.model_dump() == scenario.model_dump()  # fields, not caches
    assert "ethnicity" not in (plain / "people.csv").read_text().splitlines()[0]
    monitored = with_monitoring(scenario, "ethnicity", 5)
    assert monitored.people == scenario.people and monitored.teams == scenario.teams


def test_the_checker_flags_a_plan_that_breaks_the_rule_and_passes_one_that_keeps_it(tmp_path):
    ruled = two_groups()
    free = two_groups(attribute=None).model_copy(update={"monitoring": ruled.monitoring})
    write_scenario_csv(ruled, tmp_path / "scenario", monitoring=True)
    write_plan(solve_plan(free), tmp_path / "free")
    write_plan(solve_plan(ruled), tmp_path / "fair")
    broken = check_plan(tmp_path / "scenario", tmp_path / "free")
    assert len(broken) == 1 and re.search(r"ethnicity group Group [AB] placed 0 of 10, below 80%", broken[0])
    assert check_plan(tmp_path / "scenario", tmp_path / "fair") == []


def test_trellis_fairness_reports_rates_and_hides_small_groups(generated_folder, tmp_path):
    plan = CliRunner().invoke(main, ["plan", str(generated_folder), "--out", str(tmp_path / "plan"),
                                     "--time-limit", "20", "--no-progress"])
    assert plan.exit_code == 0, plan.output
    assert check_plan(generated_folder, tmp_path / "plan") == []
    result = CliRunner().invoke(main, ["fairness", str(tmp_path / "plan"), "--scenario", str(generated_folder)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Placement rates by ethnicity")
    white = next(line for line in lines if line.startswith("White"))
    assert re.search(r"White\s+\d+\s+\d+\s+\d+\.\d%\s+\d+%", white)
    assert "1 smaller group(s) not shown." in result.output
    assert not any(line.startswith("Other") for line in lines)  # 9 or fewer eligible
    assert "Every group reaches the rule." in result.output


def test_trellis_fairness_without_a_monitored_column_says_so_in_one_line(tmp_path):
    write_scenario_csv(small_scenario("consoles"), tmp_path / "s")
    write_plan(solve_plan(small_scenario("consoles")), tmp_path / "p")
    result = CliRunner().invoke(main, ["fairness", str(tmp_path / "p"), "--scenario", str(tmp_path / "s")])
    assert result.exit_code == 2
    assert result.output.strip() == ("Cannot report: the policy names no equality-monitoring column "
                                     "(policy.json: equality.attribute)")


# ---------------------------------------------------------------------------------------------
# Who sees it: HR and admins only
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def monitored_store(store_engine):
    scenario = monitored_small_scenario()
    store.save_scenario(store_engine, scenario, actor="hr1")
    store.save_plan(store_engine, "matching", solve_plan(scenario), created_by="hr1")
    return store_engine


URL_VALUES = {"person_id": "P001", "plan_id": 1, "job_id": 1, "team_id": "T-CHILD", "opportunity_id": "O-DASH",
              "user_id": 1, "unknown": "no/such/route"}


def every_get_url(app) -> list[tuple[str, str]]:
    from flask import url_for

    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" in rule.methods and rule.endpoint != "static":
                urls.append((rule.endpoint, url_for(rule.endpoint, **{a: URL_VALUES[a] for a in rule.arguments})))
    return urls


@pytest.mark.parametrize("role", ["staff", "emergency", "manager"])
def test_staff_and_emergency_pages_and_api_answers_never_show_monitoring_values(loaded_app, monitored_store, as_role,
                                                                                role):
    client = as_role(role)
    # Managers have no API token role: their API answers are 401, which shows nothing either.
    token = issue_token(monitored_store, f"leak-{role}", role, person_id="P001" if role == "staff" else None,
                        actor="test").secret if role in TOKEN_ROLES else ""
    checked = 0
    for endpoint, url in every_get_url(loaded_app):
        if endpoint == "staff.export":
            continue  # the person's own subject-access export: tested below
        headers = {"Authorization": f"Bearer {token}"} if url.startswith("/api/") else {}
        response = client.get(url, headers=headers)
        body = response.get_data(as_text=True)
        checked += response.status_code == 200
        for value in (OWN_VALUE, *OTHER_VALUES):
            assert value not in body, f"{url} shows a monitoring value to {role}"
    assert checked >= 5


def test_a_persons_own_export_holds_only_their_own_value(monitored_store, as_role):
    body = as_role("staff").get("/people/P001/export.json").get_data(as_text=True)
    assert OWN_VALUE in body  # their right of access
    assert not any(value in body for value in OTHER_VALUES)


def test_the_equality_report_page_is_for_hr_and_admins_only(monitored_store, as_role):
    for role, status in (("hr", 200), ("admin", 200), ("staff", 403), ("emergency", 403)):
        assert as_role(role).get("/hr/plans/1/equality").status_code == status, role


def test_the_equality_report_page_shows_rates_and_hides_groups_under_ten(store_engine, as_role):
    scenario = with_monitoring(generate_scenario(600, 5), "ethnicity", 5)
    store.save_scenario(store_engine, scenario, actor="hr1")
    stored = store.save_plan(store_engine, "matching", solve_plan(scenario), created_by="hr1")
    page = as_role("hr").get(f"/hr/plans/{stored.id}/equality").get_data(as_text=True)
    table = page[page.index('id="equality-rates"'):page.index("</table>")]
    assert '<th scope="row">White</th>' in table
    assert '<th scope="row">Mixed</th>' in table and "Other" not in table  # Other: under 10 eligible
    assert re.search(r"\d+ smaller group\(s\) not shown", page)
    assert "Every group shown reaches the rule." in page


def test_monitoring_values_never_reach_the_logs(tmp_path, caplog, loaded_app, monitored_store, as_role):
    caplog.set_level(logging.DEBUG)
    folder = write_monitored_folder(tmp_path / "s", monitored_small_scenario())
    scenario = read_scenario(folder).scenario
    store.save_scenario(monitored_store, scenario, actor="hr1")
    plan = solve_plan(scenario)
    store.save_plan(monitored_store, "matching", plan, created_by="hr1")
    hr = as_role("hr")
    assert hr.get("/hr/plans/1/equality").status_code == 200
    assert hr.get("/hr/plans/1").status_code == 200
    store.delete_person(monitored_store, "P001", actor="admin1")
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert caplog.records  # something was logged, and none of it holds a value
    assert not any(value in logged for value in (OWN_VALUE, *OTHER_VALUES))


def test_every_role_is_covered_by_the_leak_test():
    assert set(ROLES) == {"staff", "hr", "emergency", "admin", "manager"}


@pytest.mark.browser
def test_the_equality_report_and_the_blocking_pairs_meet_wcag_aa(browser, loaded_live_server, store_engine):
    scenario = with_monitoring(generate_scenario(600, 5), "ethnicity", 5)
    store.save_scenario(store_engine, scenario, actor="hr1")
    stored = store.save_plan(store_engine, "matching", solve_plan(scenario), created_by="hr1")
    assert stored.result["blocking_pair_count"] > 0  # the list is on the page
    assert AXE.exists(), "run scripts/install-assets.sh (npm ci installs axe-core)"
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", bypass_csp=True)
    page = context.new_page()
    try:
        browser_sign_in(page, loaded_live_server, "hr")
        page.wait_for_load_state("networkidle")
        for path in (f"/hr/plans/{stored.id}", f"/hr/plans/{stored.id}/equality"):
            response = page.goto(f"{loaded_live_server}{path}")
            assert response is not None and response.status == 200, path
            assert axe_violations(page) == [], path
    finally:
        context.close()


def test_a_format_column_cannot_be_named_as_monitoring(tmp_path):
    write_monitored_folder(tmp_path, monitored_small_scenario())
    policy = (tmp_path / "policy.json").read_text().replace('"ethnicity"', '"grade"')
    (tmp_path / "policy.json").write_text(policy)
    with pytest.raises(ScenarioError) as error:
        read_scenario(tmp_path)
    assert "names 'grade' as a monitoring column, but it is a column of the scenario format" in str(error.value)


def test_a_workbook_carries_monitoring_columns_too(tmp_path):
    folder = write_monitored_folder(tmp_path / "csv", monitored_small_scenario())
    book = Workbook()
    book.remove(book.active)
    for name in ("teams", "people", "opportunities", "skills"):
        sheet = book.create_sheet(name)
        with (folder / f"{name}.csv").open(newline="", encoding="utf-8") as f:
            for row in csv.reader(f):
                sheet.append(row)
    sheet = book.create_sheet("policy")
    sheet.append(["key", "value"])
    for key, value in json.loads((folder / "policy.json").read_text()).items():
        sheet.append([key, json.dumps(value)])
    book.save(tmp_path / "scenario.xlsx")
    scenario = read_scenario(tmp_path / "scenario.xlsx").scenario
    assert scenario.monitoring["P001"] == {"ethnicity": OWN_VALUE}


def test_an_hr_upload_with_monitoring_columns_is_stored_and_the_preview_never_shows_the_values(
        as_role, store_engine, tmp_path, caplog):
    folder = write_monitored_folder(tmp_path / "upload", monitored_small_scenario())
    files = {path.name: path.read_bytes() for path in folder.iterdir()}
    client = as_role("hr")
    with caplog.at_level(logging.DEBUG):
        data = {"csrf_token": csrf_token(client),
                "files": [(io.BytesIO(content), name) for name, content in files.items()]}
        preview = client.post("/hr/import", data=data, content_type="multipart/form-data").get_data(as_text=True)
        token = re.search(r'name="token" value="([^"]+)"', preview).group(1)
        assert post(client, "/hr/import/commit", {"token": token}).status_code in (302, 303)
    assert not any(value in preview for value in (OWN_VALUE, *OTHER_VALUES))
    assert "ethnicity" not in preview  # no "column is ignored" warning for a monitoring column
    assert store.load_scenario(store_engine).monitoring["P001"] == {"ethnicity": OWN_VALUE}
    assert not any(value in caplog.text for value in (OWN_VALUE, *OTHER_VALUES))
