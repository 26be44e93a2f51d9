"""Planning runs, plan rows and what-ifs as services (no Flask): a real solve on the small
scenario, saved as a version in a real store; the what-if change rules one by one."""

from __future__ import annotations

import pytest
from helpers import ProgressSink, saved_plan

from planner.domain import Policy
from planner.services.plans import (
    decision_counts,
    matching_work,
    parse_bands,
    placement_rows,
    plan_export_rows,
    policy_for_run,
    starting_policy,
    unplaced_rows,
)
from planner.services.whatif import (
    WhatIfChange,
    change_problem,
    compare_placements,
    describe_change,
    requirements_to_relax,
    whatif_work,
)
from planner.store import get_plan, list_audit
from planner.store.decisions import decide_placement, decisions_for_plan

CHOICES = {"stretch_levels": 1, "periods": 2, "time_limit_s": 5.0, "stable": True, "max_cross_organisation": "3",
           "fairness_bands": "1-4, 5-8", "fairness_min_share": 0.2, "w_skill_fit": 1.0, "w_development": 2.0,
           "w_preference": 3.0, "w_network": 4.0, "w_diversity": 5.0}


@pytest.mark.parametrize("text, bands", [("", ()), ("1-4, 5-7; 8-12", ((1, 4), (5, 7), (8, 12))), (" 3-3 ", ((3, 3),))])
def test_grade_bands_are_read_as_written(text, bands):
    assert parse_bands(text) == bands


@pytest.mark.parametrize("text, words", [("5", "not written like 5-7"), ("a-b", "not written like 5-7"),
                                         ("7-5", "starts above its end")])
def test_a_badly_written_grade_band_is_refused_in_plain_words(text, words):
    with pytest.raises(ValueError, match=words):
        parse_bands(text)


def test_a_runs_policy_is_the_planners_choices_over_the_stored_policy():
    base = Policy(pinned=[{"person_id": "P001", "opportunity_id": "O-HUB"}], random_seed=9)
    policy = policy_for_run(CHOICES, base, workers=3)
    assert (policy.stretch_levels, policy.periods, policy.stable, policy.workers) == (1, 2, True, 3)
    assert policy.max_cross_organisation == 3 and policy.fairness.bands == ((1, 4), (5, 8))
    assert policy.weights.diversity == 5.0 and policy.weights.skill_fit == 1.0
    assert policy.random_seed == 9 and [(p.person_id, p.opportunity_id) for p in policy.pinned] == [("P001", "O-HUB")]
    assert policy_for_run({**CHOICES, "max_cross_organisation": ""}, base, 1).max_cross_organisation is None


def test_a_matching_run_saves_a_version_and_carries_the_accepted_decisions_over(store, consoles_scenario):
    first = matching_work(store, consoles_scenario, consoles_scenario.policy, "hr1", carry_from=None)(ProgressSink())
    stored = get_plan(store, first.plan_id)
    assert stored.version == 1 and stored.created_by == "hr1" and stored.status == "draft"
    assert first.result["placements"] == len(stored.result["placements"]) > 0
    assert first.result["status"] in ("OPTIMAL", "FEASIBLE")
    assert starting_policy(store, consoles_scenario) == Policy.model_validate(stored.policy)

    kept = (stored.result["placements"][0]["person_id"], stored.result["placements"][0]["opportunity_id"])
    decide_placement(store, stored.id, *kept, "accepted", decided_by="hr2")
    pinned = Policy.model_validate({**consoles_scenario.policy.model_dump(),
                                    "pinned": [{"person_id": kept[0], "opportunity_id": kept[1]}]})
    sink = ProgressSink()
    second = matching_work(store, consoles_scenario, pinned, "hr1", carry_from=stored.id)(sink)
    assert get_plan(store, second.plan_id).version == 2
    carried = decisions_for_plan(store, second.plan_id)
    assert carried[kept].decision == "accepted" and carried[kept].decided_by == "hr2"
    assert sink.finals, "the run's last word (objective and bound) was not reported"
    saves = [e for e in list_audit(store) if e.action == "plan.save"]
    assert {e.target for e in saves} == {f"plan:{first.plan_id}", f"plan:{second.plan_id}"}
    assert {e.actor for e in saves} == {"hr1"}


def test_a_versions_rows_carry_names_the_reader_may_see_and_the_decisions(store, consoles_scenario):
    stored = saved_plan(store, [("P001", "O-HUB"), ("P009", "O-DASH")])
    decide_placement(store, stored.id, "P001", "O-HUB", "rejected", decided_by="hr1")
    hidden = {"P009"}
    rows = placement_rows(store, get_plan(store, stored.id), consoles_scenario,
                          lambda pid: pid if pid in hidden else consoles_scenario.person_by_id[pid].name)
    by_person = {r.person_id: r for r in rows}
    assert by_person["P001"].person_name == "Person 1" and by_person["P009"].person_name == "P009"
    assert by_person["P001"].opportunity_title == "Community hub secondment"
    assert by_person["P001"].host_team == "Children's services" and by_person["P001"].decision == "rejected"
    assert decision_counts(rows) == {"accepted": 0, "rejected": 1, "undecided": 1}
    assert [line[8] for line in plan_export_rows(rows)] == ["rejected", "undecided"]
    assert unplaced_rows(get_plan(store, stored.id), str) == []


# -- what if -----------------------------------------------------------------------------------


def test_relaxing_a_skill_drops_it_only_where_it_is_required(consoles_scenario):
    everywhere = WhatIfChange(change="relax", skill="data-analysis")
    assert requirements_to_relax(everywhere, consoles_scenario) == [("O-DASH", "data-analysis"), ("O-SHADOW", "data-analysis")]
    one = WhatIfChange(change="relax", skill="data-analysis", opportunity_id="O-DASH")
    assert requirements_to_relax(one, consoles_scenario) == [("O-DASH", "data-analysis")]
    assert "Build the children" in describe_change(one, consoles_scenario)
    missing = WhatIfChange(change="relax", skill="python", opportunity_id="O-DASH")
    assert requirements_to_relax(missing, consoles_scenario) == [] and "does not require" in change_problem(missing, consoles_scenario)
    stretch = WhatIfChange(change="stretch", stretch_levels=2)
    assert requirements_to_relax(stretch, consoles_scenario) == [] and change_problem(stretch, consoles_scenario) is None
    assert describe_change(stretch, consoles_scenario) == "allow a stretch of 2 level(s) on every required skill"


def test_comparing_placements_says_what_opens_what_is_lost_and_what_stays():
    base = [{"person_id": "P1", "opportunity_id": "O1"}, {"person_id": "P2", "opportunity_id": "O2"}]
    variant = [{"person_id": "P2", "opportunity_id": "O2"}, {"person_id": "P3", "opportunity_id": "O1"}]
    assert compare_placements(base, variant) == {"opened": [("P3", "O1")], "lost": [("P1", "O1")],
                                                 "kept": [("P2", "O2")]}


def test_a_what_if_plans_both_sides_under_the_chosen_versions_policy(store, consoles_scenario):
    stored = saved_plan(store, [("P001", "O-HUB")])
    change = WhatIfChange(change="relax", skill="python", opportunity_id="O-LOCAL")
    outcome = whatif_work(consoles_scenario, consoles_scenario.policy, stored, change, describe_change(change, consoles_scenario))(ProgressSink())
    result = outcome.result
    assert outcome.plan_id is None and result["base_plan_id"] == stored.id
    assert result["eligible_pairs_after"] >= result["eligible_pairs_before"]
    assert result["base"]["status"] in ("OPTIMAL", "FEASIBLE") and "placements" in result["variant"]
