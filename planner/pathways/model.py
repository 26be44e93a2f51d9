"""What pathways are made of: the kinds and limits, the results (serialised exactly as the CLI
prints them), what a person may aim for (`Target`, `parse_target`), and the states of the search.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from planner.domain import (
    Person,
    Scenario,
    did_you_mean,
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
# Search state
# ---------------------------------------------------------------------------------------------


@dataclass
class Goal:
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
class PathwayState:
    skills: np.ndarray
    grade: int
    team: int


@dataclass
class PersonSearch:
    """One person's search context (everything the three kinds share)."""

    person: Person
    profession_code: int
    static_mask: np.ndarray
    start: PathwayState
    goal: Goal
    aspirations: Goal
    helper_cols: np.ndarray
    helper_needs: np.ndarray
    target: Target | None
