"""Seeded scenario generator: a realistic, fictional workforce of any size.

`generate_scenario(people, seed, crisis)` builds the staff of Riverbrook's four employers
(`planner.sample_place`): teams of 8-60 people whose number grows with the workforce, skills
that follow each person's profession and grade, a few rare skills, part-time staff, social
workers and planners who must keep practising, aspirations, opportunities of every kind (about
one per 7.5 people) and ranked preferences, mostly for opportunities the person could (nearly)
take. With `crisis=True` the same place is in an emergency: paused and critical services,
crisis demand by skill and priority, and recent redeployments.

The same `people` and `seed` always give the same scenario; the crisis extras come from a
separate random stream, so a crisis scenario is its calm twin plus the crisis.

Everything is drawn with numpy over arrays; only the final pydantic objects are built per item.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from planner import sample_place as place
from planner.eligibility import (
    OPEN_GRADE,
    eligibility_arrays,
    eligibility_mask,
    grade_within_bounds_mask,
    not_own_team_mask,
    practice_time_kept_mask,
)
from planner.domain import (
    CriticalSkill,
    Demand,
    Opportunity,
    Person,
    Policy,
    Scenario,
    Skill,
    Team,
    TeamStatus,
)

# The bundled sample (`data/sample`, `data/sample-crisis`) is exactly this call's output.
SAMPLE_PEOPLE = 600
SAMPLE_SEED = 2027

MIN_PEOPLE = 20
MAX_PEOPLE = 200_000

PEOPLE_PER_OPPORTUNITY = 7.5
GENERATED_TIME_LIMIT_S = 20.0  # policy.json of generated scenarios: a solve may take 20 seconds
PLAN_DATE = date(2027, 1, 11)  # crisis plan date: a flooded, flu-heavy January week
OPPORTUNITIES_FROM = date(2027, 2, 1)  # the development programme starts here
SHORT_TEAM_SHARE = 1 / 18  # teams that already lack one of their critical skills
PRACTICE_FRIENDLY_SHARE = 0.15  # of secondments and projects: part time, for those who must practise
MODEL_EXPONENT = 0.5  # secondments, development moves and shadowing: the square root of each group
ROLE_MODEL_EXPONENT = 0.9  # roles: larger groups get more posts, a little less than in proportion
MODELLED_KINDS = ("secondment", "development_move", "shadowing")  # modelled on someone who could take them

_SKILL_INDEX = {s: i for i, s in enumerate(place.SKILL_IDS)}
_PROFESSIONS = tuple(place.PROFESSIONS)
_PROFESSION_INDEX = {p: i for i, p in enumerate(_PROFESSIONS)}
_ORGANISATIONS = tuple(place.ORGANISATIONS)
_MAX_REQUIRED = 3
_MAX_DEVELOPED = 3
_COUNT_BLOCK_CELLS = 4_000_000  # people x opportunities per block when counting eligible pairs


def generate_scenario(people: int, seed: int, crisis: bool = False) -> Scenario:
    """A fictional Riverbrook scenario of `people` staff, the same for the same seed."""
    if not MIN_PEOPLE <= people <= MAX_PEOPLE:
        raise ValueError(f"people must be between {MIN_PEOPLE} and {MAX_PEOPLE:,}, not {people}")
    rng = np.random.default_rng([seed, 0])
    teams = draw_teams(people, rng)
    staff = draw_people(teams, rng)
    opps = draw_opportunities(teams, staff, rng)
    staff.aspirations = draw_aspirations(staff, opps, rng)
    staff.preferences = draw_preferences(staff, opps, rng)
    teams.critical = set_critical_skills(teams, staff, rng)
    teams.release_share, teams.min_staff = draw_release_limits(teams, rng)

    demand: list[Demand] = []
    policy = Policy(time_limit_s=GENERATED_TIME_LIMIT_S)
    statuses = ["normal"] * teams.count
    last_redeployed: list[date | None] = [None] * people
    if crisis:
        crisis_rng = np.random.default_rng([seed, 1])
        statuses = draw_crisis_statuses(teams)
        last_redeployed = draw_last_redeployed(people, crisis_rng)
        demand = draw_crisis_demand(teams, statuses, people, crisis_rng)
        policy = Policy(time_limit_s=GENERATED_TIME_LIMIT_S, plan_date=PLAN_DATE, rest_days=28)

    return Scenario(
        skills=tuple(Skill(skill_id=s, name=n, category=c) for s, n, c in place.SKILLS),
        teams=_team_models(teams, statuses),
        people=_person_models(staff, teams, opps, last_redeployed),
        opportunities=_opportunity_models(opps, teams),
        demand=tuple(demand),
        policy=policy,
    )


# ---------------------------------------------------------------------------------------------
# Teams
# ---------------------------------------------------------------------------------------------


@dataclass
class TeamDraw:
    kinds: list[place.TeamKind]
    ids: list[str]
    names: list[str]
    sizes: np.ndarray
    critical: list[tuple[tuple[str, int, int], ...]] | None = None
    release_share: np.ndarray | None = None
    min_staff: list[int | None] | None = None

    @property
    def count(self) -> int:
        return len(self.kinds)


def draw_teams(people: int, rng: np.random.Generator) -> TeamDraw:
    """Teams of 8-60 people until everyone has a team: first one of each kind of service, in an
    order that goes round the four employers (so a place of a few hundred has them all), then
    more of the common kinds (wards, social work and neighbourhood teams), each sized within its
    kind's usual range."""
    kind_keys = list(place.TEAM_KINDS)
    weights = np.array([place.TEAM_KINDS[k].weight for k in kind_keys])
    most = people // 8 + 2  # no more teams than this can be needed: every team has 8 or more
    core = [kind_keys.index(k) for k in place.CORE_TEAM_SEQUENCE[:most]]
    extra = rng.choice(len(kind_keys), size=max(0, most - len(core)), p=weights / weights.sum())
    kind_idx = np.concatenate([np.array(core, dtype=int), extra])
    # a place smaller than the sample has smaller teams, so it still has all four employers
    shrink = min(1.0, people / SAMPLE_PEOPLE)
    low = np.array([max(8, round(place.TEAM_KINDS[k].size[0] * shrink)) for k in kind_keys])[kind_idx]
    high = np.array([max(8, round(place.TEAM_KINDS[k].size[1] * shrink)) for k in kind_keys])[kind_idx]
    sizes = (low + (high - low + 1) * rng.beta(1.3, 2.2, size=len(kind_idx))).astype(int)
    count = int(np.searchsorted(np.cumsum(sizes), people)) + 1  # first teams that hold everyone
    kinds = [place.TEAM_KINDS[kind_keys[i]] for i in kind_idx[:count].tolist()]
    sizes_arr = _trim_to(sizes[:count], people)
    kinds = kinds[: len(sizes_arr)]
    ids, names = _team_names(kinds)
    return TeamDraw(kinds=kinds, ids=ids, names=names, sizes=sizes_arr)


def _trim_to(sizes: np.ndarray, people: int) -> np.ndarray:
    """Resize the teams so they hold exactly `people`: the last team drawn gives up its surplus
    first, then the largest teams one person at a time; no team falls below 8."""
    sizes = sizes.copy()
    if np.maximum(sizes - 8, 0).sum() < sizes.sum() - people:
        sizes = sizes[:-1]  # too few people left for the last team: share them out instead
    excess = int(sizes.sum()) - people
    cut = max(0, min(excess, int(sizes[-1]) - 8))
    sizes[-1] -= cut
    excess -= cut
    while excess > 0:
        sizes[int(np.argmax(sizes))] -= 1
        excess -= 1
    while excess < 0:
        sizes[int(np.argmin(sizes))] += 1
        excess += 1
    return sizes


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _team_names(kinds: list[place.TeamKind]) -> tuple[list[str], list[str]]:
    """Local teams are named after their locality; repeated service teams after their site."""
    seen: dict[str, int] = {}
    ids, names = [], []
    localities = place.LOCALITIES
    for kind in kinds:
        n = seen.get(kind.key, 0)
        seen[kind.key] = n + 1
        org = place.ORGANISATIONS[kind.organisation]
        if kind.local or n > 0:
            k = n if kind.local else n - 1
            locality = localities[k % len(localities)]
            round_ = k // len(localities)
            suffix = f" {round_ + 1}" if round_ else ""
            names.append(f"{kind.name} – {locality}{suffix}")
            ids.append(f"{org.code}-{kind.key}-{_slug(locality)}{'-' + str(round_ + 1) if round_ else ''}")
        else:
            names.append(kind.name)
            ids.append(f"{org.code}-{kind.key}")
    return ids, names


def draw_release_limits(teams: TeamDraw, rng: np.random.Generator):
    """Most teams may release a fifth of their staff; some less, some more; about a third also
    set a minimum headcount that must stay."""
    shares = rng.choice([0.1, 0.15, 0.2, 0.25, 0.3], size=teams.count, p=[0.15, 0.2, 0.35, 0.2, 0.1])
    keep = rng.uniform(0.75, 0.9, size=teams.count)
    has_minimum = rng.random(teams.count) < 0.35
    min_staff = [int(math.ceil(s * k)) if m else None for s, k, m in zip(teams.sizes, keep, has_minimum)]
    return shares, min_staff


# ---------------------------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------------------------


@dataclass
class PeopleDraw:
    team: np.ndarray  # team index per person
    profession: np.ndarray  # profession index
    grade: np.ndarray
    grade_position: np.ndarray  # 0 = bottom of the profession's range, 1 = top
    fte: np.ndarray
    must_practise: np.ndarray
    available: np.ndarray
    levels: np.ndarray  # (people, skills) int8, 0 = not held
    names: list[str]
    aspirations: np.ndarray | None = None  # (people, skills) target level, 0 = none
    preferences: list[list[int]] | None = None

    @property
    def count(self) -> int:
        return len(self.team)


def draw_people(teams: TeamDraw, rng: np.random.Generator) -> PeopleDraw:
    """Staff for every team: professions from the team's mix, grades from a pyramid within the
    profession's range on the employer's scale, skills that follow profession and grade."""
    team = np.repeat(np.arange(teams.count), teams.sizes)
    kinds_present = list({k.key: k for k in teams.kinds}.values())
    kind_number = {k.key: i for i, k in enumerate(kinds_present)}
    kind_of_person = np.array([kind_number[k.key] for k in teams.kinds])[team]
    profession = np.empty(len(team), dtype=np.int16)
    r = rng.random(len(team))
    for number, kind in enumerate(kinds_present):
        who = np.flatnonzero(kind_of_person == number)
        mix_idx = np.array([_PROFESSION_INDEX[p] for p, _ in kind.mix])
        mix_cum = np.cumsum([w for _, w in kind.mix])
        pick = np.minimum(np.searchsorted(mix_cum / mix_cum[-1], r[who], side="right"), len(mix_idx) - 1)
        profession[who] = mix_idx[pick]

    org_of_team = np.array([_ORGANISATIONS.index(k.organisation) for k in teams.kinds])
    org = org_of_team[team]
    grade, position = draw_grades(profession, org, rng)
    levels = draw_skills(profession, position, rng)
    fte = draw_working_time(profession, rng)
    must_practise = draw_must_practise(profession, rng)
    available = rng.random(len(team)) >= 0.04
    names = draw_names(len(team), rng)
    return PeopleDraw(team, profession, grade, position, fte, must_practise, available, levels, names)


def draw_grades(profession: np.ndarray, org: np.ndarray, rng: np.random.Generator):
    """Grades form a pyramid: many at the bottom of the profession's range, few at the top,
    clipped to the employer's own grade scale."""
    low_by_prof = np.array([place.PROFESSIONS[p].grade_low for p in _PROFESSIONS])
    high_by_prof = np.array([place.PROFESSIONS[p].grade_high for p in _PROFESSIONS])
    org_min = np.array([place.ORGANISATIONS[o].grade_min for o in _ORGANISATIONS])
    org_max = np.array([place.ORGANISATIONS[o].grade_max for o in _ORGANISATIONS])
    high = np.minimum(high_by_prof[profession], org_max[org])
    low = np.minimum(np.maximum(low_by_prof[profession], org_min[org]), high)
    span = high - low + 1
    grade = low + np.minimum(span - 1, (span * rng.beta(1.4, 2.4, size=len(profession))).astype(int))
    position = (grade - low) / np.maximum(1, high - low)
    return grade.astype(np.int16), position


def _level(base: float, position: np.ndarray, rng: np.random.Generator, spread: float = 0.6) -> np.ndarray:
    raw = base + 1.4 * (position - 0.4) + rng.normal(0.0, spread, size=len(position))
    return np.clip(np.rint(raw), 1, 5).astype(np.int8)


def draw_skills(profession: np.ndarray, position: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each person holds their profession's usual skills (more senior, higher levels), a few
    cross-cutting skills, and people management the more senior they are."""
    n = len(profession)
    levels = np.zeros((n, len(place.SKILL_IDS)), dtype=np.int8)
    for p_idx, key in enumerate(_PROFESSIONS):
        who = np.flatnonzero(profession == p_idx)
        if len(who) == 0:
            continue
        for skill, share, base in place.PROFESSIONS[key].skills:
            holds = who[rng.random(len(who)) < share]
            levels[holds, _SKILL_INDEX[skill]] = _level(base, position[holds], rng)
        first = _SKILL_INDEX[place.PROFESSIONS[key].skills[0][0]]
        empty = who[levels[who].max(axis=1) == 0]
        levels[empty, first] = _level(place.PROFESSIONS[key].skills[0][2], position[empty], rng)

    for skill, share, base in place.CROSS_CUTTING_SKILLS:
        holds = np.flatnonzero(rng.random(n) < share)
        col = _SKILL_INDEX[skill]
        levels[holds, col] = np.maximum(levels[holds, col], _level(base, np.full(len(holds), 0.4), rng, 0.8))

    manages = np.flatnonzero(rng.random(n) < 0.04 + 0.7 * position**2)
    col = _SKILL_INDEX["people-management"]
    levels[manages, col] = _level(2.2, position[manages], rng)
    return levels


def draw_working_time(profession: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """About one in five works part time; more in care, nursing and advice work."""
    caring = np.isin(profession, [_PROFESSION_INDEX[p] for p in
                                  ("social-care", "nursing", "healthcare-support", "advice-work", "business-support")])
    part_time = rng.random(len(profession)) < np.where(caring, 0.3, 0.17)
    hours = rng.choice([0.4, 0.5, 0.6, 0.7, 0.8, 0.9], size=len(profession), p=[0.08, 0.2, 0.22, 0.12, 0.3, 0.08])
    return np.where(part_time, hours, 1.0)


def draw_must_practise(profession: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Most social workers and many planners must keep 40-60% of their time in practice to keep
    their professional registration."""
    share = np.array([place.PROFESSIONS[p].must_practise_share for p in _PROFESSIONS])[profession]
    practising = rng.random(len(profession)) < share
    amount = rng.choice([0.4, 0.5, 0.6], size=len(profession), p=[0.35, 0.4, 0.25])
    return np.where(practising, amount, 0.0)


def draw_names(n: int, rng: np.random.Generator) -> list[str]:
    """Realistic, diverse UK names: a heritage group per person, and one in ten with a first
    name and surname from different groups."""
    groups = place.NAME_GROUPS
    p = np.array([g[0] for g in groups])
    first_group = rng.choice(len(groups), size=n, p=p / p.sum())
    last_group = np.where(rng.random(n) < 0.1, rng.choice(len(groups), size=n, p=p / p.sum()), first_group)
    first_pick = rng.random(n)
    last_pick = rng.random(n)
    firsts = [np.array(g[1], dtype=object) for g in groups]
    lasts = [np.array(g[2], dtype=object) for g in groups]
    first = np.empty(n, dtype=object)
    last = np.empty(n, dtype=object)
    for g in range(len(groups)):
        sel = first_group == g
        first[sel] = firsts[g][(first_pick[sel] * len(firsts[g])).astype(int)]
        sel = last_group == g
        last[sel] = lasts[g][(last_pick[sel] * len(lasts[g])).astype(int)]
    return [f"{a} {b}" for a, b in zip(first.tolist(), last.tolist())]


# ---------------------------------------------------------------------------------------------
# Opportunities
# ---------------------------------------------------------------------------------------------


@dataclass
class OpportunityDraw:
    host: np.ndarray  # team index
    kind: list[str]
    title: list[str]
    profession: np.ndarray  # profession index practised, -1 = none
    fte: np.ndarray
    capacity: np.ndarray
    grade_min: np.ndarray  # -1 = open
    grade_max: np.ndarray  # -1 = open
    required_skill: np.ndarray  # (opps, 3) skill index, -1 = none
    required_level: np.ndarray  # (opps, 3), 0 = none
    developed_skill: np.ndarray  # (opps, 3) skill index, -1 = none
    developed_level: np.ndarray
    start: list[date]
    end: list[date | None]

    @property
    def count(self) -> int:
        return len(self.host)


# How each kind of opportunity is shaped: required skills (how many, levels), working time,
# capacity, length in months (None = permanent), whether it practises its profession. Roles are
# shaped by `draw_promotion_roles`; only their length (permanent) is read from here.
_KIND_SHAPE = {
    "role": dict(required=(2, 2), levels=(3, 4), fte=((1.0, 0.85), (0.6, 0.15)), capacity=(1, 1),
                 months=None, practises=1.0),
    "secondment": dict(required=(2, 2), levels=(2, 3), fte=((1.0, 0.5), (0.6, 0.25), (0.5, 0.25)),
                       capacity=(1, 2), months=(6, 12), practises=1.0),
    "development_move": dict(required=(1, 2), levels=(2, 3), fte=((1.0, 0.45), (0.6, 0.2), (0.5, 0.2), (0.4, 0.15)),
                             capacity=(1, 1), months=(9, 12), practises=1.0),
    "project": dict(required=(2, 2), levels=(2, 3), fte=((0.2, 0.25), (0.4, 0.35), (0.5, 0.2), (1.0, 0.2)),
                    capacity=(1, 4), months=(3, 9), practises=0.0),
    "shadowing": dict(required=(1, 1), levels=(3, 3), fte=((0.1, 0.6), (0.2, 0.4)), capacity=(2, 5),
                      months=(1, 2), practises=0.0),
}


# Columns of the per-opportunity uniform draws.
_U = {name: i for i, name in enumerate((
    "primary", "mix", "order", "order2", "order3", "n_required", "level", "level2", "level3",
    "delivery", "delivery_skill", "cross_growth", "growth_skill", "fte", "capacity", "practises",
    "grade", "grade_floor", "title", "project_name", "practice", "practice_title", "practice_fte",
    "grown", "model_host",
))}


def draw_opportunities(teams: TeamDraw, staff: PeopleDraw, rng: np.random.Generator) -> OpportunityDraw:
    """About one opportunity per 7.5 people. Roles are promotions modelled on people below the top
    of their profession (`draw_promotion_roles`); secondments, development moves and shadowing
    are modelled on someone too (`shape_opportunity`), and hosted where the model's profession
    works; projects and practice-friendly secondments are hosted by teams in proportion to their
    size."""
    n = max(1, round(staff.count / PEOPLE_PER_OPPORTUNITY))
    host = rng.choice(teams.count, size=n, p=teams.sizes / teams.sizes.sum())
    kind_names = [k for k, _ in place.OPPORTUNITY_KINDS]
    kind_p = np.array([s for _, s in place.OPPORTUNITY_KINDS])
    kinds = [kind_names[i] for i in rng.choice(len(kind_names), size=n, p=kind_p / kind_p.sum())]
    uniform_table = rng.random((n, len(_U)))  # every choice about one opportunity reads its own column
    model = rng.choice(staff.count, size=n, p=_model_weights(staff, MODEL_EXPONENT))
    modelled = np.array([k in MODELLED_KINDS for k in kinds], dtype=bool)
    modelled &= ~((np.array(kinds) == "secondment") & (uniform_table[:, _U["practice"]] < PRACTICE_FRIENDLY_SHARE))
    host[modelled] = _hosts_elsewhere(model[modelled], uniform_table[modelled, _U["model_host"]], teams, staff)
    uniforms = uniform_table.tolist()
    shaped: list[dict] = [
        {} if kind == "role" else
        shape_opportunity(kind, teams.kinds[t], teams.names[t], u,
                          ModelPerson(_PROFESSIONS[staff.profession[m]], int(staff.grade[m]), staff.levels[m])
                          if is_modelled else None)
        for kind, t, u, m, is_modelled in zip(kinds, host.tolist(), uniforms, model.tolist(), modelled.tolist())
    ]
    roles = np.array([i for i, kind in enumerate(kinds) if kind == "role"], dtype=int)
    role_hosts, role_shapes = draw_promotion_roles(len(roles), teams, staff, rng)
    host[roles] = role_hosts
    for i, shape in zip(roles.tolist(), role_shapes):
        shaped[i] = shape

    def table(field: str, width: int, blank: int, dtype) -> np.ndarray:
        out = np.full((n, width), blank, dtype=dtype)
        for i, o in enumerate(shaped):
            values = o[field]
            out[i, : len(values)] = values
        return out

    weeks = rng.integers(0, 26, size=n).tolist()
    lengths = rng.random(n).tolist()
    starts, ends = [], []
    for kind, week, length in zip(kinds, weeks, lengths):
        start = OPPORTUNITIES_FROM + timedelta(weeks=week)
        months = _KIND_SHAPE[kind]["months"]
        starts.append(start)
        ends.append(None if months is None else
                    start + timedelta(days=30 * (months[0] + int(length * (months[1] - months[0] + 1)))))
    return OpportunityDraw(
        host=host, kind=kinds, title=[o["title"] for o in shaped],
        profession=np.array([o["profession"] for o in shaped], dtype=np.int16),
        fte=np.array([o["fte"] for o in shaped]),
        capacity=np.array([o["capacity"] for o in shaped], dtype=np.int16),
        grade_min=np.array([o["grade_min"] for o in shaped], dtype=np.int16),
        grade_max=np.array([o["grade_max"] for o in shaped], dtype=np.int16),
        required_skill=table("required_skill", _MAX_REQUIRED, -1, np.int16),
        required_level=table("required_level", _MAX_REQUIRED, 0, np.int8),
        developed_skill=table("developed_skill", _MAX_DEVELOPED, -1, np.int16),
        developed_level=table("developed_level", _MAX_DEVELOPED, 0, np.int8),
        start=starts, end=ends,
    )


def draw_promotion_roles(count: int, teams: TeamDraw, staff: PeopleDraw, rng: np.random.Generator):
    """Permanent posts one grade up: each role is modelled on someone below the top of their
    profession (each profession and grade getting posts a little less than in proportion to its
    headcount, `ROLE_MODEL_EXPONENT`), as a service advertises the next post up for the people
    it grows. The post is in
    that profession, hosted by another team of the same employer where the profession works
    (another employer's when there is none), open to its own grade and the two below it; its
    top grade (`grade_max`) is one above the person's. It asks for the most common skill of the
    profession the person holds, at their level (2 or 3); posts above the lowest third of the
    profession's ladder also ask for the next skill they hold, a level below theirs (at least 2),
    and develop people management. So colleagues one or two grades down can apply now, or after
    a development move. Each post develops its first skill one level further. Titles follow the
    profession's ladder (`LADDER_TITLES`): Senior Social Worker, Band 7 Ward Sister, Detective
    Sergeant...

    Returns the host team of each role and its shape (as `shape_opportunity` gives)."""
    if count == 0:
        return np.zeros(0, dtype=int), []
    below_top = np.flatnonzero(staff.grade_position < 1)
    if len(below_top) == 0:
        below_top = np.arange(staff.count)
    weights = _model_weights(staff, ROLE_MODEL_EXPONENT)[below_top]
    model = below_top[rng.choice(len(below_top), size=count, p=weights / weights.sum())]
    u = rng.random((count, 2))
    hosts = _hosts_elsewhere(model, u[:, 0], teams, staff)
    org_of_team = [kind.organisation for kind in teams.kinds]
    shapes = []
    for person, host, u_fte in zip(model.tolist(), hosts.tolist(), u[:, 1].tolist()):
        prof_key = _PROFESSIONS[staff.profession[person]]
        prof = place.PROFESSIONS[prof_key]
        org = place.ORGANISATIONS[org_of_team[host]]
        low = max(prof.grade_low, org.grade_min)
        high = max(low + 1, min(prof.grade_high, org.grade_max))
        grade_max = int(min(high, max(low + 1, staff.grade[person] + 1)))
        grade_min = max(low, grade_max - 2)
        skills, shares = _COMMON_SKILLS[prof_key]
        held = sorted((-share, s) for s, share in zip(skills, shares) if staff.levels[person, _SKILL_INDEX[s]] > 0)[:2]
        required_skill = [_SKILL_INDEX[s] for _, s in held] or [_SKILL_INDEX[skills[0]]]
        senior = (grade_max - prof.grade_low) / max(1, prof.grade_high - prof.grade_low) > 0.34
        if not senior:
            required_skill = required_skill[:1]
        levels = [min(3, max(2, int(staff.levels[person, s]))) for s in required_skill]
        required_level = levels[:1] + [max(2, lv - 1) for lv in levels[1:]]
        developed = {required_skill[0]: min(5, required_level[0] + 1)}
        if senior:
            developed.setdefault(_SKILL_INDEX["people-management"], 3)
        title = place.LADDER_TITLES[prof_key][min(grade_max - prof.grade_low, len(place.LADDER_TITLES[prof_key])) - 1]
        shapes.append(dict(
            title=f"{title}, {teams.names[host]}", profession=_PROFESSION_INDEX[prof_key],
            fte=1.0 if u_fte < 0.85 else 0.6, capacity=1, grade_min=grade_min, grade_max=grade_max,
            required_skill=required_skill, required_level=required_level,
            developed_skill=list(developed), developed_level=list(developed.values()),
        ))
    return hosts, shapes


def _model_weights(staff: PeopleDraw, exponent: float = 1.0) -> np.ndarray:
    """How likely each person is to be the model for an opportunity: every profession and grade
    (a cell) gets openings in proportion to its headcount to the power `exponent` (1: as many
    people, as many openings; 0: every cell the same), so small professions and senior grades
    are not left without and the large groups are not flooded."""
    cell = staff.profession.astype(np.int64) * 100 + staff.grade
    _, index, headcount = np.unique(cell, return_inverse=True, return_counts=True)
    weights = headcount[index].astype(float) ** (exponent - 1.0)
    return weights / weights.sum()


def _hosts_elsewhere(model: np.ndarray, u: np.ndarray, teams: TeamDraw, staff: PeopleDraw) -> np.ndarray:
    """For each model person, a team other than their own: one where their profession works, of
    their own employer when there is one, else of another; when their profession works in their
    team alone, another team of their employer (a finance business partner in a service team).
    Chosen in proportion to how many of the profession (or people) the team has."""
    sizes = teams.sizes.astype(float)
    org_of_team = np.array([_ORGANISATIONS.index(k.organisation) for k in teams.kinds])
    share = np.zeros((teams.count, len(_PROFESSIONS)))
    for t, kind in enumerate(teams.kinds):
        for prof_key, w in kind.mix:
            share[t, _PROFESSION_INDEX[prof_key]] = w * sizes[t]
    hosts = np.empty(len(model), dtype=int)
    candidates: dict[tuple[int, int, int], tuple[np.ndarray, np.ndarray]] = {}
    for i, (person, x) in enumerate(zip(model.tolist(), u.tolist())):
        prof, home = int(staff.profession[person]), int(staff.team[person])
        org = int(org_of_team[home])
        # only whether home is the profession's sole team matters, so most people share a key
        key = (prof, org, home if (share[:, prof] > 0).sum() <= 1 or
               ((share[:, prof] > 0) & (org_of_team == org)).sum() <= 1 else -1)
        if key not in candidates:
            for weights in (share[:, prof] * (org_of_team == org), share[:, prof], sizes * (org_of_team == org), sizes):
                weights = weights.copy()
                if key[2] >= 0:
                    weights[home] = 0.0
                if (weights > 0).any():
                    break
            teams_with = np.flatnonzero(weights > 0)
            candidates[key] = (teams_with, np.cumsum(weights[teams_with]))
        teams_with, cumulative = candidates[key]
        pick = min(int(np.searchsorted(cumulative, x * cumulative[-1], side="right")), len(teams_with) - 1)
        if teams_with[pick] == home:  # a shared key: step to the next team
            pick = (pick + 1) % len(teams_with)
        hosts[i] = teams_with[pick]
    return hosts


def _pick(cumulative: list[float], u: float) -> int:
    return min(bisect.bisect_right(cumulative, u * cumulative[-1]), len(cumulative) - 1)


@dataclass(frozen=True)
class ModelPerson:
    """The person an opportunity is modelled on: their profession, grade and skill levels."""

    profession: str
    grade: int
    levels: np.ndarray  # level per skill of the catalogue, 0 = not held


def shape_opportunity(kind: str, team_kind: place.TeamKind, team_name: str, u: list[float],
                      model: ModelPerson | None = None) -> dict:
    """One opportunity other than a role (see `draw_promotion_roles`) in a team of `team_kind`:
    it practises the team's main profession (or another in its mix), asks for one or two of that
    profession's usual skills (most projects swap one for a delivery skill, to draw people across
    professions), develops a further skill of the profession and often a cross-cutting one, and
    development moves and shadowing carry grade bounds. Some secondments and projects are practice-friendly
    instead (see `practice_friendly_opportunity`).

    Secondments, development moves and shadowing are modelled on someone (`model`), so every
    profession, small ones too, has openings its people can take: the opportunity practises the
    model's profession, asks only for skills the model holds and at most at their level, is open
    to a band around their grade (from one grade below; up to one above), and develops a skill
    of the profession they hold below level 3."""
    if kind in ("secondment", "project") and u[_U["practice"]] < PRACTICE_FRIENDLY_SHARE:
        return practice_friendly_opportunity(kind, team_name, u)
    shape = _KIND_SHAPE[kind]
    mix = team_kind.mix
    if model is not None:
        prof_key = model.profession
    elif u[_U["primary"]] < 0.6:
        prof_key = mix[0][0]
    else:
        prof_key = mix[_pick(_MIX_CUMULATIVE[team_kind.key], u[_U["mix"]])][0]
    prof = place.PROFESSIONS[prof_key]
    skills, shares = all_skills, _ = _COMMON_SKILLS[prof_key]
    if model is not None:
        held = [k for k, s in enumerate(skills) if model.levels[_SKILL_INDEX[s]] > 0]
        if held:
            skills, shares = [skills[k] for k in held], [shares[k] for k in held]

    order = _weighted_order(shares, u[_U["order"]:_U["order"] + _MAX_REQUIRED])
    low_req, high_req = shape["required"]
    n_req = min(len(order), low_req + int(u[_U["n_required"]] * (high_req - low_req + 1)))
    if model is not None and kind != "shadowing":
        n_req = min(len(order), 2)  # two of the model's skills: the move builds on what they do
    low_lvl, high_lvl = shape["levels"]
    required_skill = [_SKILL_INDEX[skills[order[k]]] for k in range(n_req)]
    required_level = [low_lvl + int(u[_U["level"] + k] * (high_lvl - low_lvl + 1)) for k in range(n_req)]
    if model is not None:
        required_level = [max(1, min(lv, int(model.levels[s]))) for s, lv in zip(required_skill, required_level)]
    if kind == "project" and u[_U["delivery"]] < 0.6:
        required_skill[0] = _SKILL_INDEX[place.DEVELOPMENT_SKILLS[int(u[_U["delivery_skill"]] * 4)]]
        required_level[0] = 3

    developed: list[tuple[int, int]] = []
    if kind != "project":
        grown = skills[order[min(n_req, len(order) - 1)]]
        if model is not None:
            fresh = [s for s in all_skills if model.levels[_SKILL_INDEX[s]] < 3
                     and _SKILL_INDEX[s] not in required_skill] or list(all_skills)
            grown = fresh[int(u[_U["grown"]] * len(fresh))]
        developed.append((_SKILL_INDEX[grown], 2 if kind == "shadowing" else 3))
    if kind not in ("project", "shadowing"):
        developed.append((required_skill[0], min(5, required_level[0] + 1)))
    if kind == "project" or (kind != "shadowing" and u[_U["cross_growth"]] < 0.6):
        pool = place.DEVELOPMENT_SKILLS
        developed.append((_SKILL_INDEX[pool[int(u[_U["growth_skill"]] * len(pool))]], 3))
    unique: dict[int, int] = {}
    for skill, level in developed:
        unique.setdefault(skill, level)
    developed = list(unique.items())[:_MAX_DEVELOPED]

    fte = shape["fte"][_pick(_FTE_CUMULATIVE[kind], u[_U["fte"]])][0]
    low_cap, high_cap = shape["capacity"]

    org = place.ORGANISATIONS[team_kind.organisation]
    low = max(prof.grade_low, org.grade_min)
    high = max(low, min(prof.grade_high, org.grade_max))
    at_grade = low + int(u[_U["grade"]] * (high - low + 1))
    if model is not None:  # open to the model's grade: at it, or one above for moves and shadowing
        step_up = int(kind != "secondment" and u[_U["grade"]] < 0.5)
        at_grade = min(high, max(low, model.grade + step_up))
    grade_min = grade_max = -1
    if kind in ("development_move", "shadowing"):
        grade_max = at_grade
    elif kind == "secondment" and u[_U["grade_floor"]] < 0.5:
        grade_min = max(1, at_grade - 2)
    if model is not None:  # for the model's grade band: from one grade below theirs
        grade_min = max(low, min(model.grade, high) - 1)
        grade_max = at_grade if kind != "secondment" else min(high, at_grade + 1)

    return dict(
        title=_title(kind, prof, team_name, u[_U["title"]], u[_U["project_name"]]),
        profession=_PROFESSION_INDEX[prof_key] if u[_U["practises"]] < shape["practises"] else -1,
        fte=fte, capacity=low_cap + int(u[_U["capacity"]] * (high_cap - low_cap + 1)),
        grade_min=grade_min, grade_max=grade_max,
        required_skill=required_skill, required_level=required_level,
        developed_skill=[s for s, _ in developed], developed_level=[lv for _, lv in developed],
    )


_MIX_CUMULATIVE = {k.key: list(itertools.accumulate(w for _, w in k.mix)) for k in place.TEAM_KINDS.values()}
_FTE_CUMULATIVE = {kind: list(itertools.accumulate(p for _, p in s["fte"])) for kind, s in _KIND_SHAPE.items()}


def practice_friendly_opportunity(kind: str, team_name: str, u: list[float]) -> dict:
    """A part-time (0.4 or 0.5) secondment or project, open to every grade, that asks for a skill
    social workers or planners hold, so people who must keep practising can take it."""
    title, required, developed = place.PRACTICE_FRIENDLY[int(u[_U["practice_title"]] * len(place.PRACTICE_FRIENDLY))]
    label = "Secondment" if kind == "secondment" else "Project"
    return dict(
        title=f"{label} (part time): {title}, {team_name}", profession=-1,
        fte=0.4 if u[_U["practice_fte"]] < 0.5 else 0.5, capacity=1 + int(u[_U["capacity"]] * 2),
        grade_min=-1, grade_max=-1,
        required_skill=[_SKILL_INDEX[s] for s in required], required_level=list(required.values()),
        developed_skill=[_SKILL_INDEX[s] for s in developed], developed_level=list(developed.values()),
    )


# A profession's usual skills without the rare ones (no opportunity asks for a rare skill).
_COMMON_SKILLS = {
    key: ([s for s, _, _ in p.skills if s not in place.RARE_SKILLS],
          [sh for s, sh, _ in p.skills if s not in place.RARE_SKILLS])
    for key, p in place.PROFESSIONS.items()
}


def _weighted_order(weights: list[float], u: list[float]) -> list[int]:
    """The first len(u) items drawn without replacement, heavier ones more likely first."""
    remaining = list(range(len(weights)))
    w = list(weights)
    order = []
    for x in u[: len(weights)]:
        chosen = _pick(list(itertools.accumulate(w)), x)
        order.append(remaining.pop(chosen))
        w.pop(chosen)
    return order


def _title(kind: str, prof: place.Profession, team_name: str, u_title: float, u_project: float) -> str:
    job = prof.titles[int(u_title * len(prof.titles))]
    if kind == "secondment":
        return f"Secondment: {job}, {team_name}"
    if kind == "development_move":
        return f"Development move: {job}, {team_name}"
    if kind == "shadowing":
        return f"Shadowing: {job}, {team_name}"
    return f"Project: {place.PROJECT_NAMES[int(u_project * len(place.PROJECT_NAMES))]} ({team_name})"


# ---------------------------------------------------------------------------------------------
# What people want: aspirations and ranked preferences
# ---------------------------------------------------------------------------------------------


def draw_aspirations(staff: PeopleDraw, opps: OpportunityDraw, rng: np.random.Generator) -> np.ndarray:
    """Three in four people name one to three skill goals: the next level of a skill of their own
    profession, or a new skill that opportunities in the place can develop."""
    n, n_skills = staff.levels.shape
    goals = np.zeros((n, n_skills), dtype=np.int8)
    wanted = rng.choice(4, size=n, p=[0.25, 0.4, 0.25, 0.1])

    developed = opps.developed_skill[opps.developed_skill >= 0]
    pool_w = np.bincount(developed, minlength=n_skills).astype(float) + 0.2
    pool_w[[_SKILL_INDEX[s] for s in place.RARE_SKILLS]] = 0.05
    pool_cum = np.cumsum(pool_w / pool_w.sum())

    prof_cum = np.zeros((len(_PROFESSIONS), n_skills))
    for p_idx, key in enumerate(_PROFESSIONS):
        w = np.zeros(n_skills)
        for skill, share, _ in place.PROFESSIONS[key].skills:
            w[_SKILL_INDEX[skill]] = share
        prof_cum[p_idx] = np.cumsum(w / w.sum())

    rows = np.arange(n)
    for slot in range(3):
        own = rng.random(n) < 0.55
        r = rng.random(n)
        from_own = (prof_cum[staff.profession] < r[:, None]).sum(axis=1)
        from_pool = np.searchsorted(pool_cum, r)
        skill = np.minimum(np.where(own, from_own, from_pool), n_skills - 1)
        current = staff.levels[rows, skill]
        target = np.maximum(current + 1, rng.choice([2, 3], size=n, p=[0.4, 0.6]))
        ok = (slot < wanted) & (target <= 5) & (goals[rows, skill] == 0)
        goals[rows[ok], skill[ok]] = target[ok]
    return goals


PREFERENCE_CANDIDATES = (10, 6, 3)  # by a skill they hold, by an aspiration, anywhere


def draw_preferences(staff: PeopleDraw, opps: OpportunityDraw, rng: np.random.Generator) -> list[list[int]]:
    """Four in five people rank up to five opportunities, best first: mostly ones they are
    eligible for or one level short of, favouring those that develop their aspirations, and
    now and then an aspirational one they cannot take yet."""
    n = staff.count
    by_skill, by_goal, anywhere = PREFERENCE_CANDIDATES
    requiring = _opportunities_by_skill(opps.required_skill, opps.count)
    developing = _opportunities_by_skill(opps.developed_skill, opps.count)

    anchor = _weighted_column(staff.levels.astype(float), rng)
    goal = _weighted_column(staff.aspirations.astype(float), rng)
    candidates = np.concatenate(
        [
            _draw_from_lists(requiring, anchor, by_skill, opps.count, rng),
            _draw_from_lists(developing, goal, by_goal, opps.count, rng),
            rng.integers(0, opps.count, size=(n, anywhere)),
        ],
        axis=1,
    )

    person = np.arange(n)[:, None]
    short = np.zeros(candidates.shape, dtype=np.int16)  # levels missing, all skills together
    widest = np.zeros(candidates.shape, dtype=np.int16)  # levels missing in the worst skill
    for k in range(_MAX_REQUIRED):
        skill = opps.required_skill[candidates, k]
        need = opps.required_level[candidates, k].astype(np.int16)
        have = staff.levels[person, np.maximum(skill, 0)].astype(np.int16)
        gap = np.where(skill >= 0, np.maximum(0, need - have), 0)
        short += gap
        widest = np.maximum(widest, gap)
    grade_min = np.where(opps.grade_min < 0, -OPEN_GRADE, opps.grade_min.astype(np.int64))
    grade_max = np.where(opps.grade_max < 0, OPEN_GRADE, opps.grade_max.astype(np.int64))
    grade_ok = grade_within_bounds_mask(staff.grade[:, None], grade_min[candidates], grade_max[candidates])
    practise_ok = practice_time_kept_mask(staff.must_practise[:, None], staff.profession[:, None],
                                          opps.fte[candidates], opps.profession[candidates])
    elsewhere = not_own_team_mask(staff.team[:, None], opps.host[candidates])
    grows = np.zeros(candidates.shape, dtype=bool)
    for k in range(_MAX_DEVELOPED):
        skill = opps.developed_skill[candidates, k]
        grows |= (skill >= 0) & (staff.aspirations[person, np.maximum(skill, 0)] > 0)

    fits = grade_ok & practise_ok & elsewhere
    eligible = fits & (short == 0)
    near = fits & (short > 0) & (widest <= 1)  # eligible with a stretch of one level
    dreams = grows & ~eligible & ~near & elsewhere & (rng.random(n) < 0.35)[:, None]
    score = rng.random(candidates.shape) + 1.5 * grows
    score += np.where(eligible, 4.0, 0.0) + np.where(near, 3.0 - 0.5 * short, 0.0)
    score[~(eligible | near | dreams)] = -1.0
    score[dreams] = 1.0 + 0.1 * rng.random(int(dreams.sum()))

    # a candidate drawn twice counts once
    order = np.argsort(candidates, axis=1, kind="stable")
    sorted_c = np.take_along_axis(candidates, order, axis=1)
    repeat = np.zeros(candidates.shape, dtype=bool)
    repeat[:, 1:] = sorted_c[:, 1:] == sorted_c[:, :-1]
    dup = np.zeros(candidates.shape, dtype=bool)
    np.put_along_axis(dup, order, repeat, axis=1)
    score[dup] = -1.0

    how_many = rng.choice(6, size=n, p=[0.2, 0.12, 0.18, 0.2, 0.12, 0.18])
    ranked = np.argsort(-score, axis=1, kind="stable")[:, :5]
    ranked_scores = np.take_along_axis(score, ranked, axis=1)
    ranked_opps = np.take_along_axis(candidates, ranked, axis=1)
    aspirational = (ranked_scores > 0) & (ranked_scores < 1.2)
    keep = (ranked_scores > 0) & (np.arange(5)[None, :] < how_many[:, None])
    keep &= ~aspirational | (np.cumsum(aspirational, axis=1) <= 1)  # at most one dream each
    return [row[mask].tolist() for row, mask in zip(ranked_opps, keep)]


def _opportunities_by_skill(skill_table: np.ndarray, n_opps: int) -> list[np.ndarray]:
    rows, cols = np.nonzero(skill_table >= 0)
    skills = skill_table[rows, cols]
    order = np.argsort(skills, kind="stable")
    rows, skills = rows[order], skills[order]
    bounds = np.searchsorted(skills, np.arange(len(place.SKILL_IDS) + 1))
    return [rows[bounds[s]:bounds[s + 1]] for s in range(len(place.SKILL_IDS))]


def _weighted_column(weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """For each row, a column drawn in proportion to its weight (-1 when the row is all zero)."""
    cumulative = np.cumsum(weights, axis=1)
    total = cumulative[:, -1]
    r = rng.random(len(weights)) * total
    column = (cumulative <= r[:, None]).sum(axis=1)
    return np.where(total > 0, np.minimum(column, weights.shape[1] - 1), -1)


def _draw_from_lists(lists: list[np.ndarray], key: np.ndarray, k: int, n_opps: int, rng) -> np.ndarray:
    """k opportunities per person from the list named by their key (anywhere, when it is empty)."""
    out = rng.integers(0, n_opps, size=(len(key), k))
    for s, members in enumerate(lists):
        if len(members) == 0:
            continue
        who = np.flatnonzero(key == s)
        if len(who):
            out[who] = members[rng.integers(0, len(members), size=(len(who), k))]
    return out


# ---------------------------------------------------------------------------------------------
# Critical skills
# ---------------------------------------------------------------------------------------------


def set_critical_skills(teams: TeamDraw, staff: PeopleDraw, rng: np.random.Generator):
    """Each team must keep about half of the people holding its critical skills, so some can go
    and some must stay. A critical skill nobody in the team holds is dropped, except in a few
    teams (about one in eighteen) that already lack one: those are the gaps `validate` warns of."""
    start = np.concatenate([[0], np.cumsum(teams.sizes)])
    short_teams = set(rng.choice(teams.count, size=max(1, round(teams.count * SHORT_TEAM_SHARE)),
                                 replace=False).tolist())
    keep_share = rng.uniform(0.35, 0.65, size=teams.count)
    result = []
    for t, kind in enumerate(teams.kinds):
        members = staff.levels[start[t]:start[t + 1]]
        critical = []
        for j, (skill, level) in enumerate(kind.critical):
            col = _SKILL_INDEX[skill]
            holders = int((members[:, col] >= level).sum())
            if t in short_teams and j == len(kind.critical) - 1:
                critical.append((skill, level, holders + 1))
                continue
            while holders == 0 and level > 1:
                level -= 1
                holders = int((members[:, col] >= level).sum())
            if holders:
                critical.append((skill, level, max(1, math.ceil(holders * keep_share[t]))))
        result.append(tuple(critical))
    return result


# ---------------------------------------------------------------------------------------------
# Crisis
# ---------------------------------------------------------------------------------------------

# (team kind, skill, level, priority, units per 600 staff)
CRISIS_NEEDS: tuple[tuple[str, str, int, int, float], ...] = (
    ("emergency-dept", "clinical-assessment", 3, 1, 6),
    ("acute-ward", "medication-administration", 3, 1, 5),
    ("reablement", "personal-care", 2, 1, 4),
    ("patient-flow", "discharge-planning", 3, 1, 3),
    ("mental-health-crisis", "approved-mental-health-practice", 3, 1, 2),
    ("control-room", "call-handling", 2, 1, 4),
    ("resilience", "emergency-planning", 3, 1, 2),
    ("acute-ward", "personal-care", 2, 2, 4),
    ("vaccination", "vaccination", 2, 2, 3),
    ("adults-sc", "care-assessment", 3, 2, 2),
    ("food-network", "volunteer-coordination", 2, 2, 3),
    ("public-health", "data-analysis", 2, 2, 2),
    ("council-comms", "british-sign-language", 3, 2, 2),
    ("emergency-dept", "business-administration", 2, 3, 2),
    ("vaccination", "business-administration", 2, 3, 3),
    ("food-network", "community-engagement", 2, 3, 4),
    ("public-health", "contact-tracing", 1, 3, 2),
    ("communities", "language-urdu", 3, 3, 2),
    ("communities", "language-polish", 3, 4, 2),
    ("contact-centre", "call-handling", 1, 4, 4),
    ("libraries", "business-administration", 1, 4, 3),
)


def draw_crisis_statuses(teams: TeamDraw) -> list[str]:
    """The business continuity plan decides: planned and non-urgent services (elective surgery,
    outpatients, planning, therapies, face-to-face advice...) pause and release their staff;
    urgent ones (emergency care, wards, control room, safeguarding...) are critical and release
    nobody; the rest carry on as normal."""
    return [kind.crisis_status for kind in teams.kinds]


def draw_last_redeployed(people: int, rng: np.random.Generator) -> list[date | None]:
    """One in eight was redeployed before; about a third of them within the last four weeks,
    so they must rest now."""
    redeployed = rng.random(people) < 0.12
    days_ago = np.where(rng.random(people) < 0.33, rng.integers(1, 28, size=people),
                        rng.integers(29, 400, size=people))
    return [PLAN_DATE - timedelta(days=int(d)) if r else None for r, d in zip(redeployed, days_ago)]


def draw_crisis_demand(teams: TeamDraw, statuses: list[str], people: int, rng: np.random.Generator) -> list[Demand]:
    """Demand in proportion to the workforce, spread over the teams of the kind that needs it
    (when the place has none of that kind: a working team of the same service, else a critical
    team of the same employer). Paused teams never ask for people."""
    by_kind: dict[str, list[int]] = {}
    for t, kind in enumerate(teams.kinds):
        by_kind.setdefault(kind.key, []).append(t)
    rows: dict[tuple[int, str, int, int], int] = {}
    for kind_key, skill, level, priority, per_600 in CRISIS_NEEDS:
        hosts = [t for t in by_kind.get(kind_key, []) if statuses[t] != "paused"]
        if not hosts:
            wanted = place.TEAM_KINDS[kind_key]
            hosts = (
                [t for t, k in enumerate(teams.kinds)
                 if (k.organisation, k.service) == (wanted.organisation, wanted.service) and statuses[t] != "paused"]
                or [t for t, k in enumerate(teams.kinds) if k.organisation == wanted.organisation and statuses[t] == "critical"]
                or [t for t, s in enumerate(statuses) if s == "critical"]
                or [0]
            )
            hosts = [hosts[int(rng.integers(0, len(hosts)))]]
        units = max(1, round(per_600 * people / 600))
        split = rng.multinomial(units, np.full(len(hosts), 1 / len(hosts)))
        for t, count in zip(hosts, split):
            if count:
                key = (t, skill, level, priority)
                rows[key] = rows.get(key, 0) + int(count)
    return [
        Demand(team_id=teams.ids[t], skill=skill, level=level, count=count, priority=priority)
        for (t, skill, level, priority), count in sorted(rows.items(), key=lambda kv: (kv[0][3], kv[0][0], kv[0][1]))
    ]


# ---------------------------------------------------------------------------------------------
# Domain objects
# ---------------------------------------------------------------------------------------------


def _team_models(teams: TeamDraw, statuses: list[str]) -> tuple[Team, ...]:
    return tuple(
        Team(
            team_id=teams.ids[t],
            name=teams.names[t],
            organisation=place.ORGANISATIONS[kind.organisation].name,
            service=kind.service,
            max_release_share=float(teams.release_share[t]),
            min_staff=teams.min_staff[t],
            critical_skills=tuple(CriticalSkill(skill=s, level=lv, count=c) for s, lv, c in teams.critical[t]),
            status=TeamStatus(statuses[t]),
        )
        for t, kind in enumerate(teams.kinds)
    )


def _sparse_rows(matrix: np.ndarray) -> list[dict[str, int]]:
    """Each row of a (people, skills) level matrix as {skill: level}, in catalogue order."""
    rows, cols = np.nonzero(matrix)
    values = matrix[rows, cols].tolist()
    names = [place.SKILL_IDS[c] for c in cols.tolist()]
    bounds = np.searchsorted(rows, np.arange(len(matrix) + 1)).tolist()
    return [dict(zip(names[bounds[i]:bounds[i + 1]], values[bounds[i]:bounds[i + 1]])) for i in range(len(matrix))]


def _person_ids(n: int) -> list[str]:
    width = max(5, len(str(n)))
    return [f"P{i + 1:0{width}d}" for i in range(n)]


def _opportunity_ids(n: int) -> list[str]:
    width = max(4, len(str(n)))
    return [f"OPP{i + 1:0{width}d}" for i in range(n)]


def _person_models(staff: PeopleDraw, teams: TeamDraw, opps: OpportunityDraw,
                   last_redeployed: list[date | None]) -> tuple[Person, ...]:
    ids = _person_ids(staff.count)
    opp_ids = _opportunity_ids(opps.count)
    skills = _sparse_rows(staff.levels)
    goals = _sparse_rows(staff.aspirations)
    team_ids = [teams.ids[t] for t in staff.team.tolist()]
    professions = [_PROFESSIONS[p] for p in staff.profession.tolist()]
    grades = staff.grade.tolist()
    fte = staff.fte.tolist()
    practise = staff.must_practise.tolist()
    available = staff.available.tolist()
    return tuple(
        Person(
            person_id=ids[i], name=staff.names[i], team_id=team_ids[i], grade=grades[i],
            profession=professions[i], fte=fte[i], skills=skills[i], aspirations=goals[i],
            preferences=tuple(opp_ids[o] for o in staff.preferences[i]), must_practise=practise[i],
            available=available[i], last_redeployed=last_redeployed[i],
        )
        for i in range(staff.count)
    )


def _levels_of(skill_row: list[int], level_row: list[int]) -> dict[str, int]:
    return {place.SKILL_IDS[s]: lv for s, lv in zip(skill_row, level_row) if s >= 0}


def _opportunity_models(opps: OpportunityDraw, teams: TeamDraw) -> tuple[Opportunity, ...]:
    ids = _opportunity_ids(opps.count)
    host, capacity, fte = opps.host.tolist(), opps.capacity.tolist(), opps.fte.tolist()
    req_s, req_l = opps.required_skill.tolist(), opps.required_level.tolist()
    dev_s, dev_l = opps.developed_skill.tolist(), opps.developed_level.tolist()
    g_min, g_max, prof = opps.grade_min.tolist(), opps.grade_max.tolist(), opps.profession.tolist()
    return tuple(
        Opportunity(
            opportunity_id=ids[i], title=opps.title[i], kind=opps.kind[i],
            host_team_id=teams.ids[host[i]], capacity=capacity[i], fte=fte[i],
            required_skills=_levels_of(req_s[i], req_l[i]),
            development_skills=_levels_of(dev_s[i], dev_l[i]),
            grade_min=g_min[i] if g_min[i] >= 0 else None,
            grade_max=g_max[i] if g_max[i] >= 0 else None,
            profession=_PROFESSIONS[prof[i]] if prof[i] >= 0 else "",
            start=opps.start[i], end=opps.end[i],
        )
        for i in range(opps.count)
    )


# ---------------------------------------------------------------------------------------------
# Measuring what was generated
# ---------------------------------------------------------------------------------------------


def eligible_pair_count(scenario: Scenario, stretch_levels: int = 0) -> int:
    """How many (person, opportunity) pairs pass the contract's eligibility rules 1-4
    (`planner.eligibility.eligibility_mask`), to calibrate the generator.

    Counted a block of people at a time, so memory stays flat at 50,000 people."""
    people, opportunities = eligibility_arrays(scenario)
    rows = len(people.grade)
    if rows == 0 or len(opportunities.fte) == 0:
        return 0
    block = max(1, _COUNT_BLOCK_CELLS // len(opportunities.fte))
    return sum(
        int(eligibility_mask(people.take(np.arange(start, min(rows, start + block))), opportunities,
                             stretch_levels).sum())
        for start in range(0, rows, block)
    )
