"""An independent replay checker for pathways, and small scenario builders for the tests.

The checker re-reads a pathways JSON document and replays every step from the person's record,
written straight from docs/scenario-format.md ("Eligibility", rules 1-5) and the pathway rules in
planner/pathways.py's docstring. It deliberately imports nothing from planner.pathways or
planner.eligibility, so a bug there cannot hide itself here.
"""

from __future__ import annotations

import random
from collections import Counter

from planner.domain import Opportunity, Person, Scenario, Team

KINDS = {"networked", "developmental", "ladder"}


def _dominant_profession(scenario: Scenario, team_id: str) -> str:
    counts = Counter(p.profession for p in scenario.people if p.team_id == team_id)
    if not counts:
        return ""
    best = max(counts.values())
    return sorted(p for p, c in counts.items() if c == best)[0]


def _opportunity_profession(scenario: Scenario, o: Opportunity) -> str:
    return o.profession or _dominant_profession(scenario, o.host_team_id)


def replay_violations(
    scenario: Scenario,
    document: dict,
    *,
    person: Person | None = None,
    target: str | None = None,
    max_steps: int | None = None,
) -> list[str]:
    """Every way `document` (the JSON of one person's pathways) breaks the rules; [] when sound."""
    problems: list[str] = []
    person = person or scenario.person_by_id[document["person_id"]]
    if document["person_id"] != person.person_id:
        problems.append("person_id does not match")
    stretch = scenario.policy.stretch_levels
    opps = scenario.opportunity_by_id
    teams = scenario.team_by_id
    target_opp = target if target and ":" not in target else None
    target_skills = (
        {g.split(":")[0].strip(): int(g.split(":")[1]) for g in target.split(";") if g.strip()}
        if target and ":" in target
        else None
    )
    for n, pathway in enumerate(document["pathways"]):
        where = f"pathway {n + 1} ({pathway['kind']})"
        if pathway["kind"] not in KINDS:
            problems.append(f"{where}: unknown kind")
        steps = pathway["steps"]
        if not steps:
            problems.append(f"{where}: no steps")
        if max_steps is not None and len(steps) > max_steps:
            problems.append(f"{where}: {len(steps)} steps, more than {max_steps}")
        ids = [s["opportunity_id"] for s in steps]
        if len(set(ids)) != len(ids):
            problems.append(f"{where}: an opportunity is taken twice")
        skills = dict(person.skills)
        grade, team = person.grade, person.team_id
        for k, step in enumerate(steps):
            at = f"{where} step {k + 1} ({step['opportunity_id']})"
            o = opps.get(step["opportunity_id"])
            if o is None:
                problems.append(f"{at}: unknown opportunity")
                break
            # Rule 1: available, and another team than the one they are in now.
            if not person.available:
                problems.append(f"{at}: person is not available")
            if o.host_team_id == team:
                problems.append(f"{at}: hosted by the person's own team {team}")
            # Rule 2: required skills, with the plan's stretch.
            for s, lv in o.required_skills.items():
                if skills.get(s, 0) < lv - stretch:
                    problems.append(f"{at}: {s} is {skills.get(s, 0)}, needs {lv - stretch}")
            # Rule 3: grade bounds.
            if o.grade_min is not None and grade < o.grade_min:
                problems.append(f"{at}: grade {grade} below {o.grade_min}")
            if o.grade_max is not None and grade > o.grade_max:
                problems.append(f"{at}: grade {grade} above {o.grade_max}")
            # Rule 4: practice time.
            if (person.must_practise > 0 and o.profession != person.profession
                    and o.fte > 1 - person.must_practise + 1e-9):
                problems.append(f"{at}: leaves too little practice time")
            # Rule 5: not remote, so only for people of its region (of the team they are in now).
            here, there = (" ".join(teams[t].region.lower().split()) for t in (team, o.host_team_id))
            if not o.remote and here and there and here != there:
                problems.append(f"{at}: in {there}, not remote, and the person is in {here}")
            if o.capacity <= 0:
                problems.append(f"{at}: has no places")
            if step["team_id"] != o.host_team_id:
                problems.append(f"{at}: team_id {step['team_id']} is not the host {o.host_team_id}")
            crosses = ["team"]
            prof = _opportunity_profession(scenario, o)
            if prof and prof != person.profession:
                crosses.append("profession")
            if teams[o.host_team_id].organisation != teams[team].organisation:
                crosses.append("organisation")
            if sorted(step["crosses"]) != sorted(crosses):
                problems.append(f"{at}: crosses {step['crosses']}, expected {crosses}")
            if pathway["kind"] == "ladder":
                if o.kind.value != "role" or prof != person.profession:
                    problems.append(f"{at}: a ladder step must be a role in {person.profession}")
                elif o.grade_max is None or o.grade_max <= grade:
                    problems.append(f"{at}: a ladder step must raise the grade")
            # Complete the step.
            new_skills = dict(skills)
            for s, lv in o.development_skills.items():
                new_skills[s] = max(new_skills.get(s, 0), lv)
            new_grade, new_team = grade, team
            if o.kind.value == "role":
                new_team = o.host_team_id
                if o.grade_max is not None:
                    new_grade = max(grade, o.grade_max)
            if (new_skills, new_grade, new_team) == (skills, grade, team) and o.opportunity_id != target_opp:
                problems.append(f"{at}: changes nothing")
            skills, grade, team = new_skills, new_grade, new_team
            if step["skills_after"] != skills:
                problems.append(f"{at}: skills_after {step['skills_after']} != replayed {skills}")
        aspirations = person.aspirations
        if aspirations:
            gap = sum(g - min(person.skills.get(s, 0), g) for s, g in aspirations.items())
            closed = sum(
                min(skills.get(s, 0), g) - min(person.skills.get(s, 0), g) for s, g in aspirations.items()
            )
            expected = 1.0 if gap == 0 else closed / gap
        else:
            expected = 0.0
        if abs(pathway["aspirations_reached"] - expected) > 1e-3:
            problems.append(f"{where}: aspirations_reached {pathway['aspirations_reached']} != {expected:.4f}")
        if target is None:
            if pathway["target_reached"] is not None:
                problems.append(f"{where}: target_reached without a target")
        else:
            reached = (
                target_opp in ids
                if target_opp
                else all(skills.get(s, 0) >= lv for s, lv in target_skills.items())
            )
            if pathway["target_reached"] != reached:
                problems.append(f"{where}: target_reached {pathway['target_reached']}, replayed {reached}")
    return problems


# ---------------------------------------------------------------------------------------------
# Scenario builders
# ---------------------------------------------------------------------------------------------

PROFESSIONS = ["social-work", "planning", "finance", "nursing", "policing", "data"]
SKILLS = ["casework", "gis", "data-analysis", "budgeting", "court-work", "safeguarding", "leadership", "python"]
ORGANISATIONS = ["Northshire Council", "Northshire NHS Trust", "Northshire Police", "Helping Hands"]
KIND_CHOICES = ["secondment", "project", "development_move", "shadowing", "role"]


def random_scenario(seed: int, people: int = 40, teams: int = 8, opportunities: int = 30, stretch: int = 0) -> Scenario:
    """A small random scenario with every feature the rules touch (grades, roles, practice time,
    unavailability, organisations, regions and remote work, stretch, capacity 0, teams of mixed
    professions)."""
    rng = random.Random(seed)
    # Regions come from a stream of their own, so the rest of each seed's scenario is as before.
    regions = random.Random(f"{seed}-regions")
    team_list = [
        Team(
            team_id=f"T{t}",
            name=f"Team {t}",
            organisation=rng.choice(ORGANISATIONS),
            service=rng.choice(["Children", "Adults", "Digital", "Place"]),
            region=regions.choice(["", "", "North West", "North West", "Yorkshire"]),
        )
        for t in range(teams)
    ]

    def levels(k: int) -> dict[str, int]:
        return {s: rng.randint(1, 5) for s in rng.sample(SKILLS, k)}

    person_list = [
        Person(
            person_id=f"P{i}",
            name=f"Person {i}",
            team_id=rng.choice(team_list).team_id,
            grade=rng.randint(2, 8),
            profession=rng.choice(PROFESSIONS),
            skills={s: min(lv, 3) for s, lv in levels(rng.randint(0, 4)).items()},
            aspirations=levels(rng.randint(0, 3)),
            must_practise=rng.choice([0, 0, 0, 0.5, 0.6]),
            available=rng.random() > 0.1,
        )
        for i in range(people)
    ]
    opp_list = []
    for j in range(opportunities):
        kind = rng.choice(KIND_CHOICES)
        gmin = rng.choice([None, rng.randint(2, 7)])
        gmax = rng.choice([None, (gmin or 2) + rng.randint(0, 3)])
        opp_list.append(
            Opportunity(
                opportunity_id=f"O{j}",
                title=f"Opportunity {j}",
                kind=kind,
                host_team_id=rng.choice(team_list).team_id,
                capacity=rng.choice([0, 1, 1, 2]),
                fte=rng.choice([0.2, 0.4, 0.5, 1.0]),
                required_skills={s: min(lv, 4) for s, lv in levels(rng.randint(0, 2)).items()},
                development_skills=levels(rng.randint(0 if kind == "role" else 1, 2)),
                grade_min=gmin,
                grade_max=gmax,
                profession=rng.choice(["", "", *PROFESSIONS]),
                remote=regions.random() < 0.3,
            )
        )
    return Scenario(
        teams=tuple(team_list),
        people=tuple(person_list),
        opportunities=tuple(opp_list),
        policy={"stretch_levels": stretch},
    )


# ---------------------------------------------------------------------------------------------
# Exhaustive search (small scenarios only): can a target be reached at all within K moves?
# ---------------------------------------------------------------------------------------------


def _eligible(person: Person, o: Opportunity, skills: dict, grade: int, team: str, stretch: int,
              regions: dict[str, str]) -> bool:
    if not person.available or o.host_team_id == team or o.capacity <= 0:
        return False
    here, there = regions[team], regions[o.host_team_id]
    if not o.remote and here and there and here != there:
        return False
    if any(skills.get(s, 0) < lv - stretch for s, lv in o.required_skills.items()):
        return False
    if o.grade_min is not None and grade < o.grade_min:
        return False
    if o.grade_max is not None and grade > o.grade_max:
        return False
    return not (person.must_practise > 0 and o.profession != person.profession
                and o.fte > 1 - person.must_practise + 1e-9)


def fewest_moves_to(scenario: Scenario, person: Person, target_id: str, max_steps: int) -> int | None:
    """Breadth-first over every eligible sequence (any move, progressing or not): the fewest
    moves after which `target_id` is taken, or None if it cannot be within `max_steps`."""
    stretch = scenario.policy.stretch_levels
    regions = {t.team_id: " ".join(t.region.lower().split()) for t in scenario.teams}
    frontier = {(tuple(sorted(person.skills.items())), person.grade, person.team_id)}
    seen = set(frontier)
    for depth in range(1, max_steps + 1):
        following = set()
        for skills_items, grade, team in frontier:
            skills = dict(skills_items)
            for o in scenario.opportunities:
                if not _eligible(person, o, skills, grade, team, stretch, regions):
                    continue
                if o.opportunity_id == target_id:
                    return depth
                new_skills = dict(skills)
                for s, lv in o.development_skills.items():
                    new_skills[s] = max(new_skills.get(s, 0), lv)
                new_grade, new_team = grade, team
                if o.kind.value == "role":
                    new_team = o.host_team_id
                    new_grade = max(grade, o.grade_max) if o.grade_max is not None else grade
                key = (tuple(sorted(new_skills.items())), new_grade, new_team)
                if key not in seen:
                    seen.add(key)
                    following.add(key)
        frontier = following
    return None
