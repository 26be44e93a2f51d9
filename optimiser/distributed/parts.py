"""Splitting a scenario into parts that can be planned apart, and the scenario of one part.

A part holds whole teams: their people and the opportunities those teams host (remote or not).
Parts follow the teams' regions when teams name them (a non-remote opportunity is open only to
people of its region, so most pairs stay inside a region); otherwise they are clusters of whole
organisations of similar headcount. Pure functions over the scenario, no solving.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.domain import Opportunity, Policy, Scenario
from planner.eligibility import region_key

# Without regions, a scenario is cut into this many organisation clusters unless told otherwise.
DEFAULT_ORGANISATION_CLUSTERS = 4
NO_REGION = "(no region)"


@dataclass(frozen=True)
class Part:
    """One part: positions (in the whole scenario's lists, in their order) of its teams, their
    people and the opportunities they host."""

    name: str
    teams: np.ndarray
    people: np.ndarray
    opportunities: np.ndarray


def teams_name_regions(scenario: Scenario) -> bool:
    """Parts follow regions when at least one team names its region."""
    return any(t.region for t in scenario.teams)


def balanced_groups(weights: dict[str, int], groups: int) -> list[list[str]]:
    """Units (regions or organisations, kept whole) in at most `groups` groups of similar total
    weight: the heaviest unit first into the lightest group so far. Empty groups are dropped;
    the result does not depend on the order of `weights`."""
    totals = [0] * max(1, groups)
    members: list[list[str]] = [[] for _ in totals]
    for unit in sorted(weights, key=lambda u: (-weights[u], u)):
        lightest = min(range(len(totals)), key=lambda g: (totals[g], g))
        totals[lightest] += weights[unit]
        members[lightest].append(unit)
    return [sorted(m) for m in members if m]


def split_scenario(scenario: Scenario, parts: int | None = None) -> list[Part]:
    """The parts of a scenario: one per region when teams name regions (teams without one
    together in a part of their own), regions grouped by headcount when `parts` is smaller than
    their number; else `parts` (default DEFAULT_ORGANISATION_CLUSTERS) clusters of whole
    organisations of similar headcount."""
    headcount = scenario.headcount_by_team
    if teams_name_regions(scenario):
        # regions compared as rule 5 compares them; a part is named by the first spelling met
        spelling: dict[str, str] = {}
        for t in scenario.teams:
            spelling.setdefault(region_key(t.region), t.region)
        unit_of_team = {t.team_id: spelling[region_key(t.region)] or NO_REGION for t in scenario.teams}
        wanted = parts or len(set(unit_of_team.values()))
    else:
        unit_of_team = {t.team_id: t.organisation for t in scenario.teams}
        wanted = parts or DEFAULT_ORGANISATION_CLUSTERS
    weights: dict[str, int] = {}
    for team_id, unit in unit_of_team.items():
        weights[unit] = weights.get(unit, 0) + headcount[team_id]
    groups = balanced_groups(weights, wanted)
    group_of_unit = {unit: g for g, units in enumerate(groups) for unit in units}
    team_group = np.array([group_of_unit[unit_of_team[t.team_id]] for t in scenario.teams], dtype=np.int64)
    team_index = {t.team_id: i for i, t in enumerate(scenario.teams)}
    person_group = team_group[[team_index[p.team_id] for p in scenario.people]] if scenario.people else \
        np.zeros(0, np.int64)
    opp_group = team_group[[team_index[o.host_team_id] for o in scenario.opportunities]] if scenario.opportunities \
        else np.zeros(0, np.int64)
    return [Part(name=" + ".join(units), teams=np.flatnonzero(team_group == g),
                 people=np.flatnonzero(person_group == g), opportunities=np.flatnonzero(opp_group == g))
            for g, units in enumerate(groups)]


def part_of_people(scenario: Scenario, parts: list[Part]) -> np.ndarray:
    """Per person of the scenario: the index of their part."""
    out = np.full(len(scenario.people), -1, dtype=np.int64)
    for i, part in enumerate(parts):
        out[part.people] = i
    return out


def part_of_opportunities(scenario: Scenario, parts: list[Part]) -> np.ndarray:
    """Per opportunity of the scenario: the index of the part whose team hosts it."""
    out = np.full(len(scenario.opportunities), -1, dtype=np.int64)
    for i, part in enumerate(parts):
        out[part.opportunities] = i
    return out


def pins_across_parts(scenario: Scenario, policy: Policy, parts: list[Part]) -> list[str]:
    """Pinned or forbidden placements whose person and opportunity are in different parts (no
    part can keep such a rule alone). Named by kind and position, never by person."""
    person_part = dict(zip((p.person_id for p in scenario.people), part_of_people(scenario, parts).tolist()))
    opp_part = dict(zip((o.opportunity_id for o in scenario.opportunities),
                        part_of_opportunities(scenario, parts).tolist()))
    return [f"{kind} placement {j + 1}"
            for kind, pairs in (("pinned", policy.pinned), ("forbidden", policy.forbidden))
            for j, pair in enumerate(pairs) if person_part[pair.person_id] != opp_part[pair.opportunity_id]]


def part_scenario(scenario: Scenario, part: Part, policy: Policy) -> Scenario:
    """The scenario of one part: its teams, people and opportunities, and the policy's pins,
    forbids and commitments that concern them.

    Scores of the part's pairs are the whole scenario's: a host team's make-up is whole (teams
    are never cut), and an opportunity of another part that a person ranked stays in the part
    as a stand-in with no places, so every ranking keeps its position."""
    teams = tuple(scenario.teams[i] for i in part.teams)
    people = tuple(scenario.people[i] for i in part.people)
    opps = tuple(scenario.opportunities[i] for i in part.opportunities)
    own = {o.opportunity_id for o in opps}
    ranked_elsewhere = sorted({o for p in people for o in p.preferences} - own)
    host = teams[0].team_id if teams else None
    stand_ins = tuple(_stand_in(scenario.opportunity_by_id[o], host) for o in ranked_elsewhere)
    person_ids = {p.person_id for p in people}
    part_policy = policy.model_copy(update={
        "pinned": tuple(x for x in policy.pinned if x.person_id in person_ids and x.opportunity_id in own),
        "forbidden": tuple(x for x in policy.forbidden if x.person_id in person_ids and x.opportunity_id in own),
        "commitments": tuple(c for c in policy.commitments if c.person_id in person_ids),
    })
    team_ids = {t.team_id for t in teams}
    return Scenario(skills=scenario.skills, teams=teams, people=people, opportunities=opps + stand_ins,
                    demand=tuple(d for d in scenario.demand if d.team_id in team_ids), policy=part_policy,
                    monitoring={pid: v for pid, v in scenario.monitoring.items() if pid in person_ids})


def _stand_in(opportunity: Opportunity, host_team_id: str) -> Opportunity:
    """An opportunity of another part, kept by id only so rankings keep their positions: no
    places, so nobody of this part is matched to it here."""
    return opportunity.model_copy(update={"host_team_id": host_team_id, "capacity": 0})
