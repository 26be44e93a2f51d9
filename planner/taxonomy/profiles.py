"""Occupation profiles (occupation_profiles.csv, written by the O*NET import) as required skills
for an opportunity: HR names an occupation and gets the `skill:level;...` cell to paste into
opportunities.csv `required_skills`."""

from __future__ import annotations

import csv
import difflib
from dataclasses import dataclass
from pathlib import Path

from planner.domain import Problem
from planner.scenario_io.cells import format_cell, parse_skill_levels

from .output import SKILLS_FILE
from .source import TaxonomyError

PROFILES_FILE = "occupation_profiles.csv"
PROFILE_COLUMNS = ("soc_code", "title", "skills")


@dataclass(frozen=True)
class OccupationProfile:
    soc_code: str
    title: str
    skills: dict[str, int]


class UnknownOccupation(LookupError):
    """No occupation has that SOC code or title."""


def _csv_rows(path: Path) -> list[dict[str, str | None]]:
    """The rows of a CSV file the import wrote; text that is not UTF-8 CSV is a TaxonomyError."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as text:
            return list(csv.DictReader(text))
    except UnicodeDecodeError as error:
        raise TaxonomyError([Problem(file=str(path), message=f"is not UTF-8 text (byte {error.start + 1})",
                                     suggestion="use the file the import wrote, unchanged")]) from None
    except (csv.Error, OSError) as error:
        raise TaxonomyError([Problem(file=str(path), message=f"cannot be read as CSV: {error}")]) from None


def read_occupation_profiles(folder: Path) -> list[OccupationProfile]:
    """The profiles of an import folder; TaxonomyError names the file, row and column of a problem."""
    path = folder / PROFILES_FILE
    label = str(path)
    if not path.is_file():
        raise TaxonomyError([Problem(file=label, message="does not exist",
                                     suggestion="run `trellis taxonomy onet FILE --out DIR` first")])
    rows = _csv_rows(path)
    if not rows or any(column not in rows[0] for column in PROFILE_COLUMNS):
        raise TaxonomyError([Problem(file=label, row=1, message="needs the columns " + ", ".join(PROFILE_COLUMNS))])
    profiles = []
    for number, row in enumerate(rows, start=2):
        levels, complaints = parse_skill_levels(row["skills"] or "")
        bad = [level for level in levels.values() if level not in {"1", "2", "3", "4", "5"}]
        if complaints or bad:
            raise TaxonomyError([Problem(
                file=label, row=number, column="skills",
                value=complaints[0][0] if complaints else bad[0],
                message=complaints[0][1] if complaints else "levels are whole numbers 1 to 5",
            )])
        profiles.append(OccupationProfile(soc_code=(row["soc_code"] or "").strip(), title=(row["title"] or "").strip(),
                                          skills={skill: int(level) for skill, level in levels.items()}))
    return profiles


def _skill_ids_beside(folder: Path) -> set[str]:
    """The skill ids of the import's skills.csv (the O*NET import writes it beside the profiles)."""
    path = folder / SKILLS_FILE
    if not path.is_file():
        raise TaxonomyError([Problem(file=str(path), message="does not exist",
                                     suggestion="load the folder `trellis taxonomy onet FILE --out DIR` wrote")])
    rows = _csv_rows(path)
    if not rows or "skill_id" not in rows[0]:
        raise TaxonomyError([Problem(file=str(path), row=1, message="needs the column skill_id")])
    return {(row["skill_id"] or "").strip() for row in rows}


def _problem_of_profile(profile: OccupationProfile, earlier_row: int | None,
                        known_skills: set[str]) -> tuple[str, str, str] | None:
    """(column, value, what is wrong) of a profile that cannot be stored, else None."""
    if not profile.soc_code or len(profile.soc_code) > 20:
        return "soc_code", profile.soc_code, "an O*NET-SOC code is 1 to 20 characters, e.g. 29-1141.00"
    if earlier_row is not None:
        return "soc_code", profile.soc_code, f"this occupation is already on row {earlier_row}"
    if not profile.title:
        return "title", profile.title, "every occupation needs a title"
    unknown = [skill for skill in profile.skills if skill not in known_skills]
    if unknown:
        return "skills", unknown[0], "is not a skill of the skills.csv beside it"
    return None


def read_profiles_to_load(folder: Path) -> list[OccupationProfile]:
    """The profiles of an import folder, ready to store: each has an O*NET-SOC code (20
    characters at most, no two occupations the same) and a title, and names only skills of the
    skills.csv beside it. TaxonomyError names the file, row and column of the first problem."""
    profiles = read_occupation_profiles(folder)
    label = str(folder / PROFILES_FILE)
    if not profiles:
        raise TaxonomyError([Problem(file=label, message="lists no occupations")])
    known = _skill_ids_beside(folder)
    seen: dict[str, int] = {}
    for number, profile in enumerate(profiles, start=2):
        problem = _problem_of_profile(profile, seen.get(profile.soc_code), known)
        if problem is not None:
            column, value, message = problem
            raise TaxonomyError([Problem(
                file=label, row=number, column=column, value=value, message=message,
                suggestion="load the folder one `trellis taxonomy onet` run wrote, unchanged")])
        seen[profile.soc_code] = number
    return profiles


def find_occupation(profiles: list[OccupationProfile], soc_code_or_title: str) -> OccupationProfile:
    """The occupation with that O*NET-SOC code (29-1141.00, or 29-1141 when only one occupation
    has it) or that title, in any case."""
    wanted = " ".join(soc_code_or_title.split())
    for profile in profiles:
        if profile.soc_code == wanted or profile.title.casefold() == wanted.casefold():
            return profile
    family = [p for p in profiles if p.soc_code.split(".")[0] == wanted]
    if len(family) == 1:
        return family[0]
    if family:
        raise UnknownOccupation(f"{wanted!r} is the SOC code of {len(family)} occupations: "
                                + ", ".join(f"{p.soc_code} {p.title}" for p in family[:5]))
    by_title = {p.title.casefold(): p.title for p in profiles}
    close = difflib.get_close_matches(wanted.casefold(), list(by_title), n=1, cutoff=0.6)
    hint = f"; did you mean {by_title[close[0]]!r}?" if close else ""
    raise UnknownOccupation(f"no occupation has the SOC code or title {wanted!r}{hint}")


def profile_requirements(profiles: list[OccupationProfile], soc_code_or_title: str) -> dict[str, int]:
    """The skills an opportunity modelled on this occupation requires, and at which level (the
    occupation's skills of importance 3 or more, in O*NET's order)."""
    return dict(find_occupation(profiles, soc_code_or_title).skills)


def requirements_cell(requirements: dict[str, int]) -> str:
    """Requirements as an opportunities.csv `required_skills` cell: `skill:level;...`."""
    return format_cell(requirements)
