"""The one builder of the tests' small scenarios: `small_scenario()` and its named variant.

- `small_scenario()` ("six people"): six people in five teams of three organisations, six
  opportunities of every kind; eligibility outcomes are easy to reason about (the staff pages).
- `small_scenario("consoles")`: four teams in two organisations, sixteen people, five
  opportunities and crisis demand, so every rule of the contract can act (the planning consoles,
  the services, the API).
"""

from __future__ import annotations

from typing import Literal

from planner.domain import CriticalSkill, Demand, Opportunity, Person, Policy, Scenario, Skill, Team

Variant = Literal["six people", "consoles"]


def small_scenario(variant: Variant = "six people") -> Scenario:
    """A fresh copy of the small scenario `variant` (see the module's docstring)."""
    builders = {"six people": _six_people, "consoles": _consoles}
    if variant not in builders:
        raise ValueError(f"no scenario variant {variant!r}; variants are {sorted(builders)}")
    return builders[variant]()


def _six_people() -> Scenario:
    """Six people in five teams of three organisations, six opportunities of every kind.

    Alice (P1, social work, grade 5, Adult Social Care) holds data-analysis 2 and wants gis:
    she can take the data secondment (O1) and the gis shadowing (O3), is one level short in gis
    for the mapping project (O2), and may step up to the senior social worker role (O4)."""
    skills = [
        Skill(skill_id="data-analysis", name="Data analysis", category="digital"),
        Skill(skill_id="gis", name="GIS mapping", category="digital"),
        Skill(skill_id="python", name="Python", category="digital"),
        Skill(skill_id="safeguarding", name="Safeguarding", category="practice"),
        Skill(skill_id="project-management", name="Project management", category="leadership"),
        Skill(skill_id="community-engagement", name="Community engagement", category="practice"),
    ]
    teams = [
        Team(team_id="T-ASC", name="Adult Social Care", organisation="Northshire Council", max_release_share=0.5),
        Team(team_id="T-CS", name="Children's Services", organisation="Northshire Council", max_release_share=0.5),
        Team(team_id="T-DATA", name="Data Team", organisation="Northshire Council", max_release_share=0.5),
        Team(team_id="T-GIS", name="Mapping Unit", organisation="Northshire NHS Trust", max_release_share=0.5),
        Team(team_id="T-PH", name="Public Health", organisation="Riverside Community Trust", max_release_share=0.5),
    ]
    people = [
        Person(person_id="P1", name="Alice Ashby", team_id="T-ASC", grade=5, profession="social work",
               skills={"safeguarding": 4, "data-analysis": 2}, aspirations={"data-analysis": 3, "gis": 2}),
        Person(person_id="P2", name="Bilal Brook", team_id="T-DATA", grade=6, profession="analyst",
               skills={"data-analysis": 4, "python": 3}, aspirations={"gis": 3}, preferences=("O2",)),
        Person(person_id="P3", name="Chen Carter", team_id="T-GIS", grade=5, profession="analyst",
               skills={"gis": 3, "python": 2}),
        Person(person_id="P4", name="Dana Dale", team_id="T-PH", grade=7, profession="public health",
               skills={"project-management": 4, "community-engagement": 3}),
        Person(person_id="P5", name="Eve Ellis", team_id="T-DATA", grade=4, profession="analyst",
               skills={"data-analysis": 2}),
        Person(person_id="P6", name="Femi Fox", team_id="T-CS", grade=6, profession="social work",
               skills={"safeguarding": 3, "community-engagement": 2}),
    ]
    opportunities = [
        Opportunity(opportunity_id="O1", title="Data analysis secondment", kind="secondment", host_team_id="T-DATA",
                    fte=0.6, required_skills={"data-analysis": 2}, development_skills={"data-analysis": 3}),
        Opportunity(opportunity_id="O2", title="GIS mapping project", kind="project", host_team_id="T-GIS",
                    fte=0.4, required_skills={"gis": 2}, development_skills={"gis": 3}),
        Opportunity(opportunity_id="O3", title="Introduction to GIS shadowing", kind="shadowing", host_team_id="T-GIS",
                    fte=0.1, development_skills={"gis": 2}),
        Opportunity(opportunity_id="O4", title="Senior social worker", kind="role", host_team_id="T-CS",
                    grade_min=5, grade_max=6, profession="social work", required_skills={"safeguarding": 3}),
        Opportunity(opportunity_id="O5", title="Public health data project", kind="project", host_team_id="T-PH",
                    fte=0.5, required_skills={"data-analysis": 3, "python": 2},
                    development_skills={"python": 3, "data-analysis": 4}),
        Opportunity(opportunity_id="O6", title="Community engagement development move", kind="development_move",
                    host_team_id="T-PH", required_skills={"community-engagement": 2},
                    development_skills={"community-engagement": 3, "project-management": 2}),
    ]
    return Scenario(skills=skills, teams=teams, people=people, opportunities=opportunities)


def _consoles() -> Scenario:
    """Four teams in two organisations, sixteen people, five opportunities and crisis demand."""
    skills = [Skill(skill_id=s, name=s.replace("-", " ").title(), category=c) for s, c in (
        ("python", "digital"), ("data-analysis", "digital"), ("social-work", "care"),
        ("planning", "place"), ("first-aid", "care"), ("driving", "logistics"))]
    teams = [
        Team(team_id="T-CHILD", name="Children's services", organisation="Northshire Council", service="Children",
             max_release_share=0.5, critical_skills=(CriticalSkill(skill="social-work", level=3, count=1),)),
        Team(team_id="T-PLAN", name="Planning", organisation="Northshire Council", service="Place",
             max_release_share=0.5),
        Team(team_id="T-DATA", name="Data and insight", organisation="Northshire NHS Trust", service="Corporate",
             max_release_share=0.5),
        Team(team_id="T-TEST", name="Testing centre", organisation="Northshire NHS Trust", service="Public health",
             max_release_share=0.5),
    ]
    people = []
    plan = [
        ("T-CHILD", "social-work", {"social-work": 4, "first-aid": 2, "driving": 3}),
        ("T-PLAN", "planning", {"planning": 4, "data-analysis": 2, "driving": 2}),
        ("T-DATA", "data", {"python": 4, "data-analysis": 4, "first-aid": 1}),
        ("T-TEST", "public-health", {"first-aid": 4, "driving": 3, "data-analysis": 1}),
    ]
    number = 0
    for team_id, profession, base in plan:
        for k in range(4):
            number += 1
            skills_of = {s: max(1, min(5, level + (k % 2) - (k // 3))) for s, level in base.items()}
            people.append(Person(
                person_id=f"P{number:03d}", name=f"Person {number}", team_id=team_id, grade=3 + k,
                profession=profession, skills=skills_of,
                aspirations={"data-analysis": 4} if k == 0 else {},
                preferences=("O-LOCAL",) if k == 1 else (),
            ))
    opportunities = [
        Opportunity(opportunity_id="O-DASH", title="Build the children's dashboard", kind="project",
                    host_team_id="T-DATA", capacity=2, required_skills={"data-analysis": 2},
                    development_skills={"data-analysis": 4}),
        Opportunity(opportunity_id="O-HUB", title="Community hub secondment", kind="secondment",
                    host_team_id="T-CHILD", capacity=1, required_skills={"first-aid": 2}),
        Opportunity(opportunity_id="O-LOCAL", title="Local plan data lead", kind="development_move",
                    host_team_id="T-PLAN", capacity=1, required_skills={"python": 3}),
        Opportunity(opportunity_id="O-TEST", title="Testing site coordinator", kind="secondment",
                    host_team_id="T-TEST", capacity=1, required_skills={"driving": 2}),
        Opportunity(opportunity_id="O-SHADOW", title="Shadow the chief planner", kind="shadowing",
                    host_team_id="T-PLAN", capacity=1, fte=0.2, required_skills={"data-analysis": 1}),
    ]
    demand = [
        Demand(team_id="T-TEST", skill="first-aid", level=2, count=2, priority=1),
        Demand(team_id="T-TEST", skill="driving", level=2, count=1, priority=2),
        Demand(team_id="T-CHILD", skill="social-work", level=5, count=1, priority=1),
    ]
    return Scenario(skills=tuple(skills), teams=tuple(teams), people=tuple(people),
                    opportunities=tuple(opportunities), demand=tuple(demand),
                    policy=Policy(time_limit_s=5, workers=1, random_seed=1))
