"""May this person take this opportunity? Contract rules 1-5, in plain words.

`eligibility_reasons` returns every reason a person may not take an opportunity, each a sentence
the person (or their manager) can act on; an empty list means they are eligible. The staff
marketplace, the pathway explorer and the optimiser's explanations all read these sentences, so
each rule is one small function below, named after the rule.

Rules (docs/scenario-format.md, "Eligibility"):
1. the person is open to a move, and the opportunity is hosted by another team than their own;
2. for every required skill, their level is at least the required level minus the plan's stretch;
3. their grade is within the opportunity's grade bounds, where given;
4. a person who must keep practising their profession may only take an opportunity of another
   profession if it leaves them that share of their time;
5. an opportunity that is not remote is open only to people whose team is in its host team's
   region (when both teams name a region).

Pathways replay these rules step by step: after a `role` move the person's grade and team may
differ from the ones on file, so `grade` and `team_id` can be passed in, like `skills`. Rule 5
reads the region of the person's team (the team reached, on a pathway) from the scenario.

Each rule also has a vectorised form (`..._mask`) beside its sentences, answering the same
question for arrays of people and opportunities at once. The optimiser's candidate pairs, the
pathway search and the generator's calibration all call these masks; there is no other copy of the
rules. `tests/unit/test_eligibility_agreement.py` proves on random scenarios that a pair is eligible by
`eligibility_mask` exactly when `eligibility_reasons` gives no reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

import numpy as np

from planner.domain import Opportunity, Person, Scenario

EPSILON = 1e-9

#: An open grade bound, as a number every grade lies within.
OPEN_GRADE = np.iinfo(np.int32).max

#: Profession code of an opportunity that names no profession (never any person's profession).
NO_PROFESSION = -1

#: Region code of a team that names no region (rule 5 does not apply to it).
NO_REGION = -1


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


def region_key(region: str) -> str:
    """How two teams' regions are compared: "North East", "north east" and "North  East" are one
    region (HR systems differ in case and spacing; a typo is a different region)."""
    return " ".join(region.split()).casefold()


def within_own_region(region: str, host_region: str, opportunity: Opportunity, voice: Voice) -> list[str]:
    """Rule 5: an opportunity that is not remote is open only to people of its own region (the
    region of the person's team is the region of the opportunity's host team). Remote work is
    open to every region, and a team that names no region is not held to one."""
    if opportunity.remote or not region or not host_region or region_key(region) == region_key(host_region):
        return []
    return [f"this is based in {host_region} and is not remote, and {voice.your} team is in {region}"]


# ---------------------------------------------------------------------------------------------
# The same rules, vectorised. Arguments broadcast like numpy: person arrays shaped (people, 1)
# against opportunity arrays shaped (opportunities,) give a (people x opportunities) mask.
# ---------------------------------------------------------------------------------------------


def open_to_a_move_mask(available: np.ndarray) -> np.ndarray:
    """Rule 1a, vectorised: only people marked available may be placed."""
    return np.asarray(available, dtype=bool)


def not_own_team_mask(person_team: np.ndarray, host_team: np.ndarray) -> np.ndarray:
    """Rule 1b, vectorised: the opportunity is hosted by another team than the person's."""
    return np.asarray(person_team) != np.asarray(host_team)


@dataclass(frozen=True)
class SkillNeeds:
    """Rule 2's thresholds, prepared once: for each requirement slot, the skill column and the
    level a person needs after the stretch (slot-major, so each slot is one contiguous row)."""

    skill_by_slot: np.ndarray  # slots x opportunities: skill column
    needed_by_slot: np.ndarray  # slots x opportunities: level needed, 0 = nothing needed

    @classmethod
    def of(cls, required_skill: np.ndarray, required_level: np.ndarray, stretch_levels: int) -> SkillNeeds:
        """From (opportunities x slots) skill columns and required levels (0 = unused slot): each
        need is the required level minus the stretch, never below 0. Slots nobody needs are dropped."""
        # int8 like the people's levels, so comparing them converts nothing (levels are 0-5)
        needed = np.maximum(0, required_level.astype(np.int16) - stretch_levels).astype(np.int8).T
        used = needed.any(axis=1)
        return cls(np.ascontiguousarray(required_skill.T[used]), np.ascontiguousarray(needed[used]))


def required_skills_held_mask(skills: np.ndarray, needs: SkillNeeds) -> np.ndarray:
    """Rule 2, vectorised: for every required skill, the person's level is at least the required
    level minus the stretch (`SkillNeeds.of`).

    `skills` is (people x skills) levels, 0 = not held. Returns (people x opportunities)."""
    # Worked opportunity by opportunity: each requirement then reads one skill's levels for every
    # person, a contiguous row of the transposed table, instead of gathering scattered columns
    # (several times faster; this mask is most of the cost of finding pairs at national scale).
    by_skill = np.ascontiguousarray(np.asarray(skills).T)  # skills x people
    held = np.ones((needs.needed_by_slot.shape[1], by_skill.shape[1]), dtype=bool)
    scratch = np.empty_like(held)
    for skill_row, needed in zip(needs.skill_by_slot, needs.needed_by_slot):
        np.greater_equal(by_skill[skill_row], needed[:, None], out=scratch)
        held &= scratch
    return np.ascontiguousarray(held.T)


def grade_within_bounds_mask(grade: np.ndarray, grade_min: np.ndarray, grade_max: np.ndarray) -> np.ndarray:
    """Rule 3, vectorised: the grade lies within the bounds (`OPEN_GRADE` / -`OPEN_GRADE` where
    the opportunity gives none)."""
    return (np.asarray(grade_min) <= grade) & (grade <= np.asarray(grade_max))


def practice_time_kept_mask(
    must_practise: np.ndarray, person_profession: np.ndarray, fte: np.ndarray, opportunity_profession: np.ndarray
) -> np.ndarray:
    """Rule 4, vectorised: a person who must keep practising takes work outside their profession
    only if it leaves them that share of their time. Professions are codes of one vocabulary;
    `NO_PROFESSION` for an opportunity that names none."""
    must_practise = np.asarray(must_practise)
    leaves_time = np.asarray(fte) <= 1.0 - must_practise + EPSILON
    own_profession = np.asarray(opportunity_profession) == np.asarray(person_profession)
    return (must_practise <= 0) | leaves_time | own_profession


def within_own_region_mask(person_region: np.ndarray, host_region: np.ndarray, remote: np.ndarray) -> np.ndarray:
    """Rule 5, vectorised: remote, or the person's region is the host team's, or either team
    names no region. Regions are codes of one vocabulary; `NO_REGION` for a team without one."""
    person_region, host_region = np.asarray(person_region), np.asarray(host_region)
    return (np.asarray(remote, dtype=bool) | (person_region == host_region)
            | (person_region == NO_REGION) | (host_region == NO_REGION))


@dataclass(frozen=True)
class PeopleArrays:
    """What rules 1-5 read about people, one entry (row) per person. Teams and professions are
    codes shared with `OpportunityArrays`; `skills` is (people x skills) levels, 0 = not held."""

    available: np.ndarray
    team: np.ndarray
    grade: np.ndarray
    must_practise: np.ndarray
    profession: np.ndarray
    skills: np.ndarray
    region: np.ndarray  # region code of the person's team, `NO_REGION` when it names none

    def take(self, rows: np.ndarray) -> PeopleArrays:
        """The same facts for the people at positions `rows` only."""
        return PeopleArrays(self.available[rows], self.team[rows], self.grade[rows],
                            self.must_practise[rows], self.profession[rows], self.skills[rows],
                            self.region[rows])


@dataclass(frozen=True)
class OpportunityArrays:
    """What rules 1-5 read about opportunities, one entry per opportunity (see `PeopleArrays`)."""

    host_team: np.ndarray
    grade_min: np.ndarray
    grade_max: np.ndarray
    fte: np.ndarray
    profession: np.ndarray
    required_skill: np.ndarray  # (opportunities x slots) skill index
    required_level: np.ndarray  # (opportunities x slots) level, 0 = unused slot
    host_region: np.ndarray  # region code of the host team, `NO_REGION` when it names none
    remote: np.ndarray  # bool: open to people of every region

    def take(self, columns: np.ndarray) -> OpportunityArrays:
        """The same facts for the opportunities at positions `columns` only (every field sliced,
        so facts added to the rules later are sliced too)."""
        return OpportunityArrays(**{f.name: getattr(self, f.name)[columns] for f in fields(self)})


def eligibility_mask(people: PeopleArrays, opportunities: OpportunityArrays, stretch_levels: int) -> np.ndarray:
    """Rules 1-5 at once: (people x opportunities), True where the person may take it."""
    mask = open_to_a_move_mask(people.available)[:, None] & not_own_team_mask(
        people.team[:, None], opportunities.host_team[None, :]
    )
    mask &= grade_within_bounds_mask(people.grade[:, None], opportunities.grade_min[None, :],
                                     opportunities.grade_max[None, :])
    if (people.must_practise > 0).any():
        mask &= practice_time_kept_mask(people.must_practise[:, None], people.profession[:, None],
                                        opportunities.fte[None, :], opportunities.profession[None, :])
    if (people.region != NO_REGION).any() and (opportunities.host_region != NO_REGION).any():
        # (without regions on both sides rule 5 holds everywhere: the mask is skipped, not changed)
        mask &= within_own_region_mask(people.region[:, None], opportunities.host_region[None, :],
                                       opportunities.remote[None, :])
    needs = SkillNeeds.of(opportunities.required_skill, opportunities.required_level, stretch_levels)
    mask &= required_skills_held_mask(people.skills, needs)
    return mask


def region_codes(regions) -> np.ndarray:
    """Team regions as codes of one vocabulary (in order of first appearance, compared as
    `region_key` says), `NO_REGION` for a blank one; index the result by team position to get a
    person's or a host's region."""
    vocabulary: dict[str, int] = {}
    keys = [region_key(r) for r in regions]
    return np.array([vocabulary.setdefault(k, len(vocabulary)) if k else NO_REGION for k in keys], dtype=np.int32)


def padded_levels(levels_per_item: list[Mapping[str, int]], skill_index: Mapping[str, int]):
    """Skill-level dicts as two (items x slots) arrays: skill index and level (0 = unused slot)."""
    slots = max((len(levels) for levels in levels_per_item), default=0) or 1
    skill = np.zeros((len(levels_per_item), slots), dtype=np.int32)
    level = np.zeros((len(levels_per_item), slots), dtype=np.int8)
    for row, levels in enumerate(levels_per_item):
        for slot, (skill_id, value) in enumerate(levels.items()):
            skill[row, slot] = skill_index[skill_id]
            level[row, slot] = value
    return skill, level


def eligibility_arrays(scenario: Scenario) -> tuple[PeopleArrays, OpportunityArrays]:
    """The facts rules 1-5 read, as arrays, for every person and opportunity of a scenario."""
    skill_index = {s: i for i, s in enumerate(sorted(scenario.skill_ids()))}
    team_index = {t.team_id: i for i, t in enumerate(scenario.teams)}
    team_region = region_codes([t.region for t in scenario.teams])
    people, opportunities = scenario.people, scenario.opportunities
    professions: dict[str, int] = {}
    skills = np.zeros((len(people), max(len(skill_index), 1)), dtype=np.int8)
    for row, person in enumerate(people):
        for skill_id, level in person.skills.items():
            skills[row, skill_index[skill_id]] = level
    person_team = np.array([team_index[p.team_id] for p in people], dtype=np.int32)
    host_team = np.array([team_index[o.host_team_id] for o in opportunities], dtype=np.int32)
    people_arrays = PeopleArrays(
        available=np.array([p.available for p in people], dtype=bool),
        team=person_team,
        grade=np.array([p.grade for p in people], dtype=np.int64),
        must_practise=np.array([p.must_practise for p in people], dtype=np.float64),
        profession=np.array([professions.setdefault(p.profession, len(professions)) for p in people], dtype=np.int32),
        skills=skills,
        region=team_region[person_team],
    )
    required_skill, required_level = padded_levels([o.required_skills for o in opportunities], skill_index)
    opportunity_arrays = OpportunityArrays(
        host_team=host_team,
        grade_min=np.array([-OPEN_GRADE if o.grade_min is None else o.grade_min for o in opportunities], dtype=np.int64),
        grade_max=np.array([OPEN_GRADE if o.grade_max is None else o.grade_max for o in opportunities], dtype=np.int64),
        fte=np.array([o.fte for o in opportunities], dtype=np.float64),
        profession=np.array(
            [professions.setdefault(o.profession, len(professions)) if o.profession else NO_PROFESSION
             for o in opportunities], dtype=np.int32),
        required_skill=required_skill,
        required_level=required_level,
        host_region=team_region[host_team],
        remote=np.array([o.remote for o in opportunities], dtype=bool),
    )
    return people_arrays, opportunity_arrays


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
    """Every reason `person` may not take `opportunity` (contract rules 1-5); [] means eligible.

    `skills`, `grade` and `team_id` replace the person's own when given (a pathway's later steps
    use the skills, grade and team reached so far). `subject` is "you" for sentences addressed to
    the person, or a name / "this person" for third-person explanations. `scenario`, when given,
    lends the skills catalogue's names ("GIS mapping" rather than `gis`) and the teams' regions
    (rule 5 needs them: without a scenario no team is known to name a region).
    """
    voice = Voice(subject)
    held = person.skills if skills is None else skills
    reasons: list[str] = []
    reasons += open_to_a_move(person, voice)
    team_id = person.team_id if team_id is None else team_id
    reasons += not_own_team(team_id, opportunity, voice)
    skill_names = scenario.skill_name_by_id if scenario is not None else None
    reasons += required_skills_held(held, opportunity, stretch_levels, voice, skill_names)
    reasons += grade_within_bounds(person.grade if grade is None else grade, opportunity, voice)
    reasons += practice_time_kept(person, opportunity, voice)
    if scenario is not None:
        teams = scenario.team_by_id
        reasons += within_own_region(_region_of(teams, team_id), _region_of(teams, opportunity.host_team_id),
                                     opportunity, voice)
    return [voice.capitalised(r) for r in reasons]


def _region_of(teams: Mapping, team_id: str) -> str:
    team = teams.get(team_id)
    return team.region if team is not None else ""


def is_eligible(
    person: Person,
    opportunity: Opportunity,
    stretch_levels: int = 0,
    skills: Mapping[str, int] | None = None,
    *,
    grade: int | None = None,
    team_id: str | None = None,
    scenario: Scenario | None = None,
) -> bool:
    """True when no rule stands in the way (same rules as `eligibility_reasons`; rule 5 only
    with the `scenario` that names the teams' regions)."""
    return not eligibility_reasons(
        person, opportunity, scenario, stretch_levels, skills, grade=grade, team_id=team_id
    )
