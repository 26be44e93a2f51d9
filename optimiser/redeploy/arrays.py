"""The crisis as arrays, and its people folded into groups of interchangeable people.

Two people are interchangeable for a redeployment when they share their team (hence their
organisation and release limit), their levels in every demanded skill, which of their team's
critical skills they hold, and where the previous plan put them. The solver decides how many of
each group go to each demand line; which members go is then a free, deterministic choice. At
scale this folds the model to a fraction of its person-level size.

Every decision about who may move and who may cover what is taken by `rules.py`; this module only
turns those decisions into arrays, one vectorised pass per family.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from optimiser.redeploy import rules
from planner.domain import Scenario, TeamStatus
from planner.redeploy_results import Assignment

# Secondary costs of one move, below coverage and (when re-planning) keeping the previous plan.
SURPLUS_LEVEL_COST = 1  # each level held above the demanded level: keep experts for harder needs
CROSS_ORGANISATION_COST = 2  # moving someone to another employer costs more than one level of surplus
# Re-plan: someone kept in the same team but switched to another demanded skill changes duty;
# that costs more than any one move's skill and organisation costs.
CHANGE_OF_DUTY_COST = 4 * SURPLUS_LEVEL_COST + CROSS_ORGANISATION_COST + 1
MAX_MOVE_COST = 4 * SURPLUS_LEVEL_COST + CROSS_ORGANISATION_COST + CHANGE_OF_DUTY_COST


@dataclass
class CriticalConstraint:
    """A normal team's critical skill: at most `may_leave` of its holders may be redeployed."""

    team: int
    skill: str
    level: int
    count: int
    holders: int
    may_leave: int
    bit: int


@dataclass
class GroupMoves:
    """A plan on groups: `count[k]` people of group `group[k]` cover line `line[k]`."""

    group: np.ndarray
    line: np.ndarray
    count: np.ndarray

    @classmethod
    def empty(cls) -> GroupMoves:
        z = np.zeros(0, dtype=np.int64)
        return cls(z, z.copy(), z.copy())

    def nonzero(self) -> GroupMoves:
        on = self.count > 0
        return GroupMoves(self.group[on], self.line[on], self.count[on])


@dataclass
class CrisisArrays:
    plan_date: date
    rest_days: int
    # teams
    team_ids: list[str]
    team_status: np.ndarray  # 0 normal, 1 paused, 2 critical
    team_org: np.ndarray
    team_limit: np.ndarray  # release limit; -1 = unlimited (paused)
    team_headcount: np.ndarray
    team_region: np.ndarray  # region code, 0 = no region named (`region_codes`)
    critical: list[CriticalConstraint]
    # demand lines (count > 0 only)
    line_source: np.ndarray  # index into scenario.demand
    line_team: np.ndarray
    line_skill: np.ndarray  # index into demanded_skills
    line_level: np.ndarray
    line_count: np.ndarray
    line_priority: np.ndarray
    line_rank: np.ndarray  # 0 = most urgent priority present
    priorities: list[int]
    demanded_skills: list[str]
    # people
    person_ids: list[str]
    person_team: np.ndarray
    person_levels: np.ndarray  # people x demanded skills
    person_available: np.ndarray
    person_resting: np.ndarray
    person_baseline_team: np.ndarray  # -1 = not redeployed in the previous plan
    person_baseline_skill: np.ndarray  # demanded skill covered in the previous plan, -1 none
    person_critical_bits: np.ndarray  # bit j set = holds critical skill with bit j of own team
    person_movable: np.ndarray
    person_restricted: np.ndarray  # resting, may only stay where the previous plan put them
    person_group: np.ndarray  # -1 = not movable
    # groups
    group_team: np.ndarray
    group_baseline_team: np.ndarray
    group_baseline_skill: np.ndarray
    group_restricted: np.ndarray
    group_critical_bits: np.ndarray
    group_levels: np.ndarray
    group_size: np.ndarray
    group_members: list[np.ndarray]
    group_eligible: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # may cover some line
    candidate_pairs: int = 0  # person-level (person, line) pairs that could be chosen
    # candidate arcs: group -> line (built on demand by `ensure_candidate_arcs`)
    arcs_built: bool = False
    lines_of_team: dict[int, list[int]] | None = None
    arc_group: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    arc_line: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    arc_kept: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    has_baseline: bool = False
    baseline_missing: list[str] = field(default_factory=list)

    @property
    def total_units(self) -> int:
        return int(self.line_count.sum())

    def arc_move_cost(self) -> np.ndarray:
        """`move_cost` of every candidate arc."""
        return self.move_cost(self.arc_group, self.arc_line)

    def move_cost(self, group: np.ndarray, line: np.ndarray) -> np.ndarray:
        """Cost of moves below coverage (and keeping the previous plan): levels held above the
        level demanded, crossing to another employer, and, for someone kept in the same team,
        switching to another skill."""
        surplus = self.group_levels[group, self.line_skill[line]] - self.line_level[line]
        cross = self.team_org[self.group_team[group]] != self.team_org[self.line_team[line]]
        switched = (self.group_baseline_team[group] == self.line_team[line]) & (
            self.group_baseline_skill[group] != self.line_skill[line]
        )
        return (SURPLUS_LEVEL_COST * surplus + CROSS_ORGANISATION_COST * cross.astype(np.int64)
                + CHANGE_OF_DUTY_COST * switched.astype(np.int64))

    def may_reach(self, from_team: np.ndarray | int, to_team: np.ndarray | int) -> np.ndarray:
        """Whether people of `from_team` may be redeployed to `to_team` as far as regions go
        (`rules.redeployed_within_region`)."""
        return rules.within_region_mask(self.team_region[from_team], self.team_region[to_team])

    def level_classes(self) -> dict[tuple[int, int], list[int]]:
        """Demand lines by (skill, level): lines in one class have the same holders."""
        classes: dict[tuple[int, int], list[int]] = {}
        for li, (s, lv) in enumerate(zip(self.line_skill.tolist(), self.line_level.tolist())):
            classes.setdefault((s, lv), []).append(li)
        return classes


_STATUS_CODE = {TeamStatus.normal: 0, TeamStatus.paused: 1, TeamStatus.critical: 2}


def build_arrays(scenario: Scenario, plan_date: date, baseline: list[Assignment] | None) -> CrisisArrays:
    """Turn a scenario (and the previous plan, when re-planning) into the arrays the solver reads."""
    policy = scenario.policy
    rest_days = policy.rest_days
    teams = scenario.teams
    team_index = {t.team_id: i for i, t in enumerate(teams)}
    headcount = scenario.headcount_by_team
    team_status = np.array([_STATUS_CODE[t.status] for t in teams], dtype=np.int64)
    orgs: dict[str, int] = {}
    team_org = np.array([orgs.setdefault(t.organisation, len(orgs)) for t in teams], dtype=np.int64)
    team_limit = np.array(
        [-1 if (lim := rules.team_release_limit(t, headcount[t.team_id])) is rules.UNLIMITED else lim for t in teams],
        dtype=np.int64,
    )
    team_headcount = np.array([headcount[t.team_id] for t in teams], dtype=np.int64)
    team_region = region_codes(teams)

    lines = [(i, d) for i, d in enumerate(scenario.demand) if d.count > 0]
    demanded_skills = sorted({d.skill for _, d in lines})
    skill_index = {s: j for j, s in enumerate(demanded_skills)}
    priorities = sorted({d.priority for _, d in lines})
    rank_of = {p: r for r, p in enumerate(priorities)}

    people = scenario.people
    n = len(people)
    person_team = np.fromiter((team_index[p.team_id] for p in people), dtype=np.int64, count=n)
    levels = np.zeros((n, max(1, len(demanded_skills))), dtype=np.int64)
    held = [(i, skill_index[s], lv) for i, p in enumerate(people) for s, lv in p.skills.items() if s in skill_index]
    if held:
        rows, cols, vals = np.array(held, dtype=np.int64).T
        levels[rows, cols] = vals
    available = np.fromiter((p.available for p in people), dtype=bool, count=n)
    resting = np.fromiter((rules.is_resting(p, plan_date, rest_days) for p in people), dtype=bool, count=n)

    # Critical skills of normal teams, one bit each within the team.
    critical: list[CriticalConstraint] = []
    crit_bits = np.zeros(n, dtype=np.int64)
    members_of_team: dict[int, list[int]] = {}
    for i, t in enumerate(person_team.tolist()):
        members_of_team.setdefault(t, []).append(i)
    for ti, team in enumerate(teams):
        if not rules.critical_skills_apply(team) or not team.critical_skills:
            continue
        members = members_of_team.get(ti, [])
        for bit, crit in enumerate(team.critical_skills[:62]):
            holder_idx = [i for i in members if rules.holds_skill(people[i], crit.skill, crit.level)]
            crit_bits[holder_idx] |= 1 << bit
            critical.append(
                CriticalConstraint(
                    team=ti, skill=crit.skill, level=crit.level, count=crit.count, holders=len(holder_idx),
                    may_leave=rules.critical_skill_may_leave(len(holder_idx), crit.count), bit=bit,
                )
            )

    # The previous plan.
    person_index = {p.person_id: i for i, p in enumerate(people)}
    baseline_team = np.full(n, -1, dtype=np.int64)
    baseline_skill = np.full(n, -1, dtype=np.int64)
    missing: list[str] = []
    for assignment in baseline or []:
        i = person_index.get(assignment.person_id)
        t = team_index.get(assignment.to_team_id)
        if i is None or t is None:
            missing.append(assignment.person_id)
            continue
        baseline_team[i] = t
        baseline_skill[i] = skill_index.get(assignment.skill, -1)

    releases = np.array([rules.team_releases_anyone(t) for t in teams], dtype=bool)
    movable_now = releases[person_team] & available & ~resting
    may_stay = np.zeros(n, dtype=bool)
    for i in np.nonzero((baseline_team >= 0) & resting)[0].tolist():
        may_stay[i] = rules.may_stay_on(teams[person_team[i]].status, bool(available[i]))
    movable = movable_now | may_stay
    restricted = may_stay

    # Levels below the lowest demanded level of a skill never qualify: fold them to 0 to group more.
    min_level = np.full(levels.shape[1], 6, dtype=np.int64)
    for _, d in lines:
        j = skill_index[d.skill]
        min_level[j] = min(min_level[j], d.level)
    folded = np.where(levels >= min_level[None, :], levels, 0)

    idx = np.nonzero(movable)[0]
    key = np.column_stack(
        [person_team[idx], baseline_team[idx], baseline_skill[idx], restricted[idx].astype(np.int64), crit_bits[idx],
         folded[idx]]
    )
    person_group = np.full(n, -1, dtype=np.int64)
    if len(idx):
        uniq, inverse = _unique_rows(key)
        person_group[idx] = inverse
        order = np.argsort(inverse, kind="stable")
        sizes = np.bincount(inverse, minlength=len(uniq))
        group_members = np.split(idx[order], np.cumsum(sizes)[:-1])
    else:
        uniq = np.zeros((0, key.shape[1]), dtype=np.int64)
        sizes = np.zeros(0, dtype=np.int64)
        group_members = []

    arrays = CrisisArrays(
        plan_date=plan_date, rest_days=rest_days,
        team_ids=[t.team_id for t in teams], team_status=team_status, team_org=team_org,
        team_limit=team_limit, team_headcount=team_headcount, critical=critical,
        team_region=team_region,
        line_source=np.array([i for i, _ in lines], dtype=np.int64),
        line_team=np.array([team_index[d.team_id] for _, d in lines], dtype=np.int64),
        line_skill=np.array([skill_index[d.skill] for _, d in lines], dtype=np.int64),
        line_level=np.array([d.level for _, d in lines], dtype=np.int64),
        line_count=np.array([d.count for _, d in lines], dtype=np.int64),
        line_priority=np.array([d.priority for _, d in lines], dtype=np.int64),
        line_rank=np.array([rank_of[d.priority] for _, d in lines], dtype=np.int64),
        priorities=priorities, demanded_skills=demanded_skills,
        person_ids=[p.person_id for p in people], person_team=person_team, person_levels=levels,
        person_available=available, person_resting=resting, person_baseline_team=baseline_team,
        person_baseline_skill=baseline_skill,
        person_critical_bits=crit_bits, person_movable=movable, person_restricted=restricted,
        person_group=person_group,
        group_team=uniq[:, 0].copy(), group_baseline_team=uniq[:, 1].copy(),
        group_baseline_skill=uniq[:, 2].copy(),
        group_restricted=uniq[:, 3].astype(bool), group_critical_bits=uniq[:, 4].copy(),
        group_levels=uniq[:, 5:].copy(), group_size=sizes.astype(np.int64), group_members=group_members,
        has_baseline=baseline is not None, baseline_missing=missing,
    )
    _find_eligible_groups(arrays)
    return arrays


def region_codes(teams) -> np.ndarray:
    """One code per region (`rules.region_key`), in order of first appearance; 0 for a team
    naming no region."""
    codes: dict[str, int] = {"": 0}
    return np.array([codes.setdefault(rules.region_key(t.region), len(codes)) for t in teams], dtype=np.int64)


def may_cover_some_line(
    arrays: CrisisArrays, holder_team: np.ndarray, holds: np.ndarray, line_list: list[int]
) -> np.ndarray:
    """Which holders (`holds`, by their team) may cover at least one of these lines of one skill
    and level: a line of another team (`rules.may_cover`) in a region they may be sent to
    (`rules.redeployed_within_region`). One pass per region among the holders."""
    out = np.zeros(len(holder_team), dtype=bool)
    line_teams = np.unique(arrays.line_team[line_list])
    holder_region = arrays.team_region[holder_team]
    for region in np.unique(holder_region[holds]).tolist():
        teams = line_teams[rules.within_region_mask(region, arrays.team_region[line_teams])]
        here = holds & (holder_region == region)
        if len(teams) > 1:
            out |= here
        elif len(teams) == 1:
            out |= here & (holder_team != teams[0])
    return out


def _unique_rows(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of an integer matrix and each row's position among them (rows compared as
    bytes: one sort instead of a column-by-column one)."""
    key = np.ascontiguousarray(key, dtype=np.int64)
    rows = key.view(np.dtype((np.void, key.dtype.itemsize * key.shape[1]))).reshape(-1)
    _, first, inverse = np.unique(rows, return_index=True, return_inverse=True)
    return key[first], inverse.reshape(-1)


def _find_eligible_groups(arrays: CrisisArrays) -> None:
    """Which groups may cover at least one line, and how many person-line pairs exist, without
    listing the pairs (`rules.may_cover` on arrays: skill at the level, not their own team, and
    `rules.redeployed_within_region`)."""
    n_groups = len(arrays.group_size)
    eligible = np.zeros(n_groups, dtype=bool)
    free = ~arrays.group_restricted
    pairs = 0
    n_regions = int(arrays.team_region.max(initial=0)) + 1
    for (s, lv), line_list in arrays.level_classes().items():
        holders = free & (arrays.group_levels[:, s] >= lv)
        size_by_team = np.bincount(arrays.group_team[holders], weights=arrays.group_size[holders], minlength=len(arrays.team_ids))
        size_by_region = np.bincount(arrays.team_region, weights=size_by_team, minlength=n_regions)
        teams = arrays.line_team[line_list]
        line_region = arrays.team_region[teams]
        # A line of a region reaches holders of that region and of teams naming none; a line of a
        # team naming no region reaches every holder. The own team is always among them.
        reachable = np.where(line_region == 0, size_by_region.sum(), size_by_region[line_region] + size_by_region[0])
        pairs += int((reachable - size_by_team[teams]).sum())
        eligible |= may_cover_some_line(arrays, arrays.group_team, holders, line_list)
    for g in np.nonzero(arrays.group_restricted)[0].tolist():
        ok = _kept_lines(arrays, g)
        eligible[g] = len(ok) > 0
        pairs += len(ok) * int(arrays.group_size[g])
    arrays.group_eligible = eligible
    arrays.candidate_pairs = pairs


def _kept_lines(arrays: CrisisArrays, g: int) -> np.ndarray:
    """Lines of the team the previous plan put this group's people in, which they may cover."""
    bt = int(arrays.group_baseline_team[g])
    if bt < 0 or bt == arrays.group_team[g] or not arrays.may_reach(arrays.group_team[g], bt):
        return np.zeros(0, dtype=np.int64)
    if arrays.lines_of_team is None:
        arrays.lines_of_team = {}
        for li, t in enumerate(arrays.line_team.tolist()):
            arrays.lines_of_team.setdefault(t, []).append(li)
    lines = np.array(arrays.lines_of_team.get(bt, []), dtype=np.int64)
    return lines[arrays.group_levels[g, arrays.line_skill[lines]] >= arrays.line_level[lines]]


def kept_moves(arrays: CrisisArrays) -> tuple[np.ndarray, np.ndarray]:
    """(group, line) pairs that keep people where the previous plan put them."""
    groups, lines = [], []
    for g in np.nonzero(arrays.group_eligible & (arrays.group_baseline_team >= 0))[0].tolist():
        ok = _kept_lines(arrays, g)
        groups.append(np.full(len(ok), g, dtype=np.int64))
        lines.append(ok)
    if not groups:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(groups), np.concatenate(lines)


def ensure_candidate_arcs(arrays: CrisisArrays) -> None:
    """List every (group, line) pair explicitly (the exact CP-SAT model needs them; the flow does not)."""
    if not arrays.arcs_built:
        _build_candidate_arcs(arrays)
        arrays.arcs_built = True


def _build_candidate_arcs(arrays: CrisisArrays) -> None:
    """Every (group, demand line) pair where the group's people may cover the line (`rules.may_cover`,
    applied to arrays): skill at the level, not their own team, within their region
    (`rules.redeployed_within_region`); a resting person only where the previous plan already put
    them. One pass per distinct (skill, level), one slice per line."""
    groups_out, lines_out = [], []
    free = ~arrays.group_restricted
    for (s, lv), line_list in arrays.level_classes().items():
        cand = (
            np.nonzero(free & (arrays.group_levels[:, s] >= lv))[0] if len(arrays.group_size) else np.zeros(0, np.int64)
        )
        cand = cand[np.argsort(arrays.group_team[cand], kind="stable")]
        cand_team = arrays.group_team[cand]
        for li in line_list:
            t = arrays.line_team[li]
            lo, hi = np.searchsorted(cand_team, t, "left"), np.searchsorted(cand_team, t, "right")
            chosen = np.concatenate([cand[:lo], cand[hi:]])
            chosen = chosen[arrays.may_reach(arrays.group_team[chosen], t)]
            groups_out.append(chosen)
            lines_out.append(np.full(len(chosen), li, dtype=np.int64))
    # Resting people on the previous plan: only lines of the team they are already in.
    for g in np.nonzero(arrays.group_restricted)[0].tolist():
        chosen_lines = _kept_lines(arrays, g)
        groups_out.append(np.full(len(chosen_lines), g, dtype=np.int64))
        lines_out.append(chosen_lines)
    if groups_out:
        arrays.arc_group = np.concatenate(groups_out).astype(np.int64)
        arrays.arc_line = np.concatenate(lines_out).astype(np.int64)
    g, li = arrays.arc_group, arrays.arc_line
    arrays.arc_kept = (arrays.group_baseline_team[g] == arrays.line_team[li]).astype(np.int64)
