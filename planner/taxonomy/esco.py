"""An ESCO skills CSV (skills_en.csv or a skills collection, as published) -> a Trellis
skills.csv, with each skill's alternative labels kept in a side file for search.

ESCO skills carry no proficiency levels, so ESCO gives the catalogue of skills only; levels stay
Trellis's 1..5, set by HR on people and opportunities.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from planner.domain import Problem

from .output import skill_slug
from .source import MOST_PROBLEMS, ROW, PublishedTable, TaxonomyError, cell_problems, read_chunks

URI, LABEL, CONCEPT_TYPE = "conceptUri", "preferredLabel", "conceptType"
SKILL_TYPE, REUSE_LEVEL, ALT_LABELS = "skillType", "reuseLevel", "altLabels"
SKILLS_CSV = PublishedTable(
    what="an ESCO skills CSV", delimiter=",",
    required=(URI, LABEL), optional=(CONCEPT_TYPE, SKILL_TYPE, REUSE_LEVEL, ALT_LABELS),
)
SKILL_CONCEPT = "KnowledgeSkillCompetence"
ALT_LABELS_FILE = "skill_alt_labels.csv"  # beside skills.csv: the scenario format has no column for them
# The full skills_en.csv puts one alternative label a line; the collections join them with " | ".
LABEL_SEPARATORS = re.compile(r"\s*\n\s*|\s+\|\s+")
RELEASE_IN_PATH = re.compile(r"\bv(\d+(?:\.\d+)+)\b")  # "ESCO dataset - v1.2.0 - classification - en - csv"


@dataclass
class EscoImport:
    skills: pd.DataFrame  # skill_id, name, category (the scenario's skills.csv columns)
    alt_labels: pd.DataFrame  # skill_id, concept_uri, alt_labels ("|"-joined)
    rows_read: int
    release: str | None


def skill_id_from_uri(uri: str, label: str) -> str:
    """A skill's id is the last part of its ESCO concept URI (.../skill/<uuid>), so it stays the
    same across releases and languages; a row without a usable URI takes a slug of its label."""
    last = uri.strip().rstrip("/").rsplit("/", 1)[-1]
    if last and ";" not in last and ":" not in last and last != uri.strip():
        return last
    return skill_slug(label)


def esco_category(skill_type: str, reuse_level: str) -> str:
    """A skill's category says how widely ESCO finds it used and what kind it is, e.g.
    "transversal knowledge" or "sector-specific skill/competence"."""
    return " ".join(part.strip() for part in (reuse_level, skill_type) if part.strip())


def joined_alt_labels(cell: str) -> str:
    """ESCO's alternative labels, one a line (or " | " between them), as one `|`-joined cell."""
    labels = [label for label in LABEL_SEPARATORS.split(cell.strip()) if label]
    return "|".join(dict.fromkeys(label.replace("|", "/") for label in labels))


def release_from_path(path: Path) -> str | None:
    """The ESCO version from the folder ESCO ships it in ("... v1.2.0 ..." -> v1.2.0)."""
    found = RELEASE_IN_PATH.search(str(path))
    return f"v{found.group(1)}" if found else None


def esco_attribution(release: str | None) -> str:
    """The credit ESCO's CC BY 4.0 licence asks for."""
    version = f" {release}" if release else ""
    return (
        f"ESCO classification{version}, European Commission, CC BY 4.0 "
        "(https://esco.ec.europa.eu). The Trellis ESCO importer has selected and reformatted "
        "this information (ids from concept URIs, categories from skill type and reuse level).\n"
    )


def read_esco_skills(path: Path, release: str | None = None) -> EscoImport:
    """Read an ESCO skills CSV. Raises TaxonomyError with every problem found (up to
    MOST_PROBLEMS), each naming the file, row and column."""
    label = str(path)
    parts: list[pd.DataFrame] = []
    problems: list[Problem] = []
    for chunk in read_chunks(path, SKILLS_CSV):
        for optional in SKILLS_CSV.optional:
            if optional not in chunk:
                chunk[optional] = ""
        if len(problems) < MOST_PROBLEMS:
            problems += _row_problems(label, chunk)
        parts.append(pd.DataFrame({
            "skill_id": [skill_id_from_uri(u, n) for u, n in zip(chunk[URI], chunk[LABEL])],
            "name": chunk[LABEL],
            "category": [esco_category(t, r) for t, r in zip(chunk[SKILL_TYPE], chunk[REUSE_LEVEL])],
            "concept_uri": chunk[URI],
            "alt_labels": chunk[ALT_LABELS].map(joined_alt_labels),
            ROW: chunk[ROW],
        }))
    skills = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if not problems and skills.empty:
        problems.append(Problem(file=label, message=f"has no rows below the header: {SKILLS_CSV.what} is empty"))
    if not problems:
        problems += _repeated_ids(label, skills)
    if problems:
        raise TaxonomyError(problems[:MOST_PROBLEMS])
    return EscoImport(
        skills=skills[["skill_id", "name", "category"]],
        alt_labels=skills[["skill_id", "concept_uri", "alt_labels"]],
        rows_read=len(skills), release=release or release_from_path(path),
    )


def _row_problems(label: str, chunk: pd.DataFrame) -> list[Problem]:
    problems = cell_problems(label, chunk, chunk[LABEL].eq(""), LABEL, "is empty: every skill needs a name")
    unusable = chunk[URI].eq("") & chunk[LABEL].map(skill_slug).eq("")
    problems += cell_problems(label, chunk, unusable, URI, "is empty, and the label gives no id either")
    concept = chunk[CONCEPT_TYPE]
    problems += cell_problems(
        label, chunk, ~concept.isin(["", SKILL_CONCEPT]), CONCEPT_TYPE, "is not a skill",
        suggestion="give ESCO's skills_en.csv or a skills collection, not occupations or skill groups",
    )
    return sorted(problems, key=lambda p: p.row or 0)


def _repeated_ids(label: str, skills: pd.DataFrame) -> list[Problem]:
    """Each skill once: a repeated concept URI (or label slug) means files were joined."""
    repeats = skills[skills.duplicated("skill_id", keep="first")].head(MOST_PROBLEMS)
    first_rows = skills.drop_duplicates("skill_id").set_index("skill_id")[ROW]
    return [Problem(
        file=label, row=int(row), column=URI, value=uri or name,
        message=f"skill {skill_id!r} is already listed on row {int(first_rows[skill_id])}",
        suggestion="give each skill once (one file, not several joined)",
    ) for skill_id, uri, name, row in skills.loc[repeats.index, ["skill_id", "concept_uri", "name", ROW]].itertuples(index=False)]
