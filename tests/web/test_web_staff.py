"""Staff pages through the Flask test client: My pathways (and editing skills and aspirations),
My record with ranked preferences, the marketplace's filters and plain-words eligibility, and
expressing interest. Access rules per route are in test_web_security.py."""

from __future__ import annotations

import json
import re

import pytest

from planner import store
from web.security import FormRejected
from web.staff import add_interest, levels_from_form, reorder_preferences, skill_gaps


def engine_of(app):
    return app.extensions["trellis_engine"]


@pytest.fixture
def alice(auth):
    auth.login("alice")
    return auth


# ---------------------------------------------------------------------------------------------
# My pathways
# ---------------------------------------------------------------------------------------------


def test_my_pathways_shows_three_kinds_side_by_side_with_explained_steps(client, alice):
    page = client.get("/people/P1/pathways").get_data(as_text=True)
    for heading in ("Networked", "Developmental", "The ladder"):
        assert f">{heading}</h3>" in page
    assert "This shadowing in Mapping Unit (Northshire NHS Trust) develops GIS mapping to 2" in page
    assert "This secondment in Data Team develops Data analysis to 3" in page
    assert "Senior social worker" in page  # the ladder: a social-work role a grade up


def test_my_pathways_embeds_the_graph_as_data_not_script(client, alice):
    page = client.get("/people/P1/pathways").get_data(as_text=True)
    start = page.index('<script type="application/json" id="pathway-graph-data">') + len('<script type="application/json" id="pathway-graph-data">')
    graph = json.loads(page[start:page.index("</script>", start)])
    assert graph["nodes"][0]["id"] == "you" and graph["nodes"][0]["label"] == "You now"
    assert graph["routes"] == page.count('class="route-title"')  # every route listed is drawn
    assert graph["lanes"] == len({n["lane"] for n in graph["nodes"] if n["id"] != "you"})  # no empty lane
    assert {e["kind"] for e in graph["edges"]} == {"networked", "developmental", "ladder"}
    # Each step is one node, however many routes pass through it, and every step is reached.
    node_ids = [n["id"] for n in graph["nodes"]]
    assert len(node_ids) == len(set(node_ids))
    assert {e["target"] for e in graph["edges"]} == set(node_ids) - {"you"}
    assert {e["kind"] for e in graph["edges"] if e["source"] == "you"} == {"networked", "developmental", "ladder"}
    assert len({e["id"] for e in graph["edges"]}) == len(graph["edges"])
    assert all(e["source"] in node_ids and e["target"] in node_ids for e in graph["edges"])


def test_a_step_shared_by_two_routes_is_drawn_once(scenario):
    from web.pathway_view import KindColumn, PathwayView, StepView, pathway_graph

    def step(oid):
        return StepView(opportunity_id=oid, title=f"Title {oid}", kind_label="secondment", host="Team", organisation="Org",
                        explanation="", crosses=[])

    columns = [KindColumn("networked", "Networked", "", [PathwayView([step("O1"), step("O2")], 0)]),
               KindColumn("developmental", "Developmental", "", [PathwayView([step("O1"), step("O3")], 0),
                                                                  PathwayView([step("O1"), step("O2")], 0)])]
    graph = pathway_graph(scenario, scenario.people[0], columns)
    assert [n["id"] for n in graph["nodes"]] == ["you", "step-O1", "step-O2", "step-O3"]
    # The same move by two kinds of route: two lines (one per kind), never two nodes.
    assert sorted(e["id"] for e in graph["edges"]) == sorted([
        "you->step-O1:networked", "step-O1->step-O2:networked",
        "you->step-O1:developmental", "step-O1->step-O3:developmental", "step-O1->step-O2:developmental"])


def test_out_of_reach_notes_name_skills_opportunities_and_teams_not_codes(scenario):
    from web.pathway_view import plain_names

    skill = scenario.skills[0]
    opportunity = scenario.opportunities[0]
    team = scenario.teams[0]
    note = (f"{opportunity.opportunity_id} needs {skill.skill_id} at level 4 is out of reach: no opportunity develops "
            f"{skill.skill_id}; the nearest, {opportunity.opportunity_id} ({opportunity.title}), in {team.team_id}")
    text = plain_names(note, scenario)
    for code in (skill.skill_id, opportunity.opportunity_id, team.team_id):
        assert code not in text.replace(skill.name, "").replace(opportunity.title, "").replace(team.name, "")
    assert f"needs {skill.name} at level 4" in text and f"develops {skill.name};" in text
    assert f"“{opportunity.title}” needs" in text and text.endswith(f"in {team.name}")
    assert f"({opportunity.title})" not in text  # "O1 (Title)" reads as the title once


@pytest.mark.parametrize("available, kind, aspirations, expected", [
    (False, "networked", {}, "not open to a move"),
    (True, "ladder", {}, "No promotion in"),
    (True, "networked", {"gis": 3}, "towards your aspirations"),
    (True, "networked", {}, "add the skills you want to grow"),
    (True, "developmental", {}, "grow a skill beyond"),
])
def test_every_empty_pathway_column_says_why(scenario, available, kind, aspirations, expected):
    from web.pathway_view import empty_column_reason

    person = scenario.people[0].model_copy(update={"available": available, "aspirations": aspirations})
    reason = empty_column_reason(kind, person, None)
    assert expected in reason and reason.endswith(".") and "route right now" not in reason


def test_editing_skills_and_aspirations_saves_them_and_updates_the_pathways(client, alice, app):
    response = alice.post("/people/P1/profile", {
        "skill": ["safeguarding", "data-analysis", "gis"], "skill_level": ["4", "0", "2"],
        "aspiration": ["data-analysis", "gis", ""], "aspiration_level": ["3", "4", "3"],
    })
    assert response.status_code == 303
    person = store.get_person(engine_of(app), "P1")
    assert person.skills == {"safeguarding": 4, "gis": 2}
    assert person.aspirations == {"data-analysis": 3, "gis": 4}
    page = client.get("/people/P1/pathways").get_data(as_text=True)
    assert "Your skills and aspirations are saved" in page
    skills_section = page.split('<h3>Skills</h3>')[1].split('<h3>Aspirations</h3>')[0]
    assert "GIS mapping" in skills_section and "Data analysis" not in skills_section
    # The pathways use the new skills at once: the GIS project is now a first step.
    assert any(route.split("</li>")[0].count("GIS mapping project") for route in page.split('<ol class="pathway">')[1:])
    audit = store.list_audit(engine_of(app), action="person.update")
    assert audit[0].actor.startswith("user:") and audit[0].target == "person:P1"


@pytest.mark.parametrize("body, problem", [
    ({"skill": ["underwater-basket-weaving"], "skill_level": ["3"]}, "unknown skill"),
    ({"skill": ["gis"], "skill_level": ["9"]}, "levels go from 1 to 5"),
    ({"skill": ["gis", "python"], "skill_level": ["3"]}, "each skill needs a level"),
    ({"skill": ["gis"], "skill_level": ["three"]}, "valid integer"),
])
def test_an_invalid_profile_is_not_saved_and_says_why(client, alice, app, body, problem):
    before = store.get_person(engine_of(app), "P1")
    response = alice.post("/people/P1/profile", body, follow_redirects=True)
    assert problem in response.get_data(as_text=True)
    assert store.get_person(engine_of(app), "P1") == before


def test_levels_from_form_pairs_skills_and_drops_level_zero():
    assert levels_from_form(["gis", "python", ""], [2, 0, 3], {"gis", "python"}) == {"gis": 2}
    with pytest.raises(FormRejected):
        levels_from_form(["gis"], [6], {"gis"})


def test_hr_sees_a_persons_pathways_in_the_third_person(client, auth):
    auth.login("hana")
    page = client.get("/people/P1/pathways").get_data(as_text=True)
    assert "Pathways for Alice Ashby" in page
    assert "Their skills and aspirations" in page


def test_out_of_reach_on_the_page_names_the_skill_not_its_code(client, alice):
    """An aspiration no opportunity develops (Python) is listed by its catalogue name."""
    alice.post("/people/P1/profile", {"skill": ["safeguarding"], "skill_level": ["4"],
                                      "aspiration": ["python"], "aspiration_level": ["4"]})
    page = client.get("/people/P1/pathways").get_data(as_text=True)
    section = page.split('id="unreachable-heading"')[1].split("</section>")[0]
    assert "Python at level 4 is out of reach" in section
    assert not re.search(r"(?<![\w-])python(?![\w-])", section)


# ---------------------------------------------------------------------------------------------
# The pathway index is cached per scenario revision
# ---------------------------------------------------------------------------------------------


def test_the_pathway_index_is_built_once_and_kept_while_only_people_change(app, client, alice, scenario):
    from web.data_access import current_scenario, pathway_index

    client.get("/people/P1/pathways")
    with app.test_request_context():
        first = pathway_index()
    client.get("/people/P1/pathways")
    with app.test_request_context():
        assert pathway_index() is first
    # A person's skills change (e.g. from the CLI): the scenario is reloaded, the index kept.
    store.update_person(engine_of(app), "P5", skills={"data-analysis": 3}, actor="tests")
    with app.test_request_context():
        assert current_scenario().person_by_id["P5"].skills == {"data-analysis": 3}
        assert pathway_index() is first
    # An opportunity changes: the index is rebuilt.
    changed = scenario.model_copy(update={"opportunities": scenario.opportunities[:-1]})
    store.save_scenario(engine_of(app), changed, actor="tests")
    with app.test_request_context():
        rebuilt = pathway_index()
    assert rebuilt is not first
    assert "O6" not in rebuilt.scenario.opportunity_by_id


# ---------------------------------------------------------------------------------------------
# My record and ranked preferences
# ---------------------------------------------------------------------------------------------


def test_my_record_lists_ranked_preferences(client, auth):
    auth.login("bilal")
    page = client.get("/people/P2/record").get_data(as_text=True)
    assert "GIS mapping project" in page
    assert "Bilal Brook" in page


def test_reorder_preferences_rules():
    assert reorder_preferences(("O1", "O2", "O3"), "O3", "up") == ["O1", "O3", "O2"]
    assert reorder_preferences(("O1", "O2", "O3"), "O1", "up") == ["O1", "O2", "O3"]
    assert reorder_preferences(("O1", "O2", "O3"), "O1", "down") == ["O2", "O1", "O3"]
    assert reorder_preferences(("O1", "O2", "O3"), "O2", "remove") == ["O1", "O3"]
    assert reorder_preferences(("O1",), "O9", "remove") == ["O1"]


def test_moving_a_preference_saves_the_new_order(client, alice, app):
    alice.post("/marketplace/interest", {"opportunity_id": "O3", "interested": "yes"})
    alice.post("/marketplace/interest", {"opportunity_id": "O1", "interested": "yes"})
    assert store.get_person(engine_of(app), "P1").preferences == ("O3", "O1")
    assert alice.post("/people/P1/preferences", {"opportunity_id": "O1", "action": "up"}).status_code == 303
    assert store.get_person(engine_of(app), "P1").preferences == ("O1", "O3")


def test_export_gives_the_persons_own_data_as_json(client, alice):
    response = client.get("/people/P1/export.json")
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.get_json()
    assert "Alice Ashby" in json.dumps(data)
    assert "Bilal" not in json.dumps(data)
    assert "password" not in json.dumps(data).replace("password_hash", "")  # never a hash
    assert "argon2" not in json.dumps(data)


# ---------------------------------------------------------------------------------------------
# Marketplace
# ---------------------------------------------------------------------------------------------


def shown(page: str) -> set[str]:
    import re

    return set(re.findall(r'id="opp-(O\d+)"', page))


@pytest.mark.parametrize("query, expected", [
    ("", {"O1", "O2", "O3", "O4", "O5", "O6"}),
    ("?kind=project", {"O2", "O5"}),
    ("?organisation=Riverside+Community+Trust", {"O5", "O6"}),
    ("?skill=gis", {"O2", "O3"}),
    ("?skill=data-analysis&kind=secondment", {"O1"}),
    ("?q=shadowing", {"O3"}),
    ("?eligible=1", {"O1", "O3", "O4"}),
    ("?kind=role&eligible=1", {"O4"}),
])
def test_marketplace_filters(client, alice, query, expected):
    assert shown(client.get(f"/marketplace{query}").get_data(as_text=True)) == expected


def test_marketplace_explains_eligibility_in_plain_words(client, alice):
    page = client.get("/marketplace").get_data(as_text=True)
    assert "You are one level short in Data analysis" in page  # O5 asks for 3, Alice holds 2
    assert "You do not have GIS mapping yet (this needs level 2)" in page  # O2
    assert "These moves develop GIS mapping: <a" in page
    assert "You can apply" in page


def test_marketplace_lists_what_the_person_can_take_first(client, alice):
    import re

    order = re.findall(r'id="opp-(O\d+)"', client.get("/marketplace").get_data(as_text=True))
    assert order[:3] == ["O1", "O3", "O4"]  # eligible, in file order
    assert set(order[3:]) == {"O2", "O5", "O6"}


@pytest.mark.parametrize("query", ["?page=0", "?kind=x&role=admin", "?eligible=yes"])
def test_marketplace_refuses_a_malformed_filter(client, alice, query):
    assert client.get(f"/marketplace{query}").status_code == 400


def test_skill_gaps_lists_only_what_is_missing(scenario):
    o5 = scenario.opportunity_by_id["O5"]
    assert skill_gaps({"data-analysis": 2, "python": 3}, o5) == {"data-analysis": 1}


def test_expressing_interest_adds_a_ranked_preference_and_withdrawing_removes_it(client, alice, app):
    response = alice.post("/marketplace/interest", {"opportunity_id": "O3", "interested": "yes", "back": "/marketplace?skill=gis"})
    assert response.status_code == 303 and response.headers["Location"] == "/marketplace?skill=gis"
    assert store.get_person(engine_of(app), "P1").preferences == ("O3",)
    page = client.get("/marketplace?skill=gis").get_data(as_text=True)
    assert "ranked 1" in page and "Your preference 1" in page
    alice.post("/marketplace/interest", {"opportunity_id": "O3", "interested": "no"})
    assert store.get_person(engine_of(app), "P1").preferences == ()


def test_interest_in_an_unknown_opportunity_is_404(client, alice):
    assert alice.post("/marketplace/interest", {"opportunity_id": "O99", "interested": "yes"}).status_code == 404


def test_interest_never_returns_off_site(client, alice):
    response = alice.post("/marketplace/interest", {"opportunity_id": "O3", "interested": "yes", "back": "https://evil.example/"})
    assert response.headers["Location"] == "/marketplace"


def test_a_person_ranks_at_most_ten_opportunities():
    ranked = tuple(f"O{i}" for i in range(10))
    with pytest.raises(FormRejected, match="at most 10"):
        add_interest(ranked, "O99")
    assert add_interest(ranked[:3], "O99") == ["O0", "O1", "O2", "O99"]
    assert add_interest(ranked[:3], "O1") == ["O0", "O1", "O2"]


def test_pathways_can_aim_for_a_chosen_role(client, alice):
    page = client.get("/people/P1/pathways?target=O4").get_data(as_text=True)
    assert "Routes towards <strong>Senior social worker</strong>" in page
    assert "reaches the target" in page
    assert '<option value="O4" selected>' in page


@pytest.mark.parametrize("query", ["?target=O404", "?target=O4&role=admin"])
def test_pathways_refuse_an_unknown_target(client, alice, query):
    assert client.get(f"/people/P1/pathways{query}").status_code == 400
