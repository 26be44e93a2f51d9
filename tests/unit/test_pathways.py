"""Pathways on tiny hand-made scenarios: each rule of a pathway, and the answer's shape."""

from __future__ import annotations

import json

import pytest
from checkers.pathway_checker import replay_violations

from planner.domain import Opportunity, Person, Scenario, Team
from planner.pathways import PathwayIndex, PathwayInputError, parse_target


def build(people=None, opportunities=None, stretch: int = 0) -> Scenario:
    teams = (
        Team(team_id="CN", name="Children North", organisation="Council", service="Children"),
        Team(team_id="CS", name="Children South", organisation="Council", service="Children"),
        Team(team_id="DH", name="Data Hub", organisation="NHS Trust", service="Digital"),
        Team(team_id="CT", name="Courts", organisation="Police", service="Justice"),
    )
    default_people = (
        Person(person_id="P1", name="Ash", team_id="CN", grade=4, profession="social-work",
               skills={"casework": 3, "data-analysis": 1}, aspirations={"data-analysis": 3, "court-work": 4}),
        Person(person_id="P2", name="Bo", team_id="DH", grade=5, profession="data"),
        Person(person_id="P3", name="Cy", team_id="CS", grade=5, profession="social-work"),
        Person(person_id="P4", name="Di", team_id="CT", grade=5, profession="policing"),
    )
    default_opps = (
        Opportunity(opportunity_id="DATA1", title="Data secondment", kind="secondment", host_team_id="DH",
                    development_skills={"data-analysis": 2}),
        Opportunity(opportunity_id="DATA2", title="Analytics project", kind="project", host_team_id="DH", fte=0.5,
                    required_skills={"data-analysis": 2}, development_skills={"data-analysis": 3}),
        Opportunity(opportunity_id="COURT", title="Court shadowing", kind="shadowing", host_team_id="CT",
                    development_skills={"court-work": 2}),
        Opportunity(opportunity_id="SENIOR", title="Senior social worker", kind="role", host_team_id="CS",
                    grade_min=4, grade_max=5, required_skills={"casework": 3}),
        Opportunity(opportunity_id="MANAGER", title="Team manager", kind="role", host_team_id="CN",
                    grade_min=5, grade_max=6, required_skills={"casework": 3}, development_skills={"leadership": 2}),
    )
    return Scenario(
        teams=teams,
        people=tuple(people if people is not None else default_people),
        opportunities=tuple(opportunities if opportunities is not None else default_opps),
        policy={"stretch_levels": stretch},
    )


@pytest.fixture
def scenario() -> Scenario:
    return build()


@pytest.fixture
def index(scenario) -> PathwayIndex:
    return PathwayIndex(scenario)


def routes(result, kind):
    return [[s.opportunity_id for s in p.steps] for p in result.of_kind(kind)]


def test_the_json_has_exactly_the_agreed_shape(index, scenario):
    result = index.pathways_for("P1", target="MANAGER")
    document = json.loads(result.model_dump_json())
    assert set(document) == {"person_id", "pathways", "unreachable"}
    assert document["person_id"] == "P1"
    for pathway in document["pathways"]:
        assert set(pathway) == {"kind", "steps", "aspirations_reached", "target_reached"}
        assert pathway["kind"] in {"networked", "developmental", "ladder"}
        assert 0.0 <= pathway["aspirations_reached"] <= 1.0
        assert isinstance(pathway["target_reached"], bool)
        for step in pathway["steps"]:
            assert set(step) == {"opportunity_id", "team_id", "crosses", "skills_after", "explanation"}
            assert set(step["crosses"]) <= {"team", "profession", "organisation"}
    assert replay_violations(scenario, document, target="MANAGER") == []


def test_all_three_kinds_are_shown_side_by_side(index):
    result = index.pathways_for("P1")
    assert {p.kind for p in result.pathways} == {"networked", "developmental", "ladder"}
    assert [p.kind for p in result.pathways] == sorted(
        (p.kind for p in result.pathways), key=["networked", "developmental", "ladder"].index
    )


def test_completing_a_step_raises_skills_to_at_least_its_level(index):
    result = index.pathways_for("P1", target="data-analysis:3")
    best = result.of_kind("networked")[0]
    assert [s.opportunity_id for s in best.steps] == ["DATA1", "DATA2"]
    assert best.steps[0].skills_after == {"casework": 3, "data-analysis": 2}
    assert best.steps[1].skills_after == {"casework": 3, "data-analysis": 3}
    assert best.target_reached is True


def test_a_later_step_may_need_a_skill_gained_on_an_earlier_one(index):
    """DATA2 needs data-analysis 2, which P1 only has after DATA1."""
    for kind in ("networked", "developmental"):
        for route in routes(index.pathways_for("P1"), kind):
            if "DATA2" in route:
                assert "DATA1" in route[: route.index("DATA2")]


def test_ladder_steps_are_promotions_within_ones_own_profession(index):
    ladder = routes(index.pathways_for("P1"), "ladder")
    assert ladder == [["SENIOR", "MANAGER"], ["SENIOR"]] or ladder[0] == ["SENIOR", "MANAGER"]
    for route in ladder:
        assert "DATA1" not in route and "COURT" not in route


def test_a_role_moves_the_person_into_its_team_and_sets_its_grade(index):
    """MANAGER is in P1's home team CN and needs grade 5: only after SENIOR (a role in CS that
    sets grade 5) is it another team's opportunity at the right grade."""
    result = index.pathways_for("P1", target="MANAGER")
    reached = [p for p in result.pathways if p.target_reached]
    assert reached
    for pathway in reached:
        ids = [s.opportunity_id for s in pathway.steps]
        assert ids[-1] == "MANAGER"
        assert "SENIOR" in ids
    explanation = next(s.explanation for p in reached for s in p.steps if s.opportunity_id == "SENIOR")
    assert explanation == "This role in Children South moves you into Children South at grade 5"


def test_a_secondment_keeps_the_person_in_their_home_team():
    opps = (
        Opportunity(opportunity_id="AWAY", title="Away", kind="secondment", host_team_id="DH",
                    development_skills={"gis": 2}),
        Opportunity(opportunity_id="HOME", title="Home project", kind="project", host_team_id="CN",
                    required_skills={"gis": 2}, development_skills={"gis": 3}),
    )
    index = PathwayIndex(build(opportunities=opps))
    result = index.pathways_for("P1")
    assert all("HOME" not in route for kind in ("networked", "developmental") for route in routes(result, kind))


def test_each_step_says_what_it_develops_and_what_it_crosses(index):
    best = index.pathways_for("P1", target="data-analysis:3").of_kind("networked")[0]
    first = best.steps[0]
    assert first.team_id == "DH"
    assert first.crosses == ["team", "profession", "organisation"]
    assert first.explanation == (
        "This secondment in Data Hub (NHS Trust) develops data-analysis to 2 (working) and takes you into data work"
    )


def test_networked_pathways_rank_by_goal_reached_then_fewer_steps(index):
    result = index.pathways_for("P1", target="data-analysis:2")
    networked = result.of_kind("networked")
    assert networked[0].target_reached is True
    assert [s.opportunity_id for s in networked[0].steps] == ["DATA1"]
    keys = [(p.target_reached, -len(p.steps)) for p in networked]
    assert keys == sorted(keys, reverse=True)


def test_developmental_pathways_grow_the_aspired_skills_first(index):
    developmental = index.pathways_for("P1").of_kind("developmental")
    shares = [p.aspirations_reached for p in developmental]
    assert shares == sorted(shares, reverse=True)
    assert shares[0] == pytest.approx(4 / 6, abs=1e-3)  # data-analysis 1->3 and court-work 0->2 of 2+4


def test_pathways_of_a_kind_are_diverse(index):
    for kind in ("networked", "developmental", "ladder"):
        chosen = [set(r) for r in routes(index.pathways_for("P1"), kind)]
        for i, a in enumerate(chosen):
            for b in chosen[i + 1:]:
                assert len(a & b) * 2 < len(a | b)


def test_an_unreachable_skill_goal_says_what_is_missing(index):
    result = index.pathways_for("P1", target="court-work:4")
    assert "court-work at level 4 is out of reach: no opportunity develops court-work beyond level 2" in result.unreachable
    assert any(p.target_reached is False for p in result.pathways)


def test_aspirations_out_of_reach_are_named_without_a_target(index):
    assert index.pathways_for("P1").unreachable[:1] == [
        "court-work at level 4 is out of reach: no opportunity develops court-work beyond level 2"
    ]


def test_a_skill_nobody_develops_is_named(index, scenario):
    result = index.pathways_for("P1", target="casework:5")
    assert "casework at level 5 is out of reach: no opportunity develops casework" in result.unreachable


def test_a_role_target_blocked_by_practice_time_says_so():
    people = (
        Person(person_id="P1", name="Ash", team_id="CN", grade=4, profession="social-work", must_practise=0.5,
               skills={"casework": 3}),
    )
    opps = (
        Opportunity(opportunity_id="ANALYST", title="Analyst", kind="role", host_team_id="DH", fte=1.0,
                    profession="data"),
    )
    result = PathwayIndex(build(people=people, opportunities=opps)).pathways_for("P1", target="ANALYST")
    assert result.pathways == []
    assert result.unreachable[0] == (
        "ANALYST: You must keep 50% practice time in social-work and this takes 100% of your time outside it "
        "(at most 50% would fit)"
    )
    assert result.unreachable[1] == "no route of up to 3 moves reaches ANALYST"


def test_a_target_needing_more_moves_than_allowed_is_reported(index):
    result = index.pathways_for("P1", target="MANAGER", max_steps=1)
    assert not any(p.target_reached for p in result.pathways)
    assert result.unreachable[0] == (
        "no route of up to 1 move reaches MANAGER; today: this is your own team; "
        "your grade 4 is below this opportunity's minimum 5"
    )


def test_a_skill_target_needing_more_moves_than_allowed_says_how_close_it_gets(index):
    result = index.pathways_for("P1", target="data-analysis:3", max_steps=1)
    assert result.unreachable[0] == "no route of up to 1 move reaches data-analysis:3; the closest covers 50% of the gap"


def test_a_person_not_open_to_a_move_gets_no_pathways_and_a_reason():
    people = (Person(person_id="P1", name="Ash", team_id="CN", grade=4, profession="social-work", available=False),)
    result = PathwayIndex(build(people=people)).pathways_for("P1")
    assert result.pathways == []
    assert result.unreachable == ["You are not open to a move in this plan (marked as not available), so no pathway is shown"]


def test_practice_time_is_respected_at_every_step():
    people = (
        Person(person_id="P1", name="Ash", team_id="CN", grade=4, profession="social-work", must_practise=0.6,
               skills={"casework": 3, "data-analysis": 1}),
    )
    index = PathwayIndex(build(people=people))
    result = index.pathways_for("P1")
    taken = {s.opportunity_id for p in result.pathways for s in p.steps}
    assert "DATA1" not in taken and "COURT" not in taken  # full-time outside social work
    assert replay_violations(index.scenario, result.model_dump(mode="json")) == []


def test_stretch_from_the_policy_lets_someone_one_level_short_step_up():
    scenario = build(stretch=1)
    result = PathwayIndex(scenario).pathways_for("P1", target="data-analysis:3")
    assert ["DATA2"] in routes(result, "networked")
    assert replay_violations(scenario, result.model_dump(mode="json"), target="data-analysis:3") == []


def test_max_steps_bounds_every_pathway(index):
    for k in (1, 2):
        assert all(len(p.steps) <= k for p in index.pathways_for("P1", max_steps=k).pathways)


def test_pathways_for_a_person_whose_skills_were_just_edited(index, scenario):
    edited = scenario.person_by_id["P1"].model_copy(update={"skills": {"casework": 3, "data-analysis": 2}})
    result = index.pathways_for_person(edited, target="data-analysis:3")
    assert routes(result, "networked")[0] == ["DATA2"]
    assert replay_violations(scenario, result.model_dump(mode="json"), person=edited, target="data-analysis:3") == []


def test_pathways_for_a_person_whose_aspirations_were_just_edited(index, scenario):
    edited = scenario.person_by_id["P1"].model_copy(update={"aspirations": {"leadership": 2}})
    best = index.pathways_for_person(edited).of_kind("networked")[0]
    assert best.aspirations_reached == 1.0
    assert best.steps[-1].skills_after["leadership"] == 2


@pytest.mark.parametrize(
    "target, message",
    [
        ("MANAGR", "unknown target opportunity 'MANAGR'; did you mean 'MANAGER'?"),
        ("data-analysis:9", "target level for data-analysis must be 1 to 5, not 9"),
        ("data-analysis:three", "cannot read target goal 'data-analysis:three': write skill:level, e.g. data-analysis:3"),
        ("data-analysys:3", "unknown skill 'data-analysys' in target; did you mean 'data-analysis'?"),
    ],
)
def test_a_malformed_target_is_refused_with_a_reason(index, target, message):
    with pytest.raises(PathwayInputError) as error:
        index.pathways_for("P1", target=target)
    assert str(error.value) == message


def test_an_unknown_person_or_bad_step_count_is_refused(index):
    with pytest.raises(PathwayInputError, match="unknown person 'NOPE'"):
        index.pathways_for("NOPE")
    with pytest.raises(PathwayInputError, match="max steps must be between 1 and 6"):
        index.pathways_for("P1", max_steps=0)


def test_targets_parse_as_an_opportunity_or_skill_goals(scenario):
    assert parse_target("MANAGER", scenario).opportunity_id == "MANAGER"
    assert parse_target("data-analysis:3; court-work:2", scenario).skills == (("court-work", 2), ("data-analysis", 3))
    assert parse_target({"court-work": 2}, scenario).skills == (("court-work", 2),)
    assert parse_target("  ", scenario) is None


def test_no_target_means_target_reached_is_null(index):
    assert all(p.target_reached is None for p in index.pathways_for("P1").pathways)


def test_no_ladder_route_says_why_no_higher_role_is_offered(index):
    assert index.pathways_for("P2").unreachable[-1] == (
        "no role in data above grade 5 is offered, so there is no ladder route"
    )


def test_no_ladder_route_names_what_stands_before_the_nearest_promotion():
    people = (
        Person(person_id="P1", name="Ash", team_id="CN", grade=4, profession="social-work", skills={"casework": 2}),
        Person(person_id="P3", name="Cy", team_id="CS", grade=5, profession="social-work"),
    )
    result = PathwayIndex(build(people=people)).pathways_for("P1")
    assert result.of_kind("ladder") == []
    assert result.unreachable[-1] == (
        "no promotion within social-work is open to you within 3 moves; the nearest, SENIOR (Senior social worker): "
        "you are one level short in casework (have 2, need 3)"
    )


def test_a_networked_route_that_only_adds_moves_without_getting_nearer_is_dropped(index):
    networked = routes(index.pathways_for("P1", target="data-analysis:2"), "networked")
    assert networked[0] == ["DATA1"]
    assert not any(set(r) > {"DATA1"} for r in networked[1:])
