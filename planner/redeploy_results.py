"""What a redeployment plan says: who goes where, what is covered and what is not, and why.

Plain pydantic models so the CLI, the web console and the files (`planner/redeploy_io.py`) share
one shape. They live below the optimiser (which fills them in, `optimiser.redeploy`) so that
reading and writing redeployment files never needs the solver: layers run one way.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field


class Assignment(BaseModel):
    """One person redeployed from their team to cover one unit of a demand line."""

    person_id: str
    from_team_id: str
    to_team_id: str
    skill: str
    priority: int
    level: int | None = Field(default=None, description="the demanded level this person covers")
    start: date | None = Field(default=None, description="first day of the redeployment (the plan date)")
    end: date | None = Field(default=None, description="last day of the redeployment (inclusive)")


class PriorityCoverage(BaseModel):
    priority: int
    demanded: int
    covered: int
    uncovered: int
    bound: int = Field(description="proven upper bound on units coverable at this priority, given higher ones")


class TeamCoverage(BaseModel):
    team_id: str
    demanded: int
    covered: int
    uncovered: int
    released: int = Field(description="people of this team redeployed elsewhere")


class UncoveredDemand(BaseModel):
    """Units of one demand line left uncovered, and the reason in plain words."""

    team_id: str
    skill: str
    level: int
    priority: int
    units: int
    reason: str
    holders: dict[str, int] = Field(
        default_factory=dict,
        description="holders of the skill at the level, counted by what kept each of them away",
    )


class Protected(BaseModel):
    """People never moved for their wellbeing or because they are not available."""

    resting: int = Field(description="within the rest period after their last redeployment")
    unavailable: int
    resting_candidates: int = Field(description="resting people who hold a demanded skill at its level")
    unavailable_candidates: int = Field(description="unavailable people who hold a demanded skill at its level")
    rest_days: int
    plan_date: date


class BaselineChanges(BaseModel):
    """Re-plan against the previous plan: who stays, who moves, who returns home."""

    stayed: list[str] = Field(default_factory=list, description="kept where the previous plan put them")
    moved: list[str] = Field(default_factory=list, description="newly redeployed")
    reassigned: list[str] = Field(default_factory=list, description="redeployed before, now to another team")
    returned: list[str] = Field(default_factory=list, description="redeployed before, now back in their own team")
    kept_share: float = Field(description="share of the previous redeployments kept")

    @property
    def people_changed(self) -> int:
        return len(self.moved) + len(self.reassigned) + len(self.returned)


class Stage(BaseModel):
    name: str
    seconds: float
    value: float | None = None


class RedeployResult(BaseModel):
    status: str = Field(description="OPTIMAL, FEASIBLE (time limit reached), STOPPED_EARLY (on request) or UNKNOWN")
    method: str
    objective: float = Field(description="demand units covered (= people moved)")
    bound: float = Field(description="proven upper bound on units covered in lexicographic order")
    gap: float
    solve_seconds: float
    plan_date: date
    assignments: list[Assignment] = Field(default_factory=list)
    coverage_by_priority: list[PriorityCoverage] = Field(default_factory=list)
    coverage_by_team: list[TeamCoverage] = Field(default_factory=list)
    people_moved: int = 0
    protected: Protected
    uncovered: list[UncoveredDemand] = Field(default_factory=list)
    changes: BaselineChanges | None = None
    people_changed: int | None = Field(default=None, description="re-plan: people whose assignment changed")
    skill_surplus_levels: int = Field(0, description="sum over moves of levels held above the level demanded")
    cross_organisation_moves: int = 0
    groups: int = Field(0, description="interchangeable groups of people the model was built on")
    candidate_pairs: int = Field(0, description="person-demand pairs that could be chosen")
    stages: list[Stage] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    parts: list[dict[str, Any]] = Field(
        default_factory=list,
        description="solved in independent parts (by region): each part's size, result and where it ran",
    )


class Progress(BaseModel):
    """One progress report of a running solve."""

    stage: str
    seconds: float
    objective: float | None = None
    bound: float | None = None
    message: str = ""
    phase: str | None = Field(default=None, description="a key of optimiser.run_control.PHASES")
