"""Occupation profiles as an opportunity's required skills: HR loads an O*NET import into the
store (`trellis taxonomy load`), and the opportunity form offers its occupations; picking one
fills "Skills required" with the occupation's skills that the scenario's skills catalogue has.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from planner.scenario_io.cells import parse_skill_levels
from planner.store.occupations import (
    occupation_titles,
    replace_occupation_profiles,
    stored_occupation_profiles,
)
from planner.taxonomy.profiles import (
    OccupationProfile,
    UnknownOccupation,
    find_occupation,
    read_profiles_to_load,
    requirements_cell,
)

# A datalist longer than this is slow to render and to scroll: past it the form searches on
# the server instead (a full O*NET release has ~900 occupations).
MOST_TITLES_LISTED = 200


@dataclass(frozen=True)
class ProfileFit:
    """An occupation's required skills as the scenario can use them."""

    occupation: str
    requirements: dict[str, int]
    not_in_catalogue: tuple[str, ...]

    @property
    def cell(self) -> str:
        """The `required_skills` cell: skill:level;..."""
        return requirements_cell(self.requirements)


def load_occupation_profiles(engine: Engine, folder: Path, *, actor: str) -> int:
    """Replace the stored occupation profiles with those of an O*NET import folder (written by
    `trellis taxonomy onet`); a folder with a problem raises TaxonomyError and stores nothing."""
    profiles = read_profiles_to_load(folder)
    return replace_occupation_profiles(
        engine, ((p.soc_code, p.title, requirements_cell(p.skills)) for p in profiles),
        actor=actor, source=folder.name or str(folder))


def fit_to_catalogue(occupation: str, requirements: Mapping[str, int], catalogue: Iterable[str]) -> ProfileFit:
    """An opportunity modelled on an occupation requires the occupation's skills at its levels,
    but only skills the organisation's skills catalogue has: the others are listed for HR to
    add (from the taxonomy's skills.csv) and left out, since a required skill nobody can hold
    would make the opportunity impossible to fill."""
    known = set(catalogue)
    kept = {skill: level for skill, level in requirements.items() if skill in known}
    missing = tuple(skill for skill in requirements if skill not in known)
    return ProfileFit(occupation=occupation, requirements=kept, not_in_catalogue=missing)


def _stored_profiles(engine: Engine) -> list[OccupationProfile]:
    profiles = []
    for soc_code, title, cell in stored_occupation_profiles(engine):
        levels, _complaints = parse_skill_levels(cell)  # checked when loaded
        profiles.append(OccupationProfile(soc_code=soc_code, title=title,
                                          skills={skill: int(level) for skill, level in levels.items()}))
    return profiles


def pick_occupation(engine: Engine, soc_code_or_title: str, catalogue: Iterable[str]) -> ProfileFit:
    """The required skills of the stored occupation with that title (any case) or O*NET-SOC
    code, fitted to the catalogue; UnknownOccupation (with the closest title) when none has it."""
    profiles = _stored_profiles(engine)
    if not profiles:
        raise UnknownOccupation("no occupation profiles are loaded; HR loads them with `trellis taxonomy load DIR`")
    found = find_occupation(profiles, soc_code_or_title)
    return fit_to_catalogue(found.title, found.skills, catalogue)


def occupation_choices(engine: Engine, typed: str = "") -> tuple[list[str], bool]:
    """The titles the form's "Occupation profile" list offers: those containing what was typed
    (searched on the server; all when nothing was typed), at most MOST_TITLES_LISTED, and
    whether more match (so the form asks for a few letters to narrow the list)."""
    titles = occupation_titles(engine, typed, limit=MOST_TITLES_LISTED + 1)
    return titles[:MOST_TITLES_LISTED], len(titles) > MOST_TITLES_LISTED
