"""Opportunities of every kind, each modelled on someone who could take it (or on a team)."""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from planner import sample_place as place
from planner.generate.people import PeopleDraw
from planner.generate.settings import (
    MAX_DEVELOPED,
    MAX_REQUIRED,
    MODEL_EXPONENT,
    MODELLED_KINDS,
    OPPORTUNITIES_FROM,
    PEOPLE_PER_OPPORTUNITY,
    PRACTICE_FRIENDLY_SHARE,
    PROFESSION_INDEX,
    PROFESSION_KEYS,
    ROLE_MODEL_EXPONENT,
    SKILL_INDEX,
)
from planner.generate.teams import TeamDraw

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
    remote: np.ndarray | None = None  # bool per opportunity; None: no regions, nothing remote

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
                          ModelPerson(PROFESSION_KEYS[staff.profession[m]], int(staff.grade[m]), staff.levels[m])
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
        required_skill=table("required_skill", MAX_REQUIRED, -1, np.int16),
        required_level=table("required_level", MAX_REQUIRED, 0, np.int8),
        developed_skill=table("developed_skill", MAX_DEVELOPED, -1, np.int16),
        developed_level=table("developed_level", MAX_DEVELOPED, 0, np.int8),
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
        prof_key = PROFESSION_KEYS[staff.profession[person]]
        prof = place.PROFESSIONS[prof_key]
        org = place.ORGANISATIONS[org_of_team[host]]
        low = max(prof.grade_low, org.grade_min)
        high = max(low + 1, min(prof.grade_high, org.grade_max))
        grade_max = int(min(high, max(low + 1, staff.grade[person] + 1)))
        grade_min = max(low, grade_max - 2)
        skills, shares = _COMMON_SKILLS[prof_key]
        held = sorted((-share, s) for s, share in zip(skills, shares) if staff.levels[person, SKILL_INDEX[s]] > 0)[:2]
        required_skill = [SKILL_INDEX[s] for _, s in held] or [SKILL_INDEX[skills[0]]]
        senior = (grade_max - prof.grade_low) / max(1, prof.grade_high - prof.grade_low) > 0.34
        if not senior:
            required_skill = required_skill[:1]
        levels = [min(3, max(2, int(staff.levels[person, s]))) for s in required_skill]
        required_level = levels[:1] + [max(2, lv - 1) for lv in levels[1:]]
        developed = {required_skill[0]: min(5, required_level[0] + 1)}
        if senior:
            developed.setdefault(SKILL_INDEX["people-management"], 3)
        title = place.LADDER_TITLES[prof_key][min(grade_max - prof.grade_low, len(place.LADDER_TITLES[prof_key])) - 1]
        shapes.append(dict(
            title=f"{title}, {teams.names[host]}", profession=PROFESSION_INDEX[prof_key],
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
    their own employer when there is one, else of another in their region; when their profession
    works in their team alone, another team of their employer (a finance business partner in a
    service team). Chosen in proportion to how many of the profession (or people) the team has.
    (Without regions the whole place is one region.)"""
    sizes = teams.sizes.astype(float)
    org_of_team = teams.organisation_codes()
    region_of_team = teams.region_of_team
    share = np.zeros((teams.count, len(PROFESSION_KEYS)))
    for t, kind in enumerate(teams.kinds):
        for prof_key, w in kind.mix:
            share[t, PROFESSION_INDEX[prof_key]] = w * sizes[t]
    # How many teams of each region and of each employer the profession works in, counted once:
    # counting per model person would cost (opportunities x teams) at national scale.
    works = (share > 0).astype(int)
    teams_in_region = np.zeros((region_of_team.max() + 1, works.shape[1]), dtype=int)
    np.add.at(teams_in_region, region_of_team, works)
    teams_in_org = np.zeros((org_of_team.max() + 1, works.shape[1]), dtype=int)
    np.add.at(teams_in_org, org_of_team, works)
    hosts = np.empty(len(model), dtype=int)
    candidates: dict[tuple[int, int, int], tuple[np.ndarray, np.ndarray]] = {}
    professions, homes = staff.profession.tolist(), staff.team.tolist()
    for i, (person, x) in enumerate(zip(model.tolist(), u.tolist())):
        prof, home = professions[person], homes[person]
        org, region = int(org_of_team[home]), int(region_of_team[home])
        # only whether home is the profession's sole team matters, so most people share a key
        key = (prof, org, home if teams_in_region[region, prof] <= 1 or teams_in_org[org, prof] <= 1 else -1)
        if key not in candidates:
            same_org, same_region = org_of_team == org, region_of_team == region
            for weights in (share[:, prof] * same_org, share[:, prof] * same_region, sizes * same_org,
                            sizes * same_region, sizes):
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
        held = [k for k, s in enumerate(skills) if model.levels[SKILL_INDEX[s]] > 0]
        if held:
            skills, shares = [skills[k] for k in held], [shares[k] for k in held]

    order = _weighted_order(shares, u[_U["order"]:_U["order"] + MAX_REQUIRED])
    low_req, high_req = shape["required"]
    n_req = min(len(order), low_req + int(u[_U["n_required"]] * (high_req - low_req + 1)))
    if model is not None and kind != "shadowing":
        n_req = min(len(order), 2)  # two of the model's skills: the move builds on what they do
    low_lvl, high_lvl = shape["levels"]
    required_skill = [SKILL_INDEX[skills[order[k]]] for k in range(n_req)]
    required_level = [low_lvl + int(u[_U["level"] + k] * (high_lvl - low_lvl + 1)) for k in range(n_req)]
    if model is not None:
        required_level = [max(1, min(lv, int(model.levels[s]))) for s, lv in zip(required_skill, required_level)]
    if kind == "project" and u[_U["delivery"]] < 0.6:
        required_skill[0] = SKILL_INDEX[place.DEVELOPMENT_SKILLS[int(u[_U["delivery_skill"]] * 4)]]
        required_level[0] = 3

    developed: list[tuple[int, int]] = []
    if kind != "project":
        grown = skills[order[min(n_req, len(order) - 1)]]
        if model is not None:
            fresh = [s for s in all_skills if model.levels[SKILL_INDEX[s]] < 3
                     and SKILL_INDEX[s] not in required_skill] or list(all_skills)
            grown = fresh[int(u[_U["grown"]] * len(fresh))]
        developed.append((SKILL_INDEX[grown], 2 if kind == "shadowing" else 3))
    if kind not in ("project", "shadowing"):
        developed.append((required_skill[0], min(5, required_level[0] + 1)))
    if kind == "project" or (kind != "shadowing" and u[_U["cross_growth"]] < 0.6):
        pool = place.DEVELOPMENT_SKILLS
        developed.append((SKILL_INDEX[pool[int(u[_U["growth_skill"]] * len(pool))]], 3))
    unique: dict[int, int] = {}
    for skill, level in developed:
        unique.setdefault(skill, level)
    developed = list(unique.items())[:MAX_DEVELOPED]

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
        profession=PROFESSION_INDEX[prof_key] if u[_U["practises"]] < shape["practises"] else -1,
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
        required_skill=[SKILL_INDEX[s] for s in required], required_level=list(required.values()),
        developed_skill=[SKILL_INDEX[s] for s in developed], developed_level=list(developed.values()),
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
