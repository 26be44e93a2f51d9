"""Reviewing a plan version of any size in the HR console: outcome first, search, filters with
counts, sort, pages of at most 100 rows, decisions on a filtered group, and alerts (with Approve
disabled and refused) when a plan places nobody."""

from __future__ import annotations

import re
import shutil
import time

import pytest
from helpers import PASSWORD, ROLE_ACCOUNTS, post, sign_in
from test_web_hr import run_plan

ROW = re.compile(r'<tr id="row-([^"]+)" class="hr-row hr-row--(\w+)">')
SCORE = re.compile(r"<summary>Score (-?[\d.]+)</summary>")
RANGE = re.compile(r"Showing (\d+)–(\d+) of (\d+) matching placement")


@pytest.fixture(scope="module")
def generated_seed(tmp_path_factory):
    """A store holding a generated 3,000-person scenario, a plan of it solved by the real solver
    (5 s limit, one worker, fixed seed) and the console's accounts; built once, copied per test."""
    from optimiser.matching import solve_plan
    from planner.generate import generate_scenario
    from planner.store import make_engine, save_plan, save_scenario, upgrade
    from web.auth import create_account

    path = tmp_path_factory.mktemp("generated-plan") / "store.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    create_account(engine, ROLE_ACCOUNTS["hr"], PASSWORD, "hr", actor="test")
    scenario = generate_scenario(3000, seed=1)
    save_scenario(engine, scenario, actor="test")
    policy = scenario.policy.model_copy(update={"time_limit_s": 5, "workers": 1, "random_seed": 1})
    plan = solve_plan(scenario, policy)
    assert len(plan.placements) > 250 and len(plan.unplaced) > 100, "the generated plan is too small to page"
    save_plan(engine, "matching", plan, created_by="test", policy=policy)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def big(generated_seed, tmp_path):
    """(app, engine, signed-in HR client) over a copy of the generated store."""
    from planner.store import make_engine
    from web import create_app

    path = tmp_path / "store.sqlite3"
    shutil.copyfile(generated_seed, path)
    engine = make_engine(f"sqlite:///{path}")
    app = create_app({"TESTING": True, "ENGINE": engine, "SECRET_KEY": "x" * 40})
    yield app, engine, sign_in(app.test_client(), "hr")
    engine.dispose()


def page_text(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def all_pairs(engine) -> list[tuple[str, str]]:
    from planner.store import get_plan

    return [(p["person_id"], p["opportunity_id"]) for p in get_plan(engine, 1).result["placements"]]


# ---------------------------------------------------------------------------------------------
# Size: a page of rows, whatever the plan's size
# ---------------------------------------------------------------------------------------------


def test_a_large_plan_shows_at_most_a_page_of_rows_and_stays_small(big):
    _, engine, client = big
    total = len(all_pairs(engine))
    started = time.perf_counter()
    response = client.get("/hr/plans/1?size=100")
    elapsed = time.perf_counter() - started
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert len(ROW.findall(html)) == 100 < total
    assert len(response.data) < 1_000_000
    assert f"Showing 1–100 of {total} matching placements" in html
    unplaced_rows = re.search(r'<table class="data" id="unplaced-table">(.*?)</table>', html, re.S).group(1)
    assert unplaced_rows.count("<tr>") <= 100 + 1  # the header row and at most a page
    assert len(ROW.findall(page_text(client, "/hr/plans/1"))) == 50  # the default page
    assert elapsed < 10  # generous on a shared machine; the measured figure is in bench/README.md


def test_the_pages_together_show_every_placement_once(big):
    _, engine, client = big
    seen: list[str] = []
    page = 1
    while True:
        html = page_text(client, f"/hr/plans/1?size=100&page={page}")
        seen += [person for person, _ in ROW.findall(html)]
        pager = html.split('aria-label="Pages of placements"')[1].split("</nav>")[0]
        if 'rel="next"' not in pager:
            break
        page += 1
    assert sorted(seen) == sorted(p for p, _ in all_pairs(engine))
    # A page number past the end shows the last page rather than an empty one.
    assert ROW.findall(page_text(client, f"/hr/plans/1?size=100&page={page + 50}")) == \
        ROW.findall(page_text(client, f"/hr/plans/1?size=100&page={page}"))


def test_sorting_by_score_orders_every_page(big):
    _, _, client = big
    first = [float(s) for s in SCORE.findall(page_text(client, "/hr/plans/1?sort=score&dir=desc&size=100"))]
    second = [float(s) for s in SCORE.findall(page_text(client, "/hr/plans/1?sort=score&dir=desc&size=100&page=2"))]
    assert first == sorted(first, reverse=True) and second == sorted(second, reverse=True)
    assert min(first) >= max(second)
    rising = [float(s) for s in SCORE.findall(page_text(client, "/hr/plans/1?sort=score&dir=asc&size=25"))]
    assert rising == sorted(rising) and rising[0] <= second[-1]


def test_search_finds_a_person_by_name_or_id(big):
    from planner.store import load_scenario

    _, engine, client = big
    person_id, _ = all_pairs(engine)[7]
    name = load_scenario(engine).person_by_id[person_id].name
    html = page_text(client, f"/hr/plans/1?q={person_id}")
    assert [p for p, _ in ROW.findall(html)] == [person_id]
    by_name = page_text(client, f"/hr/plans/1?q={name.split()[1].lower()}&size=100")
    assert person_id in [p for p, _ in ROW.findall(by_name)]
    assert "No placement matches" in page_text(client, "/hr/plans/1?q=nobody-is-called-this")


def test_people_left_out_are_paged_and_found_by_the_same_search(big):
    from planner.store import get_plan

    _, engine, client = big
    left_out = sorted(get_plan(engine, 1).result["unplaced"])
    assert len(left_out) > 25
    first = page_text(client, "/hr/plans/1?size=25")
    second = page_text(client, "/hr/plans/1?size=25&upage=2")

    def unplaced_ids(html):
        table = html.split('id="unplaced-table"')[1].split("</table>")[0]
        return re.findall(r'<span class="muted">(P\d+)', table)

    assert len(unplaced_ids(first)) == len(unplaced_ids(second)) == 25
    assert not set(unplaced_ids(first)) & set(unplaced_ids(second))
    found = page_text(client, f"/hr/plans/1?q={left_out[3]}")
    assert unplaced_ids(found) == [left_out[3]] and "1 of them match the filters" in found


def test_filters_show_counts_that_match_what_they_show(big):
    _, _, client = big
    html = page_text(client, "/hr/plans/1")
    kinds = re.findall(r'<option value="(\w+)">[^<(]+\((\d+)\)</option>', html.split('id="f-kind"')[1].split("</select>")[0])
    assert kinds and sum(int(n) for _, n in kinds) == int(RANGE.search(html).group(3))
    for kind, count in kinds:
        filtered = page_text(client, f"/hr/plans/1?kind={kind}")
        assert RANGE.search(filtered).group(3) == count
    team_select = html.split('id="f-team"')[1].split("</select>")[0]
    team, team_count = re.findall(r'<option value="([^"]+)">[^<]+\((\d+)\)</option>', team_select)[0]
    assert RANGE.search(page_text(client, f"/hr/plans/1?team={team}")).group(3) == team_count
    organisation_select = html.split('id="f-organisation"')[1].split("</select>")[0]
    organisation, org_count = re.findall(r'<option value="([^"]+)">[^<]+\((\d+)\)</option>', organisation_select)[0]
    org_page = client.get("/hr/plans/1", query_string={"organisation": organisation.replace("&amp;", "&")})
    assert RANGE.search(org_page.get_data(as_text=True)).group(3) == org_count


@pytest.mark.parametrize("query", ["sort=salary", "dir=sideways", "size=7", "size=1000", "page=0", "page=abc",
                                   "page=-3", "upage=x", "decided=maybe", "kind=job"])
def test_a_review_query_the_page_does_not_offer_is_a_bad_request(big, query):
    _, _, client = big
    assert client.get(f"/hr/plans/1?{query}").status_code == 400


# ---------------------------------------------------------------------------------------------
# Decisions on a filtered group
# ---------------------------------------------------------------------------------------------


def test_accepting_a_filtered_group_decides_every_matching_row_not_only_the_page(big):
    from planner.store import list_audit
    from web.decisions import decisions_for_plan

    _, engine, client = big
    html = page_text(client, "/hr/plans/1?kind=secondment&size=25")
    matching = int(RANGE.search(html).group(3))
    assert matching > 25, "the group must span more than one page"
    response = post(client, "/hr/plans/1/decide-group", {"kind": "secondment", "decision": "accepted",
                                                         "expected": matching}, follow_redirects=True)
    message = response.get_data(as_text=True)
    assert f"{matching} placements accepted in your name: every one of the {matching} matching secondment" in message
    decisions = decisions_for_plan(engine, 1)
    assert len(decisions) == matching
    assert all(d.decision == "accepted" and d.decided_by == "hr1" for d in decisions.values())
    # Every decided placement is a secondment, and each has its own audit row.
    audit = [e for e in list_audit(engine, actor="hr1", limit=10_000) if e.action == "placement.accept"]
    assert len(audit) == matching
    html = page_text(client, "/hr/plans/1?decided=accepted")
    assert RANGE.search(html).group(3) == str(matching)
    # Rejecting the rest: the counts say so.
    rest = int(RANGE.search(page_text(client, "/hr/plans/1?decided=undecided")).group(3))
    post(client, "/hr/plans/1/decide-group", {"decided": "undecided", "decision": "rejected", "expected": rest})
    assert len(decisions_for_plan(engine, 1)) == matching + rest == len(all_pairs(engine))


def test_a_group_that_changed_since_it_was_shown_is_not_decided(big):
    from web.decisions import decisions_for_plan

    _, engine, client = big
    html = page_text(client, "/hr/plans/1?kind=project")
    matching = int(RANGE.search(html).group(3))
    response = post(client, "/hr/plans/1/decide-group", {"kind": "project", "decision": "rejected",
                                                         "expected": matching + 1}, follow_redirects=True)
    assert f"now holds {matching} placement(s), not the {matching + 1} you saw" in response.get_data(as_text=True)
    assert decisions_for_plan(engine, 1) == {}


def test_group_decisions_need_a_csrf_token_and_a_valid_filter(big):
    from web.decisions import decisions_for_plan

    _, engine, client = big
    assert client.post("/hr/plans/1/decide-group", data={"decision": "accepted", "expected": 1}).status_code == 400
    assert post(client, "/hr/plans/1/decide-group", {"kind": "job", "decision": "accepted",
                                                     "expected": 1}).status_code == 400
    assert post(client, "/hr/plans/1/decide-group", {"decision": "maybe", "expected": 1}).status_code == 400
    assert post(client, "/hr/plans/1/decide-group", {"decision": "accepted", "expected": 1,
                                                     "role": "admin"}).status_code == 400
    assert decisions_for_plan(engine, 1) == {}


# ---------------------------------------------------------------------------------------------
# Outcome first; alerts and Approve for plans that place nobody
# ---------------------------------------------------------------------------------------------


def test_the_plan_page_leads_with_the_outcome_and_keeps_figures_in_technical_details(as_role, loaded_app):
    client = as_role("hr")
    job = run_plan(client, loaded_app)
    html = page_text(client, f"/hr/plans/{job.plan_id}")
    assert '<h2 id="outcome-title" class="hr-outcome">Best possible plan (proven)</h2>' in html
    technical = html.split("<summary>Technical details</summary>")[1].split("</details>")[0]
    assert "OPTIMAL" in technical and "Objective" in technical and "Best bound" in technical
    assert "OPTIMAL" not in html.split("<summary>Technical details</summary>")[0]
    assert 'role="alert"' not in html and 'id="approve">' in html
    assert client.get(f"/hr/jobs/{job.id}.json").get_json()["outcome"] == "Best possible plan (proven)"
    assert "Best possible plan (proven)" in page_text(client, f"/hr/jobs/{job.id}")


def test_a_plan_that_places_nobody_is_an_alert_and_cannot_be_approved(as_role, loaded_app, store_engine):
    from planner.store import get_plan

    client = as_role("hr")
    # Two bands (both with candidates) each owed 60% of all placements: only an empty plan keeps that.
    job = run_plan(client, loaded_app, fairness_bands="1-4, 5-7", fairness_min_share=0.6)
    assert job.result["placements"] == 0 and job.result["status"] == "OPTIMAL"
    html = page_text(client, f"/hr/plans/{job.plan_id}")
    alert = re.search(r'<div class="flash flash--error" role="alert" id="plan-alert">(.*?)</div>', html, re.S).group(1)
    assert "This plan places nobody" in alert and "fairness floor" in alert and "(1-4, 5-7)" in alert
    assert "add up to more than all placements" in alert
    assert 'id="approve" disabled' in html
    assert "-0.0" not in html.split("<summary>Technical details</summary>")[0]
    response = post(client, f"/hr/plans/{job.plan_id}/approve", follow_redirects=True)
    assert "places nobody, so there is nothing to approve" in response.get_data(as_text=True)
    assert get_plan(store_engine, job.plan_id).status == "draft"
    assert client.get(f"/hr/jobs/{job.id}.json").get_json()["outcome"] == "This plan places nobody"


def test_an_impossible_plan_is_an_alert_naming_the_rules_and_cannot_be_approved(as_role, loaded_app, store_engine):
    from planner.domain import PersonOpportunity
    from planner.store import get_plan, load_scenario, save_scenario

    scenario = load_scenario(store_engine)
    policy = scenario.policy.model_copy(update={"pinned": (PersonOpportunity(person_id="P001", opportunity_id="O-HUB"),)})
    save_scenario(store_engine, scenario.model_copy(update={"policy": policy}), actor="test")
    client = as_role("hr")
    job = run_plan(client, loaded_app)
    html = page_text(client, f"/hr/plans/{job.plan_id}")
    alert = re.search(r'role="alert" id="plan-alert">(.*?)</div>', html, re.S).group(1)
    assert "No plan can keep every rule" in alert and "Community hub secondment" in alert
    assert 'id="approve" disabled' in html
    post(client, f"/hr/plans/{job.plan_id}/approve")
    assert get_plan(store_engine, job.plan_id).status == "draft"


def test_the_service_refuses_to_approve_an_empty_plan(store_engine):
    from planner.domain import Plan
    from planner.services.decisions import DecisionRefused, approve_matching_plan
    from planner.store import get_plan, save_plan

    stored = save_plan(store_engine, "matching", Plan(status="OPTIMAL", objective=0.0), created_by="hr1")
    with pytest.raises(DecisionRefused, match="places nobody"):
        approve_matching_plan(store_engine, stored.id, "hr1")
    assert get_plan(store_engine, stored.id).status == "draft"


def test_reasons_and_rows_name_teams_and_skills_not_codes(as_role, loaded_app):
    client = as_role("hr")
    job = run_plan(client, loaded_app)
    html = page_text(client, f"/hr/plans/{job.plan_id}")
    unplaced = html.split('id="unplaced-table"')[1].split("</table>")[0]
    assert "team T-" not in unplaced and "first choice O-" not in unplaced
    why = re.findall(r'<td class="hr-why">([^<]+)', html)
    assert why and all(not w.startswith("score ") for w in why)
    assert any("choice" in w or "skill" in w for w in why)
    assert "Northshire" in html.split('id="placements-title"')[1]



def decide_a_group_over_earlier_decisions(engine) -> None:
    """Five placements, one rejected and one accepted by someone else earlier; accepting the
    group changes four (the rejected one too) and leaves the accepted one as it was."""
    from planner.domain import Placement, Plan
    from planner.store import list_audit, save_plan
    from planner.store.decisions import decide_placement, decide_placements, decisions_for_plan

    pairs = [(f"P{i}", "O1") for i in range(5)]
    stored = save_plan(engine, "matching", Plan(status="OPTIMAL", placements=[
        Placement(person_id=p, opportunity_id=o) for p, o in pairs]), created_by="hr1")
    decide_placement(engine, stored.id, "P0", "O1", "rejected", decided_by="hr2")
    decide_placement(engine, stored.id, "P1", "O1", "accepted", decided_by="hr2")
    assert decide_placements(engine, stored.id, pairs, "accepted", decided_by="hr1") == 4
    decisions = decisions_for_plan(engine, stored.id)
    assert {k: (d.decision, d.decided_by) for k, d in decisions.items()} == {
        **{pair: ("accepted", "hr1") for pair in pairs}, ("P1", "O1"): ("accepted", "hr2")}
    assert len(list_audit(engine, actor="hr1", action="placement.accept")) == 4


def test_a_group_decision_replaces_other_decisions_and_keeps_equal_ones(store_engine):
    decide_a_group_over_earlier_decisions(store_engine)


@pytest.mark.postgres
def test_group_decisions_work_on_postgresql():
    from planner.store import upgrade
    from planner.store.testing import postgres_test_url, temporary_engine

    url = postgres_test_url()
    if url is None:
        pytest.skip("PostgreSQL tests need TRELLIS_TEST_POSTGRES_URL: run through scripts/with-postgres.sh")
    with temporary_engine(url) as engine:
        upgrade(engine)
        decide_a_group_over_earlier_decisions(engine)


def test_a_large_what_if_lists_the_first_placements_and_counts_the_rest(as_role, store_engine):
    """A finished comparison stored as the job pool stores it: 150 placements opened up, 120 lost."""
    from sqlalchemy import insert

    from planner.store._common import utc_now
    from planner.store.console_tables import solve_jobs

    def side(pairs, status="OPTIMAL"):
        return {"status": status, "objective": float(len(pairs)), "best_bound": float(len(pairs)), "gap": 0.0,
                "placements": [{"person_id": p, "opportunity_id": o} for p, o in pairs], "unplaced": 0,
                "conflicts": []}

    base = [(f"B{i:03d}", "O-DASH") for i in range(120)]
    variant = [(f"V{i:03d}", "O-DASH") for i in range(150)]
    now = utc_now()
    with store_engine.begin() as connection:
        connection.execute(insert(solve_jobs).values(
            kind="whatif", status="finished", created_by="hr1", created_at=now, started_at=now, finished_at=now,
            heartbeat_at=now, time_limit_s=5, request={}, progress=[],
            result={"status": "OPTIMAL", "change": "drop the Python requirement from every opportunity",
                    "base_plan_id": 99, "base_version": 1, "eligible_pairs_before": 10, "eligible_pairs_after": 12,
                    "people_newly_eligible": 2, "eligible_by_opportunity": [],
                    "base": side(base), "variant": side(variant)}))
    html = page_text(as_role("hr"), "/hr/whatif/1")
    assert "Opened up by the change (150)" in html and "and 50 more." in html
    assert "No longer in the plan (120)" in html and "and 20 more." in html
    assert html.count("→ Build the children") == 200
    assert html.count('role="alert"') == 0 and "Best possible plan (proven)" in html
