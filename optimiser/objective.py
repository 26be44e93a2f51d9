"""What makes one placement better than another: the matching objective, term by term.

The plan maximises a weighted sum over its placements. Each term is a number from 0 to 1 per
(person, opportunity) pair, computed for all candidate pairs at once with array operations;
weights come from `policy.json` (`weights`), defaults in `planner.domain.Weights`.

`TERMS` is the list the explanations, the web pages and the tests read.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from optimiser.candidates import ScenarioArrays
from planner.domain import Weights

# Scores are scaled to integers for CP-SAT: one point = 1/SCALE of a weighted term.
SCALE = 100


@dataclass(frozen=True)
class Term:
    key: str  # the field of `Weights`
    name: str  # plain words
    meaning: str  # what 1.0 means, for explanations and the README


TERMS: tuple[Term, ...] = (
    Term("skill_fit", "skill fit",
         "share of the required skill levels the person already holds (1 = meets every requirement; "
         "below 1 only when stretch is allowed)"),
    Term("development", "development value",
         "share of the person's aspiration gap (levels they want to reach, summed over skills) that the "
         "opportunity's development skills close"),
    Term("preference", "preference",
         "1 for the person's first choice, 1/2 for the second, 1/3 for the third...; 0 if not on their list"),
    Term("network", "network value",
         "the move links parts of the organisation that are not yet connected through this person: "
         "0.5 for another organisation, 0.3 for another profession, 0.2 for another service"),
    Term("diversity", "diversity added",
         "share of the receiving team whose profession differs from the person's (cognitive diversity)"),
)


def skill_fit(arrays: ScenarioArrays, person: np.ndarray, opp: np.ndarray) -> np.ndarray:
    """Share of required levels held: mean over required skills of min(1, held / required)."""
    total = np.zeros(len(person))
    count = np.zeros(len(person))
    for slot in range(arrays.req_skill.shape[1]):
        need = arrays.req_level[opp, slot].astype(np.float64)
        have = arrays.skills[person, arrays.req_skill[opp, slot]].astype(np.float64)
        used = need > 0
        total += np.where(used, np.minimum(1.0, have / np.maximum(need, 1.0)), 0.0)
        count += used
    return np.where(count > 0, total / np.maximum(count, 1.0), 1.0)


def development_value(arrays: ScenarioArrays, person: np.ndarray, opp: np.ndarray) -> np.ndarray:
    """Share of the person's aspiration gap closed by the opportunity's development skills."""
    # Only the people in this call: scoring runs block by block of people at scale.
    people, local = np.unique(person, return_inverse=True)
    gap_per_skill = np.maximum(0, arrays.aspirations[people].astype(np.int16) - arrays.skills[people].astype(np.int16))
    person_gap = gap_per_skill.sum(axis=1)
    closed = np.zeros(len(person))
    for slot in range(arrays.dev_skill.shape[1]):
        skill = arrays.dev_skill[opp, slot]
        reach = arrays.dev_level[opp, slot].astype(np.int16)
        wanted = arrays.aspirations[person, skill].astype(np.int16)
        held = arrays.skills[person, skill].astype(np.int16)
        closed += np.maximum(0, np.minimum(reach, wanted) - held)
    gap = person_gap[local.ravel()]
    return np.where(gap > 0, closed / np.maximum(gap, 1), 0.0)


def preference_value(arrays: ScenarioArrays, person: np.ndarray, opp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(value, rank): 1/rank for ranked opportunities, 0 and rank 0 otherwise."""
    n_opps = max(arrays.n_opps, 1)
    keys = person.astype(np.int64) * n_opps + opp
    prefs = arrays.preferences
    rank = np.zeros(len(keys), dtype=np.int32)
    if len(prefs) and len(keys):
        pref_keys = prefs["person"].to_numpy(np.int64) * n_opps + prefs["opp"].to_numpy(np.int64)
        order = np.argsort(keys, kind="stable")
        at = np.searchsorted(keys[order], pref_keys).clip(0, len(keys) - 1)
        hit = keys[order][at] == pref_keys
        rank[order[at[hit]]] = prefs["rank"].to_numpy()[hit]
    return np.where(rank > 0, 1.0 / np.maximum(rank, 1), 0.0), rank


def network_value(arrays: ScenarioArrays, person: np.ndarray, opp: np.ndarray) -> np.ndarray:
    """0.5 across organisations + 0.3 across professions + 0.2 across services."""
    other_org = arrays.person_org[person] != arrays.opp_org[opp]
    other_prof = (arrays.opp_profession[opp] >= 0) & (arrays.opp_profession[opp] != arrays.person_profession[person])
    other_service = arrays.person_service[person] != arrays.opp_service[opp]
    return 0.5 * other_org + 0.3 * other_prof + 0.2 * other_service


def diversity_added(arrays: ScenarioArrays, person: np.ndarray, opp: np.ndarray) -> np.ndarray:
    """Share of the host team whose profession is not the person's."""
    n_prof = max(len(arrays.professions), 1)
    team_prof = np.zeros((len(arrays.team_ids), n_prof), dtype=np.int64)
    np.add.at(team_prof, (arrays.person_team, arrays.person_profession), 1)
    host = arrays.opp_team[opp]
    same = team_prof[host, arrays.person_profession[person]]
    size = arrays.team_headcount[host]
    return np.where(size > 0, 1.0 - same / np.maximum(size, 1), 1.0)


def score_pairs(arrays: ScenarioArrays, pairs: pd.DataFrame, weights: Weights) -> pd.DataFrame:
    """Add one column per term, `rank`, `score` (weighted sum) and `points` (integer objective)."""
    person = pairs["person"].to_numpy()
    opp = pairs["opp"].to_numpy()
    out = pairs.copy()
    out["skill_fit"] = skill_fit(arrays, person, opp)
    out["development"] = development_value(arrays, person, opp)
    out["preference"], out["rank"] = preference_value(arrays, person, opp)
    out["network"] = network_value(arrays, person, opp)
    out["diversity"] = diversity_added(arrays, person, opp)
    score = np.zeros(len(out))
    for term in TERMS:
        score += getattr(weights, term.key) * out[term.key].to_numpy()
    out["score"] = score
    # Every placement is worth at least one point, so the plan never leaves a wanted place empty
    # for nothing.
    out["points"] = np.maximum(1, np.rint(score * SCALE)).astype(np.int64)
    return out


def breakdown_words(row, weights: Weights) -> str:
    """One placement's score in plain words, largest contribution first."""
    parts = []
    for term in TERMS:
        value = float(row[term.key])
        contribution = getattr(weights, term.key) * value
        if term.key == "preference" and int(row["rank"]) > 0:
            label = f"preference (choice {int(row['rank'])})"
        else:
            label = term.name
        parts.append((contribution, f"{label} {value:.2f} x {getattr(weights, term.key):g} = {contribution:.2f}"))
    parts.sort(key=lambda p: -p[0])
    return f"score {float(row['score']):.2f}: " + "; ".join(text for _, text in parts)
