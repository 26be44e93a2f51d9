"""Why each placement was made, and why each person who wanted a move got none, in plain words.

Placements: the score broken down by objective term (`objective.TERMS`).
People left out (those who ranked at least one opportunity): the main reason, checked in this
order: not available; eligible for none of their preferences (with the eligibility reasons);
HR forbade the pairs they were eligible for; their team's release limit was used up; a critical
skill their team must keep; the places they were eligible for were taken by people who scored
higher; otherwise a plan-wide rule (fairness floor, cross-organisation cap) or a better overall
plan.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimiser.model_data import ModelData, critical_holders_away
from optimiser.objective import TERMS, breakdown_words
from optimiser.rules import away_by_team as away_on_assignments
from planner.domain import Placement
from planner.eligibility import eligibility_reasons


def explain_placements(data: ModelData, pair: np.ndarray, period: np.ndarray) -> list[Placement]:
    """One `Placement` per chosen (pair, period), with its score breakdown."""
    if len(pair) == 0:
        return []
    weights = data.policy.weights
    columns = ["person", "opp", "score", "rank"] + [term.key for term in TERMS]
    records = data.pairs.iloc[pair][columns].to_dict("records")
    person_ids, opp_ids = data.arrays.person_ids, data.arrays.opp_ids
    out = []
    for row, t in zip(records, period.tolist()):
        out.append(Placement(
            person_id=str(person_ids[int(row["person"])]), opportunity_id=str(opp_ids[int(row["opp"])]),
            period=int(t), score=round(float(row["score"]), 4), explanation=breakdown_words(row, weights),
            breakdown={term.key: round(getattr(weights, term.key) * float(row[term.key]), 4) for term in TERMS},
        ))
    out.sort(key=lambda p: (p.period, p.person_id))
    return out


def unplaced_reasons(data: ModelData, pair: np.ndarray, period: np.ndarray) -> dict[str, str]:
    """person_id -> main reason, for every person with preferences who got no placement."""
    arrays = data.arrays
    s = data.scenario
    prefs = arrays.preferences
    if prefs.empty:
        return {}
    placed_people = set(data.pairs["person"].to_numpy()[pair].tolist())
    wanting = sorted(set(prefs["person"].tolist()) - placed_people)
    if not wanting:
        return {}
    k = data.periods
    chosen_person = data.pairs["person"].to_numpy()[pair]
    chosen_opp = data.pairs["opp"].to_numpy()[pair]
    used_by_opp = np.zeros((k, arrays.n_opps), dtype=np.int64)
    np.add.at(used_by_opp, (period - 1, chosen_opp), 1)
    away_by_team = np.zeros((k, len(arrays.team_ids)), dtype=np.int64)
    np.add.at(away_by_team, (period - 1, arrays.person_team[chosen_person]), 1)
    away_by_team += away_on_assignments(data).T  # colleagues already away count against the limit
    forbidden = set(data.forbidden_positions)
    needed_for = _needed_for_critical_skill(data, chosen_person, period)
    ranked: dict[int, list[int]] = {}
    for p, o in zip(prefs["person"].tolist(), prefs["opp"].tolist()):  # already in rank order
        ranked.setdefault(p, []).append(o)
    reasons: dict[str, str] = {}
    for p in wanting:
        person = s.people[p]
        pid = person.person_id
        if not person.available:
            reasons[pid] = "not available for a move in this plan"
            continue
        if data.person_away[p].all():
            reasons[pid] = "away on an assignment already decided, for the whole of this plan"
            continue
        wanted = ranked.get(p, [])
        eligible = [o for o in wanted if (p, o) in data.pair_index]
        if not eligible:
            first = s.opportunities[wanted[0]]
            why = eligibility_reasons(person, first, s, data.policy.stretch_levels, subject="this person")
            detail = "; ".join(why) if why else "the opportunity has no places"
            more = f" (and {len(wanted) - 1} more preference(s) ruled out too)" if len(wanted) > 1 else ""
            reasons[pid] = (f"eligible for none of their preferences: for first choice "
                            f"{first.opportunity_id}, {detail}{more}")
            continue
        open_ = [o for o in eligible if (p, o) not in forbidden]
        if not open_:
            reasons[pid] = "HR forbade every preferred placement this person was eligible for"
            continue
        open_ = [o for o in open_ if data.opp_offered[o].any()]
        if not open_:
            reasons[pid] = ("the dates of the opportunities they could take (start..end) fall outside "
                            "this plan's periods")
            continue
        team = arrays.person_team[p]
        if (away_by_team[:, team] >= arrays.team_allowance[team]).all():
            reasons[pid] = (f"their team's release limit: team {data.team_id(team)} may release "
                            f"{int(arrays.team_allowance[team])} of {int(arrays.team_headcount[team])} at once, "
                            f"and those places went to colleagues")
            continue
        if p in needed_for:
            reasons[pid] = needed_for[p]
            continue
        full = [o for o in open_ if (used_by_opp[:, o] >= arrays.opp_capacity[o]).all()]
        if len(full) == len(open_):
            names = ", ".join(data.opp_id(o) for o in full[:3])
            reasons[pid] = f"places taken: every place on {names} went to people with higher scores"
            continue
        reasons[pid] = _plan_wide_reason(data)
    return reasons


def _needed_for_critical_skill(data: ModelData, chosen_person: np.ndarray, period: np.ndarray) -> dict[int, str]:
    """person -> reason, for holders of a critical skill whose team can spare no more of them."""
    arrays = data.arrays
    crit = data.critical_table
    out: dict[int, str] = {}
    if crit is None or crit.empty:
        return out
    already_away = critical_holders_away(data)  # holders away on a decided assignment count too
    for c, r in enumerate(crit.itertuples()):
        if r.skill < 0:
            continue
        holds = (arrays.person_team == r.team) & (arrays.skills[:, r.skill] >= r.level)
        members = np.flatnonzero(holds)
        if len(members) == 0:
            continue
        away = holds[chosen_person]
        per_period = np.bincount(period[away] - 1, minlength=data.periods) + already_away[c]
        if (per_period >= r.may_leave).all():
            text = (f"critical skill kept: team {data.team_id(r.team)} must keep {r.count} people with "
                    f"{r.skill_id} at level {r.level}+, and this person is needed for that")
            for p in members.tolist():
                out.setdefault(p, text)
    return out


def _plan_wide_reason(data: ModelData) -> str:
    policy = data.policy
    rules = []
    if policy.fairness.min_share > 0 and policy.fairness.bands:
        rules.append("the fairness floor by grade band")
    if policy.max_cross_organisation is not None:
        rules.append(f"the cap of {policy.max_cross_organisation} moves across organisations")
    if policy.equality.attribute and policy.equality.min_ratio > 0:
        # Names the rule only: which group anyone is in is never said outside HR's report.
        rules.append("equal placement rates across monitored groups")
    if policy.stable:
        rules.append("preference stability")
    if rules:
        return "a plan-wide rule: " + " or ".join(rules) + " left no room within the other limits"
    return "a better overall plan: their places went to placements with a higher total score"


def placements_frame(placements) -> pd.DataFrame:
    """Placements as a table (person_id, opportunity_id, period, score, explanation)."""
    return pd.DataFrame([p.model_dump(include={"person_id", "opportunity_id", "period", "score", "explanation"})
                         for p in placements], columns=["person_id", "opportunity_id", "period", "score", "explanation"])
