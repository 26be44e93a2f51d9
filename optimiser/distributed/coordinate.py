"""The coordinating pass: after the parts are planned, the moves across parts (remote
opportunities of other parts, places left over), planned by the single-process solver on a
scenario of what is left.

Some of the parts' placements are reopened first (`reopened`): those on opportunities open
across parts, and in teams whose release limit is used up, those worth less than a move across
parts one of the team's unplaced people could make. The pass's plan replaces the reopened
placements only if it is worth more than they were, so it never makes the plan worse.

The pass runs period by period. The scenario of what is left in a period (after the placements
kept and those the pass made in earlier periods) is the whole scenario, one period long, with:
- only the chosen people open to a move (everyone else stays in, unavailable: teams keep their
  make-up, so every score is the whole scenario's, and their commitments still count);
- each opportunity's places: those still free in that period;
- each team's release limit: what is left in that period (allowance minus those released),
  written as a share of its whole headcount with no `min_staff` (the rule takes the stricter of
  the two, and the allowance already holds both);
- each critical skill: the holders that may still leave in that period, written as the count the
  team must keep among all its holders;
- the opportunities a mover has in other periods forbidden to them (nobody repeats one).

So any plan of what is left, added to the plans so far, keeps every rule of the whole scenario in
every period.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from optimiser.candidates import scenario_arrays
from optimiser.objective import SCALE, score_pairs
from planner.domain import CriticalSkill, PersonOpportunity, Placement, Policy, Scenario, Team
from planner.rotation_calendar import period_dates
from planner.staffing import critical_skill_may_leave, release_allowance


def _most_per_period(counts: Counter) -> dict:
    """key -> the largest count over the periods, from a Counter keyed by (key, period)."""
    out: dict = {}
    for (key, _period), n in counts.items():
        out[key] = max(out.get(key, 0), n)
    return out


def places_left(scenario: Scenario, placements: list[Placement]) -> dict[str, int]:
    """Opportunity -> places free in every period after `placements`."""
    used = _most_per_period(Counter((p.opportunity_id, p.period) for p in placements))
    return {o.opportunity_id: max(0, o.capacity - used.get(o.opportunity_id, 0)) for o in scenario.opportunities}


def release_left(team: Team, headcount: int, released: int) -> Team:
    """The team with its release limit cut to what is left after `released` people went in
    the period that released most: floor(share x headcount) is exactly that, no min_staff."""
    left = max(0, release_allowance(team, headcount) - released)
    share = 1.0 if left >= headcount else (left + 0.5) / max(headcount, 1)
    return team.model_copy(update={"max_release_share": share, "min_staff": None})


def critical_left(critical: CriticalSkill, holders: int, left_already: int) -> CriticalSkill | None:
    """The critical skill with the count the team must keep raised so that only the holders who
    may still leave can (None: every holder may leave, nothing to keep)."""
    may_leave = int(critical_skill_may_leave(holders, critical.count)) - left_already
    keep = holders - max(0, may_leave)
    return critical.model_copy(update={"count": keep}) if keep >= 1 else None


def what_is_left(scenario: Scenario, policy: Policy, placements: list[Placement], movers: set[str],
                 period: int) -> Scenario:
    """The scenario of period `period` (one period) after `placements` (see the module
    docstring), with only the people in `movers` open to a move; a mover may not take again an
    opportunity they have in another period (nobody repeats an opportunity)."""
    person_by_id = scenario.person_by_id
    team_of = {p.person_id: p.team_id for p in scenario.people}
    now = [p for p in placements if p.period == period]
    released = Counter(team_of[p.person_id] for p in now)
    left_by_skill = Counter()
    for p in now:
        person = person_by_id[p.person_id]
        for c in scenario.team_by_id[person.team_id].critical_skills:
            if person.skills.get(c.skill, 0) >= c.level:
                left_by_skill[(person.team_id, c.skill, c.level)] += 1
    headcount = scenario.headcount_by_team
    guarded = {t.team_id for t in scenario.teams if t.critical_skills}
    members_of: dict[str, list] = {}
    for p in scenario.people:
        if p.team_id in guarded:
            members_of.setdefault(p.team_id, []).append(p)
    teams = []
    for team in scenario.teams:
        members = members_of.get(team.team_id, [])
        kept = []
        for c in team.critical_skills:
            holders = sum(1 for m in members if m.skills.get(c.skill, 0) >= c.level)
            adjusted = critical_left(c, holders, left_by_skill.get((team.team_id, c.skill, c.level), 0))
            if adjusted is not None:
                kept.append(adjusted)
        cut = release_left(team, headcount[team.team_id], released.get(team.team_id, 0))
        teams.append(cut.model_copy(update={"critical_skills": tuple(kept)}))
    free = places_left(scenario, now)
    people = tuple(p if (p.person_id in movers) == p.available else p.model_copy(update={"available": False})
                   for p in scenario.people)
    opportunities = tuple(o if free[o.opportunity_id] == o.capacity
                          else o.model_copy(update={"capacity": free[o.opportunity_id]})
                          for o in scenario.opportunities)
    repeats = tuple(PersonOpportunity(person_id=p.person_id, opportunity_id=p.opportunity_id)
                    for p in placements if p.period != period and p.person_id in movers)
    windows = period_dates(policy)
    left_policy = policy.model_copy(update={
        "pinned": (), "periods": 1, "forbidden": policy.forbidden + repeats,
        "start": windows[period - 1][0] if windows else None})
    return scenario.model_copy(update={"teams": tuple(teams), "people": people, "opportunities": opportunities,
                                       "policy": left_policy})


def reopened(scenario: Scenario, policy: Policy, placements: list[Placement], cross: tuple[np.ndarray, ...]
             ) -> tuple[list[Placement], list[Placement]]:
    """(kept, reopened), `cross` being the cross pairs' (person, opportunity, points). Reopened,
    in all their periods:
    - the placements on an opportunity open across parts, so the coordinating pass can weigh
      the parts' people against people of other parts for those places;
    - in a team whose release limit the parts used up, the placements worth less than a pair
      across parts of one of its people still unplaced, the least first, one per such person:
      the limit may be better spent on that move.
    Pinned placements are never reopened."""
    cross_person, cross_opp, cross_points = cross
    open_across = {scenario.opportunities[o].opportunity_id for o in np.unique(cross_opp).tolist()}
    pinned = {x.person_id for x in policy.pinned}
    placed = {p.person_id for p in placements}
    team_of = {p.person_id: p.team_id for p in scenario.people}
    waiting: dict[str, dict[str, float]] = {}  # team -> unplaced person -> best cross pair points
    for i, points in zip(cross_person.tolist(), cross_points.tolist()):
        pid = scenario.people[i].person_id
        if pid not in placed:
            best = waiting.setdefault(team_of[pid], {})
            best[pid] = max(best.get(pid, 0), points)
    released = _most_per_period(Counter((team_of[p.person_id], p.period) for p in placements))
    headcount = scenario.headcount_by_team
    by_team: dict[str, list[Placement]] = {}
    for p in placements:
        if team_of[p.person_id] in waiting and p.person_id not in pinned:
            by_team.setdefault(team_of[p.person_id], []).append(p)
    freed = {p.person_id for p in placements if p.opportunity_id in open_across}
    for team_id, team_placements in by_team.items():
        if released.get(team_id, 0) < release_allowance(scenario.team_by_id[team_id], headcount[team_id]):
            continue  # the team can still release its waiting people: nothing to reopen
        offers = sorted(waiting[team_id].values(), reverse=True)
        for offer, placement in zip(offers, sorted(team_placements, key=lambda p: p.score)):
            if offer > placement.score * SCALE:
                freed.add(placement.person_id)
    freed -= pinned
    return ([p for p in placements if p.person_id not in freed], [p for p in placements if p.person_id in freed])


def placement_points(scenario: Scenario, policy: Policy, placements: list[Placement]) -> float:
    """The objective points of some placements, scored as the whole scenario scores them."""
    if not placements:
        return 0.0
    arrays = scenario_arrays(scenario)
    person_at = {pid: i for i, pid in enumerate(arrays.person_ids)}
    opp_at = {oid: i for i, oid in enumerate(arrays.opp_ids)}
    pairs = pd.DataFrame({"person": [person_at[p.person_id] for p in placements],
                          "opp": [opp_at[p.opportunity_id] for p in placements]})
    return float(score_pairs(arrays, pairs, policy.weights)["points"].sum())


def movers(scenario: Scenario, placements: list[Placement], cross: tuple[np.ndarray, ...],
           free: dict[str, int], per_place: int | None = None) -> set[str]:
    """Who the coordinating pass may move: people placed in no period of `placements` with a
    pair across parts on an opportunity with places left (`cross`: the cross pairs' person,
    opportunity and points); with `per_place`, only each such opportunity's best `per_place`
    candidates per place by points, so the pass stays small however many people could move."""
    cross_person, cross_opp, cross_points = cross
    if not len(cross_opp):
        return set()
    placed = {p.person_id for p in placements}
    places = np.array([free[o.opportunity_id] for o in scenario.opportunities], dtype=np.int64)
    waiting = np.array([p.person_id not in placed for p in scenario.people], dtype=bool)
    useful = (places[cross_opp] > 0) & waiting[cross_person]
    person, opp, points = cross_person[useful], cross_opp[useful], cross_points[useful]
    if per_place is None:
        return {scenario.people[i].person_id for i in np.unique(person).tolist()}
    order = np.lexsort((-points, opp))
    rank = np.arange(len(order)) - np.searchsorted(opp[order], opp[order], side="left")
    best = order[rank < per_place * places[opp[order]]]
    return {scenario.people[i].person_id for i in np.unique(person[best]).tolist()}

