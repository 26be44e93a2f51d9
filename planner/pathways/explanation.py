"""Pathways in plain words: what each step does and crosses, and why no route (or no route to
the target) was found. `PathwayExplanations` is mixed into `PathwayIndex` (`planner.pathways.search`)
and reads the index's shared structures.
"""

from __future__ import annotations

from collections.abc import Mapping

from planner.domain import (
    SKILL_LEVEL_NAMES,
    Opportunity,
    OpportunityKind,
    Person,
)
from planner.eligibility import (
    Voice,
    eligibility_reasons,
    grade_within_bounds,
    practice_time_kept,
)
from planner.pathways.model import Crossing, Pathway, PersonSearch, Target
from planner.pathways.steps import aspirations_share, opportunity_profession


class PathwayExplanations:
    """The explaining half of `PathwayIndex`: sentences about steps and about routes not found."""

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

    def _unreachable(self, search: PersonSearch) -> list[str]:
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

    def _ladder_blocked(self, search: PersonSearch, max_steps: int) -> str:
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

    def _target_not_reached(self, search: PersonSearch, pathways: list[Pathway], max_steps: int) -> list[str]:
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
    def _skill_target_share(search: PersonSearch, pathway: Pathway) -> float:
        final = pathway.steps[-1].skills_after if pathway.steps else dict(search.person.skills)
        return aspirations_share(search.person.skills, final, dict(search.target.skills))


def _join(items: list[str], last: str = " and ") -> str:
    """"a", "a and b", "a, b and c" (or another word before the last item)."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + last + items[-1]
