"""Pathways: where a person's skills can take them, one eligible move at a time.

A pathway is a sequence of up to K opportunities. Each step must be one the person is eligible
for (contract rules 1-4, `planner.eligibility`) with what they hold *at that step*. Three kinds are
shown side by side:

- `networked`: routes across teams, professions and organisations towards the person's
  aspirations or a chosen target (an opportunity, usually a `role`, or `skill:level` goals);
- `developmental`: routes that grow the most skill, aspiration skills first, whatever the grade;
- `ladder`: the traditional route, for comparison: promotions within the person's own profession.

How a pathway changes the person (the search and the replay checker in the tests follow the same
rules, and `apply_step` is the one place they are written down in code):

1. Completing an opportunity raises each of its development skills to at least the level it names
   (a skill already higher stays as it is).
2. A `role` step is a permanent move: the person joins the host team, and their grade becomes the
   role's `grade_max` when it is given (they were within the role's bounds, so this is never a
   demotion); without `grade_max` their grade stays. Any other kind (secondment, project,
   development move, shadowing) leaves them in their home team at their grade.
3. Profession, `must_practise` and availability never change along a pathway.
4. Eligibility at each step uses the skills, grade and team reached so far, and the scenario's
   `policy.stretch_levels`.
5. Every step changes something: it raises a skill, or it is a `role` (a permanent move to
   another team, perhaps at a higher grade: a lateral move can open the old team's
   opportunities), or it is the target. No opportunity is taken twice. Opportunities with no places (capacity 0) are not offered.
6. A `ladder` step is a `role` of the person's own profession whose `grade_max` is above their
   grade at that step. An opportunity's profession is its `profession` column, or, when that is
   blank, the most common profession in its host team (ties: alphabetical first).

`crosses` on a step names what the move crosses, seen from where the person is at that step:
`team` (always: rule 1 forbids one's own team), `profession` (the opportunity's profession, as in
rule 6, differs from the person's) and `organisation` (the host team's employer differs from the
current team's).

Ranking: first how much of the target (when given) or else of the aspirations the route reaches;
then, for `networked`, fewer steps, then the aspirations, then more profession and organisation
crossings; for `developmental`, the aspirations, then more skill growth, then fewer steps; for
`ladder`, the higher grade reached, then fewer steps. The lists are kept diverse: no two pathways of a kind share half their moves, and
no opportunity appears in more than two pathways of a kind.

`aspirations_reached` is the share of the distance from the person's current levels to the
levels they aspire to that the route covers (1.0 when already there; 0.0 when the person has
named no aspirations). `target_reached` is null when no target was asked for.

The search is a beam search over states (skills, grade, team) kept in a networkx DiGraph, so the
fewest-steps route to each reachable state is a `networkx.shortest_path`. What can be shared
between people is built once in `PathwayIndex`: skill matrices of every opportunity (numpy), and a
networkx capability graph (skill levels -> opportunities that need them -> skill levels they
develop) whose ancestors tell which opportunities can ever help towards a goal, and whose in-edges
tell when a goal is out of anyone's reach.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import networkx as nx
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from planner.domain import (
    SKILL_LEVEL_NAMES,
    Opportunity,
    OpportunityKind,
    Person,
    Scenario,
    did_you_mean,
)
from planner.eligibility import (
    OPEN_GRADE,
    Voice,
    eligibility_reasons,
    grade_within_bounds,
    grade_within_bounds_mask,
    not_own_team_mask,
    open_to_a_move_mask,
    padded_levels,
    practice_time_kept,
    practice_time_kept_mask,
    required_skills_held_mask,
)

PathwayKind = Literal["networked", "developmental", "ladder"]
Crossing = Literal["team", "profession", "organisation"]
KINDS: tuple[PathwayKind, ...] = ("networked", "developmental", "ladder")

MAX_STEPS_LIMIT = 6
DEFAULT_PER_KIND = 5
BEAM_WIDTH = 10
MOVES_PER_STATE = 8


# ---------------------------------------------------------------------------------------------
# Results (serialise exactly to the JSON the CLI prints)
# ---------------------------------------------------------------------------------------------


class PathwayStep(BaseModel):
    model_config = ConfigDict(extra="forbid")

    opportunity_id: str
    team_id: str = Field(description="the opportunity's host team")
    crosses: list[Crossing]
    skills_after: dict[str, int] = Field(description="every skill and level held after this step")
    explanation: str = Field(default="", description="what this step gives, in plain words")


class Pathway(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: PathwayKind
    steps: list[PathwayStep]
    aspirations_reached: float = Field(ge=0.0, le=1.0)
    target_reached: bool | None = None


class PathwaysResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: str
    pathways: list[Pathway]
    unreachable: list[str] = Field(default_factory=list, description="what is out of reach, and why")

    def of_kind(self, kind: PathwayKind) -> list[Pathway]:
        return [p for p in self.pathways if p.kind == kind]


class PathwayInputError(ValueError):
    """A request that cannot be answered as asked (unknown person, malformed target)."""


# ---------------------------------------------------------------------------------------------
# Targets
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """What the person is aiming for: one opportunity (usually a role) or skill levels."""

    opportunity_id: str | None = None
    skills: tuple[tuple[str, int], ...] = ()

    def describe(self) -> str:
        if self.opportunity_id is not None:
            return self.opportunity_id
        return ";".join(f"{s}:{lv}" for s, lv in self.skills)


_GOAL = re.compile(r"^\s*([^;:\s][^;:]*?)\s*:\s*(\d+)\s*$")


def parse_target(target: str | Mapping[str, int] | Target | None, scenario: Scenario) -> Target | None:
    """Read `OPP_ID` or `skill:level;skill:level` (or a mapping of skill to level)."""
    if target is None or isinstance(target, Target):
        return target
    if isinstance(target, Mapping):
        items = list(target.items())
    else:
        text = target.strip()
        if not text:
            return None
        if ":" not in text:
            if text not in scenario.opportunity_by_id:
                hint = did_you_mean(text, scenario.opportunity_by_id)
                raise PathwayInputError(
                    f"unknown target opportunity {text!r}" + (f"; {hint}" if hint else "")
                )
            return Target(opportunity_id=text)
        items = []
        for part in filter(None, (p.strip() for p in text.split(";"))):
            match = _GOAL.match(part)
            if not match:
                raise PathwayInputError(
                    f"cannot read target goal {part!r}: write skill:level, e.g. data-analysis:3"
                )
            items.append((match.group(1), int(match.group(2))))
    known = scenario.skill_ids()
    goals: dict[str, int] = {}
    for skill, level in items:
        if not 1 <= int(level) <= 5:
            raise PathwayInputError(f"target level for {skill} must be 1 to 5, not {level}")
        if skill not in known:
            hint = did_you_mean(skill, known)
            raise PathwayInputError(f"unknown skill {skill!r} in target" + (f"; {hint}" if hint else ""))
        goals[skill] = max(goals.get(skill, 0), int(level))
    if not goals:
        return None
    return Target(skills=tuple(sorted(goals.items())))


# ---------------------------------------------------------------------------------------------
# The rules a pathway follows (shared by search and explanation)
# ---------------------------------------------------------------------------------------------


def role_grade_after(opportunity: Opportunity, grade: int) -> int:
    """A `role` sets the person's grade to the role's grade_max when given; nothing else does."""
    if opportunity.kind == OpportunityKind.role and opportunity.grade_max is not None:
        return max(grade, opportunity.grade_max)
    return grade


def team_after(opportunity: Opportunity, team_id: str) -> str:
    """A `role` moves the person into the host team; other kinds keep them in their home team."""
    return opportunity.host_team_id if opportunity.kind == OpportunityKind.role else team_id


def skills_after(opportunity: Opportunity, skills: Mapping[str, int]) -> dict[str, int]:
    """Completing an opportunity raises each development skill to at least the level it names."""
    result = dict(skills)
    for skill, level in opportunity.development_skills.items():
        result[skill] = max(result.get(skill, 0), level)
    return result


def apply_step(
    opportunity: Opportunity, skills: Mapping[str, int], grade: int, team_id: str
) -> tuple[dict[str, int], int, str]:
    """The person's (skills, grade, team) after completing `opportunity`."""
    return (
        skills_after(opportunity, skills),
        role_grade_after(opportunity, grade),
        team_after(opportunity, team_id),
    )


def dominant_professions(scenario: Scenario) -> dict[str, str]:
    """Each team's most common profession among its people (ties: alphabetical first)."""
    counts: dict[str, Counter] = {t.team_id: Counter() for t in scenario.teams}
    for p in scenario.people:
        counts[p.team_id][p.profession] += 1
    return {
        team: (min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] if c else "")
        for team, c in counts.items()
    }


def opportunity_profession(opportunity: Opportunity, team_professions: Mapping[str, str]) -> str:
    """The profession an opportunity practises: its own column, else its host team's main one."""
    return opportunity.profession or team_professions.get(opportunity.host_team_id, "")


def aspirations_share(start: Mapping[str, int], now: Mapping[str, int], goals: Mapping[str, int]) -> float:
    """Share of the distance from `start` to `goals` covered by `now` (1.0 if nothing was left,
    0.0 if there are no goals)."""
    if not goals:
        return 0.0
    gap = sum(g - min(start.get(s, 0), g) for s, g in goals.items())
    if gap == 0:
        return 1.0
    closed = sum(min(now.get(s, 0), g) - min(start.get(s, 0), g) for s, g in goals.items())
    return max(0.0, min(1.0, closed / gap))


# ---------------------------------------------------------------------------------------------
# The shared index
# ---------------------------------------------------------------------------------------------


@dataclass
class _Goal:
    """Skill levels to reach, one entry per skill column (0: not a goal), plus levels asked for
    in skills no opportunity knows, an optional grade and an optional target opportunity (a
    target must also be taken as a step)."""

    levels: np.ndarray
    outside_gap: int = 0
    grade_needed: int | None = None
    target: int | None = None

    @property
    def empty(self) -> bool:
        return not self.levels.any() and self.outside_gap == 0 and self.grade_needed is None and self.target is None


@dataclass
class _State:
    skills: np.ndarray
    grade: int
    team: int


@dataclass
class _Search:
    """One person's search context (everything the three kinds share)."""

    person: Person
    profession_code: int
    static_mask: np.ndarray
    start: _State
    goal: _Goal
    aspirations: _Goal
    helper_cols: np.ndarray
    helper_needs: np.ndarray
    target: Target | None


class PathwayIndex:
    """Everything about opportunities that all people share, computed once per scenario.

    `pathways_for(person_id)` answers for someone on file; `pathways_for_person(person)` for a
    person whose skills or aspirations were just edited (their team must exist in the scenario).
    """

    def __init__(self, scenario: Scenario, *, beam_width: int = BEAM_WIDTH, moves_per_state: int = MOVES_PER_STATE):
        self.scenario = scenario
        self.stretch = scenario.policy.stretch_levels
        self.beam_width = beam_width
        self.moves_per_state = moves_per_state
        self.team_professions = dominant_professions(scenario)

        opps = list(scenario.opportunities)
        self.opportunities = opps
        self.opp_index = {o.opportunity_id: i for i, o in enumerate(opps)}
        self.teams = list(scenario.teams)
        self.team_index = {t.team_id: i for i, t in enumerate(self.teams)}

        self.skills = sorted(scenario.skill_ids() | {s for o in opps for s in (*o.required_skills, *o.development_skills)})
        self.skill_index = {s: i for i, s in enumerate(self.skills)}
        n, k = len(opps), len(self.skills)
        self.n = n

        # Skill needs and development as sparse (opportunity, skill column, level) entries, so
        # one state's eligibility and gains are a few vector operations over every opportunity.
        self.required = np.zeros((n, k), dtype=np.int16)
        self.develops = np.zeros((n, k), dtype=np.int16)
        for i, o in enumerate(opps):
            for sk, lv in o.required_skills.items():
                self.required[i, self.skill_index[sk]] = max(0, lv - self.stretch)
            for sk, lv in o.development_skills.items():
                self.develops[i, self.skill_index[sk]] = lv
        self.dev_opp, self.dev_col = np.nonzero(self.develops)
        self.dev_lv = self.develops[self.dev_opp, self.dev_col]
        self.required_skill, self.required_level = padded_levels([o.required_skills for o in opps], self.skill_index)

        big = OPEN_GRADE
        self.grade_min = np.array([o.grade_min if o.grade_min is not None else -big for o in opps], dtype=np.int64)
        self.grade_max = np.array([o.grade_max if o.grade_max is not None else big for o in opps], dtype=np.int64)
        self.fte = np.array([o.fte for o in opps], dtype=float)
        self.offered = np.array([o.capacity > 0 for o in opps], dtype=bool)
        self.is_role = np.array([o.kind == OpportunityKind.role for o in opps], dtype=bool)
        self.role_grade = np.array(
            [o.grade_max if (o.kind == OpportunityKind.role and o.grade_max is not None) else -big for o in opps],
            dtype=np.int64,
        )
        self.host = np.array([self.team_index[o.host_team_id] for o in opps], dtype=np.int64)

        professions = sorted(
            {p.profession for p in scenario.people}
            | {o.profession for o in opps}
            | set(self.team_professions.values())
            | {""}
        )
        self.profession_codes = {p: i for i, p in enumerate(professions)}
        self.no_profession = self.profession_codes[""]
        self.own_profession = np.array([self.profession_codes[o.profession] for o in opps], dtype=np.int64)
        self.effective_profession = np.array(
            [self.profession_codes[opportunity_profession(o, self.team_professions)] for o in opps], dtype=np.int64
        )
        organisations = sorted({t.organisation for t in self.teams})
        org_code = {o: i for i, o in enumerate(organisations)}
        self.team_org = np.array([org_code[t.organisation] for t in self.teams], dtype=np.int64)
        self.host_org = self.team_org[self.host] if n else np.zeros(0, dtype=np.int64)

        # Plain lists for the per-step bookkeeping (indexing numpy one scalar at a time is slow).
        self._is_role = self.is_role.tolist()
        self._role_grade = self.role_grade.tolist()
        self._host = self.host.tolist()
        self._host_org = self.host_org.tolist()
        self._team_org = self.team_org.tolist()
        self._effective_profession = self.effective_profession.tolist()

        self.capability = self._capability_graph()
        self._developer_cache: dict[tuple[str, int], np.ndarray] = {}

    # -- shared structures -----------------------------------------------------------------

    def _capability_graph(self) -> nx.DiGraph:
        """Skill levels and opportunities: (skill, L) -> (skill, L-1) (holding L implies less);
        (skill, need) -> opportunity (it needs that level); opportunity -> (skill, level) (it
        develops it). An opportunity among the ancestors of a skill level can help reach it."""
        g = nx.DiGraph()
        for sk in self.skills:
            for lv in range(5, 1, -1):
                g.add_edge(("skill", sk, lv), ("skill", sk, lv - 1))
        for i, o in enumerate(self.opportunities):
            if not self.offered[i]:
                continue
            node = ("opp", i)
            g.add_node(node)
            for sk, lv in o.required_skills.items():
                need = lv - self.stretch
                if need > 0:
                    g.add_edge(("skill", sk, need), node)
            for sk, lv in o.development_skills.items():
                g.add_edge(node, ("skill", sk, lv))
        return g

    def developers(self, skill: str, level: int) -> np.ndarray:
        """Opportunities (indices) that develop `skill` to `level` or above: the opportunities
        with an edge into that skill level or a higher one of the capability graph (cached, as
        everyone aiming at the same level shares the answer)."""
        key = (skill, level)
        if key not in self._developer_cache:
            found: set[int] = set()
            for lv in range(level, 6):
                node = ("skill", skill, lv)
                if node in self.capability:
                    found.update(p[1] for p in self.capability.predecessors(node) if p[0] == "opp")
            self._developer_cache[key] = np.array(sorted(found), dtype=np.int64)
        return self._developer_cache[key]

    def best_level_developed(self, skill: str) -> int:
        """The highest level any opportunity with places develops `skill` to (0: none does)."""
        for lv in range(5, 0, -1):
            if len(self.developers(skill, lv)):
                return lv
        return 0

    # -- public API ------------------------------------------------------------------------

    def pathways_for(
        self,
        person_id: str,
        target: str | Mapping[str, int] | Target | None = None,
        max_steps: int = 3,
        per_kind: int = DEFAULT_PER_KIND,
    ) -> PathwaysResult:
        """Networked, developmental and ladder pathways for a person on file."""
        person = self.scenario.person_by_id.get(person_id)
        if person is None:
            raise PathwayInputError(f"unknown person {person_id!r}")
        return self.pathways_for_person(person, target=target, max_steps=max_steps, per_kind=per_kind)

    def pathways_for_person(
        self,
        person: Person,
        target: str | Mapping[str, int] | Target | None = None,
        max_steps: int = 3,
        per_kind: int = DEFAULT_PER_KIND,
    ) -> PathwaysResult:
        """Pathways for any `Person` (e.g. one whose skills or aspirations were just edited)."""
        if not 1 <= max_steps <= MAX_STEPS_LIMIT:
            raise PathwayInputError(f"max steps must be between 1 and {MAX_STEPS_LIMIT}, not {max_steps}")
        if person.team_id not in self.team_index:
            raise PathwayInputError(f"unknown team {person.team_id!r} for this person")
        goal_target = parse_target(target, self.scenario)
        search = self._search_context(person, goal_target)
        unreachable = self._unreachable(search)
        pathways: list[Pathway] = []
        if person.available and self.n:
            for kind in KINDS:
                chosen = self._diverse(self._routes(search, kind, max_steps), per_kind, kind)
                pathways += [self._pathway(search, kind, r) for r in chosen]
        unreachable += self._target_not_reached(search, pathways, max_steps)
        if person.available and not any(p.kind == "ladder" for p in pathways):
            unreachable.append(self._ladder_blocked(search, max_steps))
        return PathwaysResult(person_id=person.person_id, pathways=pathways, unreachable=unreachable)

    # -- per person ------------------------------------------------------------------------

    def _vector(self, levels: Mapping[str, int]) -> np.ndarray:
        vec = np.zeros(len(self.skills), dtype=np.int16)
        for sk, lv in levels.items():
            if sk in self.skill_index:
                vec[self.skill_index[sk]] = lv
        return vec

    def _skill_goal(self, goals: Mapping[str, int], held: Mapping[str, int]) -> _Goal:
        outside = sum(max(0, lv - held.get(sk, 0)) for sk, lv in goals.items() if sk not in self.skill_index)
        return _Goal(self._vector(goals), outside)

    def _search_context(self, person: Person, target: Target | None) -> _Search:
        start = _State(self._vector(person.skills), person.grade, self.team_index[person.team_id])
        prof = self.profession_codes.get(person.profession, -2)
        practise_ok = practice_time_kept_mask(person.must_practise, prof, self.fte, self.own_profession)
        static = self.offered & practise_ok & open_to_a_move_mask(person.available)
        aspirations = self._skill_goal(person.aspirations, person.skills)
        if target is None:
            goal = aspirations
        elif target.opportunity_id is not None:
            o = self.scenario.opportunity_by_id[target.opportunity_id]
            needs = {sk: lv - self.stretch for sk, lv in o.required_skills.items() if lv - self.stretch > 0}
            goal = self._skill_goal(needs, person.skills)
            goal.grade_needed = o.grade_min
            goal.target = self.opp_index[o.opportunity_id]
        else:
            goal = self._skill_goal(dict(target.skills), person.skills)
        helper_cols, helper_needs = self._helper_needs(goal, start)
        return _Search(person, prof, static, start, goal, aspirations, helper_cols, helper_needs, target)

    def _helper_needs(self, goal: _Goal, start: _State) -> tuple[np.ndarray, np.ndarray]:
        """The skill needs (column, level) of the opportunities that would take the person closer
        to the goal: raising those skills unlocks the goal's developers (prerequisites)."""
        devs = [
            self.developers(self.skills[c], int(start.skills[c]) + 1)
            for c in np.flatnonzero(goal.levels > start.skills)
        ]
        if goal.target is not None:
            devs.append(np.array([goal.target], dtype=np.int64))
        if not devs:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int16)
        rows = np.unique(np.concatenate(devs))
        sub = self.required[rows]
        r, c = np.nonzero(sub)
        return c, sub[r, c]

    # -- measuring states (vectorised over many states at once) ----------------------------

    def _goal_scores(
        self, search: _Search, skills: np.ndarray, grades: np.ndarray, teams: np.ndarray, taken: np.ndarray
    ) -> np.ndarray:
        """Per state: 2.0 when a target opportunity was taken; otherwise the share of the goal's
        gap closed (skills; for a target, also its minimum grade and leaving its host team);
        1.0 = skill goals met."""
        goal, s0 = search.goal, search.start.skills
        g = goal.levels
        closed = (np.minimum(skills, g) - np.minimum(s0, g)).sum(axis=1).astype(float)
        gap = float((g - np.minimum(s0, g)).sum() + goal.outside_gap)
        if goal.grade_needed is not None and search.start.grade < goal.grade_needed:
            gap += goal.grade_needed - search.start.grade
            closed += np.minimum(grades, goal.grade_needed) - search.start.grade
        if goal.target is not None and self._host[goal.target] == search.start.team:
            gap += 1
            closed += teams != search.start.team
        if gap == 0:
            share = np.full(len(skills), 0.0 if goal.empty else 1.0)
        else:
            share = closed / gap
        if goal.target is None:
            return share
        return np.where(taken, 2.0, share * 0.99)

    @staticmethod
    def _gap_share(goal: _Goal, s0: np.ndarray, skills: np.ndarray) -> np.ndarray:
        if goal.empty:
            return np.zeros(len(skills))
        g = goal.levels
        gap = float((g - np.minimum(s0, g)).sum() + goal.outside_gap)
        if gap == 0:
            return np.ones(len(skills))
        return (np.minimum(skills, g) - np.minimum(s0, g)).sum(axis=1) / gap

    def _helper_closed(self, search: _Search, skills: np.ndarray) -> np.ndarray:
        if len(search.helper_cols) == 0:
            return np.zeros(len(skills))
        return np.minimum(skills[:, search.helper_cols], search.helper_needs).sum(axis=1)

    # -- the search ------------------------------------------------------------------------

    def _eligible(self, search: _Search, state: _State) -> np.ndarray:
        """Rules 1-4 for every opportunity at once, from this state (`planner.eligibility`)."""
        mask = search.static_mask & not_own_team_mask(state.team, self.host)
        mask &= grade_within_bounds_mask(state.grade, self.grade_min, self.grade_max)
        mask &= required_skills_held_mask(
            state.skills[None, :], self.required_skill, self.required_level, self.stretch
        )[0]
        return mask

    @staticmethod
    def _closed_towards(goal_levels: np.ndarray, s: np.ndarray, after: np.ndarray) -> np.ndarray:
        """Per row of `after` (skills after each move): levels closed towards `goal_levels`."""
        return (np.minimum(after, goal_levels) - np.minimum(s, goal_levels)).sum(axis=1)

    def _helper_gain(self, search: _Search, s: np.ndarray, after: np.ndarray) -> np.ndarray:
        """Per move: how much it shrinks the prerequisite gaps of the goal's developers."""
        if len(search.helper_cols) == 0:
            return np.zeros(len(after))
        k = len(self.skills)
        table = np.zeros((k, 6))
        have = s[search.helper_cols]
        for level in range(6):
            closed = np.maximum(0, np.minimum(search.helper_needs, level) - have)
            table[:, level] = np.bincount(search.helper_cols, weights=closed, minlength=k)
        return table[np.arange(k), after].sum(axis=1)

    def _moves(self, search: _Search, state: _State, kind: PathwayKind, taken: tuple[int, ...] = ()) -> list[int]:
        """The most promising eligible moves from a state that change something, best first."""
        s = state.skills
        mask = self._eligible(search, state)
        mask[list(taken)] = False
        candidates = np.flatnonzero(mask)
        promotion = self.is_role[candidates] & (self.role_grade[candidates] > state.grade)
        if kind == "ladder":
            keep = promotion & (self.effective_profession[candidates] == search.profession_code)
            candidates, promotion = candidates[keep], promotion[keep]
        after = np.maximum(self.develops[candidates], s)
        growth = (after - s).sum(axis=1)
        leaves = np.zeros(len(candidates), dtype=bool)
        if search.goal.target is not None and self._host[search.goal.target] == state.team:
            leaves = self.is_role[candidates]  # out of the target's team, so it becomes a move
        if kind != "ladder":
            keep = (growth > 0) | self.is_role[candidates]
            if search.goal.target is not None:
                keep |= candidates == search.goal.target
            candidates, promotion, after, growth = candidates[keep], promotion[keep], after[keep], growth[keep]
            leaves = leaves[keep]
        if len(candidates) == 0:
            return []
        goal_gain = self._closed_towards(search.goal.levels, s, after) + leaves
        asp_gain = self._closed_towards(search.aspirations.levels, s, after)
        grade_gain = np.where(promotion, self.role_grade[candidates] - state.grade, 0)
        if search.goal.grade_needed is not None:
            goal_gain = goal_gain + np.minimum(grade_gain, max(0, search.goal.grade_needed - state.grade))
        if kind == "networked":
            helper_gain = self._helper_gain(search, s, after)
            profession = self.effective_profession[candidates]
            crossing = ((profession != search.profession_code) & (profession != self.no_profession)).astype(int)
            crossing += (self.host_org[candidates] != self.team_org[state.team]).astype(int)
            score = goal_gain * 1e6 + helper_gain * 1e4 + crossing * 1e2 + growth
            if search.goal.target is not None:
                score = score + (candidates == search.goal.target) * 1e12
        elif kind == "developmental":
            score = goal_gain * 1e6 + asp_gain * 1e4 + growth
        else:
            score = goal_gain * 1e6 + asp_gain * 1e4 + grade_gain * 1e2 + growth
        order = np.lexsort((candidates, -score))[: self.moves_per_state]
        return candidates[order].tolist()

    def _after(self, state: _State, i: int) -> _State:
        """Rules 1-2 of the module docstring: skills rise; a role sets grade and team."""
        skills = np.maximum(state.skills, self.develops[i])
        if self._is_role[i]:
            return _State(skills, max(state.grade, self._role_grade[i]), self._host[i])
        return _State(skills, state.grade, state.team)

    @staticmethod
    def _key(state: _State, target_taken: bool = False) -> tuple:
        return (state.skills.tobytes(), state.grade, state.team, target_taken)

    def _order(self, search: _Search, kind: PathwayKind, states: list[_State], taken: list[bool],
               steps: np.ndarray | None = None, crossing: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Indices of `states`, best first, by the kind's ranking (see the module docstring),
        and each state's goal score."""
        skills = np.stack([st.skills for st in states])
        grades = np.array([st.grade for st in states])
        teams = np.array([st.team for st in states])
        goal = np.round(self._goal_scores(search, skills, grades, teams, np.array(taken)), 9)
        asp = np.round(self._gap_share(search.aspirations, search.start.skills, skills), 9)
        growth = skills.sum(axis=1)
        if steps is None:  # choosing the beam: prefer states nearer the goal's prerequisites too
            helper = self._helper_closed(search, skills) if kind == "networked" else np.zeros(len(states))
            second = grades if kind == "ladder" else growth
            keys = (second, asp, helper, goal)
        elif kind == "networked":
            keys = (growth, crossing, asp, -steps, goal)
        elif kind == "developmental":
            keys = (-steps, growth, asp, goal)
        else:
            keys = (growth, asp, -steps, grades, goal)
        return np.lexsort(tuple(-np.asarray(k) for k in keys)), goal

    def _routes(self, search: _Search, kind: PathwayKind, max_steps: int) -> list[tuple[list[int], float]]:
        """Beam search over states kept in a networkx DiGraph; returns routes (opportunity
        indices), best first. Every edge is an eligible move from its source state, so every path
        from the root is a valid route; networkx gives the fewest-steps route to each state."""
        graph = nx.DiGraph()
        root = self._key(search.start)
        graph.add_node(root, state=search.start, target=False, route=())
        frontier = [root]
        for _ in range(max_steps):
            children: dict[tuple, _State] = {}
            for key in frontier:
                state, route = graph.nodes[key]["state"], graph.nodes[key]["route"]
                for i in self._moves(search, state, kind, route):
                    child = self._after(state, i)
                    hit_target = search.goal.target == i
                    ckey = self._key(child, hit_target)
                    if ckey == key:
                        continue
                    if ckey not in graph:
                        graph.add_node(ckey, state=child, target=hit_target, route=(*route, i))
                        if not hit_target:
                            children[ckey] = child
                    graph.add_edge(key, ckey, opp=i)
            if not children:
                break
            keys = list(children)
            states = [children[k] for k in keys]
            if kind == "networked" and search.goal.target is None and not search.goal.empty:
                # A route that meets its skill goals is complete: do not extend it.
                none = np.zeros(len(states))
                done = self._goal_scores(search, np.stack([s.skills for s in states]), none, none, none.astype(bool)) >= 1.0
                keys = [k for k, d in zip(keys, done) if not d]
                states = [children[k] for k in keys]
                if not keys:
                    break
            order, _ = self._order(search, kind, states, [False] * len(states))
            frontier = [keys[j] for j in order[: self.beam_width]]
        paths = nx.single_source_shortest_path(graph, root)
        ends, routes = [], []
        for key, path in paths.items():
            route = [graph.edges[u, v]["opp"] for u, v in zip(path, path[1:])]
            if route and len(set(route)) == len(route):  # never the same opportunity twice
                ends.append(key)
                routes.append(route)
        if not ends:
            return []
        order, goal = self._order(
            search,
            kind,
            [graph.nodes[key]["state"] for key in ends],
            [graph.nodes[key]["target"] for key in ends],
            steps=np.array([len(r) for r in routes]),
            crossing=np.array([self._route_crossings(search, r) for r in routes]),
        )
        return [(routes[j], float(goal[j])) for j in order]

    def _route_crossings(self, search: _Search, route: list[int]) -> int:
        """How many profession and organisation boundaries a route crosses."""
        team, count = search.start.team, 0
        for i in route:
            profession = self._effective_profession[i]
            count += profession not in (search.profession_code, self.no_profession)
            count += self._host_org[i] != self._team_org[team]
            if self._is_role[i]:
                team = self._host[i]
        return count

    @staticmethod
    def _diverse(routes: list[tuple[list[int], float]], limit: int, kind: PathwayKind) -> list[list[int]]:
        """Best routes first, skipping one that shares half its moves with a route already chosen,
        or reuses an opportunity already in two chosen routes (so the list is not one route ten
        ways), and, for networked routes, one that only adds moves to a chosen route without
        getting nearer the goal. Each kind is chosen on its own: a route may appear under two."""
        chosen: list[tuple[set[int], float]] = []
        result: list[list[int]] = []
        uses: Counter = Counter()
        for route, goal in routes:
            if len(result) >= limit:
                break
            moves = set(route)
            if any(uses[i] >= 2 for i in moves):
                continue
            if any(len(moves & c) * 2 >= len(moves | c) for c, _ in chosen):
                continue
            if kind == "networked" and any(c < moves and g >= goal for c, g in chosen):
                continue
            chosen.append((moves, goal))
            result.append(route)
            uses.update(moves)
        return result

    # -- building the answer ---------------------------------------------------------------

    def _pathway(self, search: _Search, kind: PathwayKind, route: list[int]) -> Pathway:
        person = search.person
        skills = dict(person.skills)
        grade, team_id = person.grade, person.team_id
        steps = []
        for i in route:
            o = self.opportunities[i]
            crosses = self.crossings(person, o, team_id)
            before, grade_before = skills, grade
            skills, grade, team_id = apply_step(o, skills, grade, team_id)
            steps.append(
                PathwayStep(
                    opportunity_id=o.opportunity_id,
                    team_id=o.host_team_id,
                    crosses=crosses,
                    skills_after=dict(sorted(skills.items())),
                    explanation=self.explain_step(o, before, skills, grade_before, grade, crosses, search.target),
                )
            )
        target_reached = None
        if search.target is not None:
            if search.target.opportunity_id is not None:
                target_reached = search.target.opportunity_id in {self.opportunities[i].opportunity_id for i in route}
            else:
                target_reached = all(skills.get(s, 0) >= lv for s, lv in search.target.skills)
        return Pathway(
            kind=kind,
            steps=steps,
            aspirations_reached=round(aspirations_share(person.skills, skills, person.aspirations), 4),
            target_reached=target_reached,
        )

    def crossings(self, person: Person, opportunity: Opportunity, team_id: str) -> list[Crossing]:
        """What a move crosses, seen from the team the person is in at that step."""
        crosses: list[Crossing] = ["team"]
        if opportunity_profession(opportunity, self.team_professions) not in ("", person.profession):
            crosses.append("profession")
        host = self.scenario.team_by_id[opportunity.host_team_id]
        if host.organisation != self.scenario.team_by_id[team_id].organisation:
            crosses.append("organisation")
        return crosses

    def explain_step(
        self,
        o: Opportunity,
        before: Mapping[str, int],
        after: Mapping[str, int],
        grade_before: int,
        grade_after: int,
        crosses: list[Crossing],
        target: Target | None,
    ) -> str:
        """e.g. "This secondment in Data Team (Northshire NHS Trust) develops Data analysis to 3"."""
        host = self.scenario.team_by_id[o.host_team_id]
        what = {"development_move": "development move"}.get(o.kind.value, o.kind.value)
        where = host.name
        if "organisation" in crosses:
            where += f" ({host.organisation})"
        raised = [
            f"{self.scenario.skill_name_by_id.get(s, s)} to {lv} ({SKILL_LEVEL_NAMES.get(lv, lv)})"
            for s, lv in sorted(after.items())
            if lv > before.get(s, 0)
        ]
        parts = []
        if raised:
            parts.append("develops " + _join(raised))
        if o.kind == OpportunityKind.role:
            grade = f" at grade {grade_after}" if grade_after != grade_before else ""
            parts.append(f"moves you into {host.name}{grade}")
        if "profession" in crosses:
            parts.append(f"takes you into {opportunity_profession(o, self.team_professions)} work")
        plain = len(parts) == 2 and "," not in parts[0] and " and " not in parts[0]
        text = f"This {what} in {where} " + (_join(parts, " and " if plain else ", and ") if parts else "adds experience")
        if target is not None and target.opportunity_id == o.opportunity_id:
            text += "; this is your target"
        return text

    # -- what is out of reach --------------------------------------------------------------

    def _out_of_reach_skill(self, skill: str, level: int, have: int) -> str | None:
        """A skill level no opportunity develops, and the person does not already hold."""
        if have >= level:
            return None
        best = self.best_level_developed(skill)
        if best >= level:
            return None
        if best == 0:
            return f"{skill} at level {level} is out of reach: no opportunity develops {skill}"
        return f"{skill} at level {level} is out of reach: no opportunity develops {skill} beyond level {best}"

    def _unreachable(self, search: _Search) -> list[str]:
        person = search.person
        notes: list[str] = []
        if not person.available:
            notes.append("You are not open to a move in this plan (marked as not available), so no pathway is shown")
            return notes
        target = search.target
        if target is None:
            goals = dict(person.aspirations)
        elif target.opportunity_id is None:
            goals = dict(target.skills)
        else:
            o = self.scenario.opportunity_by_id[target.opportunity_id]
            goals = {s: lv - self.stretch for s, lv in o.required_skills.items() if lv - self.stretch > 0}
            notes += self._permanent_blocks(person, o)
        for skill, level in sorted(goals.items()):
            note = self._out_of_reach_skill(skill, level, person.skills.get(skill, 0))
            if note:
                if target is not None and target.opportunity_id is not None:
                    note = f"{target.opportunity_id} needs {note}"
                notes.append(note)
        return notes

    def _permanent_blocks(self, person: Person, o: Opportunity) -> list[str]:
        """Reasons that no step can change: availability, practice time, a grade above the
        maximum (grades never fall along a pathway), no places."""
        voice = Voice("you")
        notes = []
        if o.capacity == 0:
            notes.append(f"{o.opportunity_id} has no places (capacity 0)")
        reasons = practice_time_kept(person, o, voice)
        if o.grade_max is not None and person.grade > o.grade_max:
            reasons += grade_within_bounds(person.grade, o, voice)
        notes += [f"{o.opportunity_id}: {voice.capitalised(r)}" for r in reasons]
        return notes

    def _ladder_blocked(self, search: _Search, max_steps: int) -> str:
        """Why there is no ladder route: no higher role of the profession is offered, or what
        stands between the person and the nearest one today."""
        person = search.person
        promotions = [
            o
            for i, o in enumerate(self.opportunities)
            if self.offered[i]
            and self._is_role[i]
            and self._effective_profession[i] == search.profession_code
            and self._role_grade[i] > person.grade
        ]
        if not promotions:
            return f"no role in {person.profession} above grade {person.grade} is offered, so there is no ladder route"
        reasons = {o.opportunity_id: eligibility_reasons(person, o, self.scenario, self.stretch) for o in promotions}
        nearest = min(promotions, key=lambda o: (len(reasons[o.opportunity_id]), o.opportunity_id))
        moves = "move" if max_steps == 1 else "moves"
        because = "; ".join(r[:1].lower() + r[1:] for r in reasons[nearest.opportunity_id])
        return (
            f"no promotion within {person.profession} is open to you within {max_steps} {moves}; "
            f"the nearest, {nearest.opportunity_id} ({nearest.title})" + (f": {because}" if because else "")
        )

    def _target_not_reached(self, search: _Search, pathways: list[Pathway], max_steps: int) -> list[str]:
        target = search.target
        if target is None or not search.person.available:
            return []
        if any(p.target_reached for p in pathways):
            return []
        if target.opportunity_id is None and all(
            search.person.skills.get(s, 0) >= lv for s, lv in target.skills
        ):
            return []
        moves = "move" if max_steps == 1 else "moves"
        text = f"no route of up to {max_steps} {moves} reaches {target.describe()}"
        if target.opportunity_id is not None:
            o = self.scenario.opportunity_by_id[target.opportunity_id]
            if self._permanent_blocks(search.person, o):
                return [text]  # the permanent reason is already listed
            reasons = eligibility_reasons(search.person, o, self.scenario, self.stretch)
            return [text + ("; today: " + "; ".join(r[:1].lower() + r[1:] for r in reasons) if reasons else "")]
        best = max((self._skill_target_share(search, p) for p in pathways), default=0.0)
        return [f"{text}; the closest covers {round(best * 100)}% of the gap"]

    @staticmethod
    def _skill_target_share(search: _Search, pathway: Pathway) -> float:
        final = pathway.steps[-1].skills_after if pathway.steps else dict(search.person.skills)
        return aspirations_share(search.person.skills, final, dict(search.target.skills))


def _join(items: list[str], last: str = " and ") -> str:
    """"a", "a and b", "a, b and c" (or another word before the last item)."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + last + items[-1]


def pathways_for(
    scenario: Scenario, person_id: str, target: str | Mapping[str, int] | None = None, max_steps: int = 3
) -> PathwaysResult:
    """One-off convenience: build the index and answer for one person."""
    return PathwayIndex(scenario).pathways_for(person_id, target=target, max_steps=max_steps)
