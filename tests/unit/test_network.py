"""The organisation network: links from skills in common, moves and shared placements, and the
leader's metrics before and after a plan."""

from __future__ import annotations

import json

import pytest

from planner.domain import Opportunity, Person, Placement, Plan, Scenario, Team
from planner.network import (
    PlanFileError,
    network_metrics,
    organisation_network,
    read_plan_placements,
    skill_links,
    team_graph,
)


def build() -> Scenario:
    """Two council children's teams alike in skills; an NHS data team and a police team alike
    in nothing; one island team with no skills at practitioner level."""
    teams = (
        Team(team_id="CN", name="Children North", organisation="Council", service="Children"),
        Team(team_id="CS", name="Children South", organisation="Council", service="Children"),
        Team(team_id="DH", name="Data Hub", organisation="NHS Trust", service="Digital"),
        Team(team_id="CT", name="Courts", organisation="Police", service="Justice"),
        Team(team_id="IS", name="Island", organisation="Charity", service=""),
    )
    people = (
        Person(person_id="P1", name="A", team_id="CN", grade=4, profession="social-work",
               skills={"casework": 3, "safeguarding": 4}),
        Person(person_id="P2", name="B", team_id="CS", grade=5, profession="social-work",
               skills={"casework": 4, "safeguarding": 3}),
        Person(person_id="P3", name="C", team_id="DH", grade=5, profession="data", skills={"python": 4}),
        Person(person_id="P4", name="D", team_id="CT", grade=5, profession="policing", skills={"court-work": 4}),
        Person(person_id="P5", name="E", team_id="IS", grade=3, profession="volunteering", skills={"python": 1}),
        Person(person_id="P6", name="F", team_id="CN", grade=4, profession="social-work", skills={"casework": 3}),
    )
    opps = (
        Opportunity(opportunity_id="DATA", title="Data project", kind="project", host_team_id="DH", capacity=3),
        Opportunity(opportunity_id="COURT", title="Court shadowing", kind="shadowing", host_team_id="CT"),
    )
    return Scenario(teams=teams, people=people, opportunities=opps)


@pytest.fixture
def scenario() -> Scenario:
    return build()


def plan() -> list[Placement]:
    return [
        Placement(person_id="P1", opportunity_id="DATA"),
        Placement(person_id="P5", opportunity_id="DATA"),
        Placement(person_id="P2", opportunity_id="COURT"),
    ]


def test_teams_with_skills_in_common_are_linked(scenario):
    assert skill_links(scenario) == {("CN", "CS"): ["casework", "safeguarding"]}


def test_before_a_plan_the_metrics_show_the_islands(scenario):
    report = organisation_network(scenario)
    before = report.before
    assert report.after is None
    assert before.teams == 5 and before.links == 1
    assert before.isolated_teams == 3 and before.isolated_team_ids == ["CT", "DH", "IS"]
    assert before.linked_across_organisations_share == 0.0
    assert before.groups == 4
    assert before.average_steps == 1.0
    assert before.connected_pairs_share == pytest.approx(0.1)
    assert before.bridges == 1 and (before.bridge_links[0].source, before.bridge_links[0].target) == ("CN", "CS")


def test_a_plans_moves_and_shared_placements_connect_the_organisation(scenario):
    report = organisation_network(scenario, plan())
    after = report.after
    edges = {(e.source, e.target): e for e in report.edges}
    assert edges[("CN", "DH")].kinds == ["move"] and edges[("CN", "DH")].people_moved == 1
    assert edges[("CN", "IS")].kinds == ["shared"] and edges[("CN", "IS")].shared_placements == 1
    assert edges[("CS", "CT")].cross_organisation
    assert edges[("CN", "CS")].kinds == ["skills"] and not edges[("CN", "CS")].from_plan
    assert after.isolated_teams == 0
    assert after.groups == 1
    assert after.linked_across_organisations_share == 1.0
    assert after.connected_pairs_share == 1.0
    # CN, DH and IS form a triangle (two moves to DH and their shared placement); the links
    # CN-CS and CS-CT are bridges, and CN and CS hold the network together.
    assert after.links == 5
    assert [(b.source, b.target) for b in after.bridge_links] == [("CN", "CS"), ("CS", "CT")]
    assert after.bridging_teams == ["CN", "CS"]
    nodes = {n.id: n for n in report.nodes}
    assert not nodes["IS"].linked_before and nodes["IS"].linked_after


def test_average_steps_are_counted_over_connected_pairs():
    scenario = build()
    g = team_graph(scenario, [("CN", "CS"), ("CS", "DH"), ("DH", "CT")])
    metrics = network_metrics(g)
    # path CN-CS-DH-CT: pairs at 1,1,1,2,2,3 steps -> 10/6
    assert metrics.average_steps == pytest.approx(10 / 6, abs=1e-3)
    assert metrics.connected_pairs_share == pytest.approx(6 / 10)


def test_flows_between_services_for_a_sankey_chart(scenario):
    flows = organisation_network(scenario, plan()).flows
    assert [(f.from_service, f.to_service, f.people) for f in flows] == [
        ("Charity", "Digital", 1),
        ("Children", "Digital", 1),
        ("Children", "Justice", 1),
    ]


def test_the_summary_says_what_changed_in_plain_words(scenario):
    summary = organisation_network(scenario, Plan(status="OPTIMAL", placements=plan())).summary
    assert "Teams with no link to another team: 3 before the plan, 0 after (of 5)." in summary
    assert "Teams linked to another organisation: 0% before, 100% after." in summary


def test_the_report_serialises_for_the_browser(scenario):
    document = json.loads(organisation_network(scenario, plan()).model_dump_json())
    assert set(document) == {"nodes", "edges", "before", "after", "flows", "summary"}
    assert {"id", "label", "organisation", "service", "headcount"} <= set(document["nodes"][0])
    assert {"source", "target", "kinds"} <= set(document["edges"][0])


def test_a_plan_naming_unknown_people_is_refused(scenario):
    with pytest.raises(PlanFileError, match="unknown person 'NOBODY'"):
        organisation_network(scenario, [Placement(person_id="NOBODY", opportunity_id="DATA")])


def test_plan_csv_is_read_with_spreadsheet_row_numbers(scenario, tmp_path):
    good = tmp_path / "plan.csv"
    good.write_text("person_id,opportunity_id,period,score,explanation\nP1,DATA,1,3.5,why\nP2,COURT,1,2,\n")
    placements = read_plan_placements(good, scenario)
    assert [(p.person_id, p.opportunity_id, p.score) for p in placements] == [("P1", "DATA", 3.5), ("P2", "COURT", 2.0)]
    bad = tmp_path / "bad.csv"
    bad.write_text("person_id,opportunity_id,period,score\nP1,DATA,1,1\nP9,DATA,x,1\n")
    with pytest.raises(PlanFileError) as error:
        read_plan_placements(bad, scenario)
    assert error.value.problems == [
        "bad.csv, row 3, column person_id: unknown person 'P9'",
        "bad.csv, row 3, column period: 'x' is not a whole number",
    ]


def test_plan_csv_without_the_needed_columns_is_refused(scenario, tmp_path):
    bad = tmp_path / "plan.csv"
    bad.write_text("who,what\nP1,DATA\n")
    with pytest.raises(PlanFileError, match="missing column"):
        read_plan_placements(bad, scenario)


def test_teams_group_into_services_linked_wherever_their_teams_are(scenario):
    from planner.network_groups import grouped_network

    grouped = grouped_network(organisation_network(scenario, plan()))
    services = {g.id: (g.organisation, g.service, g.team_ids, g.headcount) for g in grouped.groups}
    assert services == {"g1": ("Charity", "Charity", ["IS"], 1),  # a blank service: the organisation
                        "g2": ("Council", "Children", ["CN", "CS"], 3),
                        "g3": ("NHS Trust", "Digital", ["DH"], 1),
                        "g4": ("Police", "Justice", ["CT"], 1)}
    links = {(link.source, link.target): (link.links_today, link.links_added, link.people_moved) for link in grouped.links}
    # CN-CS (skills in common) stays inside Children; every other link is the plan's.
    assert links == {("g1", "g2"): (0, 1, 0), ("g1", "g3"): (0, 1, 1), ("g2", "g3"): (0, 1, 1), ("g2", "g4"): (0, 1, 1)}
    # Children's own drawing: its two teams and the three services they are linked to.
    assert set(grouped.drawings["g2"]) == {"CN", "CS", "service:g1", "service:g3", "service:g4"}
    assert grouped.teams_shown_first and set(grouped.drawings["all"]) == {"CN", "CS", "DH", "CT", "IS"}
    points = [p for drawing in grouped.drawings.values() for p in drawing.values()]
    assert all(-1.0 <= p.x <= 1.0 and -1.0 <= p.y <= 1.0 for p in points)
    assert grouped_network(organisation_network(scenario, plan())) == grouped  # seeded: drawn the same each time


def test_a_large_organisation_is_shown_as_services_first():
    from planner.generate import generate_scenario
    from planner.network_groups import TEAMS_SHOWN_AT_ONCE, grouped_network

    scenario = generate_scenario(1000, seed=3)
    grouped = grouped_network(organisation_network(scenario))
    assert len(scenario.teams) > TEAMS_SHOWN_AT_ONCE and not grouped.teams_shown_first and "all" not in grouped.drawings
    assert sorted(t for g in grouped.groups for t in g.team_ids) == sorted(t.team_id for t in scenario.teams)
    assert sum(g.headcount for g in grouped.groups) == len(scenario.people)
    assert set(grouped.drawings) == {g.id for g in grouped.groups}
