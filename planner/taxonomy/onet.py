"""O*NET's Skills table (Skills.txt or Skills.xlsx, as published) -> the 35 O*NET skills as a
Trellis skills.csv, and each occupation's important skills as Trellis skill levels.

O*NET rates every skill of every occupation twice: importance (scale IM, 1..5) and level
(scale LV, 0..7). Trellis levels are 1..5, so an occupation's profile keeps the skills that
matter to it and converts their level; the rules are the small functions below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from planner.domain import Problem

from .output import skill_slug
from .source import MOST_PROBLEMS, ROW, PublishedTable, TaxonomyError, cell_problems, read_chunks

SOC, TITLE, ELEMENT, ELEMENT_NAME = "O*NET-SOC Code", "Title", "Element ID", "Element Name"
SCALE, VALUE, SUPPRESS, NOT_RELEVANT = "Scale ID", "Data Value", "Recommend Suppress", "Not Relevant"
SKILLS_TABLE = PublishedTable(
    what="the O*NET Skills table", delimiter="\t",
    required=(SOC, TITLE, ELEMENT, ELEMENT_NAME, SCALE, VALUE), optional=(SUPPRESS, NOT_RELEVANT),
)

# O*NET's content model groups skills by the start of their Element ID.
SKILL_GROUPS = {
    "2.A.1": "Basic Skills: Content",
    "2.A.2": "Basic Skills: Process",
    "2.B.1": "Cross-Functional Skills: Social Skills",
    "2.B.2": "Cross-Functional Skills: Complex Problem Solving Skills",
    "2.B.3": "Cross-Functional Skills: Technical Skills",
    "2.B.4": "Cross-Functional Skills: Systems Skills",
    "2.B.5": "Cross-Functional Skills: Resource Management Skills",
}
SKILL_AREAS = {"2.A": "Basic Skills", "2.B": "Cross-Functional Skills"}
SCALE_RANGES = {"IM": (1.0, 5.0), "LV": (0.0, 7.0)}  # importance 1..5, level 0..7
IMPORTANT_FROM = 3.0
RELEASE_IN_PATH = re.compile(r"db_(\d+)_(\d+)")  # O*NET ships db_30_0_text/Skills.txt


@dataclass
class OnetImport:
    skills: pd.DataFrame  # skill_id, name, category (the scenario's skills.csv columns)
    profiles: pd.DataFrame  # soc_code, title, skills ("skill:level;...")
    rows_read: int
    release: str | None


def skill_category(element_id: str) -> str | None:
    """A skill's category is its O*NET group: 2.A.1 Basic Skills: Content, ..., 2.B.5
    Cross-Functional Skills: Resource Management Skills. A group O*NET adds later falls back to
    its area (Basic or Cross-Functional Skills); other elements are not skills (None)."""
    group = ".".join(element_id.split(".")[:3])
    return SKILL_GROUPS.get(group) or SKILL_AREAS.get(".".join(element_id.split(".")[:2]))


def is_required(importance: pd.Series) -> pd.Series:
    """A skill is part of an occupation's profile when O*NET rates its importance 3 ("important")
    or more on the 1..5 scale."""
    return importance >= IMPORTANT_FROM


def trellis_level(onet_level: pd.Series) -> pd.Series:
    """O*NET level 0..7 becomes a Trellis level 1..5: level / 7 x 5, halves rounded up (3.5 -> 2.5
    -> 3), and never below 1, since a required skill is needed at least at awareness."""
    # The small nudge keeps halves that binary floating point stores as 2.4999... rounding up.
    return np.maximum(1, np.floor(onet_level / 7.0 * 5.0 + 0.5 + 1e-9)).astype(int)


def trusted_ratings(rows: pd.DataFrame) -> pd.DataFrame:
    """O*NET flags a rating it does not trust (Recommend Suppress = Y: too few answers or too much
    disagreement) and a skill it found not relevant to the occupation (Not Relevant = Y); both
    ratings are dropped, so such a skill never enters a profile."""
    untrusted = rows[SUPPRESS].isin(["Y", "y"]) | rows[NOT_RELEVANT].isin(["Y", "y"])
    return rows[~untrusted]


def release_from_path(path: Path) -> str | None:
    """The O*NET release from the folder O*NET ships it in (db_30_0_text -> 30.0)."""
    found = RELEASE_IN_PATH.search(str(path))
    return f"{found.group(1)}.{found.group(2)}" if found else None


def onet_attribution(release: str | None) -> str:
    """The credit O*NET's CC BY 4.0 licence asks for, with the modification notice (Trellis keeps
    only important skills and converts their levels)."""
    database = f"O*NET {release} Database" if release else "O*NET Database"
    return (
        f"This file includes information from the {database} by the U.S. Department of Labor, "
        "Employment and Training Administration (USDOL/ETA). Used under the CC BY 4.0 license. "
        "O*NET\u00ae is a trademark of USDOL/ETA. The Trellis O*NET importer has modified all or some of "
        "this information (occupation profiles keep skills of importance 3 or more, levels converted "
        "from 0-7 to 1-5). USDOL/ETA has not approved, endorsed, or tested these modifications.\n"
    )


def read_onet_skills(path: Path, release: str | None = None) -> OnetImport:
    """Read O*NET's Skills table (tab-delimited text or .xlsx). Raises TaxonomyError with every
    problem found (up to MOST_PROBLEMS), each naming the file, row and column."""
    label = str(path)
    parts: list[pd.DataFrame] = []
    problems: list[Problem] = []
    for chunk in read_chunks(path, SKILLS_TABLE):
        for optional in (SUPPRESS, NOT_RELEVANT):
            if optional not in chunk:
                chunk[optional] = ""
        chunk["value"] = pd.to_numeric(chunk[VALUE], errors="coerce")
        if len(problems) < MOST_PROBLEMS:
            problems += _row_problems(label, chunk)
        parts.append(chunk[[SOC, TITLE, ELEMENT, ELEMENT_NAME, SCALE, "value", SUPPRESS, NOT_RELEVANT, ROW]])
    rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=[*SKILLS_TABLE.required, ROW])
    if not problems:
        problems += _duplicate_ratings(label, rows)
    if not problems and rows.empty:
        problems.append(Problem(file=label, message=f"has no rows below the header: {SKILLS_TABLE.what} is empty"))
    if problems:
        raise TaxonomyError(problems[:MOST_PROBLEMS])
    skills = _skills(rows)
    return OnetImport(skills=skills, profiles=_profiles(rows, skills), rows_read=len(rows),
                      release=release or release_from_path(path))


def _row_problems(label: str, chunk: pd.DataFrame) -> list[Problem]:
    """Every cell that cannot be what the Skills table holds, in one vectorised pass per rule."""
    problems: list[Problem] = []
    for column in (SOC, TITLE, ELEMENT, ELEMENT_NAME):
        problems += cell_problems(label, chunk, chunk[column].eq(""), column, "is empty")
    scale = chunk[SCALE]
    problems += cell_problems(
        label, chunk, ~scale.isin(list(SCALE_RANGES)), SCALE,
        "is not a scale of the Skills table", suggestion="the Skills table rates IM (importance) and LV (level)",
    )
    problems += cell_problems(label, chunk, chunk["value"].isna(), VALUE, "is not a number",
                              suggestion="use the file as published")
    for scale_id, (low, high) in SCALE_RANGES.items():
        outside = scale.eq(scale_id) & ~chunk["value"].between(low, high)
        outside &= chunk["value"].notna()
        problems += cell_problems(label, chunk, outside, VALUE, f"is outside the {scale_id} scale ({low:g} to {high:g})")
    elements = chunk[ELEMENT]
    not_skills = elements.ne("") & ~elements.str.startswith(tuple(SKILL_AREAS))
    problems += cell_problems(
        label, chunk, not_skills, ELEMENT, "is not a skill (skills are elements 2.A.x and 2.B.x)",
        suggestion="is this another O*NET table (Knowledge, Abilities...)? give Skills.txt or Skills.xlsx",
    )
    return sorted(problems, key=lambda p: p.row or 0)


def _duplicate_ratings(label: str, rows: pd.DataFrame) -> list[Problem]:
    """O*NET rates each skill once per occupation and scale; a repeat means files were joined."""
    key = [SOC, ELEMENT, SCALE]
    repeats = rows[rows.duplicated(key, keep="first")].head(MOST_PROBLEMS)
    first_rows = rows.drop_duplicates(key).set_index(key)[ROW]
    return [Problem(
        file=label, row=int(row), column=SCALE, value=scale,
        message=f"occupation {soc} already has a {scale} rating for {element} (row {int(first_rows[(soc, element, scale)])})",
        suggestion="give one release of the Skills table, not several joined",
    ) for soc, element, scale, row in repeats[[SOC, ELEMENT, SCALE, ROW]].itertuples(index=False)]


def _skills(rows: pd.DataFrame) -> pd.DataFrame:
    """The skills in the order O*NET lists them, the id a slug of the name."""
    elements = rows.drop_duplicates(ELEMENT)[[ELEMENT, ELEMENT_NAME]]
    return pd.DataFrame({
        "element": elements[ELEMENT].to_numpy(),
        "skill_id": [skill_slug(name) for name in elements[ELEMENT_NAME]],
        "name": elements[ELEMENT_NAME].to_numpy(),
        "category": [skill_category(e) for e in elements[ELEMENT]],
    })


def _profiles(rows: pd.DataFrame, skills: pd.DataFrame) -> pd.DataFrame:
    """One row per occupation in file order: its important skills as `skill:level;...`, skills in
    O*NET's order."""
    occupations = rows.drop_duplicates(SOC)[[SOC, TITLE]]
    trusted = trusted_ratings(rows)
    importance = trusted.loc[trusted[SCALE] == "IM", [SOC, ELEMENT, "value"]]
    level = trusted.loc[trusted[SCALE] == "LV", [SOC, ELEMENT, "value"]]
    rated = importance.merge(level, on=[SOC, ELEMENT], suffixes=("_im", "_lv"))
    rated = rated[is_required(rated["value_im"])]
    order = pd.Series(range(len(skills)), index=skills["element"])
    rated = rated.assign(
        position=rated[ELEMENT].map(order).to_numpy(),
        item=rated[ELEMENT].map(pd.Series(skills["skill_id"].to_numpy(), index=skills["element"]))
        + ":" + trellis_level(rated["value_lv"]).astype(str),
    ).sort_values("position", kind="stable")
    cells = rated.groupby(SOC, sort=False)["item"].agg(";".join)
    return pd.DataFrame({
        "soc_code": occupations[SOC].to_numpy(),
        "title": occupations[TITLE].to_numpy(),
        "skills": occupations[SOC].map(cells).fillna("").to_numpy(),
    })
