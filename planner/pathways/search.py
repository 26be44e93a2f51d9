"""The pathway search: `PathwayIndex` holds what all people share (opportunity skill matrices, the
capability graph) and runs a beam search per person (module docstring of `planner.pathways`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping

import networkx as nx
import numpy as np

from planner.domain import (
    OpportunityKind,
    Person,
    Scenario,
)
from planner.eligibility import (
    OPEN_GRADE,
    SkillNeeds,
    grade_within_bounds_mask,
    not_own_team_mask,
    open_to_a_move_mask,
    padded_levels,
    practice_time_kept_mask,
    region_codes,
    required_skills_held_mask,
    within_own_region_mask,
)
from planner.pathways.explanation import PathwayExplanations
from planner.pathways.model import (
    BEAM_WIDTH,
    DEFAULT_PER_KIND,
    KINDS,
    MAX_STEPS_LIMIT,
    MOVES_PER_STATE,
    Goal,
    Pathway,
    PathwayInputError,
    PathwayKind,
    PathwaysResult,
    PathwayState,
    PathwayStep,
    PersonSearch,
    Target,
    parse_target,
)
from planner.pathways.steps import (
    apply_step,
    aspirations_share,
    dominant_professions,
    opportunity_profession,
)


class PathwayIndex(PathwayExplanations):
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
        self.skill_needs = SkillNeeds.of(
            *padded_levels([o.required_skills for o in opps], self.skill_index), self.stretch
        )

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
        self.team_region = region_codes([t.region for t in self.teams])
        self.host_region = self.team_region[self.host]
        self.remote = np.array([o.remote for o in opps], dtype=bool)

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
        done: Collection[str] = (),
    ) -> PathwaysResult:
        """Pathways for any `Person` (e.g. one whose skills or aspirations were just edited).
        `done`: the opportunities the person has done or is doing (their record), never proposed
        again (`not_done_mask`)."""
        if not 1 <= max_steps <= MAX_STEPS_LIMIT:
            raise PathwayInputError(f"max steps must be between 1 and {MAX_STEPS_LIMIT}, not {max_steps}")
        if person.team_id not in self.team_index:
            raise PathwayInputError(f"unknown team {person.team_id!r} for this person")
        goal_target = parse_target(target, self.scenario)
        search = self._search_context(person, goal_target, done)
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

    def _skill_goal(self, goals: Mapping[str, int], held: Mapping[str, int]) -> Goal:
        outside = sum(max(0, lv - held.get(sk, 0)) for sk, lv in goals.items() if sk not in self.skill_index)
        return Goal(self._vector(goals), outside)

    def _search_context(self, person: Person, target: Target | None, done: Collection[str] = ()) -> PersonSearch:
        start = PathwayState(self._vector(person.skills), person.grade, self.team_index[person.team_id])
        prof = self.profession_codes.get(person.profession, -2)
        practise_ok = practice_time_kept_mask(person.must_practise, prof, self.fte, self.own_profession)
        static = (self.offered & practise_ok & open_to_a_move_mask(person.available)
                  & not_done_mask(self.opp_index, done))
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
        return PersonSearch(person, prof, static, start, goal, aspirations, helper_cols, helper_needs, target)

    def _helper_needs(self, goal: Goal, start: PathwayState) -> tuple[np.ndarray, np.ndarray]:
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
        self, search: PersonSearch, skills: np.ndarray, grades: np.ndarray, teams: np.ndarray, taken: np.ndarray
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
        share = np.full(len(skills), 0.0 if goal.empty else 1.0) if gap == 0 else closed / gap
        if goal.target is None:
            return share
        return np.where(taken, 2.0, share * 0.99)

    @staticmethod
    def _gap_share(goal: Goal, s0: np.ndarray, skills: np.ndarray) -> np.ndarray:
        if goal.empty:
            return np.zeros(len(skills))
        g = goal.levels
        gap = float((g - np.minimum(s0, g)).sum() + goal.outside_gap)
        if gap == 0:
            return np.ones(len(skills))
        return (np.minimum(skills, g) - np.minimum(s0, g)).sum(axis=1) / gap

    def _helper_closed(self, search: PersonSearch, skills: np.ndarray) -> np.ndarray:
        if len(search.helper_cols) == 0:
            return np.zeros(len(skills))
        return np.minimum(skills[:, search.helper_cols], search.helper_needs).sum(axis=1)

    # -- the search ------------------------------------------------------------------------

    def _eligible(self, search: PersonSearch, state: PathwayState) -> np.ndarray:
        """Rules 1-5 for every opportunity at once, from this state (`planner.eligibility`); the
        region is that of the team reached so far."""
        mask = search.static_mask & not_own_team_mask(state.team, self.host)
        mask &= within_own_region_mask(self.team_region[state.team], self.host_region, self.remote)
        mask &= grade_within_bounds_mask(state.grade, self.grade_min, self.grade_max)
        mask &= required_skills_held_mask(state.skills[None, :], self.skill_needs)[0]
        return mask

    @staticmethod
    def _closed_towards(goal_levels: np.ndarray, s: np.ndarray, after: np.ndarray) -> np.ndarray:
        """Per row of `after` (skills after each move): levels closed towards `goal_levels`."""
        return (np.minimum(after, goal_levels) - np.minimum(s, goal_levels)).sum(axis=1)

    def _helper_gain(self, search: PersonSearch, s: np.ndarray, after: np.ndarray) -> np.ndarray:
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

    def _moves(self, search: PersonSearch, state: PathwayState, kind: PathwayKind, taken: tuple[int, ...] = ()) -> list[int]:
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

    def _after(self, state: PathwayState, i: int) -> PathwayState:
        """Rules 1-2 of the module docstring: skills rise; a role sets grade and team."""
        skills = np.maximum(state.skills, self.develops[i])
        if self._is_role[i]:
            return PathwayState(skills, max(state.grade, self._role_grade[i]), self._host[i])
        return PathwayState(skills, state.grade, state.team)

    @staticmethod
    def _key(state: PathwayState, target_taken: bool = False) -> tuple:
        return (state.skills.tobytes(), state.grade, state.team, target_taken)

    def _order(self, search: PersonSearch, kind: PathwayKind, states: list[PathwayState], taken: list[bool],
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

    def _routes(self, search: PersonSearch, kind: PathwayKind, max_steps: int) -> list[tuple[list[int], float]]:
        """Beam search over states kept in a networkx DiGraph; returns routes (opportunity
        indices), best first. Every edge is an eligible move from its source state, so every path
        from the root is a valid route; networkx gives the fewest-steps route to each state."""
        graph = nx.DiGraph()
        root = self._key(search.start)
        graph.add_node(root, state=search.start, target=False, route=())
        frontier = [root]
        for _ in range(max_steps):
            children: dict[tuple, PathwayState] = {}
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

    def _route_crossings(self, search: PersonSearch, route: list[int]) -> int:
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

    def _pathway(self, search: PersonSearch, kind: PathwayKind, route: list[int]) -> Pathway:
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



def not_done_mask(opportunity_index: Mapping[str, int], done: Collection[str]) -> np.ndarray:
    """A move already made is not proposed again: an opportunity the person has completed or is
    on now (their record of assignments) is never a step of their pathways."""
    mask = np.ones(len(opportunity_index), dtype=bool)
    mask[[opportunity_index[o] for o in done if o in opportunity_index]] = False
    return mask


def pathways_for(
    scenario: Scenario, person_id: str, target: str | Mapping[str, int] | None = None, max_steps: int = 3
) -> PathwaysResult:
    """One-off convenience: build the index and answer for one person."""
    return PathwayIndex(scenario).pathways_for(person_id, target=target, max_steps=max_steps)
