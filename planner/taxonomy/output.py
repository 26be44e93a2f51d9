"""Writing what an import produced: a skills.csv a scenario folder accepts as it is, side files,
and the attribution the taxonomy's licence asks for, all or nothing."""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from pathlib import Path

import pandas as pd
from pydantic import TypeAdapter, ValidationError

from planner.domain import Problem, Skill
from planner.scenario_io.layout import TABLE_BY_KIND
from planner.scenario_io.writers import csv_text

from .source import TaxonomyError

SKILLS_FILE = "skills.csv"
ATTRIBUTION_FILE = "ATTRIBUTION.txt"
# Every file an import may write; an import removes the others' leftovers so a folder never pairs
# one taxonomy's files with another's attribution.
IMPORT_FILES = ("skills.csv", "occupation_profiles.csv", "skill_alt_labels.csv", ATTRIBUTION_FILE)
_SKILL_LIST = TypeAdapter(list[Skill])


def skill_slug(name: str) -> str:
    """A skill id from its name: lower case ASCII words joined by hyphens
    ("Judgment and Decision Making" -> "judgment-and-decision-making")."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


def skills_csv(skills: pd.DataFrame, label: str) -> str:
    """skills.csv exactly as a scenario reads it (the columns of planner.domain.Skill), every row
    checked by the same model a scenario is, so the file validates wherever it is dropped."""
    columns = TABLE_BY_KIND["skills"].columns
    records = skills[columns].to_dict("records")
    try:
        _SKILL_LIST.validate_python(records)
    except ValidationError as error:
        detail = error.errors()[0]
        index, column = detail["loc"][0], str(detail["loc"][1]) if len(detail["loc"]) > 1 else None
        raise TaxonomyError([Problem(
            file=label, column=column, value=str(records[index].get(column, ""))[:60],
            message=f"gives a skill the scenario format cannot hold: {detail['msg']}",
        )]) from None
    repeated = skills.loc[skills["skill_id"].duplicated(), "skill_id"]
    if not repeated.empty:
        names = skills.loc[skills["skill_id"] == repeated.iloc[0], "name"].tolist()
        raise TaxonomyError([Problem(
            file=label, column="skill_id", value=repeated.iloc[0],
            message="two skills would share this id: " + " and ".join(repr(n) for n in names[:2]),
        )])
    return csv_text(columns, [[str(record[c]) for c in columns] for record in records])


def table_csv(table: pd.DataFrame) -> str:
    return csv_text(list(table.columns), table.astype(str).to_numpy().tolist())


def write_outputs(folder: Path, files: dict[str, str]) -> list[Path]:
    """Write every file into `folder` (created if needed) or none: each is written beside its
    final name and renamed into place only when all are written. Leftovers of another import
    (IMPORT_FILES not in `files`) are removed."""
    if folder.exists() and not folder.is_dir():
        raise TaxonomyError([Problem(file=str(folder), message="is a file; --out needs a folder")])
    folder.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[str, Path]] = []
    try:
        for name, text in files.items():
            handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".partial")
            staged.append((name, Path(temporary)))
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
                out.write(text)
            os.chmod(temporary, 0o644)  # public taxonomy data; mkstemp's 0600 would hide it from the web app's user
    except OSError as error:
        for _, temporary in staged:
            temporary.unlink(missing_ok=True)
        raise TaxonomyError([Problem(file=str(folder), message=f"cannot be written: {error.strerror}")]) from None
    for name, temporary in staged:
        os.replace(temporary, folder / name)
    for leftover in IMPORT_FILES:
        if leftover not in files:
            (folder / leftover).unlink(missing_ok=True)
    return [folder / name for name in files]
