"""Who could take what: the eligible (person, opportunity) pairs of a scenario, found with array
operations, never with a Python loop over every person and every opportunity.

The contract's eligibility rules 1-4 (`docs/scenario-format.md`, section Eligibility) decide the
pairs; the optimiser creates variables for these pairs only.

`ScenarioArrays` turns the typed scenario into numpy arrays once (skills as a people x skills
matrix of levels, requirements padded to a fixed number of slots per opportunity); everything
downstream (scores, rules, greedy plan, explanations) reads these arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.domain import Policy, Scenario, release_allowance

# Opportunity blocks are sized so one block's mask (opportunities x people) stays near this many
# cells: large enough for numpy to be efficient, small enough to keep memory flat at 50,000 people.
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
    # teams
    team_headcount: np.ndarray
    team_allowance: np.ndarray
    team_org: np.ndarray
    professions: list[str]
    organisations: list[str]
    preferences: pd.DataFrame  # person, opp, rank (1 = first choice)

    @property
    def n_people(self) -> int:
        return len(self.person_ids)

    @property
    def n_opps(self) -> int:
        return len(self.opp_ids)


def _codes(values, vocabulary: dict[str, int]) -> np.ndarray:
    out = np.empty(len(values), dtype=np.int32)
    for i, v in enumerate(values):
        out[i] = vocabulary.setdefault(v, len(vocabulary))
    return out


def _padded(levels_per_item: list[dict[str, int]], skill_index: dict[str, int]):
    """Requirement-like dicts as two (items x slots) arrays: skill index and level (0 = unused)."""
    slots = max((len(d) for d in levels_per_item), default=0) or 1
    skill = np.zeros((len(levels_per_item), slots), dtype=np.int32)
    level = np.zeros((len(levels_per_item), slots), dtype=np.int8)
    for i, d in enumerate(levels_per_item):
        for j, (s, lv) in enumerate(d.items()):
            skill[i, j] = skill_index[s]
            level[i, j] = lv
    return skill, level


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
    req_skill, req_level = _padded([o.required_skills for o in opps], skill_index)
    dev_skill, dev_level = _padded([o.development_skills for o in opps], skill_index)
    headcount = np.bincount(person_team, minlength=len(teams)).astype(np.int64)
    opp_index = {o.opportunity_id: i for i, o in enumerate(opps)}
    pref_rows = [
        (i, opp_index[o], rank)
        for i, p in enumerate(people)
        for rank, o in enumerate(p.preferences, start=1)
    ]
    preferences = pd.DataFrame(pref_rows, columns=["person", "opp", "rank"]).astype(np.int32)
    big = np.iinfo(np.int32).max
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
        opp_grade_min=np.array([o.grade_min if o.grade_min is not None else -big for o in opps], dtype=np.int64),
        opp_grade_max=np.array([o.grade_max if o.grade_max is not None else big for o in opps], dtype=np.int64),
        req_skill=req_skill,
        req_level=req_level,
        dev_skill=dev_skill,
        dev_level=dev_level,
        team_headcount=headcount,
        team_allowance=np.array(
            [release_allowance(t, int(headcount[i])) for i, t in enumerate(teams)], dtype=np.int64
        ),
        team_org=team_org,
        professions=list(professions),
        organisations=list(organisations),
        preferences=preferences,
    )
    scenario._lookup_cache[key] = (scenario.people, scenario.opportunities, arrays)
    return arrays


def _eligible_block(a: ScenarioArrays, people: np.ndarray, stretch: int) -> np.ndarray:
    """Eligibility mask (len(people) x all opportunities) for contract rules 1-4."""
    team = a.person_team[people]
    mask = team[:, None] != a.opp_team[None, :]  # rule 1: not in their own team
    grade = a.person_grade[people][:, None]
    mask &= (a.opp_grade_min[None, :] <= grade) & (a.opp_grade_max[None, :] >= grade)  # rule 3
    # rule 4: must_practise people take only part-time work outside their profession
    practising = a.person_must_practise[people] > 0
    if practising.any():
        fits_time = a.opp_fte[None, :] <= (1.0 - a.person_must_practise[people])[:, None] + 1e-9
        same_profession = a.opp_profession[None, :] == a.person_profession[people][:, None]
        mask &= fits_time | same_profession
    held = a.skills[people]  # people x skills, small: gathers below stay in cache
    for slot in range(a.req_skill.shape[1]):  # rule 2: every required skill, less the stretch
        need = (a.req_level[:, slot].astype(np.int16) - stretch).clip(-1, 5).astype(np.int8)
        need[a.req_level[:, slot] == 0] = -1  # unused slot: always met
        mask &= held[:, a.req_skill[:, slot]] >= need[None, :]
    return mask


def candidate_pairs(scenario: Scenario, policy: Policy | None = None) -> pd.DataFrame:
    """Every eligible (person, opportunity) pair, as positions into the scenario's lists.

    Columns `person`, `opp` (int32), sorted by person then opportunity (people are scanned in
    blocks, so no sort is needed). Forbidden pairs stay in: the rule `forbidden pairs` keeps them
    out of the plan, so explanations can name it.
    """
    policy = policy or scenario.policy
    a = scenario_arrays(scenario)
    people = np.flatnonzero(a.person_available)  # rule 1: only people open to a move
    found_p, found_o = [], []
    open_opps = a.opp_capacity > 0
    if len(people) and a.n_opps and open_opps.any():
        block = max(1, _BLOCK_CELLS // a.n_opps)
        for start in range(0, len(people), block):
            pb = people[start:start + block]
            mask = _eligible_block(a, pb, policy.stretch_levels)
            mask &= open_opps[None, :]
            pi, oi = np.nonzero(mask)
            found_p.append(pb[pi].astype(np.int32))
            found_o.append(oi.astype(np.int32))
    if not found_p:
        return pd.DataFrame({"person": np.zeros(0, np.int32), "opp": np.zeros(0, np.int32)})
    return pd.DataFrame({"person": np.concatenate(found_p), "opp": np.concatenate(found_o)})


def eligible_count_by_opportunity(scenario: Scenario, policy: Policy | None = None) -> pd.Series:
    """How many people could take each opportunity (what-if comparisons read this)."""
    pairs = candidate_pairs(scenario, policy)
    a = scenario_arrays(scenario)
    counts = np.bincount(pairs["opp"].to_numpy(), minlength=a.n_opps)
    return pd.Series(counts, index=a.opp_ids, name="eligible_people")


__all__ = ["ScenarioArrays", "scenario_arrays", "candidate_pairs", "eligible_count_by_opportunity", "release_allowance"]


def eligible_pair_blocks(scenario: Scenario, policy: Policy | None = None):
    """Every eligible (person, opportunity) pair, one block of people at a time, so a caller can
    score and keep what it needs without holding every pair at once.

    Yields (person, opp) int32 arrays sorted by person then opportunity; all of one person's pairs
    are in the same block. The same pairs as `candidate_pairs`, in the same order."""
    policy = policy or scenario.policy
    a = scenario_arrays(scenario)
    people = np.flatnonzero(a.person_available)  # rule 1: only people open to a move
    open_opps = a.opp_capacity > 0
    if not (len(people) and a.n_opps and open_opps.any()):
        return
    block = max(1, _BLOCK_CELLS // a.n_opps)
    for start in range(0, len(people), block):
        pb = people[start:start + block]
        mask = _eligible_block(a, pb, policy.stretch_levels)
        mask &= open_opps[None, :]
        pi, oi = np.nonzero(mask)
        if len(pi):
            yield pb[pi].astype(np.int32), oi.astype(np.int32)
