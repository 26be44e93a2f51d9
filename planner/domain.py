"""The Trellis domain: the facts HR brings (skills, teams, people, opportunities, crisis
demand), the policy of a plan, and the plan itself.

Everything is validated once here, at the edge, so downstream code (optimiser, pathways, web)
trusts these objects and never re-checks them. This module imports neither Flask nor OR-Tools.

A `Scenario` checks that every reference resolves and reports each problem with the file, the
item's position and the column it came from (`Problem`), so the CSV reader can turn positions
into spreadsheet row numbers.
"""

from __future__ import annotations

import difflib
from datetime import date
from enum import Enum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

# ---------------------------------------------------------------------------------------------
# Basic value types
# ---------------------------------------------------------------------------------------------

SkillLevel = Annotated[int, Field(ge=1, le=5, description="1 awareness .. 5 leading")]
Share = Annotated[float, Field(ge=0.0, le=1.0)]
# Numbers from HR files stay far inside the solver's 32- and 64-bit integers: a pay band from
# -1,000 to 1,000, a headcount or number of places up to 10 million.
Grade = Annotated[int, Field(ge=-1_000, le=1_000)]
Headcount = Annotated[int, Field(ge=0, le=10_000_000)]
Identifier = Annotated[
    str,
    Field(min_length=1, pattern=r"^[^;:]+$", description="non-empty, without ';' or ':'"),
]
SkillLevels = dict[Identifier, SkillLevel]

SKILL_LEVEL_NAMES = {1: "awareness", 2: "working", 3: "practitioner", 4: "expert", 5: "leading"}


class _Model(BaseModel):
    """Inbound models refuse unknown fields (no mass assignment) and are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class TeamStatus(str, Enum):
    normal = "normal"
    paused = "paused"
    critical = "critical"


class OpportunityKind(str, Enum):
    secondment = "secondment"
    project = "project"
    development_move = "development_move"
    shadowing = "shadowing"
    role = "role"


# ---------------------------------------------------------------------------------------------
# Facts
# ---------------------------------------------------------------------------------------------


class Skill(_Model):
    skill_id: Identifier
    name: str = Field(min_length=1)
    category: str = ""


class CriticalSkill(_Model):
    """After moves, at least `count` people who stay in the team hold `skill` at `level`+."""

    skill: Identifier
    level: SkillLevel
    count: int = Field(ge=1, le=10_000_000)


class Team(_Model):
    team_id: Identifier
    name: str = Field(min_length=1)
    organisation: str = Field(min_length=1)
    service: str = ""
    max_release_share: Share = 0.2
    min_staff: Headcount | None = None
    critical_skills: tuple[CriticalSkill, ...] = ()
    status: TeamStatus = TeamStatus.normal
    region: str = Field(default="", description="where the team works; blank: no region")


class Person(_Model):
    person_id: Identifier
    name: str = Field(min_length=1)
    team_id: Identifier
    grade: Grade
    profession: str = Field(min_length=1)
    fte: Share = 1.0
    skills: SkillLevels = Field(default_factory=dict)
    aspirations: SkillLevels = Field(default_factory=dict)
    preferences: tuple[Identifier, ...] = ()
    must_practise: Share = 0.0
    available: bool = True
    last_redeployed: date | None = None

    @field_validator("preferences")
    @classmethod
    def _preferences_unique(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("an opportunity appears twice in the ranked preferences")
        return value


class Opportunity(_Model):
    opportunity_id: Identifier
    title: str = Field(min_length=1)
    kind: OpportunityKind
    host_team_id: Identifier
    capacity: Headcount = 1
    fte: Share = 1.0
    required_skills: SkillLevels = Field(default_factory=dict)
    development_skills: SkillLevels = Field(default_factory=dict)
    grade_min: Grade | None = None
    grade_max: Grade | None = None
    profession: str = ""
    start: date | None = None
    end: date | None = None
    remote: bool = Field(default=False, description="open to people of every region, not only the host team's")

    @model_validator(mode="after")
    def _bounds_in_order(self) -> Opportunity:
        if self.grade_min is not None and self.grade_max is not None and self.grade_min > self.grade_max:
            raise ValueError(f"grade_min {self.grade_min} is above grade_max {self.grade_max}")
        if self.start is not None and self.end is not None and self.start > self.end:
            raise ValueError(f"start {self.start} is after end {self.end}")
        return self


class Demand(_Model):
    """Crisis demand: team `team_id` needs `count` more people holding `skill` at `level`+."""

    team_id: Identifier
    skill: Identifier
    level: SkillLevel
    count: Headcount
    priority: int = Field(ge=1, le=1_000)


# ---------------------------------------------------------------------------------------------
# Policy
# ---------------------------------------------------------------------------------------------


class _PolicyModel(_Model):
    """Policy settings are finite numbers: NaN and infinity are refused, not compared."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


# Weights are scaled to whole points for the solver; 1,000 keeps every sum far inside 64 bits.
MAX_WEIGHT = 1_000.0
MAX_TIME_LIMIT_S = 86_400.0  # one day
MAX_SEED = 2**31 - 1  # CP-SAT takes a 32-bit seed
MAX_CROSS_ORGANISATION_CAP = 10_000_000
MAX_REST_DAYS = 3_650  # ten years


class Weights(_PolicyModel):
    """Weights of the matching objective; every term is explained in HR words in optimiser docs."""

    skill_fit: float = Field(default=3.0, ge=0, le=MAX_WEIGHT)
    development: float = Field(default=4.0, ge=0, le=MAX_WEIGHT)
    preference: float = Field(default=5.0, ge=0, le=MAX_WEIGHT)
    network: float = Field(default=2.0, ge=0, le=MAX_WEIGHT)
    diversity: float = Field(default=1.0, ge=0, le=MAX_WEIGHT)


class FairnessFloor(_PolicyModel):
    """Each grade band receives at least `min_share` of all placements (when it has candidates)."""

    bands: tuple[tuple[Grade, Grade], ...] = Field(
        default=(), description="inclusive grade ranges, e.g. [[1, 4], [5, 7], [8, 12]]"
    )
    min_share: Share = 0.0


# Groups smaller than this are neither ruled on nor reported: rates of a handful of people are
# noise, and reporting them could identify who is in the group.
EQUALITY_MIN_GROUP = 10


class EqualityPolicy(_PolicyModel):
    """Equality monitoring: which people.csv columns hold protected characteristics (stored as
    special-category data, seen by HR and admins only), and the four-fifths rule on one of them."""

    attribute: Identifier | None = Field(
        default=None, description="the monitoring column the placement-rate rule applies to, e.g. ethnicity")
    attributes: tuple[Identifier, ...] = Field(
        default=(), description="further monitoring columns recorded and reported but not ruled on")
    min_ratio: Share = Field(
        default=0.8, description="each group's placement rate is at least this times the best group's")

    @property
    def monitored(self) -> tuple[str, ...]:
        """Every monitoring column, the ruled one first, each once (names as people.csv's header
        reads them once normalised: lower case, spaces and dashes as underscores)."""
        names = ([self.attribute] if self.attribute else []) + list(self.attributes)
        return tuple(dict.fromkeys(n.strip().lower().replace(" ", "_").replace("-", "_") for n in names))


class PersonOpportunity(_Model):
    person_id: Identifier
    opportunity_id: Identifier


class Commitment(_Model):
    """A person already away on a decided assignment from `start` to `end` (inclusive; `end`
    None = until further notice). Filled from the store's record of assignments, or written by
    hand in policy.json; the plan neither moves them again nor lets their home team release
    anyone in their place while it lasts."""

    person_id: Identifier
    start: date
    end: date | None = None
    what: str = ""

    @model_validator(mode="after")
    def _dates_in_order(self) -> Commitment:
        if self.end is not None and self.start > self.end:
            raise ValueError(f"start {self.start} is after end {self.end}")
        return self


class Policy(_PolicyModel):
    """Weights, limits and switches of a plan. Every key is optional; defaults are documented."""

    stretch_levels: int = Field(default=0, ge=0, le=4, description="levels a person may be short of a requirement")
    time_limit_s: float = Field(default=30.0, gt=0, le=MAX_TIME_LIMIT_S, description="wall-clock limit of one solve")
    periods: int = Field(default=1, ge=1, le=12, description="consecutive rotation periods to plan")
    start: date | None = Field(default=None, description="first day of period 1; without it periods are undated")
    period_months: int = Field(default=6, ge=1, le=24, description="length of one rotation period in months")
    commitments: tuple[Commitment, ...] = Field(
        default=(), description="people already away on decided assignments (from the store's record)")
    workers: int = Field(default=2, ge=1, le=64, description="solver threads")
    random_seed: int = Field(default=0, ge=0, le=MAX_SEED)
    stable: bool = Field(default=False, description="forbid blocking pairs (preference stability)")
    max_cross_organisation: int | None = Field(
        default=None, ge=0, le=MAX_CROSS_ORGANISATION_CAP, description="cap on moves across employers"
    )
    fairness: FairnessFloor = Field(default_factory=FairnessFloor)
    equality: EqualityPolicy = Field(default_factory=EqualityPolicy)
    pinned: tuple[PersonOpportunity, ...] = ()
    forbidden: tuple[PersonOpportunity, ...] = ()
    weights: Weights = Field(default_factory=Weights)
    rest_days: int = Field(default=28, ge=0, le=MAX_REST_DAYS, description="crisis: days of rest after a redeployment")
    plan_date: date | None = Field(default=None, description="crisis: the date of the plan (default today)")


# ---------------------------------------------------------------------------------------------
# Scenario and its reference checks
# ---------------------------------------------------------------------------------------------

FILE_OF = {
    "skills": "skills.csv",
    "teams": "teams.csv",
    "people": "people.csv",
    "opportunities": "opportunities.csv",
    "demand": "demand.csv",
    "policy": "policy.json",
}


class Problem(_Model):
    """One thing wrong with the input, located so a person can find and fix it.

    `row` is the item's 0-based position in its collection; readers that know better (the CSV
    reader) turn it into the row number a spreadsheet shows.
    """

    file: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    message: str
    suggestion: str | None = None
    severity: Literal["error", "warning"] = "error"

    def describe(self, row_offset: int = 0) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row + row_offset}"
        if self.column:
            where += f", column {self.column}"
        text = f"{where}: {self.message}"
        if self.value is not None:
            text += f" (value {self.value!r})"
        if self.suggestion:
            text += f"; {self.suggestion}"
        return text


class ScenarioError(Exception):
    """Raised with every problem found, never just the first.

    Deliberately not a ValueError, so pydantic lets it through unwrapped from a validator."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(p.describe() for p in problems))


def did_you_mean(value: str, known: Any) -> str | None:
    """Suggest the closest known id for a likely typo (`pyhton` -> `python`)."""
    matches = difflib.get_close_matches(value, list(known), n=1, cutoff=0.6)
    return f"did you mean {matches[0]!r}?" if matches else None


class Scenario(_Model):
    """One planning scenario: everything one CSV folder (or scenario.json) holds."""

    skills: tuple[Skill, ...] = ()
    teams: tuple[Team, ...]
    people: tuple[Person, ...]
    opportunities: tuple[Opportunity, ...] = ()
    demand: tuple[Demand, ...] = ()
    policy: Policy = Field(default_factory=Policy)
    # Equality monitoring (special-category data): person_id -> {column: value}, from the columns
    # policy.equality names. Never part of a dump (exports, the API, JSON files) nor of a repr
    # (logs): only the store and the equality rule and report read it.
    monitoring: dict[str, dict[str, str]] = Field(default_factory=dict, exclude=True, repr=False)

    _lookup_cache: dict = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _references_resolve(self) -> Scenario:
        problems = reference_problems(self)
        if problems:
            raise ScenarioError(problems)
        return self

    def model_copy(self, *, update=None, deep: bool = False) -> Scenario:
        """A copy never shares lookup caches with its original: `update` may swap collections."""
        copied = super().model_copy(update=update, deep=deep)
        copied._lookup_cache = {}
        return copied

    # Lookups are cached on the instance: the model is frozen, so they never go stale.
    def _cache(self, key: str, build):
        cache = self._lookup_cache
        if key not in cache:
            cache[key] = build()
        return cache[key]

    @property
    def team_by_id(self) -> dict[str, Team]:
        return self._cache("teams", lambda: {t.team_id: t for t in self.teams})

    @property
    def person_by_id(self) -> dict[str, Person]:
        return self._cache("people", lambda: {p.person_id: p for p in self.people})

    @property
    def opportunity_by_id(self) -> dict[str, Opportunity]:
        return self._cache("opps", lambda: {o.opportunity_id: o for o in self.opportunities})

    @property
    def headcount_by_team(self) -> dict[str, int]:
        def build():
            counts = {t.team_id: 0 for t in self.teams}
            for p in self.people:
                counts[p.team_id] += 1
            return counts

        return self._cache("headcount", build)

    @property
    def skill_name_by_id(self) -> dict[str, str]:
        """Display names from the skills catalogue (empty without one)."""
        return self._cache("skill_names", lambda: {s.skill_id: s.name for s in self.skills})

    def skill_ids(self) -> set[str]:
        """Every skill named anywhere in the scenario (or the catalogue, when given)."""
        if self.skills:
            return {s.skill_id for s in self.skills}
        return {skill for skill, _file, _index, _column in named_skills(self)}


def named_skills(scenario: Scenario):
    """Yield (skill, file, index, column) for every place a skill is named."""
    for i, t in enumerate(scenario.teams):
        for c in t.critical_skills:
            yield c.skill, "teams", i, "critical_skills"
    for i, p in enumerate(scenario.people):
        for s in p.skills:
            yield s, "people", i, "skills"
        for s in p.aspirations:
            yield s, "people", i, "aspirations"
    for i, o in enumerate(scenario.opportunities):
        for s in o.required_skills:
            yield s, "opportunities", i, "required_skills"
        for s in o.development_skills:
            yield s, "opportunities", i, "development_skills"
    for i, d in enumerate(scenario.demand):
        yield d.skill, "demand", i, "skill"


def _duplicates(items, key: str, file: str) -> list[Problem]:
    seen: dict[str, int] = {}
    problems = []
    for i, item in enumerate(items):
        value = getattr(item, key)
        if value in seen:
            problems.append(
                Problem(
                    file=FILE_OF[file], row=i, column=key, value=value,
                    message=f"duplicate id: already used at item {seen[value] + 1}",
                )
            )
        else:
            seen[value] = i
    return problems


def reference_problems(scenario: Scenario) -> list[Problem]:
    """Every id that is used twice or refers to nothing, each with where it was found."""
    problems: list[Problem] = []
    problems += _duplicates(scenario.skills, "skill_id", "skills")
    problems += _duplicates(scenario.teams, "team_id", "teams")
    problems += _duplicates(scenario.people, "person_id", "people")
    problems += _duplicates(scenario.opportunities, "opportunity_id", "opportunities")

    team_ids = {t.team_id for t in scenario.teams}
    opp_ids = {o.opportunity_id for o in scenario.opportunities}
    person_ids = {p.person_id for p in scenario.people}

    def unknown(file, i, column, value, known, what):
        problems.append(
            Problem(
                file=FILE_OF[file], row=i, column=column, value=value,
                message=f"unknown {what} {value!r}", suggestion=did_you_mean(value, known),
            )
        )

    for i, p in enumerate(scenario.people):
        if p.team_id not in team_ids:
            unknown("people", i, "team_id", p.team_id, team_ids, "team")
        for o in p.preferences:
            if o not in opp_ids:
                unknown("people", i, "preferences", o, opp_ids, "opportunity")
    for i, o in enumerate(scenario.opportunities):
        if o.host_team_id not in team_ids:
            unknown("opportunities", i, "host_team_id", o.host_team_id, team_ids, "team")
    for i, d in enumerate(scenario.demand):
        if d.team_id not in team_ids:
            unknown("demand", i, "team_id", d.team_id, team_ids, "team")
    if scenario.skills:
        catalogue = {s.skill_id for s in scenario.skills}
        for skill, file, i, column in named_skills(scenario):
            if skill not in catalogue:
                unknown(file, i, column, skill, catalogue, "skill")
    for j, commitment in enumerate(scenario.policy.commitments):
        if commitment.person_id not in person_ids:
            unknown("policy", None, f"commitments[{j}].person_id", commitment.person_id, person_ids, "person")
    for kind, pairs in (("pinned", scenario.policy.pinned), ("forbidden", scenario.policy.forbidden)):
        for j, pair in enumerate(pairs):
            if pair.person_id not in person_ids:
                unknown("policy", None, f"{kind}[{j}].person_id", pair.person_id, person_ids, "person")
            if pair.opportunity_id not in opp_ids:
                unknown("policy", None, f"{kind}[{j}].opportunity_id", pair.opportunity_id, opp_ids, "opportunity")
    return problems


# ---------------------------------------------------------------------------------------------
# Plans (the optimiser's output; see optimiser/ for how they are made)
# ---------------------------------------------------------------------------------------------


class Placement(BaseModel):
    person_id: str
    opportunity_id: str
    period: int = 1
    start: date | None = Field(default=None, description="first day: inside the period and the opportunity's window")
    end: date | None = Field(default=None, description="last day (inclusive)")
    score: float = 0.0
    explanation: str = ""
    breakdown: dict[str, float] = Field(
        default_factory=dict, description="objective term -> weighted contribution (optimiser.objective.TERMS)"
    )


class BlockingPair(BaseModel):
    """A person and an opportunity who would both rather have each other than what they got."""

    person_id: str
    opportunity_id: str
    period: int = 1
    reason: str = ""


class Plan(BaseModel):
    status: str
    objective: float | None = None
    best_bound: float | None = None
    bound_scope: str | None = Field(default=None, description="what best_bound covers: 'all eligible pairs'")
    gap: float | None = None
    solve_seconds: float = 0.0
    placements: list[Placement] = Field(default_factory=list)
    blocking_pairs: list[BlockingPair] = Field(
        default_factory=list, description="each blocking pair with a reason in plain words")
    blocking_pair_count: int = 0
    conflicts: list[str] = Field(default_factory=list, description="named rules that conflict when infeasible")
    unplaced: dict[str, str] = Field(default_factory=dict, description="person_id -> main reason")
    periods: int = Field(default=1, description="rotation periods planned")
    warnings: list[str] = Field(default_factory=list, description="what the plan could not honour, in words")
    progress: list[dict[str, Any]] = Field(
        default_factory=list, description="{seconds, objective, bound, source} as the solve improved"
    )
    stats: dict[str, Any] = Field(
        default_factory=dict, description="candidate pairs, build and solve times, LP bound, method used"
    )

    @model_validator(mode="before")
    @classmethod
    def _count_only_plans(cls, data: Any) -> Any:
        """Plans saved before blocking pairs were listed held only their count."""
        if isinstance(data, dict) and isinstance(data.get("blocking_pairs"), int):
            data = dict(data)
            data["blocking_pair_count"] = data.pop("blocking_pairs")
        return data
