"""Who could take what: the eligible (person, opportunity) pairs of a scenario, found with array
operations, never with a Python loop over every person and every opportunity.

The contract's eligibility rules 1-5 (`docs/scenario-format.md`, section Eligibility) decide the
pairs; the optimiser creates variables for these pairs only. The rules themselves live once, in
`planner.eligibility` (`eligibility_mask`, beside their plain-words reasons); this module only
feeds them arrays, a block of people at a time.

`ScenarioArrays` turns the typed scenario into numpy arrays once (skills as a people x skills
matrix of levels, requirements padded to a fixed number of slots per opportunity); everything
downstream (scores, rules, greedy plan, explanations) reads these arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.domain import Policy, Scenario
from planner.eligibility import (
    OPEN_GRADE,
    OpportunityArrays,
    PeopleArrays,
    eligibility_mask,
    padded_levels,
    region_codes,
    within_own_region_mask,
)
from planner.staffing import release_allowance

# Opportunity blocks are sized so one block's mask (opportunities x people) stays near this many
# cells: large enough for numpy to be efficient, small enough to keep memory flat on large scenarios.
_BLOCK_CELLS = 4_000_000


@dataclass
class ScenarioArrays:
    """The scenario as arrays, indexed by position in `scenario.people` / `.opportunities` / `.teams`."""

    person_ids: np.ndarray
    opp_ids: np.ndarray
    team_ids: np.ndarray
    skill_ids: list[str]
    # people
    person_team: np.ndarray
    person_grade: np.ndarray
    person_available: np.ndarray
    person_must_practise: np.ndarray
    person_profession: np.ndarray  # codes into `professions`
    person_org: np.ndarray  # codes into `organisations`
    person_service: np.ndarray
    skills: np.ndarray  # people x skills, level 0 = not held
    aspirations: np.ndarray  # people x skills, 0 = no aspiration
    # opportunities
    opp_team: np.ndarray
    opp_org: np.ndarray
    opp_service: np.ndarray
    opp_capacity: np.ndarray
    opp_fte: np.ndarray
    opp_profession: np.ndarray  # -1 when the opportunity names no profession
    opp_grade_min: np.ndarray
    opp_grade_max: np.ndarray
    req_skill: np.ndarray  # opportunities x slots: skill index (0 in unused slots)
    req_level: np.ndarray  # opportunities x slots: required level (0 in unused slots)
    dev_skill: np.ndarray
    dev_level: np.ndarray
    opp_remote: np.ndarray  # bool: open to people of every region (eligibility rule 5)
    # teams
    team_headcount: np.ndarray
    team_allowance: np.ndarray
    team_org: np.ndarray
    team_region: np.ndarray  # region codes (`planner.eligibility.region_codes`)
    professions: list[str]
    organisations: list[str]
    preferences: pd.DataFrame  # person, opp, rank (1 = first choice)

    @property
    def n_people(self) -> int:
        return len(self.person_ids)

    @property
    def n_opps(self) -> int:
        return len(self.opp_ids)

    def eligibility_people(self, people: np.ndarray) -> PeopleArrays:
        """What the eligibility rules read about the people at positions `people`."""
        return PeopleArrays(
            available=self.person_available[people], team=self.person_team[people],
            grade=self.person_grade[people], must_practise=self.person_must_practise[people],
            profession=self.person_profession[people], skills=self.skills[people],
            region=self.team_region[self.person_team[people]],
        )

    def eligibility_opportunities(self) -> OpportunityArrays:
        """What the eligibility rules read about every opportunity."""
        return OpportunityArrays(
            host_team=self.opp_team, grade_min=self.opp_grade_min, grade_max=self.opp_grade_max,
            fte=self.opp_fte, profession=self.opp_profession,
            required_skill=self.req_skill, required_level=self.req_level,
            host_region=self.team_region[self.opp_team], remote=self.opp_remote,
        )


def _codes(values, vocabulary: dict[str, int]) -> np.ndarray:
    out = np.empty(len(values), dtype=np.int32)
    for i, v in enumerate(values):
        out[i] = vocabulary.setdefault(v, len(vocabulary))
    return out


def scenario_arrays(scenario: Scenario) -> ScenarioArrays:
    """Convert the scenario once; cost is linear in the size of the input files."""
    # Keyed by the identity of the collections: a model_copy that swaps people or opportunities
    # shares the private cache, and must not reuse arrays built for the old ones.
    key = ("optimiser.arrays", id(scenario.people), id(scenario.opportunities), id(scenario.teams))
    cached = scenario._lookup_cache.get(key)
    if cached is not None and cached[0] is scenario.people and cached[1] is scenario.opportunities:
        return cached[2]
    skill_ids = sorted(scenario.skill_ids())
    skill_index = {s: i for i, s in enumerate(skill_ids)}
    teams = scenario.teams
    team_index = {t.team_id: i for i, t in enumerate(teams)}
    people = scenario.people
    opps = scenario.opportunities
    professions: dict[str, int] = {}
    organisations: dict[str, int] = {}
    services: dict[str, int] = {}

    team_org = _codes([t.organisation for t in teams], organisations)
    team_service = _codes([t.service for t in teams], services)
    person_team = np.fromiter((team_index[p.team_id] for p in people), dtype=np.int32, count=len(people))
    n_skills = max(len(skill_ids), 1)
    skills = np.zeros((len(people), n_skills), dtype=np.int8)
    aspirations = np.zeros((len(people), n_skills), dtype=np.int8)
    for table, field in ((skills, "skills"), (aspirations, "aspirations")):
        entries = [(i, skill_index[s], lv) for i, p in enumerate(people) for s, lv in getattr(p, field).items()]
        if entries:
            rows, cols, levels = (np.array(x) for x in zip(*entries))
            table[rows, cols] = levels
    person_profession = _codes([p.profession for p in people], professions)
    opp_profession = np.array(
        [professions.setdefault(o.profession, len(professions)) if o.profession else -1 for o in opps],
        dtype=np.int32,
    )
    opp_team = np.fromiter((team_index[o.host_team_id] for o in opps), dtype=np.int32, count=len(opps))
    req_skill, req_level = padded_levels([o.required_skills for o in opps], skill_index)
    dev_skill, dev_level = padded_levels([o.development_skills for o in opps], skill_index)
    headcount = np.bincount(person_team, minlength=len(teams)).astype(np.int64)
    opp_index = {o.opportunity_id: i for i, o in enumerate(opps)}
    pref_rows = [
        (i, opp_index[o], rank)
        for i, p in enumerate(people)
        for rank, o in enumerate(p.preferences, start=1)
    ]
    preferences = pd.DataFrame(pref_rows, columns=["person", "opp", "rank"]).astype(np.int32)
    arrays = ScenarioArrays(
        person_ids=np.array([p.person_id for p in people], dtype=object),
        opp_ids=np.array([o.opportunity_id for o in opps], dtype=object),
        team_ids=np.array([t.team_id for t in teams], dtype=object),
        skill_ids=skill_ids,
        person_team=person_team,
        person_grade=np.array([p.grade for p in people], dtype=np.int32),
        person_available=np.array([p.available for p in people], dtype=bool),
        person_must_practise=np.array([p.must_practise for p in people], dtype=np.float64),
        person_profession=person_profession,
        person_org=team_org[person_team],
        person_service=team_service[person_team],
        skills=skills,
        aspirations=aspirations,
        opp_team=opp_team,
        opp_org=team_org[opp_team],
        opp_service=team_service[opp_team],
        opp_capacity=np.array([o.capacity for o in opps], dtype=np.int64),
        opp_fte=np.array([o.fte for o in opps], dtype=np.float64),
        opp_profession=opp_profession,
        opp_grade_min=np.array([o.grade_min if o.grade_min is not None else -OPEN_GRADE for o in opps], dtype=np.int64),
        opp_grade_max=np.array([o.grade_max if o.grade_max is not None else OPEN_GRADE for o in opps], dtype=np.int64),
        req_skill=req_skill,
        req_level=req_level,
        dev_skill=dev_skill,
        dev_level=dev_level,
        opp_remote=np.array([o.remote for o in opps], dtype=bool),
        team_headcount=headcount,
        team_allowance=np.array(
            [release_allowance(t, int(headcount[i])) for i, t in enumerate(teams)], dtype=np.int64
        ),
        team_org=team_org,
        team_region=region_codes([t.region for t in teams]),
        professions=list(professions),
        organisations=list(organisations),
        preferences=preferences,
    )
    scenario._lookup_cache[key] = (scenario.people, scenario.opportunities, arrays)
    return arrays


def eligible_pair_blocks(scenario: Scenario, policy: Policy | None = None):
    """Every eligible (person, opportunity) pair, one block of people at a time, so a caller can
    score and keep what it needs without holding every pair at once.

    Yields (person, opp) int32 arrays, positions into the scenario's lists, sorted by person then
    opportunity; all of one person's pairs are in the same block. Forbidden pairs stay in: the
    rule `forbidden pairs` keeps them out of the plan, so explanations can name it."""
    policy = policy or scenario.policy
    arrays = scenario_arrays(scenario)
    yield from pair_blocks(arrays, policy.stretch_levels, np.arange(arrays.n_people), np.arange(arrays.n_opps))


def pair_blocks(arrays: ScenarioArrays, stretch_levels: int, people: np.ndarray, columns: np.ndarray):
    """The eligible pairs of the people at `people` and the opportunities at `columns` (sorted
    positions in the arrays' scenario), as `eligible_pair_blocks` yields them. People not open to
    a move (rule 1) and opportunities with no places are skipped before any mask is built, and so
    is an opportunity that no region of these people may take (rule 5 on whole columns: across
    regions, most of them)."""
    people = people[arrays.person_available[people]]
    columns = columns_open_to(arrays, people, columns[arrays.opp_capacity[columns] > 0])
    if not (len(people) and len(columns)):
        return
    opportunities = arrays.eligibility_opportunities().take(columns)
    block = max(1, _BLOCK_CELLS // len(columns))
    for start in range(0, len(people), block):
        people_block = people[start:start + block]
        mask = eligibility_mask(arrays.eligibility_people(people_block), opportunities, stretch_levels)
        person_rows, opp_columns = np.nonzero(mask)
        if len(person_rows):
            yield people_block[person_rows].astype(np.int32), columns[opp_columns].astype(np.int32)


def columns_open_to(arrays: ScenarioArrays, people: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """The opportunities at `columns` that rule 5 opens to at least one region of the people at
    `people` (all of them when no team names a region)."""
    regions = np.unique(arrays.team_region[arrays.person_team[people]])
    if not len(regions):
        return columns[:0]
    host = arrays.team_region[arrays.opp_team[columns]]
    return columns[within_own_region_mask(regions[:, None], host[None, :], arrays.opp_remote[columns][None, :])
                   .any(axis=0)]


def candidate_pairs(scenario: Scenario, policy: Policy | None = None) -> pd.DataFrame:
    """Every eligible (person, opportunity) pair at once (`eligible_pair_blocks` joined): columns
    `person`, `opp` (int32), sorted by person then opportunity."""
    blocks = list(eligible_pair_blocks(scenario, policy))
    if not blocks:
        return pd.DataFrame({"person": np.zeros(0, np.int32), "opp": np.zeros(0, np.int32)})
    return pd.DataFrame({"person": np.concatenate([p for p, _ in blocks]),
                         "opp": np.concatenate([o for _, o in blocks])})


def eligible_count_by_opportunity(scenario: Scenario, policy: Policy | None = None) -> pd.Series:
    """How many people could take each opportunity (what-if comparisons read this)."""
    pairs = candidate_pairs(scenario, policy)
    arrays = scenario_arrays(scenario)
    counts = np.bincount(pairs["opp"].to_numpy(), minlength=arrays.n_opps)
    return pd.Series(counts, index=arrays.opp_ids, name="eligible_people")


__all__ = ["ScenarioArrays", "scenario_arrays", "candidate_pairs", "eligible_pair_blocks", "pair_blocks", "columns_open_to",
           "eligible_count_by_opportunity", "release_allowance"]

