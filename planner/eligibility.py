"""May this person take this opportunity? Contract rules 1-4, in plain words.

`eligibility_reasons` returns every reason a person may not take an opportunity, each a sentence
the person (or their manager) can act on; an empty list means they are eligible. The staff
marketplace, the pathway explorer and the optimiser's explanations all read these sentences, so
each rule is one small function below, named after the rule.

Rules (docs/scenario-format.md, "Eligibility"):
1. the person is open to a move, and the opportunity is hosted by another team than their own;
2. for every required skill, their level is at least the required level minus the plan's stretch;
3. their grade is within the opportunity's grade bounds, where given;
4. a person who must keep practising their profession may only take an opportunity of another
   profession if it leaves them that share of their time.

Pathways replay these rules step by step: after a `role` move the person's grade and team may
differ from the ones on file, so `grade` and `team_id` can be passed in, like `skills`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from planner.domain import Opportunity, Person, Scenario

EPSILON = 1e-9


@dataclass(frozen=True)
class Voice:
    """Who the sentences talk about: "you" (the person reading) or a named third person."""

    subject: str = "you"

    @property
    def second_person(self) -> bool:
        return self.subject.strip().lower() == "you"

    @property
    def plural(self) -> bool:
        """"you" and "they" take plural verbs ("you are", "they are")."""
        return self.second_person or self.subject.strip().lower() == "they"

    def _verb(self, plural: str, singular: str) -> str:
        return f"{self.subject} {plural if self.plural else singular}"

    @property
    def are(self) -> str:
        return self._verb("are", "is")

    @property
    def do_not_have(self) -> str:
        return self._verb("do not have", "does not have")

    @property
    def must(self) -> str:
        return f"{self.subject} must"

    @property
    def your(self) -> str:
        lowered = self.subject.strip().lower()
        if lowered == "you":
            return "your"
        if lowered == "they":
            return "their"
        return f"{self.subject}'s"

    @staticmethod
    def capitalised(text: str) -> str:
        return text[:1].upper() + text[1:]


def _percent(share: float) -> str:
    return f"{round(share * 100):g}%"


def _levels(n: int) -> str:
    return "one level" if n == 1 else f"{n} levels"


# ---------------------------------------------------------------------------------------------
# One function per rule. Each returns the reasons (possibly none) that rule gives.
# ---------------------------------------------------------------------------------------------


def open_to_a_move(person: Person, voice: Voice) -> list[str]:
    """Rule 1a: only people marked available may be placed in this plan."""
    if person.available:
        return []
    return [f"{voice.are} not open to a move in this plan (marked as not available)"]


def not_own_team(team_id: str, opportunity: Opportunity, voice: Voice) -> list[str]:
    """Rule 1b: a move is to another team; an opportunity in one's own team is not a move."""
    if opportunity.host_team_id != team_id:
        return []
    own = "your own team" if voice.second_person else f"{voice.your} own team"
    return [f"this is {own}"]


def required_skills_held(
    skills: Mapping[str, int], opportunity: Opportunity, stretch_levels: int, voice: Voice,
    skill_names: Mapping[str, str] | None = None,
) -> list[str]:
    """Rule 2: for every required skill, the person's level is at least the required level minus
    the stretch the plan allows (a stretch of 1 lets someone one level short take it on)."""
    reasons = []
    for skill_id, required in sorted(opportunity.required_skills.items()):
        skill = (skill_names or {}).get(skill_id, skill_id)
        needed = max(0, required - stretch_levels)
        have = skills.get(skill_id, 0)
        if have >= needed:
            continue
        allowance = (
            f"; the plan allows {_levels(stretch_levels)} of stretch, so {needed} would do"
            if stretch_levels and needed > 0
            else ""
        )
        if have == 0:
            reasons.append(f"{voice.do_not_have} {skill} yet (this needs level {required}{allowance})")
        else:
            reasons.append(
                f"{voice.are} {_levels(needed - have)} short in {skill} "
                f"(have {have}, need {required}{allowance})"
            )
    return reasons


def grade_within_bounds(grade: int, opportunity: Opportunity, voice: Voice) -> list[str]:
    """Rule 3: the person's grade lies within the opportunity's grade_min..grade_max, where given."""
    if opportunity.grade_min is not None and grade < opportunity.grade_min:
        return [f"{voice.your} grade {grade} is below this opportunity's minimum {opportunity.grade_min}"]
    if opportunity.grade_max is not None and grade > opportunity.grade_max:
        return [f"{voice.your} grade {grade} is above this opportunity's maximum {opportunity.grade_max}"]
    return []


def practice_time_kept(person: Person, opportunity: Opportunity, voice: Voice) -> list[str]:
    """Rule 4: someone who must keep a share of their time practising their profession (to keep
    their registration) may take an opportunity of another profession only if its share of time
    is at most 1 - that share. Opportunities of their own profession always count as practice."""
    if person.must_practise <= 0 or opportunity.profession == person.profession:
        return []
    room = 1.0 - person.must_practise
    if opportunity.fte <= room + EPSILON:
        return []
    return [
        f"{voice.must} keep {_percent(person.must_practise)} practice time in {person.profession} "
        f"and this takes {_percent(opportunity.fte)} of {voice.your} time outside it "
        f"(at most {_percent(room)} would fit)"
    ]


def eligibility_reasons(
    person: Person,
    opportunity: Opportunity,
    scenario: Scenario | None = None,
    stretch_levels: int = 0,
    skills: Mapping[str, int] | None = None,
    *,
    grade: int | None = None,
    team_id: str | None = None,
    subject: str = "you",
) -> list[str]:
    """Every reason `person` may not take `opportunity` (contract rules 1-4); [] means eligible.

    `skills`, `grade` and `team_id` replace the person's own when given (a pathway's later steps
    use the skills, grade and team reached so far). `subject` is "you" for sentences addressed to
    the person, or a name / "this person" for third-person explanations. `scenario`, when given,
    lends the skills catalogue's names ("GIS mapping" rather than `gis`).
    """
    voice = Voice(subject)
    held = person.skills if skills is None else skills
    reasons: list[str] = []
    reasons += open_to_a_move(person, voice)
    reasons += not_own_team(person.team_id if team_id is None else team_id, opportunity, voice)
    skill_names = scenario.skill_name_by_id if scenario is not None else None
    reasons += required_skills_held(held, opportunity, stretch_levels, voice, skill_names)
    reasons += grade_within_bounds(person.grade if grade is None else grade, opportunity, voice)
    reasons += practice_time_kept(person, opportunity, voice)
    return [voice.capitalised(r) for r in reasons]


def is_eligible(
    person: Person,
    opportunity: Opportunity,
    stretch_levels: int = 0,
    skills: Mapping[str, int] | None = None,
    *,
    grade: int | None = None,
    team_id: str | None = None,
) -> bool:
    """True when no rule stands in the way (same rules as `eligibility_reasons`)."""
    return not eligibility_reasons(
        person, opportunity, None, stretch_levels, skills, grade=grade, team_id=team_id
    )
